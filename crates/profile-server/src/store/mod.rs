//! Where users, sessions and the sign-in throttle live: one [`Store`] trait, one
//! implementation per backend (SQLite by default, PostgreSQL for several instances).
//!
//! Both run the same SQL text (`$n` placeholders, no server-side functions, no advisory
//! locks); they differ only in how a write transaction takes its lock: `BEGIN IMMEDIATE` on
//! SQLite, `SELECT … FOR UPDATE` on the user's row on PostgreSQL.

mod postgres;
mod shared;
mod sqlite;

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

use crate::config::DatabaseConfig;
use crate::sync::PreparedMutation;
use async_trait::async_trait;
use profile_domain::error::ValidationError;
use profile_domain::state::{ProfileRecord, TokenRecord};
use profile_domain::sync::{PullRequest, PullResponse, PushResponse};
use profile_domain::Mutation;
use std::sync::Arc;
use uuid::Uuid;

/// A storage failure, or an answer the caller acts on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The e-mail address is taken.
    #[error("a user with this e-mail exists")]
    UserExists,
    /// No user matched.
    #[error("no such user")]
    UserNotFound,
    /// The session has ended.
    #[error("the session has ended")]
    SessionEnded,
    /// The password's version is not the one the change was based on.
    #[error("the password changed meanwhile")]
    PasswordVersionChanged,
    /// A channel with this id is in the catalog.
    #[error("a channel with this id exists")]
    ChannelExists,
    /// No channel an administrator added has this id.
    #[error("no such added channel")]
    ChannelNotFound,
    /// The catalog holds as many channels as it may.
    #[error("the catalog is full")]
    TooManyChannels,
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// The schema could not be brought up to date.
    #[error("migration: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// A stored value is not what the schema promises.
    #[error("stored data is malformed: {0}")]
    Corrupt(String),
}

/// Why a session ended (the `end_reason` column): the domain's reasons.
pub use profile_domain::state::EndReason;

/// A user as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct User {
    /// UUIDv7.
    pub id: String,
    /// As typed (trimmed).
    pub email: String,
    /// Full name.
    pub name: String,
    /// Interface language.
    pub language: String,
    /// IANA time zone.
    pub time_zone: String,
    /// Organization, if given.
    pub organization: Option<String>,
    /// E.164 phone, if given.
    pub phone: Option<String>,
    /// The avatar's SHA-256, if any.
    pub avatar_sha256: Option<String>,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Goes up with every password change.
    pub password_version: i64,
    /// 1 for an administrator.
    pub is_admin: i64,
    /// When the user was disabled, if so.
    pub disabled_at: Option<i64>,
    /// The sync cookie.
    pub version: i64,
    /// When created.
    pub created_at: i64,
    /// When last changed.
    pub updated_at: i64,
}

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// UUIDv7.
    pub id: String,
    /// As typed (trimmed).
    pub email: String,
    /// Full name.
    pub name: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Whether an administrator.
    pub is_admin: bool,
    /// Now, ms.
    pub now: i64,
}

/// A line of `user list`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UserListing {
    /// UUIDv7.
    pub id: String,
    /// E-mail.
    pub email: String,
    /// Name.
    pub name: String,
    /// 1 for an administrator.
    pub is_admin: i64,
    /// When disabled, if so.
    pub disabled_at: Option<i64>,
    /// Sessions not ended.
    pub active_sessions: i64,
}

/// A session to start.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// UUIDv7.
    pub id: String,
    /// Whose.
    pub user_id: String,
    /// SHA-256 of the secret, hex.
    pub secret_hash: String,
    /// Tidied device name.
    pub device_name: String,
    /// Tidied OS.
    pub os: String,
    /// Tidied app version.
    pub app_version: String,
    /// The client address seen.
    pub address: Option<String>,
    /// Now, ms.
    pub now: i64,
}

/// What authentication needs of a session.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionAuth {
    /// The session.
    pub id: String,
    /// Its user.
    pub user_id: String,
    /// When it was last used.
    pub last_active_at: i64,
    /// When it ended, if so.
    pub ended_at: Option<i64>,
}

/// A session as a user's devices see it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionRecord {
    /// UUIDv7.
    pub id: String,
    /// Device name.
    pub device_name: String,
    /// OS.
    pub os: String,
    /// App version.
    pub app_version: String,
    /// The client address seen at sign-in.
    pub address: Option<String>,
    /// When started.
    pub started_at: i64,
    /// When last used (written at most once a minute).
    pub last_active_at: i64,
    /// When ended, if so.
    pub ended_at: Option<i64>,
    /// Why it ended.
    pub end_reason: Option<String>,
    /// The device's last applied outbox position.
    pub last_seq: i64,
}

/// A password change, checked by the caller against `expected_version`.
#[derive(Debug, Clone)]
pub struct PasswordChange {
    /// Whose.
    pub user_id: String,
    /// The session asking; it stays, every other one ends.
    pub keep_session_id: String,
    /// The password version the current password was verified against.
    pub expected_version: i64,
    /// The new Argon2id PHC string.
    pub new_hash: String,
    /// Now, ms.
    pub now: i64,
}

/// What a sign-in throttle counts failures of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThrottleKey {
    /// An account, by the SHA-256 of its lowercased e-mail (known or not).
    Account(String),
    /// A client address, by its SHA-256.
    Address(String),
}

impl ThrottleKey {
    fn scope(&self) -> &'static str {
        match self {
            Self::Account(_) => "account",
            Self::Address(_) => "address",
        }
    }

    fn key(&self) -> &str {
        match self {
            Self::Account(k) | Self::Address(k) => k,
        }
    }
}

/// Failures counted under one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FailureCount {
    /// Wrong passwords in a row.
    pub failures: i64,
    /// When the last was, ms.
    pub last_failure_at: Option<i64>,
}

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// Users, sessions and the sign-in throttle.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Which backend this is.
    fn backend(&self) -> Backend;
    /// Checks that the database answers.
    async fn ping(&self) -> Result<(), StoreError>;
    /// Closes the connections.
    async fn close(&self);

    /// Creates a user; [`StoreError::UserExists`] if the e-mail is taken.
    async fn create_user(&self, user: &NewUser) -> Result<(), StoreError>;
    /// The user with this lowercased e-mail.
    async fn user_by_email_key(&self, email_key: &str) -> Result<Option<User>, StoreError>;
    /// The user with this id.
    async fn user_by_id(&self, id: &str) -> Result<Option<User>, StoreError>;
    /// Every user with their count of active sessions, oldest first.
    async fn list_users(&self) -> Result<Vec<UserListing>, StoreError>;
    /// Disables a user and ends their sessions with `disabled`.
    async fn disable_user(&self, email_key: &str, now: i64) -> Result<(), StoreError>;
    /// Sets a new password hash and ends every session with `password_changed`.
    async fn reset_password(
        &self,
        email_key: &str,
        new_hash: &str,
        now: i64,
    ) -> Result<(), StoreError>;
    /// Makes a user an administrator.
    async fn grant_admin(&self, email_key: &str, now: i64) -> Result<(), StoreError>;

    /// The failures counted under `key` since `since` (older ones are forgotten).
    async fn failures(&self, key: &ThrottleKey, since: i64) -> Result<FailureCount, StoreError>;
    /// Counts one more failure under each key (a count older than `since` restarts at 1).
    async fn record_failure(
        &self,
        keys: &[ThrottleKey],
        now: i64,
        since: i64,
    ) -> Result<(), StoreError>;
    /// Forgets the failures under `key`.
    async fn clear_failures(&self, key: &ThrottleKey) -> Result<(), StoreError>;

    /// Starts a session for an enabled user; [`StoreError::UserNotFound`] if the user is gone
    /// or was disabled meanwhile.
    async fn start_session(&self, session: &NewSession) -> Result<(), StoreError>;
    /// The session whose secret has this SHA-256.
    async fn session_by_secret_hash(
        &self,
        secret_hash: &str,
    ) -> Result<Option<SessionAuth>, StoreError>;
    /// Every session of a user, most recently started first.
    async fn sessions_of(&self, user_id: &str) -> Result<Vec<SessionRecord>, StoreError>;
    /// Notes the session was used at `now`, if it was last noted before `stale_before`.
    async fn touch_session(&self, id: &str, now: i64, stale_before: i64) -> Result<(), StoreError>;
    /// Ends a session; [`StoreError::SessionEnded`] if it already had.
    async fn end_session(&self, id: &str, reason: EndReason, now: i64) -> Result<(), StoreError>;
    /// Stores a new password hash (compare-and-set on the version) and ends every other
    /// session of the user with `password_changed`.
    async fn change_password(&self, change: &PasswordChange) -> Result<(), StoreError>;

    /// Processes a push of `session_id` (of `user_id`) in `seq` order, in one transaction
    /// with the session's and the user's rows locked: duplicates get their stored result, a
    /// gap stops the batch, the others are applied or rejected, logged, and move
    /// `last_seq`. [`StoreError::SessionEnded`] if the session has ended.
    async fn push(
        &self,
        session_id: &str,
        user_id: &str,
        batch: &[PreparedMutation],
        now: i64,
    ) -> Result<PushResponse, StoreError>;
    /// Answers a pull of `session_id` (of `user_id`) from one consistent read.
    async fn pull(
        &self,
        session_id: &str,
        user_id: &str,
        request: &PullRequest,
    ) -> Result<PullResponse, StoreError>;
    /// The user's avatar blob with this SHA-256, if they have one.
    async fn blob(&self, user_id: &str, sha256: &str) -> Result<Option<StoredBlob>, StoreError>;

    /// The personal token whose text has this SHA-256, with its user.
    async fn token_by_hash(&self, sha256: &str) -> Result<Option<TokenAuth>, StoreError>;
    /// Notes a token's use unless it was noted since `stale_before`; a noted use moves the
    /// user's version, so devices show it at their next pull.
    async fn note_token_use(&self, use_: &TokenUse) -> Result<(), StoreError>;
    /// The channel catalog: the built-in channels and those an administrator added.
    async fn catalog(&self) -> Result<profile_domain::channel::Catalog, StoreError>;

    /// Adds an administrator's (checked) channel; its id must be free.
    async fn add_channel(
        &self,
        channel: &profile_domain::channel::Channel,
        now: i64,
    ) -> Result<(), StoreError>;

    /// Removes a channel an administrator added (built-in ones cannot be).
    async fn remove_channel(&self, id: &str) -> Result<(), StoreError>;

    /// A user's notification contacts, oldest first.
    async fn contacts_of(
        &self,
        user_id: &str,
    ) -> Result<Vec<profile_domain::state::ContactRecord>, StoreError>;

    /// The enabled contacts on `channel` of the active users `user_ids`, user by user in
    /// that order, each user's preferred contact first.
    async fn mailing_list(
        &self,
        channel: &str,
        user_ids: &[String],
    ) -> Result<Vec<ListedContact>, StoreError>;

    /// Applies `mutation` made through the public API with token `token_id`, in one
    /// transaction with the user's row locked: the profile after it, or the domain's
    /// refusal (nothing written). [`StoreError::UserNotFound`] if the user is disabled.
    async fn apply_as_token(
        &self,
        user_id: &str,
        token_id: Uuid,
        mutation: &Mutation,
        now: i64,
    ) -> Result<Result<ProfileRecord, ValidationError>, StoreError>;
}

/// A personal token found by its hash.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenAuth {
    /// The token as the domain knows it.
    pub token: TokenRecord,
    /// Whose it is.
    pub user_id: String,
    /// When its user was disabled, if so.
    pub user_disabled_at: Option<i64>,
    /// Whether its user is an administrator (who may read mailing lists).
    pub user_is_admin: bool,
    /// Its user's profile as it was read with the token.
    pub profile: ProfileRecord,
}

/// One contact of a mailing list, with whose it is.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedContact {
    /// The user's id.
    pub user_id: String,
    /// The user's e-mail (sign-in name).
    pub email: String,
    /// The contact.
    pub contact: profile_domain::state::ContactRecord,
}

/// One use of a token, to note.
#[derive(Debug, Clone)]
pub struct TokenUse {
    /// The token.
    pub token_id: String,
    /// Its user (whose version moves).
    pub user_id: String,
    /// The client address seen.
    pub address: Option<String>,
    /// Now, ms.
    pub now: i64,
    /// A use noted before this is stale and noted again.
    pub stale_before: i64,
}

/// Picture bytes stored under their SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredBlob {
    /// `image/jpeg` or `image/png`.
    pub mime: String,
    /// The encoded picture.
    pub bytes: Vec<u8>,
}

/// Opens (creating if needed) the configured database and brings its schema up to date.
pub async fn open(config: &DatabaseConfig) -> Result<Arc<dyn Store>, StoreError> {
    Ok(match config {
        DatabaseConfig::Sqlite(path) => Arc::new(SqliteStore::open(path).await?),
        DatabaseConfig::Postgres(url) => Arc::new(PostgresStore::open(url).await?),
    })
}

/// `email` trimmed and lowercased: how accounts are told apart.
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

fn flag(value: bool) -> i64 {
    i64::from(value)
}
