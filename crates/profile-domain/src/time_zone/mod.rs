//! Time zones: the catalogue a user chooses from, search, validation, and formatting dates
//! in the chosen zone. The OS zone of a machine is the core's (it reads the system).
//!
//! Nothing here reads the clock: every function that depends on "now" takes it in ms.

mod catalog;
mod data;
mod format;
mod offset;
mod search;

pub use catalog::{Entry, TimeZoneCatalog};
pub use format::{format_date, format_datetime, now_in_zone, time_of_day};
pub use offset::offset_label;

use crate::error::{ErrorCode, ValidationError};
use chrono_tz::Tz;
use serde::{Serialize, Serializer};

/// The input field time zone errors are reported against.
pub const FIELD: &str = "time_zone";

/// A zone of the catalogue, validated; [`ZoneId::as_str`] is what is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ZoneId(Tz);

impl ZoneId {
    /// UTC, the fallback when nothing better is known.
    pub const UTC: ZoneId = ZoneId(Tz::UTC);

    /// The catalogue id, e.g. `Europe/Moscow`.
    pub fn as_str(self) -> &'static str {
        self.0.name()
    }

    /// The zone for chrono arithmetic.
    pub fn tz(self) -> Tz {
        self.0
    }
}

impl std::fmt::Display for ZoneId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ZoneId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Validates a zone id: a catalogue id, or an old name of one (`Europe/Kiev` gives
/// `Europe/Kyiv`); anything else is refused with `profile.time_zone_invalid`.
pub fn parse_zone(id: &str) -> Result<ZoneId, ValidationError> {
    let canonical = if catalog::is_catalogue_id(id) {
        id
    } else {
        data::alias_target(id).ok_or_else(invalid)?
    };
    canonical.parse::<Tz>().map(ZoneId).map_err(|_| invalid())
}

/// The refusal of a zone id.
fn invalid() -> ValidationError {
    ValidationError::new(ErrorCode::ProfileTimeZoneInvalid, FIELD)
}

/// The catalogue id for a zone name as an OS reports it; `UTC` when it is not one we know.
pub fn catalogue_id_for(reported: &str) -> ZoneId {
    parse_zone(reported.trim()).unwrap_or(ZoneId::UTC)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_ids_parse_to_themselves() {
        for id in TimeZoneCatalog::new().ids() {
            assert_eq!(parse_zone(id).map(ZoneId::as_str), Ok(id));
        }
    }

    #[test]
    fn old_names_parse_to_current_ones() {
        assert_eq!(parse_zone("Europe/Kiev").unwrap().as_str(), "Europe/Kyiv");
        assert_eq!(
            parse_zone("Asia/Calcutta").unwrap().as_str(),
            "Asia/Kolkata"
        );
        assert_eq!(
            parse_zone("US/Eastern").unwrap().as_str(),
            "America/New_York"
        );
        assert_eq!(parse_zone("Etc/UTC").unwrap().as_str(), "UTC");
    }

    #[test]
    fn unknown_ids_are_refused_with_the_code_and_field() {
        for id in [
            "",
            "Mars/Olympus",
            "europe/moscow",
            " Europe/Moscow",
            "Etc/GMT+3",
            "Moscow",
        ] {
            let err = parse_zone(id).unwrap_err();
            assert_eq!(err.code, ErrorCode::ProfileTimeZoneInvalid, "{id:?}");
            assert_eq!(err.code.as_str(), "profile.time_zone_invalid");
            assert_eq!(err.field, Some("time_zone"));
        }
    }

    #[test]
    fn os_names_map_into_the_catalogue() {
        assert_eq!(catalogue_id_for("Europe/Moscow").as_str(), "Europe/Moscow");
        assert_eq!(catalogue_id_for("Europe/Kiev").as_str(), "Europe/Kyiv");
        assert_eq!(catalogue_id_for("Europe/Kiev\n").as_str(), "Europe/Kyiv");
        assert_eq!(catalogue_id_for("W-SU").as_str(), "Europe/Moscow");
        assert_eq!(catalogue_id_for("Etc/GMT-3").as_str(), "UTC");
        assert_eq!(catalogue_id_for("localtime").as_str(), "UTC");
    }

    #[test]
    fn zone_ids_serialize_as_their_id() {
        let zone = parse_zone("Europe/Moscow").unwrap();
        assert_eq!(serde_json::to_value(zone).unwrap(), "Europe/Moscow");
        assert_eq!(zone.to_string(), "Europe/Moscow");
    }
}
