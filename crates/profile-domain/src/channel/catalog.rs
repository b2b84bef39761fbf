//! The catalog of notification channels, as data: the built-in one ships in
//! `builtin.json`; a server's replaces it on a linked device.

use super::kind::ContactKind;
use crate::error::{ErrorCode, ValidationError};
use crate::language::Language;
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

/// The most contacts a channel that takes several may hold.
pub const MAX_CONTACTS_PER_CHANNEL: usize = 10;
/// The most channels a catalog may have.
pub const MAX_CHANNELS: usize = 50;
/// The most characters a channel's name may have.
pub const NAME_MAX_CHARS: usize = 60;
/// The most steps a channel's instructions may have, per language.
pub const MAX_STEPS: usize = 12;
/// The most characters one step may have.
pub const STEP_MAX_CHARS: usize = 500;

/// A text in both interface languages; Russian falls back to English where it is empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Localized {
    /// English.
    pub en: String,
    /// Russian; may be empty.
    #[serde(default)]
    pub ru: String,
}

impl Localized {
    /// The text in `language`.
    pub fn get(&self, language: Language) -> &str {
        match language {
            Language::Ru if !self.ru.trim().is_empty() => &self.ru,
            _ => &self.en,
        }
    }
}

/// Step-by-step instructions for finding a contact, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Steps {
    /// English steps.
    pub en: Vec<String>,
    /// Russian steps; English ones are shown where there are none.
    #[serde(default)]
    pub ru: Vec<String>,
}

impl Steps {
    /// The steps in `language`.
    pub fn get(&self, language: Language) -> &[String] {
        match language {
            Language::Ru if !self.ru.is_empty() => &self.ru,
            _ => &self.en,
        }
    }
}

/// One way of notifying a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Channel {
    /// Its stable id, e.g. `telegram`.
    pub id: String,
    /// Its name as people read it.
    pub name: Localized,
    /// The kind of contact it takes, which decides the contact's rule.
    pub kind: ContactKind,
    /// Whether a person may give several contacts (two e-mail addresses).
    #[serde(default)]
    pub multiple: bool,
    /// How to find the contact in the external system; without them people are told to ask
    /// the administrator of their Acure workspace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<Steps>,
    /// Whether the server can send a test notification on it.
    #[serde(default, skip_serializing_if = "is_false")]
    pub test_sender: bool,
}

fn is_false(value: &bool) -> bool {
    !*value
}

impl Channel {
    /// How many contacts it may hold.
    pub fn max_contacts(&self) -> usize {
        if self.multiple {
            MAX_CONTACTS_PER_CHANNEL
        } else {
            1
        }
    }

    /// The channel as an administrator defined it, checked: an id of 2–32 lowercase Latin
    /// letters, digits, `-` and `_` starting with a letter; a name; a kind this build knows;
    /// bounded instructions.
    pub fn checked(self) -> Result<Self, ValidationError> {
        let invalid =
            |why: &str| ValidationError::general(ErrorCode::ChannelInvalid).with("why", why);
        let id_ok = (2..=32).contains(&self.id.len())
            && self.id.starts_with(|c: char| c.is_ascii_lowercase())
            && self
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !id_ok {
            return Err(invalid("id"));
        }
        for name in [&self.name.en, &self.name.ru] {
            if name.chars().count() > NAME_MAX_CHARS || !plain(name) {
                return Err(invalid("name"));
            }
        }
        if self.name.en.trim().is_empty() {
            return Err(invalid("name"));
        }
        if !self.kind.is_known() {
            return Err(invalid("kind"));
        }
        if let Some(steps) = &self.instructions {
            for list in [&steps.en, &steps.ru] {
                let ok = list.len() <= MAX_STEPS
                    && list.iter().all(|s| {
                        !s.trim().is_empty() && s.chars().count() <= STEP_MAX_CHARS && plain(s)
                    });
                if !ok {
                    return Err(invalid("instructions"));
                }
            }
            if steps.en.is_empty() {
                return Err(invalid("instructions"));
            }
        }
        Ok(self)
    }
}

/// No control or invisible format characters.
fn plain(text: &str) -> bool {
    !text.chars().any(char::is_control) && crate::text::first_invisible(text).is_none()
}

/// The channels a person can give contacts for, with the version clients compare.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalog {
    /// Grows with every change; a client holding another version is sent the catalog.
    pub version: i64,
    /// The channels, in the order they are shown.
    pub channels: Vec<Channel>,
}

static BUILT_IN: LazyLock<Catalog> = LazyLock::new(|| {
    // The file ships inside this crate and a test reads every channel of it.
    serde_json::from_str(include_str!("builtin.json")).unwrap_or_else(|_| Catalog {
        version: 0,
        channels: Vec::new(),
    })
});

impl Catalog {
    /// The catalog built into this version.
    pub fn built_in() -> &'static Catalog {
        &BUILT_IN
    }

    /// The channel `id`, if the catalog has it.
    pub fn channel(&self, id: &str) -> Option<&Channel> {
        self.channels.iter().find(|c| c.id == id)
    }

    /// Whether `id` names one of the built-in channels.
    pub fn is_built_in(id: &str) -> bool {
        Self::built_in().channel(id).is_some()
    }
}
