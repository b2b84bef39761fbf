//! The Sessions tab: listing sessions and ending them.

use crate::args::Arg;
use crate::error::UiError;
use crate::state::AppState;
use profile_core::{AccountState, Language, SessionId, SessionView};
use tauri::State;

/// Every session, active ones first (most recently active first), dates written out in the
/// profile's time zone and in `language`.
#[tauri::command]
pub async fn sessions_list(
    state: State<'_, AppState>,
    language: Arg<String>,
) -> Result<Vec<SessionView>, UiError> {
    let me = state.signed_in().await?;
    let language = Language::parse(&language)?;
    Ok(me.session_views(language).await?)
}

/// Ends one session; returns where this device stands after it (ending its own signs out).
#[tauri::command]
pub async fn session_end(
    state: State<'_, AppState>,
    id: Arg<SessionId>,
) -> Result<AccountState, UiError> {
    state.signed_in().await?.end_session(id.0).await?;
    Ok(state.account().state().await?)
}

/// Ends every session but this device's own.
#[tauri::command]
pub async fn sessions_end_others(state: State<'_, AppState>) -> Result<(), UiError> {
    Ok(state.signed_in().await?.end_other_sessions().await?)
}

/// Ends every session, this device's too: it is signed out afterwards.
#[tauri::command]
pub async fn sessions_end_all(state: State<'_, AppState>) -> Result<(), UiError> {
    Ok(state.signed_in().await?.end_all_sessions().await?)
}
