//! The token mutations' pure `apply`: issuing by hash, editing only while active, revoke
//! beating a concurrent edit, removing only what is withdrawn, and the arguments refused.

mod support;

use profile_domain::mutation::{
    Actor, ApplyCtx, Expiry, Mutation, TokenCreate, TokenRemove, TokenRevoke, TokenUpdate,
};
use profile_domain::state::UserState;
use profile_domain::token::{ApiToken, TokenScope, Withdrawal, MAX_TOKENS};
use profile_domain::ErrorCode;
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde_json::json;
use support::id;

const T0: i64 = 1_790_000_000_000;
const DAY: i64 = 86_400_000;

fn at(now_ms: i64) -> ApplyCtx<'static> {
    ApplyCtx::device(None, now_ms)
}

fn profile() -> UserState {
    support::with_profile(T0)
}

fn create(n: u128, scope: TokenScope, expires_at: Option<i64>) -> Mutation {
    let token = ApiToken::generate(&mut StdRng::seed_from_u64(n as u64));
    Mutation::TokenCreate(TokenCreate {
        token_id: id(n),
        sha256: token.sha256_hex(),
        prefix: token.display_prefix(),
        scope,
        description: format!("  script {n} "),
        expires_at,
    })
}

fn apply(state: &mut UserState, m: Mutation, now: i64) -> Result<(), ErrorCode> {
    m.validated()
        .and_then(|m| m.apply(state, &at(now)))
        .map(|_| ())
        .map_err(|e| e.code)
}

#[test]
fn a_token_is_issued_by_its_hash_with_the_applier_s_time() {
    let mut state = profile();
    let m = create(100, TokenScope::Read, Some(T0 + DAY))
        .validated()
        .unwrap();
    let change = m.apply(&mut state, &at(T0 + 5)).unwrap();
    assert_eq!(change.tokens, [id(100)]);
    let token = &state.tokens[&id(100)];
    assert_eq!(token.created_at, T0 + 5);
    assert_eq!(token.description, "script 100");
    assert_eq!(token.scope, TokenScope::Read);
    assert!(token.is_active(T0 + DAY - 1));
    assert_eq!(
        token.withdrawn(T0 + DAY),
        Some((Withdrawal::Expired, T0 + DAY))
    );
    // The same id or the same hash again is not a second token.
    let before = state.clone();
    assert_eq!(
        apply(&mut state, create(100, TokenScope::Write, None), T0),
        Err(ErrorCode::RequestInvalid)
    );
    let Mutation::TokenCreate(mut same_hash) = create(100, TokenScope::Write, None) else {
        unreachable!()
    };
    same_hash.token_id = id(101);
    assert_eq!(
        apply(&mut state, Mutation::TokenCreate(same_hash), T0),
        Err(ErrorCode::RequestInvalid)
    );
    assert_eq!(state, before);
}

#[test]
fn an_edit_changes_description_and_expiry_but_never_the_scope() {
    let mut state = profile();
    apply(&mut state, create(100, TokenScope::Read, None), T0).unwrap();
    let edit = |description: Option<&str>, expiry| {
        Mutation::TokenUpdate(TokenUpdate {
            token_id: id(100),
            description: description.map(str::to_owned),
            expiry,
        })
    };
    apply(
        &mut state,
        edit(Some("nightly export"), Some(Expiry::At(T0 + 3 * DAY))),
        T0,
    )
    .unwrap();
    let token = &state.tokens[&id(100)];
    assert_eq!(
        (token.description.as_str(), token.expires_at),
        ("nightly export", Some(T0 + 3 * DAY))
    );
    apply(&mut state, edit(None, Some(Expiry::Never)), T0).unwrap();
    assert_eq!(state.tokens[&id(100)].expires_at, None);
    assert_eq!(state.tokens[&id(100)].description, "nightly export");
    // A scope in an edit is not a field of it: the whole change is unreadable.
    let with_scope = Mutation::decode(
        "token.update",
        &json!({"token_id": id(100), "scope": "write"}).to_string(),
    );
    assert!(with_scope.is_err());
    assert_eq!(state.tokens[&id(100)].scope, TokenScope::Read);
}

#[test]
fn a_revocation_wins_over_an_edit_in_either_order_and_is_final() {
    let edit = Mutation::TokenUpdate(TokenUpdate {
        token_id: id(100),
        description: Some("renamed".into()),
        expiry: Some(Expiry::Never),
    });
    let revoke = Mutation::TokenRevoke(TokenRevoke { token_id: id(100) });
    // The edit first, then the revocation: revoked, with the edit's description.
    let mut state = profile();
    apply(&mut state, create(100, TokenScope::Write, None), T0).unwrap();
    apply(&mut state, edit.clone(), T0 + 1).unwrap();
    apply(&mut state, revoke.clone(), T0 + 2).unwrap();
    assert_eq!(
        state.tokens[&id(100)].withdrawn(T0 + 3),
        Some((Withdrawal::Revoked, T0 + 2))
    );
    // The revocation first: the edit is refused and changes nothing.
    let mut state = profile();
    apply(
        &mut state,
        create(100, TokenScope::Write, Some(T0 + DAY)),
        T0,
    )
    .unwrap();
    apply(&mut state, revoke.clone(), T0 + 1).unwrap();
    let before = state.clone();
    assert_eq!(
        apply(&mut state, edit, T0 + 2),
        Err(ErrorCode::TokenWithdrawn)
    );
    assert_eq!(state, before);
    // Revoking again keeps the first time.
    apply(&mut state, revoke, T0 + 9).unwrap();
    assert_eq!(state.tokens[&id(100)].revoked_at, Some(T0 + 1));
}

#[test]
fn an_expired_token_cannot_be_edited_back_to_life() {
    let mut state = profile();
    apply(
        &mut state,
        create(100, TokenScope::Read, Some(T0 + DAY)),
        T0,
    )
    .unwrap();
    let revive = Mutation::TokenUpdate(TokenUpdate {
        token_id: id(100),
        description: None,
        expiry: Some(Expiry::Never),
    });
    assert_eq!(
        apply(&mut state, revive, T0 + DAY),
        Err(ErrorCode::TokenWithdrawn)
    );
    assert_eq!(state.tokens[&id(100)].expires_at, Some(T0 + DAY));
}

#[test]
fn only_a_withdrawn_token_is_removed_and_removing_twice_is_fine() {
    let mut state = profile();
    apply(&mut state, create(100, TokenScope::Read, None), T0).unwrap();
    apply(
        &mut state,
        create(200, TokenScope::Read, Some(T0 + DAY)),
        T0,
    )
    .unwrap();
    let remove = |n| Mutation::TokenRemove(TokenRemove { token_id: id(n) });
    assert_eq!(
        apply(&mut state, remove(100), T0 + 1),
        Err(ErrorCode::TokenStillActive)
    );
    assert_eq!(
        apply(&mut state, remove(200), T0 + 1),
        Err(ErrorCode::TokenStillActive)
    );
    apply(
        &mut state,
        Mutation::TokenRevoke(TokenRevoke { token_id: id(100) }),
        T0 + 2,
    )
    .unwrap();
    apply(&mut state, remove(100), T0 + 3).unwrap();
    // Expired is withdrawn too.
    apply(&mut state, remove(200), T0 + DAY).unwrap();
    assert!(state.tokens.is_empty());
    // Another device removed it first: nothing to do, nothing refused.
    apply(&mut state, remove(100), T0 + DAY).unwrap();
    // Editing or revoking what is gone is refused by name.
    assert_eq!(
        apply(
            &mut state,
            Mutation::TokenRevoke(TokenRevoke { token_id: id(100) }),
            T0
        ),
        Err(ErrorCode::TokenNotFound)
    );
}

#[test]
fn arguments_a_device_could_not_have_made_are_refused() {
    let good = || {
        let Mutation::TokenCreate(c) = create(100, TokenScope::Read, None) else {
            unreachable!()
        };
        c
    };
    let cases: Vec<(TokenCreate, ErrorCode)> = vec![
        (
            TokenCreate {
                sha256: "ab".repeat(31),
                ..good()
            },
            ErrorCode::RequestInvalid,
        ),
        (
            TokenCreate {
                sha256: "AB".repeat(32),
                ..good()
            },
            ErrorCode::RequestInvalid,
        ),
        (
            TokenCreate {
                prefix: "acp_Xy1".into(),
                ..good()
            },
            ErrorCode::RequestInvalid,
        ),
        (
            TokenCreate {
                prefix: "ghp_Xy12".into(),
                ..good()
            },
            ErrorCode::RequestInvalid,
        ),
        (
            TokenCreate {
                expires_at: Some(0),
                ..good()
            },
            ErrorCode::TokenExpiryInvalid,
        ),
        (
            TokenCreate {
                description: "x".repeat(201),
                ..good()
            },
            ErrorCode::TokenDescriptionTooLong,
        ),
        (
            TokenCreate {
                description: "a\nb".into(),
                ..good()
            },
            ErrorCode::TokenDescriptionInvalid,
        ),
        (
            TokenCreate {
                description: "deploy\u{202E}kcab".into(),
                ..good()
            },
            ErrorCode::TokenDescriptionInvisibleChars,
        ),
    ];
    for (create, code) in cases {
        let err = Mutation::TokenCreate(create).validated().unwrap_err();
        assert_eq!(err.code, code);
    }
    let long = "é".repeat(200);
    let ok = Mutation::TokenCreate(TokenCreate {
        description: long.clone(),
        ..good()
    })
    .validated()
    .unwrap();
    assert!(matches!(ok, Mutation::TokenCreate(c) if c.description == long));
    // The text of a token is not an argument at all.
    let with_text = Mutation::decode(
        "token.create",
        &json!({"token_id": id(1), "sha256": "ab".repeat(32), "prefix": "acp_Xy12",
                "scope": "read", "token": "acp_…"})
        .to_string(),
    );
    assert!(with_text.is_err());
}

#[test]
fn a_user_holds_a_bounded_number_of_tokens() {
    let mut state = profile();
    for n in 0..MAX_TOKENS as u128 {
        apply(&mut state, create(1000 + n, TokenScope::Read, None), T0).unwrap();
    }
    let err = create(5000, TokenScope::Read, None)
        .validated()
        .unwrap()
        .apply(&mut state, &at(T0))
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::TokenTooMany);
    assert_eq!(err.params["max"], MAX_TOKENS);
}

#[test]
fn a_session_manages_tokens_and_a_token_never_does() {
    let mut state = profile();
    let as_session = ApplyCtx::new(Actor::Session(id(9)), T0);
    create(300, TokenScope::Write, None)
        .validated()
        .unwrap()
        .apply(&mut state, &as_session)
        .unwrap();
    let as_token = ApplyCtx::new(Actor::Token(id(300)), T0);
    let before = state.clone();
    for m in [
        create(301, TokenScope::Write, None),
        Mutation::TokenUpdate(TokenUpdate {
            token_id: id(300),
            description: Some("mine now".into()),
            expiry: None,
        }),
        Mutation::TokenRevoke(TokenRevoke { token_id: id(300) }),
        Mutation::TokenRemove(TokenRemove { token_id: id(300) }),
    ] {
        let err = m
            .validated()
            .unwrap()
            .apply(&mut state, &as_token)
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::MutationNotAllowed);
    }
    assert_eq!(state, before);
}
