//! Personal API tokens (DESIGN.md §4): the token's text format and checksum, its scope,
//! and when an interim token expires. The records themselves live in [`crate::state`].

mod expiry;
mod secret;

pub use expiry::{interim_expiry, last_day, EXPIRY_FIELD, MAX_EXPIRY_YEARS};
pub(crate) use secret::is_display_prefix;
pub use secret::{ApiToken, TokenFormatError, DISPLAY_PREFIX_CHARS, PREFIX, TOKEN_CHARS};

use serde::{Deserialize, Serialize};

/// The most tokens (active and withdrawn) one user may hold: the whole state is loaded
/// for every change, so it stays small.
pub const MAX_TOKENS: usize = 200;

/// What a token may do with the public API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenScope {
    /// Data queries only: `GET` and `HEAD`.
    Read,
    /// Queries and changes.
    Write,
}

impl TokenScope {
    /// The stored form: `read` or `write`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
        }
    }

    /// The scope stored as `text`, if it is one.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Read, Self::Write]
            .into_iter()
            .find(|s| s.as_str() == text)
    }

    /// Whether a request with this HTTP method is within the scope: a read token makes
    /// only `GET` and `HEAD` requests.
    pub fn allows_method(self, method: &str) -> bool {
        match self {
            Self::Write => true,
            Self::Read => matches!(method, "GET" | "HEAD"),
        }
    }
}

/// Why a token no longer opens the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Withdrawal {
    /// Revoked by hand.
    Revoked,
    /// Its expiry passed.
    Expired,
}
