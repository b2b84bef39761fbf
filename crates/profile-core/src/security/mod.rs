//! Passwords and sessions on this device: throttling of wrong tries, sessions, the account
//! store. The password rules and hashing are the domain's.

pub mod account;
pub mod sessions;
pub mod signed_in;
pub mod throttle;

pub use account::{AccountState, AccountStatus, AccountStore};
pub use profile_domain::password::{hash as password_hash, rules as password_rules};
pub use profile_domain::password::{Checklist, Password};
pub use sessions::{DeviceInfo, Session, SessionId, SessionView};
pub use signed_in::SignedIn;
