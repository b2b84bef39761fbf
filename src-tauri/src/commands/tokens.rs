//! The API Access tab: issuing personal API tokens, listing, editing, revoking, removing.
//!
//! A new token's text is shown once: it goes to the window in the answer to `token_issue`
//! and onto the clipboard from here, and is kept in memory only while its panel is open
//! (for «Copy»). If the clipboard still holds it two minutes later it is cleared.

use crate::args::Arg;
use crate::error::UiError;
use crate::state::AppState;
use profile_core::tokens::{ApiToken, TokenEdit, TokenId, TokenLists, TokenRequest, TokenView};
use profile_core::{ErrorCode, Language, ValidationError};
use serde::Serialize;
use std::sync::PoisonError;
use std::time::Duration;
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_clipboard_manager::ClipboardExt;

/// How long a copied token may stay on the clipboard.
pub const CLIPBOARD_CLEAR_AFTER: Duration = Duration::from_secs(120);

/// How long a copied token stays on the clipboard: [`CLIPBOARD_CLEAR_AFTER`], or in an
/// `e2e-clock` build what `ACURE_PROFILE_CLIPBOARD_CLEAR_MS` says (a test cannot wait 2 min).
fn clear_after() -> Duration {
    #[cfg(feature = "e2e-clock")]
    if let Some(ms) = std::env::var("ACURE_PROFILE_CLIPBOARD_CLEAR_MS")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
    {
        return Duration::from_millis(ms);
    }
    CLIPBOARD_CLEAR_AFTER
}

/// A token just issued, for its one-time panel (no `Debug`: it holds the text).
#[derive(Serialize)]
pub struct IssuedDto {
    /// The text, shown this once.
    pub token: String,
    /// Whether it is on the clipboard now (else the panel asks to copy it by hand).
    pub copied: bool,
    /// The new token as the list shows it.
    pub view: TokenView,
}

/// Every token, active ones first, dates in the profile's zone and in `language`.
#[tauri::command]
pub async fn tokens_list(
    state: State<'_, AppState>,
    language: Arg<String>,
) -> Result<TokenLists, UiError> {
    let language = Language::parse(&language)?;
    Ok(state.signed_in().await?.tokens(language).await?)
}

/// Issues a token, puts it on the clipboard and keeps it for «Copy» until the panel closes.
#[tauri::command]
pub async fn token_issue<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    request: Arg<TokenRequest>,
) -> Result<IssuedDto, UiError> {
    let issued = state.signed_in().await?.issue_token(request.0).await?;
    let text = issued.token.expose().to_owned();
    let copied = copy(&app, &issued.token);
    *state
        .shown_token
        .lock()
        .unwrap_or_else(PoisonError::into_inner) = Some(issued.token);
    Ok(IssuedDto {
        token: text,
        copied,
        view: issued.view,
    })
}

/// Puts the token of the open panel on the clipboard again.
#[tauri::command]
pub fn token_copy<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<bool, UiError> {
    let shown = state
        .shown_token
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let token = shown
        .as_ref()
        .ok_or_else(|| ValidationError::general(ErrorCode::TokenNotFound))?;
    Ok(copy(&app, token))
}

/// The panel closed, or a page started that shows none: the token's text is forgotten (the
/// clipboard keeps its two minutes).
#[tauri::command]
pub fn token_forget(state: State<'_, AppState>) {
    state
        .shown_token
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take();
}

/// Changes an active token's description or expiry.
#[tauri::command]
pub async fn token_edit(
    state: State<'_, AppState>,
    id: Arg<TokenId>,
    edit: Arg<TokenEdit>,
) -> Result<TokenView, UiError> {
    Ok(state.signed_in().await?.edit_token(id.0, edit.0).await?)
}

/// Revokes a token for good.
#[tauri::command]
pub async fn token_revoke(state: State<'_, AppState>, id: Arg<TokenId>) -> Result<(), UiError> {
    Ok(state.signed_in().await?.revoke_token(id.0).await?)
}

/// Removes a withdrawn token.
#[tauri::command]
pub async fn token_remove(state: State<'_, AppState>, id: Arg<TokenId>) -> Result<(), UiError> {
    Ok(state.signed_in().await?.remove_token(id.0).await?)
}

/// Writes `token` to the clipboard and clears it after [`CLIPBOARD_CLEAR_AFTER`] if it is
/// still there; false when there is no clipboard to write to.
fn copy<R: Runtime>(app: &AppHandle<R>, token: &ApiToken) -> bool {
    if let Err(err) = app.clipboard().write_text(token.expose()) {
        tracing::warn!(error = %err, "the token could not be put on the clipboard");
        return false;
    }
    let app = app.clone();
    // Only the token's hash is kept to compare with: the text leaves memory with the panel.
    let sha256 = token.sha256_hex();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(clear_after()).await;
        let still_there = app
            .clipboard()
            .read_text()
            .ok()
            .and_then(|text| ApiToken::parse(text.trim()).ok())
            .is_some_and(|on_clipboard| on_clipboard.sha256_hex() == sha256);
        if still_there && app.clipboard().clear().is_ok() {
            tracing::info!("a copied token was cleared from the clipboard");
        }
    });
    true
}
