//! Channels and contacts as the Notifications tab shows them: every catalog channel with
//! its name and instructions in the interface language, and its contacts.

use profile_domain::channel::{Catalog, Channel, ContactKind, Localized};
use profile_domain::fields::phone_for_display;
use profile_domain::language::Language;
use profile_domain::state::ContactRecord;
use serde::Serialize;
use uuid::Uuid;

/// One contact as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContactView {
    /// Its id.
    pub id: Uuid,
    /// As stored.
    pub value: String,
    /// As people read it (a phone number grouped).
    pub display: String,
    /// Whether notifications go to it.
    pub enabled: bool,
    /// Whether it comes first on its channel.
    pub preferred: bool,
}

/// One channel as listed, with its contacts (oldest first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChannelView {
    /// Its id.
    pub id: String,
    /// Its name in the interface language.
    pub name: String,
    /// The kind of contact it takes (`email`, `phone` …; a newer server's kind as written).
    pub kind: String,
    /// Whether this version can check its contacts; if not they are shown read-only.
    pub editable: bool,
    /// How many contacts it may hold.
    pub max_contacts: usize,
    /// Its instructions in the interface language; empty: ask the workspace's administrator.
    pub steps: Vec<String>,
    /// Whether the server can send a test notification on it.
    pub test_sender: bool,
    /// False for a channel the catalog no longer has (its contacts may only be removed).
    pub in_catalog: bool,
    /// Its contacts.
    pub contacts: Vec<ContactView>,
}

/// The whole tab.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContactLists {
    /// The catalog's channels in its order, then channels only contacts still name.
    pub channels: Vec<ChannelView>,
}

fn contact_view(kind: &ContactKind, c: &ContactRecord) -> ContactView {
    let display = match kind {
        ContactKind::Phone => phone_for_display(&c.value),
        _ => c.value.clone(),
    };
    ContactView {
        id: c.id,
        value: c.value.clone(),
        display,
        enabled: c.enabled,
        preferred: c.preferred,
    }
}

fn channel_view(
    channel: &Channel,
    in_catalog: bool,
    contacts: &[&ContactRecord],
    language: Language,
) -> ChannelView {
    let mut mine: Vec<&&ContactRecord> = contacts
        .iter()
        .filter(|c| c.channel == channel.id)
        .collect();
    mine.sort_by_key(|c| (c.created_at, c.id));
    ChannelView {
        id: channel.id.clone(),
        name: channel.name.get(language).to_owned(),
        kind: channel.kind.as_str().to_owned(),
        editable: in_catalog && channel.kind.is_known(),
        max_contacts: channel.max_contacts(),
        steps: channel
            .instructions
            .as_ref()
            .map(|s| s.get(language).to_vec())
            .unwrap_or_default(),
        test_sender: channel.test_sender,
        in_catalog,
        contacts: mine
            .iter()
            .map(|c| contact_view(&channel.kind, c))
            .collect(),
    }
}

/// Every channel of `catalog` with its contacts, then any channel only `contacts` name.
pub(crate) fn lists(
    catalog: &Catalog,
    contacts: &[&ContactRecord],
    language: Language,
) -> ContactLists {
    let mut channels: Vec<ChannelView> = catalog
        .channels
        .iter()
        .map(|ch| channel_view(ch, true, contacts, language))
        .collect();
    let mut orphans: Vec<&str> = contacts
        .iter()
        .map(|c| c.channel.as_str())
        .filter(|id| catalog.channel(id).is_none())
        .collect();
    orphans.sort_unstable();
    orphans.dedup();
    for id in orphans {
        // Gone from the catalog: shown under its id, removable, not editable.
        let gone = Channel {
            id: id.to_owned(),
            name: Localized {
                en: id.to_owned(),
                ru: String::new(),
            },
            kind: ContactKind::Unknown(String::new()),
            multiple: true,
            instructions: None,
            test_sender: false,
        };
        channels.push(channel_view(&gone, false, contacts, language));
    }
    ContactLists { channels }
}
