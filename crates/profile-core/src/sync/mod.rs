//! The sync client (DESIGN.md §6): pushes this device's pending mutations, pulls the
//! server's snapshot, and rebases what is still pending on top of it. The network is
//! behind [`Transport`], so tests put faults between client and server.

mod backoff;
mod client;
pub(crate) mod pull;
mod transport;

pub use backoff::Backoff;
pub use client::{SyncClient, SyncError, SyncOutcome};
pub use transport::{Reply, Transport, TransportError};
