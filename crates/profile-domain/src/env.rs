//! The clock and the randomness every operation is given.

use crate::clock::{Clock, SystemClock};
use crate::random::Randomness;
use std::sync::Arc;

/// Time and randomness, passed in so tests control both.
#[derive(Clone)]
pub struct Env {
    /// The source of "now".
    pub clock: Arc<dyn Clock>,
    /// The source of random bytes.
    pub random: Randomness,
}

impl Env {
    /// The real clock and the OS-seeded generator.
    pub fn system() -> Self {
        Self {
            clock: Arc::new(SystemClock),
            random: Randomness::from_os(),
        }
    }

    /// The current time in ms since the epoch.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }
}

impl std::fmt::Debug for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Env").finish_non_exhaustive()
    }
}
