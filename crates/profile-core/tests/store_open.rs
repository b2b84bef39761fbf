//! A store that cannot be opened says which file and why, each reason made for real on a
//! real file: damaged, made by a newer version, locked by another connection, forbidden,
//! or otherwise unavailable.

use profile_core::{CoreError, Env, ErrorCode, FirstRun, Language, OpenFailure, ProfileStore};
use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};
use sqlx::{ConnectOptions, Connection};
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// A store with a profile in it, closed again: an ordinary file from an earlier start.
async fn made_earlier(dir: &TempDir) -> PathBuf {
    let path = dir.path().join("profile.sqlite3");
    let store = ProfileStore::open(&path, Env::system()).await.unwrap();
    store
        .ensure_profile(FirstRun {
            name: "Anna".into(),
            language: Language::En,
            time_zone: "UTC".into(),
        })
        .await
        .unwrap();
    store.close().await;
    path
}

/// Opens `path` and returns why it failed, checking the error names the file.
async fn refusal(path: &Path) -> (OpenFailure, ErrorCode) {
    let err = ProfileStore::open(path, Env::system())
        .await
        .expect_err("the store must not open");
    let CoreError::StoreOpen(open) = &err else {
        panic!("not a store-open error: {err:?}");
    };
    assert_eq!(open.path, path);
    let params = err.params();
    assert_eq!(params["path"], path.display().to_string());
    assert_eq!(params["file"], "profile.sqlite3");
    assert_eq!(err.field(), None);
    (open.kind, err.code())
}

#[tokio::test]
async fn a_file_of_random_bytes_is_reported_corrupt() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("profile.sqlite3");
    let mut bytes = vec![0u8; 64 * 1024];
    StdRng::seed_from_u64(12).fill_bytes(&mut bytes);
    std::fs::write(&path, &bytes).unwrap();
    assert_eq!(
        refusal(&path).await,
        (OpenFailure::Corrupt, ErrorCode::StoreCorrupt)
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        bytes,
        "the damaged file is left as it was, for recovery"
    );
}

#[tokio::test]
async fn a_migration_this_build_does_not_know_means_a_newer_version() {
    let dir = TempDir::new().unwrap();
    let path = made_earlier(&dir).await;
    // What a newer version would have recorded after applying its migration 9999.
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&path)
        .connect()
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (9999, 'from the future', 1, x'00', 1)",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    assert_eq!(
        refusal(&path).await,
        (OpenFailure::NewerVersion, ErrorCode::StoreNewerVersion)
    );
}

#[tokio::test]
async fn a_file_held_exclusively_by_another_connection_is_reported_locked() {
    let dir = TempDir::new().unwrap();
    let path = made_earlier(&dir).await;
    // Another process's connection: exclusive locking, and a write takes the lock for good.
    let mut holder = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&path)
        .connect()
        .await
        .unwrap();
    sqlx::query("PRAGMA locking_mode = EXCLUSIVE")
        .execute(&mut holder)
        .await
        .unwrap();
    sqlx::query("UPDATE profile SET name = name")
        .execute(&mut holder)
        .await
        .unwrap();
    assert_eq!(
        refusal(&path).await,
        (OpenFailure::Locked, ErrorCode::StoreLocked)
    );
    holder.close().await.unwrap();
    ProfileStore::open(&path, Env::system())
        .await
        .expect("opens once the other connection is gone")
        .close()
        .await;
}

#[tokio::test]
async fn a_path_under_a_regular_file_is_reported_unavailable() {
    let dir = TempDir::new().unwrap();
    let not_a_folder = dir.path().join("data");
    std::fs::write(&not_a_folder, b"a file where the data folder should be").unwrap();
    let path = not_a_folder.join("profile.sqlite3");
    assert_eq!(
        refusal(&path).await,
        (OpenFailure::Unavailable, ErrorCode::StoreUnavailable)
    );
    let err = profile_core::store::create_data_dir(&not_a_folder).unwrap_err();
    assert_eq!(err.kind, OpenFailure::Unavailable);
    assert_eq!(err.path, not_a_folder);
}

/// Set in the child process of [`missing_permissions_are_reported_as_such`]: the files it
/// must find forbidden, separated by newlines.
#[cfg(unix)]
const CHILD_OPENS: &str = "ACURE_TEST_OPEN_AS_NOBODY";

/// Sets the permission bits of `path`.
#[cfg(unix)]
fn mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap()
}

/// Three stores this user may not use: a file with mode 0000; a file it may write in a
/// folder it may not write (SQLite cannot create the -wal there); a file it may write whose
/// -wal and -shm, left by a crash, are another user's.
#[cfg(unix)]
async fn forbidden(dirs: &[TempDir; 3]) -> [PathBuf; 3] {
    let sidecars = |db: &Path| ["-wal", "-shm"].map(|s| profile_core::db::with_suffix(db, s));
    let file = made_earlier(&dirs[0]).await;
    mode(&file, 0o000);
    mode(dirs[0].path(), 0o711);

    let in_folder = made_earlier(&dirs[1]).await;
    // A clean shut-down leaves no -wal and -shm: SQLite must create them.
    for sidecar in sidecars(&in_folder) {
        let _ = std::fs::remove_file(sidecar);
    }
    mode(&in_folder, 0o666);
    mode(dirs[1].path(), 0o555);

    let after_crash = made_earlier(&dirs[2]).await;
    for sidecar in sidecars(&after_crash) {
        profile_core::private_files::create_file(&sidecar).unwrap();
    }
    mode(&after_crash, 0o666);
    mode(dirs[2].path(), 0o711);
    [file, in_folder, after_crash]
}

#[cfg(unix)]
#[tokio::test]
async fn missing_permissions_are_reported_as_such() {
    use std::os::unix::process::CommandExt;

    if let Ok(paths) = std::env::var(CHILD_OPENS) {
        for path in paths.lines() {
            assert_eq!(
                refusal(Path::new(path)).await,
                (
                    OpenFailure::PermissionDenied,
                    ErrorCode::StorePermissionDenied
                ),
                "{path}"
            );
        }
        return;
    }
    let dirs = [(); 3].map(|()| TempDir::new().unwrap());
    let paths = forbidden(&dirs).await;
    // SAFETY: geteuid only reads the process's effective user id.
    if unsafe { libc::geteuid() } != 0 {
        for path in &paths {
            assert_eq!(
                refusal(path).await,
                (
                    OpenFailure::PermissionDenied,
                    ErrorCode::StorePermissionDenied
                ),
                "{}",
                path.display()
            );
        }
        return;
    }
    // Root may open any file whatever its mode, so a real refusal needs another user: this
    // test binary runs this one test again as `nobody`, which may pass through the folders
    // but neither open the 0000 file, nor write in the 0555 folder, nor open root's -shm.
    let list: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    // The test binary usually sits under root's home (the target directory), where `nobody`
    // may not go: run a copy from a folder it may read.
    let runner = TempDir::new().unwrap();
    mode(runner.path(), 0o755);
    let exe = runner.path().join("store_open");
    std::fs::copy(std::env::current_exe().unwrap(), &exe).unwrap();
    mode(&exe, 0o755);
    let child = std::process::Command::new(&exe)
        .args([
            "--exact",
            "missing_permissions_are_reported_as_such",
            "--test-threads=1",
        ])
        .env(CHILD_OPENS, list.join("\n"))
        .uid(65534)
        .gid(65534)
        .output()
        .unwrap();
    assert!(
        child.status.success(),
        "as nobody: {}\n{}",
        String::from_utf8_lossy(&child.stdout),
        String::from_utf8_lossy(&child.stderr)
    );
    assert!(
        String::from_utf8_lossy(&child.stdout).contains("1 passed"),
        "the child ran the check"
    );
}

#[tokio::test]
async fn a_write_while_another_program_holds_the_store_is_store_busy_not_internal() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("busy.sqlite3");
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true);
    let mut holder = options.clone().connect().await.unwrap();
    sqlx::query("CREATE TABLE t (x INTEGER)")
        .execute(&mut holder)
        .await
        .unwrap();
    sqlx::query("BEGIN EXCLUSIVE")
        .execute(&mut holder)
        .await
        .unwrap();
    // The real error SQLite gives a writer once its busy timeout (none here) is over.
    let mut writer = options
        .busy_timeout(std::time::Duration::ZERO)
        .connect()
        .await
        .unwrap();
    let err = sqlx::query("INSERT INTO t VALUES (1)")
        .execute(&mut writer)
        .await
        .unwrap_err();
    let core = CoreError::from(err);
    assert_eq!(core.code(), ErrorCode::StoreBusy);
    assert!(!core.is_internal());
    // Any other storage failure stays internal.
    let other = CoreError::from(sqlx::Error::RowNotFound);
    assert_eq!(other.code(), ErrorCode::Internal);
}
