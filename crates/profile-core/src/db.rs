//! The SQLite database file: opening, pragmas, migrations.

use crate::error::CoreError;
use crate::open_error::StoreOpenError;
use crate::private_files;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{ConnectOptions, Connection, Sqlite, Transaction};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The migrations of the local store, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

/// `path` with `suffix` appended to its file name, as SQLite names its `-wal` and `-shm`.
pub fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = OsString::from(path.as_os_str());
    name.push(suffix);
    PathBuf::from(name)
}

/// An open, migrated local database.
#[derive(Debug, Clone)]
pub struct Database {
    pool: SqlitePool,
    /// Counts committed changes, so the sync runner and the header learn of them at once.
    changes: std::sync::Arc<tokio::sync::watch::Sender<u64>>,
}

impl Database {
    /// Opens (creating if needed) the database file at `path` and brings its schema up to date.
    ///
    /// The file and its `-wal`/`-shm` are the owner's only (see [`private_files`]); a failure
    /// says which file and why.
    ///
    /// The schema is brought up to date over a connection of its own that does not sync its
    /// commits: a first start runs every migration, and at `synchronous = FULL` each would wait
    /// for the disk before the first screen is shown. Nothing is risked: in WAL mode each
    /// migration stays atomic, and a power cut can only lose whole migrations from the end,
    /// which run again at the next start; the store's first FULL commit syncs the log with
    /// everything before it. The pool keeps a connection open meanwhile, so closing the
    /// migrating one does not checkpoint.
    pub async fn open(path: &Path) -> Result<Self, StoreOpenError> {
        // Created before SQLite opens it: SQLite gives the -wal and -shm it creates the main
        // file's mode, so they are private from their first byte too.
        private_files::create_file(path).map_err(|e| StoreOpenError::io(path, e))?;
        for sidecar in ["-wal", "-shm"] {
            private_files::tighten_if_present(&with_suffix(path, sidecar));
        }
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
            .await
            .map_err(|e| StoreOpenError::sqlite(path, e))?;
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|e| StoreOpenError::sqlite(path, e))?;
        let migrated = MIGRATOR.run(&mut migrating).await;
        // Data moves SQL cannot do (hashing), once the schema has moved.
        let adopted = match migrated {
            Ok(()) => crate::synced::adopt_inline_avatars(&mut migrating).await,
            Err(_) => Ok(()),
        };
        // Closing it fails only if it could not finish a write, which the migration reports.
        let _ = migrating.close().await;
        if let Err(err) = migrated {
            pool.close().await;
            return Err(StoreOpenError::migration(path, err));
        }
        if let Err(err) = adopted {
            pool.close().await;
            return Err(StoreOpenError::sqlite(path, err));
        }
        Ok(Self {
            pool,
            changes: std::sync::Arc::new(tokio::sync::watch::Sender::new(0)),
        })
    }

    /// Tells whoever watches [`Self::changes`] that something was committed.
    pub fn note_change(&self) {
        self.changes.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// A receiver that wakes after each committed change.
    pub fn changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.changes.subscribe()
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
