//! Slowing down wrong passwords per account and per client address, in the database so
//! that every server instance sees the same counts.
//!
//! The rule is the app's own ([`Throttle`]): 5 wrong passwords in a row are free, then each
//! further try waits twice as long as the last (1 s, 2 s … at most 5 minutes). A count that
//! has seen no failure for [`FORGET_AFTER_MS`] starts again, so an office sharing one
//! address is not slowed for ever by old typos.

use crate::domain::Throttle;
use crate::error::ServerError;
use crate::secret::sha256_hex;
use crate::store::{FailureCount, Store, ThrottleKey};
use std::net::IpAddr;

/// How long a run of failures is remembered after its last failure.
pub const FORGET_AFTER_MS: i64 = 60 * 60 * 1000;

/// The keys a sign-in attempt is counted under: the account (known or not, so the answer
/// does not tell which exist) and the client address. Both are stored hashed.
pub fn keys(email_key: &str, address: Option<IpAddr>) -> [ThrottleKey; 2] {
    let address = address.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
    [
        ThrottleKey::Account(sha256_hex(email_key)),
        ThrottleKey::Address(sha256_hex(&address)),
    ]
}

fn as_throttle(count: FailureCount) -> Throttle {
    Throttle {
        failures: u32::try_from(count.failures).unwrap_or(u32::MAX),
        last_failure_at: count.last_failure_at,
    }
}

/// `Ok` when a password may be tried now under every key, else `auth.throttled` with the
/// longest wait left.
pub async fn check(store: &dyn Store, keys: &[ThrottleKey], now: i64) -> Result<(), ServerError> {
    let mut wait_ms = 0;
    for key in keys {
        let throttle = as_throttle(store.failures(key, now - FORGET_AFTER_MS).await?);
        let elapsed = throttle
            .last_failure_at
            .map_or(0, |at| now.saturating_sub(at));
        if let Err(remaining) = throttle.check_after(elapsed) {
            wait_ms = wait_ms.max(remaining);
        }
    }
    if wait_ms > 0 {
        return Err(ServerError::Throttled {
            retry_after_ms: wait_ms,
        });
    }
    Ok(())
}

/// Counts a wrong password under every key.
pub async fn failed(store: &dyn Store, keys: &[ThrottleKey], now: i64) -> Result<(), ServerError> {
    Ok(store
        .record_failure(keys, now, now - FORGET_AFTER_MS)
        .await?)
}

/// Forgets the account's failures after a right password. The address keeps its count: one
/// account of one's own must not buy more guesses at others' from the same address.
pub async fn succeeded(store: &dyn Store, keys: &[ThrottleKey]) -> Result<(), ServerError> {
    for key in keys {
        if matches!(key, ThrottleKey::Account(_)) {
            store.clear_failures(key).await?;
        }
    }
    Ok(())
}
