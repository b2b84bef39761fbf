//! Identifiers: UUIDv7, so they sort by creation time.

use crate::env::Env;
use uuid::Uuid;

/// A new UUIDv7 from the environment's clock and randomness.
pub fn new_id(env: &Env) -> Uuid {
    let mut random = [0u8; 10];
    env.random.fill(&mut random);
    let millis = u64::try_from(env.now_ms()).unwrap_or(0);
    uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid()
}
