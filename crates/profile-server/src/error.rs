//! The server's typed errors, each with a stable code (DESIGN §5).

use crate::domain::{ErrorCode, ValidationError};
use crate::store::StoreError;
use serde_json::{Map, Value};

/// Everything a request or an administration command can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The input broke a domain rule (password rules, name, e-mail …).
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// The body is not JSON of the expected shape; `field` names the part at fault if known.
    #[error("malformed request")]
    RequestInvalid {
        /// The JSON field at fault.
        field: Option<String>,
    },
    /// The body is larger than the limit.
    #[error("request body too large")]
    TooLarge,
    /// The body is not declared as JSON.
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// The request names another protocol version, or none.
    #[error("protocol mismatch")]
    ProtocolMismatch,
    /// Wrong e-mail, wrong password or a disabled account: one answer for all three.
    #[error("invalid credentials")]
    InvalidCredentials,
    /// Too many wrong passwords; the next try must wait.
    #[error("throttled for {retry_after_ms} ms")]
    Throttled {
        /// How long to wait, in ms.
        retry_after_ms: i64,
    },
    /// No session secret, or one that names no session.
    #[error("authentication required")]
    AuthRequired,
    /// The session has ended.
    #[error("session revoked")]
    SessionRevoked,
    /// The current password given to a change is wrong.
    #[error("current password wrong")]
    CurrentPasswordWrong,
    /// The password was changed by someone else meanwhile.
    #[error("password changed elsewhere")]
    PasswordChangedElsewhere,
    /// A user with this e-mail exists.
    #[error("user exists")]
    UserExists,
    /// No user has this e-mail.
    #[error("user not found")]
    UserNotFound,
    /// No endpoint has this path.
    #[error("not found")]
    NotFound,
    /// The endpoint does not take this method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The request took longer than allowed.
    #[error("timed out")]
    Timeout,
    /// A personal token that is not one (shape or checksum), unknown, revoked, expired, or
    /// of a disabled user: `code` says which.
    #[error("personal token refused: {0}")]
    TokenRefused(ErrorCode),
    /// A read token was used for a change.
    #[error("token scope insufficient")]
    ScopeInsufficient,
    /// An ordinary user's token asked for what only an administrator's may.
    #[error("administrator required")]
    AdminRequired,
    /// Too many requests with one token; the next must wait.
    #[error("rate limited for {retry_after_ms} ms")]
    RateLimited {
        /// How long to wait, in ms.
        retry_after_ms: i64,
    },
    /// The storage failed.
    #[error("storage failure: {0}")]
    Store(#[source] StoreError),
    /// Hashing a password failed, or its worker thread died (never holds the password).
    #[error("hashing failure: {0}")]
    Hashing(String),
    /// The notification sender could not be set up (its HTTP client).
    #[error("notification sender failure: {0}")]
    Sender(String),
}

impl From<StoreError> for ServerError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::UserExists => Self::UserExists,
            StoreError::UserNotFound => Self::UserNotFound,
            StoreError::SessionEnded => Self::SessionRevoked,
            StoreError::PasswordVersionChanged => Self::PasswordChangedElsewhere,
            StoreError::ChannelExists => Self::Invalid(crate::domain::ValidationError::general(
                ErrorCode::ChannelExists,
            )),
            StoreError::ChannelNotFound => Self::Invalid(crate::domain::ValidationError::general(
                ErrorCode::ChannelNotFound,
            )),
            StoreError::TooManyChannels => Self::Invalid(
                crate::domain::ValidationError::general(ErrorCode::ChannelInvalid)
                    .with("why", "too many channels"),
            ),
            other => Self::Store(other),
        }
    }
}

impl ServerError {
    /// The stable code a client sees.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Invalid(e) => e.code,
            Self::RequestInvalid { .. } => ErrorCode::RequestInvalid,
            Self::TooLarge => ErrorCode::RequestTooLarge,
            Self::UnsupportedMediaType => ErrorCode::RequestUnsupportedMediaType,
            Self::ProtocolMismatch => ErrorCode::SyncProtocolMismatch,
            Self::InvalidCredentials => ErrorCode::AuthInvalidCredentials,
            Self::Throttled { .. } => ErrorCode::AuthThrottled,
            Self::AuthRequired => ErrorCode::AuthRequired,
            Self::SessionRevoked => ErrorCode::SessionRevoked,
            Self::CurrentPasswordWrong => ErrorCode::PasswordCurrentWrong,
            Self::PasswordChangedElsewhere => ErrorCode::PasswordChangedElsewhere,
            Self::UserExists => ErrorCode::UserExists,
            Self::UserNotFound => ErrorCode::UserNotFound,
            Self::NotFound => ErrorCode::RequestNotFound,
            Self::MethodNotAllowed => ErrorCode::RequestMethodNotAllowed,
            Self::Timeout => ErrorCode::RequestTimeout,
            Self::TokenRefused(code) => *code,
            Self::ScopeInsufficient => ErrorCode::TokenScopeInsufficient,
            Self::AdminRequired => ErrorCode::ApiAdminRequired,
            Self::RateLimited { .. } => ErrorCode::RequestRateLimited,
            Self::Store(_) | Self::Hashing(_) | Self::Sender(_) => ErrorCode::Internal,
        }
    }

    /// The request field at fault, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Invalid(e) => e.field,
            Self::RequestInvalid { field } => field.as_deref(),
            Self::CurrentPasswordWrong => Some("current"),
            _ => None,
        }
    }

    /// Values a translated message interpolates.
    pub fn params(&self) -> Map<String, Value> {
        match self {
            Self::Invalid(e) => e.params.clone(),
            Self::Throttled { retry_after_ms } | Self::RateLimited { retry_after_ms } => {
                let mut params = Map::new();
                params.insert(
                    "wait_seconds".into(),
                    retry_after_secs(*retry_after_ms).into(),
                );
                params
            }
            _ => Map::new(),
        }
    }

    /// Whether the fault is ours; such errors are logged in full and answered as `internal`.
    pub fn is_internal(&self) -> bool {
        self.code() == ErrorCode::Internal
    }
}

/// Whole seconds to wait, rounded up, at least 1 (what `Retry-After` carries).
pub fn retry_after_secs(ms: i64) -> u64 {
    u64::try_from(ms.max(1)).unwrap_or(1).div_ceil(1000)
}
