//! `GET /api/v1/notification-contacts`: the user's enabled notification contacts. Contacts
//! are not kept yet (the notification channels come next), so the list is empty.

use super::caller::ApiCaller;
use super::ApiError;
use axum::{Extension, Json};
use serde::Serialize;
use utoipa::ToSchema;

/// One way to reach the user.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationContact {
    /// The channel's id, e.g. `email` or `telegram`.
    pub channel: String,
    /// The contact in that channel, e.g. an address or a chat id.
    pub value: String,
    /// Whether it is the user's preferred contact in that channel.
    pub preferred: bool,
}

/// Lists the user's enabled notification contacts.
#[utoipa::path(
    get,
    path = "/api/v1/notification-contacts",
    tag = "notifications",
    responses(
        (status = 200, description = "Enabled contacts, preferred first per channel", body = [NotificationContact]),
        (status = 401, description = "Malformed, unknown, revoked or expired token", body = ApiError),
        (status = 429, description = "Too many requests with this token", body = ApiError),
    ),
    security(("personal_token" = ["read"]))
)]
pub async fn list(Extension(_caller): Extension<ApiCaller>) -> Json<Vec<NotificationContact>> {
    Json(Vec::new())
}
