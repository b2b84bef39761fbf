//! The store on PostgreSQL (several stateless instances can share one database).

use super::shared::{self, impl_store, BackendTypes};
use super::{
    EndReason, FailureCount, NewSession, NewUser, PasswordChange, SessionAuth, SessionRecord,
    StoreError, ThrottleKey, User, UserListing,
};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{Postgres, Transaction};
use std::time::Duration;

/// The PostgreSQL schema's migrations, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Users and sessions in PostgreSQL.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl BackendTypes for PostgresStore {
    type Db = Postgres;
}

impl PostgresStore {
    // Row locks, held to the end of the transaction (portable to CockroachDB and YugabyteDB,
    // unlike advisory locks).
    const LOCK_SESSION: &'static str =
        "SELECT user_id, ended_at FROM sessions WHERE id = $1 FOR UPDATE";
    const LOCK_USER_SESSIONS: &'static str =
        "SELECT id FROM sessions WHERE user_id = $1 AND ended_at IS NULL ORDER BY id FOR UPDATE";
    /// Appended to the push's read of the user's row.
    const FOR_UPDATE: &'static str = " FOR UPDATE";
    const LOCK_USER: &'static str =
        "SELECT password_version, disabled_at FROM users WHERE id = $1 FOR UPDATE";

    /// Connects to `url` and migrates the database.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(Self { pool })
    }

    /// A transaction; its locks are taken row by row with `FOR UPDATE`.
    async fn begin_write(&self) -> Result<Transaction<'static, Postgres>, StoreError> {
        Ok(self.pool.begin().await?)
    }

    /// A read-only transaction that sees one snapshot throughout.
    async fn begin_read(&self) -> Result<Transaction<'static, Postgres>, StoreError> {
        Ok(self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await?)
    }
}

impl_store!(PostgresStore, super::Backend::Postgres);
