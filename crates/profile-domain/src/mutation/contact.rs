//! `contact.upsert` and `contact.remove`: the person's notification contacts, checked
//! against the channel catalog of whoever applies them.
//!
//! Two rules hold after any interleaving of devices, because every application enforces
//! them on the whole state: a channel has at most one preferred contact, and a contact
//! removed anywhere stays removed (an edit made concurrently elsewhere is refused with
//! `contact.not_found`, not turned into a new contact).

use super::{ApplyCtx, Change, Kind, Rejection};
use crate::channel::{ContactKind, VALUE_FIELD, VALUE_MAX_CHARS};
use crate::error::{ErrorCode, ValidationError};
use crate::state::{ContactRecord, UserState};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Adds a contact (`create`) or rewrites an existing one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactUpsert {
    /// The contact; a new UUIDv7 when `create`.
    pub contact_id: Uuid,
    /// The catalog channel, e.g. `email`.
    pub channel: String,
    /// The contact as typed; stored in its kind's form.
    pub value: String,
    /// Whether notifications go to it.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Whether it comes first on its channel; the others lose the mark.
    #[serde(default)]
    pub preferred: bool,
    /// A new contact: refused if the id exists. Otherwise the contact must still exist, so
    /// an edit never brings back a contact removed elsewhere.
    #[serde(default)]
    pub create: bool,
}

fn yes() -> bool {
    true
}

/// Removes a contact; removing one already gone is not an error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactRemove {
    /// The contact.
    pub contact_id: Uuid,
}

/// The contacts of `channel`, oldest first.
fn on_channel<'s>(
    state: &'s UserState,
    channel: &'s str,
) -> impl Iterator<Item = &'s ContactRecord> {
    let mut list: Vec<_> = state
        .contacts
        .values()
        .filter(|c| c.channel == channel)
        .collect();
    list.sort_by_key(|c| (c.created_at, c.id));
    list.into_iter()
}

/// Gives `channel` a preferred contact when it has contacts and none is marked: the oldest
/// enabled one, else the oldest. Returns the contact it marked.
fn ensure_preferred(state: &mut UserState, channel: &str, now_ms: i64) -> Option<Uuid> {
    if on_channel(state, channel).any(|c| c.preferred) {
        return None;
    }
    let pick = on_channel(state, channel)
        .find(|c| c.enabled)
        .or_else(|| on_channel(state, channel).next())
        .map(|c| c.id)?;
    let contact = state.contacts.get_mut(&pick)?;
    contact.preferred = true;
    contact.updated_at = now_ms;
    Some(pick)
}

impl Kind for ContactUpsert {
    fn validated(self) -> Result<Self, ValidationError> {
        // The kind's rule needs the catalog and runs in `apply`; here only what no kind
        // accepts.
        if self.channel.is_empty() || self.channel.len() > 32 {
            return Err(ValidationError::general(ErrorCode::ContactChannelUnknown));
        }
        if self.value.chars().count() > VALUE_MAX_CHARS {
            return Err(
                ValidationError::new(ErrorCode::ContactTextTooLong, VALUE_FIELD)
                    .with("max", VALUE_MAX_CHARS),
            );
        }
        Ok(self)
    }

    fn apply(&self, state: &mut UserState, ctx: &ApplyCtx) -> Result<Change, Rejection> {
        if state.profile.is_none() {
            return Err(ValidationError::general(ErrorCode::ProfileMissing));
        }
        let channel = ctx
            .catalog
            .channel(&self.channel)
            .ok_or_else(|| ValidationError::general(ErrorCode::ContactChannelUnknown))?;
        let kind: &ContactKind = &channel.kind;
        let existing = state.contacts.get(&self.contact_id).map(|c| c.created_at);
        let same_channel = state
            .contacts
            .get(&self.contact_id)
            .is_none_or(|c| c.channel == self.channel);
        match (self.create, existing) {
            (true, Some(_)) => return Err(ValidationError::general(ErrorCode::RequestInvalid)),
            (false, None) => return Err(ValidationError::general(ErrorCode::ContactNotFound)),
            (false, Some(_)) if !same_channel => {
                return Err(ValidationError::general(ErrorCode::RequestInvalid))
            }
            _ => {}
        }
        let value = kind.normalize(&self.value)?;
        let others: Vec<&ContactRecord> = on_channel(state, &self.channel)
            .filter(|c| c.id != self.contact_id)
            .collect();
        if others.iter().any(|c| kind.same(&c.value, &value)) {
            return Err(ValidationError::new(
                ErrorCode::ContactDuplicate,
                VALUE_FIELD,
            ));
        }
        if others.len() >= channel.max_contacts() {
            return Err(ValidationError::new(ErrorCode::ContactTooMany, VALUE_FIELD)
                .with("max", channel.max_contacts()));
        }
        let mut change = Change {
            contacts: vec![self.contact_id],
            ..Change::default()
        };
        if self.preferred {
            for other in state
                .contacts
                .values_mut()
                .filter(|c| c.channel == self.channel && c.id != self.contact_id && c.preferred)
            {
                other.preferred = false;
                other.updated_at = ctx.now_ms;
                change.contacts.push(other.id);
            }
        }
        let created_at = existing.unwrap_or(ctx.now_ms);
        state.contacts.insert(
            self.contact_id,
            ContactRecord {
                id: self.contact_id,
                channel: self.channel.clone(),
                value,
                enabled: self.enabled,
                preferred: self.preferred,
                created_at,
                updated_at: ctx.now_ms,
            },
        );
        change
            .contacts
            .extend(ensure_preferred(state, &self.channel, ctx.now_ms));
        Ok(change)
    }
}

impl Kind for ContactRemove {
    fn validated(self) -> Result<Self, ValidationError> {
        Ok(self)
    }

    fn apply(&self, state: &mut UserState, ctx: &ApplyCtx) -> Result<Change, Rejection> {
        // Removed on another device already: the outcome this one wanted.
        let Some(removed) = state.contacts.remove(&self.contact_id) else {
            return Ok(Change::default());
        };
        let mut change = Change {
            contacts: vec![self.contact_id],
            ..Change::default()
        };
        change
            .contacts
            .extend(ensure_preferred(state, &removed.channel, ctx.now_ms));
        Ok(change)
    }
}
