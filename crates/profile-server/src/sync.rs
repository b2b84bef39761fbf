//! The server's side of sync (DESIGN.md §6) that needs no database: decoding and checking a
//! pushed mutation, the server's own refusals, applying it to the user's state with the
//! domain's `apply`, and the conflict records a stale `profile.set` leaves.
//!
//! The store calls [`apply_pushed`] inside the push's transaction, with the user's row
//! locked; everything here is pure, so it is the same on both backends.

use crate::domain::{ErrorCode, ValidationError};
use profile_domain::error::WireCode;
use profile_domain::mutation::{Actor, ApplyCtx, Change, Mutation};
use profile_domain::state::{ProfileRecord, UserState};
use profile_domain::sync::{Conflict, MutationResult, MutationStatus, PushedMutation};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use uuid::Uuid;

/// The longest mutation name kept in the log (an unknown name is the client's say).
const MAX_LOGGED_NAME: usize = 64;

/// A pushed mutation decoded and checked on its own, before its transaction: the
/// expensive part (an avatar's bounded decode) runs without holding a lock.
#[derive(Debug, Clone)]
pub struct PreparedMutation {
    /// Its place in the session's sequence.
    pub seq: i64,
    /// Its UUIDv7.
    pub id: Uuid,
    /// Its name as logged (cut to a bounded length).
    pub name: String,
    /// The user's version the device had seen when it made the change.
    pub cookie: i64,
    /// SHA-256 of its arguments as JSON (keys sorted): a re-sent id must carry the same.
    pub args_sha256: String,
    /// The mutation, or why it can never apply.
    pub mutation: Result<Mutation, ValidationError>,
}

/// Decodes and validates `pushed`. An unknown name or malformed arguments are
/// `request.invalid`; kinds a device may not push are refused here already.
pub fn prepare(pushed: PushedMutation) -> PreparedMutation {
    let args = pushed.args.to_string();
    let args_sha256 = profile_domain::mutation::sha256_hex(args.as_bytes());
    let mutation = Mutation::decode(&pushed.name, &args)
        .map_err(|_| ValidationError::general(ErrorCode::RequestInvalid))
        .and_then(server_allows)
        .and_then(Mutation::validated);
    PreparedMutation {
        seq: pushed.seq,
        id: pushed.id,
        name: pushed.name.chars().take(MAX_LOGGED_NAME).collect(),
        cookie: pushed.cookie,
        args_sha256,
        mutation,
    }
}

/// The server's refusals beyond the domain's own (which refuses `profile.create`,
/// `password.set` and `session.start` from a session).
///
/// `password.change` is refused: a server-linked device holds no password hash, and a
/// password changes online only through `POST /v1/auth/password`, which checks the current
/// password (DESIGN.md §6). Accepting a pushed hash would let anyone holding a session
/// secret set a password without knowing the current one.
fn server_allows(mutation: Mutation) -> Result<Mutation, ValidationError> {
    match mutation {
        Mutation::PasswordChange(_) => Err(ValidationError::general(ErrorCode::MutationNotAllowed)),
        other => Ok(other),
    }
}

/// A user's state as the push's transaction holds it, with the version and per-field
/// versions conflicts are judged by.
#[derive(Debug, Clone)]
pub struct SyncState {
    /// Profile and sessions (no credential: the server keeps the password itself).
    pub state: UserState,
    /// The user's version (the sync cookie).
    pub version: i64,
    /// Per profile field: the version that last wrote it and the session that did.
    pub field_versions: BTreeMap<String, (i64, Uuid)>,
    /// The server's channel catalog, which contacts are checked against.
    pub catalog: profile_domain::channel::Catalog,
}

/// What pushing one mutation did.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Applied as the user's version `version`.
    Applied {
        /// The version it made.
        version: i64,
        /// What it changed.
        change: Change,
        /// Values it overwrote that another session had written after its cookie.
        conflicts: Vec<Conflict>,
    },
    /// Refused for good; `last_seq` still moves past it.
    Rejected(ValidationError),
    /// Its id was taken before by the same user's same kind of change (one re-sent from a
    /// new session after its answer was lost): the first outcome again, nothing applied twice.
    Repeated(Logged),
}

/// An outcome as the mutation log keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct Logged {
    /// Applied or rejected.
    pub status: MutationStatus,
    /// Why it was rejected.
    pub code: Option<String>,
    /// The input field the rejection names.
    pub field: Option<String>,
    /// Values the rejection's message interpolates.
    pub params: Map<String, Value>,
    /// The user's version it made (applied ones only).
    pub version: Option<i64>,
    /// An earlier outcome repeated for a re-sent mutation.
    pub repeated: bool,
}

impl Logged {
    /// The result of `seq` as a push or pull reports it.
    pub fn result(&self, seq: i64) -> MutationResult {
        MutationResult {
            seq,
            status: self.status,
            code: self.code.clone().map(WireCode::parse),
            field: self.field.clone(),
            params: self.params.clone(),
            repeated: self.repeated,
        }
    }
}

impl Outcome {
    /// How the mutation log keeps it.
    pub fn logged(&self) -> Logged {
        match self {
            Self::Applied { version, .. } => Logged {
                status: MutationStatus::Applied,
                code: None,
                field: None,
                params: Map::new(),
                version: Some(*version),
                repeated: false,
            },
            Self::Rejected(err) => Logged {
                status: MutationStatus::Rejected,
                code: Some(err.code.as_str().to_owned()),
                field: err.field.map(str::to_owned),
                params: err.params.clone(),
                version: None,
                repeated: false,
            },
            Self::Repeated(first) => Logged {
                repeated: true,
                ..first.clone()
            },
        }
    }

    /// Its result as a push or pull reports it.
    pub fn result(&self, seq: i64) -> MutationResult {
        self.logged().result(seq)
    }
}

/// A mutation id's first use, as the log keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct FirstUse {
    /// The user who pushed it.
    pub user_id: String,
    /// Its name.
    pub name: String,
    /// SHA-256 of its arguments (`None` for ids logged before fingerprints were kept).
    pub args_sha256: Option<String>,
    /// Its outcome.
    pub outcome: Logged,
}

/// The outcome of a mutation whose id was used before as `first`: the same user's same
/// change (name and arguments) is a re-send and gets the first outcome; anything else
/// reusing an id is refused.
pub fn reused_id(prepared: &PreparedMutation, user_id: &str, first: FirstUse) -> Outcome {
    let same_change = first.user_id == user_id
        && first.name == prepared.name
        && first.args_sha256.as_deref() == Some(prepared.args_sha256.as_str());
    if same_change {
        Outcome::Repeated(first.outcome)
    } else {
        Outcome::Rejected(ValidationError::new(ErrorCode::RequestInvalid, "id"))
    }
}

/// Applies `prepared` to `sync` as pushed by `session` at `now_ms` (server clock): on
/// success the state, version and field versions move on; on a refusal nothing changes.
pub fn apply_pushed(
    sync: &mut SyncState,
    prepared: &PreparedMutation,
    session: Uuid,
    now_ms: i64,
) -> Outcome {
    let mutation = match &prepared.mutation {
        Ok(mutation) => mutation,
        Err(err) => return Outcome::Rejected(err.clone()),
    };
    if let Err(err) = email_unchanged(mutation, sync.state.profile.as_ref()) {
        return Outcome::Rejected(err);
    }
    let before = sync.state.profile.clone();
    let ctx = ApplyCtx::new(Actor::Session(session), now_ms).with_catalog(&sync.catalog);
    let change = match mutation.apply(&mut sync.state, &ctx) {
        Ok(change) => change,
        Err(err) => return Outcome::Rejected(err),
    };
    let version = sync.version + 1;
    sync.version = version;
    let mut conflicts = Vec::new();
    for field in &change.profile_fields {
        let overwritten = before
            .as_ref()
            .map_or(Value::Null, |p| field_value(p, field));
        let applied = sync
            .state
            .profile
            .as_ref()
            .map_or(Value::Null, |p| field_value(p, field));
        // The session that last wrote the field owns the value about to be lost, when it
        // is another and wrote after this mutation's cookie.
        let stale_owner = sync
            .field_versions
            .get(*field)
            .filter(|(written, by)| *written > prepared.cookie && *by != session)
            .map(|(_, by)| *by);
        // Nothing is lost when the value written equals the one replaced.
        if let Some(owner) = stale_owner.filter(|_| overwritten != applied) {
            conflicts.push(Conflict {
                id: Uuid::now_v7(),
                field: (*field).to_owned(),
                overwritten,
                applied,
                by_session: session,
                overwritten_by: Some(owner),
                at: now_ms,
                version,
            });
        }
        sync.field_versions
            .insert((*field).to_owned(), (version, session));
    }
    Outcome::Applied {
        version,
        change,
        conflicts,
    }
}

/// What the applied mutations of one transaction changed, for the store to write back.
#[derive(Debug, Clone, Default)]
pub struct Written {
    /// The profile row.
    pub profile: bool,
    /// Profile fields, whose versions move.
    pub fields: std::collections::BTreeSet<&'static str>,
    /// Tokens created, changed or removed.
    pub tokens: std::collections::BTreeSet<Uuid>,
    /// Contacts created, changed or removed.
    pub contacts: std::collections::BTreeSet<Uuid>,
}

impl Written {
    /// Adds what `change` changed.
    pub fn note(&mut self, change: &Change) {
        self.profile |= change.profile;
        self.fields.extend(change.profile_fields.iter().copied());
        self.tokens.extend(change.tokens.iter().copied());
        self.contacts.extend(change.contacts.iter().copied());
    }
}

/// Applies `mutation` made through the public API with personal token `token_id` at `now_ms`
/// (server clock). The API has no cookie: its write is the latest by definition, so it
/// records no conflict, but it owns the fields it wrote, so a device's stale change that
/// overwrites them later is recorded as one.
pub fn apply_by_token(
    sync: &mut SyncState,
    mutation: &Mutation,
    token_id: Uuid,
    now_ms: i64,
) -> Result<Change, ValidationError> {
    email_unchanged(mutation, sync.state.profile.as_ref())?;
    let ctx = ApplyCtx::new(Actor::Token(token_id), now_ms).with_catalog(&sync.catalog);
    let change = mutation.apply(&mut sync.state, &ctx)?;
    sync.version += 1;
    for field in &change.profile_fields {
        sync.field_versions
            .insert((*field).to_owned(), (sync.version, token_id));
    }
    Ok(change)
}

/// The e-mail address is the account's sign-in name on a server, so a push may not change
/// it (that needs a verified change, not built yet); repeating the current one is fine.
fn email_unchanged(
    mutation: &Mutation,
    profile: Option<&ProfileRecord>,
) -> Result<(), ValidationError> {
    let Mutation::ProfileSet(set) = mutation else {
        return Ok(());
    };
    match (&set.email, profile) {
        (Some(email), Some(profile)) if profile.email.as_deref() != Some(email.as_str()) => {
            Err(ValidationError::new(ErrorCode::MutationNotAllowed, "email"))
        }
        _ => Ok(()),
    }
}

/// A profile field's value as conflict records carry it (`null` when empty).
pub fn field_value(profile: &ProfileRecord, field: &str) -> Value {
    let text = |v: &Option<String>| v.clone().map_or(Value::Null, Value::String);
    match field {
        "name" => Value::String(profile.name.clone()),
        "language" => Value::String(profile.language.code().to_owned()),
        "email" => text(&profile.email),
        "organization" => text(&profile.organization),
        "phone" => text(&profile.phone),
        "time_zone" => Value::String(profile.time_zone.clone()),
        "avatar" => profile
            .avatar
            .as_ref()
            .map_or(Value::Null, |a| Value::String(a.sha256.clone())),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use profile_domain::language::Language;
    use serde_json::json;

    fn state(profile_id: Uuid) -> SyncState {
        SyncState {
            state: UserState {
                profile: Some(ProfileRecord {
                    id: profile_id,
                    name: "Anna".into(),
                    language: Language::En,
                    email: Some("anna@example.com".into()),
                    organization: None,
                    phone: None,
                    time_zone: "UTC".into(),
                    avatar: None,
                    created_at: 1,
                    updated_at: 1,
                }),
                ..UserState::default()
            },
            version: 10,
            field_versions: BTreeMap::new(),
            catalog: profile_domain::channel::Catalog::built_in().clone(),
        }
    }

    fn pushed(seq: i64, name: &str, args: Value, cookie: i64) -> PreparedMutation {
        prepare(PushedMutation {
            seq,
            id: Uuid::now_v7(),
            name: name.into(),
            args,
            cookie,
        })
    }

    #[test]
    fn a_stale_set_of_a_field_another_session_wrote_is_applied_and_recorded() {
        let profile = Uuid::now_v7();
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let mut sync = state(profile);
        let by_b = pushed(
            1,
            "profile.set",
            json!({"profile_id": profile, "name": "B"}),
            10,
        );
        assert!(matches!(
            apply_pushed(&mut sync, &by_b, b, 5),
            Outcome::Applied { version: 11, ref conflicts, .. } if conflicts.is_empty()
        ));
        let by_a = pushed(
            1,
            "profile.set",
            json!({"profile_id": profile, "name": "A"}),
            10,
        );
        let Outcome::Applied { conflicts, .. } = apply_pushed(&mut sync, &by_a, a, 6) else {
            panic!("applied");
        };
        assert_eq!(conflicts.len(), 1);
        assert_eq!(conflicts[0].overwritten, json!("B"));
        assert_eq!(conflicts[0].applied, json!("A"));
        assert_eq!(conflicts[0].by_session, a);
        assert_eq!(conflicts[0].overwritten_by, Some(b));
        assert_eq!(sync.version, 12);
        // Made after seeing B's change: no conflict.
        let informed = pushed(
            2,
            "profile.set",
            json!({"profile_id": profile, "name": "C"}),
            12,
        );
        let Outcome::Applied { conflicts, .. } = apply_pushed(&mut sync, &informed, b, 7) else {
            panic!("applied");
        };
        assert!(conflicts.is_empty());
    }

    #[test]
    fn the_owner_of_an_overwritten_value_is_its_last_writer() {
        let profile = Uuid::now_v7();
        let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let mut sync = state(profile);
        let set = |seq, name: &str, cookie| {
            pushed(
                seq,
                "profile.set",
                json!({"profile_id": profile, "name": name}),
                cookie,
            )
        };
        apply_pushed(&mut sync, &set(1, "B", 10), b, 5);
        // C saw B's change (version 11), so C's set is no conflict, but C now owns the name.
        let Outcome::Applied { conflicts, .. } = apply_pushed(&mut sync, &set(1, "C", 11), c, 6)
        else {
            panic!("applied");
        };
        assert!(conflicts.is_empty());
        let Outcome::Applied { conflicts, .. } = apply_pushed(&mut sync, &set(1, "A", 10), a, 7)
        else {
            panic!("applied");
        };
        assert_eq!(conflicts.len(), 1);
        assert_eq!(conflicts[0].overwritten, json!("C"));
        assert_eq!(conflicts[0].overwritten_by, Some(c));
    }

    #[test]
    fn the_server_refuses_password_changes_and_e_mail_changes_by_push() {
        let profile = Uuid::now_v7();
        let mut sync = state(profile);
        let change = pushed(
            1,
            "password.change",
            json!({"profile_id": profile, "expected_version": 1, "new_hash": "x"}),
            0,
        );
        assert_eq!(
            change.mutation.as_ref().unwrap_err().code,
            ErrorCode::MutationNotAllowed
        );
        let email = pushed(
            2,
            "profile.set",
            json!({"profile_id": profile, "email": "eve@example.com"}),
            0,
        );
        let Outcome::Rejected(err) = apply_pushed(&mut sync, &email, Uuid::now_v7(), 1) else {
            panic!("rejected");
        };
        assert_eq!(
            (err.code, err.field),
            (ErrorCode::MutationNotAllowed, Some("email"))
        );
        assert_eq!(sync.version, 10);
        let same = pushed(
            3,
            "profile.set",
            json!({"profile_id": profile, "email": "anna@example.com"}),
            0,
        );
        assert!(matches!(
            apply_pushed(&mut sync, &same, Uuid::now_v7(), 1),
            Outcome::Applied { .. }
        ));
    }

    #[test]
    fn unknown_names_and_bad_arguments_are_request_invalid() {
        for (name, args) in [
            ("profile.explode", json!({})),
            ("profile.set", json!({"profile_id": 7})),
        ] {
            let prepared = pushed(1, name, args, 0);
            assert_eq!(
                prepared.mutation.unwrap_err().code,
                ErrorCode::RequestInvalid
            );
        }
    }
}
