//! The local store's schema: synced and device-local tables listed once, and a store made
//! by the previous version (before migration 0004) opened with nothing lost.

use profile_core::db::MIGRATOR;
use profile_core::{tables, Env, ManualClock, ProfileStore, Randomness};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};
use std::sync::Arc;
use tempfile::TempDir;

const T0: i64 = 1_780_000_000_000;

fn env() -> Env {
    Env {
        clock: Arc::new(ManualClock::at(T0)),
        random: Randomness::seeded(3),
    }
}

#[tokio::test]
async fn every_table_is_listed_once_as_synced_or_device_local() {
    let dir = TempDir::new().unwrap();
    let store = ProfileStore::open(&dir.path().join("p.sqlite3"), env())
        .await
        .unwrap();
    let mut names: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx_%' ORDER BY name",
    )
    .fetch_all(store.database().pool())
    .await
    .unwrap();
    let mut listed: Vec<String> = tables::SYNCED
        .iter()
        .chain(tables::DEVICE_LOCAL)
        .map(|t| t.to_string())
        .collect();
    names.sort();
    listed.sort();
    assert_eq!(names, listed);
}

#[tokio::test]
async fn a_store_of_the_previous_version_keeps_its_account_sign_in_avatar_and_outbox() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("old.sqlite3");
    // The schema as the previous version left it: migrations 0001–0003 only.
    let mut conn = SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true)
        .connect()
        .await
        .unwrap();
    let mut previous = sqlx::migrate::Migrator::DEFAULT;
    previous.migrations = MIGRATOR.migrations[..3].to_vec().into();
    previous.run(&mut conn).await.unwrap();
    let picture = vec![0xFF, 0xD8, 1, 2, 3];
    for sql in [
        "INSERT INTO profile (id, name, language, created_at, updated_at, avatar, avatar_mime) \
         VALUES ('0190f5c2-0000-7000-8000-000000000001', 'Anna', 'ru', 1, 2, ?1, 'image/jpeg')",
        "INSERT INTO session (id, profile_id, device_name, os, app_version, started_at, \
         last_active_at) VALUES ('0190f5c2-0000-7000-8000-000000000002', \
         '0190f5c2-0000-7000-8000-000000000001', 'laptop', 'Linux', '0.1.0', 1, 1)",
        "INSERT INTO account (profile_id, password_hash, password_version, current_session_id) \
         VALUES ('0190f5c2-0000-7000-8000-000000000001', '$argon2id$v=19$x', 3, \
         '0190f5c2-0000-7000-8000-000000000002')",
        "INSERT INTO outbox (seq, mutation_id, name, payload, created_at) \
         VALUES (1, '0190f5c2-0000-7000-8000-000000000009', 'profile.set', \
         '{\"profile_id\":\"0190f5c2-0000-7000-8000-000000000001\",\"name\":\"Anna\"}', 1)",
        "UPDATE sync_client SET next_seq = 2",
    ] {
        sqlx::query(sql)
            .bind(&picture)
            .execute(&mut conn)
            .await
            .unwrap();
    }
    conn.close().await.unwrap();

    let store = ProfileStore::open(&path, env()).await.unwrap();
    let pool = store.database().pool();
    let (hash, version): (String, i64) =
        sqlx::query_as("SELECT password_hash, password_version FROM credential")
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!((hash.as_str(), version), ("$argon2id$v=19$x", 3));
    let current: Option<String> =
        sqlx::query_scalar("SELECT current_session_id FROM device WHERE id = 1")
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!(
        current.as_deref(),
        Some("0190f5c2-0000-7000-8000-000000000002")
    );
    // The picture moved to the blob table under its hash; the profile names it.
    let (inline, sha): (Option<Vec<u8>>, Option<String>) =
        sqlx::query_as("SELECT avatar, avatar_sha256 FROM profile")
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!(inline, None);
    let sha = sha.expect("a hash");
    assert_eq!(sha, profile_core::mutation::sha256_hex(&picture));
    let bytes: Vec<u8> = sqlx::query_scalar("SELECT bytes FROM avatar_blob WHERE sha256 = ?")
        .bind(&sha)
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(bytes, picture);
    let profile = store.profile().await.unwrap().unwrap();
    assert!(profile
        .avatar
        .unwrap()
        .starts_with("data:image/jpeg;base64,"));
    // The queued change is still pending, and the next one follows it.
    let pending = store.pending().await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].seq, 1);
    let (count, next): (i64, i64) =
        sqlx::query_as("SELECT (SELECT COUNT(*) FROM outbox), next_seq FROM sync_client")
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!((count, next), (1, 2));
}
