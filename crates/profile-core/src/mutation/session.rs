//! `session.start` and `session.end`.

use crate::error::{CoreError, ErrorCode, ValidationError};
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use uuid::Uuid;

/// Starts a session and makes it this device's signed-in one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionStart {
    /// The new session's id.
    pub session_id: Uuid,
    /// The profile signing in.
    pub profile_id: Uuid,
    /// The device's name.
    pub device_name: String,
    /// The device's operating system.
    pub os: String,
    /// The app version.
    pub app_version: String,
    /// The network address, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

/// Ends a session for good; ending this device's session signs it out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionEnd {
    /// The session to end.
    pub session_id: Uuid,
}

use profile_domain::device::tidy;

/// Clears this device's sign-in when its session has ended.
pub(super) async fn sign_out_if_ended(conn: &mut SqliteConnection) -> Result<(), CoreError> {
    sqlx::query(
        "UPDATE account SET current_session_id = NULL WHERE current_session_id IN \
         (SELECT id FROM session WHERE ended_at IS NOT NULL)",
    )
    .execute(conn)
    .await?;
    Ok(())
}

impl SessionStart {
    pub(super) fn validated(self) -> Self {
        Self {
            device_name: tidy(&self.device_name),
            os: tidy(&self.os),
            app_version: tidy(&self.app_version),
            address: self.address.as_deref().map(tidy),
            ..self
        }
    }

    pub(super) async fn apply(
        &self,
        conn: &mut SqliteConnection,
        now_ms: i64,
    ) -> Result<(), CoreError> {
        let profile_id = self.profile_id.to_string();
        let session_id = self.session_id.to_string();
        sqlx::query(
            "INSERT INTO session (id, profile_id, device_name, os, app_version, address, \
             started_at, last_active_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&session_id)
        .bind(&profile_id)
        .bind(&self.device_name)
        .bind(&self.os)
        .bind(&self.app_version)
        .bind(self.address.as_deref())
        .bind(now_ms)
        .bind(now_ms)
        .execute(&mut *conn)
        .await?;
        // Whose session it is on this device is not part of the mutation: see LocalChange.
        Ok(())
    }
}

impl SessionEnd {
    pub(super) async fn apply(
        &self,
        conn: &mut SqliteConnection,
        now_ms: i64,
    ) -> Result<(), CoreError> {
        let session_id = self.session_id.to_string();
        let ended: Option<Option<i64>> =
            sqlx::query_scalar("SELECT ended_at FROM session WHERE id = ?")
                .bind(&session_id)
                .fetch_optional(&mut *conn)
                .await?;
        match ended {
            None => return Err(ValidationError::general(ErrorCode::SessionNotFound).into()),
            // Ending is final: an ended session keeps when and why it ended.
            Some(Some(_)) => {}
            Some(None) => {
                sqlx::query("UPDATE session SET ended_at = ?, end_reason = 'ended' WHERE id = ?")
                    .bind(now_ms)
                    .bind(&session_id)
                    .execute(&mut *conn)
                    .await?;
            }
        }
        sign_out_if_ended(conn).await
    }
}
