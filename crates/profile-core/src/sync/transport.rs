//! How the sync client reaches a server: three calls, each either answered or failed.

use profile_domain::sync::{PullRequest, PullResponse, PushRequest, PushResponse};
use profile_domain::WireError;
use std::future::Future;
use std::pin::Pin;

/// A boxed future a transport returns.
pub type Reply<'a, T> = Pin<Box<dyn Future<Output = Result<T, TransportError>> + Send + 'a>>;

/// The server, as the sync client sees it; it authenticates as this device's session.
pub trait Transport: Send + Sync {
    /// `POST /v1/sync/push`.
    fn push<'a>(&'a self, request: &'a PushRequest) -> Reply<'a, PushResponse>;
    /// `POST /v1/sync/pull`.
    fn pull<'a>(&'a self, request: &'a PullRequest) -> Reply<'a, PullResponse>;
    /// `GET /v1/blobs/{sha256}`: the bytes of a picture.
    fn blob<'a>(&'a self, sha256: &'a str) -> Reply<'a, Vec<u8>>;
}

/// Why a call got no usable answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TransportError {
    /// No answer (offline, timeout, dropped, a 5xx): the same call may be tried again.
    #[error("server unreachable: {0}")]
    Unreachable(String),
    /// Something answered, but not as an Acure Profile server does (a web page, a proxy's
    /// error, another service).
    #[error("not an Acure server: {0}")]
    NotAcure(String),
    /// The server answered with a coded refusal.
    #[error("server refused: {}", .0.code.as_str())]
    Refused(WireError),
}
