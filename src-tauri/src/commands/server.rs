//! The app on a server: signing in and out, the sync state in the header, «Sync now», and
//! the decisions sync leaves to the person.

use crate::args::Arg;
use crate::error::UiError;
use crate::state::AppState;
use profile_core::server::{LinkState, Review, ServerSignIn, SignInResult, SyncStatus};
use profile_core::time_zone::time_of_day;
use profile_core::Language;
use serde::{Deserialize, Serialize};
use tauri::State;
use uuid::Uuid;

/// Signs in to a server, takes its profile in (linking this device's as `local` says) and
/// starts syncing.
#[tauri::command]
pub async fn server_sign_in(
    state: State<'_, AppState>,
    input: Arg<ServerSignIn>,
) -> Result<SignInResult, UiError> {
    // No round of an earlier session may run while this one is taken in.
    state.stop_sync().await;
    let result = state.link().sign_in(input.0, state.device.clone()).await;
    // Whatever happened, sync goes on for the session the store now has.
    let started = state.start_sync().await;
    let result = result?;
    if let Err(err) = started {
        // Signed in all the same: the header says sync is not running, «Sync now» retries.
        tracing::warn!(error = %err, "sync could not start after the sign-in");
    }
    Ok(result)
}

/// Signs out of the server; the device's data stays only if `keep_copy`.
#[tauri::command]
pub async fn server_sign_out(
    state: State<'_, AppState>,
    keep_copy: Arg<bool>,
) -> Result<(), UiError> {
    state.stop_sync().await;
    let signed_out = state.link().sign_out(keep_copy.0).await;
    if signed_out.is_err() {
        // Still linked: keep syncing.
        let _ = state.start_sync().await;
    }
    Ok(signed_out?)
}

/// The header's sync state: the link (none for a local profile) and the sync status.
#[derive(Debug, Serialize)]
pub struct SyncView {
    /// Where this device stands with a server.
    pub link: Option<LinkState>,
    /// Where the background sync stands.
    pub status: Option<SyncStatus>,
    /// When the last round finished, `HH:MM` in the profile's zone.
    pub synced_text: Option<String>,
    /// When the next round runs, `HH:MM` in the profile's zone.
    pub next_text: Option<String>,
}

/// Where syncing stands, for the header.
#[tauri::command]
pub async fn sync_status(state: State<'_, AppState>) -> Result<SyncView, UiError> {
    let status = state.sync_status().await;
    // Times in the profile's zone, written here: the webview's own zone data may lack it.
    let zone = state.profile_zone().await?;
    let at = |ms: Option<i64>| zone.and_then(|zone| ms.map(|ms| time_of_day(ms, zone)));
    Ok(SyncView {
        link: state.link().state().await?,
        synced_text: at(status.as_ref().and_then(|s| s.synced_at)),
        next_text: at(status.as_ref().and_then(|s| s.next_at)),
        status,
    })
}

/// «Sync now»: a round at once (restarting the runner if it was not going).
#[tauri::command]
pub async fn sync_now(state: State<'_, AppState>) -> Result<(), UiError> {
    if !state.sync_now().await {
        state.start_sync().await?;
    }
    Ok(())
}

/// The person has seen that the session secret lives in a file.
#[tauri::command]
pub async fn secret_notice_seen(state: State<'_, AppState>) -> Result<(), UiError> {
    Ok(state.link().file_notice_shown().await?)
}

/// Sealed and refused changes and conflicts, waiting for a decision; dates in the
/// profile's zone and `language`.
#[tauri::command]
pub async fn sync_review(
    state: State<'_, AppState>,
    language: Arg<String>,
) -> Result<Review, UiError> {
    let me = state.signed_in().await?;
    let language = Language::parse(&language)?;
    Ok(state.review().list(&me, language).await?)
}

/// A decision on one item of the review.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Send a sealed change again.
    Resubmit,
    /// Drop a sealed change.
    Drop,
    /// Take a refused change off the list.
    Dismiss,
    /// Write this device's overwritten value again.
    UseMine,
    /// Leave the other device's value.
    KeepTheirs,
}

/// Acts on one review item (`id`: the change's or the conflict's).
#[tauri::command]
pub async fn sync_decide(
    state: State<'_, AppState>,
    id: Arg<Uuid>,
    decision: Arg<Decision>,
) -> Result<(), UiError> {
    let me = state.signed_in().await?;
    let review = state.review();
    let id = id.0;
    match decision.0 {
        Decision::Resubmit => review.resubmit(&me, id).await?,
        Decision::Drop => review.drop_sealed(&me, id).await?,
        Decision::Dismiss => review.dismiss_refused(&me, id).await?,
        Decision::UseMine => review.use_mine(&me, id).await?,
        Decision::KeepTheirs => review.keep_theirs(&me, id).await?,
    }
    Ok(())
}
