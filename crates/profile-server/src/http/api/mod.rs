//! The public REST API under `/api/v1`, opened by personal tokens (DESIGN.md §7). Its
//! OpenAPI 3.1 document is generated from these handlers and served at
//! `/api/v1/openapi.json`, so the document and the routes cannot drift apart.

mod caller;
mod contacts;
mod profile;
mod rate;
mod tokens;

pub use caller::{ApiCaller, NOTE_USE_INTERVAL_MS};
pub use rate::TokenRateLimiter;

use super::AppState;
use crate::error::ServerError;
use axum::middleware;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use std::sync::Arc;
use tower::ServiceBuilder;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::OpenApi as Document;
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Where the OpenAPI document is served.
pub const OPENAPI_PATH: &str = "/api/v1/openapi.json";

/// Every refusal: a stable code, an English message, and where known the field at fault
/// and the values the message names.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiError {
    /// Stable dotted code, e.g. `token.expired`.
    pub code: String,
    /// English message for people.
    pub message: String,
    /// The request field at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Values the message names, e.g. `{"max": 100}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub params: Option<serde_json::Map<String, serde_json::Value>>,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Acure Profile public API",
        description = "Read and change your Acure profile with a personal API token \
            (Profile app → API Access). Send it as `Authorization: Bearer acp_…`. A Read token \
            makes GET and HEAD requests only; a Write token may also change data.",
        version = "1"
    ),
    modifiers(&PersonalToken),
    tags(
        (name = "profile", description = "The user's profile"),
        (name = "notifications", description = "How the user is reached"),
        (name = "tokens", description = "The calling token")
    )
)]
struct ApiDoc;

/// Declares the bearer scheme the operations' `security` names.
struct PersonalToken;

impl Modify for PersonalToken {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "personal_token",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// The API's routes and its document, generated from the same handlers.
fn routes() -> (Router<AppState>, Document) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(profile::get_profile, profile::patch_profile))
        .routes(routes!(contacts::list))
        .routes(routes!(contacts::mailing_list))
        .routes(routes!(tokens::current))
        .split_for_parts()
}

/// The OpenAPI document of the public API.
pub fn document() -> Document {
    routes().1
}

/// The public API: every request under `/api/v1/` passes [`caller::authenticate`] before
/// routing, so a bad token gets the same answer on every path and method (and a read token
/// a 403 before a 405); the document is open to all.
pub fn router(state: AppState) -> Router<AppState> {
    let (api, doc) = routes();
    let api = api
        .fallback(|| async { ServerError::NotFound })
        .with_state(state.clone());
    let guarded = ServiceBuilder::new()
        .layer(middleware::from_fn_with_state(state, caller::authenticate))
        .service(api);
    let doc = Arc::new(doc);
    Router::new()
        .route_service("/api/v1/{*rest}", guarded)
        .route(
            OPENAPI_PATH,
            get(move || async move { Json(doc.as_ref().clone()) }),
        )
}
