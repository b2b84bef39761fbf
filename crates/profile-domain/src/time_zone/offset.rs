//! UTC offsets: at an instant, as a label, and as typed into the search box.

use chrono::{DateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

/// The instant `ms` since the epoch; values beyond what chrono represents are clamped.
pub(crate) fn instant(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or(if ms < 0 {
        DateTime::<Utc>::MIN_UTC
    } else {
        DateTime::<Utc>::MAX_UTC
    })
}

/// Seconds east of UTC in `tz` at the instant `ms`.
pub(crate) fn offset_seconds(tz: Tz, ms: i64) -> i32 {
    tz.offset_from_utc_datetime(&instant(ms).naive_utc())
        .fix()
        .local_minus_utc()
}

/// An offset as the UI shows it: `UTC+03:00`, `UTC-05:00`, `UTC+00:00`.
pub fn offset_label(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    // Offsets since 1970 are whole minutes; older local mean times lose their seconds.
    let minutes = seconds.unsigned_abs() / 60;
    format!("UTC{sign}{:02}:{:02}", minutes / 60, minutes % 60)
}

/// How well an offset fits what was typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum OffsetFit {
    /// The same offset.
    Exact,
    /// The same hours with minutes the query left out, e.g. `+05` against `+05:30`.
    SameHour,
}

/// An offset typed by the user: `+3`, `+03`, `+03:00`, `UTC+3`, `GMT-05`, `+0530`, `−5`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OffsetQuery {
    /// Whether the offset is west of UTC.
    negative: bool,
    /// Whole hours, 0–14.
    hours: u32,
    /// Minutes, when typed.
    minutes: Option<u32>,
}

impl OffsetQuery {
    /// Reads an offset, or `None` when the text is not one.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let lower = compact.to_lowercase();
        let rest = lower
            .strip_prefix("utc")
            .or_else(|| lower.strip_prefix("gmt"))
            .unwrap_or(&lower);
        let mut chars = rest.chars();
        // A sign is required, so that a bare number is never taken for an offset.
        let negative = match chars.next()? {
            '+' => false,
            '-' | '\u{2212}' | '\u{2013}' => true,
            _ => return None,
        };
        let body = chars.as_str();
        // Only digits and a colon, so the byte arithmetic below stays on character boundaries.
        if !body.bytes().all(|b| b.is_ascii_digit() || b == b':') {
            return None;
        }
        let (hours, minutes) = match body.split_once(':') {
            Some((h, m)) => (digits(h, 1..=2)?, Some(digits(m, 2..=2)?)),
            None => match body.len() {
                1 | 2 => (digits(body, 1..=2)?, None),
                3 | 4 => {
                    let (h, m) = body.split_at(body.len() - 2);
                    (digits(h, 1..=2)?, Some(digits(m, 2..=2)?))
                }
                _ => return None,
            },
        };
        if hours > 14 || minutes.is_some_and(|m| m >= 60) {
            return None;
        }
        Some(Self {
            negative,
            hours,
            minutes,
        })
    }

    /// How an offset of `seconds` fits this query, if at all.
    pub(crate) fn fit(self, seconds: i32) -> Option<OffsetFit> {
        let total = seconds / 60;
        let negative = total < 0;
        let abs = total.unsigned_abs();
        let (hours, minutes) = (abs / 60, abs % 60);
        let zero = abs == 0;
        // "+00" and "-00" both mean UTC itself.
        if hours != self.hours || (negative != self.negative && !zero) {
            return None;
        }
        match self.minutes {
            Some(m) if m == minutes => Some(OffsetFit::Exact),
            Some(_) => None,
            None if minutes == 0 => Some(OffsetFit::Exact),
            None if negative == self.negative => Some(OffsetFit::SameHour),
            None => None,
        }
    }
}

/// An ASCII number of `len` digits.
fn digits(text: &str, len: std::ops::RangeInclusive<usize>) -> Option<u32> {
    if !len.contains(&text.len()) || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_signed_and_padded() {
        assert_eq!(offset_label(3 * 3600), "UTC+03:00");
        assert_eq!(offset_label(-5 * 3600), "UTC-05:00");
        assert_eq!(offset_label(0), "UTC+00:00");
        assert_eq!(offset_label(5 * 3600 + 45 * 60), "UTC+05:45");
        assert_eq!(offset_label(-(9 * 3600 + 30 * 60)), "UTC-09:30");
    }

    #[test]
    fn typed_offsets_parse_in_every_common_form() {
        let three = 3 * 3600;
        for q in [
            "+03", "+3", "+03:00", "UTC+3", "utc+03", "GMT+03", "+0300", "UTC +3",
        ] {
            let parsed = OffsetQuery::parse(q).unwrap_or_else(|| panic!("{q} did not parse"));
            assert_eq!(parsed.fit(three), Some(OffsetFit::Exact), "{q}");
            assert_eq!(parsed.fit(-three), None, "{q}");
        }
        let west = OffsetQuery::parse("-05").unwrap();
        assert_eq!(west.fit(-5 * 3600), Some(OffsetFit::Exact));
        assert_eq!(
            OffsetQuery::parse("\u{2212}5").unwrap().fit(-5 * 3600),
            Some(OffsetFit::Exact)
        );
        let india = 5 * 3600 + 30 * 60;
        for q in ["+05:30", "+0530", "UTC+5:30", "+530"] {
            assert_eq!(
                OffsetQuery::parse(q).unwrap().fit(india),
                Some(OffsetFit::Exact),
                "{q}"
            );
            assert_eq!(OffsetQuery::parse(q).unwrap().fit(5 * 3600), None, "{q}");
        }
        assert_eq!(
            OffsetQuery::parse("+05").unwrap().fit(india),
            Some(OffsetFit::SameHour)
        );
    }

    #[test]
    fn text_that_is_not_an_offset_is_refused() {
        for q in [
            "", "3", "03:00", "UTC", "Moscow", "+", "+15", "+03:60", "+03:0", "+12345", "+a",
            "+а1", "+1а",
        ] {
            assert_eq!(OffsetQuery::parse(q), None, "{q}");
        }
    }

    #[test]
    fn zero_matches_either_sign() {
        assert_eq!(
            OffsetQuery::parse("-00").unwrap().fit(0),
            Some(OffsetFit::Exact)
        );
        assert_eq!(
            OffsetQuery::parse("+0").unwrap().fit(0),
            Some(OffsetFit::Exact)
        );
    }

    #[test]
    fn instants_out_of_range_are_clamped_not_panicking() {
        assert_eq!(instant(i64::MAX), DateTime::<Utc>::MAX_UTC);
        assert_eq!(instant(i64::MIN), DateTime::<Utc>::MIN_UTC);
        let _ = offset_seconds(Tz::Europe__Moscow, i64::MAX);
    }
}
