//! This device's own state, written in the same transaction as the mutations it goes with
//! but never appended to the outbox: the server, or another device, applying those mutations
//! must not take it over (a synced `session.start` does not sign anyone in here).

use crate::error::{CoreError, ErrorCode, ValidationError};
use sqlx::SqliteConnection;
use uuid::Uuid;

/// A change to this device's own state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalChange {
    /// This device is signed in with the session of this id (started in the same commit).
    SignedInAs(Uuid),
}

impl LocalChange {
    pub(super) async fn apply(&self, conn: &mut SqliteConnection) -> Result<(), CoreError> {
        match self {
            Self::SignedInAs(session_id) => {
                let done = sqlx::query(
                    "UPDATE account SET current_session_id = ?1 \
                     WHERE profile_id = (SELECT profile_id FROM session WHERE id = ?1)",
                )
                .bind(session_id.to_string())
                .execute(conn)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(ValidationError::general(ErrorCode::AccountMissing).into());
                }
            }
        }
        Ok(())
    }
}
