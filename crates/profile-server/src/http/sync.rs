//! Sync (DESIGN.md §6): `POST /v1/sync/push`, `POST /v1/sync/pull` and
//! `GET /v1/blobs/{sha256}`, each for the authenticated session's own user only.
//!
//! The bodies are `profile_domain::sync::{PushRequest, PullRequest}`; [`ApiJson`] checks
//! their `protocol` and hands over the rest, which the structs below mirror.

use super::auth::Authenticated;
use super::json::ApiJson;
use super::{blocking, AppState};
use crate::error::ServerError;
use crate::sync::prepare;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use profile_domain::sync::{
    PullRequest, PullResponse, PushResponse, PushedMutation, MAX_PUSH_MUTATIONS, PROTOCOL,
};
use serde::Deserialize;

/// [`profile_domain::sync::PushRequest`] after its `protocol` was checked.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushBody {
    /// The mutations, `seq` ascending.
    pub mutations: Vec<PushedMutation>,
}

/// [`PullRequest`] after its `protocol` was checked.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullBody {
    /// The user's version the client last saw.
    pub cookie: i64,
    /// The `seq` up to which the client has results.
    pub acked_seq: i64,
    /// The channel catalog version the client holds (0: the built-in one).
    #[serde(default)]
    pub catalog_version: i64,
}

/// Applies the session's pushed mutations in `seq` order, exactly once.
pub async fn push(
    State(state): State<AppState>,
    session: Authenticated,
    ApiJson(body): ApiJson<PushBody>,
) -> Result<Json<PushResponse>, ServerError> {
    if body.mutations.len() > MAX_PUSH_MUTATIONS {
        return Err(ServerError::RequestInvalid {
            field: Some("mutations".into()),
        });
    }
    // A sequence starts at 1; 0 or less could only ever look like a duplicate.
    if let Some(at) = body.mutations.iter().position(|m| m.seq < 1) {
        return Err(ServerError::RequestInvalid {
            field: Some(format!("mutations[{at}].seq")),
        });
    }
    // Decoding and checking (an avatar's bounded decode) runs before any lock is taken.
    let batch =
        blocking(move || body.mutations.into_iter().map(prepare).collect::<Vec<_>>()).await?;
    let response = state
        .store()
        .push(&session.session_id, &session.user_id, &batch, state.now())
        .await?;
    Ok(Json(response))
}

/// Answers with the user's version, the session's `last_seq`, the snapshot if the cookie
/// is not current, this session's results after `acked_seq` and conflicts newer than the
/// cookie.
pub async fn pull(
    State(state): State<AppState>,
    session: Authenticated,
    ApiJson(body): ApiJson<PullBody>,
) -> Result<Json<PullResponse>, ServerError> {
    let request = PullRequest {
        protocol: PROTOCOL,
        cookie: body.cookie,
        acked_seq: body.acked_seq,
        catalog_version: body.catalog_version,
    };
    let response = state
        .store()
        .pull(&session.session_id, &session.user_id, &request)
        .await?;
    Ok(Json(response))
}

/// The bytes of one of the user's own avatar blobs, with its MIME type; `request.not_found`
/// for a blob of someone else's or none at all (the two are not told apart).
pub async fn blob(
    State(state): State<AppState>,
    session: Authenticated,
    Path(sha256): Path<String>,
) -> Result<Response, ServerError> {
    let well_formed = sha256.len() == 64
        && sha256
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if !well_formed {
        return Err(ServerError::NotFound);
    }
    let blob = state
        .store()
        .blob(&session.user_id, &sha256)
        .await?
        .ok_or(ServerError::NotFound)?;
    let mime = HeaderValue::from_str(&blob.mime).map_err(|_| ServerError::NotFound)?;
    let mut response = Body::from(blob.bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, mime);
    // Named by its content, so it never changes; only its owner may see it.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=31536000, immutable"),
    );
    Ok(response)
}
