//! Notification contacts on this device: listed per channel of the catalog in force, and
//! changed as `contact.upsert` / `contact.remove` mutations that sync like any other. Works
//! on a local profile (with the built-in catalog) as on a linked one.

pub(crate) mod catalog;
mod view;

pub use view::{ChannelView, ContactLists, ContactView};

use crate::db::Database;
use crate::env::Env;
use crate::error::CoreError;
use crate::ids::new_id;
use crate::language::Language;
use crate::mutation::MutationLog;
use crate::security::SessionId;
use crate::synced;
use profile_domain::mutation::{ContactRemove, ContactUpsert, Mutation};
use serde::Deserialize;
use uuid::Uuid;

/// A contact's id (UUIDv7).
pub type ContactId = Uuid;

/// What a row's «Save» (or its switches) asks for.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactSave {
    /// The channel, e.g. `email`.
    pub channel: String,
    /// The contact to change; none adds a new one.
    #[serde(default)]
    pub id: Option<ContactId>,
    /// The contact as typed.
    pub value: String,
    /// Whether notifications go to it; unchanged (a new one: on) when absent.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Make it the channel's preferred contact.
    #[serde(default)]
    pub preferred: Option<bool>,
}

impl ContactSave {
    /// A new contact `value` on `channel`, enabled, preferred only if it is the first.
    pub fn new(channel: &str, value: &str) -> Self {
        Self {
            channel: channel.into(),
            id: None,
            value: value.into(),
            enabled: None,
            preferred: None,
        }
    }
}

/// The contacts of the person signed in on this device.
#[derive(Debug, Clone)]
pub struct ContactStore {
    db: Database,
    log: MutationLog,
    env: Env,
}

impl ContactStore {
    /// Contacts in `db`, changed through `log`, with time and ids from `env`.
    pub fn new(db: Database, log: MutationLog, env: Env) -> Self {
        Self { db, log, env }
    }

    /// Every channel with its contacts, names and instructions in `language`.
    pub async fn lists(&self, language: Language) -> Result<ContactLists, CoreError> {
        let mut conn = self.db.pool().acquire().await?;
        let catalog = catalog::current(&mut conn).await?;
        let state = synced::load(&mut conn).await?;
        let contacts: Vec<_> = state.contacts.values().collect();
        Ok(view::lists(&catalog, &contacts, language))
    }

    /// Adds or changes a contact as `me`; returns its channel as listed now.
    pub async fn save(
        &self,
        me: SessionId,
        save: ContactSave,
        language: Language,
    ) -> Result<ChannelView, CoreError> {
        let existing = match save.id {
            Some(id) => {
                let mut conn = self.db.pool().acquire().await?;
                synced::load(&mut conn).await?.contacts.remove(&id)
            }
            None => None,
        };
        let upsert = ContactUpsert {
            contact_id: save.id.unwrap_or_else(|| new_id(&self.env)),
            channel: save.channel.clone(),
            value: save.value,
            enabled: save
                .enabled
                .unwrap_or_else(|| existing.as_ref().is_none_or(|c| c.enabled)),
            preferred: save
                .preferred
                .unwrap_or_else(|| existing.as_ref().is_some_and(|c| c.preferred)),
            create: save.id.is_none(),
        };
        self.log
            .commit_as(me, vec![Mutation::ContactUpsert(upsert)])
            .await?;
        self.channel(&save.channel, language).await
    }

    /// Removes a contact as `me`; returns its channel as listed now.
    pub async fn remove(
        &self,
        me: SessionId,
        id: ContactId,
        language: Language,
    ) -> Result<Option<ChannelView>, CoreError> {
        let channel = {
            let mut conn = self.db.pool().acquire().await?;
            synced::load(&mut conn)
                .await?
                .contacts
                .get(&id)
                .map(|c| c.channel.clone())
        };
        self.log
            .commit_as(
                me,
                vec![Mutation::ContactRemove(ContactRemove { contact_id: id })],
            )
            .await?;
        match channel {
            Some(channel) => Ok(Some(self.channel(&channel, language).await?)),
            None => Ok(None),
        }
    }

    async fn channel(&self, id: &str, language: Language) -> Result<ChannelView, CoreError> {
        self.lists(language)
            .await?
            .channels
            .into_iter()
            .find(|c| c.id == id)
            .ok_or_else(|| CoreError::Corrupt(format!("channel {id} vanished")))
    }
}
