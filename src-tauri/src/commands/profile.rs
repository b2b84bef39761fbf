//! Reading and changing the profile.

use crate::args::Arg;
use crate::error::UiError;
use crate::state::AppState;
use profile_core::{Language, Profile, ProfileChanges};
use serde::Deserialize;
use tauri::State;

/// The fields the UI may change; absent ones stay as they are.
#[derive(Debug, Default, Deserialize)]
pub struct ProfileInput {
    /// A new display name.
    pub name: Option<String>,
    /// A new interface language code.
    pub language: Option<String>,
    /// A new e-mail address; empty clears it.
    pub email: Option<String>,
    /// A new organization; empty clears it.
    pub organization: Option<String>,
    /// A new phone number; empty clears it.
    pub phone: Option<String>,
    /// A new IANA time zone.
    pub time_zone: Option<String>,
}

/// The profile on this device.
#[tauri::command]
pub async fn profile_get(state: State<'_, AppState>) -> Result<Profile, UiError> {
    Ok(state.signed_in().await?.profile().await?)
}

/// Saves the given fields as one `profile.set` mutation; returns the profile as saved.
#[tauri::command]
pub async fn profile_set(
    state: State<'_, AppState>,
    changes: Arg<ProfileInput>,
) -> Result<Profile, UiError> {
    let me = state.signed_in().await?;
    let changes = changes.0;
    let changes = ProfileChanges {
        name: changes.name,
        language: changes
            .language
            .as_deref()
            .map(Language::parse)
            .transpose()?,
        email: changes.email,
        organization: changes.organization,
        phone: changes.phone,
        time_zone: changes.time_zone,
    };
    Ok(me.update(changes).await?)
}
