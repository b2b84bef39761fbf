//! Slowing down wrong passwords: after 5 in a row, each try waits twice as long as the last.
//!
//! The count lives in SQLite so that restarting the app does not reset it. It is this
//! device's own state, never synced, so it is written directly rather than as a mutation.

use crate::error::CoreError;
use sqlx::SqliteConnection;

/// Wrong passwords in a row that cost nothing.
pub const FREE_FAILURES: u32 = 5;
/// The wait after the first failure beyond the free ones.
pub const FIRST_WAIT_MS: i64 = 1_000;
/// The longest wait.
pub const MAX_WAIT_MS: i64 = 5 * 60 * 1_000;

/// Consecutive wrong passwords and when the last one was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Throttle {
    /// Wrong passwords since the last right one.
    pub failures: u32,
    /// When the last wrong one was, ms since the epoch.
    pub last_failure_at: Option<i64>,
}

impl Throttle {
    /// How long after the last failure the next try must wait.
    pub fn wait_ms(&self) -> i64 {
        if self.failures < FREE_FAILURES {
            return 0;
        }
        // Capping the shift first keeps the doubling from overflowing.
        let doublings = (self.failures - FREE_FAILURES).min(20);
        (FIRST_WAIT_MS << doublings).min(MAX_WAIT_MS)
    }

    /// `Ok` when a try may be verified at `now_ms`, otherwise the milliseconds still to wait.
    pub fn check(&self, now_ms: i64) -> Result<(), i64> {
        let wait = self.wait_ms();
        let Some(last) = self.last_failure_at else {
            return Ok(());
        };
        // A clock set back must not lengthen the wait beyond one full period.
        let remaining = (last.saturating_add(wait).saturating_sub(now_ms)).min(wait);
        if remaining > 0 {
            Err(remaining)
        } else {
            Ok(())
        }
    }
}

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

/// Counts one more wrong password at `now_ms`.
pub(crate) async fn record_failure(
    conn: &mut SqliteConnection,
    now_ms: i64,
) -> Result<(), CoreError> {
    sqlx::query(
        "UPDATE password_throttle SET failures = failures + 1, last_failure_at = ? WHERE id = 1",
    )
    .bind(now_ms)
    .execute(conn)
    .await?;
    Ok(())
}

/// Forgets the failures after a right password.
pub(crate) async fn reset(conn: &mut SqliteConnection) -> Result<(), CoreError> {
    sqlx::query("UPDATE password_throttle SET failures = 0, last_failure_at = NULL WHERE id = 1")
        .execute(conn)
        .await?;
    Ok(())
}
