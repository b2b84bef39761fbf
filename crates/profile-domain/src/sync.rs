//! The sync protocol's wire types (DESIGN.md §6), shared by the app's sync client and the
//! server: push mutations in `seq` order, pull the whole synced snapshot when it changed.

use crate::channel::Catalog;
use crate::error::WireCode;
use crate::state::{ContactRecord, ProfileRecord, SessionRecord, TokenRecord, UserState};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The protocol version every request names; another gets `sync.protocol_mismatch`.
pub const PROTOCOL: u32 = 1;

/// Mutations a push may carry at most; a client sends more in several pushes.
pub const MAX_PUSH_MUTATIONS: usize = 100;

/// `POST /v1/sync/push`: this session's pending mutations, in `seq` order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    /// [`PROTOCOL`].
    pub protocol: u32,
    /// The mutations, `seq` ascending.
    pub mutations: Vec<PushedMutation>,
}

/// One mutation as pushed. Name and arguments stay raw here: a name this server does not
/// know is recorded as rejected, not a reason to refuse the whole push.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushedMutation {
    /// Its place in the session's sequence: 1, 2, 3 …
    pub seq: i64,
    /// Its UUIDv7.
    pub id: Uuid,
    /// The mutation name, e.g. `profile.set`.
    pub name: String,
    /// Its arguments.
    pub args: serde_json::Value,
    /// The user's version (cookie) the device had seen when it made the change: a field
    /// changed by someone else after it is still overwritten, and recorded as a conflict.
    pub cookie: i64,
}

/// What happened to one pushed mutation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MutationResult {
    /// Its `seq`.
    pub seq: i64,
    /// Applied or rejected.
    pub status: MutationStatus,
    /// Why it was rejected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<WireCode>,
    /// The input field the rejection names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Values the rejection's translated message interpolates, e.g. `{"max": 100}`.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub params: serde_json::Map<String, serde_json::Value>,
    /// A re-sent mutation answered with its first outcome: nothing was applied now, so the
    /// device's copy may differ from the server's and needs a whole snapshot.
    #[serde(default, skip_serializing_if = "is_false")]
    pub repeated: bool,
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// The outcome of one pushed mutation; both advance the session's `last_seq`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MutationStatus {
    /// Applied to the server's state.
    Applied,
    /// Can never apply (recorded with its code), so it does not block those after it.
    Rejected,
}

impl MutationStatus {
    /// Its name as the wire and the server's log write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Applied => "applied",
            Self::Rejected => "rejected",
        }
    }

    /// The status named `name`, if it is one.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Applied, Self::Rejected]
            .into_iter()
            .find(|s| s.as_str() == name)
    }
}

/// The answer to a push.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushResponse {
    /// The highest `seq` of this session the server has processed.
    pub last_seq: i64,
    /// One result per pushed mutation up to `last_seq`, duplicates with their stored result;
    /// none for those after a gap.
    pub results: Vec<MutationResult>,
}

/// `POST /v1/sync/pull`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullRequest {
    /// [`PROTOCOL`].
    pub protocol: u32,
    /// The user's version the client last saw; 0 at first.
    pub cookie: i64,
    /// The `seq` up to which the client already has results; results after it are sent.
    pub acked_seq: i64,
    /// The version of the channel catalog the client holds; 0 for the built-in one.
    #[serde(default)]
    pub catalog_version: i64,
}

/// The answer to a pull.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullResponse {
    /// The user's version now; never lower than the one sent.
    pub cookie: i64,
    /// The highest `seq` of this session the server has processed.
    pub last_seq: i64,
    /// The whole synced state, when `cookie` differs from the one sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<Snapshot>,
    /// Results of this session's mutations after `acked_seq`.
    pub results: Vec<MutationResult>,
    /// Overwritten values the user may want back.
    pub conflicts: Vec<Conflict>,
    /// The server's channel catalog, when its version differs from the client's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalog: Option<Catalog>,
}

/// A user's synced state as a pull carries it. The password never travels: a server-linked
/// device holds no hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The profile (its avatar by hash; `GET /v1/blobs/{sha256}` has the bytes).
    pub profile: ProfileRecord,
    /// Every session of the user, ended ones included.
    pub sessions: Vec<SessionRecord>,
    /// Every personal API token of the user (by hash), withdrawn ones until removed.
    #[serde(default)]
    pub tokens: Vec<TokenRecord>,
    /// Every notification contact of the user.
    #[serde(default)]
    pub contacts: Vec<ContactRecord>,
}

impl Snapshot {
    /// The snapshot as the state mutations apply to (with no credential).
    pub fn into_state(self) -> UserState {
        UserState {
            profile: Some(self.profile),
            credential: None,
            sessions: self.sessions.into_iter().map(|s| (s.id, s)).collect(),
            tokens: self.tokens.into_iter().map(|t| (t.id, t)).collect(),
            contacts: self.contacts.into_iter().map(|c| (c.id, c)).collect(),
        }
    }
}

/// A profile field someone else had changed after the cookie a `profile.set` was made
/// against: the set still applied (last writer in server order wins) and this keeps the
/// value it overwrote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conflict {
    /// Its id.
    pub id: Uuid,
    /// The field, e.g. `name`.
    pub field: String,
    /// The value that was overwritten (`null` when it was empty).
    pub overwritten: serde_json::Value,
    /// The value that replaced it.
    pub applied: serde_json::Value,
    /// The session whose mutation overwrote it.
    pub by_session: Uuid,
    /// The session whose value was overwritten (None for conflicts recorded before this).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overwritten_by: Option<Uuid>,
    /// When, on the server's clock (ms since the epoch).
    pub at: i64,
    /// The user's version the overwriting mutation made (0 from servers before this): a
    /// device signing in again takes those past the version it had seen.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub version: i64,
}

fn is_zero(value: &i64) -> bool {
    *value == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_status_is_named_as_the_wire_names_it() {
        for status in [MutationStatus::Applied, MutationStatus::Rejected] {
            assert_eq!(
                serde_json::to_value(status).unwrap(),
                json!(status.as_str())
            );
            assert_eq!(MutationStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(MutationStatus::parse("pending"), None);
    }

    #[test]
    fn a_conflict_without_an_owner_stays_readable_both_ways() {
        let (id, by) = (Uuid::now_v7(), Uuid::now_v7());
        // As a server from before `overwritten_by` sends it.
        let old = json!({"id": id, "field": "name", "overwritten": "B", "applied": "A",
                         "by_session": by, "at": 5});
        let conflict: Conflict = serde_json::from_value(old.clone()).unwrap();
        assert_eq!(conflict.overwritten_by, None);
        // An unknown owner is left out, so the JSON is what an old peer expects.
        assert_eq!(serde_json::to_value(&conflict).unwrap(), old);
        let owner = Uuid::now_v7();
        let owned = Conflict {
            overwritten_by: Some(owner),
            ..conflict
        };
        let json = serde_json::to_value(&owned).unwrap();
        assert_eq!(json["overwritten_by"], json!(owner));
        assert_eq!(serde_json::from_value::<Conflict>(json).unwrap(), owned);
    }
}
