//! The pure `apply` of every mutation over a user's state: what it changes, what it refuses
//! (leaving the state as it was), and who may make which change.

mod support;

use profile_domain::mutation::{
    Actor, ApplyCtx, AvatarRemove, AvatarSet, Mutation, PasswordChange, PasswordSet, ProfileCreate,
    ProfileSet, SessionEnd, SessionStart,
};
use profile_domain::password::{hash, Password};
use profile_domain::state::{EndReason, UserState};
use profile_domain::{Env, ErrorCode, Language, ManualClock, Randomness};
use std::sync::{Arc, OnceLock};
use uuid::Uuid;

const T0: i64 = 1_790_000_000_000;

fn id(n: u128) -> Uuid {
    Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 | n)
}

fn device(now_ms: i64) -> ApplyCtx<'static> {
    ApplyCtx::device(None, now_ms)
}

/// One real Argon2id hash, made once (it takes a while).
fn phc() -> String {
    static PHC: OnceLock<String> = OnceLock::new();
    PHC.get_or_init(|| {
        let env = Env {
            clock: Arc::new(ManualClock::at(T0)),
            random: Randomness::seeded(7),
        };
        hash::hash(&Password::new("Secret123"), &env).unwrap()
    })
    .clone()
}

fn start(session: Uuid) -> Mutation {
    Mutation::SessionStart(SessionStart {
        session_id: session,
        profile_id: id(1),
        device_name: "laptop".into(),
        os: "Linux".into(),
        app_version: "0.1.0".into(),
        address: None,
    })
}

/// A local account with two sessions, 1 and 2.
fn account() -> UserState {
    let mut state = UserState::default();
    let ctx = device(T0);
    for m in [
        Mutation::ProfileCreate(ProfileCreate {
            profile_id: id(1),
            name: "Anna".into(),
            language: Language::Ru,
            time_zone: "Europe/Moscow".into(),
        }),
        Mutation::PasswordSet(PasswordSet {
            profile_id: id(1),
            password_hash: phc(),
        }),
        start(id(10)),
        start(id(20)),
    ] {
        m.validated().unwrap().apply(&mut state, &ctx).unwrap();
    }
    state
}

#[test]
fn profile_set_writes_only_the_given_fields_and_says_which() {
    let mut state = account();
    let set = Mutation::ProfileSet(ProfileSet {
        profile_id: id(1),
        email: Some(" anna@example.com ".into()),
        phone: Some("".into()),
        ..ProfileSet::default()
    })
    .validated()
    .unwrap();
    let change = set.apply(&mut state, &device(T0 + 5)).unwrap();
    assert!(change.profile);
    assert_eq!(change.profile_fields, ["email", "phone"]);
    let profile = state.profile.as_ref().unwrap();
    assert_eq!(profile.email.as_deref(), Some("anna@example.com"));
    assert_eq!(profile.phone, None);
    assert_eq!(profile.name, "Anna");
    assert_eq!(profile.updated_at, T0 + 5);
}

#[test]
fn a_refused_mutation_leaves_the_state_as_it_was() {
    let mut state = account();
    let before = state.clone();
    let cases = [
        (
            Mutation::ProfileSet(ProfileSet {
                profile_id: id(99),
                name: Some("Ghost".into()),
                ..ProfileSet::default()
            }),
            ErrorCode::ProfileMissing,
        ),
        (
            Mutation::SessionEnd(SessionEnd { session_id: id(77) }),
            ErrorCode::SessionNotFound,
        ),
        (
            Mutation::PasswordChange(PasswordChange {
                profile_id: id(1),
                expected_version: 5,
                new_hash: phc(),
                session_id: Some(id(10)),
            }),
            ErrorCode::PasswordChangedElsewhere,
        ),
        (
            Mutation::PasswordSet(PasswordSet {
                profile_id: id(1),
                password_hash: phc(),
            }),
            ErrorCode::AccountExists,
        ),
        (start(id(10)), ErrorCode::RequestInvalid),
    ];
    for (mutation, code) in cases {
        let err = mutation.apply(&mut state, &device(T0 + 9)).unwrap_err();
        assert_eq!(err.code, code, "{}", mutation.name());
        assert_eq!(state, before, "{} changed the state", mutation.name());
    }
}

#[test]
fn a_password_change_ends_every_other_session_and_a_stale_one_is_refused() {
    let mut state = account();
    let change = Mutation::PasswordChange(PasswordChange {
        profile_id: id(1),
        expected_version: 1,
        new_hash: phc(),
        session_id: Some(id(10)),
    });
    let done = change.apply(&mut state, &device(T0 + 1)).unwrap();
    assert!(done.credential);
    assert_eq!(done.sessions, [id(20)]);
    assert_eq!(state.credential.as_ref().unwrap().password_version, 2);
    assert!(state.sessions[&id(10)].is_active());
    assert_eq!(
        state.sessions[&id(20)].end_reason,
        Some(EndReason::PasswordChanged)
    );
    // The same change again was made against version 1: another device got there first.
    let err = change.apply(&mut state, &device(T0 + 2)).unwrap_err();
    assert_eq!(err.code, ErrorCode::PasswordChangedElsewhere);
}

#[test]
fn ending_is_final_and_an_ended_session_changes_nothing() {
    let mut state = account();
    let end = Mutation::SessionEnd(SessionEnd { session_id: id(20) });
    assert_eq!(
        end.apply(&mut state, &device(T0 + 1)).unwrap().sessions,
        [id(20)]
    );
    let again = end.apply(&mut state, &device(T0 + 50)).unwrap();
    assert!(again.sessions.is_empty());
    assert_eq!(state.sessions[&id(20)].ended_at, Some(T0 + 1));
    // A password change from the ended session is never applied.
    let from_ended = Mutation::PasswordChange(PasswordChange {
        profile_id: id(1),
        expected_version: 1,
        new_hash: phc(),
        session_id: Some(id(20)),
    });
    let err = from_ended.apply(&mut state, &device(T0 + 60)).unwrap_err();
    assert_eq!(err.code, ErrorCode::AccountSignedOut);
}

#[test]
fn a_server_session_may_not_make_profiles_first_passwords_or_sessions() {
    let as_session = ApplyCtx::new(Actor::Session(id(10)), T0);
    let mut state = account();
    let before = state.clone();
    for m in [
        Mutation::ProfileCreate(ProfileCreate {
            profile_id: id(2),
            name: "B".into(),
            language: Language::En,
            time_zone: "UTC".into(),
        }),
        Mutation::PasswordSet(PasswordSet {
            profile_id: id(1),
            password_hash: phc(),
        }),
        start(id(30)),
    ] {
        let err = m.apply(&mut state, &as_session).unwrap_err();
        assert_eq!(err.code, ErrorCode::MutationNotAllowed, "{}", m.name());
    }
    assert_eq!(state, before);
}

#[test]
fn on_a_server_the_acting_session_comes_from_the_request_not_the_payload() {
    let mut state = account();
    // The payload names session 20; the request was authenticated as session 10.
    let change = Mutation::PasswordChange(PasswordChange {
        profile_id: id(1),
        expected_version: 1,
        new_hash: phc(),
        session_id: Some(id(20)),
    });
    let ctx = ApplyCtx::new(Actor::Session(id(10)), T0 + 3);
    change.apply(&mut state, &ctx).unwrap();
    assert!(state.sessions[&id(10)].is_active());
    assert!(!state.sessions[&id(20)].is_active());
}

#[test]
fn an_avatar_is_named_by_its_hash_and_its_bytes_travel_in_the_change() {
    let mut state = account();
    let picture = support::jpeg(512, 512, false);
    let set = Mutation::AvatarSet(AvatarSet {
        profile_id: id(1),
        mime: "image/jpeg".into(),
        image: picture.clone(),
    })
    .validated()
    .unwrap();
    let change = set.apply(&mut state, &device(T0)).unwrap();
    let blob = change.blob.expect("the picture");
    assert_eq!(blob.bytes, picture);
    assert_eq!(blob.sha256.len(), 64);
    let avatar = state.profile.as_ref().unwrap().avatar.clone().unwrap();
    assert_eq!(avatar.sha256, blob.sha256);
    let removed = Mutation::AvatarRemove(AvatarRemove { profile_id: id(1) })
        .apply(&mut state, &device(T0))
        .unwrap();
    assert_eq!(removed.profile_fields, ["avatar"]);
    assert_eq!(state.profile.as_ref().unwrap().avatar, None);
}

#[test]
fn names_are_written_once_and_every_one_decodes() {
    assert_eq!(Mutation::NAMES.len(), 14);
    for name in Mutation::NAMES {
        let decoded = Mutation::decode(name, "{}");
        // Arguments are missing, so decoding fails on a field, never on the name.
        let err = decoded.unwrap_err().to_string();
        assert!(!err.contains("unknown variant"), "{name}: {err}");
    }
    assert!(Mutation::decode("profile.delete", "{}")
        .unwrap_err()
        .to_string()
        .contains("unknown variant"));
}
