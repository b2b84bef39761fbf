//! What a first start takes from the operating system.

use profile_core::{fields, time_zone, FirstRun, Language};

/// The OS account's name, the language of the OS locale and the OS time zone.
pub fn detect() -> FirstRun {
    FirstRun {
        name: os_user_name(),
        language: os_language(),
        time_zone: time_zone::os_time_zone().unwrap_or_else(|| "UTC".into()),
    }
}

/// The OS account's full name, else its login, made to pass the name rule (an odd GECOS
/// field must never stop the first start).
fn os_user_name() -> String {
    [whoami::realname(), whoami::username()]
        .into_iter()
        .filter_map(Result::ok)
        .map(|n| {
            n.chars()
                .filter(|c| !c.is_control())
                .take(fields::NAME_MAX_CHARS)
                .collect::<String>()
                .trim()
                .to_owned()
        })
        .find(|n| !n.is_empty())
        .unwrap_or_else(|| "User".to_owned())
}

/// The language of the OS locale (Russian for `ru*`, English otherwise).
pub fn os_language() -> Language {
    Language::from_os_locale(sys_locale::get_locale().as_deref())
}
