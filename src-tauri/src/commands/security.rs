//! First run, signing in and changing the password.

use crate::args::Arg;
use crate::error::UiError;
use crate::state::AppState;
use profile_core::security::password_rules;
use profile_core::{AccountStatus, Checklist, FirstRun, Language, Password, Profile};
use serde::Deserialize;
use tauri::{AppHandle, Manager, Runtime, State};

/// What the first-run form sends.
#[derive(Debug, Deserialize)]
pub struct NewAccountInput {
    /// The display name.
    pub name: String,
    /// The e-mail address; empty leaves it unset.
    pub email: String,
    /// The interface language chosen on the first-run screen.
    pub language: String,
    /// The password.
    pub password: Password,
    /// The password typed again.
    pub password_confirmation: Password,
}

/// Which screen to open on, with who signs in and how long a password try must wait; or,
/// when the store could not be opened at start-up, why (`store.*`, with the file's path).
#[tauri::command]
pub async fn account_status<R: Runtime>(app: AppHandle<R>) -> Result<AccountStatus, UiError> {
    let Some(state) = app.try_state::<AppState>() else {
        return Err(crate::boot::failure(&app));
    };
    Ok(state.account().status(&state.first_run).await?)
}

/// Creates the local profile with its password and signs in (the first session).
#[tauri::command]
pub async fn account_create(
    state: State<'_, AppState>,
    account: Arg<NewAccountInput>,
) -> Result<Profile, UiError> {
    let account = account.0;
    let first_run = FirstRun {
        name: account.name,
        language: Language::parse(&account.language)?,
        ..state.first_run.clone()
    };
    Ok(state
        .account()
        .create_local_account(
            first_run,
            &account.email,
            account.password,
            account.password_confirmation,
            state.device.clone(),
        )
        .await?)
}

/// Signs in with the profile's password, starting a new session; returns the profile.
#[tauri::command]
pub async fn sign_in(
    state: State<'_, AppState>,
    password: Arg<Password>,
) -> Result<Profile, UiError> {
    state
        .account()
        .sign_in(password.0, state.device.clone())
        .await?;
    Ok(state.signed_in().await?.profile().await?)
}

/// Which rules a password being typed meets, for the live checklist and strength meter.
#[tauri::command]
pub async fn password_check(password: Arg<Password>) -> Result<Checklist, UiError> {
    // zxcvbn is CPU work: keep it off the async workers.
    tauri::async_runtime::spawn_blocking(move || password_rules::check(&password.0))
        .await
        .map_err(|e| profile_core::CoreError::Task(e.to_string()).into())
}

/// Changes the password (current one checked first); every other session ends.
#[tauri::command]
pub async fn password_change(
    state: State<'_, AppState>,
    current: Arg<Password>,
    new: Arg<Password>,
) -> Result<(), UiError> {
    let me = state.signed_in().await?;
    Ok(state.link().change_password(&me, current.0, new.0).await?)
}
