//! The wrong-password throttle of this device, kept in SQLite so that restarting the app
//! does not reset it. It is this device's own state, never synced, so it is written
//! directly rather than as a mutation. The rule itself is the domain's.

pub use profile_domain::password::throttle::*;

use crate::error::CoreError;
use sqlx::SqliteConnection;

/// The stored state.
pub(crate) async fn load(conn: &mut SqliteConnection) -> Result<Throttle, CoreError> {
    let (failures, last_failure_at): (i64, Option<i64>) =
        sqlx::query_as("SELECT failures, last_failure_at FROM password_throttle WHERE id = 1")
            .fetch_one(conn)
            .await?;
    Ok(Throttle {
        failures: u32::try_from(failures).unwrap_or(u32::MAX),
        last_failure_at,
    })
}

/// Moves a failure stored in the future of `now_ms` (the clock was set back) to `now_ms`,
/// so that after a restart too the wait is at most one full period; returns the state.
pub(crate) async fn settle(
    conn: &mut SqliteConnection,
    now_ms: i64,
) -> Result<Throttle, CoreError> {
    sqlx::query(
        "UPDATE password_throttle SET last_failure_at = ?1 WHERE id = 1 AND last_failure_at > ?1",
    )
    .bind(now_ms)
    .execute(&mut *conn)
    .await?;
    load(conn).await
}

/// Counts one more wrong password at `now_ms`; returns how many there are in a row.
pub(crate) async fn record_failure(
    conn: &mut SqliteConnection,
    now_ms: i64,
) -> Result<u32, CoreError> {
    let failures: i64 = sqlx::query_scalar(
        "UPDATE password_throttle SET failures = failures + 1, last_failure_at = ? WHERE id = 1 \
         RETURNING failures",
    )
    .bind(now_ms)
    .fetch_one(conn)
    .await?;
    Ok(u32::try_from(failures).unwrap_or(u32::MAX))
}

/// Forgets the failures after a right password.
pub(crate) async fn reset(conn: &mut SqliteConnection) -> Result<(), CoreError> {
    sqlx::query("UPDATE password_throttle SET failures = 0, last_failure_at = NULL WHERE id = 1")
        .execute(conn)
        .await?;
    Ok(())
}
