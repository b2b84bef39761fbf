//! When an interim token expires: at the end of the chosen day in the profile's time zone,
//! fixed as a UTC instant when the token is issued (or its expiry edited), so a later
//! change of the profile's zone does not move it.

use crate::error::{ErrorCode, ValidationError};
use crate::time_zone::ZoneId;
use chrono::{Datelike, Duration, NaiveDate, NaiveTime, TimeZone};

/// The input field expiry errors are reported against.
pub const EXPIRY_FIELD: &str = "expires_on";
/// How many years ahead an expiry date may be: further is "Infinite" in all but name, and
/// keeps dates inside every calendar the UI formats with.
pub const MAX_EXPIRY_YEARS: i32 = 10;

/// The instant (ms since the epoch) an interim token chosen to expire on `date`
/// (`YYYY-MM-DD`) expires: the start of the next day in `zone`. Refused when that is not
/// after `now_ms`, or more than [`MAX_EXPIRY_YEARS`] ahead.
pub fn interim_expiry(date: &str, zone: ZoneId, now_ms: i64) -> Result<i64, ValidationError> {
    let invalid = || ValidationError::new(ErrorCode::TokenExpiryInvalid, EXPIRY_FIELD);
    let day = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").map_err(|_| invalid())?;
    let today = zone
        .tz()
        .timestamp_millis_opt(now_ms)
        .single()
        .ok_or_else(invalid)?
        .date_naive();
    let latest = today
        .with_year(today.year() + MAX_EXPIRY_YEARS)
        // 29 February ten years on may not exist.
        .or_else(|| (today - Duration::days(1)).with_year(today.year() + MAX_EXPIRY_YEARS))
        .ok_or_else(invalid)?;
    if day > latest {
        return Err(
            ValidationError::new(ErrorCode::TokenExpiryTooFar, EXPIRY_FIELD)
                .with("max_years", MAX_EXPIRY_YEARS),
        );
    }
    let end = start_of(day.succ_opt().ok_or_else(invalid)?, zone).ok_or_else(invalid)?;
    if end <= now_ms {
        return Err(ValidationError::new(
            ErrorCode::TokenExpiryPast,
            EXPIRY_FIELD,
        ));
    }
    Ok(end)
}

/// The last day (`YYYY-MM-DD` in `zone`) of a token that expires at `expires_at`: the day
/// the person chose, for showing it back in a date field.
pub fn last_day(expires_at: i64, zone: ZoneId) -> Option<String> {
    zone.tz()
        .timestamp_millis_opt(expires_at - 1)
        .single()
        .map(|t| t.date_naive().format("%Y-%m-%d").to_string())
}

/// The first instant of `day` in `zone`, ms. Where a clock change skips midnight (e.g.
/// America/Havana springs forward at 00:00), the day starts at the first time that exists.
fn start_of(day: NaiveDate, zone: ZoneId) -> Option<i64> {
    let mut time = NaiveTime::MIN;
    // Clock changes skip at most a few hours; look in quarter hours through the morning.
    for _ in 0..(12 * 4) {
        if let Some(instant) = zone
            .tz()
            .from_local_datetime(&day.and_time(time))
            .earliest()
        {
            return Some(instant.timestamp_millis());
        }
        time += Duration::minutes(15);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time_zone::parse_zone;

    fn ms(rfc3339: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(rfc3339)
            .unwrap()
            .timestamp_millis()
    }

    #[test]
    fn a_token_expires_at_the_end_of_its_day_in_the_profile_s_zone() {
        let now = ms("2026-12-03T10:00:00Z");
        let moscow = parse_zone("Europe/Moscow").unwrap();
        let end = interim_expiry("2026-12-31", moscow, now).unwrap();
        assert_eq!(end, ms("2027-01-01T00:00:00+03:00"));
        assert_eq!(last_day(end, moscow).as_deref(), Some("2026-12-31"));
        assert_eq!(
            interim_expiry(" 2026-12-31 ", ZoneId::UTC, now).unwrap(),
            ms("2027-01-01T00:00:00Z")
        );
        // Today is allowed: the token lasts until tonight.
        assert_eq!(
            interim_expiry("2026-12-03", ZoneId::UTC, now).unwrap(),
            ms("2026-12-04T00:00:00Z")
        );
    }

    #[test]
    fn past_days_far_days_and_non_dates_are_refused_at_the_date_field() {
        let now = ms("2026-12-03T22:30:00Z");
        // In Moscow it is already 4 December: 3 December has ended there.
        let moscow = parse_zone("Europe/Moscow").unwrap();
        let past = interim_expiry("2026-12-03", moscow, now).unwrap_err();
        assert_eq!(
            (past.code, past.field),
            (ErrorCode::TokenExpiryPast, Some(EXPIRY_FIELD))
        );
        assert!(interim_expiry("2026-12-03", ZoneId::UTC, now).is_ok());
        let far = interim_expiry("2036-12-04", ZoneId::UTC, now).unwrap_err();
        assert_eq!(far.code, ErrorCode::TokenExpiryTooFar);
        assert_eq!(far.params["max_years"], 10);
        assert!(interim_expiry("2036-12-03", ZoneId::UTC, now).is_ok());
        for wrong in ["", "tomorrow", "2026-02-30", "03.12.2026", "2026/12/31"] {
            let err = interim_expiry(wrong, ZoneId::UTC, now).unwrap_err();
            assert_eq!(err.code, ErrorCode::TokenExpiryInvalid, "{wrong}");
        }
    }

    #[test]
    fn a_day_whose_midnight_is_skipped_starts_at_its_first_real_time() {
        // Havana springs forward 2027-03-14 at 00:00 → 01:00 (UTC−5 → UTC−4).
        let havana = parse_zone("America/Havana").unwrap();
        let now = ms("2027-03-01T00:00:00Z");
        assert_eq!(
            interim_expiry("2027-03-13", havana, now).unwrap(),
            ms("2027-03-14T01:00:00-04:00")
        );
    }
}
