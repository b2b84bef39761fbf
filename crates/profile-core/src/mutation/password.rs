//! `password.set` and `password.change`: they carry Argon2id PHC hashes, never a password.

use crate::error::{CoreError, ErrorCode, ValidationError};
use crate::security::password_hash;
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use uuid::Uuid;

/// Sets the first password of a profile (at local account creation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PasswordSet {
    /// The profile whose password it is.
    pub profile_id: Uuid,
    /// The Argon2id PHC string.
    pub password_hash: String,
}

/// Replaces the password if it is still at `expected_version` (compare-and-set).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PasswordChange {
    /// The profile whose password it is.
    pub profile_id: Uuid,
    /// The password version the change was made against.
    pub expected_version: i64,
    /// The new Argon2id PHC string.
    pub new_hash: String,
    /// The session that made the change: it stays, every other active session ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<Uuid>,
}

/// Refuses anything but an Argon2id hash with our parameters, so a plain password can never
/// reach the tables or the outbox through these mutations.
fn checked_hash(phc: String) -> Result<String, ValidationError> {
    if password_hash::has_current_params(&phc) {
        Ok(phc)
    } else {
        Err(ValidationError::general(ErrorCode::Internal))
    }
}

impl PasswordSet {
    pub(super) fn validated(self) -> Result<Self, ValidationError> {
        Ok(Self {
            password_hash: checked_hash(self.password_hash)?,
            ..self
        })
    }

    pub(super) async fn apply(&self, conn: &mut SqliteConnection) -> Result<(), CoreError> {
        let done = sqlx::query(
            "INSERT INTO account (profile_id, password_hash, password_version) VALUES (?, ?, 1) \
             ON CONFLICT (profile_id) DO NOTHING",
        )
        .bind(self.profile_id.to_string())
        .bind(&self.password_hash)
        .execute(conn)
        .await?;
        if done.rows_affected() == 0 {
            return Err(ValidationError::general(ErrorCode::AccountExists).into());
        }
        Ok(())
    }
}

impl PasswordChange {
    pub(super) fn validated(self) -> Result<Self, ValidationError> {
        Ok(Self {
            new_hash: checked_hash(self.new_hash)?,
            ..self
        })
    }

    pub(super) async fn apply(
        &self,
        conn: &mut SqliteConnection,
        now_ms: i64,
    ) -> Result<(), CoreError> {
        let profile_id = self.profile_id.to_string();
        // Mutations from an ended session are never applied (DESIGN.md §6).
        if let Some(session_id) = self.session_id {
            let ended: Option<Option<i64>> =
                sqlx::query_scalar("SELECT ended_at FROM session WHERE id = ?")
                    .bind(session_id.to_string())
                    .fetch_optional(&mut *conn)
                    .await?;
            if !matches!(ended, Some(None)) {
                return Err(ValidationError::general(ErrorCode::AccountSignedOut).into());
            }
        }
        let done = sqlx::query(
            "UPDATE account SET password_hash = ?, password_version = password_version + 1 \
             WHERE profile_id = ? AND password_version = ?",
        )
        .bind(&self.new_hash)
        .bind(&profile_id)
        .bind(self.expected_version)
        .execute(&mut *conn)
        .await?;
        if done.rows_affected() == 0 {
            let exists: Option<i64> =
                sqlx::query_scalar("SELECT password_version FROM account WHERE profile_id = ?")
                    .bind(&profile_id)
                    .fetch_optional(&mut *conn)
                    .await?;
            let code = match exists {
                Some(_) => ErrorCode::PasswordChangedElsewhere,
                None => ErrorCode::AccountMissing,
            };
            return Err(ValidationError::general(code).into());
        }
        sqlx::query(
            "UPDATE session SET ended_at = ?, end_reason = 'password_changed' \
             WHERE profile_id = ? AND ended_at IS NULL AND id IS NOT ?",
        )
        .bind(now_ms)
        .bind(&profile_id)
        .bind(self.session_id.map(|id| id.to_string()))
        .execute(&mut *conn)
        .await?;
        super::session::sign_out_if_ended(conn).await
    }
}
