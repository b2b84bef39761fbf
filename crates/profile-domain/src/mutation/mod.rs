//! Named mutations (DESIGN.md §3): the only way synced state changes, on a device and on
//! the server alike.
//!
//! A mutation is first [`Mutation::validated`] (its arguments normalised or refused on
//! their own), then [`Mutation::apply`]-ed to a user's whole [`UserState`]: a pure function
//! that either changes the state and says what it changed, or refuses without touching it.
//! The app's local store and the server each persist what changed, in their own SQL.

mod avatar;
mod contact;
mod context;
mod password;
mod profile;
mod session;
mod token;

pub use avatar::{sha256_hex, AvatarRemove, AvatarSet, Blob};
pub use contact::{ContactRemove, ContactUpsert};
pub use context::{Actor, ApplyCtx, Change};
pub use password::{PasswordChange, PasswordSet};
pub use profile::{ProfileCreate, ProfileField, ProfileSet};
pub use session::{SessionEnd, SessionStart};
pub use token::{Expiry, TokenCreate, TokenRemove, TokenRevoke, TokenUpdate};

use crate::error::{ErrorCode, ValidationError};
use crate::state::UserState;
use serde::{Deserialize, Serialize};

/// Why a mutation did not apply: a coded refusal, as for input a person typed.
pub type Rejection = ValidationError;

/// What every kind of mutation does.
trait Kind: Sized {
    /// The arguments checked on their own and normalised (e.g. names trimmed).
    fn validated(self) -> Result<Self, ValidationError>;
    /// Applies the (validated) mutation to `state`; on a refusal `state` is unchanged.
    fn apply(&self, state: &mut UserState, ctx: &ApplyCtx) -> Result<Change, Rejection>;
}

/// Writes the mutation enum, its names and its dispatch from one list, so a name is
/// written once.
macro_rules! mutations {
    ($($(#[$doc:meta])* $name:literal => $variant:ident($ty:ty),)+) => {
        /// Every kind of change, with its arguments; `{"name": …, "args": …}` as JSON.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "name", content = "args")]
        pub enum Mutation {
            $($(#[$doc])* #[serde(rename = $name)] $variant($ty),)+
        }

        impl Mutation {
            /// Every mutation name, e.g. `profile.set`.
            pub const NAMES: &'static [&'static str] = &[$($name),+];

            /// The stable name, e.g. `profile.set`.
            pub fn name(&self) -> &'static str {
                match self {
                    $(Self::$variant(_) => $name,)+
                }
            }

            /// The arguments as JSON, as stored in an outbox and sent in a push.
            pub fn args(&self) -> serde_json::Value {
                match self {
                    $(Self::$variant(m) => serde_json::to_value(m),)+
                }
                .unwrap_or_default()
            }

            /// Checks the arguments and returns the normalised mutation.
            pub fn validated(self) -> Result<Self, ValidationError> {
                Ok(match self {
                    $(Self::$variant(m) => Self::$variant(m.validated()?),)+
                })
            }

            fn apply_kind(&self, state: &mut UserState, ctx: &ApplyCtx) -> Result<Change, Rejection> {
                match self {
                    $(Self::$variant(m) => m.apply(state, ctx),)+
                }
            }
        }
    };
}

mutations! {
    /// Creates the profile on a device.
    "profile.create" => ProfileCreate(ProfileCreate),
    /// Changes some of the profile's fields.
    "profile.set" => ProfileSet(ProfileSet),
    /// Stores a new avatar.
    "avatar.set" => AvatarSet(AvatarSet),
    /// Removes the avatar.
    "avatar.remove" => AvatarRemove(AvatarRemove),
    /// Sets the first password of a local account (as a hash).
    "password.set" => PasswordSet(PasswordSet),
    /// Changes the password (as a hash), compare-and-set on its version.
    "password.change" => PasswordChange(PasswordChange),
    /// Starts a session of a local account.
    "session.start" => SessionStart(SessionStart),
    /// Ends a session.
    "session.end" => SessionEnd(SessionEnd),
    /// Issues a personal API token (by its hash).
    "token.create" => TokenCreate(TokenCreate),
    /// Changes an active token's description or expiry.
    "token.update" => TokenUpdate(TokenUpdate),
    /// Revokes a token for good.
    "token.revoke" => TokenRevoke(TokenRevoke),
    /// Removes a withdrawn token.
    "token.remove" => TokenRemove(TokenRemove),
    /// Adds or changes a notification contact.
    "contact.upsert" => ContactUpsert(ContactUpsert),
    /// Removes a notification contact.
    "contact.remove" => ContactRemove(ContactRemove),
}

impl Mutation {
    /// Rebuilds a mutation from its stored name and JSON arguments.
    pub fn decode(name: &str, args: &str) -> Result<Self, serde_json::Error> {
        let args: serde_json::Value = serde_json::from_str(args)?;
        serde_json::from_value(serde_json::json!({ "name": name, "args": args }))
    }

    /// Whether `actor` may make this kind of change at all. A device's session makes
    /// neither profiles, first passwords nor sessions: the server does (DESIGN.md §6); a
    /// personal token changes the profile only.
    pub fn allowed_for(&self, actor: &Actor) -> Result<(), Rejection> {
        let device_made = matches!(
            self,
            Self::ProfileCreate(_) | Self::PasswordSet(_) | Self::SessionStart(_)
        );
        if device_made && matches!(actor, Actor::Session(_) | Actor::Token(_)) {
            return Err(ValidationError::general(ErrorCode::MutationNotAllowed));
        }
        // A personal token opens the public API's data, never what guards the account:
        // sessions, passwords and tokens themselves (DESIGN.md §7).
        let guards_account = matches!(
            self,
            Self::PasswordChange(_)
                | Self::SessionEnd(_)
                | Self::TokenCreate(_)
                | Self::TokenUpdate(_)
                | Self::TokenRevoke(_)
                | Self::TokenRemove(_)
        );
        if guards_account && matches!(actor, Actor::Token(_)) {
            return Err(ValidationError::general(ErrorCode::MutationNotAllowed));
        }
        Ok(())
    }

    /// Applies the mutation to `state` as `ctx` says who and when: either `state` changes
    /// and the result says what changed, or it is refused and `state` is as it was.
    pub fn apply(&self, state: &mut UserState, ctx: &ApplyCtx) -> Result<Change, Rejection> {
        self.allowed_for(&ctx.actor)?;
        // Each kind checks before it writes; the copy makes "unchanged on refusal" hold
        // whatever a future kind does.
        let before = state.clone();
        let applied = self.apply_kind(state, ctx);
        if applied.is_err() {
            *state = before;
        }
        applied
    }
}

/// The profile `profile_id` names, or `profile.missing`.
fn profile_of(
    state: &mut UserState,
    profile_id: uuid::Uuid,
) -> Result<&mut crate::state::ProfileRecord, Rejection> {
    state
        .profile
        .as_mut()
        .filter(|p| p.id == profile_id)
        .ok_or_else(|| ValidationError::general(ErrorCode::ProfileMissing))
}
