//! The error shape every command returns: `{ code, message, field?, params }` (DESIGN.md §5).

use profile_core::{CoreError, ErrorCode, ValidationError};
use serde::Serialize;
use serde_json::{Map, Value};

/// An error as the UI receives it. The UI translates `code`; `message` is an English fallback.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UiError {
    /// Stable dotted code, e.g. `profile.name_required`.
    pub code: ErrorCode,
    /// English fallback text; never carries internals.
    pub message: &'static str,
    /// The input field the error belongs next to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'static str>,
    /// Values for the translated message.
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub params: Map<String, Value>,
}

impl From<CoreError> for UiError {
    fn from(err: CoreError) -> Self {
        if err.is_internal() {
            // The full cause goes to the log only; the UI gets the generic `internal`.
            tracing::error!(error = ?err, "command failed");
        }
        Self {
            code: err.code(),
            message: err.code().english(),
            field: err.field(),
            params: err.params(),
        }
    }
}

impl From<ValidationError> for UiError {
    fn from(err: ValidationError) -> Self {
        CoreError::from(err).into()
    }
}
