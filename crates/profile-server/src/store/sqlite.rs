//! The store on a SQLite file (the default: one instance, no database server to run).

use super::shared::{self, impl_store, BackendTypes};
use super::{
    EndReason, FailureCount, NewSession, NewUser, PasswordChange, SessionAuth, SessionRecord,
    StoreError, ThrottleKey, User, UserListing,
};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Sqlite, Transaction};
use std::path::Path;
use std::time::Duration;

/// The SQLite schema's migrations, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// Users and sessions in a SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl BackendTypes for SqliteStore {
    type Db = Sqlite;
}

impl SqliteStore {
    // A write transaction holds SQLite's one write lock from its BEGIN (see `begin_write`),
    // so these plain reads are as good as row locks.
    const LOCK_SESSION: &'static str = "SELECT user_id, ended_at FROM sessions WHERE id = $1";
    const LOCK_USER_SESSIONS: &'static str =
        "SELECT id FROM sessions WHERE user_id = $1 AND ended_at IS NULL ORDER BY id";
    /// Appended to the push's read of the user's row.
    const FOR_UPDATE: &'static str = "";
    const LOCK_USER: &'static str = "SELECT password_version, disabled_at FROM users WHERE id = $1";

    /// Opens (creating if needed, owner-only) the file at `path` and migrates it.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        create_private(path).map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // Every acknowledged write survives a power cut.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            // A backstop for the detached requests (see `http::run_detached`): a connection
            // handed back inside a transaction is closed, which rolls the transaction back.
            .after_release(|conn, _| {
                Box::pin(async move {
                    sqlx::Connection::ping(&mut *conn).await?;
                    Ok(!sqlx::Connection::is_in_transaction(&*conn))
                })
            })
            .connect_with(options)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(Self { pool })
    }

    /// A transaction that takes the write lock at once: one that read first and wrote later
    /// could find another writer in between and fail with SQLITE_BUSY instead of waiting.
    async fn begin_write(&self) -> Result<Transaction<'static, Sqlite>, StoreError> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// A read transaction: WAL gives it one snapshot from its first read.
    async fn begin_read(&self) -> Result<Transaction<'static, Sqlite>, StoreError> {
        Ok(self.pool.begin().await?)
    }
}

/// Creates `path` readable by its owner only, before SQLite opens it (its `-wal` and `-shm`
/// take the main file's mode).
fn create_private(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map(drop)
}

impl_store!(SqliteStore, super::Backend::Sqlite);
