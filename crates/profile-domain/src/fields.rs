//! The rules for the profile's personal details: what is accepted and how it is stored.
//!
//! Every rule trims surrounding white space first. Optional fields accept an empty value,
//! which clears them (`Ok(None)`).

use crate::error::{ErrorCode, ValidationError};
use crate::text;
use phonenumber::Mode;

/// The most characters a name may have.
pub const NAME_MAX_CHARS: usize = 100;
/// The most characters an e-mail address may have (RFC 5321 path limit).
pub const EMAIL_MAX_CHARS: usize = 254;
/// The most characters an organization may have.
pub const ORGANIZATION_MAX_CHARS: usize = 200;
/// The most characters a phone number may be typed with (spaces and dashes included).
pub const PHONE_MAX_CHARS: usize = 32;
/// The most characters an API token's description may have.
pub const TOKEN_DESCRIPTION_MAX_CHARS: usize = 200;

fn too_long(code: ErrorCode, field: &'static str, max: usize) -> ValidationError {
    ValidationError::new(code, field).with("max", max)
}

/// Refuses text with an invisible format character (a bidi override, a zero-width space …),
/// naming the character so the person can tell what to remove.
fn visible(text: &str, code: ErrorCode, field: &'static str) -> Result<(), ValidationError> {
    match text::first_invisible(text) {
        Some(c) => Err(ValidationError::new(code, field).with("char", text::code_point(c))),
        None => Ok(()),
    }
}

/// A required name: trimmed, present, at most [`NAME_MAX_CHARS`], no control or invisible
/// characters.
pub fn name(raw: &str) -> Result<String, ValidationError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(ValidationError::new(ErrorCode::ProfileNameRequired, "name"));
    }
    if name.chars().count() > NAME_MAX_CHARS {
        return Err(too_long(
            ErrorCode::ProfileNameTooLong,
            "name",
            NAME_MAX_CHARS,
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(ValidationError::new(ErrorCode::ProfileNameInvalid, "name"));
    }
    visible(name, ErrorCode::ProfileNameInvisibleChars, "name")?;
    Ok(name.to_owned())
}

/// The codes an e-mail rule refuses with, so the profile's address and an e-mail contact
/// share one rule and each names its own error.
#[derive(Debug, Clone, Copy)]
pub struct EmailCodes {
    /// Not a deliverable address.
    pub invalid: ErrorCode,
    /// Longer than [`EMAIL_MAX_CHARS`].
    pub too_long: ErrorCode,
}

/// The profile's e-mail codes.
pub const PROFILE_EMAIL: EmailCodes = EmailCodes {
    invalid: ErrorCode::ProfileEmailInvalid,
    too_long: ErrorCode::ProfileEmailTooLong,
};

/// An optional e-mail address with valid syntax and no invisible characters (uniqueness is a
/// server's to check).
pub fn email(raw: &str) -> Result<Option<String>, ValidationError> {
    email_as(raw, "email", PROFILE_EMAIL)
}

/// The e-mail rule for input `field`, refusing with `codes`.
pub fn email_as(
    raw: &str,
    field: &'static str,
    codes: EmailCodes,
) -> Result<Option<String>, ValidationError> {
    let email = raw.trim();
    if email.is_empty() {
        return Ok(None);
    }
    if email.chars().count() > EMAIL_MAX_CHARS {
        return Err(too_long(codes.too_long, field, EMAIL_MAX_CHARS));
    }
    // The library accepts some RFC forms people never mean (no dot in the domain, quoted
    // local parts with spaces); an address must be deliverable on the internet.
    let plausible = email_address::EmailAddress::parse_with_options(
        email,
        email_address::Options::default()
            .without_domain_literal()
            .without_display_text(),
    )
    .is_ok_and(|addr| addr.domain().contains('.') && !addr.local_part().contains([' ', '"']))
        // The library lets invisible characters through (RFC 6531 allows any UTF-8), and an
        // address with a U+202E or U+200B in it reads as a different one.
        && text::first_invisible(email).is_none();
    if !plausible {
        return Err(ValidationError::new(codes.invalid, field));
    }
    Ok(Some(email.to_owned()))
}

/// The codes a free-text rule refuses with.
#[derive(Debug, Clone, Copy)]
pub struct TextCodes {
    /// More characters than allowed.
    pub too_long: ErrorCode,
    /// A line break or another control character.
    pub control: ErrorCode,
    /// An invisible format character such as a bidi override.
    pub invisible: ErrorCode,
}

/// Optional free text: trimmed, at most `max` characters, no control or invisible
/// characters; empty gives `None`.
pub fn optional_text(
    raw: &str,
    field: &'static str,
    max: usize,
    codes: TextCodes,
) -> Result<Option<String>, ValidationError> {
    let text = raw.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.chars().count() > max {
        return Err(too_long(codes.too_long, field, max));
    }
    if text.chars().any(char::is_control) {
        return Err(ValidationError::new(codes.control, field));
    }
    visible(text, codes.invisible, field)?;
    Ok(Some(text.to_owned()))
}

/// An optional organization name: at most [`ORGANIZATION_MAX_CHARS`], no control or invisible
/// characters.
pub fn organization(raw: &str) -> Result<Option<String>, ValidationError> {
    optional_text(
        raw,
        "organization",
        ORGANIZATION_MAX_CHARS,
        TextCodes {
            too_long: ErrorCode::ProfileOrganizationTooLong,
            control: ErrorCode::ProfileOrganizationInvalid,
            invisible: ErrorCode::ProfileOrganizationInvisibleChars,
        },
    )
}

/// An API token's optional description: at most [`TOKEN_DESCRIPTION_MAX_CHARS`], no control
/// or invisible characters; empty when none was given.
pub fn token_description(raw: &str) -> Result<String, ValidationError> {
    optional_text(
        raw,
        "description",
        TOKEN_DESCRIPTION_MAX_CHARS,
        TextCodes {
            too_long: ErrorCode::TokenDescriptionTooLong,
            control: ErrorCode::TokenDescriptionInvalid,
            invisible: ErrorCode::TokenDescriptionInvisibleChars,
        },
    )
    .map(Option::unwrap_or_default)
}

/// The codes a phone rule refuses with.
#[derive(Debug, Clone, Copy)]
pub struct PhoneCodes {
    /// Not a valid number (or too long to be one).
    pub invalid: ErrorCode,
    /// A national number without a country code.
    pub needs_country_code: ErrorCode,
}

/// The profile's phone codes.
pub const PROFILE_PHONE: PhoneCodes = PhoneCodes {
    invalid: ErrorCode::ProfilePhoneInvalid,
    needs_country_code: ErrorCode::ProfilePhoneNeedsCountryCode,
};

/// An optional phone number in international form, stored as E.164 (`+79123456789`).
pub fn phone(raw: &str) -> Result<Option<String>, ValidationError> {
    phone_as(raw, "phone", PROFILE_PHONE)
}

/// The phone rule for input `field`, refusing with `codes`.
///
/// A national number without a country code is refused with a hint: we cannot guess the
/// country, and a wrong guess would store someone else's number.
pub fn phone_as(
    raw: &str,
    field: &'static str,
    codes: PhoneCodes,
) -> Result<Option<String>, ValidationError> {
    let phone = raw.trim();
    if phone.is_empty() {
        return Ok(None);
    }
    if phone.chars().count() > PHONE_MAX_CHARS {
        return Err(too_long(codes.invalid, field, PHONE_MAX_CHARS));
    }
    let international = phone.starts_with('+') || phone.starts_with("00");
    let normalized = phone.strip_prefix("00").map(|rest| format!("+{rest}"));
    let number = phonenumber::parse(None, normalized.as_deref().unwrap_or(phone));
    match number {
        Ok(number) if phonenumber::is_valid(&number) => {
            Ok(Some(number.format().mode(Mode::E164).to_string()))
        }
        _ if !international => Err(ValidationError::new(codes.needs_country_code, field)),
        _ => Err(ValidationError::new(codes.invalid, field)),
    }
}

/// A stored E.164 number in the international format people read, e.g. `+7 912 345-67-89`.
pub fn phone_for_display(e164: &str) -> String {
    phonenumber::parse(None, e164)
        .map(|n| n.format().mode(Mode::International).to_string())
        .unwrap_or_else(|_| e164.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code<T: std::fmt::Debug>(r: Result<T, ValidationError>) -> ErrorCode {
        r.unwrap_err().code
    }

    #[test]
    fn names_are_trimmed_and_required() {
        assert_eq!(name("  Anna Petrova \t").unwrap(), "Anna Petrova");
        assert_eq!(name("Ёлкина Жанна").unwrap(), "Ёлкина Жанна");
        for raw in ["", "   ", "\t\n"] {
            let err = name(raw).unwrap_err();
            assert_eq!(err.code, ErrorCode::ProfileNameRequired, "{raw:?}");
            assert_eq!(err.field, Some("name"));
        }
    }

    #[test]
    fn name_length_is_counted_in_characters() {
        let at_limit = "Ж".repeat(NAME_MAX_CHARS); // 200 bytes, 100 characters
        assert_eq!(name(&at_limit).unwrap(), at_limit);
        let err = name(&"Ж".repeat(NAME_MAX_CHARS + 1)).unwrap_err();
        assert_eq!(err.code, ErrorCode::ProfileNameTooLong);
        assert_eq!(err.params["max"], NAME_MAX_CHARS);
        assert_eq!(code(name("Anna\nPetrova")), ErrorCode::ProfileNameInvalid);
    }

    #[test]
    fn invisible_characters_are_refused_next_to_the_field_and_named() {
        for c in [
            '\u{202E}', '\u{200B}', '\u{2066}', '\u{FEFF}', '\u{061C}', '\u{00AD}',
        ] {
            let err = name(&format!("Anna{c}Petrova")).unwrap_err();
            assert_eq!(err.code, ErrorCode::ProfileNameInvisibleChars, "{c:?}");
            assert_eq!(err.field, Some("name"));
            assert_eq!(err.params["char"], crate::text::code_point(c));
            let err = organization(&format!("{c}Acure")).unwrap_err();
            assert_eq!(err.code, ErrorCode::ProfileOrganizationInvisibleChars);
            assert_eq!(err.field, Some("organization"));
        }
    }

    #[test]
    fn a_zwj_is_accepted_inside_an_emoji_and_refused_between_letters() {
        assert_eq!(name("Anna 👩\u{200D}💻").unwrap(), "Anna 👩\u{200D}💻");
        assert_eq!(
            organization("👨\u{200D}👩\u{200D}👧 Club")
                .unwrap()
                .as_deref(),
            Some("👨\u{200D}👩\u{200D}👧 Club")
        );
        assert_eq!(
            code(name("An\u{200D}na")),
            ErrorCode::ProfileNameInvisibleChars
        );
    }

    #[test]
    fn emails_with_valid_syntax_are_accepted_trimmed() {
        assert_eq!(
            email(" anna@example.com ").unwrap().as_deref(),
            Some("anna@example.com")
        );
        assert_eq!(
            email("a.b+tag@mail.co.uk").unwrap().as_deref(),
            Some("a.b+tag@mail.co.uk")
        );
        assert_eq!(
            email("анна@пример.рф").unwrap().as_deref(),
            Some("анна@пример.рф")
        );
        assert_eq!(email("  ").unwrap(), None, "empty clears");
    }

    #[test]
    fn malformed_emails_are_refused() {
        for raw in [
            "anna",
            "anna@",
            "@example.com",
            "anna@example",
            "an na@example.com",
            "anna@@example.com",
            "anna@[127.0.0.1]",
            "anna\u{202E}@example.com",
            "an\u{200B}na@example.com",
            "anna@exa\u{200B}mple.com",
        ] {
            let err = email(raw).unwrap_err();
            assert_eq!(err.code, ErrorCode::ProfileEmailInvalid, "{raw:?}");
            assert_eq!(err.field, Some("email"));
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(code(email(&long)), ErrorCode::ProfileEmailTooLong);
    }

    #[test]
    fn organizations_are_optional_and_bounded() {
        assert_eq!(organization("  Acure  ").unwrap().as_deref(), Some("Acure"));
        assert_eq!(organization("").unwrap(), None);
        assert_eq!(
            organization(&"О".repeat(200))
                .unwrap()
                .map(|s| s.chars().count()),
            Some(200)
        );
        assert_eq!(
            code(organization(&"О".repeat(201))),
            ErrorCode::ProfileOrganizationTooLong
        );
        assert_eq!(
            code(organization("Acure\tLtd")),
            ErrorCode::ProfileOrganizationInvalid
        );
    }

    #[test]
    fn phones_are_normalised_to_e164() {
        assert_eq!(
            phone("+7 912 345-67-89").unwrap().as_deref(),
            Some("+79123456789")
        );
        assert_eq!(
            phone("+1 (650) 253-0000").unwrap().as_deref(),
            Some("+16502530000")
        );
        assert_eq!(
            phone("0044 20 7946 0958").unwrap().as_deref(),
            Some("+442079460958")
        );
        assert_eq!(phone("").unwrap(), None);
        assert_eq!(phone_for_display("+79123456789"), "+7 912 345-67-89");
    }

    #[test]
    fn national_numbers_need_a_country_code() {
        for raw in ["8 912 345 67 89", "(650) 253-0000", "9123456789"] {
            assert_eq!(
                code(phone(raw)),
                ErrorCode::ProfilePhoneNeedsCountryCode,
                "{raw:?}"
            );
        }
    }

    #[test]
    fn impossible_phones_are_refused() {
        for raw in [
            "+7 123",
            "+999 1234567",
            "+7 912 345 67 89 12 34",
            "call me",
        ] {
            let err = phone(raw).unwrap_err();
            assert!(
                matches!(
                    err.code,
                    ErrorCode::ProfilePhoneInvalid | ErrorCode::ProfilePhoneNeedsCountryCode
                ),
                "{raw:?}: {:?}",
                err.code
            );
        }
        assert_eq!(code(phone("+7 123")), ErrorCode::ProfilePhoneInvalid);
        assert_eq!(
            code(phone(&format!("+7{}", "9".repeat(40)))),
            ErrorCode::ProfilePhoneInvalid
        );
    }
}
