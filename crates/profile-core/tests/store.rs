//! The local store on real SQLite files: first start, profile.set, validation, atomicity.

use profile_core::{
    CoreError, Env, ErrorCode, FirstRun, Language, ManualClock, Mutation, ProfileChanges,
    ProfileSet, ProfileStore, Randomness,
};
use std::sync::Arc;
use tempfile::TempDir;

const T0: i64 = 1_780_000_000_000;

fn test_env(clock: &Arc<ManualClock>) -> Env {
    Env {
        clock: clock.clone(),
        random: Randomness::seeded(7),
    }
}

async fn open(dir: &TempDir, clock: &Arc<ManualClock>) -> ProfileStore {
    ProfileStore::open(&dir.path().join("profile.sqlite3"), test_env(clock))
        .await
        .expect("store opens")
}

fn first_run() -> FirstRun {
    FirstRun {
        name: "Anna Petrova".into(),
        language: Language::En,
        time_zone: "Asia/Yekaterinburg".into(),
    }
}

fn name_change(name: &str) -> ProfileChanges {
    ProfileChanges {
        name: Some(name.into()),
        ..ProfileChanges::default()
    }
}

async fn scalar(store: &ProfileStore, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(store.database().pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn first_start_creates_the_profile_once() {
    let dir = TempDir::new().unwrap();
    let clock = Arc::new(ManualClock::at(T0));
    let store = open(&dir, &clock).await;
    assert_eq!(store.profile().await.unwrap(), None);

    let created = store.ensure_profile(first_run()).await.unwrap();
    assert_eq!(created.name, "Anna Petrova");
    assert_eq!(created.language, Language::En);
    assert_eq!(created.created_at, T0);

    clock.advance(1_000);
    let again = store
        .ensure_profile(FirstRun {
            name: "Someone Else".into(),
            language: Language::Ru,
            time_zone: "UTC".into(),
        })
        .await
        .unwrap();
    assert_eq!(again, created, "a second start keeps the existing profile");

    let pending = store.pending().await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].seq, 1);
    assert!(matches!(pending[0].mutation, Mutation::ProfileCreate(_)));
    assert_eq!(pending[0].mutation_id.get_version_num(), 7);
}

#[tokio::test]
async fn a_name_change_is_applied_and_queued_together() {
    let dir = TempDir::new().unwrap();
    let clock = Arc::new(ManualClock::at(T0));
    let store = open(&dir, &clock).await;
    let created = store.ensure_profile(first_run()).await.unwrap();

    clock.advance(5_000);
    let updated = store.update(name_change("  Анна Петрова  ")).await.unwrap();
    assert_eq!(updated.name, "Анна Петрова", "stored trimmed");
    assert_eq!(updated.updated_at, T0 + 5_000);
    assert_eq!(updated.created_at, created.created_at);

    let pending = store.pending().await.unwrap();
    assert_eq!(pending.len(), 2);
    assert_eq!(pending[1].seq, 2);
    assert_eq!(pending[1].created_at, T0 + 5_000);
    assert_eq!(
        pending[1].mutation,
        Mutation::ProfileSet(ProfileSet {
            profile_id: created.id,
            name: Some("Анна Петрова".into()),
            ..ProfileSet::default()
        })
    );
    let (secs, nanos) = pending[1].mutation_id.get_timestamp().unwrap().to_unix();
    let ms = i64::try_from(secs * 1000).unwrap() + i64::from(nanos / 1_000_000);
    assert_eq!(ms, T0 + 5_000, "the UUIDv7 carries the clock's time");
    assert!(
        pending[0].mutation_id < pending[1].mutation_id,
        "ids sort by time"
    );
}

#[tokio::test]
async fn the_language_choice_persists_across_reopening() {
    let dir = TempDir::new().unwrap();
    let clock = Arc::new(ManualClock::at(T0));
    let store = open(&dir, &clock).await;
    store.ensure_profile(first_run()).await.unwrap();
    store
        .update(ProfileChanges {
            language: Some(Language::Ru),
            ..ProfileChanges::default()
        })
        .await
        .unwrap();
    store.close().await;

    let reopened = open(&dir, &clock).await;
    let profile = reopened.profile().await.unwrap().unwrap();
    assert_eq!(profile.language, Language::Ru);
    assert_eq!(profile.name, "Anna Petrova", "untouched fields stay");
}

#[tokio::test]
async fn refused_names_change_nothing() {
    let dir = TempDir::new().unwrap();
    let clock = Arc::new(ManualClock::at(T0));
    let store = open(&dir, &clock).await;
    let before = store.ensure_profile(first_run()).await.unwrap();

    for (input, code) in [
        ("", ErrorCode::ProfileNameRequired),
        ("   \t ", ErrorCode::ProfileNameRequired),
        (&"я".repeat(101)[..], ErrorCode::ProfileNameTooLong),
        ("Anna\u{0}", ErrorCode::ProfileNameInvalid),
    ] {
        let err = store.update(name_change(input)).await.unwrap_err();
        assert_eq!(err.code(), code, "{input:?}");
        assert_eq!(err.field(), Some("name"));
    }
    let err = store
        .update(name_change(&"я".repeat(101)))
        .await
        .unwrap_err();
    assert_eq!(err.params()["max"], 100);

    assert_eq!(store.profile().await.unwrap().unwrap(), before);
    assert_eq!(
        store.pending().await.unwrap().len(),
        1,
        "only the creation is queued"
    );
    assert_eq!(scalar(&store, "SELECT next_seq FROM sync_client").await, 2);
}

#[tokio::test]
async fn a_failure_after_the_apply_step_leaves_neither_change_nor_outbox_row() {
    let dir = TempDir::new().unwrap();
    let clock = Arc::new(ManualClock::at(T0));
    let store = open(&dir, &clock).await;
    let before = store.ensure_profile(first_run()).await.unwrap();

    // The outbox append runs after the profile row has been updated in the same transaction;
    // make that append fail for real, inside SQLite.
    sqlx::query(
        "CREATE TRIGGER fail_outbox BEFORE INSERT ON outbox \
         BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
    )
    .execute(store.database().pool())
    .await
    .unwrap();

    let err = store.update(name_change("Changed Name")).await.unwrap_err();
    assert!(matches!(err, CoreError::Storage(_)), "{err:?}");
    assert_eq!(
        err.code(),
        ErrorCode::Internal,
        "internals never reach the UI"
    );
    assert_eq!(
        store.profile().await.unwrap().unwrap(),
        before,
        "the apply was rolled back"
    );
    assert_eq!(scalar(&store, "SELECT COUNT(*) FROM outbox").await, 1);
    assert_eq!(
        scalar(&store, "SELECT next_seq FROM sync_client").await,
        2,
        "seq not consumed"
    );

    sqlx::query("DROP TRIGGER fail_outbox")
        .execute(store.database().pool())
        .await
        .unwrap();
    store.update(name_change("Changed Name")).await.unwrap();
    let pending = store.pending().await.unwrap();
    assert_eq!(pending.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2]);
}

#[tokio::test]
async fn sequence_numbers_never_repeat_after_acknowledged_rows_leave() {
    let dir = TempDir::new().unwrap();
    let clock = Arc::new(ManualClock::at(T0));
    let store = open(&dir, &clock).await;
    store.ensure_profile(first_run()).await.unwrap();
    store.update(name_change("Second")).await.unwrap();
    sqlx::query("DELETE FROM outbox")
        .execute(store.database().pool())
        .await
        .unwrap();
    store.update(name_change("Third")).await.unwrap();
    let pending = store.pending().await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].seq, 3);
}

#[tokio::test]
async fn a_change_to_a_missing_profile_is_refused() {
    let dir = TempDir::new().unwrap();
    let clock = Arc::new(ManualClock::at(T0));
    let store = open(&dir, &clock).await;
    let err = store.update(name_change("Nobody")).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::ProfileMissing);

    let stray = Mutation::ProfileSet(ProfileSet {
        profile_id: uuid_of("0190f5c2-0000-7000-8000-000000000000"),
        name: Some("Ghost".into()),
        ..ProfileSet::default()
    });
    let err = store.commit(stray).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::ProfileMissing);
    assert!(store.pending().await.unwrap().is_empty(), "nothing queued");
}

fn uuid_of(s: &str) -> uuid::Uuid {
    s.parse().unwrap()
}

#[tokio::test]
async fn the_database_uses_wal_and_foreign_keys_and_is_sound() {
    let dir = TempDir::new().unwrap();
    let clock = Arc::new(ManualClock::at(T0));
    let store = open(&dir, &clock).await;
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(store.database().pool())
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    assert_eq!(scalar(&store, "PRAGMA foreign_keys").await, 1);
    // FULL: only the migrations skip syncing; every save the store makes waits for the disk.
    assert_eq!(scalar(&store, "PRAGMA synchronous").await, 2);
    assert!(store.database().integrity_ok().await.unwrap());
}

#[tokio::test]
async fn details_are_saved_normalised_and_cleared_with_an_empty_value() {
    let dir = TempDir::new().unwrap();
    let clock = Arc::new(ManualClock::at(T0));
    let store = open(&dir, &clock).await;
    store.ensure_profile(first_run()).await.unwrap();

    let saved = store
        .update(ProfileChanges {
            email: Some(" anna@example.com ".into()),
            organization: Some(" Acure ".into()),
            phone: Some("+7 (912) 345-67-89".into()),
            ..ProfileChanges::default()
        })
        .await
        .unwrap();
    assert_eq!(saved.email.as_deref(), Some("anna@example.com"));
    assert_eq!(saved.organization.as_deref(), Some("Acure"));
    assert_eq!(saved.phone.as_deref(), Some("+79123456789"));
    assert_eq!(saved.phone_display.as_deref(), Some("+7 912 345-67-89"));
    assert_eq!(saved.name, "Anna Petrova", "fields not named stay");

    let pending = store.pending().await.unwrap();
    let Mutation::ProfileSet(set) = &pending[1].mutation else {
        panic!("{pending:?}")
    };
    assert_eq!(
        set.phone.as_deref(),
        Some("+79123456789"),
        "the outbox holds the normalised value"
    );
    assert_eq!(set.name, None);

    let cleared = store
        .update(ProfileChanges {
            organization: Some("  ".into()),
            ..ProfileChanges::default()
        })
        .await
        .unwrap();
    assert_eq!(cleared.organization, None);
    assert_eq!(cleared.email.as_deref(), Some("anna@example.com"));
}

#[tokio::test]
async fn a_refused_detail_saves_none_of_the_batch() {
    let dir = TempDir::new().unwrap();
    let clock = Arc::new(ManualClock::at(T0));
    let store = open(&dir, &clock).await;
    let before = store.ensure_profile(first_run()).await.unwrap();
    let err = store
        .update(ProfileChanges {
            name: Some("New Name".into()),
            phone: Some("8 912 345 67 89".into()),
            ..ProfileChanges::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::ProfilePhoneNeedsCountryCode);
    assert_eq!(err.field(), Some("phone"));
    assert_eq!(store.profile().await.unwrap().unwrap(), before);
    assert_eq!(store.pending().await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_time_zone_starts_as_the_os_one_and_only_known_zones_are_saved() {
    let dir = TempDir::new().unwrap();
    let clock = Arc::new(ManualClock::at(T0));
    let store = open(&dir, &clock).await;
    let created = store.ensure_profile(first_run()).await.unwrap();
    assert_eq!(created.time_zone, "Asia/Yekaterinburg");

    let err = store
        .update(ProfileChanges {
            time_zone: Some("Mars/Olympus_Mons".into()),
            ..ProfileChanges::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::ProfileTimeZoneInvalid);
    assert_eq!(err.field(), Some("time_zone"));

    let saved = store
        .update(ProfileChanges {
            time_zone: Some("Europe/Kiev".into()),
            ..ProfileChanges::default()
        })
        .await
        .unwrap();
    assert_eq!(
        saved.time_zone, "Europe/Kyiv",
        "old names are stored under the current one"
    );
}

#[tokio::test]
async fn an_unknown_os_time_zone_falls_back_to_utc_on_first_start() {
    let dir = TempDir::new().unwrap();
    let clock = Arc::new(ManualClock::at(T0));
    let store = open(&dir, &clock).await;
    let created = store
        .ensure_profile(FirstRun {
            time_zone: "Nowhere/Special".into(),
            ..first_run()
        })
        .await
        .unwrap();
    assert_eq!(created.time_zone, "UTC");
}
