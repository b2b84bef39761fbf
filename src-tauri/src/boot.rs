//! A start-up whose local store could not be opened: the window still opens, and the first
//! command it calls reports why, with the file, so the person sees what to do.

use crate::error::UiError;
use crate::state::AppState;
use profile_core::{CoreError, ErrorCode, ValidationError};
use tauri::{AppHandle, Manager, Runtime};

/// Why the store could not be opened at start-up, as the UI receives it.
#[derive(Debug, Clone)]
pub struct BootFailure(pub UiError);

impl From<CoreError> for BootFailure {
    fn from(err: CoreError) -> Self {
        // The cause is for the log; the UI gets the code, the file and the folder.
        tracing::error!(error = %err, cause = ?err, "the local profile store could not be opened");
        Self(err.into())
    }
}

impl BootFailure {
    /// The data directory itself could not be found (no home, no app-data folder).
    pub fn nowhere(cause: &dyn std::error::Error) -> Self {
        tracing::error!(error = %cause, "the data directory could not be determined");
        Self(ValidationError::general(ErrorCode::StoreUnavailable).into())
    }
}

/// Manages the opened state, or else the failure that [`failure`] then reports.
pub fn manage<R: Runtime>(app: &AppHandle<R>, opened: Result<AppState, BootFailure>) {
    match opened {
        Ok(state) => app.manage(state),
        Err(failure) => app.manage(failure),
    };
}

/// Why there is no state: the start-up failure, or `internal` if none was recorded.
pub fn failure<R: Runtime>(app: &AppHandle<R>) -> UiError {
    app.try_state::<BootFailure>()
        .map(|failure| failure.0.clone())
        .unwrap_or_else(|| CoreError::Task("no state and no start-up failure".into()).into())
}
