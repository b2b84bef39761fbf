//! `GET /health`: whether this instance can reach its database.

use super::AppState;
use crate::domain::ErrorCode;
use crate::store::Backend;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// 200 `{status: "ok", database}` when the database answers, else 503 with code `internal`.
pub async fn health(State(state): State<AppState>) -> Response {
    let database = match state.store().backend() {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    match state.store().ping().await {
        Ok(()) => Json(json!({ "status": "ok", "database": database })).into_response(),
        Err(err) => {
            tracing::error!(error = ?err, "health check: the database does not answer");
            let code = ErrorCode::Internal;
            let body = json!({ "code": code.as_str(), "message": code.english() });
            (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
        }
    }
}
