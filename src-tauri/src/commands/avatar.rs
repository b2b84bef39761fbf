//! Choosing, cropping and removing the avatar.

use crate::args::Arg;
use crate::error::UiError;
use crate::state::AppState;
use profile_core::avatar::{AvatarPipeline, CancelToken, CropSquare};
use profile_core::{CoreError, ErrorCode, Profile, ValidationError};
use serde::Serialize;
use tauri::{AppHandle, Runtime, State};

/// The longest side of the preview the crop dialog shows.
const PREVIEW_SIDE: u32 = 1024;

/// A chosen picture, ready to crop.
#[derive(Debug, Serialize)]
pub struct ChosenPicture {
    /// A downscaled preview as a `data:` URL.
    pub preview: String,
    /// Width of the original after EXIF orientation: the space crop squares are given in.
    pub width: u32,
    /// Height of the original after EXIF orientation.
    pub height: u32,
}

fn internal(detail: impl std::fmt::Display) -> UiError {
    CoreError::Corrupt(format!("avatar worker: {detail}")).into()
}

/// A pipeline for a new choose or save that `avatar_cancel` can stop; the work before it is
/// cancelled, since the dialog runs one at a time and nobody waits for the old one.
fn start_work(state: &AppState) -> AvatarPipeline {
    let token = CancelToken::new();
    let mut current = state
        .avatar_work
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    std::mem::replace(&mut *current, token.clone()).cancel();
    state.avatars.with_cancel(token)
}

/// Lets the user pick a picture (native dialog); Rust reads and checks it and returns a
/// preview. `None` when the user cancels.
#[tauri::command]
pub async fn avatar_choose<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    title: Arg<String>,
) -> Result<Option<ChosenPicture>, UiError> {
    state.signed_in().await?;
    let picker = state.picker.clone();
    let pipeline = start_work(&state);
    // The dialog and the decoding block; neither may run on the UI thread.
    let chosen = tauri::async_runtime::spawn_blocking(move || {
        let Some(path) = picker.pick_image(&app, &title.0).map_err(internal)? else {
            return Ok(None);
        };
        let source = pipeline.open(&path).map_err(CoreError::from)?;
        let preview = pipeline
            .preview(&source, PREVIEW_SIDE)
            .map_err(CoreError::from)?;
        Ok::<_, UiError>(Some((source, preview)))
    })
    .await
    .map_err(internal)??;
    let Some((source, preview)) = chosen else {
        return Ok(None);
    };
    *state.chosen_avatar.lock().await = Some(source);
    Ok(Some(ChosenPicture {
        preview: profile_core::mutation::data_url(preview.image.mime, &preview.image.bytes),
        width: preview.original_width,
        height: preview.original_height,
    }))
}

/// Crops the chosen picture to `square`, stores the 512×512 avatar and returns the profile.
/// On any failure the previous avatar stays.
#[tauri::command]
pub async fn avatar_save(
    state: State<'_, AppState>,
    square: Arg<CropSquare>,
) -> Result<Profile, UiError> {
    let me = state.signed_in().await?;
    let source = state
        .chosen_avatar
        .lock()
        .await
        .clone()
        .ok_or_else(|| ValidationError::new(ErrorCode::AvatarNotChosen, "file"))?;
    let pipeline = start_work(&state);
    let avatar = tauri::async_runtime::spawn_blocking(move || pipeline.crop(&source, square.0))
        .await
        .map_err(internal)?
        .map_err(CoreError::from)?;
    let profile = me.set_avatar(avatar).await?;
    *state.chosen_avatar.lock().await = None;
    Ok(profile)
}

/// Stops the choose or save that is running (the dialog was closed); it then fails with
/// `avatar.cancelled`, which the UI ignores. Nothing is stored.
#[tauri::command]
pub fn avatar_cancel(state: State<'_, AppState>) {
    state
        .avatar_work
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .cancel();
}

/// Removes the avatar; the header shows initials again.
#[tauri::command]
pub async fn avatar_remove(state: State<'_, AppState>) -> Result<Profile, UiError> {
    Ok(state.signed_in().await?.remove_avatar().await?)
}
