//! Property tests: the field rules and the mutation decoder take thousands of random inputs
//! (arbitrary Unicode, huge strings, near-misses of valid values, arbitrary JSON) and must
//! never panic; each answer is a coded refusal or a valid value that validates to itself.
//!
//! The seed is printed; `PROPERTY_SEED=<n>` repeats a run, `PROPERTY_CASES=<n>` scales it.

use profile_core::mutation::Mutation;
use profile_core::time_zone::parse_zone;
use profile_core::{fields, text, ErrorCode, Language, ValidationError};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::{json, Map, Value};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// The seed of this run: `PROPERTY_SEED`, else a fresh one; printed either way.
fn seed(test: &str) -> u64 {
    let seed = std::env::var("PROPERTY_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    println!("{test}: PROPERTY_SEED={seed}");
    seed
}

/// How many cases: `PROPERTY_CASES`, else `default`.
fn cases(default: usize) -> usize {
    std::env::var("PROPERTY_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// Runs `check` on `input`, turning a panic into a failure that names seed, case and input.
fn run_case<T: std::fmt::Debug>(seed: u64, case: usize, input: &T, check: impl FnOnce()) {
    if catch_unwind(AssertUnwindSafe(check)).is_err() {
        let mut shown = format!("{input:?}");
        if shown.len() > 300 {
            let cut = shown
                .char_indices()
                .nth(300)
                .map_or(shown.len(), |(i, _)| i);
            shown.truncate(cut);
            shown.push('…');
        }
        panic!("PROPERTY_SEED={seed}, case {case}: failed on {shown}");
    }
}

/// Characters where bugs live: controls, invisible format characters, joiners, marks,
/// emoji, look-alike digits, separators of e-mails and phones.
const TRICKY: &[char] = &[
    '\0',
    '\t',
    '\n',
    '\r',
    '\u{7F}',
    '\u{85}',
    '\u{A0}',
    '\u{AD}',
    '\u{61C}',
    '\u{200B}',
    '\u{200C}',
    '\u{200D}',
    '\u{200E}',
    '\u{202E}',
    '\u{2028}',
    '\u{2066}',
    '\u{2069}',
    '\u{FEFF}',
    '\u{FFFD}',
    '\u{E0001}',
    '\u{10FFFF}',
    '\u{301}',
    '\u{94D}',
    '\u{DCA}',
    '\u{FE0F}',
    '\u{1F3FD}',
    '👩',
    '💻',
    '❤',
    'Ё',
    'ё',
    '٣',
    '０',
    '+',
    '-',
    '(',
    ')',
    '@',
    '.',
    '"',
    '\\',
    ' ',
    '/',
    '_',
    'ß',
    'İ',
];

fn any_char(rng: &mut StdRng) -> char {
    match rng.gen_range(0..10) {
        0..=2 => rng.gen_range(' '..='~'),
        3 => *TRICKY.choose(rng).unwrap(),
        4 | 5 => rng.gen_range('А'..='я'),
        6 => rng.gen_range('0'..='9'),
        _ => loop {
            if let Some(c) = char::from_u32(rng.gen_range(0..=0x10FFFF)) {
                break c;
            }
        },
    }
}

/// A random string: mostly short, sometimes empty-ish, now and then huge.
fn any_string(rng: &mut StdRng) -> String {
    let len = match rng.gen_range(0..200) {
        0 => rng.gen_range(1_000..100_000),
        1..=20 => rng.gen_range(0..3),
        _ => rng.gen_range(0..40),
    };
    (0..len).map(|_| any_char(rng)).collect()
}

/// One of `examples` with a few random edits: inputs that almost pass.
fn near(rng: &mut StdRng, examples: &[&str]) -> String {
    let mut chars: Vec<char> = examples.choose(rng).unwrap().chars().collect();
    for _ in 0..rng.gen_range(0..4) {
        let at = rng.gen_range(0..=chars.len());
        match rng.gen_range(0..3) {
            0 => chars.insert(at, any_char(rng)),
            1 if at < chars.len() => {
                chars.remove(at);
            }
            _ if at < chars.len() => chars[at] = any_char(rng),
            _ => {}
        }
    }
    chars.into_iter().collect()
}

/// Valid examples of each field, for near misses.
const NAMES: &[&str] = &[
    "Anna Petrova",
    "Ёлкина Жанна",
    "Anna 👩\u{200D}💻",
    "李小龙",
];
const EMAILS: &[&str] = &["anna@example.com", "a.b+tag@mail.co.uk", "анна@пример.рф"];
const PHONES: &[&str] = &["+7 912 345-67-89", "+1 (650) 253-0000", "0044 20 7946 0958"];
const ZONES: &[&str] = &[
    "Europe/Moscow",
    "UTC",
    "Europe/Kiev",
    "America/Argentina/Salta",
];

fn field_input(rng: &mut StdRng, examples: &[&str]) -> String {
    if rng.gen_bool(0.5) {
        near(rng, examples)
    } else {
        any_string(rng)
    }
}

/// A refusal must name the field and be one of the rule's codes.
fn assert_refusal(err: &ValidationError, field: &str, codes: &[ErrorCode]) {
    assert_eq!(err.field, Some(field), "{err:?}");
    assert!(codes.contains(&err.code), "unexpected code {:?}", err.code);
}

/// A required rule: a refusal, or a trimmed non-empty value the rule gives back unchanged.
fn check_required(
    rule: fn(&str) -> Result<String, ValidationError>,
    input: &str,
    field: &str,
    codes: &[ErrorCode],
) {
    match rule(input) {
        Err(err) => assert_refusal(&err, field, codes),
        Ok(value) => {
            assert!(!value.is_empty() && value == value.trim(), "{value:?}");
            assert_eq!(rule(&value), Ok(value.clone()), "validates to itself");
        }
    }
}

/// An optional rule: as [`check_required`], and `None` only for blank input.
fn check_optional(
    rule: fn(&str) -> Result<Option<String>, ValidationError>,
    input: &str,
    field: &str,
    codes: &[ErrorCode],
) {
    match rule(input) {
        Err(err) => assert_refusal(&err, field, codes),
        Ok(None) => assert!(input.trim().is_empty(), "only blank input clears"),
        Ok(Some(value)) => {
            assert!(!value.is_empty() && value == value.trim(), "{value:?}");
            assert_eq!(rule(&value), Ok(Some(value.clone())), "validates to itself");
        }
    }
}

#[test]
fn field_rules_answer_every_input_with_a_coded_refusal_or_a_stable_value() {
    let seed = seed("field rules");
    let mut rng = StdRng::seed_from_u64(seed);
    for case in 0..cases(4_000) {
        let input = field_input(&mut rng, NAMES);
        run_case(seed, case, &("name", &input), || {
            use ErrorCode::*;
            let codes = [
                ProfileNameRequired,
                ProfileNameTooLong,
                ProfileNameInvalid,
                ProfileNameInvisibleChars,
            ];
            check_required(fields::name, &input, "name", &codes);
        });
        let input = field_input(&mut rng, NAMES);
        run_case(seed, case, &("organization", &input), || {
            use ErrorCode::*;
            let codes = [
                ProfileOrganizationTooLong,
                ProfileOrganizationInvalid,
                ProfileOrganizationInvisibleChars,
            ];
            check_optional(fields::organization, &input, "organization", &codes);
        });
        let input = field_input(&mut rng, EMAILS);
        run_case(seed, case, &("email", &input), || {
            let codes = [
                ErrorCode::ProfileEmailInvalid,
                ErrorCode::ProfileEmailTooLong,
            ];
            check_optional(fields::email, &input, "email", &codes);
        });
        let input = field_input(&mut rng, PHONES);
        run_case(seed, case, &("phone", &input), || {
            let codes = [
                ErrorCode::ProfilePhoneInvalid,
                ErrorCode::ProfilePhoneNeedsCountryCode,
            ];
            check_optional(fields::phone, &input, "phone", &codes);
        });
        let input = field_input(&mut rng, &["en", "ru", "EN", "de"]);
        run_case(
            seed,
            case,
            &("language", &input),
            || match Language::parse(&input) {
                Ok(language) => assert_eq!(Language::parse(language.code()), Ok(language)),
                Err(err) => {
                    assert_refusal(&err, "language", &[ErrorCode::ProfileLanguageUnsupported])
                }
            },
        );
        let input = field_input(&mut rng, ZONES);
        run_case(seed, case, &("time zone", &input), || {
            match parse_zone(&input) {
                Ok(zone) => assert_eq!(parse_zone(zone.as_str()), Ok(zone), "validates to itself"),
                Err(err) => assert_refusal(&err, "time_zone", &[ErrorCode::ProfileTimeZoneInvalid]),
            }
        });
    }
}

#[test]
fn device_facts_are_tidied_to_visible_text_that_stays_as_it_is() {
    let seed = seed("device facts");
    let mut rng = StdRng::seed_from_u64(seed);
    let examples = [
        "anna-laptop",
        "Debian 👩\u{200D}💻 12",
        "ශ්\u{200D}රී laptop",
        "क्\u{200D}ष",
    ];
    for case in 0..cases(20_000) {
        let input = field_input(&mut rng, &examples);
        let max = rng.gen_range(1..120);
        run_case(seed, case, &(&input, max), || {
            let tidy = text::printable(&input, max);
            assert!(tidy.chars().count() <= max);
            assert_eq!(text::first_invisible(&tidy), None, "{tidy:?}");
            assert!(!tidy.chars().any(char::is_control), "{tidy:?}");
            assert_eq!(text::printable(&tidy, max), tidy, "stays as it is");
        });
    }
}

/// A random UUID-shaped or not-so UUID string.
fn any_id(rng: &mut StdRng) -> Value {
    if rng.gen_bool(0.8) {
        json!(uuid::Builder::from_random_bytes(rng.gen())
            .into_uuid()
            .to_string())
    } else {
        any_json(rng, 1)
    }
}

/// A PHC string with our parameters (the salt and hash need not match any password).
const HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";

/// Valid arguments of `name`, to be damaged.
fn valid_args(rng: &mut StdRng, name: &str) -> Value {
    match name {
        "profile.create" => json!({
            "profile_id": any_id(rng), "name": near(rng, NAMES),
            "language": "ru", "time_zone": near(rng, ZONES),
        }),
        "profile.set" => json!({
            "profile_id": any_id(rng), "name": near(rng, NAMES), "language": "en",
            "email": near(rng, EMAILS), "organization": near(rng, NAMES),
            "phone": near(rng, PHONES), "time_zone": near(rng, ZONES),
        }),
        "avatar.set" => {
            // Small random "pictures": the decoders must refuse them without panicking.
            let bytes: Vec<u8> = (0..rng.gen_range(0..2_048)).map(|_| rng.gen()).collect();
            let mime = *["image/jpeg", "image/png", "image/gif"]
                .choose(rng)
                .unwrap();
            let mut image = base64_encode(&bytes);
            if mime == "image/jpeg" && !bytes.is_empty() {
                image = base64_encode(&[&[0xFF, 0xD8, 0xFF, 0xE0][..], &bytes].concat());
            }
            json!({ "profile_id": any_id(rng), "mime": mime, "image": image })
        }
        "avatar.remove" => json!({ "profile_id": any_id(rng) }),
        "password.set" => json!({ "profile_id": any_id(rng), "password_hash": HASH }),
        "password.change" => json!({
            "profile_id": any_id(rng), "expected_version": rng.gen::<i64>(),
            "new_hash": HASH, "session_id": any_id(rng),
        }),
        "session.start" => json!({
            "session_id": any_id(rng), "profile_id": any_id(rng),
            "device_name": any_string(rng), "os": any_string(rng),
            "app_version": any_string(rng), "address": any_string(rng),
        }),
        _ => json!({ "session_id": any_id(rng) }),
    }
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Any JSON value: wrong types, numbers out of every range, nested arrays and objects.
fn any_json(rng: &mut StdRng, depth: u32) -> Value {
    let leaf = depth > 4 || rng.gen_bool(0.6);
    match rng.gen_range(0..if leaf { 6 } else { 8 }) {
        0 => Value::Null,
        1 => json!(rng.gen_bool(0.5)),
        2 => json!(*[0, -1, 1, i64::MIN, i64::MAX].choose(rng).unwrap()),
        3 => json!(*[1e300, -1e300, 0.5, -0.0, u64::MAX as f64]
            .choose(rng)
            .unwrap()),
        4 => json!(rng.gen::<u64>()),
        5 => json!(any_string(rng)),
        6 => Value::Array(
            (0..rng.gen_range(0..5))
                .map(|_| any_json(rng, depth + 1))
                .collect(),
        ),
        _ => Value::Object(
            (0..rng.gen_range(0..5))
                .map(|_| (any_string(rng), any_json(rng, depth + 1)))
                .collect::<Map<_, _>>(),
        ),
    }
}

/// Replaces, removes or adds something at a random place in `value`.
fn damage(rng: &mut StdRng, value: &mut Value) {
    match value {
        Value::Object(map) if !map.is_empty() && rng.gen_bool(0.7) => {
            let key = map.keys().nth(rng.gen_range(0..map.len())).unwrap().clone();
            match rng.gen_range(0..3) {
                0 => {
                    map.remove(&key);
                }
                1 => damage(rng, map.get_mut(&key).unwrap()),
                _ => {
                    map.insert(key, any_json(rng, 2));
                }
            }
        }
        Value::Object(map) => {
            map.insert(any_string(rng), any_json(rng, 2));
        }
        Value::Array(items) if !items.is_empty() => {
            let at = rng.gen_range(0..items.len());
            damage(rng, &mut items[at]);
        }
        other => *other = any_json(rng, 2),
    }
}

const MUTATIONS: &[&str] = &[
    "profile.create",
    "profile.set",
    "avatar.set",
    "avatar.remove",
    "password.set",
    "password.change",
    "session.start",
    "session.end",
];

/// A stored or incoming mutation's name and JSON text, from valid to nonsense.
fn any_mutation_text(rng: &mut StdRng) -> (String, String) {
    let name = if rng.gen_bool(0.9) {
        (*MUTATIONS.choose(rng).unwrap()).to_owned()
    } else {
        field_input(rng, MUTATIONS)
    };
    let text = match rng.gen_range(0..20) {
        // Not JSON, or JSON nested far past any sane depth.
        0 => any_string(rng),
        1 => {
            let depth = rng.gen_range(100..20_000);
            format!("{}{}", "[".repeat(depth), "]".repeat(depth))
        }
        2..=5 => any_json(rng, 0).to_string(),
        _ => {
            let mut args = valid_args(rng, &name);
            for _ in 0..rng.gen_range(0..3) {
                damage(rng, &mut args);
            }
            args.to_string()
        }
    };
    (name, text)
}

#[test]
fn the_mutation_decoder_answers_every_input_with_a_refusal_or_a_stable_mutation() {
    let seed = seed("mutation decoder");
    let mut rng = StdRng::seed_from_u64(seed);
    let (mut decoded, mut valid) = (0, 0);
    for case in 0..cases(3_000) {
        let (name, text) = any_mutation_text(&mut rng);
        run_case(seed, case, &(&name, &text), || {
            let Ok(mutation) = Mutation::decode(&name, &text) else {
                return; // refused: the outbox reports it as malformed data, never applies it
            };
            decoded += 1;
            match mutation.validated() {
                Err(err) => assert!(ErrorCode::all().any(|c| c == err.code)),
                Ok(checked) => {
                    valid += 1;
                    assert_eq!(
                        checked.clone().validated(),
                        Ok(checked.clone()),
                        "validates to itself"
                    );
                    let stored = checked.args().to_string();
                    let again = Mutation::decode(checked.name(), &stored).expect("re-decodes");
                    assert_eq!(again, checked, "survives the outbox's encoding");
                }
            }
        });
    }
    println!("mutation decoder: {decoded} decoded, {valid} valid");
    assert!(valid > 0, "the generator reaches valid mutations too");
}
