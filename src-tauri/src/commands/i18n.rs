//! The UI's translations, embedded in the binary from `ui/i18n/`.
//!
//! They come through a command because the CSP lets the webview fetch nothing but IPC.

use profile_core::Language;
use serde::Serialize;

/// The raw JSON of every language's strings, and the OS's language.
#[derive(Debug, Serialize)]
pub struct UiStrings {
    /// English.
    pub en: &'static str,
    /// Russian.
    pub ru: &'static str,
    /// The language of the OS locale: what to speak before a profile says otherwise.
    pub os_language: Language,
}

/// Every translation bundle, so switching language needs no round trip.
#[tauri::command]
pub fn ui_strings() -> UiStrings {
    UiStrings {
        en: include_str!("../../../ui/i18n/en.json"),
        ru: include_str!("../../../ui/i18n/ru.json"),
        os_language: crate::first_run::os_language(),
    }
}
