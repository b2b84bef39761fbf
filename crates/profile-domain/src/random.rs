//! Where randomness comes from.

use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};
use std::sync::{Arc, Mutex, PoisonError};

/// A shared handle to a cryptographically secure generator.
///
/// In the app it is seeded from the OS; tests seed it with a number to be reproducible.
#[derive(Clone)]
pub struct Randomness(Arc<Mutex<StdRng>>);

impl Randomness {
    /// A generator seeded from the operating system's CSPRNG.
    pub fn from_os() -> Self {
        Self(Arc::new(Mutex::new(StdRng::from_entropy())))
    }

    /// A deterministic generator; for tests.
    pub fn seeded(seed: u64) -> Self {
        Self(Arc::new(Mutex::new(StdRng::seed_from_u64(seed))))
    }

    /// Fills `buf` with random bytes.
    pub fn fill(&self, buf: &mut [u8]) {
        // A panic elsewhere cannot leave a byte generator in a bad state, so poisoning is moot.
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .fill_bytes(buf);
    }
}

impl std::fmt::Debug for Randomness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Randomness(..)")
    }
}
