//! Typed errors of the core, with the stable dotted codes of the domain (DESIGN.md §5).
//!
//! The UI translates by `code` and shows the error next to `field`; `message` is an English
//! fallback. Storage failures keep their cause for the log but surface only as `internal`.

pub use profile_domain::error::{ErrorCode, ValidationError, WireCode, WireError};
use serde_json::{Map, Value};

/// Everything that can go wrong in the core.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// The input broke a rule.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// An operation needs a profile and there is none.
    #[error("no profile on this device")]
    ProfileMissing,
    /// The database failed.
    #[error("storage failure")]
    Storage(#[from] sqlx::Error),
    /// The database schema could not be brought up to date.
    #[error("schema migration failure")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// An avatar file or crop was refused, or the avatar pipeline failed.
    #[error(transparent)]
    Avatar(#[from] crate::avatar::AvatarError),
    /// Hashing a password failed (never includes the password).
    #[error(transparent)]
    Hashing(#[from] profile_domain::password::hash::HashError),
    /// A blocking task (e.g. hashing) was cancelled or panicked.
    #[error("background task failed: {0}")]
    Task(String),
    /// Stored data could not be read back.
    #[error("stored data is malformed: {0}")]
    Corrupt(String),
    /// The local store could not be opened; says which file and why.
    #[error(transparent)]
    StoreOpen(#[from] crate::open_error::StoreOpenError),
}

impl CoreError {
    /// The stable code the UI sees.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Invalid(e) => e.code,
            Self::ProfileMissing => ErrorCode::ProfileMissing,
            Self::Avatar(e) => e.code(),
            Self::StoreOpen(e) => e.code(),
            Self::Storage(e) if crate::open_error::is_busy(e) => ErrorCode::StoreBusy,
            Self::Storage(_)
            | Self::Migration(_)
            | Self::Corrupt(_)
            | Self::Hashing(_)
            | Self::Task(_) => ErrorCode::Internal,
        }
    }

    /// The input field at fault, if any.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::Invalid(e) => e.field,
            Self::Avatar(e) => e.field(),
            _ => None,
        }
    }

    /// Values for the translated message.
    pub fn params(&self) -> Map<String, Value> {
        match self {
            Self::Invalid(e) => e.params.clone(),
            Self::Avatar(e) => e.params(),
            Self::StoreOpen(e) => e.params(),
            _ => Map::new(),
        }
    }

    /// Whether this is a fault of ours rather than of the input; such errors are logged in full.
    pub fn is_internal(&self) -> bool {
        self.code() == ErrorCode::Internal
    }
}
