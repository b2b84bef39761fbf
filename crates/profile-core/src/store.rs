//! The local profile store: what the app calls.

use crate::avatar::EncodedImage;
use crate::db::Database;
use crate::env::Env;
use crate::error::{CoreError, ErrorCode, ValidationError};
use crate::ids::new_id;
use crate::language::Language;
use crate::mutation::{
    AvatarRemove, AvatarSet, Committed, Mutation, MutationLog, ProfileCreate, ProfileSet,
};
use crate::open_error::StoreOpenError;
use crate::outbox::{self, OutboxEntry};
use crate::private_files;
use crate::profile::{self, Profile};
use crate::security::SessionId;
use std::path::Path;

/// Creates the app's data directory (and its parents) for this user only, tightening one
/// left open by an older version; a failure names the directory and why.
pub fn create_data_dir(dir: &Path) -> Result<(), StoreOpenError> {
    private_files::create_dir(dir).map_err(|e| StoreOpenError::io(dir, e))
}

/// What a first start knows about the person, to create the local profile with.
#[derive(Debug, Clone)]
pub struct FirstRun {
    /// A starting display name (e.g. the OS account's full name).
    pub name: String,
    /// The starting interface language (from the OS locale).
    pub language: Language,
    /// The starting time zone (the OS's), an IANA id.
    pub time_zone: String,
}

/// The changes a user asks for; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProfileChanges {
    /// A new display name.
    pub name: Option<String>,
    /// A new interface language.
    pub language: Option<Language>,
    /// A new e-mail address; empty clears it.
    pub email: Option<String>,
    /// A new organization; empty clears it.
    pub organization: Option<String>,
    /// A new phone number; empty clears it.
    pub phone: Option<String>,
    /// A new IANA time zone.
    pub time_zone: Option<String>,
}

/// The profile on this device: reads, and changes through named mutations.
#[derive(Debug, Clone)]
pub struct ProfileStore {
    db: Database,
    log: MutationLog,
    env: Env,
}

impl ProfileStore {
    /// Opens the store in the database file at `path`, creating and migrating it as needed.
    ///
    /// A failure is [`CoreError::StoreOpen`]: which file, and whether it is locked, damaged,
    /// made by a newer version, forbidden, or otherwise unavailable.
    pub async fn open(path: &Path, env: Env) -> Result<Self, CoreError> {
        let db = Database::open(path).await?;
        Ok(Self {
            log: MutationLog::new(db.clone(), env.clone()),
            db,
            env,
        })
    }

    /// The clock and randomness this store works with.
    pub fn env(&self) -> &Env {
        &self.env
    }

    /// The underlying database.
    pub fn database(&self) -> &Database {
        &self.db
    }

    /// The profile, if one exists.
    pub async fn profile(&self) -> Result<Option<Profile>, CoreError> {
        let mut conn = self.db.pool().acquire().await?;
        profile::load(&mut conn).await
    }

    /// The profile; `profile.missing` when the device has none.
    pub async fn existing_profile(&self) -> Result<Profile, CoreError> {
        self.profile().await?.ok_or(CoreError::ProfileMissing)
    }

    /// The profile, creating it from `first_run` when the device has none yet.
    pub async fn ensure_profile(&self, first_run: FirstRun) -> Result<Profile, CoreError> {
        if let Some(existing) = self.profile().await? {
            return Ok(existing);
        }
        let create = Mutation::ProfileCreate(ProfileCreate {
            profile_id: new_id(&self.env),
            name: first_run.name,
            language: first_run.language,
            // An unknown OS zone must not stop the first start.
            time_zone: crate::time_zone::catalogue_id_for(&first_run.time_zone)
                .as_str()
                .to_owned(),
        });
        self.log.commit(create).await?;
        self.profile().await?.ok_or(CoreError::ProfileMissing)
    }

    /// Applies `changes` as one `profile.set` mutation and returns the updated profile.
    ///
    /// No sign-in is checked: for a profile without an account (tools, tests). The app
    /// changes the profile through [`crate::security::SignedIn`].
    pub async fn update(&self, changes: ProfileChanges) -> Result<Profile, CoreError> {
        self.update_as(None, changes).await
    }

    /// As [`Self::update`], refused unless `session` is still the signed-in one.
    pub(crate) async fn update_as(
        &self,
        session: Option<SessionId>,
        changes: ProfileChanges,
    ) -> Result<Profile, CoreError> {
        let current = self.profile().await?.ok_or(CoreError::ProfileMissing)?;
        if changes == ProfileChanges::default() {
            return Ok(current); // nothing asked for: no mutation, nothing to sync
        }
        if let Some(email) = &changes.email {
            let unchanged = email.trim() == current.email.as_deref().unwrap_or_default();
            let linked = {
                let mut conn = self.db.pool().acquire().await?;
                crate::mutation::local::server_url(&mut conn).await?
            };
            // A server account's e-mail is its sign-in name: the server refuses to change it.
            if linked.is_some() && !unchanged {
                return Err(
                    ValidationError::new(ErrorCode::ProfileEmailManagedByServer, "email").into(),
                );
            }
        }
        let set = Mutation::ProfileSet(ProfileSet {
            profile_id: current.id,
            name: changes.name,
            language: changes.language,
            email: changes.email,
            organization: changes.organization,
            phone: changes.phone,
            time_zone: changes.time_zone,
        });
        self.commit_as(session, set).await?;
        self.profile().await?.ok_or(CoreError::ProfileMissing)
    }

    /// Stores a finished avatar (from the avatar pipeline) as one `avatar.set` mutation;
    /// no sign-in is checked (see [`Self::update`]).
    pub async fn set_avatar(&self, avatar: EncodedImage) -> Result<Profile, CoreError> {
        self.set_avatar_as(None, avatar).await
    }

    pub(crate) async fn set_avatar_as(
        &self,
        session: Option<SessionId>,
        avatar: EncodedImage,
    ) -> Result<Profile, CoreError> {
        let current = self.profile().await?.ok_or(CoreError::ProfileMissing)?;
        let set = Mutation::AvatarSet(AvatarSet {
            profile_id: current.id,
            mime: avatar.mime.to_owned(),
            image: avatar.bytes,
        });
        self.commit_as(session, set).await?;
        self.profile().await?.ok_or(CoreError::ProfileMissing)
    }

    /// Removes the avatar as one `avatar.remove` mutation; no sign-in is checked (see
    /// [`Self::update`]).
    pub async fn remove_avatar(&self) -> Result<Profile, CoreError> {
        self.remove_avatar_as(None).await
    }

    pub(crate) async fn remove_avatar_as(
        &self,
        session: Option<SessionId>,
    ) -> Result<Profile, CoreError> {
        let current = self.profile().await?.ok_or(CoreError::ProfileMissing)?;
        let remove = Mutation::AvatarRemove(AvatarRemove {
            profile_id: current.id,
        });
        self.commit_as(session, remove).await?;
        self.profile().await?.ok_or(CoreError::ProfileMissing)
    }

    /// Commits one mutation, as the person signed in with `session` when one is given.
    async fn commit_as(
        &self,
        session: Option<SessionId>,
        mutation: Mutation,
    ) -> Result<(), CoreError> {
        match session {
            Some(session) => self.log.commit_as(session, vec![mutation]).await.map(drop),
            None => self.log.commit(mutation).await.map(drop),
        }
    }

    /// Commits one mutation (validate, apply, outbox) atomically.
    pub async fn commit(&self, mutation: Mutation) -> Result<Committed, CoreError> {
        self.log.commit(mutation).await
    }

    /// The synced state as this device holds it, without the local password (e.g. to set
    /// beside a server's snapshot).
    pub async fn synced_state(&self) -> Result<profile_domain::UserState, CoreError> {
        let mut conn = self.db.pool().acquire().await?;
        let mut state = crate::synced::load(&mut conn).await?;
        state.credential = None;
        Ok(state)
    }

    /// The mutations not yet acknowledged by a server, oldest first.
    pub async fn pending(&self) -> Result<Vec<OutboxEntry>, CoreError> {
        let mut conn = self.db.pool().acquire().await?;
        outbox::pending(&mut conn).await
    }

    /// Closes the store, checkpointing its WAL.
    pub async fn close(&self) {
        self.db.close().await;
    }
}
