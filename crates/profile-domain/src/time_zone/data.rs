//! The data files embedded in the binary: Russian names and the aliases left out of the catalogue.

use std::collections::HashMap;

/// `id <TAB> Russian name [<TAB> other names, ";"-separated]`, one zone a line.
const NAMES_RU: &str = include_str!("names_ru.tsv");

/// `old id <TAB> catalogue id`, one alias a line.
const ALIASES: &str = include_str!("aliases.tsv");

/// The Russian name of a zone and the other names people may type for it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RussianRow {
    /// The Russian display name.
    pub name: &'static str,
    /// Other names (either language), ";"-separated; empty when there are none.
    pub also: &'static str,
}

/// The non-comment, non-empty lines of an embedded file, split at tabs.
fn rows(text: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    text.lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split('\t').collect())
}

/// Russian names by zone id.
pub(crate) fn russian_names() -> HashMap<&'static str, RussianRow> {
    rows(NAMES_RU)
        .filter_map(|cols| {
            let id = *cols.first()?;
            let name = cols.get(1).copied().unwrap_or_default().trim();
            let also = cols.get(2).copied().unwrap_or_default().trim();
            Some((id, RussianRow { name, also }))
        })
        .collect()
}

/// Every alias with its catalogue id.
pub(crate) fn aliases() -> impl Iterator<Item = (&'static str, &'static str)> {
    rows(ALIASES).filter_map(|cols| Some((*cols.first()?, *cols.get(1)?)))
}

/// The catalogue id an alias stands for, if `id` is one.
pub(crate) fn alias_target(id: &str) -> Option<&'static str> {
    aliases()
        .find(|(alias, _)| *alias == id)
        .map(|(_, target)| target)
}

/// The Russian name of a region (the first part of an id) or an area (its middle part).
pub(crate) fn place_ru(en: &str) -> Option<&'static str> {
    Some(match en {
        "Africa" => "Африка",
        "America" => "Америка",
        "Antarctica" => "Антарктида",
        "Arctic" => "Арктика",
        "Asia" => "Азия",
        "Atlantic" => "Атлантический океан",
        "Australia" => "Австралия",
        "Europe" => "Европа",
        "Indian" => "Индийский океан",
        "Pacific" => "Тихий океан",
        "Argentina" => "Аргентина",
        "Indiana" => "Индиана",
        "Kentucky" => "Кентукки",
        "North_Dakota" => "Северная Дакота",
        _ => return None,
    })
}

/// The English name of a region: "Indian" and the oceans read better in full.
pub(crate) fn region_en(part: &str) -> String {
    match part {
        "Atlantic" => "Atlantic Ocean".to_owned(),
        "Indian" => "Indian Ocean".to_owned(),
        "Pacific" => "Pacific Ocean".to_owned(),
        other => other.replace('_', " "),
    }
}

/// The English city name of the last part of an id, where underscores alone would read badly.
pub(crate) fn city_en(part: &str) -> String {
    match part {
        "DumontDUrville" => "Dumont d'Urville".to_owned(),
        "St_Johns" => "St. John's".to_owned(),
        other => other.replace('_', " "),
    }
}
