//! `GET /api/v1/tokens/self`: what the calling token is.

use super::caller::ApiCaller;
use super::ApiError;
use axum::{Extension, Json};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// The token a request was made with (never its text).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenSelf {
    /// Its id.
    pub id: Uuid,
    /// `acp_` and its first four random characters.
    pub prefix: String,
    /// `read` (GET and HEAD only) or `write`.
    pub scope: String,
    /// What it is for, as its owner wrote.
    pub description: String,
    /// When it was issued, ms since the epoch (UTC).
    pub created_at: i64,
    /// When it stops working, ms since the epoch; `null` when valid until revoked.
    pub expires_at: Option<i64>,
}

/// Describes the calling token.
#[utoipa::path(
    get,
    path = "/api/v1/tokens/self",
    tag = "tokens",
    responses(
        (status = 200, description = "The calling token", body = TokenSelf),
        (status = 401, description = "Malformed, unknown, revoked or expired token", body = ApiError),
        (status = 429, description = "Too many requests with this token", body = ApiError),
    ),
    security(("personal_token" = ["read"]))
)]
pub async fn current(Extension(caller): Extension<ApiCaller>) -> Json<TokenSelf> {
    let t = caller.token;
    Json(TokenSelf {
        id: t.id,
        prefix: t.prefix,
        scope: t.scope.as_str().to_owned(),
        description: t.description,
        created_at: t.created_at,
        expires_at: t.expires_at,
    })
}
