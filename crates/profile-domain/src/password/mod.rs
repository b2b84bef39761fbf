//! Passwords: the typed secret, the rules a new one must meet, and its Argon2id hash.

pub mod hash;
pub mod rules;
pub mod throttle;

pub use rules::Checklist;

use serde::{Deserialize, Deserializer};
use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

/// A plain password as typed; wiped from memory when dropped and never printed.
#[derive(Clone)]
pub struct Password(Zeroizing<String>);

impl Password {
    /// Wraps a typed password.
    pub fn new(plain: impl Into<String>) -> Self {
        Self(Zeroizing::new(plain.into()))
    }

    /// The password in Unicode NFC, the form every rule and the hash see, so the same
    /// password typed on another keyboard or OS (composed or decomposed) still matches.
    pub fn normalized(&self) -> Zeroizing<String> {
        Zeroizing::new(self.0.nfc().collect())
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl From<String> for Password {
    fn from(plain: String) -> Self {
        Self::new(plain)
    }
}

impl From<&str> for Password {
    fn from(plain: &str) -> Self {
        Self::new(plain)
    }
}

impl<'de> Deserialize<'de> for Password {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Self::new)
    }
}
