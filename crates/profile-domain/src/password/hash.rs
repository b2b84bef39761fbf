//! Argon2id password hashes as PHC strings.

use super::Password;
use crate::env::Env;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// Hashing failed (never holds the password); a fault of ours, not of the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(pub String);

/// Memory cost in KiB (OWASP's Argon2id recommendation).
pub const MEMORY_KIB: u32 = 19_456;
/// Number of passes.
pub const ITERATIONS: u32 = 2;
/// Degree of parallelism.
pub const PARALLELISM: u32 = 1;
/// Bytes of random salt per hash.
pub const SALT_BYTES: usize = 16;

/// The largest costs a stored hash may ask `verify` for: a hash that arrives by sync must
/// not make this device spend gigabytes or minutes.
const MAX_MEMORY_KIB: u32 = 256 * 1024;
const MAX_ITERATIONS: u32 = 16;
const MAX_PARALLELISM: u32 = 8;

fn hasher() -> Result<Argon2<'static>, HashError> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None)
        .map_err(|e| HashError(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes `password` (in NFC) with a fresh salt from `env`'s randomness; slow on purpose,
/// so call it off the async threads.
pub fn hash(password: &Password, env: &Env) -> Result<String, HashError> {
    let mut salt = [0u8; SALT_BYTES];
    env.random.fill(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| HashError(e.to_string()))?;
    let plain = password.normalized();
    let phc = hasher()?
        .hash_password(plain.as_bytes(), &salt)
        .map_err(|e| HashError(e.to_string()))?;
    Ok(phc.to_string())
}

/// Whether `phc` is an Argon2id hash with exactly our parameters.
pub fn has_current_params(phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    parsed.algorithm == Algorithm::Argon2id.ident()
        && parsed.salt.is_some()
        && parsed.hash.is_some()
        && (params.m_cost(), params.t_cost(), params.p_cost())
            == (MEMORY_KIB, ITERATIONS, PARALLELISM)
}

/// Whether `password` (in NFC) matches the Argon2id PHC string `phc`; anything unreadable,
/// another algorithm or excessive costs is no match.
pub fn verify(password: &Password, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    if parsed.algorithm != Algorithm::Argon2id.ident()
        || params.m_cost() > MAX_MEMORY_KIB
        || params.t_cost() > MAX_ITERATIONS
        || params.p_cost() > MAX_PARALLELISM
    {
        return false;
    }
    let plain = password.normalized();
    Argon2::default()
        .verify_password(plain.as_bytes(), &parsed)
        .is_ok()
}
