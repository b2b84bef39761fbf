//! What a first start takes from the operating system.

use profile_core::{FirstRun, Language};

/// The OS account's name and the language of the OS locale.
pub fn detect() -> FirstRun {
    FirstRun {
        name: os_user_name(),
        language: Language::from_os_locale(sys_locale::get_locale().as_deref()),
    }
}

fn os_user_name() -> String {
    [whoami::realname(), whoami::username()]
        .into_iter()
        .filter_map(Result::ok)
        .map(|n| n.trim().to_owned())
        .find(|n| !n.is_empty())
        .unwrap_or_else(|| "User".to_owned())
}
