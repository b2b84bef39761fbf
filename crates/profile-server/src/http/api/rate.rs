//! The per-token rate limit of the public API: a token bucket per personal token, on this
//! instance (several instances each allow the rate: a bound, not an exact quota).

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;
use uuid::Uuid;

/// Buckets kept before idle ones are dropped (a full bucket is the same as none).
const KEPT_BUCKETS: usize = 10_000;

/// Requests per second per token, with bursts of five seconds' worth.
pub struct TokenRateLimiter {
    limiter: DefaultKeyedRateLimiter<Uuid>,
    clock: DefaultClock,
}

impl TokenRateLimiter {
    /// A limiter letting each token make `per_second` requests a second (at least 1).
    pub fn new(per_second: u32) -> Self {
        let rate = NonZeroU32::new(per_second.max(1)).unwrap_or(NonZeroU32::MIN);
        let burst = rate.saturating_mul(NonZeroU32::new(5).unwrap_or(NonZeroU32::MIN));
        Self {
            limiter: RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst)),
            clock: DefaultClock::default(),
        }
    }

    /// Takes one request from `token`'s bucket, or says how many ms until one is there.
    pub fn check(&self, token: Uuid) -> Result<(), i64> {
        if self.limiter.len() > KEPT_BUCKETS {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(&token).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            i64::try_from(wait.as_millis()).unwrap_or(i64::MAX).max(1)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_gets_its_burst_then_waits_and_others_are_not_affected() {
        let limiter = TokenRateLimiter::new(2);
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        for _ in 0..10 {
            limiter.check(a).unwrap();
        }
        let wait = limiter.check(a).unwrap_err();
        assert!((1..=500).contains(&wait), "{wait} ms");
        limiter.check(b).unwrap();
    }
}
