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
                    "UPDATE device SET current_session_id = ?1, last_active_at = NULL \
                     WHERE id = 1 AND EXISTS (SELECT 1 FROM session WHERE id = ?1) \
                     AND EXISTS (SELECT 1 FROM credential)",
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

/// This device's signed-in session, if any (ended or not).
pub(crate) async fn current_session(
    conn: &mut SqliteConnection,
) -> Result<Option<Uuid>, CoreError> {
    let current: Option<String> =
        sqlx::query_scalar("SELECT current_session_id FROM device WHERE id = 1")
            .fetch_optional(&mut *conn)
            .await?
            .flatten();
    current
        .map(|id| {
            Uuid::parse_str(&id).map_err(|e| CoreError::Corrupt(format!("current session: {e}")))
        })
        .transpose()
}

/// The server this device is linked to; `None` for a local profile.
pub(crate) async fn server_url(conn: &mut SqliteConnection) -> Result<Option<String>, CoreError> {
    Ok(
        sqlx::query_scalar("SELECT server_url FROM device WHERE id = 1")
            .fetch_optional(conn)
            .await?
            .flatten(),
    )
}

/// Clears this device's sign-in when its session has ended or is gone.
pub(crate) async fn sign_out_if_ended(conn: &mut SqliteConnection) -> Result<(), CoreError> {
    sqlx::query(
        "UPDATE device SET current_session_id = NULL, last_active_at = NULL \
         WHERE current_session_id IS NOT NULL AND current_session_id NOT IN \
         (SELECT id FROM session WHERE ended_at IS NULL)",
    )
    .execute(conn)
    .await?;
    Ok(())
}
