//! `session.start` and `session.end`.

use super::{ApplyCtx, Change, Kind, Rejection};
use crate::device::{tidy, DeviceInfo};
use crate::error::{ErrorCode, ValidationError};
use crate::state::{EndReason, SessionRecord, UserState};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Starts a session of a local account (a server starts its own at sign-in).
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

/// Ends a session for good.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionEnd {
    /// The session to end.
    pub session_id: Uuid,
}

impl Kind for SessionStart {
    fn validated(self) -> Result<Self, ValidationError> {
        Ok(Self {
            device_name: tidy(&self.device_name),
            os: tidy(&self.os),
            app_version: tidy(&self.app_version),
            address: self.address.as_deref().map(tidy),
            ..self
        })
    }

    fn apply(&self, state: &mut UserState, ctx: &ApplyCtx) -> Result<Change, Rejection> {
        if state.profile.as_ref().map(|p| p.id) != Some(self.profile_id) {
            return Err(ValidationError::general(ErrorCode::ProfileMissing));
        }
        if state.sessions.contains_key(&self.session_id) {
            return Err(ValidationError::general(ErrorCode::RequestInvalid));
        }
        state.sessions.insert(
            self.session_id,
            SessionRecord {
                id: self.session_id,
                device: DeviceInfo {
                    device_name: self.device_name.clone(),
                    os: self.os.clone(),
                    app_version: self.app_version.clone(),
                },
                address: self.address.clone(),
                started_at: ctx.now_ms,
                last_active_at: ctx.now_ms,
                ended_at: None,
                end_reason: None,
            },
        );
        Ok(Change {
            sessions: vec![self.session_id],
            ..Change::default()
        })
    }
}

impl Kind for SessionEnd {
    fn validated(self) -> Result<Self, ValidationError> {
        Ok(self)
    }

    fn apply(&self, state: &mut UserState, ctx: &ApplyCtx) -> Result<Change, Rejection> {
        let session = state
            .sessions
            .get_mut(&self.session_id)
            .ok_or_else(|| ValidationError::general(ErrorCode::SessionNotFound))?;
        // Ending is final: an ended session keeps when and why it ended.
        let ended = session.end(ctx.now_ms, EndReason::Ended);
        Ok(Change {
            sessions: if ended { vec![self.session_id] } else { vec![] },
            ..Change::default()
        })
    }
}
