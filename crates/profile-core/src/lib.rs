//! Acure Profile core: the client. The local store, named mutations with their outbox, the
//! account and sessions on this device, and the avatar pipeline; the rules come from
//! `profile-domain`.
//!
//! This crate knows nothing of Tauri or of any UI. Time and randomness come in through
//! [`Env`], so tests decide what "now" is and what "random" returns.

pub mod avatar;
pub mod contacts;
pub mod db;
pub mod error;
pub mod mutation;
pub mod open_error;
pub mod outbox;
pub mod private_files;
pub mod profile;
pub mod security;
pub mod server;
pub mod store;
pub mod sync;
mod synced;
pub mod tables;
pub mod time_zone;
pub mod tokens;

// The pure rules live in the domain crate, shared with the server; they keep their paths
// here so the app names one crate.
pub use profile_domain::{clock, env, fields, ids, language, random, text};

pub use clock::{Clock, ManualClock, SystemClock};
pub use env::Env;
pub use error::{CoreError, ErrorCode, ValidationError};
pub use language::Language;
pub use mutation::{Mutation, ProfileCreate, ProfileSet};
pub use open_error::{OpenFailure, StoreOpenError};
pub use outbox::OutboxEntry;
pub use profile::Profile;
pub use random::Randomness;
pub use security::{
    AccountState, AccountStatus, AccountStore, Checklist, DeviceInfo, Password, Session, SessionId,
    SessionView, SignedIn,
};
pub use store::{FirstRun, ProfileChanges, ProfileStore};
