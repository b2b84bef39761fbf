//! `POST /v1/contacts/test`: a device asks the server to send a test notification to one of
//! its user's contacts, on a channel the server has a sender for.

use super::auth::Authenticated;
use super::json::ApiJson;
use super::AppState;
use crate::domain::{ErrorCode, ValidationError};
use crate::error::ServerError;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

/// [`ContactTest`]'s body after its `protocol` was checked.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestBody {
    /// The contact.
    pub contact_id: Uuid,
}

fn refused(code: ErrorCode) -> ServerError {
    ServerError::Invalid(ValidationError::general(code))
}

/// Sends a test notification to the contact, or says why not.
pub async fn test(
    State(state): State<AppState>,
    session: Authenticated,
    ApiJson(body): ApiJson<TestBody>,
) -> Result<Json<Value>, ServerError> {
    let store = state.store();
    let contact = store
        .contacts_of(&session.user_id)
        .await?
        .into_iter()
        .find(|c| c.id == body.contact_id)
        .ok_or_else(|| refused(ErrorCode::ContactNotFound))?;
    let catalog = store.catalog().await?;
    let has_sender = catalog
        .channel(&contact.channel)
        .is_some_and(|c| c.test_sender);
    if !has_sender {
        return Err(refused(ErrorCode::ContactTestUnavailable));
    }
    let user = store
        .user_by_id(&session.user_id)
        .await?
        .ok_or(ServerError::SessionRevoked)?;
    state
        .notifier()
        .test_webhook(&contact.value, &user.email)
        .await?;
    Ok(Json(json!({ "sent": true })))
}
