//! Dates and times shown in the user's zone.

use super::offset::instant;
use super::{parse_zone, ZoneId};
use crate::error::ValidationError;
use crate::language::Language;

/// A date and time in `zone`: `29.11.2026, 09:51` in Russian, `Nov 29, 2026, 9:51 AM` in English.
pub fn format_datetime(ms: i64, zone: ZoneId, language: Language) -> String {
    let local = instant(ms).with_timezone(&zone.tz());
    let pattern = match language {
        Language::Ru => "%d.%m.%Y, %H:%M",
        Language::En => "%b %-d, %Y, %-I:%M %p",
    };
    local.format(pattern).to_string()
}

/// The calendar day of `ms` in `zone`: `29.11.2026` in Russian, `Nov 29, 2026` in English.
pub fn format_date(ms: i64, zone: ZoneId, language: Language) -> String {
    let local = instant(ms).with_timezone(&zone.tz());
    let pattern = match language {
        Language::Ru => "%d.%m.%Y",
        Language::En => "%b %-d, %Y",
    };
    local.format(pattern).to_string()
}

/// The time of day in `zone` as `HH:MM` (24-hour, as shown beside the zone selector).
pub fn time_of_day(ms: i64, zone: ZoneId) -> String {
    instant(ms)
        .with_timezone(&zone.tz())
        .format("%H:%M")
        .to_string()
}

/// The current time, `HH:MM`, in the zone with catalogue id `id`.
pub fn now_in_zone(id: &str, now_ms: i64) -> Result<String, ValidationError> {
    Ok(time_of_day(now_ms, parse_zone(id)?))
}
