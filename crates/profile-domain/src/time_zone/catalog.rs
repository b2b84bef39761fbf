//! The catalogue of zones a user can choose, with their names in both languages.

use super::data::{self, RussianRow};
use super::offset::{offset_label, offset_seconds};
use super::search::normalize;
use super::ZoneId;
use crate::language::Language;
use chrono_tz::{Tz, TZ_VARIANTS};
use std::sync::{Arc, OnceLock};

/// Whether `id` is offered to users: a city zone under its current name, or `UTC`.
///
/// Left out: fixed offsets under `Etc/` (their signs are inverted, which misleads), and
/// the old, renamed and non-city names listed in `aliases.tsv`.
pub(crate) fn is_catalogue_id(id: &str) -> bool {
    if id == "UTC" {
        return true;
    }
    id.contains('/')
        && !id.starts_with("Etc/")
        && data::alias_target(id).is_none()
        && id.parse::<Tz>().is_ok()
}

/// A region or an area in both languages.
#[derive(Debug, Clone)]
struct Place {
    en: String,
    ru: &'static str,
}

impl Place {
    /// The place named by one part of an id; an untranslated part keeps its English name.
    fn new(part: &str, en: String) -> Self {
        Self {
            ru: data::place_ru(part).unwrap_or(""),
            en,
        }
    }

    fn name(&self, language: Language) -> &str {
        match language {
            Language::Ru if !self.ru.is_empty() => self.ru,
            _ => &self.en,
        }
    }
}

/// One zone with everything search and display need, prepared once.
#[derive(Debug, Clone)]
pub(crate) struct Zone {
    tz: Tz,
    city_en: String,
    city_ru: String,
    region: Option<Place>,
    area: Option<Place>,
    /// Normalized city names and other names, in both languages.
    pub(crate) names: Vec<String>,
    /// Normalized region and area names in both languages, and the id.
    pub(crate) places: Vec<String>,
    /// Normalized cities for sorting, in `Language::ALL` order.
    sort_keys: [String; 2],
}

impl Zone {
    fn new(tz: Tz, russian: Option<&RussianRow>) -> Self {
        let id = tz.name();
        let parts: Vec<&str> = id.split('/').collect();
        let city_part = parts.last().copied().unwrap_or(id);
        let city_en = data::city_en(city_part);
        let city_ru = russian
            .map(|r| r.name)
            .filter(|n| !n.is_empty())
            .unwrap_or(&city_en)
            .to_owned();
        let region = (parts.len() > 1).then(|| Place::new(parts[0], data::region_en(parts[0])));
        let area = (parts.len() > 2).then(|| Place::new(parts[1], parts[1].replace('_', " ")));

        let mut names = vec![normalize(&city_en), normalize(&city_ru)];
        if let Some(row) = russian {
            names.extend(row.also.split(';').map(normalize).filter(|n| !n.is_empty()));
        }
        let mut places = vec![normalize(id)];
        for place in region.iter().chain(area.iter()) {
            places.push(normalize(&place.en));
            places.push(normalize(place.ru));
        }
        places.retain(|p| !p.is_empty());
        let sort_keys = [normalize(&city_en), normalize(&city_ru)];
        Self {
            tz,
            city_en,
            city_ru,
            region,
            area,
            names,
            places,
            sort_keys,
        }
    }

    /// The city's sort key in `language`.
    pub(crate) fn sort_key(&self, language: Language) -> &str {
        match language {
            Language::En => &self.sort_keys[0],
            Language::Ru => &self.sort_keys[1],
        }
    }

    /// This zone as seen at the instant `now_ms`.
    pub(crate) fn at(&self, now_ms: i64) -> Entry<'_> {
        Entry {
            zone: self,
            offset_seconds: offset_seconds(self.tz, now_ms),
        }
    }
}

/// A zone of the catalogue with its UTC offset at a given instant.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    zone: &'a Zone,
    offset_seconds: i32,
}

impl<'a> Entry<'a> {
    /// The IANA id, e.g. `Europe/Moscow`; this is what is stored.
    pub fn id(&self) -> &'static str {
        self.zone.tz.name()
    }

    /// The zone, for formatting times in it.
    pub fn zone(&self) -> ZoneId {
        ZoneId(self.zone.tz)
    }

    /// The city, e.g. `Moscow` / `Москва`, or `UTC`.
    pub fn city(&self, language: Language) -> &'a str {
        match language {
            Language::En => &self.zone.city_en,
            Language::Ru => &self.zone.city_ru,
        }
    }

    /// The region, e.g. `Europe` / `Европа`; `None` for `UTC`.
    pub fn region(&self, language: Language) -> Option<&'a str> {
        self.zone.region.as_ref().map(|p| p.name(language))
    }

    /// The area between region and city, e.g. `Indiana` / `Индиана`, where the id has one.
    pub fn area(&self, language: Language) -> Option<&'a str> {
        self.zone.area.as_ref().map(|p| p.name(language))
    }

    /// Seconds east of UTC at the instant the entry was made for.
    pub fn offset_seconds(&self) -> i32 {
        self.offset_seconds
    }

    /// The offset as shown, e.g. `UTC+03:00`.
    pub fn offset_label(&self) -> String {
        offset_label(self.offset_seconds)
    }

    /// The whole line as listed, e.g. `(UTC+03:00) Moscow — Europe`.
    pub fn label(&self, language: Language) -> String {
        let mut label = format!("({}) {}", self.offset_label(), self.city(language));
        if let Some(area) = self.area(language) {
            label.push_str(", ");
            label.push_str(area);
        }
        if let Some(region) = self.region(language) {
            label.push_str(" — ");
            label.push_str(region);
        }
        label
    }
}

/// Every zone a user can choose; built once, then queried for any instant.
///
/// Clones share one build.
#[derive(Debug, Clone)]
pub struct TimeZoneCatalog {
    /// Sorted by id, for lookups by binary search; filled by the first to need it.
    zones: Arc<OnceLock<Vec<Zone>>>,
}

impl TimeZoneCatalog {
    /// Builds the catalogue from the IANA database and the embedded Russian names.
    pub fn new() -> Self {
        let catalog = Self::unbuilt();
        catalog.zones();
        catalog
    }

    /// A catalogue that builds itself on a thread of its own (a few milliseconds of string
    /// work), so that an app making it while it starts does not wait; a query made before
    /// the build is done waits for it.
    pub fn build_in_background() -> Self {
        let catalog = Self::unbuilt();
        let zones = Arc::clone(&catalog.zones);
        // Should the thread not start, the first query builds it.
        let _ = std::thread::Builder::new()
            .name("time-zone-catalog".into())
            .spawn(move || {
                zones.get_or_init(build);
            });
        catalog
    }

    fn unbuilt() -> Self {
        Self {
            zones: Arc::default(),
        }
    }

    /// How many zones it offers.
    pub fn len(&self) -> usize {
        self.zones().len()
    }

    /// Whether it offers none (never, in practice).
    pub fn is_empty(&self) -> bool {
        self.zones().is_empty()
    }

    /// The ids it offers, sorted.
    pub fn ids(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.zones().iter().map(|z| z.tz.name())
    }

    /// The entry for a catalogue id at `now_ms`, e.g. to show the chosen zone.
    pub fn entry(&self, id: &str, now_ms: i64) -> Option<Entry<'_>> {
        let zones = self.zones();
        zones
            .binary_search_by(|z| z.tz.name().cmp(id))
            .ok()
            .map(|i| zones[i].at(now_ms))
    }

    /// Every zone, sorted by id, for search.
    pub(crate) fn zones(&self) -> &[Zone] {
        self.zones.get_or_init(build)
    }
}

/// Every catalogue zone with its names, sorted by id.
fn build() -> Vec<Zone> {
    let russian = data::russian_names();
    let mut zones: Vec<Zone> = TZ_VARIANTS
        .iter()
        .filter(|tz| is_catalogue_id(tz.name()))
        .map(|&tz| Zone::new(tz, russian.get(tz.name())))
        .collect();
    zones.sort_by(|a, b| a.tz.name().cmp(b.tz.name()));
    zones
}

impl Default for TimeZoneCatalog {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_catalogue_built_in_the_background_is_the_same() {
        let eager = TimeZoneCatalog::new();
        let background = TimeZoneCatalog::build_in_background();
        assert!(background.ids().eq(eager.ids()));
        assert_eq!(
            background
                .entry("Europe/Moscow", 0)
                .map(|e| e.label(Language::Ru)),
            eager
                .entry("Europe/Moscow", 0)
                .map(|e| e.label(Language::Ru))
        );
    }

    #[test]
    fn every_zone_has_a_russian_name_and_every_name_a_zone() {
        let russian = data::russian_names();
        let catalog = TimeZoneCatalog::new();
        for id in catalog.ids() {
            let row = russian.get(id);
            assert!(
                row.is_some_and(|r| !r.name.is_empty()),
                "no Russian name for {id}"
            );
        }
        for id in russian.keys() {
            assert!(
                catalog.entry(id, 0).is_some(),
                "{id} in names_ru.tsv is not in the catalogue"
            );
        }
        assert_eq!(russian.len(), catalog.len());
    }

    #[test]
    fn every_region_and_area_is_translated() {
        let catalog = TimeZoneCatalog::new();
        for id in catalog.ids() {
            let parts: Vec<&str> = id.split('/').collect();
            for part in &parts[..parts.len() - 1] {
                assert!(
                    data::place_ru(part).is_some(),
                    "{part} of {id} has no Russian name"
                );
            }
        }
    }

    #[test]
    fn russian_names_are_written_in_cyrillic() {
        let catalog = TimeZoneCatalog::new();
        for id in catalog.ids().filter(|id| *id != "UTC") {
            let city = catalog.entry(id, 0).unwrap().city(Language::Ru);
            assert!(
                city.chars()
                    .any(|c| matches!(c, 'а'..='я' | 'А'..='Я' | 'ё' | 'Ё')),
                "{id}: {city} is not Russian"
            );
        }
    }

    #[test]
    fn the_catalogue_keeps_cities_and_utc_and_leaves_out_legacy_names() {
        let catalog = TimeZoneCatalog::new();
        for id in [
            "UTC",
            "Europe/Moscow",
            "Europe/Kyiv",
            "Asia/Kolkata",
            "America/Argentina/Buenos_Aires",
            "Europe/Amsterdam",
        ] {
            assert!(catalog.entry(id, 0).is_some(), "{id} is missing");
        }
        for id in [
            "US/Eastern",
            "Etc/GMT+3",
            "Etc/UTC",
            "GMT",
            "W-SU",
            "Europe/Kiev",
            "Asia/Calcutta",
            "EST5EDT",
        ] {
            assert!(catalog.entry(id, 0).is_none(), "{id} should be left out");
        }
        assert!(catalog.len() > 400, "only {} zones", catalog.len());
    }

    #[test]
    fn every_alias_points_into_the_catalogue_and_is_left_out_of_it() {
        let catalog = TimeZoneCatalog::new();
        for (alias, target) in data::aliases() {
            assert!(
                catalog.entry(target, 0).is_some(),
                "{alias} -> {target}: target missing"
            );
            assert!(
                catalog.entry(alias, 0).is_none(),
                "{alias} is both alias and zone"
            );
        }
    }

    #[test]
    fn every_iana_name_is_offered_or_mapped_or_a_fixed_offset() {
        let catalog = TimeZoneCatalog::new();
        for tz in TZ_VARIANTS {
            let id = tz.name();
            let known = catalog.entry(id, 0).is_some()
                || data::alias_target(id).is_some()
                || id.starts_with("Etc/GMT");
            assert!(known, "{id} is neither offered nor mapped");
        }
    }

    #[test]
    fn names_come_from_the_id_in_english() {
        let catalog = TimeZoneCatalog::new();
        let ba = catalog.entry("America/Argentina/Buenos_Aires", 0).unwrap();
        assert_eq!(ba.city(Language::En), "Buenos Aires");
        assert_eq!(ba.city(Language::Ru), "Буэнос-Айрес");
        assert_eq!(ba.area(Language::Ru), Some("Аргентина"));
        assert_eq!(ba.region(Language::En), Some("America"));
        let moscow = catalog.entry("Europe/Moscow", 0).unwrap();
        assert_eq!(moscow.region(Language::Ru), Some("Европа"));
        assert_eq!(moscow.area(Language::En), None);
    }
}
