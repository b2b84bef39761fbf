//! `password.set` and `password.change`: they carry Argon2id PHC hashes, never a password.

use super::{ApplyCtx, Change, Kind, Rejection};
use crate::error::{ErrorCode, ValidationError};
use crate::password::hash;
use crate::state::{Credential, EndReason, UserState};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Sets the first password of a local account.
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
    /// The session that made the change on a device: it stays, every other active session
    /// ends. A server takes the session from the request instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<Uuid>,
}

/// Refuses anything but an Argon2id hash with our parameters, so a plain password can never
/// reach the tables or an outbox through these mutations.
fn checked_hash(phc: String) -> Result<String, ValidationError> {
    if hash::has_current_params(&phc) {
        Ok(phc)
    } else {
        Err(ValidationError::general(ErrorCode::Internal))
    }
}

impl Kind for PasswordSet {
    fn validated(self) -> Result<Self, ValidationError> {
        Ok(Self {
            password_hash: checked_hash(self.password_hash)?,
            ..self
        })
    }

    fn apply(&self, state: &mut UserState, _ctx: &ApplyCtx) -> Result<Change, Rejection> {
        if state.profile.as_ref().map(|p| p.id) != Some(self.profile_id) {
            return Err(ValidationError::general(ErrorCode::ProfileMissing));
        }
        if state.credential.is_some() {
            return Err(ValidationError::general(ErrorCode::AccountExists));
        }
        state.credential = Some(Credential {
            password_hash: self.password_hash.clone(),
            password_version: 1,
        });
        Ok(Change {
            credential: true,
            ..Change::default()
        })
    }
}

impl Kind for PasswordChange {
    fn validated(self) -> Result<Self, ValidationError> {
        Ok(Self {
            new_hash: checked_hash(self.new_hash)?,
            ..self
        })
    }

    fn apply(&self, state: &mut UserState, ctx: &ApplyCtx) -> Result<Change, Rejection> {
        // The session the change comes from is the applier's (the server's authenticated
        // one, the device's signed-in one); the payload's only where the applier has none.
        let acting = ctx.session().or(match ctx.actor {
            super::Actor::Device { .. } => self.session_id,
            _ => None,
        });
        // Changes from an ended session are never applied (DESIGN.md §6).
        if let Some(id) = acting {
            if !state.sessions.get(&id).is_some_and(|s| s.is_active()) {
                return Err(ValidationError::general(ErrorCode::AccountSignedOut));
            }
        }
        if state.profile.as_ref().map(|p| p.id) != Some(self.profile_id) {
            return Err(ValidationError::general(ErrorCode::ProfileMissing));
        }
        let Some(credential) = state.credential.as_mut() else {
            return Err(ValidationError::general(ErrorCode::AccountMissing));
        };
        if credential.password_version != self.expected_version {
            return Err(ValidationError::general(
                ErrorCode::PasswordChangedElsewhere,
            ));
        }
        credential.password_hash.clone_from(&self.new_hash);
        credential.password_version += 1;
        let ended = state
            .sessions
            .values_mut()
            .filter(|s| Some(s.id) != acting)
            .filter_map(|s| {
                s.end(ctx.now_ms, EndReason::PasswordChanged)
                    .then_some(s.id)
            })
            .collect();
        Ok(Change {
            credential: true,
            sessions: ended,
            ..Change::default()
        })
    }
}
