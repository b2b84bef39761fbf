//! Everything the server takes from the shared domain rules, in one place.
//!
//! The rules (passwords, fields, device facts, error codes, the wrong-password throttle) are
//! the client's own, so a refusal reads the same on both sides. They come from
//! `profile-core` today and move to `profile-domain`; only this file names the crate.

pub use profile_core::clock::{Clock, ManualClock, SystemClock};
pub use profile_core::env::Env;
pub use profile_core::error::{ErrorCode, ValidationError};
pub use profile_core::fields;
pub use profile_core::ids::new_id;
pub use profile_core::random::Randomness;
pub use profile_core::security::password_hash;
pub use profile_core::security::password_rules;
pub use profile_core::security::throttle::Throttle;
pub use profile_core::security::{DeviceInfo, Password};
pub use profile_core::text;

use profile_core::mutation::{Mutation, SessionStart};

/// Device facts tidied by the domain's rule for them (invisible and control characters
/// dropped, length capped, "unknown" when nothing is left): they come from a device, not a
/// person, so they are tidied rather than refused.
pub fn tidy_device(device: DeviceInfo) -> DeviceInfo {
    // The rule lives on `session.start`; the ids are placeholders, only the facts are read.
    let start = SessionStart {
        session_id: uuid::Uuid::nil(),
        profile_id: uuid::Uuid::nil(),
        device_name: device.device_name,
        os: device.os,
        app_version: device.app_version,
        address: None,
    };
    match Mutation::SessionStart(start).validated() {
        Ok(Mutation::SessionStart(tidy)) => DeviceInfo {
            device_name: tidy.device_name,
            os: tidy.os,
            app_version: tidy.app_version,
        },
        // `session.start` is never refused and stays itself; keep the facts empty otherwise.
        _ => DeviceInfo {
            device_name: "unknown".into(),
            os: "unknown".into(),
            app_version: "unknown".into(),
        },
    }
}
