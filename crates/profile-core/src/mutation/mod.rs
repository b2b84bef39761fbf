//! Named mutations (DESIGN.md §3) on this device: the domain's mutations, applied to the
//! local copy and appended to the outbox in one transaction.

pub(crate) mod local;
mod log;

pub use local::LocalChange;
pub use log::{Committed, MutationLog};
pub use profile_domain::avatar::AVATAR_MAX_BYTES;
pub use profile_domain::mutation::*;

use base64::Engine;

/// A stored avatar as a `data:` URL the webview can show (its CSP allows `img-src data:`).
pub fn data_url(mime: &str, bytes: &[u8]) -> String {
    format!(
        "data:{mime};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}
