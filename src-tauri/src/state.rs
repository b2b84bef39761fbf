//! The state the commands share, built once in `setup`.

use crate::boot::BootFailure;
use crate::picker::FilePicker;
use profile_core::avatar::{AvatarPipeline, AvatarSource, CancelToken};
use profile_core::server::{
    OsKeychain, SecretVault, ServerLink, SyncReview, SyncRunner, SyncStatus,
};
use profile_core::time_zone::TimeZoneCatalog;
use profile_core::{AccountStore, CoreError, DeviceInfo, FirstRun, ProfileStore, SignedIn};
use std::path::{Path, PathBuf};
use std::sync::Arc;
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
    /// This device's link to a server, if any.
    link: ServerLink,
    /// What sync left for the person to decide.
    review: SyncReview,
    /// The background sync of the signed-in server session; one at a time, started and
    /// stopped under this lock.
    runner: Mutex<Option<SyncRunner>>,
    /// The token just issued, while its panel is open (for «Copy»); wiped when it closes.
    pub shown_token: std::sync::Mutex<Option<profile_core::tokens::ApiToken>>,
}

impl AppState {
    /// Opens the store in `data_dir`; the profile is made on the first-run screen.
    pub async fn open(
        data_dir: &Path,
        first_run: FirstRun,
        device: DeviceInfo,
    ) -> Result<Self, CoreError> {
        let env = crate::clock::app_env();
        let store = ProfileStore::open(&data_dir.join(DB_FILE), env.clone()).await?;
        let db = store.database().clone();
        let vault = SecretVault::new(Arc::new(OsKeychain), data_dir);
        Ok(Self {
            link: ServerLink::new(db.clone(), env.clone(), vault),
            review: SyncReview::new(db, env.clone()),
            runner: Mutex::new(None),
            shown_token: std::sync::Mutex::new(None),
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

    /// The link to a server.
    pub fn link(&self) -> &ServerLink {
        &self.link
    }

    /// What sync left for the person to decide.
    pub fn review(&self) -> &SyncReview {
        &self.review
    }

    /// Starts syncing in the background if this device has a server session (a restart,
    /// a sign-in); a runner already going is replaced.
    pub async fn start_sync(&self) -> Result<(), CoreError> {
        let mut runner = self.runner.lock().await;
        if let Some(old) = runner.take() {
            old.stop().await;
        }
        if let Err(err) = self.link.forget_unjoined().await {
            // Sync still starts: a leftover secret is tried again at the next start.
            tracing::warn!(error = %err, "an unfinished sign-in's secret could not be forgotten");
        }
        if let Some((client, session)) = self.link.sync_client().await? {
            *runner = Some(
                SyncRunner::start(
                    client,
                    session,
                    self.link.clone(),
                    self.store.database().clone(),
                    self.store.env().clone(),
                )
                .await?,
            );
        }
        Ok(())
    }

    /// Stops syncing after the round under way (before a sign-in or a sign-out).
    pub async fn stop_sync(&self) {
        let mut runner = self.runner.lock().await;
        if let Some(old) = runner.take() {
            old.stop().await;
        }
    }

    /// Where the background sync stands; `None` when nothing syncs.
    pub async fn sync_status(&self) -> Option<SyncStatus> {
        self.runner.lock().await.as_ref().map(SyncRunner::status)
    }

    /// Asks for a sync round now; false when nothing syncs.
    pub async fn sync_now(&self) -> bool {
        self.runner
            .lock()
            .await
            .as_ref()
            .filter(|runner| !runner.is_finished())
            .map(SyncRunner::sync_now)
            .is_some()
    }

    /// The profile's time zone, if there is a profile (read without touching the session:
    /// the header asks every second).
    pub async fn profile_zone(&self) -> Result<Option<profile_core::time_zone::ZoneId>, CoreError> {
        match self.store.profile().await? {
            Some(profile) => Ok(Some(profile_core::time_zone::parse_zone(
                &profile.time_zone,
            )?)),
            None => Ok(None),
        }
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
