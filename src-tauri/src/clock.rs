//! The app's time and randomness: the system's. A build with the `e2e-clock` feature (the
//! end-to-end tests' only) moves the clock by `ACURE_PROFILE_CLOCK_OFFSET_MS`, so a test can
//! watch a token expire in a running window without waiting for a day to end.

use profile_core::Env;

/// The variable an `e2e-clock` build reads its clock offset (ms, may be negative) from.
pub const CLOCK_OFFSET_ENV: &str = "ACURE_PROFILE_CLOCK_OFFSET_MS";

/// The environment the app's stores run with.
pub fn app_env() -> Env {
    #[cfg(feature = "e2e-clock")]
    if let Some(offset) = std::env::var(CLOCK_OFFSET_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<i64>().ok())
    {
        tracing::warn!(offset, "the clock is moved for a test");
        return Env {
            clock: std::sync::Arc::new(shifted::Shifted(offset)),
            random: profile_core::Randomness::from_os(),
        };
    }
    Env::system()
}

#[cfg(feature = "e2e-clock")]
mod shifted {
    use profile_core::{Clock, SystemClock};
    use std::time::Duration;

    /// The system clock moved by a fixed offset.
    pub struct Shifted(pub i64);

    impl Clock for Shifted {
        fn now_ms(&self) -> i64 {
            SystemClock.now_ms().saturating_add(self.0)
        }

        fn monotonic(&self) -> Duration {
            SystemClock.monotonic()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use profile_core::{Clock, SystemClock};

    /// Whatever the environment says, only an `e2e-clock` build moves the clock (the unit
    /// layer runs this in both builds).
    #[test]
    fn only_an_e2e_clock_build_moves_the_clock() {
        const DAY_MS: i64 = 86_400_000;
        std::env::set_var(CLOCK_OFFSET_ENV, DAY_MS.to_string());
        let moved = app_env().now_ms() - SystemClock.now_ms();
        std::env::remove_var(CLOCK_OFFSET_ENV);
        if cfg!(feature = "e2e-clock") {
            assert!(
                (DAY_MS - 1_000..=DAY_MS + 1_000).contains(&moved),
                "{moved}"
            );
        } else {
            assert!(moved.abs() < 1_000, "moved by {moved} ms");
        }
    }
}
