//! Acure Profile core: domain rules, named mutations with their outbox, and the local store.
//!
//! This crate knows nothing of Tauri or of any UI. Time and randomness come in through
//! [`Env`], so tests decide what "now" is and what "random" returns.

pub mod avatar;
pub mod clock;
pub mod db;
pub mod env;
pub mod error;
pub mod fields;
pub mod ids;
pub mod language;
pub mod mutation;
pub mod open_error;
pub mod outbox;
pub mod private_files;
pub mod profile;
pub mod random;
pub mod security;
pub mod store;
pub mod text;
pub mod time_zone;

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
    SessionView,
};
pub use store::{FirstRun, ProfileChanges, ProfileStore};
