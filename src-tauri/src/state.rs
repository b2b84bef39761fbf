//! The state the commands share, built once in `setup`.

use crate::boot::BootFailure;
use crate::picker::FilePicker;
use profile_core::avatar::{AvatarPipeline, AvatarSource, CancelToken};
use profile_core::time_zone::TimeZoneCatalog;
use profile_core::{AccountStore, CoreError, DeviceInfo, Env, FirstRun, ProfileStore, SignedIn};
use std::path::{Path, PathBuf};
use tauri::{AppHandle, Manager, Runtime};
use tokio::sync::Mutex;

/// File name of the local database inside the data directory.
pub const DB_FILE: &str = "profile.sqlite3";

/// Everything the commands need.
///
/// The profile store and the account are private: a command reaches the profile and the
/// sessions only through [`AppState::signed_in`], so none can forget the sign-in check.
pub struct AppState {
    /// The local profile store.
    store: ProfileStore,
    /// Password and sessions of the profile on this device.
    account: AccountStore,
    /// What a first run takes from the OS: suggested name, language, time zone.
    pub first_run: FirstRun,
    /// This device, as its sessions record it.
    pub device: DeviceInfo,
    /// Turns chosen pictures into previews and avatars.
    pub avatars: AvatarPipeline,
    /// The picture chosen in the avatar dialog, waiting to be cropped.
    pub chosen_avatar: Mutex<Option<AvatarSource>>,
    /// Cancels the avatar choose or save that runs now (or ran last).
    pub avatar_work: std::sync::Mutex<CancelToken>,
    /// Where chosen files come from.
    pub picker: FilePicker,
    /// Every IANA time zone, searchable (clones share it with searches off the UI thread).
    pub time_zones: TimeZoneCatalog,
}

impl AppState {
    /// Opens the store in `data_dir`; the profile is made on the first-run screen.
    pub async fn open(
        data_dir: &Path,
        first_run: FirstRun,
        device: DeviceInfo,
    ) -> Result<Self, CoreError> {
        let env = Env::system();
        let store = ProfileStore::open(&data_dir.join(DB_FILE), env.clone()).await?;
        Ok(Self {
            account: AccountStore::new(store.database().clone(), env),
            store,
            first_run,
            device,
            avatars: AvatarPipeline::default(),
            chosen_avatar: Mutex::new(None),
            avatar_work: std::sync::Mutex::new(CancelToken::new()),
            picker: FilePicker::from_env(),
            // Only the Profile tab needs it: built meanwhile, not before the first screen.
            time_zones: TimeZoneCatalog::build_in_background(),
        })
    }

    /// The same state with files picked by `picker` (tests queue their picks).
    pub fn with_picker(self, picker: FilePicker) -> Self {
        Self { picker, ..self }
    }

    /// The signed-in person, through whom the profile and the sessions are read and
    /// changed; `account.signed_out` when nobody is signed in. Records that the session is
    /// in use (its «last active»).
    pub async fn signed_in(&self) -> Result<SignedIn, CoreError> {
        self.account.signed_in(&self.store).await
    }

    /// The account, for what needs no sign-in: where the device stands, creating the local
    /// account, signing in.
    pub fn account(&self) -> &AccountStore {
        &self.account
    }

    /// The current time, ms since the epoch, from the clock the store works with.
    pub fn now_ms(&self) -> i64 {
        self.store.env().now_ms()
    }
}

/// The data directory: `ACURE_PROFILE_DATA_DIR` if set, else the OS app-data directory;
/// created (or tightened) for this user only.
pub fn data_dir<R: Runtime>(app: &AppHandle<R>) -> Result<PathBuf, BootFailure> {
    let dir = match std::env::var_os(crate::DATA_DIR_ENV) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => app
            .path()
            .app_data_dir()
            .map_err(|e| BootFailure::nowhere(&e))?,
    };
    profile_core::store::create_data_dir(&dir).map_err(CoreError::from)?;
    Ok(dir)
}
