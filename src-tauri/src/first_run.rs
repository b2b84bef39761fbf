//! What a first start and each session take from the operating system.

use profile_core::{fields, text, time_zone, DeviceInfo, FirstRun, Language};

/// The OS account's name, the language of the OS locale and the OS time zone.
pub fn detect() -> FirstRun {
    FirstRun {
        name: os_user_name(),
        language: os_language(),
        time_zone: time_zone::os_time_zone().unwrap_or_else(|| "UTC".into()),
    }
}

/// The first of `candidates` that is not blank once control and invisible characters are
/// dropped and it is cut to `max` characters (the core's rule for device facts): what the OS
/// reports is shown to people, and an odd value must never stop a start.
fn first_printable(
    candidates: impl IntoIterator<Item = whoami::Result<String>>,
    max: usize,
    fallback: &str,
) -> String {
    candidates
        .into_iter()
        .filter_map(Result::ok)
        .map(|n| text::printable(&n, max))
        .find(|n| !n.is_empty())
        .unwrap_or_else(|| fallback.to_owned())
}

/// The OS account's full name, else its login.
fn os_user_name() -> String {
    first_printable(
        [whoami::realname(), whoami::username()],
        fields::NAME_MAX_CHARS,
        "User",
    )
}

/// The most a device or OS name shown in the Sessions tab may have.
const DEVICE_TEXT_MAX_CHARS: usize = 100;

/// This device as its sessions record it: host name, OS with version, app version.
pub fn device() -> DeviceInfo {
    DeviceInfo {
        device_name: first_printable(
            [whoami::devicename(), whoami::hostname()],
            DEVICE_TEXT_MAX_CHARS,
            "?",
        ),
        os: first_printable(
            [whoami::distro(), Ok(whoami::platform().to_string())],
            DEVICE_TEXT_MAX_CHARS,
            "?",
        ),
        app_version: env!("CARGO_PKG_VERSION").to_owned(),
    }
}

/// The language of the OS locale (Russian for `ru*`, English otherwise).
pub fn os_language() -> Language {
    Language::from_os_locale(sys_locale::get_locale().as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_facts_lose_control_and_invisible_characters() {
        let picked = first_printable(
            [
                Ok("\u{202E}\u{200B}\n".to_owned()),
                Ok("anna\u{202E}-laptop\u{2066}".to_owned()),
            ],
            100,
            "?",
        );
        assert_eq!(
            picked, "anna-laptop",
            "the blank first candidate is skipped"
        );
        assert_eq!(first_printable([Ok("\u{FEFF}".to_owned())], 100, "?"), "?");
    }
}
