//! The SQLite database file: opening, pragmas, migrations.

use crate::error::CoreError;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{ConnectOptions, Connection, Sqlite, Transaction};
use std::path::Path;
use std::time::Duration;

/// The migrations of the local store, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

/// An open, migrated local database.
#[derive(Debug, Clone)]
pub struct Database {
    pool: SqlitePool,
}

impl Database {
    /// Opens (creating if needed) the database file at `path` and brings its schema up to date.
    ///
    /// The schema is brought up to date over a connection of its own that does not sync its
    /// commits: a first start runs every migration, and at `synchronous = FULL` each would wait
    /// for the disk before the first screen is shown. Nothing is risked: in WAL mode each
    /// migration stays atomic, and a power cut can only lose whole migrations from the end,
    /// which run again at the next start; the store's first FULL commit syncs the log with
    /// everything before it. The pool keeps a connection open meanwhile, so closing the
    /// migrating one does not checkpoint.
    pub async fn open(path: &Path) -> Result<Self, CoreError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL syncs the WAL on every commit: an acknowledged save survives power loss too.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        // Created (and switched to WAL) by the migrating connection, which does not sync.
        let mut migrating = options
            .clone()
            .synchronous(SqliteSynchronous::Normal)
            .connect()
            .await?;
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        MIGRATOR.run(&mut migrating).await?;
        migrating.close().await?;
        Ok(Self { pool })
    }

    /// The connection pool, for reads.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Starts a write transaction that holds the write lock from its first statement,
    /// so two writers never deadlock upgrading a read lock.
    pub async fn begin_write(&self) -> Result<Transaction<'static, Sqlite>, CoreError> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// Runs SQLite's own consistency check; `Ok(true)` when the file is sound.
    pub async fn integrity_ok(&self) -> Result<bool, CoreError> {
        let rows: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows == ["ok"])
    }

    /// Closes every connection, checkpointing the WAL.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}
