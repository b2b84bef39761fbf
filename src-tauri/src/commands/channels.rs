//! The Notifications tab: every notification channel with its contacts, and saving or
//! removing a contact. Names and instructions come in the interface language asked for.

use crate::args::Arg;
use crate::error::UiError;
use crate::state::AppState;
use profile_core::contacts::{ChannelView, ContactId, ContactLists, ContactSave};
use profile_core::Language;
use tauri::State;

/// Every channel of the catalog in force, with its contacts.
#[tauri::command]
pub async fn contacts_list(
    state: State<'_, AppState>,
    language: Arg<String>,
) -> Result<ContactLists, UiError> {
    let language = Language::parse(&language)?;
    Ok(state.signed_in().await?.contacts(language).await?)
}

/// Adds or changes a contact; answers with its channel as listed now.
#[tauri::command]
pub async fn contact_save(
    state: State<'_, AppState>,
    contact: Arg<ContactSave>,
    language: Arg<String>,
) -> Result<ChannelView, UiError> {
    let language = Language::parse(&language)?;
    Ok(state
        .signed_in()
        .await?
        .save_contact(contact.0, language)
        .await?)
}

/// Removes a contact; answers with its channel as listed now (none if it was gone).
#[tauri::command]
pub async fn contact_remove(
    state: State<'_, AppState>,
    id: Arg<ContactId>,
    language: Arg<String>,
) -> Result<Option<ChannelView>, UiError> {
    let language = Language::parse(&language)?;
    Ok(state
        .signed_in()
        .await?
        .remove_contact(id.0, language)
        .await?)
}

/// Asks the server to send a test notification to a contact (channels it has a sender for).
#[tauri::command]
pub async fn contact_test(state: State<'_, AppState>, id: Arg<ContactId>) -> Result<(), UiError> {
    let me = state.signed_in().await?;
    Ok(state.link().test_contact(&me, id.0).await?)
}
