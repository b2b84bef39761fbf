//! Everything the server takes from the shared domain crate, in one place: the rules
//! (passwords, fields, device facts, error codes, the wrong-password throttle) are the
//! app's own, so a refusal reads the same on both sides.

pub use profile_domain::clock::{Clock, ManualClock, SystemClock};
pub use profile_domain::env::Env;
pub use profile_domain::error::{ErrorCode, ValidationError, WireCode};
pub use profile_domain::fields;
pub use profile_domain::ids::new_id;
pub use profile_domain::password::throttle::Throttle;
pub use profile_domain::password::{hash as password_hash, rules as password_rules, Password};
pub use profile_domain::random::Randomness;
pub use profile_domain::text;
pub use profile_domain::DeviceInfo;

/// Device facts tidied by the domain's rule for them (invisible and control characters
/// dropped, length capped, "unknown" when nothing is left): they come from a device, not a
/// person, so they are tidied rather than refused.
pub fn tidy_device(device: DeviceInfo) -> DeviceInfo {
    device.tidied()
}
