//! Notification channels and contacts: the built-in catalog, every channel's rule accepting
//! and refusing, a newer server's catalog, and the contact mutations' pure `apply` under
//! interleavings of two devices.

mod support;

use profile_domain::channel::{Catalog, ContactKind, MAX_CONTACTS_PER_CHANNEL};
use profile_domain::fields;
use profile_domain::mutation::{ApplyCtx, ContactRemove, ContactUpsert, Mutation};
use profile_domain::state::UserState;
use profile_domain::{ErrorCode, Language};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use support::id;

const T0: i64 = 1_790_000_000_000;

fn profile() -> UserState {
    support::with_profile(T0)
}

fn upsert(n: u128, channel: &str, value: &str, preferred: bool, create: bool) -> Mutation {
    Mutation::ContactUpsert(ContactUpsert {
        contact_id: id(n),
        channel: channel.into(),
        value: value.into(),
        enabled: true,
        preferred,
        create,
    })
}

fn remove(n: u128) -> Mutation {
    Mutation::ContactRemove(ContactRemove { contact_id: id(n) })
}

fn apply_in(
    state: &mut UserState,
    m: Mutation,
    now: i64,
    catalog: &Catalog,
) -> Result<(), ErrorCode> {
    let ctx = ApplyCtx::device(None, now).with_catalog(catalog);
    m.validated()
        .and_then(|m| m.apply(state, &ctx))
        .map(|_| ())
        .map_err(|e| e.code)
}

fn apply(state: &mut UserState, m: Mutation, now: i64) -> Result<(), ErrorCode> {
    apply_in(state, m, now, Catalog::built_in())
}

fn kind_of(channel: &str) -> &'static ContactKind {
    &Catalog::built_in().channel(channel).unwrap().kind
}

fn preferred_on(state: &UserState, channel: &str) -> Vec<String> {
    state
        .contacts
        .values()
        .filter(|c| c.channel == channel && c.preferred)
        .map(|c| c.value.clone())
        .collect()
}

#[test]
fn the_built_in_catalog_has_the_standard_channels_with_instructions_in_both_languages() {
    let catalog = Catalog::built_in();
    let ids: Vec<_> = catalog.channels.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        ["email", "sms", "telegram", "slack", "mattermost", "teams"]
    );
    assert!(catalog.version > 0);
    for channel in &catalog.channels {
        let checked = channel.clone().checked().unwrap();
        assert!(checked.kind.is_known(), "{}", channel.id);
        assert!(!channel.name.ru.is_empty(), "{}", channel.id);
        let steps = channel.instructions.as_ref().expect("instructions");
        assert!(
            !steps.en.is_empty() && steps.en.len() == steps.ru.len(),
            "{}",
            channel.id
        );
        assert!(
            steps
                .ru
                .iter()
                .all(|s| s.chars().any(|c| ('а'..='я').contains(&c))),
            "{}: Russian steps are Russian",
            channel.id
        );
        assert!(!channel.test_sender, "no sender is built in");
    }
    assert!(catalog.channel("email").unwrap().multiple);
    assert!(!catalog.channel("telegram").unwrap().multiple);
    let slack = catalog.channel("slack").unwrap();
    assert!(slack
        .instructions
        .as_ref()
        .unwrap()
        .en
        .join(" ")
        .contains("Copy member ID"));
}

fn accepts(channel: &str, cases: &[(&str, &str)]) {
    let kind = kind_of(channel);
    for (raw, stored) in cases {
        assert_eq!(
            kind.normalize(raw).as_deref(),
            Ok(*stored),
            "{channel}: {raw:?}"
        );
    }
}

fn refuses(channel: &str, code: ErrorCode, cases: &[&str]) {
    let kind = kind_of(channel);
    for raw in cases {
        let err = kind.normalize(raw).unwrap_err();
        assert_eq!(err.code, code, "{channel}: {raw:?}");
        assert_eq!(err.field, Some("value"), "{channel}: {raw:?}");
    }
}

#[test]
fn e_mail_contacts() {
    accepts(
        "email",
        &[
            ("anna@example.com", "anna@example.com"),
            ("  anna@example.com ", "anna@example.com"),
            ("a.b+tag@mail.co.uk", "a.b+tag@mail.co.uk"),
            ("анна@пример.рф", "анна@пример.рф"),
            ("ANNA@Example.COM", "ANNA@Example.COM"),
        ],
    );
    refuses(
        "email",
        ErrorCode::ContactEmailInvalid,
        &[
            "anna",
            "anna@",
            "@example.com",
            "anna@example",
            "an na@example.com",
            "an\u{200B}na@example.com",
        ],
    );
    refuses("email", ErrorCode::ContactValueRequired, &["", "   "]);
}

#[test]
fn sms_contacts_use_the_profile_s_phone_rules() {
    accepts(
        "sms",
        &[
            ("+7 912 345-67-89", "+79123456789"),
            ("+1 (650) 253-0000", "+16502530000"),
            ("0044 20 7946 0958", "+442079460958"),
            ("+49 30 901820", "+4930901820"),
            ("+79123456789", "+79123456789"),
        ],
    );
    refuses(
        "sms",
        ErrorCode::ContactPhoneNeedsCountryCode,
        &["8 912 345 67 89", "(650) 253-0000", "9123456789"],
    );
    refuses(
        "sms",
        ErrorCode::ContactPhoneInvalid,
        &[
            "+7 123",
            "+999 1234567",
            "+7 912 345 67 89 12 34 56 78 90 12 34",
        ],
    );
}

#[test]
fn telegram_contacts_are_a_chat_id_or_a_username() {
    accepts(
        "telegram",
        &[
            ("123456789", "123456789"),
            ("-1001234567890", "-1001234567890"),
            ("@anna_petrova", "@anna_petrova"),
            ("anna_petrova", "@anna_petrova"),
            ("  @AnnaP2 ", "@AnnaP2"),
        ],
    );
    refuses(
        "telegram",
        ErrorCode::ContactTelegramInvalid,
        &[
            "@ann",
            "@1anna",
            "@anna_",
            "@anna-petrova",
            "0",
            "12a45",
            "@",
            "@анна_петрова",
            &format!("@{}", "a".repeat(33)),
            "99999999999999999999",
        ],
    );
}

#[test]
fn slack_contacts_are_member_ids() {
    accepts(
        "slack",
        &[
            ("U0123ABCD", "U0123ABCD"),
            ("u0123abcd", "U0123ABCD"),
            ("W0123ABCD9", "W0123ABCD9"),
            (" U01ABCDEFGH ", "U01ABCDEFGH"),
            ("U0123456789ABCDEF", "U0123456789ABCDEF"),
        ],
    );
    refuses(
        "slack",
        ErrorCode::ContactSlackInvalid,
        &[
            "U0123",
            "C0123ABCD",
            "@anna",
            "U0123-ABCD",
            "anna@example.com",
            "U0123ABCDÉ",
        ],
    );
}

#[test]
fn mattermost_contacts_are_usernames() {
    accepts(
        "mattermost",
        &[
            ("@anna.petrova", "@anna.petrova"),
            ("anna.petrova", "@anna.petrova"),
            ("@Anna_P", "@anna_p"),
            ("ann", "@ann"),
            ("a-b-c", "@a-b-c"),
        ],
    );
    refuses(
        "mattermost",
        ErrorCode::ContactMattermostInvalid,
        &[
            "@an",
            "@1anna",
            "@anna petrova",
            "@анна",
            &"a".repeat(23),
            "@anna!",
        ],
    );
}

#[test]
fn teams_contacts_are_sign_in_addresses() {
    accepts(
        "teams",
        &[
            ("anna@company.com", "anna@company.com"),
            (
                "anna.petrova@company.onmicrosoft.com",
                "anna.petrova@company.onmicrosoft.com",
            ),
            (" a@b.co ", "a@b.co"),
            ("first_last@sub.company.ru", "first_last@sub.company.ru"),
            ("anna+teams@company.com", "anna+teams@company.com"),
        ],
    );
    refuses(
        "teams",
        ErrorCode::ContactUpnInvalid,
        &[
            "anna",
            "anna@company",
            "@company.com",
            "COMPANY\\anna",
            "anna @company.com",
        ],
    );
}

#[test]
fn the_profile_and_the_contacts_share_one_e_mail_and_phone_rule() {
    for raw in [
        "anna@example.com",
        "anna",
        "anna@example",
        "an\u{202E}na@example.com",
        " a@b.co ",
    ] {
        let profile = fields::email(raw).map_err(|e| e.field);
        let contact = kind_of("email").normalize(raw).map_err(|e| e.field);
        assert_eq!(profile.is_ok(), contact.is_ok(), "{raw:?}");
        assert_eq!(profile.ok().flatten(), contact.ok(), "{raw:?}");
    }
    for raw in ["+7 912 345-67-89", "8 912 345 67 89", "+7 123"] {
        let profile = fields::phone(raw);
        let contact = kind_of("sms").normalize(raw);
        assert_eq!(
            profile.as_ref().ok().cloned().flatten(),
            contact.as_ref().ok().cloned(),
            "{raw:?}"
        );
        assert_eq!(profile.is_err(), contact.is_err(), "{raw:?}");
        if let (Err(p), Err(c)) = (profile, contact) {
            assert_eq!((p.field, c.field), (Some("phone"), Some("value")));
            assert_ne!(p.code, c.code, "each names its own code");
        }
    }
}

fn server_catalog() -> Catalog {
    serde_json::from_value(json!({
        "version": 7,
        "channels": [
            {"id": "email", "name": {"en": "E-mail", "ru": "Почта"}, "kind": "email", "multiple": true,
             "test_sender": true},
            {"id": "hooks", "name": {"en": "Webhook"}, "kind": "url"},
            {"id": "pager", "name": {"en": "Pager", "ru": "Пейджер"}, "kind": "pager_number",
             "instructions": {"en": ["Dial 1."], "ru": ["Наберите 1."]}}
        ]
    }))
    .unwrap()
}

#[test]
fn a_server_catalog_with_a_kind_this_build_does_not_know_loads_and_shows_read_only() {
    let catalog = server_catalog();
    assert_eq!(catalog.version, 7);
    let pager = catalog.channel("pager").unwrap();
    assert_eq!(pager.kind, ContactKind::Unknown("pager_number".into()));
    assert!(!pager.kind.is_known());
    assert_eq!(pager.name.get(Language::Ru), "Пейджер");
    assert_eq!(
        catalog.channel("hooks").unwrap().name.get(Language::Ru),
        "Webhook"
    );
    assert!(catalog.channel("email").unwrap().test_sender);
    // The unknown kind travels back as written.
    let back = serde_json::to_value(&catalog).unwrap();
    assert_eq!(back["channels"][2]["kind"], "pager_number");
    assert!(
        pager.clone().checked().is_err(),
        "an administrator cannot add it here"
    );

    let mut state = profile();
    assert_eq!(
        apply_in(
            &mut state,
            upsert(10, "pager", "555", false, true),
            T0,
            &catalog
        ),
        Err(ErrorCode::ContactKindUnsupported)
    );
    // A contact of that kind a newer peer wrote stays, and can be removed.
    let mut synced = state.clone();
    synced.contacts.insert(
        id(11),
        profile_domain::state::ContactRecord {
            id: id(11),
            channel: "pager".into(),
            value: "555-01".into(),
            enabled: true,
            preferred: true,
            created_at: T0,
            updated_at: T0,
        },
    );
    let edit = upsert(11, "pager", "555-02", false, false);
    assert_eq!(
        apply_in(&mut synced, edit, T0, &catalog),
        Err(ErrorCode::ContactKindUnsupported)
    );
    assert_eq!(synced.contacts[&id(11)].value, "555-01");
    assert_eq!(apply_in(&mut synced, remove(11), T0, &catalog), Ok(()));
    assert!(synced.contacts.is_empty());

    // A webhook channel takes https addresses only.
    let hook = |v: &str| {
        apply_in(
            &mut profile(),
            upsert(12, "hooks", v, false, true),
            T0,
            &catalog,
        )
    };
    assert_eq!(hook("https://hooks.example.com/T1/abc"), Ok(()));
    for bad in [
        "http://hooks.example.com/x",
        "https://user:pw@example.com/",
        "hooks.example.com",
        "https://exa mple.com/",
    ] {
        assert_eq!(hook(bad), Err(ErrorCode::ContactUrlInvalid), "{bad}");
    }
    // A channel the catalog no longer has.
    assert_eq!(
        apply_in(
            &mut profile(),
            upsert(13, "slack", "U0123ABCD", false, true),
            T0,
            &catalog
        ),
        Err(ErrorCode::ContactChannelUnknown)
    );
}

#[test]
fn an_administrator_s_channel_definition_is_checked() {
    let ok = |v: serde_json::Value| {
        serde_json::from_value::<profile_domain::channel::Channel>(v)
            .unwrap()
            .checked()
    };
    assert!(ok(json!({"id": "webhook", "name": {"en": "Webhook"}, "kind": "url"})).is_ok());
    for bad in [
        json!({"id": "Web hook", "name": {"en": "W"}, "kind": "url"}),
        json!({"id": "w", "name": {"en": "W"}, "kind": "url"}),
        json!({"id": "webhook", "name": {"en": ""}, "kind": "url"}),
        json!({"id": "webhook", "name": {"en": "W\u{202E}"}, "kind": "url"}),
        json!({"id": "webhook", "name": {"en": "W"}, "kind": "carrier_pigeon"}),
        json!({"id": "webhook", "name": {"en": "W"}, "kind": "url", "instructions": {"en": []}}),
        json!({"id": "webhook", "name": {"en": "W"}, "kind": "url", "instructions": {"en": ["a\nb"]}}),
    ] {
        let err = ok(bad.clone()).unwrap_err();
        assert_eq!(err.code, ErrorCode::ChannelInvalid, "{bad}");
    }
}

#[test]
fn contacts_are_added_normalised_and_the_first_of_a_channel_is_preferred() {
    let mut state = profile();
    apply(
        &mut state,
        upsert(10, "email", " anna@example.com ", false, true),
        T0,
    )
    .unwrap();
    apply(
        &mut state,
        upsert(11, "email", "anna@work.example", false, true),
        T0 + 1,
    )
    .unwrap();
    assert_eq!(state.contacts[&id(10)].value, "anna@example.com");
    assert_eq!(preferred_on(&state, "email"), ["anna@example.com"]);
    // No duplicate within a channel, whatever the case.
    assert_eq!(
        apply(
            &mut state,
            upsert(12, "email", "ANNA@example.com", false, true),
            T0
        ),
        Err(ErrorCode::ContactDuplicate)
    );
    // The same address on another channel is fine.
    apply(
        &mut state,
        upsert(13, "teams", "anna@example.com", false, true),
        T0,
    )
    .unwrap();
    // A single-contact channel holds one.
    apply(
        &mut state,
        upsert(14, "telegram", "@anna_petrova", false, true),
        T0,
    )
    .unwrap();
    assert_eq!(
        apply(
            &mut state,
            upsert(15, "telegram", "123456789", false, true),
            T0
        ),
        Err(ErrorCode::ContactTooMany)
    );
    // Editing keeps its creation time and may not move it to another channel.
    apply(
        &mut state,
        upsert(14, "telegram", "123456789", false, false),
        T0 + 5,
    )
    .unwrap();
    assert_eq!(state.contacts[&id(14)].value, "123456789");
    assert_eq!(state.contacts[&id(14)].created_at, T0);
    assert_eq!(
        apply(
            &mut state,
            upsert(14, "slack", "U0123ABCD", false, false),
            T0
        ),
        Err(ErrorCode::RequestInvalid)
    );
    // Creating with a taken id, or editing one that does not exist, is refused.
    assert_eq!(
        apply(&mut state, upsert(10, "email", "x@y.io", false, true), T0),
        Err(ErrorCode::RequestInvalid)
    );
    assert_eq!(
        apply(&mut state, upsert(99, "email", "x@y.io", false, false), T0),
        Err(ErrorCode::ContactNotFound)
    );
}

#[test]
fn a_channel_holds_at_most_its_limit() {
    let mut state = profile();
    for n in 0..MAX_CONTACTS_PER_CHANNEL {
        apply(
            &mut state,
            upsert(
                100 + n as u128,
                "email",
                &format!("a{n}@example.com"),
                false,
                true,
            ),
            T0,
        )
        .unwrap();
    }
    assert_eq!(
        apply(
            &mut state,
            upsert(999, "email", "z@example.com", false, true),
            T0
        ),
        Err(ErrorCode::ContactTooMany)
    );
}

#[test]
fn marking_one_preferred_unmarks_the_others_and_a_removed_preferred_is_succeeded() {
    let mut state = profile();
    apply(
        &mut state,
        upsert(10, "email", "a@example.com", false, true),
        T0,
    )
    .unwrap();
    apply(
        &mut state,
        upsert(11, "email", "b@example.com", false, true),
        T0 + 1,
    )
    .unwrap();
    apply(
        &mut state,
        upsert(12, "email", "c@example.com", false, true),
        T0 + 2,
    )
    .unwrap();
    apply(
        &mut state,
        upsert(12, "email", "c@example.com", true, false),
        T0 + 3,
    )
    .unwrap();
    assert_eq!(preferred_on(&state, "email"), ["c@example.com"]);
    // Disable b: when c goes, the oldest enabled one (a) takes over.
    let mut disable = upsert(10, "email", "a@example.com", false, false);
    if let Mutation::ContactUpsert(m) = &mut disable {
        m.enabled = false;
    }
    apply(&mut state, disable, T0 + 4).unwrap();
    assert!(!state.contacts[&id(10)].enabled);
    apply(&mut state, remove(12), T0 + 5).unwrap();
    assert_eq!(preferred_on(&state, "email"), ["b@example.com"]);
    // Removing twice is fine.
    apply(&mut state, remove(12), T0 + 6).unwrap();
}

#[test]
fn a_delete_wins_over_a_concurrent_edit_in_either_order() {
    let base = {
        let mut s = profile();
        apply(&mut s, upsert(10, "slack", "U0123ABCD", false, true), T0).unwrap();
        s
    };
    // Server order: remove, then the other device's edit.
    let mut s = base.clone();
    apply(&mut s, remove(10), T0 + 1).unwrap();
    assert_eq!(
        apply(
            &mut s,
            upsert(10, "slack", "U0999ZZZZ", false, false),
            T0 + 2
        ),
        Err(ErrorCode::ContactNotFound)
    );
    assert!(s.contacts.is_empty());
    // Edit first, then remove.
    let mut s = base;
    apply(
        &mut s,
        upsert(10, "slack", "U0999ZZZZ", false, false),
        T0 + 1,
    )
    .unwrap();
    apply(&mut s, remove(10), T0 + 2).unwrap();
    assert!(s.contacts.is_empty());
}

#[test]
fn any_interleaving_of_two_devices_keeps_one_preferred_per_channel_and_removed_stays_removed() {
    for seed in 0..300u64 {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut state = profile();
        for step in 0..40 {
            let n = rng.gen_range(10..16u128);
            let channel = ["email", "sms"][rng.gen_range(0..2)];
            let value = if channel == "email" {
                format!("u{}@example.com", rng.gen_range(0..8))
            } else {
                format!("+7912345670{}", rng.gen_range(0..8))
            };
            let m = match rng.gen_range(0..4) {
                0 => remove(n),
                1 => upsert(n, channel, &value, true, false),
                2 => upsert(n, channel, &value, rng.gen(), true),
                _ => upsert(n, channel, &value, rng.gen(), false),
            };
            let is_edit = matches!(&m, Mutation::ContactUpsert(u) if !u.create);
            let existed = state.contacts.contains_key(&id(n));
            let result = apply(&mut state, m, T0 + step);
            if is_edit && !existed {
                // Removed (by either device) before this edit arrived: the delete wins.
                assert_eq!(result, Err(ErrorCode::ContactNotFound), "seed {seed}");
                assert!(
                    !state.contacts.contains_key(&id(n)),
                    "seed {seed}: revived {n}"
                );
            }
            for channel in ["email", "sms"] {
                let on: Vec<_> = state
                    .contacts
                    .values()
                    .filter(|c| c.channel == channel)
                    .collect();
                let preferred = on.iter().filter(|c| c.preferred).count();
                assert_eq!(
                    preferred,
                    usize::from(!on.is_empty()),
                    "seed {seed} step {step}: {channel}"
                );
            }
        }
    }
}

#[test]
fn contact_mutations_travel_as_named_json() {
    let m = upsert(10, "email", "a@example.com", true, true);
    assert_eq!(m.name(), "contact.upsert");
    let back = Mutation::decode("contact.upsert", &m.args().to_string()).unwrap();
    assert_eq!(back, m);
    // Older or terser senders: enabled defaults to true, preferred and create to false.
    let terse = Mutation::decode(
        "contact.upsert",
        &json!({"contact_id": id(1), "channel": "email", "value": "a@b.co"}).to_string(),
    )
    .unwrap();
    let Mutation::ContactUpsert(terse) = terse else {
        panic!()
    };
    assert!(terse.enabled && !terse.preferred && !terse.create);
    assert!(Mutation::decode(
        "contact.remove",
        &json!({"contact_id": id(1), "x": 1}).to_string()
    )
    .is_err());
    assert!(Mutation::NAMES.contains(&"contact.remove"));
}
