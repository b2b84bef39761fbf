//! The state the commands share, built once in `setup`.

use crate::picker::FilePicker;
use profile_core::avatar::{AvatarPipeline, AvatarSource};
use profile_core::time_zone::TimeZoneCatalog;
use profile_core::{CoreError, Env, FirstRun, ProfileStore};
use std::path::{Path, PathBuf};
use tauri::{AppHandle, Manager, Runtime};
use tokio::sync::Mutex;

/// File name of the local database inside the data directory.
pub const DB_FILE: &str = "profile.sqlite3";

/// Everything the commands need.
pub struct AppState {
    /// The local profile store.
    pub store: ProfileStore,
    /// Turns chosen pictures into previews and avatars.
    pub avatars: AvatarPipeline,
    /// The picture chosen in the avatar dialog, waiting to be cropped.
    pub chosen_avatar: Mutex<Option<AvatarSource>>,
    /// Where chosen files come from.
    pub picker: FilePicker,
    /// Every IANA time zone, searchable.
    pub time_zones: TimeZoneCatalog,
}

impl AppState {
    /// Opens the store in `data_dir` and makes sure a profile exists.
    pub async fn open(data_dir: &Path, first_run: FirstRun) -> Result<Self, CoreError> {
        let store = ProfileStore::open(&data_dir.join(DB_FILE), Env::system()).await?;
        store.ensure_profile(first_run).await?;
        Ok(Self {
            store,
            avatars: AvatarPipeline::default(),
            chosen_avatar: Mutex::new(None),
            picker: FilePicker::from_env(),
            time_zones: TimeZoneCatalog::new(),
        })
    }
}

/// The data directory: `ACURE_PROFILE_DATA_DIR` if set, else the OS app-data directory.
pub fn data_dir<R: Runtime>(app: &AppHandle<R>) -> Result<PathBuf, Box<dyn std::error::Error>> {
    let dir = match std::env::var_os(crate::DATA_DIR_ENV) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => app.path().app_data_dir()?,
    };
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
