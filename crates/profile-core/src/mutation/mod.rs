//! Named mutations (DESIGN.md §3): the only way anything writes the profile tables.
//!
//! A mutation is validated (and normalised), applied to the local tables and appended to the
//! outbox in one transaction. The server applies the same mutations.

mod log;
mod profile;

pub use log::{Committed, MutationLog};
pub use profile::{ProfileCreate, ProfileSet};

use crate::error::{CoreError, ValidationError};
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;

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
}

impl Mutation {
    /// The stable name, e.g. `profile.set`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::ProfileCreate(_) => "profile.create",
            Self::ProfileSet(_) => "profile.set",
        }
    }

    /// The arguments as JSON, as stored in the outbox.
    pub fn args(&self) -> serde_json::Value {
        match self {
            Self::ProfileCreate(m) => serde_json::to_value(m),
            Self::ProfileSet(m) => serde_json::to_value(m),
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
        }
    }
}
