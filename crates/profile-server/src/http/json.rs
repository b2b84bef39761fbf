//! The JSON body extractor: every refusal is a coded error, never axum's plain text.

use crate::error::ServerError;
use crate::PROTOCOL;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{header, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A JSON request body of type `T`, which names the protocol version in `"protocol"`.
///
/// Checked in this order: declared as JSON (else 415), within the size limit (else 413),
/// well-formed JSON object (else `request.invalid`), `"protocol"` equal to [`PROTOCOL`]
/// (else `sync.protocol_mismatch`, also when missing), then the shape of `T`, whose types
/// refuse unknown fields (else `request.invalid` with the field at fault).
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ServerError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        read_json(req, state, true).await.map(ApiJson)
    }
}

/// A JSON request body of type `T` for the public API: checked like [`ApiJson`] but with
/// no `"protocol"` (the version is in the path, `/api/v1`).
#[derive(Debug)]
pub struct PublicJson<T>(pub T);

impl<T, S> FromRequest<S> for PublicJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ServerError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        read_json(req, state, false).await.map(PublicJson)
    }
}

async fn read_json<T: DeserializeOwned, S: Send + Sync>(
    req: Request,
    state: &S,
    protocol: bool,
) -> Result<T, ServerError> {
    if !declares_json(&req) {
        return Err(ServerError::UnsupportedMediaType);
    }
    let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ServerError::TooLarge
        } else {
            ServerError::RequestInvalid { field: None }
        }
    })?;
    let Ok(Value::Object(mut object)) = serde_json::from_slice::<Value>(&bytes) else {
        return Err(ServerError::RequestInvalid { field: None });
    };
    if protocol {
        match object.remove("protocol") {
            Some(Value::Number(n)) if n.as_u64() == Some(u64::from(PROTOCOL)) => {}
            _ => return Err(ServerError::ProtocolMismatch),
        }
    }
    serde_path_to_error::deserialize(Value::Object(object)).map_err(|err| {
        ServerError::RequestInvalid {
            field: field_at_fault(&err),
        }
    })
}

fn declares_json(req: &Request) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

/// The dotted path of the field a deserialisation failed at, e.g. `device.name`.
fn field_at_fault(err: &serde_path_to_error::Error<serde_json::Error>) -> Option<String> {
    let path = err.path().to_string();
    let path = (path != ".").then_some(path);
    // A missing field is reported at its parent; the message names it.
    let message = err.inner().to_string();
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next());
    match (path, missing) {
        (Some(parent), Some(name)) => Some(format!("{parent}.{name}")),
        (None, Some(name)) => Some(name.to_owned()),
        (path, None) => path,
    }
}
