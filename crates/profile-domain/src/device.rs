//! What a device says about itself when a session starts: name, operating system, app version.

use serde::{Deserialize, Serialize};

/// The most characters a device description field keeps.
pub const FIELD_MAX_CHARS: usize = 200;

/// What a device tells about itself when it signs in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInfo {
    /// The device's name, e.g. the host name.
    pub device_name: String,
    /// The operating system and its version.
    pub os: String,
    /// This app's version.
    pub app_version: String,
}

impl DeviceInfo {
    /// The facts tidied for showing on another device's Sessions tab.
    pub fn tidied(self) -> Self {
        Self {
            device_name: tidy(&self.device_name),
            os: tidy(&self.os),
            app_version: tidy(&self.app_version),
        }
    }
}

/// Device descriptions come from an OS, ours or another device's, not from a person: they
/// are tidied, never refused. Invisible characters go too, so that a device name from
/// elsewhere cannot pose as another on the Sessions tab (e.g. reversed by U+202E).
pub fn tidy(text: &str) -> String {
    match crate::text::printable(text, FIELD_MAX_CHARS) {
        tidy if tidy.is_empty() => "unknown".to_owned(),
        tidy => tidy,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_facts_lose_controls_and_invisible_marks_and_are_never_empty() {
        let facts = DeviceInfo {
            device_name: "lap\u{202E}pot\n".into(),
            os: "   ".into(),
            app_version: "x".repeat(500),
        }
        .tidied();
        assert!(!facts.device_name.contains('\u{202E}'));
        assert!(!facts.device_name.contains('\n'));
        assert_eq!(facts.os, "unknown");
        assert_eq!(facts.app_version.chars().count(), FIELD_MAX_CHARS);
    }
}
