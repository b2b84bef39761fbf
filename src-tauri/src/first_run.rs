//! What a first start and each session take from the operating system.

use profile_core::{fields, time_zone, DeviceInfo, FirstRun, Language};

/// The OS account's name, the language of the OS locale and the OS time zone.
pub fn detect() -> FirstRun {
    FirstRun {
        name: os_user_name(),
        language: os_language(),
        time_zone: time_zone::os_time_zone().unwrap_or_else(|| "UTC".into()),
    }
}

/// The first of `candidates` that is not blank once control characters are dropped and it is
/// cut to `max` characters: what the OS reports is shown to people, and an odd value must
/// never stop a start.
fn first_printable(
    candidates: impl IntoIterator<Item = whoami::Result<String>>,
    max: usize,
    fallback: &str,
) -> String {
    candidates
        .into_iter()
        .filter_map(Result::ok)
        .map(|n| {
            n.chars()
                .filter(|c| !c.is_control())
                .take(max)
                .collect::<String>()
                .trim()
                .to_owned()
        })
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
