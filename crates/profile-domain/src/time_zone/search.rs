//! Finding zones by what a person types: a city or region in either language, an id, an offset.

use super::catalog::{Entry, TimeZoneCatalog, Zone};
use super::offset::{OffsetFit, OffsetQuery};
use crate::language::Language;

/// How well a zone matches; better matches are listed first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Rank {
    /// The whole name, the id, or the very offset.
    Exact,
    /// The start of a name or of one of its words.
    Prefix,
    /// Somewhere inside a name, or the hours of an offset with minutes.
    Inside,
    /// The region, the area or the id.
    Place,
}

/// Text as search compares it: lower case, `ё` as `е`, separators as single spaces.
///
/// Hyphens, underscores and slashes become spaces so that «Нью Йорк» finds «Нью-Йорк» and
/// «new york» finds `America/New_York`; apostrophes and dots vanish («Ndjamena», «St Johns»).
pub(crate) fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        match c {
            'ё' => push(&mut out, &mut pending_space, 'е'),
            '\'' | '\u{2019}' | '.' => {}
            c if c.is_whitespace()
                || matches!(c, '-' | '_' | '/' | ',' | '\u{2010}'..='\u{2015}') =>
            {
                pending_space = !out.is_empty();
            }
            c => push(&mut out, &mut pending_space, c),
        }
    }
    out
}

/// Appends `c`, preceded by one space if a separator came before it.
fn push(out: &mut String, pending_space: &mut bool, c: char) {
    if std::mem::take(pending_space) {
        out.push(' ');
    }
    out.push(c);
}

/// How a zone's names and places match normalized text `q`.
fn text_rank(zone: &Zone, q: &str) -> Option<Rank> {
    let word_prefix = |name: &str| name.starts_with(q) || name.contains(&format!(" {q}"));
    if zone.names.iter().any(|n| n == q) || zone.places.first().is_some_and(|id| id == q) {
        Some(Rank::Exact)
    } else if zone.names.iter().any(|n| word_prefix(n)) {
        Some(Rank::Prefix)
    } else if zone.names.iter().any(|n| n.contains(q)) {
        Some(Rank::Inside)
    } else if zone.places.iter().any(|p| p.contains(q)) {
        Some(Rank::Place)
    } else {
        None
    }
}

impl TimeZoneCatalog {
    /// Zones matching `query` at the instant `now_ms`, best matches first, then by offset and city.
    ///
    /// The query may be a city or region in English or Russian (whatever `language` is), an
    /// IANA id, or an offset such as `+03`, `UTC+3`, `-05:00` or `+0530`. An empty query
    /// lists every zone.
    pub fn search(&self, query: &str, language: Language, now_ms: i64) -> Vec<Entry<'_>> {
        let offset = OffsetQuery::parse(query);
        let text = normalize(query);
        let mut found: Vec<(Rank, &Zone, Entry<'_>)> = self
            .zones()
            .iter()
            .filter_map(|zone| {
                let entry = zone.at(now_ms);
                let rank = match offset {
                    Some(o) => match o.fit(entry.offset_seconds())? {
                        OffsetFit::Exact => Rank::Exact,
                        OffsetFit::SameHour => Rank::Inside,
                    },
                    None if text.is_empty() => Rank::Exact,
                    None => text_rank(zone, &text)?,
                };
                Some((rank, zone, entry))
            })
            .collect();
        found.sort_by(|(ra, za, ea), (rb, zb, eb)| {
            ra.cmp(rb)
                .then(ea.offset_seconds().cmp(&eb.offset_seconds()))
                .then_with(|| za.sort_key(language).cmp(zb.sort_key(language)))
                .then_with(|| ea.id().cmp(eb.id()))
        });
        found.into_iter().map(|(_, _, entry)| entry).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_folds_case_yo_and_separators() {
        assert_eq!(normalize("  Нью-Йорк "), "нью йорк");
        assert_eq!(normalize("America/New_York"), "america new york");
        assert_eq!(normalize("КИШИНЁВ"), "кишинев");
        assert_eq!(normalize("N'Djamena"), "ndjamena");
        assert_eq!(normalize("St. John's"), "st johns");
        assert_eq!(normalize(""), "");
        assert_eq!(normalize(" - _ "), "");
    }
}
