//! Finding time zones for the «Time Zone» selector.

use crate::args::Arg;
use crate::error::UiError;
use crate::state::AppState;
use profile_core::time_zone::{now_in_zone, Entry};
use profile_core::{CoreError, ErrorCode, Language, ValidationError};
use serde::Serialize;
use tauri::State;

/// At most this many matches go to the list; people refine by typing.
const MAX_RESULTS: usize = 60;

/// The longest query searched: longer than any city, region or id in the catalogue, short
/// enough that a hostile caller cannot make a search expensive.
pub const MAX_QUERY_CHARS: usize = 100;

/// One zone as the selector shows it.
#[derive(Debug, Serialize)]
pub struct TimeZoneOption {
    /// The IANA id, e.g. `Europe/Moscow`.
    pub id: &'static str,
    /// "(UTC+03:00) Moscow — Europe", in the requested language.
    pub label: String,
    /// The current offset, e.g. `UTC+03:00`.
    pub offset: String,
    /// The time of day there now, `HH:MM`, written here: the webview's own zone data may
    /// lack a zone the catalogue has.
    pub time: String,
}

impl TimeZoneOption {
    fn new(entry: &Entry<'_>, language: Language, now_ms: i64) -> Self {
        Self {
            id: entry.id(),
            label: entry.label(language),
            offset: entry.offset_label(),
            time: now_in_zone(entry.id(), now_ms).unwrap_or_default(),
        }
    }
}

/// Zones matching `query` (city or region in either language, id, or offset such as "+03"),
/// best first, labelled in `language`.
#[tauri::command]
pub async fn time_zones_search(
    state: State<'_, AppState>,
    query: Arg<String>,
    language: Arg<String>,
) -> Result<Vec<TimeZoneOption>, UiError> {
    let language = Language::parse(&language)?;
    if query.chars().count() > MAX_QUERY_CHARS {
        return Err(ValidationError::new(ErrorCode::RequestInvalid, "query").into());
    }
    let now = state.now_ms();
    let catalog = state.time_zones.clone();
    // Matching walks the whole catalogue: keep it off the async workers and the UI thread.
    tauri::async_runtime::spawn_blocking(move || {
        catalog
            .search(&query, language, now)
            .iter()
            .take(MAX_RESULTS)
            .map(|entry| TimeZoneOption::new(entry, language, now))
            .collect()
    })
    .await
    .map_err(|e| CoreError::Task(e.to_string()).into())
}

/// The selector's entry for one zone id (with the time there now), or nothing if the id is
/// unknown.
#[tauri::command]
pub async fn time_zone_describe(
    state: State<'_, AppState>,
    id: Arg<String>,
    language: Arg<String>,
) -> Result<Option<TimeZoneOption>, UiError> {
    let language = Language::parse(&language)?;
    let now = state.now_ms();
    Ok(state
        .time_zones
        .entry(&id, now)
        .map(|entry| TimeZoneOption::new(&entry, language, now)))
}
