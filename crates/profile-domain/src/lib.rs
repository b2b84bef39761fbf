//! Acure Profile domain: what the app and the server must agree on, with no I/O.
//!
//! Field rules, languages, time zones, password rules and hashing, device facts, stored
//! avatar checks, the API token format, ids, the clock and randomness handles, error codes and the named
//! mutations. Neither sqlx nor tokio nor Tauri is a dependency: the app's local store and
//! the server each persist what these pure functions decide.

pub mod avatar;
pub mod channel;
pub mod clock;
pub mod device;
pub mod env;
pub mod error;
pub mod fields;
pub mod ids;
pub mod language;
pub mod mutation;
pub mod password;
pub mod random;
pub mod state;
pub mod sync;
pub mod text;
pub mod time_zone;
pub mod token;

pub use clock::{Clock, ManualClock, SystemClock};
pub use device::DeviceInfo;
pub use env::Env;
pub use error::{ErrorCode, ValidationError, WireCode, WireError};
pub use language::Language;
pub use mutation::{ApplyCtx, Change, Mutation, Rejection};
pub use password::Password;
pub use random::Randomness;
pub use state::UserState;
