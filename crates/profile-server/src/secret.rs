//! Session secrets: made from the OS CSPRNG, handed out once, stored only as SHA-256.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::fmt;

/// What every session secret starts with, so a leaked one is recognisable (and greppable).
pub const PREFIX: &str = "acs_";
/// Random bytes per secret: 256 bits.
const RANDOM_BYTES: usize = 32;
/// Characters of a secret: the prefix and 32 bytes in unpadded base64url.
const SECRET_CHARS: usize = PREFIX.len() + 43;

/// A session secret as handed to a device; never logged (its `Debug` hides it).
#[derive(Clone, PartialEq, Eq)]
pub struct SessionSecret(String);

impl SessionSecret {
    /// A fresh secret from the operating system's CSPRNG.
    pub fn generate() -> Self {
        let mut bytes = [0u8; RANDOM_BYTES];
        OsRng.fill_bytes(&mut bytes);
        Self(format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// A secret as presented by a client, if it has the shape of one.
    pub fn parse(text: &str) -> Option<Self> {
        let body = text.strip_prefix(PREFIX)?;
        let well_formed = text.len() == SECRET_CHARS
            && body
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        well_formed.then(|| Self(text.to_owned()))
    }

    /// The secret itself, to hand to the device once.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What the store keeps and looks up by: SHA-256 of the secret, hex.
    pub fn hash(&self) -> String {
        sha256_hex(&self.0)
    }
}

impl fmt::Debug for SessionSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionSecret(***)")
    }
}

/// SHA-256 of `text`, lowercase hex.
pub fn sha256_hex(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_round_trips_and_differs_each_time() {
        let a = SessionSecret::generate();
        let b = SessionSecret::generate();
        assert_ne!(a, b);
        assert_eq!(SessionSecret::parse(a.expose()), Some(a.clone()));
        assert_eq!(a.hash().len(), 64);
        assert!(!format!("{a:?}").contains(&a.expose()[PREFIX.len()..]));
    }

    #[test]
    fn malformed_secrets_are_refused_before_any_lookup() {
        let good = SessionSecret::generate();
        for bad in [
            "",
            "acs_",
            &good.expose()[1..],
            &format!("{}x", good.expose()),
            &good.expose().replace("acs_", "act_"),
            &format!("acs_{}", "é".repeat(21)),
            &format!("acs_{}", "+".repeat(43)),
        ] {
            assert_eq!(SessionSecret::parse(bad), None, "{bad:?}");
        }
    }
}
