//! The data directory and the database with its -wal and -shm are the owner's only
//! (0700/0600) whatever the umask, and looser ones left by an older version are tightened.
#![cfg(unix)]

use profile_core::db::with_suffix;
use profile_core::{Env, FirstRun, Language, ProfileStore};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use tempfile::TempDir;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// The usual desktop umask, under which plain creation gives 0755 folders and 0644 files.
fn desktop_umask() {
    // SAFETY: umask only swaps the process's file-creation mask; every test here sets the same.
    unsafe { libc::umask(0o022) };
}

fn first_run() -> FirstRun {
    FirstRun {
        name: "Anna".into(),
        language: Language::En,
        time_zone: "UTC".into(),
    }
}

/// Asserts the folder, the database and its -wal and -shm (present while a store is open).
fn assert_private(dir: &Path, db: &Path) {
    assert_eq!(mode(dir), 0o700, "{}", dir.display());
    for path in [
        db.to_owned(),
        with_suffix(db, "-wal"),
        with_suffix(db, "-shm"),
    ] {
        assert_eq!(mode(&path), 0o600, "{}", path.display());
    }
}

#[tokio::test]
async fn a_new_store_is_private_whatever_the_umask() {
    desktop_umask();
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("share").join("com.acure.profile");
    profile_core::store::create_data_dir(&dir).unwrap();
    let db = dir.join("profile.sqlite3");
    let store = ProfileStore::open(&db, Env::system()).await.unwrap();
    store.ensure_profile(first_run()).await.unwrap();
    assert_private(&dir, &db);
    store.close().await;
}

#[tokio::test]
async fn an_older_versions_loose_modes_are_tightened_at_open() {
    desktop_umask();
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("com.acure.profile");
    let db = dir.join("profile.sqlite3");
    profile_core::store::create_data_dir(&dir).unwrap();
    // As an older version left them: everything readable by everyone.
    let older = ProfileStore::open(&db, Env::system()).await.unwrap();
    older.ensure_profile(first_run()).await.unwrap();
    set_mode(&dir, 0o755);
    for path in [
        db.clone(),
        with_suffix(&db, "-wal"),
        with_suffix(&db, "-shm"),
    ] {
        set_mode(&path, 0o644);
    }

    profile_core::store::create_data_dir(&dir).unwrap();
    let store = ProfileStore::open(&db, Env::system()).await.unwrap();
    assert_private(&dir, &db);
    store.close().await;
    older.close().await;
}
