//! Password rules, hashing and the throttle's arithmetic, without a database.

use profile_core::security::password_hash::{self, has_current_params};
use profile_core::security::password_rules::{check, validate, MAX_CHARS, MIN_CHARS};
use profile_core::security::throttle::Throttle;
use profile_core::{Env, ErrorCode, ManualClock, Password, Randomness};
use std::sync::Arc;

fn refusal(password: &str) -> Option<ErrorCode> {
    validate(&Password::new(password), None).err().map(|e| {
        assert_eq!(e.field, Some("new_password"));
        e.code
    })
}

/// `n` characters of varied letters with a digit and both cases: not a pattern zxcvbn scores low.
fn varied(n: usize) -> String {
    let alphabet: Vec<char> = "qWeRtYzXcVbNмЯсЧиТьБюЁ".chars().collect();
    let mut state: u32 = 17;
    let mut out = String::from("Aa7");
    while out.chars().count() < n {
        state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        out.push(alphabet[(state >> 16) as usize % alphabet.len()]);
    }
    out
}

#[test]
fn cyrillic_passwords_are_judged_by_the_russian_alphabet() {
    assert_eq!(refusal("Ёжик123"), None);
    assert_eq!(refusal("пароль"), Some(ErrorCode::PasswordNeedsDigit));
    assert_eq!(refusal("пароль7"), Some(ErrorCode::PasswordNeedsUpper));
    assert_eq!(refusal("ПАРОЛЬ7"), Some(ErrorCode::PasswordNeedsLower));
    // Ё and ё are letters of the alphabet too.
    assert_eq!(refusal("ЁЁЁ9ёёё"), None);
    // Latin letters with diacritics are not Latin-alphabet letters for the rule.
    assert_eq!(refusal("ÉÉÉ9xyz"), Some(ErrorCode::PasswordNeedsUpper));
}

#[test]
fn latin_passwords_need_a_digit_an_upper_and_a_lower_letter() {
    assert_eq!(refusal("Xq7Lmz"), None);
    assert_eq!(refusal("Xqplmz"), Some(ErrorCode::PasswordNeedsDigit));
    assert_eq!(refusal("xq7lmz"), Some(ErrorCode::PasswordNeedsUpper));
    assert_eq!(refusal("XQ7LMZ"), Some(ErrorCode::PasswordNeedsLower));
}

#[test]
fn length_is_counted_in_characters_from_6_to_128() {
    let short = validate(&Password::new("Xq7Lm"), None).unwrap_err();
    assert_eq!(short.code, ErrorCode::PasswordTooShort);
    assert_eq!(short.params["min"], MIN_CHARS);
    assert_eq!(refusal("Xq7Lmz"), None);

    assert_eq!(refusal(&varied(MAX_CHARS)), None);
    let long = validate(&Password::new(varied(MAX_CHARS + 1)), None).unwrap_err();
    assert_eq!(long.code, ErrorCode::PasswordTooLong);
    assert_eq!(long.params["max"], MAX_CHARS);

    // 128 Cyrillic characters are 256 bytes: characters count, not bytes.
    let cyrillic = varied(MAX_CHARS);
    assert!(cyrillic.len() > MAX_CHARS);
    assert_eq!(refusal(&cyrillic), None);
}

#[test]
fn emoji_and_combining_marks_are_allowed_and_counted_after_nfc() {
    assert_eq!(refusal("Ёжик🦔12"), None);
    // Five characters in 11 bytes: too short.
    assert_eq!(refusal("Xq7🦔🦔"), Some(ErrorCode::PasswordTooShort));
    // "е" + combining diaeresis is six code points as typed, but five characters after NFC.
    assert_eq!(refusal("Е\u{0308}жи12"), Some(ErrorCode::PasswordTooShort));
    assert_eq!(refusal("Е\u{0308}жик12"), None);
    // After NFC «е\u{0308}» is the lowercase letter ё.
    assert!(check(&Password::new("Е\u{0308}")).upper);
    assert!(check(&Password::new("ЖУК7е\u{0308}")).lower);
}

#[test]
fn the_most_common_passwords_are_refused() {
    for common in [
        "Password1",
        "Qwerty123",
        "Passw0rd",
        "Abc123",
        "Letmein1",
        "Pa55word",
    ] {
        assert_eq!(
            refusal(common),
            Some(ErrorCode::PasswordTooCommon),
            "{common}"
        );
    }
    // «Пароль1» and «Йцукен1» are "gfhjkm1" and "qwerty1" as keys on a QWERTY keyboard.
    assert_eq!(refusal("Пароль1"), Some(ErrorCode::PasswordTooCommon));
    assert_eq!(refusal("Йцукен1"), Some(ErrorCode::PasswordTooCommon));
}

#[test]
fn the_same_password_as_the_current_one_is_refused_even_when_composed_differently() {
    let current = Password::new("Ёжик123");
    let same = validate(&Password::new("Ёжик123"), Some(&current)).unwrap_err();
    assert_eq!(same.code, ErrorCode::PasswordSameAsCurrent);
    let decomposed = validate(&Password::new("Е\u{0308}жик123"), Some(&current)).unwrap_err();
    assert_eq!(decomposed.code, ErrorCode::PasswordSameAsCurrent);
    assert!(validate(&Password::new("Ёжик124"), Some(&current)).is_ok());
}

#[test]
fn the_checklist_follows_the_typing() {
    let empty = check(&Password::new(""));
    assert!(!empty.length_ok && !empty.digit && !empty.upper && !empty.lower);
    assert_eq!(empty.strength, 0);
    let partial = check(&Password::new("ёжик"));
    assert!(!partial.length_ok && !partial.digit && !partial.upper && partial.lower);
    let full = check(&Password::new("Ёжик123"));
    assert!(full.length_ok && full.digit && full.upper && full.lower);
    let strong = check(&Password::new("Ёжик в тумане ищет лошадку 1979"));
    assert!(strong.strength > check(&Password::new("Password1")).strength);
    assert_eq!(strong.strength, 4);
    // The "not common" item is met only by something typed that is not on the list.
    assert!(!empty.not_common);
    assert!(!check(&Password::new("Password1")).not_common);
    assert!(!check(&Password::new("Пароль1")).not_common);
    assert!(strong.not_common);
    // Past the limit the length item fails and the estimator is not run at all.
    let too_long = check(&Password::new("Aa1".repeat(50)));
    assert!(!too_long.length_ok && too_long.digit && too_long.not_common);
    assert_eq!(too_long.strength, 0);
}

#[test]
fn the_confirmation_must_be_the_same_password_in_nfc() {
    use profile_core::security::password_rules::confirm;
    assert_eq!(
        confirm(&"Ёжик123".into(), &"Е\u{0308}жик123".into()),
        Ok(())
    );
    let refused = confirm(&"Ёжик123".into(), &"Ёжик124".into()).unwrap_err();
    assert_eq!(refused.code, ErrorCode::PasswordMismatch);
    assert_eq!(refused.field, Some("password_confirmation"));
}

#[test]
fn passwords_never_show_in_debug_output() {
    let text = format!("{:?}", Password::new("Ёжик123"));
    assert_eq!(text, "***");
}

fn env() -> Env {
    Env {
        clock: Arc::new(ManualClock::at(0)),
        random: Randomness::seeded(3),
    }
}

#[test]
fn hashes_are_argon2id_with_exactly_our_parameters() {
    let env = env();
    let phc = password_hash::hash(&Password::new("Ёжик123"), &env).unwrap();
    assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
    assert!(has_current_params(&phc));
    assert!(!phc.contains("Ёжик123"));
    assert!(password_hash::verify(&Password::new("Ёжик123"), &phc));
    assert!(!password_hash::verify(&Password::new("Ёжик124"), &phc));
    // The same password typed with a combining mark is the same password.
    assert!(password_hash::verify(
        &Password::new("Е\u{0308}жик123"),
        &phc
    ));
    // A fresh salt each time.
    let again = password_hash::hash(&Password::new("Ёжик123"), &env).unwrap();
    assert_ne!(phc, again);
}

#[test]
fn other_parameters_and_garbage_are_not_our_hashes() {
    let weak = "$argon2id$v=19$m=4096,t=1,p=1$c29tZXNhbHQxNmJ5dGVz$\
                9Q2Yq4Vw0YwHk4d1YDbLr0rE2m6m2P5OgbY1w0N4nZk";
    assert!(!has_current_params(weak));
    assert!(!has_current_params("Ёжик123"));
    assert!(!password_hash::verify(&Password::new("Ёжик123"), "Ёжик123"));
}

#[test]
fn the_throttle_doubles_after_five_failures_up_to_five_minutes() {
    let waits: Vec<i64> = (0..16)
        .map(|failures| {
            Throttle {
                failures,
                last_failure_at: Some(0),
            }
            .wait_ms()
        })
        .collect();
    assert_eq!(
        waits,
        [
            0, 0, 0, 0, 0, 1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000,
            300_000, 300_000
        ]
    );
    let throttle = Throttle {
        failures: 7,
        last_failure_at: Some(10_000),
    };
    assert_eq!(throttle.check_after(0), Err(4_000));
    assert_eq!(throttle.check_after(3_999), Err(1));
    assert_eq!(throttle.check_after(4_000), Ok(()));
    // However the time was measured, the wait is never longer than one period.
    assert_eq!(throttle.check_after(-10_000), Err(4_000));
    assert_eq!(
        Throttle {
            failures: u32::MAX,
            last_failure_at: Some(0)
        }
        .wait_ms(),
        300_000
    );
}
