//! `GET`/`HEAD`/`PATCH /api/v1/profile`.

use super::caller::ApiCaller;
use super::ApiError;
use crate::domain::{ErrorCode, ValidationError};
use crate::error::ServerError;
use crate::http::json::PublicJson;
use crate::http::AppState;
use crate::store::StoreError;
use axum::extract::State;
use axum::{Extension, Json};
use profile_domain::language::Language;
use profile_domain::mutation::{Mutation, ProfileSet};
use profile_domain::state::ProfileRecord;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// The user's profile.
#[derive(Debug, Serialize, ToSchema)]
pub struct Profile {
    /// The user's id.
    pub id: Uuid,
    /// Full name.
    pub name: String,
    /// E-mail address (the sign-in name; not changed through the API).
    pub email: Option<String>,
    /// Organization.
    pub organization: Option<String>,
    /// Phone number in E.164 form, e.g. `+79123456789`.
    pub phone: Option<String>,
    /// IANA time zone, e.g. `Europe/Moscow`.
    pub time_zone: String,
    /// Interface language: `en` or `ru`.
    pub language: String,
    /// SHA-256 (hex) of the avatar picture, if there is one.
    pub avatar_sha256: Option<String>,
    /// When the profile last changed, ms since the epoch (UTC).
    pub updated_at: i64,
}

impl From<ProfileRecord> for Profile {
    fn from(p: ProfileRecord) -> Self {
        Self {
            id: p.id,
            name: p.name,
            email: p.email,
            organization: p.organization,
            phone: p.phone,
            time_zone: p.time_zone,
            language: p.language.code().to_owned(),
            avatar_sha256: p.avatar.map(|a| a.sha256),
            updated_at: p.updated_at,
        }
    }
}

/// Fields to change; those left out stay. An empty string clears an optional field.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfilePatch {
    /// Full name (required, at most 100 characters).
    pub name: Option<String>,
    /// Organization (at most 200 characters; empty clears it).
    pub organization: Option<String>,
    /// Phone number with its country code (empty clears it).
    pub phone: Option<String>,
    /// IANA time zone.
    pub time_zone: Option<String>,
    /// Interface language: `en` or `ru`.
    pub language: Option<String>,
}

/// Reads the profile.
#[utoipa::path(
    get,
    path = "/api/v1/profile",
    tag = "profile",
    responses(
        (status = 200, description = "The profile (HEAD: its headers only)", body = Profile),
        (status = 401, description = "Malformed, unknown, revoked or expired token", body = ApiError),
        (status = 429, description = "Too many requests with this token", body = ApiError),
    ),
    security(("personal_token" = ["read"]))
)]
pub async fn get_profile(Extension(caller): Extension<ApiCaller>) -> Json<Profile> {
    // Read in the same query that found the token: one round trip per request.
    Json(caller.profile.into())
}

/// Changes some of the profile's fields, with the same rules as the app; other devices see
/// the change at their next sync.
#[utoipa::path(
    patch,
    path = "/api/v1/profile",
    tag = "profile",
    request_body = ProfilePatch,
    responses(
        (status = 200, description = "The profile after the change", body = Profile),
        (status = 400, description = "Not JSON of this shape; `field` names the part at fault", body = ApiError),
        (status = 401, description = "Malformed, unknown, revoked or expired token", body = ApiError),
        (status = 403, description = "A read token", body = ApiError),
        (status = 415, description = "Not sent as application/json", body = ApiError),
        (status = 422, description = "A value the rules refuse; `field` names it", body = ApiError),
        (status = 429, description = "Too many requests with this token", body = ApiError),
    ),
    security(("personal_token" = ["write"]))
)]
pub async fn patch_profile(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
    PublicJson(patch): PublicJson<ProfilePatch>,
) -> Result<Json<Profile>, ServerError> {
    let profile_id = Uuid::parse_str(&caller.user_id)
        .map_err(|_| ServerError::Store(StoreError::Corrupt("user id".into())))?;
    let language = patch
        .language
        .as_deref()
        .map(|code| {
            Language::parse(code).map_err(|_| {
                ValidationError::new(ErrorCode::ProfileLanguageUnsupported, "language")
            })
        })
        .transpose()?;
    let set = ProfileSet {
        profile_id,
        name: patch.name,
        language,
        email: None,
        organization: patch.organization,
        phone: patch.phone,
        time_zone: patch.time_zone,
    };
    let nothing = set
        == ProfileSet {
            profile_id,
            ..ProfileSet::default()
        };
    if nothing {
        return Ok(get_profile(Extension(caller)).await);
    }
    let mutation = Mutation::ProfileSet(set).validated()?;
    let applied = state
        .store()
        .apply_as_token(&caller.user_id, caller.token.id, &mutation, state.now())
        .await
        .map_err(|err| match err {
            // Disabled between the token's check and the change.
            StoreError::UserNotFound => ServerError::TokenRefused(ErrorCode::TokenInvalid),
            other => other.into(),
        })?;
    let profile = applied.map_err(|refusal| match refusal.code {
        // The token was withdrawn while the request waited for the user's lock.
        code @ (ErrorCode::TokenRevoked | ErrorCode::TokenExpired | ErrorCode::TokenInvalid) => {
            ServerError::TokenRefused(code)
        }
        _ => ServerError::Invalid(refusal),
    })?;
    tracing::info!(token = %caller.token.id, user = %caller.user_id, "profile changed through the API");
    Ok(Json(profile.into()))
}
