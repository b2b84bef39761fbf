//! Where "now" comes from.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A source of the current time: the wall clock, which people and NTP may set, and a
/// monotonic reading, which only ever moves forward while the process runs.
pub trait Clock: Send + Sync + 'static {
    /// The current time in ms since the epoch.
    fn now_ms(&self) -> i64;

    /// Time since an arbitrary fixed point of this process; never goes back.
    fn monotonic(&self) -> Duration;
}

/// The operating system's wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        let since = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
    }

    fn monotonic(&self) -> Duration {
        // One origin for the whole process, so readings from any `SystemClock` compare.
        static ORIGIN: OnceLock<Instant> = OnceLock::new();
        ORIGIN.get_or_init(Instant::now).elapsed()
    }
}

/// A clock that only moves when told to; for tests.
#[derive(Debug, Default)]
pub struct ManualClock {
    wall_ms: AtomicI64,
    monotonic_ms: AtomicI64,
}

impl ManualClock {
    /// A clock standing at `now_ms`.
    pub fn at(now_ms: i64) -> Self {
        Self {
            wall_ms: AtomicI64::new(now_ms),
            monotonic_ms: AtomicI64::new(0),
        }
    }

    /// Lets `ms` pass: both the wall clock and the monotonic reading move forward.
    pub fn advance(&self, ms: i64) {
        self.wall_ms.fetch_add(ms, Ordering::SeqCst);
        self.monotonic_ms.fetch_add(ms.max(0), Ordering::SeqCst);
    }

    /// Sets the wall clock to `now_ms`, as a person, a dual boot or a bad RTC does; no time
    /// passes, so the monotonic reading stays.
    pub fn set_wall(&self, now_ms: i64) {
        self.wall_ms.store(now_ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.wall_ms.load(Ordering::SeqCst)
    }

    fn monotonic(&self) -> Duration {
        let ms = self.monotonic_ms.load(Ordering::SeqCst);
        Duration::from_millis(u64::try_from(ms).unwrap_or(0))
    }
}
