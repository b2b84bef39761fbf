//! Slowing down wrong passwords: after 5 in a row, each try waits twice as long as the last.
//!
//! The rule only: where the count is kept is the keeper's (the app's local store, the
//! server's database).
//!
//! The time since the last failure is measured so that setting the wall clock (a dual boot,
//! a fixed RTC, a person) never stretches a wait: a failure stored in the clock's future
//! counts as now, and within one run the monotonic clock takes over.

use crate::clock::Clock;
use std::time::Duration;

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

    /// `Ok` when a try may be verified `elapsed_ms` after the last failure, otherwise the
    /// milliseconds still to wait (never more than [`Self::wait_ms`]).
    pub fn check_after(&self, elapsed_ms: i64) -> Result<(), i64> {
        if self.last_failure_at.is_none() {
            return Ok(());
        }
        let wait = self.wait_ms();
        let remaining = wait.saturating_sub(elapsed_ms.max(0));
        if remaining > 0 {
            Err(remaining)
        } else {
            Ok(())
        }
    }
}

/// When this run first saw the current run of failures, to measure from it monotonically.
#[derive(Debug, Clone, Copy)]
struct Seen {
    /// The failure count it was seen with; a new failure or a reset starts afresh.
    failures: u32,
    /// The monotonic reading then.
    at: Duration,
    /// How long after the last failure that was.
    elapsed_ms: i64,
}

/// Measures the time since the last wrong password for one run of the app.
#[derive(Debug, Default)]
pub struct FailureTimer {
    seen: Option<Seen>,
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl FailureTimer {
    /// Milliseconds since the last failure of `throttle`.
    ///
    /// The first look in a run has only the stored wall-clock time to go by (a failure in
    /// the clock's future counts as now, see [`settle`]); from then on the monotonic clock
    /// counts, which no setting of the wall clock moves.
    pub fn elapsed_ms(&mut self, throttle: &Throttle, clock: &dyn Clock) -> i64 {
        let Some(last) = throttle.last_failure_at else {
            self.seen = None;
            return 0;
        };
        if let Some(seen) = self.seen.filter(|s| s.failures == throttle.failures) {
            let since = clock.monotonic().saturating_sub(seen.at);
            return seen.elapsed_ms.saturating_add(millis(since));
        }
        let elapsed_ms = clock.now_ms().saturating_sub(last).max(0);
        self.seen = Some(Seen {
            failures: throttle.failures,
            at: clock.monotonic(),
            elapsed_ms,
        });
        elapsed_ms
    }

    /// Notes a failure just recorded, which left `failures` in a row.
    pub fn failed(&mut self, failures: u32, clock: &dyn Clock) {
        self.seen = Some(Seen {
            failures,
            at: clock.monotonic(),
            elapsed_ms: 0,
        });
    }
}
