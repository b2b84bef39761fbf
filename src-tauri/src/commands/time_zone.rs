//! Finding time zones for the «Time Zone» selector.

use crate::error::UiError;
use crate::state::AppState;
use profile_core::time_zone::Entry;
use profile_core::Language;
use serde::Serialize;
use tauri::State;

/// At most this many matches go to the list; people refine by typing.
const MAX_RESULTS: usize = 60;

/// One zone as the selector shows it.
#[derive(Debug, Serialize)]
pub struct TimeZoneOption {
    /// The IANA id, e.g. `Europe/Moscow`.
    pub id: &'static str,
    /// "(UTC+03:00) Moscow — Europe", in the requested language.
    pub label: String,
    /// The current offset, e.g. `UTC+03:00`.
    pub offset: String,
}

impl TimeZoneOption {
    fn new(entry: &Entry<'_>, language: Language) -> Self {
        Self {
            id: entry.id(),
            label: entry.label(language),
            offset: entry.offset_label(),
        }
    }
}

/// Zones matching `query` (city or region in either language, id, or offset such as "+03"),
/// best first, labelled in `language`.
#[tauri::command]
pub fn time_zones_search(
    state: State<'_, AppState>,
    query: String,
    language: String,
) -> Result<Vec<TimeZoneOption>, UiError> {
    let language = Language::parse(&language)?;
    let now = state.store.env().now_ms();
    Ok(state
        .time_zones
        .search(&query, language, now)
        .iter()
        .take(MAX_RESULTS)
        .map(|entry| TimeZoneOption::new(entry, language))
        .collect())
}

/// The selector's entry for one zone id, or nothing if the id is unknown.
#[tauri::command]
pub fn time_zone_describe(
    state: State<'_, AppState>,
    id: String,
    language: String,
) -> Result<Option<TimeZoneOption>, UiError> {
    let language = Language::parse(&language)?;
    Ok(state
        .time_zones
        .entry(&id, state.store.env().now_ms())
        .map(|entry| TimeZoneOption::new(&entry, language)))
}
