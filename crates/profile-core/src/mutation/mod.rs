//! Named mutations (DESIGN.md §3): the only way anything writes the profile tables.
//!
//! A mutation is validated (and normalised), applied to the local tables and appended to the
//! outbox in one transaction. The server applies the same mutations.

mod avatar;
mod local;
mod log;
mod password;
mod profile;
mod session;

pub use avatar::{data_url, AvatarRemove, AvatarSet, AVATAR_MAX_BYTES};
pub use local::LocalChange;
pub use log::{Committed, MutationLog};
pub use password::{PasswordChange, PasswordSet};
pub use profile::{ProfileCreate, ProfileSet};
pub use session::{SessionEnd, SessionStart};

use crate::error::{CoreError, ValidationError};
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;

/// Turns "no row changed" into [`CoreError::ProfileMissing`]: every mutation names its profile.
pub(crate) fn one_profile_row(done: sqlx::sqlite::SqliteQueryResult) -> Result<(), CoreError> {
    if done.rows_affected() == 0 {
        return Err(CoreError::ProfileMissing);
    }
    Ok(())
}

/// Every kind of change, with its arguments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "name", content = "args")]
pub enum Mutation {
    /// Creates the profile on this device.
    #[serde(rename = "profile.create")]
    ProfileCreate(ProfileCreate),
    /// Changes some of the profile's fields.
    #[serde(rename = "profile.set")]
    ProfileSet(ProfileSet),
    /// Stores a new avatar.
    #[serde(rename = "avatar.set")]
    AvatarSet(AvatarSet),
    /// Removes the avatar.
    #[serde(rename = "avatar.remove")]
    AvatarRemove(AvatarRemove),
    /// Sets the first password (as a hash).
    #[serde(rename = "password.set")]
    PasswordSet(PasswordSet),
    /// Changes the password (as a hash), compare-and-set on its version.
    #[serde(rename = "password.change")]
    PasswordChange(PasswordChange),
    /// Starts a session.
    #[serde(rename = "session.start")]
    SessionStart(SessionStart),
    /// Ends a session.
    #[serde(rename = "session.end")]
    SessionEnd(SessionEnd),
}

impl Mutation {
    /// The stable name, e.g. `profile.set`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::ProfileCreate(_) => "profile.create",
            Self::ProfileSet(_) => "profile.set",
            Self::AvatarSet(_) => "avatar.set",
            Self::AvatarRemove(_) => "avatar.remove",
            Self::PasswordSet(_) => "password.set",
            Self::PasswordChange(_) => "password.change",
            Self::SessionStart(_) => "session.start",
            Self::SessionEnd(_) => "session.end",
        }
    }

    /// The arguments as JSON, as stored in the outbox.
    pub fn args(&self) -> serde_json::Value {
        match self {
            Self::ProfileCreate(m) => serde_json::to_value(m),
            Self::ProfileSet(m) => serde_json::to_value(m),
            Self::AvatarSet(m) => serde_json::to_value(m),
            Self::AvatarRemove(m) => serde_json::to_value(m),
            Self::PasswordSet(m) => serde_json::to_value(m),
            Self::PasswordChange(m) => serde_json::to_value(m),
            Self::SessionStart(m) => serde_json::to_value(m),
            Self::SessionEnd(m) => serde_json::to_value(m),
        }
        .unwrap_or_default()
    }

    /// Rebuilds a mutation from its stored name and JSON arguments.
    pub fn decode(name: &str, args: &str) -> Result<Self, serde_json::Error> {
        let args: serde_json::Value = serde_json::from_str(args)?;
        serde_json::from_value(serde_json::json!({ "name": name, "args": args }))
    }

    /// Checks the rules and returns the normalised mutation (e.g. names trimmed).
    pub fn validated(self) -> Result<Self, ValidationError> {
        Ok(match self {
            Self::ProfileCreate(m) => Self::ProfileCreate(m.validated()?),
            Self::ProfileSet(m) => Self::ProfileSet(m.validated()?),
            Self::AvatarSet(m) => Self::AvatarSet(m.validated()?),
            Self::AvatarRemove(m) => Self::AvatarRemove(m),
            Self::PasswordSet(m) => Self::PasswordSet(m.validated()?),
            Self::PasswordChange(m) => Self::PasswordChange(m.validated()?),
            Self::SessionStart(m) => Self::SessionStart(m.validated()),
            Self::SessionEnd(m) => Self::SessionEnd(m),
        })
    }

    /// Applies an already validated mutation to the tables, inside the caller's transaction.
    pub(crate) async fn apply(
        &self,
        conn: &mut SqliteConnection,
        now_ms: i64,
    ) -> Result<(), CoreError> {
        match self {
            Self::ProfileCreate(m) => m.apply(conn, now_ms).await,
            Self::ProfileSet(m) => m.apply(conn, now_ms).await,
            Self::AvatarSet(m) => m.apply(conn, now_ms).await,
            Self::AvatarRemove(m) => m.apply(conn, now_ms).await,
            Self::PasswordSet(m) => m.apply(conn).await,
            Self::PasswordChange(m) => m.apply(conn, now_ms).await,
            Self::SessionStart(m) => m.apply(conn, now_ms).await,
            Self::SessionEnd(m) => m.apply(conn, now_ms).await,
        }
    }
}
