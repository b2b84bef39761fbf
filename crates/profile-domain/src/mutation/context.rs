//! Who applies a mutation and when, and what applying it changed.

use super::Blob;
use crate::channel::Catalog;
use uuid::Uuid;

/// Who makes a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// A device applying its own change to its local copy (a local account is its own
    /// authority); `session` is its signed-in session, if any.
    Device {
        /// The device's signed-in session.
        session: Option<Uuid>,
    },
    /// The server applying a change pushed by this authenticated session.
    Session(Uuid),
    /// The server applying a change made through the public API with this personal token.
    Token(Uuid),
    /// An administrator, on the server.
    Admin,
}

/// The circumstances of one application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApplyCtx<'a> {
    /// Who makes the change.
    pub actor: Actor,
    /// The applier's time, ms since the epoch (the server's clock decides on the server).
    pub now_ms: i64,
    /// The notification channels contacts are checked against: the server's own on the
    /// server, the one a device last received (or the built-in one) on a device.
    pub catalog: &'a Catalog,
}

impl ApplyCtx<'static> {
    /// A device applying its own change, with the built-in catalog.
    pub fn device(session: Option<Uuid>, now_ms: i64) -> Self {
        Self::new(Actor::Device { session }, now_ms)
    }

    /// `actor` applying a change at `now_ms`, with the built-in catalog.
    pub fn new(actor: Actor, now_ms: i64) -> Self {
        Self {
            actor,
            now_ms,
            catalog: Catalog::built_in(),
        }
    }
}

impl<'a> ApplyCtx<'a> {
    /// The same, checking contacts against `catalog`.
    pub fn with_catalog(self, catalog: &'a Catalog) -> ApplyCtx<'a> {
        ApplyCtx { catalog, ..self }
    }

    /// The session the change comes from: the authenticated one on a server, the signed-in
    /// one on a device.
    pub fn session(&self) -> Option<Uuid> {
        match self.actor {
            Actor::Device { session } => session,
            Actor::Session(id) => Some(id),
            Actor::Token(_) | Actor::Admin => None,
        }
    }
}

/// What an applied mutation changed, so a store writes exactly those rows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Change {
    /// The profile row changed (or was created).
    pub profile: bool,
    /// Which profile fields were written, for conflict records.
    pub profile_fields: Vec<&'static str>,
    /// The credential changed (or was created).
    pub credential: bool,
    /// Sessions created or ended.
    pub sessions: Vec<Uuid>,
    /// A picture to store by its hash.
    pub blob: Option<Blob>,
    /// Tokens created, changed or removed (a store writes the row, or deletes it when the
    /// state no longer has the token).
    pub tokens: Vec<Uuid>,
    /// Contacts created, changed or removed, written or deleted the same way.
    pub contacts: Vec<Uuid>,
}
