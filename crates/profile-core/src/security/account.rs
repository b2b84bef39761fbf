//! The local account: creating it, signing in and out, changing the password, sessions.

use super::sessions::{self, DeviceInfo, Session, SessionId, SessionView};
use super::{password_hash, password_rules, throttle, Password};
use crate::db::Database;
use crate::env::Env;
use crate::error::{CoreError, ErrorCode, ValidationError};
use crate::fields;
use crate::ids::new_id;
use crate::language::Language;
use crate::mutation::{
    LocalChange, Mutation, MutationLog, PasswordChange, PasswordSet, ProfileCreate, ProfileSet,
    SessionEnd, SessionStart,
};
use crate::profile::{self, Profile};
use crate::store::FirstRun;
use std::sync::Arc;
use throttle::FailureTimer;
use tokio::sync::Mutex;
use uuid::Uuid;

/// The input field of the sign-in password, as the UI names it.
const SIGN_IN_FIELD: &str = "password";
/// The input field of the current password when changing it.
const CURRENT_FIELD: &str = "current_password";

/// Where a device stands, which decides the screen the app opens on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountState {
    /// No account yet: the first-run screen.
    FirstRun,
    /// An account, nobody signed in: the sign-in screen.
    SignedOut,
    /// Signed in: the profile.
    SignedIn,
}

/// What the first-run and sign-in screens show: who this device's user is (or is guessed
/// to be), in which language, and how long a password try must still wait.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AccountStatus {
    /// Which screen to show.
    pub state: AccountState,
    /// The profile's name; on a first run, the one found or guessed from the OS.
    pub name: String,
    /// The language to show the screen in.
    pub language: Language,
    /// The avatar as a `data:` URL, if the profile has one.
    pub avatar: Option<String>,
    /// Seconds until the next password try is accepted; 0 when it may go ahead.
    pub wait_seconds: i64,
    /// The server this device is linked to; `None` for a local profile.
    pub server_url: Option<String>,
    /// The account's e-mail on that server (its sign-in name), to fill in the sign-in form.
    pub email: Option<String>,
}

/// The stored account row.
#[derive(Debug, Clone)]
struct Account {
    profile_id: Uuid,
    password_hash: String,
    password_version: i64,
    current_session_id: Option<Uuid>,
}

/// Passwords and sessions of the profile on this device.
///
/// Make one per database and clone it: clones share the lock that lets only one password
/// try be checked at a time, so parallel tries cannot slip past the throttle together, and
/// with it the timer of the wrong tries.
#[derive(Debug, Clone)]
pub struct AccountStore {
    db: Database,
    log: MutationLog,
    env: Env,
    tries: Arc<Mutex<FailureTimer>>,
}

/// A wait in ms as the whole seconds a person is told (rounded up: never "0 s" while waiting).
fn whole_seconds(ms: i64) -> i64 {
    (ms + 999) / 1000
}

fn parse_id(text: &str, what: &str) -> Result<Uuid, CoreError> {
    Uuid::parse_str(text).map_err(|e| CoreError::Corrupt(format!("{what}: {e}")))
}

/// Runs slow password work (Argon2id) on the blocking pool, off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, CoreError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| CoreError::Task(e.to_string()))
}

impl AccountStore {
    /// An account store on `db`, with time and randomness from `env`.
    pub fn new(db: Database, env: Env) -> Self {
        Self {
            log: MutationLog::new(db.clone(), env.clone()),
            db,
            env,
            tries: Arc::new(Mutex::new(FailureTimer::default())),
        }
    }

    async fn account(&self) -> Result<Option<Account>, CoreError> {
        let row: Option<(String, String, i64, Option<String>)> = sqlx::query_as(
            "SELECT c.profile_id, c.password_hash, c.password_version, d.current_session_id \
             FROM credential c LEFT JOIN device d ON d.id = 1 ORDER BY c.rowid LIMIT 1",
        )
        .fetch_optional(self.db.pool())
        .await?;
        row.map(|(profile_id, password_hash, password_version, current)| {
            Ok(Account {
                profile_id: parse_id(&profile_id, "account profile id")?,
                password_hash,
                password_version,
                current_session_id: current
                    .as_deref()
                    .map(|id| parse_id(id, "current session id"))
                    .transpose()?,
            })
        })
        .transpose()
    }

    async fn require_account(&self) -> Result<Account, CoreError> {
        self.account()
            .await?
            .ok_or_else(|| ValidationError::general(ErrorCode::AccountMissing).into())
    }

    /// Where this device stands: no account yet, signed out, or signed in.
    pub async fn state(&self) -> Result<AccountState, CoreError> {
        Ok(if !self.has_account().await? {
            AccountState::FirstRun
        } else if self.is_signed_in().await? {
            AccountState::SignedIn
        } else {
            AccountState::SignedOut
        })
    }

    /// The status the app opens on; `guess` names a first-run user who has no profile yet.
    pub async fn status(&self, guess: &FirstRun) -> Result<AccountStatus, CoreError> {
        let state = self.state().await?;
        let profile = {
            let mut conn = self.db.pool().acquire().await?;
            profile::load(&mut conn).await?
        };
        let wait_ms = self.throttle_wait_ms().await?;
        let server_url = self.server_url().await?;
        let (name, language, avatar, email) = match profile {
            Some(p) => (p.name, p.language, p.avatar, p.email),
            None => (guess.name.clone(), guess.language, None, None),
        };
        Ok(AccountStatus {
            state,
            name,
            language,
            avatar,
            wait_seconds: whole_seconds(wait_ms),
            email: email.filter(|_| server_url.is_some()),
            server_url,
        })
    }

    /// Whether this device has an account: a local one (a profile with a password) or a
    /// server's.
    pub async fn has_account(&self) -> Result<bool, CoreError> {
        Ok(self.account().await?.is_some() || self.server_url().await?.is_some())
    }

    /// The server this device is linked to, if any.
    pub async fn server_url(&self) -> Result<Option<String>, CoreError> {
        let mut conn = self.db.pool().acquire().await?;
        crate::mutation::local::server_url(&mut conn).await
    }

    /// Whether someone is signed in on this device.
    pub async fn is_signed_in(&self) -> Result<bool, CoreError> {
        Ok(self.current_session().await?.is_some())
    }

    /// Creates the local account: the profile (or adopts one made without a password, e.g.
    /// by an older version), its password and the first session, in one transaction.
    pub async fn create_local_account(
        &self,
        first_run: FirstRun,
        email: &str,
        password: Password,
        confirmation: Password,
        device: DeviceInfo,
    ) -> Result<Profile, CoreError> {
        let name = fields::name(&first_run.name)?;
        let email = fields::email(email)?;
        password_rules::validate(&password, None)?;
        password_rules::confirm(&password, &confirmation)?;
        drop(confirmation);
        // Held until the commit: a second create (a double click) waits, then finds the account.
        let _one_at_a_time = self.tries.lock().await;
        if self.account().await?.is_some() {
            return Err(ValidationError::general(ErrorCode::AccountExists).into());
        }
        let env = self.env.clone();
        let hash = blocking(move || password_hash::hash(&password, &env)).await??;

        let existing = {
            let mut conn = self.db.pool().acquire().await?;
            profile::load(&mut conn).await?
        };
        let mut mutations = Vec::new();
        let profile_id = match existing {
            // A profile made before passwords existed keeps its data; only what was typed
            // now changes.
            Some(profile) => {
                mutations.push(Mutation::ProfileSet(ProfileSet {
                    profile_id: profile.id,
                    name: Some(name),
                    email: email.clone(),
                    ..ProfileSet::default()
                }));
                profile.id
            }
            None => {
                let profile_id = new_id(&self.env);
                mutations.push(Mutation::ProfileCreate(ProfileCreate {
                    profile_id,
                    name,
                    language: first_run.language,
                    // An unknown OS zone must not stop the first start.
                    time_zone: crate::time_zone::catalogue_id_for(&first_run.time_zone)
                        .as_str()
                        .to_owned(),
                }));
                if email.is_some() {
                    mutations.push(Mutation::ProfileSet(ProfileSet {
                        profile_id,
                        email: email.clone(),
                        ..ProfileSet::default()
                    }));
                }
                profile_id
            }
        };
        mutations.push(Mutation::PasswordSet(PasswordSet {
            profile_id,
            password_hash: hash,
        }));
        let (start, session_id) = self.session_start(profile_id, device);
        mutations.push(start);
        self.log
            .commit_with(mutations, Some(LocalChange::SignedInAs(session_id)))
            .await?;
        let mut conn = self.db.pool().acquire().await?;
        profile::load(&mut conn)
            .await?
            .ok_or(CoreError::ProfileMissing)
    }

    /// A new session of this device, and its id.
    fn session_start(&self, profile_id: Uuid, device: DeviceInfo) -> (Mutation, SessionId) {
        let session_id = new_id(&self.env);
        let start = Mutation::SessionStart(SessionStart {
            session_id,
            profile_id,
            device_name: device.device_name,
            os: device.os,
            app_version: device.app_version,
            address: None,
        });
        (start, session_id)
    }

    /// Checks `password` against the stored hash, honouring and updating the throttle.
    /// The caller holds the `tries` lock, whose timer it passes.
    async fn verify_try(
        &self,
        timer: &mut FailureTimer,
        account: &Account,
        password: Password,
        wrong: ErrorCode,
        field: &'static str,
    ) -> Result<(), CoreError> {
        let mut conn = self.db.pool().acquire().await?;
        let throttle = throttle::settle(&mut conn, self.env.now_ms()).await?;
        let elapsed_ms = timer.elapsed_ms(&throttle, self.env.clock.as_ref());
        if let Err(wait_ms) = throttle.check_after(elapsed_ms) {
            // Refused before verifying: a throttled try costs no Argon2 work and reveals nothing.
            let wait_seconds = whole_seconds(wait_ms);
            return Err(ValidationError::new(ErrorCode::PasswordThrottled, field)
                .with("wait_seconds", wait_seconds)
                .into());
        }
        let phc = account.password_hash.clone();
        let matches = blocking(move || password_hash::verify(&password, &phc)).await?;
        if matches {
            throttle::reset(&mut conn).await?;
            Ok(())
        } else {
            let failures = throttle::record_failure(&mut conn, self.env.now_ms()).await?;
            timer.failed(failures, self.env.clock.as_ref());
            Err(ValidationError::new(wrong, field).into())
        }
    }

    /// Signs in with `password` on this device, starting a new session (and ending the
    /// previous one of this device, if any).
    pub async fn sign_in(
        &self,
        password: Password,
        device: DeviceInfo,
    ) -> Result<SessionId, CoreError> {
        let mut timer = self.tries.lock().await;
        let account = self.require_account().await?;
        self.verify_try(
            &mut timer,
            &account,
            password,
            ErrorCode::PasswordWrong,
            SIGN_IN_FIELD,
        )
        .await?;
        let mut mutations = Vec::new();
        if let Some(previous) = account.current_session_id {
            mutations.push(Mutation::SessionEnd(SessionEnd {
                session_id: previous,
            }));
        }
        let (start, session_id) = self.session_start(account.profile_id, device);
        mutations.push(start);
        self.log
            .commit_with(mutations, Some(LocalChange::SignedInAs(session_id)))
            .await?;
        Ok(session_id)
    }

    /// Changes the password for the person signed in with `session_id`: `current` is
    /// checked first (a wrong one counts toward the throttle), then `new` against the
    /// rules; every other session then ends.
    pub(crate) async fn change_password_as(
        &self,
        session_id: SessionId,
        current: Password,
        new: Password,
    ) -> Result<(), CoreError> {
        let mut timer = self.tries.lock().await;
        let account = self.require_account().await?;
        if account.current_session_id != Some(session_id) {
            return Err(ValidationError::general(ErrorCode::AccountSignedOut).into());
        }
        self.verify_try(
            &mut timer,
            &account,
            current.clone(),
            ErrorCode::PasswordCurrentWrong,
            CURRENT_FIELD,
        )
        .await?;
        password_rules::validate(&new, Some(&current))?;
        let env = self.env.clone();
        let new_hash = blocking(move || password_hash::hash(&new, &env)).await??;
        self.log
            .commit_as(
                session_id,
                vec![Mutation::PasswordChange(PasswordChange {
                    profile_id: account.profile_id,
                    expected_version: account.password_version,
                    new_hash,
                    session_id: Some(session_id),
                })],
            )
            .await?;
        Ok(())
    }

    /// Every session as the Sessions tab shows it, dates in the profile's time zone and
    /// `language`.
    pub(crate) async fn session_views(
        &self,
        language: Language,
    ) -> Result<Vec<SessionView>, CoreError> {
        let zone = {
            let mut conn = self.db.pool().acquire().await?;
            let profile = profile::load(&mut conn)
                .await?
                .ok_or(CoreError::ProfileMissing)?;
            crate::time_zone::parse_zone(&profile.time_zone)?
        };
        Ok(self
            .sessions()
            .await?
            .into_iter()
            .map(|session| SessionView::new(session, zone, language))
            .collect())
    }

    /// The personal API tokens, changed through this store's log.
    pub(crate) fn token_store(&self) -> crate::tokens::TokenStore {
        crate::tokens::TokenStore::new(self.db.clone(), self.log.clone(), self.env.clone())
    }

    pub(crate) fn contact_store(&self) -> crate::contacts::ContactStore {
        crate::contacts::ContactStore::new(self.db.clone(), self.log.clone(), self.env.clone())
    }

    /// Every session: active ones first (most recently active first), then ended ones.
    pub async fn sessions(&self) -> Result<Vec<Session>, CoreError> {
        let mut conn = self.db.pool().acquire().await?;
        sessions::list(&mut conn).await
    }

    /// This device's signed-in session; `None` when signed out.
    pub async fn current_session(&self) -> Result<Option<Session>, CoreError> {
        let mut conn = self.db.pool().acquire().await?;
        sessions::current(&mut conn).await
    }

    /// Ends one session for the person signed in with `me`; ending this device's own signs
    /// it out. Ending an ended one is a no-op.
    pub(crate) async fn end_session_as(
        &self,
        me: SessionId,
        id: SessionId,
    ) -> Result<(), CoreError> {
        let sessions = self.sessions().await?;
        let session = sessions
            .iter()
            .find(|s| s.id == id)
            .ok_or_else(|| CoreError::from(ValidationError::general(ErrorCode::SessionNotFound)))?;
        if session.is_active() {
            self.log
                .commit_as(
                    me,
                    vec![Mutation::SessionEnd(SessionEnd { session_id: id })],
                )
                .await?;
        }
        Ok(())
    }

    /// Ends every active session (this device's own too when `including_current`, which
    /// signs it out) for the person signed in with `me`.
    pub(crate) async fn end_active_as(
        &self,
        me: SessionId,
        including_current: bool,
    ) -> Result<(), CoreError> {
        let mutations: Vec<Mutation> = self
            .sessions()
            .await?
            .into_iter()
            .filter(|s| s.is_active() && (including_current || !s.is_current))
            // The current one last, so the others are ended while still signed in.
            .rev()
            .map(|s| Mutation::SessionEnd(SessionEnd { session_id: s.id }))
            .collect();
        if !mutations.is_empty() {
            self.log.commit_as(me, mutations).await?;
        }
        Ok(())
    }

    /// Records that this device's session is in use now.
    ///
    /// Device-local, not a mutation and not a synced row: a heartbeat would flood the
    /// outbox, and a server knows when a session was last active from its own requests.
    ///
    /// Returns the session; `account.signed_out` when nobody is signed in.
    pub async fn touch_current_session(&self) -> Result<SessionId, CoreError> {
        let touched: Option<String> = sqlx::query_scalar(
            "UPDATE device SET last_active_at = MAX(COALESCE(last_active_at, 0), ?) \
             WHERE id = 1 AND current_session_id IN (SELECT id FROM session WHERE ended_at IS NULL) \
             RETURNING current_session_id",
        )
        .bind(self.env.now_ms())
        .fetch_optional(self.db.pool())
        .await?;
        match touched {
            Some(id) => parse_id(&id, "current session id"),
            None => Err(ValidationError::general(ErrorCode::AccountSignedOut).into()),
        }
    }

    /// How long the next password try must still wait, in ms; 0 when it may go ahead.
    pub async fn throttle_wait_ms(&self) -> Result<i64, CoreError> {
        let mut timer = self.tries.lock().await;
        let mut conn = self.db.pool().acquire().await?;
        let throttle = throttle::settle(&mut conn, self.env.now_ms()).await?;
        let elapsed_ms = timer.elapsed_ms(&throttle, self.env.clock.as_ref());
        Ok(throttle.check_after(elapsed_ms).err().unwrap_or(0))
    }
}
