//! Kinds of contact a channel takes, each with its rule: what is accepted, how it is stored
//! and when two contacts are the same.

use crate::error::{ErrorCode, ValidationError};
use crate::fields::{self, EmailCodes, PhoneCodes, TextCodes};
use crate::text;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The input field every contact rule names.
pub const VALUE_FIELD: &str = "value";

/// The most characters a contact may have (a webhook URL is the longest kind).
pub const VALUE_MAX_CHARS: usize = 2048;

/// The most characters a free-text contact may have.
pub const TEXT_MAX_CHARS: usize = 200;

/// What a channel's contact is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ContactKind {
    /// An e-mail address.
    Email,
    /// A mobile number, stored in E.164 by the profile's phone rules.
    Phone,
    /// A Telegram numeric chat id or an @username.
    Telegram,
    /// A Slack member id such as `U0123ABCD`.
    SlackMember,
    /// A Mattermost @username.
    MattermostUsername,
    /// A Microsoft Teams sign-in address (e-mail or UPN).
    Upn,
    /// An `https://` address, such as a webhook.
    Url,
    /// Free text, such as an internal messenger's id.
    Text,
    /// A kind a newer server knows and this build does not: its contacts are shown, never
    /// edited.
    Unknown(String),
}

const EMAIL_CODES: EmailCodes = EmailCodes {
    invalid: ErrorCode::ContactEmailInvalid,
    too_long: ErrorCode::ContactEmailTooLong,
};

const UPN_CODES: EmailCodes = EmailCodes {
    invalid: ErrorCode::ContactUpnInvalid,
    too_long: ErrorCode::ContactUpnInvalid,
};

const PHONE_CODES: PhoneCodes = PhoneCodes {
    invalid: ErrorCode::ContactPhoneInvalid,
    needs_country_code: ErrorCode::ContactPhoneNeedsCountryCode,
};

const TEXT_CODES: TextCodes = TextCodes {
    too_long: ErrorCode::ContactTextTooLong,
    control: ErrorCode::ContactTextInvalid,
    invisible: ErrorCode::ContactInvisibleChars,
};

fn refuse(code: ErrorCode) -> ValidationError {
    ValidationError::new(code, VALUE_FIELD)
}

impl ContactKind {
    /// The stored name, e.g. `slack_member`.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Email => "email",
            Self::Phone => "phone",
            Self::Telegram => "telegram",
            Self::SlackMember => "slack_member",
            Self::MattermostUsername => "mattermost_username",
            Self::Upn => "upn",
            Self::Url => "url",
            Self::Text => "text",
            Self::Unknown(name) => name,
        }
    }

    /// The kind named `name`; a name this build does not know is kept as [`Self::Unknown`].
    pub fn parse(name: &str) -> Self {
        [
            Self::Email,
            Self::Phone,
            Self::Telegram,
            Self::SlackMember,
            Self::MattermostUsername,
            Self::Upn,
            Self::Url,
            Self::Text,
        ]
        .into_iter()
        .find(|k| k.as_str() == name)
        .unwrap_or_else(|| Self::Unknown(name.to_owned()))
    }

    /// Whether this build can check (and so edit) contacts of this kind.
    pub fn is_known(&self) -> bool {
        !matches!(self, Self::Unknown(_))
    }

    /// The contact `raw` in its stored form, or the refusal a person can act on.
    pub fn normalize(&self, raw: &str) -> Result<String, ValidationError> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(refuse(ErrorCode::ContactValueRequired));
        }
        if value.chars().count() > VALUE_MAX_CHARS {
            return Err(refuse(ErrorCode::ContactTextTooLong).with("max", VALUE_MAX_CHARS));
        }
        let required = |v: Option<String>| v.ok_or_else(|| refuse(ErrorCode::ContactValueRequired));
        match self {
            Self::Email => required(fields::email_as(value, VALUE_FIELD, EMAIL_CODES)?),
            Self::Upn => required(fields::email_as(value, VALUE_FIELD, UPN_CODES)?),
            Self::Phone => required(fields::phone_as(value, VALUE_FIELD, PHONE_CODES)?),
            Self::Telegram => telegram(value),
            Self::SlackMember => slack_member(value),
            Self::MattermostUsername => mattermost_username(value),
            Self::Url => url(value),
            Self::Text => required(fields::optional_text(
                value,
                VALUE_FIELD,
                TEXT_MAX_CHARS,
                TEXT_CODES,
            )?),
            Self::Unknown(_) => Err(ValidationError::general(ErrorCode::ContactKindUnsupported)),
        }
    }

    /// Whether two stored contacts of this kind reach the same person: addresses and user
    /// names compare without case, ids and URLs exactly.
    pub fn same(&self, a: &str, b: &str) -> bool {
        match self {
            Self::Email | Self::Upn | Self::Telegram | Self::MattermostUsername => {
                a.to_lowercase() == b.to_lowercase()
            }
            _ => a == b,
        }
    }
}

/// A Telegram chat id (a user's is positive, a group's negative) or a public username:
/// 5–32 Latin letters, digits and underscores, starting with a letter, stored with `@`.
fn telegram(value: &str) -> Result<String, ValidationError> {
    let digits = value.strip_prefix('-').unwrap_or(value);
    if !digits.is_empty() && digits.len() <= 20 && digits.bytes().all(|b| b.is_ascii_digit()) {
        return match value.parse::<i64>() {
            Ok(id) if id != 0 => Ok(id.to_string()),
            _ => Err(refuse(ErrorCode::ContactTelegramInvalid)),
        };
    }
    let name = value.strip_prefix('@').unwrap_or(value);
    let valid = (5..=32).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && !name.ends_with('_');
    if !valid {
        return Err(refuse(ErrorCode::ContactTelegramInvalid));
    }
    Ok(format!("@{name}"))
}

/// A Slack member id: `U` or `W` and 8–20 Latin capitals and digits (typed in any case).
fn slack_member(value: &str) -> Result<String, ValidationError> {
    let id = value.to_ascii_uppercase();
    let valid = (9..=21).contains(&id.len())
        && id.starts_with(['U', 'W'])
        && id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if !valid {
        return Err(refuse(ErrorCode::ContactSlackInvalid));
    }
    Ok(id)
}

/// A Mattermost username: 3–22 of lowercase Latin letters, digits, `.`, `-` and `_`,
/// starting with a letter; stored lowercase with `@`.
fn mattermost_username(value: &str) -> Result<String, ValidationError> {
    let name = value
        .strip_prefix('@')
        .unwrap_or(value)
        .to_ascii_lowercase();
    let valid = (3..=22).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if !valid {
        return Err(refuse(ErrorCode::ContactMattermostInvalid));
    }
    Ok(format!("@{name}"))
}

/// An `https://` address with a host and no credentials in it.
fn url(value: &str) -> Result<String, ValidationError> {
    if text::first_invisible(value).is_some() || value.chars().any(char::is_whitespace) {
        return Err(refuse(ErrorCode::ContactUrlInvalid));
    }
    let parsed = url::Url::parse(value).map_err(|_| refuse(ErrorCode::ContactUrlInvalid))?;
    let valid = parsed.scheme() == "https"
        && parsed.host_str().is_some_and(|h| !h.is_empty())
        && parsed.username().is_empty()
        && parsed.password().is_none();
    if !valid {
        return Err(refuse(ErrorCode::ContactUrlInvalid));
    }
    Ok(parsed.to_string())
}

impl Serialize for ContactKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ContactKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Self::parse(&String::deserialize(d)?))
    }
}
