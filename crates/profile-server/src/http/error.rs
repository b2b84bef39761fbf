//! Errors as HTTP answers: `{ code, message, field?, params? }` with a fitting status.

use crate::domain::ErrorCode;
use crate::error::{retry_after_secs, ServerError};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

impl ServerError {
    /// The HTTP status this error is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::RequestInvalid { .. } | Self::ProtocolMismatch => StatusCode::BAD_REQUEST,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::InvalidCredentials
            | Self::AuthRequired
            | Self::SessionRevoked
            | Self::TokenRefused(_) => StatusCode::UNAUTHORIZED,
            Self::Throttled { .. } | Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::CurrentPasswordWrong | Self::ScopeInsufficient | Self::AdminRequired => {
                StatusCode::FORBIDDEN
            }
            Self::PasswordChangedElsewhere | Self::UserExists => StatusCode::CONFLICT,
            Self::UserNotFound | Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Timeout => StatusCode::REQUEST_TIMEOUT,
            Self::Store(_) | Self::Hashing(_) | Self::Sender(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    /// The JSON body a client sees.
    pub fn body(&self) -> Value {
        let code = self.code();
        let mut body = json!({ "code": code.as_str(), "message": code.english() });
        if let Some(field) = self.field() {
            body["field"] = field.into();
        }
        let params = self.params();
        if !params.is_empty() {
            body["params"] = Value::Object(params);
        }
        body
    }
}

impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        if self.is_internal() {
            // In full for the operator; the client learns only `internal`.
            tracing::error!(error = ?self, "internal error");
        }
        let mut response = (self.status(), Json(self.body())).into_response();
        let headers = response.headers_mut();
        match &self {
            Self::Throttled { retry_after_ms } | Self::RateLimited { retry_after_ms } => {
                headers.insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(retry_after_secs(*retry_after_ms)),
                );
            }
            Self::AuthRequired | Self::SessionRevoked => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            // RFC 6750 §3.1: no credentials get a bare challenge, bad ones say why.
            Self::TokenRefused(ErrorCode::AuthRequired) => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static(r#"Bearer realm="acure-profile""#),
                );
            }
            Self::TokenRefused(_) => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static(
                        r#"Bearer realm="acure-profile", error="invalid_token""#,
                    ),
                );
            }
            Self::ScopeInsufficient => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static(
                        r#"Bearer realm="acure-profile", error="insufficient_scope", scope="write""#,
                    ),
                );
            }
            _ => {}
        }
        response
    }
}

/// Gives every error answer that is not already ours (axum's 404 and 405, tower-http's 408
/// and 413, anything else) the coded JSON shape, so no plain-text rejection reaches a client.
pub async fn coded_errors(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let error = match status {
        StatusCode::NOT_FOUND => ServerError::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => ServerError::MethodNotAllowed,
        StatusCode::REQUEST_TIMEOUT => ServerError::Timeout,
        StatusCode::PAYLOAD_TOO_LARGE => ServerError::TooLarge,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ServerError::UnsupportedMediaType,
        StatusCode::TOO_MANY_REQUESTS => ServerError::Throttled {
            retry_after_ms: 1000,
        },
        s if s.is_client_error() => ServerError::RequestInvalid { field: None },
        _ => {
            tracing::error!(%status, "an error answer without a code");
            let internal = ErrorCode::Internal;
            let body = json!({ "code": internal.as_str(), "message": internal.english() });
            return (status, Json(body)).into_response();
        }
    };
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::CONTENT_TYPE);
    let mut coded = error.into_response();
    *coded.status_mut() = status;
    for (name, value) in parts.headers.iter() {
        coded.headers_mut().entry(name).or_insert(value.clone());
    }
    coded
}
