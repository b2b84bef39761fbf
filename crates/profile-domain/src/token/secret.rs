//! A token's text: `acp_`, 32 random base62 characters, and 6 base62 characters of the
//! CRC32 of the random part. The prefix lets secret scanners recognise a leaked token; the
//! checksum refuses a mistyped one before any lookup.

use rand::{CryptoRng, RngCore};
use zeroize::Zeroizing;

/// What every token starts with.
pub const PREFIX: &str = "acp_";
/// Random characters after the prefix.
const RANDOM_CHARS: usize = 32;
/// Checksum characters at the end.
const CHECK_CHARS: usize = 6;
/// A token's length in characters (all ASCII).
pub const TOKEN_CHARS: usize = PREFIX.len() + RANDOM_CHARS + CHECK_CHARS;
/// Random characters shown after the prefix to tell tokens apart (`acp_Xy12…`).
pub const DISPLAY_PREFIX_CHARS: usize = 4;

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// The largest multiple of 62 a byte can hold: bytes at or above it are redrawn, so every
/// character is equally likely.
const UNBIASED_BELOW: u8 = 248;

/// Why a text is not a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenFormatError {
    /// Wrong length, prefix or characters.
    #[error("not an Acure Profile token")]
    Shape,
    /// The checksum does not match the random part: mistyped or cut.
    #[error("the token's checksum does not match")]
    Checksum,
}

/// A personal API token's plain text. It is held only while being shown once; its
/// `Debug` never prints it and its memory is wiped when dropped.
pub struct ApiToken(Zeroizing<String>);

impl ApiToken {
    /// A new token from `rng`, which must be the OS's random source in the app
    /// (`rand::rngs::OsRng`); a seeded generator only in tests.
    pub fn generate(rng: &mut (impl RngCore + CryptoRng)) -> Self {
        let mut text = Zeroizing::new(String::with_capacity(TOKEN_CHARS));
        text.push_str(PREFIX);
        let mut byte = [0u8; 1];
        while text.len() < PREFIX.len() + RANDOM_CHARS {
            rng.fill_bytes(&mut byte);
            if byte[0] < UNBIASED_BELOW {
                text.push(char::from(BASE62[usize::from(byte[0] % 62)]));
            }
        }
        let check = checksum(&text[PREFIX.len()..]);
        text.push_str(&check);
        Self(text)
    }

    /// Checks `text`'s shape and checksum without any lookup.
    pub fn parse(text: &str) -> Result<Self, TokenFormatError> {
        let random = text
            .strip_prefix(PREFIX)
            .filter(|_| text.len() == TOKEN_CHARS)
            .filter(|rest| rest.bytes().all(|b| BASE62.contains(&b)))
            .map(|rest| &rest[..RANDOM_CHARS])
            .ok_or(TokenFormatError::Shape)?;
        if checksum(random) != text[PREFIX.len() + RANDOM_CHARS..] {
            return Err(TokenFormatError::Checksum);
        }
        Ok(Self(Zeroizing::new(text.to_owned())))
    }

    /// The plain text, to show once and put on the clipboard; never to store or log.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Lowercase hex SHA-256 of the text: what is stored and looked up.
    pub fn sha256_hex(&self) -> String {
        crate::mutation::sha256_hex(self.0.as_bytes())
    }

    /// The prefix and the first random characters, e.g. `acp_Xy12`: enough to tell tokens
    /// apart in a list, far too little to guess the rest.
    pub fn display_prefix(&self) -> String {
        self.0[..PREFIX.len() + DISPLAY_PREFIX_CHARS].to_owned()
    }
}

impl std::fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiToken(..)")
    }
}

/// Whether `text` has the shape of a display prefix (`acp_` and four base62 characters).
pub(crate) fn is_display_prefix(text: &str) -> bool {
    text.strip_prefix(PREFIX).is_some_and(|rest| {
        rest.len() == DISPLAY_PREFIX_CHARS && rest.bytes().all(|b| BASE62.contains(&b))
    })
}

/// CRC32 (IEEE) of `random` in base62, six characters, zero-padded.
fn checksum(random: &str) -> String {
    let mut value = crc32fast::hash(random.as_bytes());
    let mut digits = [b'0'; CHECK_CHARS];
    for digit in digits.iter_mut().rev() {
        *digit = BASE62[(value % 62) as usize];
        value /= 62;
    }
    digits.iter().map(|&b| char::from(b)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::{OsRng, StdRng};
    use rand::SeedableRng;
    use std::collections::HashSet;

    #[test]
    fn a_token_has_the_prefix_32_random_base62_characters_and_its_checksum() {
        let token = ApiToken::generate(&mut OsRng);
        let text = token.expose();
        assert_eq!(text.len(), TOKEN_CHARS);
        assert!(text.starts_with("acp_"));
        assert!(text[4..].bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_eq!(ApiToken::parse(text).unwrap().expose(), text);
        assert_eq!(token.display_prefix(), &text[..8]);
        assert!(is_display_prefix(&token.display_prefix()));
        assert_eq!(token.sha256_hex().len(), 64);
        assert_eq!(format!("{token:?}"), "ApiToken(..)");
    }

    #[test]
    fn every_single_character_typo_is_caught_by_the_checksum_or_the_shape() {
        let token = ApiToken::generate(&mut StdRng::seed_from_u64(7));
        let text = token.expose().to_owned();
        for at in 0..text.len() {
            for &replacement in BASE62.iter().chain(b"_-!") {
                let mut typo = text.clone().into_bytes();
                if typo[at] == replacement {
                    continue;
                }
                typo[at] = replacement;
                let typo = String::from_utf8(typo).unwrap();
                assert!(ApiToken::parse(&typo).is_err(), "{typo} accepted");
            }
        }
        // Cut, lengthened, or another prefix: the shape is wrong.
        for wrong in [
            &text[..41],
            &format!("{text}0"),
            &text.replace("acp_", "acx_"),
        ] {
            assert_eq!(ApiToken::parse(wrong).unwrap_err(), TokenFormatError::Shape);
        }
        assert_eq!(ApiToken::parse("").unwrap_err(), TokenFormatError::Shape);
        assert_eq!(
            ApiToken::parse("acp_ä").unwrap_err(),
            TokenFormatError::Shape
        );
    }

    #[test]
    fn characters_are_spread_evenly_and_tokens_do_not_repeat() {
        let mut rng = StdRng::seed_from_u64(11);
        let mut counts = [0u32; 62];
        let mut seen = HashSet::new();
        for _ in 0..2000 {
            let token = ApiToken::generate(&mut rng);
            assert!(seen.insert(token.expose().to_owned()));
            for b in token.expose()[4..36].bytes() {
                counts[BASE62.iter().position(|&c| c == b).unwrap()] += 1;
            }
        }
        // 64 000 draws over 62 characters: ~1032 each (σ ≈ 32). An alphabet cut short or a
        // character drawn from a smaller range lands far outside ±15 %; chance does not.
        let mean = 64_000.0 / 62.0;
        for (i, &count) in counts.iter().enumerate() {
            let ratio = f64::from(count) / mean;
            assert!(
                (0.85..1.15).contains(&ratio),
                "{} drawn {count} times",
                BASE62[i] as char
            );
        }
    }

    #[test]
    fn the_checksum_is_crc32_of_the_random_part() {
        // crc32("123456789") = 0xCBF43926 = 3421780262 = base62 "3jZRME".
        assert_eq!(checksum("123456789"), "3jZRME");
        assert_eq!(checksum(""), "000000");
    }
}
