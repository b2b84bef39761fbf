//! Notification contacts on a local profile, on real SQLite files: listed per built-in
//! channel in the interface language, saved through the domain's rules as outbox mutations,
//! kept across a reopen, and never half-written when refused.

use profile_core::contacts::{ContactLists, ContactSave};
use profile_core::{
    AccountStore, DeviceInfo, Env, ErrorCode, FirstRun, Language, ManualClock, ProfileStore,
    Randomness, SignedIn,
};
use std::path::Path;
use std::sync::Arc;
use tempfile::TempDir;

const T0: i64 = 1_780_000_000_000;
const PASSWORD: &str = "Ёжик123";

struct Device {
    profiles: ProfileStore,
    accounts: AccountStore,
}

async fn open(path: &Path) -> Device {
    let env = Env {
        clock: Arc::new(ManualClock::at(T0)),
        random: Randomness::seeded(3),
    };
    let profiles = ProfileStore::open(path, env.clone()).await.unwrap();
    let accounts = AccountStore::new(profiles.database().clone(), env);
    Device { profiles, accounts }
}

async fn created(dir: &TempDir) -> Device {
    let device = open(&dir.path().join("profile.sqlite3")).await;
    device
        .accounts
        .create_local_account(
            FirstRun {
                name: "Anna".into(),
                language: Language::En,
                time_zone: "Europe/Moscow".into(),
            },
            "anna@example.com",
            PASSWORD.into(),
            PASSWORD.into(),
            DeviceInfo {
                device_name: "laptop".into(),
                os: "Linux".into(),
                app_version: "0.1.0".into(),
            },
        )
        .await
        .unwrap();
    device
}

impl Device {
    async fn me(&self) -> SignedIn {
        self.accounts.signed_in(&self.profiles).await.unwrap()
    }

    async fn lists(&self, language: Language) -> ContactLists {
        self.me().await.contacts(language).await.unwrap()
    }

    async fn outbox(&self) -> Vec<&'static str> {
        let pending = self.profiles.pending().await.unwrap();
        pending.iter().map(|e| e.mutation.name()).collect()
    }
}

#[tokio::test]
async fn a_local_profile_lists_the_built_in_channels_in_its_language() {
    let dir = TempDir::new().unwrap();
    let device = created(&dir).await;
    let en = device.lists(Language::En).await;
    let ids: Vec<_> = en.channels.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        ["email", "sms", "telegram", "slack", "mattermost", "teams"]
    );
    assert!(en
        .channels
        .iter()
        .all(|c| c.editable && c.contacts.is_empty()));
    assert_eq!(en.channels[0].name, "E-mail");
    assert_eq!(en.channels[0].max_contacts, 10);
    assert_eq!(en.channels[2].max_contacts, 1);
    let ru = device.lists(Language::Ru).await;
    assert_eq!(ru.channels[0].name, "Электронная почта");
    assert!(ru.channels[3].steps[1].contains("Скопировать ID участника"));
    assert!(en.channels[3].steps[1].contains("Copy member ID"));
}

#[tokio::test]
async fn contacts_are_saved_normalised_through_the_outbox_and_survive_a_reopen() {
    let dir = TempDir::new().unwrap();
    let device = created(&dir).await;
    let me = device.me().await;
    let before = device.outbox().await.len();
    let email = me
        .save_contact(
            ContactSave::new("email", " anna@example.com "),
            Language::En,
        )
        .await
        .unwrap();
    assert_eq!(email.contacts[0].value, "anna@example.com");
    assert!(email.contacts[0].preferred && email.contacts[0].enabled);
    let second = me
        .save_contact(ContactSave::new("email", "anna@work.example"), Language::En)
        .await
        .unwrap();
    assert_eq!(second.contacts.len(), 2);
    let sms = me
        .save_contact(ContactSave::new("sms", "+7 912 345-67-89"), Language::En)
        .await
        .unwrap();
    assert_eq!(sms.contacts[0].value, "+79123456789");
    assert_eq!(sms.contacts[0].display, "+7 912 345-67-89");
    // Disable the first, prefer the second.
    let first_id = second.contacts[0].id;
    let second_id = second.contacts[1].id;
    me.save_contact(
        ContactSave {
            id: Some(first_id),
            enabled: Some(false),
            ..ContactSave::new("email", "anna@example.com")
        },
        Language::En,
    )
    .await
    .unwrap();
    let email = me
        .save_contact(
            ContactSave {
                id: Some(second_id),
                preferred: Some(true),
                ..ContactSave::new("email", "anna@work.example")
            },
            Language::En,
        )
        .await
        .unwrap();
    let first = &email.contacts[0];
    assert!(!first.enabled && !first.preferred);
    assert!(email.contacts[1].preferred);
    assert_eq!(
        device.outbox().await[before..],
        ["contact.upsert"; 5],
        "every change is one mutation in the outbox"
    );
    drop(me);
    device.profiles.database().pool().close().await;

    let again = open(&dir.path().join("profile.sqlite3")).await;
    let lists = again.lists(Language::En).await;
    let email = &lists.channels[0];
    assert_eq!(email.contacts.len(), 2);
    assert!(!email.contacts[0].enabled);
    assert!(email.contacts[1].preferred);
    assert_eq!(lists.channels[1].contacts[0].value, "+79123456789");
}

#[tokio::test]
async fn a_refused_contact_names_the_field_and_writes_nothing() {
    let dir = TempDir::new().unwrap();
    let device = created(&dir).await;
    let me = device.me().await;
    let before = device.outbox().await;
    for (channel, value, code) in [
        ("email", "anna@", ErrorCode::ContactEmailInvalid),
        (
            "sms",
            "8 912 345 67 89",
            ErrorCode::ContactPhoneNeedsCountryCode,
        ),
        ("telegram", "@ann", ErrorCode::ContactTelegramInvalid),
        ("slack", "C0123ABCD", ErrorCode::ContactSlackInvalid),
        ("mattermost", "@1anna", ErrorCode::ContactMattermostInvalid),
        ("teams", "anna", ErrorCode::ContactUpnInvalid),
        ("email", "  ", ErrorCode::ContactValueRequired),
        ("pigeon", "x", ErrorCode::ContactChannelUnknown),
    ] {
        let err = me
            .save_contact(ContactSave::new(channel, value), Language::En)
            .await
            .unwrap_err();
        assert_eq!(err.code(), code, "{channel} {value:?}");
        if code != ErrorCode::ContactChannelUnknown {
            assert_eq!(err.field(), Some("value"), "{channel}");
        }
    }
    me.save_contact(ContactSave::new("telegram", "@anna_petrova"), Language::En)
        .await
        .unwrap();
    let err = me
        .save_contact(ContactSave::new("telegram", "123456789"), Language::En)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::ContactTooMany);
    assert_eq!(device.outbox().await.len(), before.len() + 1);
    let lists = device.lists(Language::En).await;
    let total: usize = lists.channels.iter().map(|c| c.contacts.len()).sum();
    assert_eq!(total, 1);
}

#[tokio::test]
async fn clearing_removes_the_contact_and_the_next_becomes_preferred() {
    let dir = TempDir::new().unwrap();
    let device = created(&dir).await;
    let me = device.me().await;
    me.save_contact(ContactSave::new("email", "a@example.com"), Language::En)
        .await
        .unwrap();
    let email = me
        .save_contact(ContactSave::new("email", "b@example.com"), Language::En)
        .await
        .unwrap();
    let channel = me
        .remove_contact(email.contacts[0].id, Language::En)
        .await
        .unwrap()
        .expect("its channel");
    assert_eq!(channel.contacts.len(), 1);
    assert_eq!(channel.contacts[0].value, "b@example.com");
    assert!(channel.contacts[0].preferred);
    // Removing it again is not an error, and says nothing of a channel.
    assert!(me
        .remove_contact(email.contacts[0].id, Language::En)
        .await
        .unwrap()
        .is_none());
    assert_eq!(device.outbox().await.last(), Some(&"contact.remove"));
}
