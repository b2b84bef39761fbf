//! The time-zone catalogue as the Profile tab uses it: search, labels, validation, formatting.

use profile_core::time_zone::{
    format_datetime, now_in_zone, offset_label, parse_zone, time_of_day, TimeZoneCatalog,
};
use profile_core::{ErrorCode, Language};

/// 2026-01-15 12:00 UTC: northern winter.
const WINTER: i64 = 1_768_478_400_000;
/// 2026-07-15 12:00 UTC: northern summer.
const SUMMER: i64 = 1_784_116_800_000;
/// 2026-11-29 06:51 UTC, which is 09:51 in Moscow.
const NOV_29_0651_UTC: i64 = 1_795_935_060_000;

/// The ids found for `query`, in order.
fn ids(
    catalog: &TimeZoneCatalog,
    query: &str,
    language: Language,
    now_ms: i64,
) -> Vec<&'static str> {
    catalog
        .search(query, language, now_ms)
        .iter()
        .map(|e| e.id())
        .collect()
}

#[test]
fn moscow_is_found_by_name_in_both_languages_and_by_offset() {
    let catalog = TimeZoneCatalog::new();
    for language in Language::ALL {
        for query in [
            "Moscow",
            "moscow",
            "москва",
            "Москва",
            "МОСКВА",
            "+03",
            "+3",
            "UTC+3",
            "+03:00",
            "GMT+03",
            "Europe/Moscow",
        ] {
            let found = ids(&catalog, query, language, WINTER);
            assert!(
                found.contains(&"Europe/Moscow"),
                "{query:?} ({language:?}) found {found:?}"
            );
        }
    }
}

#[test]
fn a_city_name_ranks_its_zone_first() {
    let catalog = TimeZoneCatalog::new();
    for (query, id) in [
        ("Moscow", "Europe/Moscow"),
        ("Москва", "Europe/Moscow"),
        ("Lond", "Europe/London"),
        ("Нью-Йорк", "America/New_York"),
    ] {
        let found = ids(&catalog, query, Language::En, WINTER);
        assert_eq!(found.first(), Some(&id), "{query:?} found {found:?}");
    }
}

#[test]
fn offset_search_lists_only_zones_at_that_offset_now() {
    let catalog = TimeZoneCatalog::new();
    let found = catalog.search("+03:00", Language::En, WINTER);
    assert!(found.len() > 5);
    assert!(found.iter().all(|e| e.offset_seconds() == 3 * 3600));
    assert!(!found.iter().any(|e| e.id() == "Europe/London"));
}

#[test]
fn kolkata_is_found_by_name_and_by_a_half_hour_offset() {
    let catalog = TimeZoneCatalog::new();
    for query in [
        "Kolkata",
        "Калькутта",
        "калькутта",
        "Calcutta",
        "+05:30",
        "+0530",
        "UTC+5:30",
    ] {
        let found = ids(&catalog, query, Language::Ru, WINTER);
        assert!(found.contains(&"Asia/Kolkata"), "{query:?} found {found:?}");
    }
    let half_hour = ids(&catalog, "+05:30", Language::En, WINTER);
    assert!(
        !half_hour.contains(&"Asia/Tashkent"),
        "+05:30 must not list +05:00 zones"
    );
}

#[test]
fn new_york_is_five_hours_behind_in_winter_and_four_in_summer() {
    let catalog = TimeZoneCatalog::new();
    for query in ["New York", "new york", "Нью-Йорк", "нью йорк"] {
        let winter = catalog.search(query, Language::En, WINTER);
        let ny = winter.iter().find(|e| e.id() == "America/New_York");
        assert_eq!(
            ny.map(|e| e.offset_label()),
            Some("UTC-05:00".to_owned()),
            "{query:?}"
        );
        let summer = catalog.search(query, Language::En, SUMMER);
        let ny = summer.iter().find(|e| e.id() == "America/New_York");
        assert_eq!(
            ny.map(|e| e.offset_label()),
            Some("UTC-04:00".to_owned()),
            "{query:?}"
        );
    }
    assert!(ids(&catalog, "-05", Language::En, WINTER).contains(&"America/New_York"));
    assert!(!ids(&catalog, "-05", Language::En, SUMMER).contains(&"America/New_York"));
}

#[test]
fn yo_and_ye_are_the_same_letter() {
    let catalog = TimeZoneCatalog::new();
    for query in ["Кишинёв", "Кишинев", "КИШИНЕВ"] {
        assert!(
            ids(&catalog, query, Language::Ru, WINTER).contains(&"Europe/Chisinau"),
            "{query}"
        );
    }
    for query in ["Сёва", "Сева"] {
        assert!(
            ids(&catalog, query, Language::Ru, WINTER).contains(&"Antarctica/Syowa"),
            "{query}"
        );
    }
    // And the other way round: a typed ё finds a name written with е.
    assert!(ids(&catalog, "Екатеринбург", Language::Ru, WINTER).contains(&"Asia/Yekaterinburg"));
    assert!(ids(&catalog, "Ёкатеринбург", Language::Ru, WINTER).contains(&"Asia/Yekaterinburg"));
}

#[test]
fn regions_match_in_either_language() {
    let catalog = TimeZoneCatalog::new();
    for query in ["Europe", "Европа"] {
        let found = catalog.search(query, Language::En, WINTER);
        assert!(found.iter().any(|e| e.id() == "Europe/Moscow"));
        assert!(
            found.iter().all(|e| e.id().starts_with("Europe/")),
            "{query}"
        );
    }
    assert!(ids(&catalog, "Аргентина", Language::Ru, WINTER)
        .contains(&"America/Argentina/Buenos_Aires"));
}

#[test]
fn an_empty_query_lists_everything_by_offset_then_city() {
    let catalog = TimeZoneCatalog::new();
    for language in Language::ALL {
        let all = catalog.search("  ", language, WINTER);
        assert_eq!(all.len(), catalog.len());
        for pair in all.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            assert!(
                a.offset_seconds() <= b.offset_seconds(),
                "{} before {}",
                a.id(),
                b.id()
            );
            if a.offset_seconds() == b.offset_seconds() {
                let key = |s: &str| s.to_lowercase().replace('ё', "е");
                assert!(
                    key(a.city(language)) <= key(b.city(language)),
                    "{} before {}",
                    a.city(language),
                    b.city(language)
                );
            }
        }
    }
}

#[test]
fn nonsense_finds_nothing_and_never_panics() {
    let catalog = TimeZoneCatalog::new();
    for query in ["zzzz", "+99", "UTC+", "++3", "\u{0}", "🙂", "+а1"] {
        let found = catalog.search(query, Language::En, WINTER);
        assert!(found.len() < catalog.len(), "{query:?} found everything");
    }
    // Separators alone are an empty query, as while someone starts typing "-05".
    assert_eq!(
        catalog.search("-", Language::En, WINTER).len(),
        catalog.len()
    );
    assert!(catalog.search("zzzz", Language::En, WINTER).is_empty());
    let _ = catalog.search("Moscow", Language::En, i64::MAX);
    let _ = catalog.search("Moscow", Language::En, i64::MIN);
}

#[test]
fn labels_read_as_offset_city_region() {
    let catalog = TimeZoneCatalog::new();
    let moscow = catalog.entry("Europe/Moscow", WINTER).unwrap();
    assert_eq!(moscow.label(Language::En), "(UTC+03:00) Moscow — Europe");
    assert_eq!(moscow.label(Language::Ru), "(UTC+03:00) Москва — Европа");
    assert_eq!(moscow.city(Language::Ru), "Москва");
    assert_eq!(moscow.offset_label(), "UTC+03:00");
    let utc = catalog.entry("UTC", WINTER).unwrap();
    assert_eq!(utc.label(Language::Ru), "(UTC+00:00) UTC");
    let marengo = catalog.entry("America/Indiana/Marengo", WINTER).unwrap();
    assert_eq!(
        marengo.label(Language::En),
        "(UTC-05:00) Marengo, Indiana — America"
    );
    assert_eq!(
        marengo.label(Language::Ru),
        "(UTC-05:00) Маренго, Индиана — Америка"
    );
}

#[test]
fn every_offset_label_is_well_formed() {
    let catalog = TimeZoneCatalog::new();
    for now in [WINTER, SUMMER] {
        for entry in catalog.search("", Language::En, now) {
            let label = entry.offset_label();
            let b = label.as_bytes();
            let ok = label.len() == 9
                && label.starts_with("UTC")
                && (b[3] == b'+' || b[3] == b'-')
                && b[4..6].iter().all(u8::is_ascii_digit)
                && b[6] == b':'
                && b[7..9].iter().all(u8::is_ascii_digit)
                && (b[7] == b'0' || b[7] == b'3' || b[7] == b'4');
            assert!(ok, "{}: {label}", entry.id());
            assert!(entry.offset_seconds().abs() <= 14 * 3600, "{}", entry.id());
            assert_eq!(offset_label(entry.offset_seconds()), label);
            assert!(entry
                .label(Language::En)
                .starts_with(&format!("({label}) ")));
        }
    }
}

#[test]
fn unknown_zone_ids_are_refused_with_the_code() {
    for id in ["Mars/Olympus", "", "Moscow", "Etc/GMT+3"] {
        let err = parse_zone(id).unwrap_err();
        assert_eq!(err.code, ErrorCode::ProfileTimeZoneInvalid);
        assert_eq!(err.field, Some("time_zone"));
        assert_eq!(
            now_in_zone(id, WINTER).unwrap_err().code,
            ErrorCode::ProfileTimeZoneInvalid
        );
    }
    let json = serde_json::to_value(ErrorCode::ProfileTimeZoneInvalid).unwrap();
    assert_eq!(json, "profile.time_zone_invalid");
    assert!(ErrorCode::all().any(|c| c == ErrorCode::ProfileTimeZoneInvalid));
}

#[test]
fn the_time_beside_the_zone_is_local_to_it() {
    assert_eq!(
        now_in_zone("Europe/Moscow", NOV_29_0651_UTC).unwrap(),
        "09:51"
    );
    assert_eq!(now_in_zone("UTC", NOV_29_0651_UTC).unwrap(), "06:51");
    assert_eq!(
        now_in_zone("Asia/Kolkata", NOV_29_0651_UTC).unwrap(),
        "12:21"
    );
    assert_eq!(
        now_in_zone("America/New_York", NOV_29_0651_UTC).unwrap(),
        "01:51"
    );
    let kyiv = parse_zone("Europe/Kiev").unwrap();
    assert_eq!(time_of_day(NOV_29_0651_UTC, kyiv), "08:51");
}

#[test]
fn dates_are_formatted_per_language_in_the_zone() {
    let moscow = parse_zone("Europe/Moscow").unwrap();
    assert_eq!(
        format_datetime(NOV_29_0651_UTC, moscow, Language::Ru),
        "29.11.2026, 09:51"
    );
    assert_eq!(
        format_datetime(NOV_29_0651_UTC, moscow, Language::En),
        "Nov 29, 2026, 9:51 AM"
    );
    let new_york = parse_zone("America/New_York").unwrap();
    // Across midnight: the date is the zone's, not UTC's.
    assert_eq!(
        format_datetime(NOV_29_0651_UTC, new_york, Language::Ru),
        "29.11.2026, 01:51"
    );
    let evening = NOV_29_0651_UTC + (11 * 60 + 14) * 60_000; // 18:05 UTC
    assert_eq!(
        format_datetime(evening, moscow, Language::En),
        "Nov 29, 2026, 9:05 PM"
    );
    assert_eq!(
        format_datetime(evening, moscow, Language::Ru),
        "29.11.2026, 21:05"
    );
    let tokyo = parse_zone("Asia/Tokyo").unwrap();
    assert_eq!(
        format_datetime(evening, tokyo, Language::En),
        "Nov 30, 2026, 3:05 AM"
    );
    // Out-of-range instants are clamped, not a panic.
    let _ = format_datetime(i64::MAX, moscow, Language::En);
}
