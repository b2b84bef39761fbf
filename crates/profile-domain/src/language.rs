//! Interface languages.

use crate::error::{ErrorCode, ValidationError};
use serde::{Deserialize, Serialize};

/// A language the interface is offered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// English.
    En,
    /// Russian.
    Ru,
}

impl Language {
    /// Every offered language.
    pub const ALL: [Language; 2] = [Language::En, Language::Ru];

    /// The ISO 639-1 code, as stored.
    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Ru => "ru",
        }
    }

    /// Parses an ISO 639-1 code.
    pub fn parse(code: &str) -> Result<Self, ValidationError> {
        Self::ALL
            .into_iter()
            .find(|l| l.code() == code)
            .ok_or_else(|| ValidationError::new(ErrorCode::ProfileLanguageUnsupported, "language"))
    }

    /// The first-run language for an OS locale such as `ru_RU.UTF-8`, `ru-RU` or `C`:
    /// Russian for any Russian locale, English otherwise (including `C`, `POSIX` and none).
    pub fn from_os_locale(locale: Option<&str>) -> Self {
        let Some(locale) = locale else {
            return Self::En;
        };
        let primary = locale
            .split(['-', '_', '.', '@'])
            .next()
            .unwrap_or_default();
        if primary.eq_ignore_ascii_case("ru") {
            Self::Ru
        } else {
            Self::En
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn russian_locales_choose_russian() {
        for l in ["ru", "ru_RU.UTF-8", "ru-RU", "RU_ru", "ru_UA@latin"] {
            assert_eq!(Language::from_os_locale(Some(l)), Language::Ru, "{l}");
        }
    }

    #[test]
    fn other_and_missing_locales_choose_english() {
        for l in ["C", "POSIX", "en_US.UTF-8", "de-DE", "", "rus", "C.UTF-8"] {
            assert_eq!(Language::from_os_locale(Some(l)), Language::En, "{l}");
        }
        assert_eq!(Language::from_os_locale(None), Language::En);
    }

    #[test]
    fn parse_accepts_only_offered_codes() {
        assert_eq!(Language::parse("ru"), Ok(Language::Ru));
        assert_eq!(Language::parse("en"), Ok(Language::En));
        let err = Language::parse("de").unwrap_err();
        assert_eq!(err.code, ErrorCode::ProfileLanguageUnsupported);
        assert_eq!(err.field, Some("language"));
    }
}
