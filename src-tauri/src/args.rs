//! Command arguments that refuse a malformed value with the app's error shape.
//!
//! Tauri turns an argument it cannot deserialise into a plain string, which the UI can only
//! show as `internal`. `Arg<T>` deserialises the same way but refuses with
//! `{ code: "request.invalid", field: <argument> }` (DESIGN.md §5).

use crate::error::UiError;
use profile_core::{ErrorCode, ValidationError};
use serde::Deserialize;
use tauri::ipc::{CommandArg, CommandItem, InvokeError};
use tauri::Runtime;

/// A command argument of type `T`, read from the IPC payload under the argument's name.
#[derive(Debug, Clone, PartialEq)]
pub struct Arg<T>(pub T);

impl<T> std::ops::Deref for Arg<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<'de, T: Deserialize<'de>, R: Runtime> CommandArg<'de, R> for Arg<T> {
    fn from_command(command: CommandItem<'de, R>) -> Result<Self, InvokeError> {
        let (name, key) = (command.name, command.key);
        T::deserialize(command).map(Arg).map_err(|_| {
            // serde's message may quote the value (a password, say): it stays out of the log.
            tracing::warn!(
                command = name,
                argument = key,
                "refused a malformed argument"
            );
            InvokeError::from(UiError::from(ValidationError::new(
                ErrorCode::RequestInvalid,
                key,
            )))
        })
    }
}
