//! Waiting between failed syncs: doubling from one second to five minutes, with jitter so
//! that many devices coming back online do not all retry together.

use profile_domain::Randomness;

/// The first wait after a failure, ms.
const FIRST_MS: i64 = 1_000;
/// The longest wait, ms.
const MAX_MS: i64 = 5 * 60 * 1_000;

/// Failures in a row, and the wait they call for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Backoff {
    failures: u32,
}

impl Backoff {
    /// Records a failure.
    pub fn failed(&mut self) {
        self.failures = self.failures.saturating_add(1);
    }

    /// Records a success: the next failure waits the shortest time again.
    pub fn succeeded(&mut self) {
        self.failures = 0;
    }

    /// Failures in a row.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// How long to wait before the next try, ms: 0 after a success; otherwise half the
    /// doubled step fixed and half drawn at random ("equal jitter"), never above the cap.
    pub fn delay_ms(&self, random: &Randomness) -> i64 {
        if self.failures == 0 {
            return 0;
        }
        let step = FIRST_MS
            .saturating_mul(1 << (self.failures - 1).min(20))
            .min(MAX_MS);
        let mut bytes = [0u8; 8];
        random.fill(&mut bytes);
        let spread = u64::from_le_bytes(bytes) % (step as u64 / 2 + 1);
        step / 2 + spread as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_stay_within_half_to_whole_step_and_stop_at_the_cap() {
        let random = Randomness::seeded(11);
        let mut backoff = Backoff::default();
        assert_eq!(backoff.delay_ms(&random), 0);
        for failures in 1..=30u32 {
            backoff.failed();
            let step = (FIRST_MS << (failures - 1).min(20)).min(MAX_MS);
            for _ in 0..50 {
                let wait = backoff.delay_ms(&random);
                assert!((step / 2..=step).contains(&wait), "{failures}: {wait}");
            }
        }
        let waits: std::collections::HashSet<i64> =
            (0..50).map(|_| backoff.delay_ms(&random)).collect();
        assert!(waits.len() > 10, "jitter spreads the waits");
        backoff.succeeded();
        assert_eq!(backoff.delay_ms(&random), 0);
    }
}
