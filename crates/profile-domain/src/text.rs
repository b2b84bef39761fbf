//! Characters that a name or a device fact must not carry because people cannot see them:
//! control characters, and invisible format characters (Unicode general category Cf, e.g.
//! the bidi override U+202E, which would let "Anna's laptop" pose as another device).

use unicode_bidi::{bidi_class, BidiClass};
use unicode_normalization::char::canonical_combining_class;
use unicode_properties::{GeneralCategory, UnicodeEmoji, UnicodeGeneralCategory};

/// ZERO WIDTH JOINER, kept where it joins something visible.
const ZWJ: char = '\u{200D}';
/// ZERO WIDTH NON-JOINER, kept where a script needs it to keep two letters apart.
const ZWNJ: char = '\u{200C}';
/// VARIATION SELECTOR-16 (emoji presentation); may stand between an emoji and its ZWJ.
const VS16: char = '\u{FE0F}';
/// The canonical combining class of a virama (Indic "kill" sign).
const VIRAMA: u8 = 9;

/// An emoji that can take part in a ZWJ sequence. ASCII digits, `#` and `*` have Emoji=YES
/// too (as keycap bases), but a ZWJ between them joins nothing visible.
fn is_joinable_emoji(c: char) -> bool {
    !c.is_ascii() && c.is_emoji_char()
}

/// Whether a ZWJ between `before` and `after` does visible work.
///
/// ZWJ is kept deliberately in two places, refused everywhere else:
/// - between emoji, where it makes one picture of several (👩‍💻, 👨‍👩‍👧, ❤️‍🔥), which people
///   do put in names; `before` may be a skin-tone modifier or VS16, both emoji components;
/// - after a virama and before a letter, where Indic scripts need it for half forms
///   (Sinhala "Sri", ශ්‍රී).
///
/// Between letters it renders nothing, so "Anna" and "An\u{200D}na" would look alike.
fn zwj_joins(before: Option<char>, after: Option<char>) -> bool {
    let Some(before) = before else {
        return false;
    };
    if canonical_combining_class(before) == VIRAMA {
        // Only before a letter: before a space it joins nothing, and a trim would leave it
        // dangling at the end.
        return after.is_some_and(char::is_alphabetic);
    }
    (is_joinable_emoji(before) || before == VS16) && after.is_some_and(is_joinable_emoji)
}

/// Whether a ZWNJ between `before` and `after` does visible work: between two letters of
/// an Arabic-script word (Persian writes «می‌خواهم» with it, and it changes the letters'
/// shapes), or after a virama before a letter (Indic scripts). Between Latin or Cyrillic
/// letters it changes nothing visible, so there it is refused like any other.
fn zwnj_separates(before: Option<char>, after: Option<char>) -> bool {
    let (Some(before), Some(after)) = (before, after) else {
        return false;
    };
    let arabic = |c: char| bidi_class(c) == BidiClass::AL && c.is_alphabetic();
    (arabic(before) || canonical_combining_class(before) == VIRAMA) && after.is_alphabetic()
}

/// Whether `c`, standing between `before` and `after`, is a control character or an
/// invisible format character that does no visible work there.
fn is_hidden(before: Option<char>, c: char, after: Option<char>) -> bool {
    if c.is_control() {
        return true;
    }
    c.general_category() == GeneralCategory::Format
        && !(c == ZWJ && zwj_joins(before, after))
        && !(c == ZWNJ && zwnj_separates(before, after))
}

/// Each character of `text` with whether it is hidden (see [`is_hidden`]).
fn classify(text: &str) -> impl Iterator<Item = (char, bool)> + '_ {
    let mut before = None;
    let mut rest = text.chars().peekable();
    std::iter::from_fn(move || {
        let c = rest.next()?;
        let hidden = is_hidden(before, c, rest.peek().copied());
        before = Some(c);
        Some((c, hidden))
    })
}

/// The first invisible format character of `text` (control characters are not counted:
/// callers refuse those with their own message).
pub fn first_invisible(text: &str) -> Option<char> {
    classify(text)
        .find(|&(c, hidden)| hidden && !c.is_control())
        .map(|(c, _)| c)
}

/// `text` without control and invisible format characters, cut to `max_chars` and trimmed:
/// for text that comes from an OS or another device and is shown to people, where an odd
/// value is tidied rather than refused.
pub fn printable(text: &str, max_chars: usize) -> String {
    let mut kept: String = classify(text)
        .filter(|&(_, hidden)| !hidden)
        .map(|(c, _)| c)
        .take(max_chars)
        .collect();
    // The cut may fall between a joiner and what it joined: it then joins nothing.
    if kept.ends_with([ZWJ, ZWNJ]) {
        kept.pop();
    }
    kept.trim().to_owned()
}

/// A character as people can name it to find it: `U+202E`.
pub fn code_point(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Invisible format characters from the places attackers and copy-paste bring them from.
    const INVISIBLE: [char; 22] = [
        '\u{00AD}',
        '\u{061C}',
        '\u{180E}',
        '\u{200B}',
        '\u{200C}',
        '\u{200E}',
        '\u{200F}',
        '\u{202A}',
        '\u{202B}',
        '\u{202C}',
        '\u{202D}',
        '\u{202E}',
        '\u{2060}',
        '\u{2061}',
        '\u{2064}',
        '\u{2066}',
        '\u{2067}',
        '\u{2068}',
        '\u{2069}',
        '\u{FEFF}',
        '\u{E0001}',
        '\u{E0041}',
    ];

    #[test]
    fn every_invisible_format_character_is_found_and_stripped() {
        for c in INVISIBLE {
            let text = format!("Anna{c}Petrova");
            assert_eq!(first_invisible(&text), Some(c), "{}", code_point(c));
            assert_eq!(printable(&text, 100), "AnnaPetrova", "{}", code_point(c));
        }
    }

    #[test]
    fn a_bidi_override_cannot_disguise_a_device_name() {
        // U+202E shows what follows reversed: "potpal-anna" would read "anna-laptop".
        assert_eq!(printable("\u{202E}potpal-anna", 100), "potpal-anna");
        assert_eq!(
            printable("\u{2067}x\u{2069} laptop\u{200B}", 100),
            "x laptop"
        );
    }

    #[test]
    fn a_zwj_inside_emoji_sequences_is_kept() {
        for name in [
            "Anna 👩\u{200D}💻",             // woman technologist
            "👨\u{200D}👩\u{200D}👧 family", // a family, two joiners
            "Anna 👩🏽\u{200D}💻",             // with a skin tone modifier
            "❤\u{FE0F}\u{200D}🔥 Anna",      // VS16 before the joiner
            "ශ්\u{200D}රී",                    // Sinhala "Sri": a joiner after a virama
        ] {
            assert_eq!(first_invisible(name), None, "{name:?}");
            assert_eq!(printable(name, 100), name, "{name:?}");
        }
    }

    #[test]
    fn a_zwj_that_joins_nothing_is_invisible() {
        for text in [
            "An\u{200D}na",         // between letters
            "\u{200D}👩",           // at the start
            "👩\u{200D}",           // at the end
            "1\u{200D}2",           // keycap bases are Emoji=YES but join nothing here
            "👩\u{200D}\u{200D}💻", // doubled
        ] {
            assert_eq!(first_invisible(text), Some(ZWJ), "{text:?}");
            assert!(!printable(text, 100).contains(ZWJ), "{text:?}");
        }
        // After another invisible character the joiner has nothing visible before it.
        assert_eq!(printable("👩\u{202E}\u{200D}💻", 100), "👩💻");
        assert_eq!(printable("An\u{200D}na", 100), "Anna");
    }

    #[test]
    fn a_zwj_after_a_virama_must_lead_to_a_letter() {
        // Found by the property test (PROPERTY_SEED=3698947624541547787, 200000 cases):
        // kept before U+2028, then trimmed to the end, it joined nothing on a second pass.
        let tidy = printable("क्\u{200D}\u{2028}", 100);
        assert_eq!(tidy, "क्");
        assert_eq!(printable(&tidy, 100), tidy);
        assert_eq!(first_invisible("क्\u{200D} x"), Some(ZWJ));
        assert_eq!(first_invisible("क्\u{200D}ष"), None);
    }

    #[test]
    fn a_zwnj_is_kept_inside_persian_and_indic_words_only() {
        let persian = "\u{0645}\u{06CC}\u{200C}\u{062E}\u{0648}\u{0627}\u{0647}\u{0645}"; // می‌خواهم
        assert_eq!(first_invisible(persian), None);
        assert_eq!(printable(persian, 100), persian);
        let hindi = "\u{0915}\u{094D}\u{200C}\u{0937}"; // क्‌ष
        assert_eq!(first_invisible(hindi), None);
        for spoof in [
            "An\u{200C}na",
            "Ан\u{200C}на",
            "\u{0645}\u{200C} x",
            "\u{200C}\u{0645}",
        ] {
            assert_eq!(first_invisible(spoof), Some(ZWNJ), "{spoof:?}");
        }
    }

    #[test]
    fn control_characters_are_stripped_but_left_to_the_caller_to_name() {
        assert_eq!(printable("anna\n-laptop\u{7}", 100), "anna-laptop");
        assert_eq!(first_invisible("anna\nlaptop"), None);
    }

    #[test]
    fn printable_cuts_trims_and_never_ends_in_a_dangling_joiner() {
        assert_eq!(printable("  Ж ", 100), "Ж");
        assert_eq!(printable(&"Ж".repeat(150), 100).chars().count(), 100);
        let cut = printable("ab👩\u{200D}💻", 4);
        assert_eq!(cut, "ab👩");
        assert_eq!(printable(&cut, 4), cut);
    }

    #[test]
    fn ordinary_names_pass_untouched() {
        for name in [
            "Anna Petrova",
            "Ёлкина Жанна",
            "李小龙",
            "محمد",
            "O'Brien-Smith",
        ] {
            assert_eq!(first_invisible(name), None);
            assert_eq!(printable(name, 100), name);
        }
    }
}
