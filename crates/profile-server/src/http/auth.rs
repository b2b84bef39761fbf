//! Signing in and out, changing the password, and the session authentication of requests.

use super::json::ApiJson;
use super::{blocking, AppState, ClientAddress};
use crate::domain::{new_id, password_hash, password_rules, tidy_device, DeviceInfo, Password};
use crate::error::ServerError;
use crate::secret::SessionSecret;
use crate::store::{email_key, EndReason, NewSession, PasswordChange, StoreError, User};
use crate::throttle;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::Json;
use serde::{Deserialize, Serialize};

/// How often at most a session's `last_active_at` is written.
pub const TOUCH_INTERVAL_MS: i64 = 60_000;

/// `POST /v1/auth/sign-in`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    /// The account's e-mail, any case.
    pub email: String,
    /// The password.
    pub password: Password,
    /// What the device says about itself.
    pub device: DeviceFacts,
}

/// A device's description of itself.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceFacts {
    /// The device's name.
    pub name: String,
    /// Its operating system.
    pub os: String,
    /// The app's version.
    pub app_version: String,
}

/// The answer to a sign-in: the new session and who it belongs to.
#[derive(Debug, Serialize)]
pub struct SignInResponse {
    /// The session's id (the device's sync client id).
    pub session_id: String,
    /// The session secret, shown only this once.
    pub secret: String,
    /// The user.
    pub user: UserView,
}

/// A user as a device sees them.
#[derive(Debug, Serialize)]
pub struct UserView {
    /// Id.
    pub id: String,
    /// E-mail.
    pub email: String,
    /// Name.
    pub name: String,
    /// Interface language.
    pub language: String,
    /// IANA time zone.
    pub time_zone: String,
    /// Organization.
    pub organization: Option<String>,
    /// E.164 phone.
    pub phone: Option<String>,
    /// The avatar's SHA-256.
    pub avatar_sha256: Option<String>,
    /// Whether an administrator.
    pub is_admin: bool,
    /// The password's version.
    pub password_version: i64,
    /// The sync cookie.
    pub version: i64,
}

impl From<User> for UserView {
    fn from(u: User) -> Self {
        Self {
            id: u.id,
            email: u.email,
            name: u.name,
            language: u.language,
            time_zone: u.time_zone,
            organization: u.organization,
            phone: u.phone,
            avatar_sha256: u.avatar_sha256,
            is_admin: u.is_admin != 0,
            password_version: u.password_version,
            version: u.version,
        }
    }
}

/// Verifies `password` against `phc` on a worker thread.
async fn verify(password: Password, phc: String) -> Result<bool, ServerError> {
    blocking(move || password_hash::verify(&password, &phc)).await
}

/// Signs a device in. A wrong password, an unknown e-mail and a disabled account get the
/// same answer after the same work (an unknown e-mail is verified against a dummy hash).
pub async fn sign_in(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    ApiJson(req): ApiJson<SignInRequest>,
) -> Result<Json<SignInResponse>, ServerError> {
    let store = state.store();
    let key = email_key(&req.email);
    let keys = throttle::keys(&key, address);
    throttle::check(store, &keys, state.now()).await?;
    let user = store.user_by_email_key(&key).await?;
    let phc = user.as_ref().map_or_else(
        || state.dummy_hash().to_owned(),
        |u| u.password_hash.clone(),
    );
    let right = verify(req.password, phc).await?;
    let user = match user {
        Some(user) if right => user,
        _ => {
            throttle::failed(store, &keys, state.now()).await?;
            return Err(ServerError::InvalidCredentials);
        }
    };
    if user.disabled_at.is_some() {
        return Err(ServerError::InvalidCredentials);
    }
    throttle::succeeded(store, &keys).await?;
    let device = tidy_device(DeviceInfo {
        device_name: req.device.name,
        os: req.device.os,
        app_version: req.device.app_version,
    });
    let secret = SessionSecret::generate();
    let session_id = new_id(state.env()).to_string();
    let started = store
        .start_session(&NewSession {
            id: session_id.clone(),
            user_id: user.id.clone(),
            secret_hash: secret.hash(),
            device_name: device.device_name,
            os: device.os,
            app_version: device.app_version,
            address: address.map(|ip| ip.to_string()),
            now: state.now(),
        })
        .await;
    match started {
        Ok(()) => {}
        // Disabled between the check and the insert.
        Err(StoreError::UserNotFound) => return Err(ServerError::InvalidCredentials),
        Err(other) => return Err(other.into()),
    }
    let user = store
        .user_by_id(&user.id)
        .await?
        .ok_or(ServerError::InvalidCredentials)?;
    tracing::info!(session = %session_id, user = %user.id, "signed in");
    Ok(Json(SignInResponse {
        session_id,
        secret: secret.expose().to_owned(),
        user: user.into(),
    }))
}

/// A body that carries nothing but the protocol version.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmptyRequest {}

/// `POST /v1/auth/sign-out`: ends the calling session.
pub async fn sign_out(
    State(state): State<AppState>,
    session: Authenticated,
    ApiJson(EmptyRequest {}): ApiJson<EmptyRequest>,
) -> Result<StatusCode, ServerError> {
    state
        .store()
        .end_session(&session.session_id, EndReason::SignedOut, state.now())
        .await?;
    tracing::info!(session = %session.session_id, "signed out");
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v1/auth/password`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordChangeRequest {
    /// The current password, checked first.
    pub current: Password,
    /// The new one; the domain's rules apply.
    pub new: Password,
}

/// The answer to a password change.
#[derive(Debug, Serialize)]
pub struct PasswordChanged {
    /// The password's new version.
    pub password_version: i64,
}

/// Changes the password: the current one first (throttled like a sign-in), then the rules on
/// the new one; every other session of the user ends, the caller's stays.
pub async fn change_password(
    State(state): State<AppState>,
    session: Authenticated,
    ClientAddress(address): ClientAddress,
    ApiJson(req): ApiJson<PasswordChangeRequest>,
) -> Result<Json<PasswordChanged>, ServerError> {
    let store = state.store();
    let user = store
        .user_by_id(&session.user_id)
        .await?
        .ok_or(ServerError::SessionRevoked)?;
    let keys = throttle::keys(&email_key(&user.email), address);
    throttle::check(store, &keys, state.now()).await?;
    if !verify(req.current.clone(), user.password_hash.clone()).await? {
        throttle::failed(store, &keys, state.now()).await?;
        return Err(ServerError::CurrentPasswordWrong);
    }
    throttle::succeeded(store, &keys).await?;
    password_rules::validate(&req.new, Some(&req.current)).map_err(|mut err| {
        // The domain names the app's field; here the request's field is `new`.
        if err.field == Some(password_rules::FIELD) {
            err.field = Some("new");
        }
        ServerError::Invalid(err)
    })?;
    let env = state.env().clone();
    let new = req.new;
    let new_hash = blocking(move || password_hash::hash(&new, &env))
        .await?
        .map_err(|e| ServerError::Hashing(e.to_string()))?;
    store
        .change_password(&PasswordChange {
            user_id: user.id.clone(),
            keep_session_id: session.session_id.clone(),
            expected_version: user.password_version,
            new_hash,
            now: state.now(),
        })
        .await?;
    tracing::info!(session = %session.session_id, user = %user.id, "password changed");
    Ok(Json(PasswordChanged {
        password_version: user.password_version + 1,
    }))
}

/// A request authenticated by `Authorization: Bearer <session secret>`.
///
/// A missing, malformed or unknown secret is `auth.required`; the secret of an ended
/// session is `session.revoked`. The secret is looked up by its SHA-256 and never logged.
#[derive(Debug, Clone)]
pub struct Authenticated {
    /// The session.
    pub session_id: String,
    /// Its user.
    pub user_id: String,
}

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ServerError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let secret = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .and_then(|(_, secret)| SessionSecret::parse(secret.trim()))
            .ok_or(ServerError::AuthRequired)?;
        let session = state
            .store()
            .session_by_secret_hash(&secret.hash())
            .await?
            .ok_or(ServerError::AuthRequired)?;
        if session.ended_at.is_some() {
            return Err(ServerError::SessionRevoked);
        }
        let now = state.now();
        if now - session.last_active_at >= TOUCH_INTERVAL_MS {
            state
                .store()
                .touch_session(&session.id, now, now - TOUCH_INTERVAL_MS + 1)
                .await?;
        }
        Ok(Self {
            session_id: session.id,
            user_id: session.user_id,
        })
    }
}
