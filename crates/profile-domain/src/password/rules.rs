//! What a new password must be: length, character classes, not common, not the current one.

use super::Password;
use crate::error::{ErrorCode, ValidationError};
use zeroize::Zeroizing;
use zxcvbn::matching::patterns::MatchPattern;
use zxcvbn::matching::Match;

/// The fewest characters a password may have.
pub const MIN_CHARS: usize = 6;
/// The most characters a password may have.
pub const MAX_CHARS: usize = 128;
/// The input field new passwords are typed into, as the UI names it.
pub const FIELD: &str = "new_password";

/// Which rules a password being typed meets, for a live checklist and strength meter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Checklist {
    /// Between [`MIN_CHARS`] and [`MAX_CHARS`] characters.
    pub length_ok: bool,
    /// Has a digit.
    pub digit: bool,
    /// Has an uppercase Latin or Russian letter.
    pub upper: bool,
    /// Has a lowercase Latin or Russian letter.
    pub lower: bool,
    /// Is not one of the most common passwords (false while nothing is typed).
    pub not_common: bool,
    /// zxcvbn's strength score, 0 (weakest) to 4.
    pub strength: u8,
}

/// An uppercase letter of the Latin or Russian alphabet (Ё included).
fn is_upper(c: char) -> bool {
    c.is_ascii_uppercase() || ('А'..='Я').contains(&c) || c == 'Ё'
}

/// A lowercase letter of the Latin or Russian alphabet (ё included).
fn is_lower(c: char) -> bool {
    c.is_ascii_lowercase() || ('а'..='я').contains(&c) || c == 'ё'
}

/// Whether zxcvbn recognises the whole password as one of the common passwords it knows
/// (its list of about 30 000, also reversed, l33t-spelt or capitalised), or rates it as
/// guessable in under a thousand tries.
fn is_common(plain: &str, strength: &zxcvbn::Entropy) -> bool {
    let whole_is_known_password = |m: &Match| {
        m.i == 0
            && m.j + 1 == plain.chars().count()
            // zxcvbn does not export its dictionary type; its default is the passwords list.
            && matches!(&m.pattern, MatchPattern::Dictionary(d)
                if d.dictionary_name == Default::default())
    };
    u8::from(strength.score()) == 0 || strength.sequence().iter().any(whole_is_known_password)
}

/// The keys a Russian ЙЦУКЕН layout puts where a Latin QWERTY has these, lower case.
#[rustfmt::skip]
const RUSSIAN_LAYOUT: [(char, char); 33] = [
    ('й', 'q'), ('ц', 'w'), ('у', 'e'), ('к', 'r'), ('е', 't'), ('н', 'y'), ('г', 'u'),
    ('ш', 'i'), ('щ', 'o'), ('з', 'p'), ('х', '['), ('ъ', ']'), ('ф', 'a'), ('ы', 's'),
    ('в', 'd'), ('а', 'f'), ('п', 'g'), ('р', 'h'), ('о', 'j'), ('л', 'k'), ('д', 'l'),
    ('ж', ';'), ('э', '\''), ('я', 'z'), ('ч', 'x'), ('с', 'c'), ('м', 'v'), ('и', 'b'),
    ('т', 'n'), ('ь', 'm'), ('б', ','), ('ю', '.'), ('ё', '`'),
];

/// The same keys typed on a QWERTY layout: «пароль» becomes "gfhjkm", which zxcvbn's list
/// knows, so common Russian passwords are caught although the list is Latin only.
fn as_typed_on_qwerty(plain: &str) -> Zeroizing<String> {
    Zeroizing::new(
        plain
            .chars()
            .flat_map(char::to_lowercase)
            .map(|c| {
                RUSSIAN_LAYOUT
                    .iter()
                    .find(|(ru, _)| *ru == c)
                    .map_or(c, |(_, latin)| *latin)
            })
            .collect(),
    )
}

/// Whether `plain` (whose zxcvbn estimate is `strength`) or its Russian-layout keystrokes
/// are a common password.
fn is_too_common(plain: &str, strength: &zxcvbn::Entropy) -> bool {
    if is_common(plain, strength) {
        return true;
    }
    let keystrokes = as_typed_on_qwerty(plain);
    *keystrokes != *Zeroizing::new(plain.to_lowercase())
        && is_common(&keystrokes, &zxcvbn::zxcvbn(&keystrokes, &[]))
}

/// The checklist of `password` (normalised to NFC first).
pub fn check(password: &Password) -> Checklist {
    let plain = password.normalized();
    let chars = plain.chars().count();
    // zxcvbn only for what could be saved: its cost grows with the length, and this runs
    // on every keystroke.
    let (not_common, strength) = if plain.is_empty() || chars > MAX_CHARS {
        (chars > MAX_CHARS, 0)
    } else {
        let estimate = zxcvbn::zxcvbn(&plain, &[]);
        (
            !is_too_common(&plain, &estimate),
            u8::from(estimate.score()),
        )
    };
    Checklist {
        length_ok: (MIN_CHARS..=MAX_CHARS).contains(&chars),
        digit: plain.chars().any(|c| c.is_ascii_digit()),
        upper: plain.chars().any(is_upper),
        lower: plain.chars().any(is_lower),
        not_common,
        strength,
    }
}

/// Checks `new` against every rule, in the order the UI lists them; the first broken one
/// is the error. `current` is the password it replaces, if any.
pub fn validate(new: &Password, current: Option<&Password>) -> Result<(), ValidationError> {
    let plain = new.normalized();
    let refuse = |code| ValidationError::new(code, FIELD);
    let chars = plain.chars().count();
    if chars < MIN_CHARS {
        return Err(refuse(ErrorCode::PasswordTooShort).with("min", MIN_CHARS));
    }
    if chars > MAX_CHARS {
        return Err(refuse(ErrorCode::PasswordTooLong).with("max", MAX_CHARS));
    }
    if !plain.chars().any(|c| c.is_ascii_digit()) {
        return Err(refuse(ErrorCode::PasswordNeedsDigit));
    }
    if !plain.chars().any(is_upper) {
        return Err(refuse(ErrorCode::PasswordNeedsUpper));
    }
    if !plain.chars().any(is_lower) {
        return Err(refuse(ErrorCode::PasswordNeedsLower));
    }
    if is_too_common(&plain, &zxcvbn::zxcvbn(&plain, &[])) {
        return Err(refuse(ErrorCode::PasswordTooCommon));
    }
    if current.is_some_and(|current| *current.normalized() == *plain) {
        return Err(refuse(ErrorCode::PasswordSameAsCurrent));
    }
    Ok(())
}

/// The input field a new password is typed into a second time, as the UI names it.
pub const CONFIRMATION_FIELD: &str = "password_confirmation";

/// Checks that `confirmation` is `new` typed again (compared in NFC, like the hash).
pub fn confirm(new: &Password, confirmation: &Password) -> Result<(), ValidationError> {
    if *new.normalized() == *confirmation.normalized() {
        Ok(())
    } else {
        Err(ValidationError::new(
            ErrorCode::PasswordMismatch,
            CONFIRMATION_FIELD,
        ))
    }
}
