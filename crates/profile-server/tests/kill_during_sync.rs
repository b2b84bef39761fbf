//! Durability of sync: a device process is killed with SIGKILL at random moments while it
//! commits changes and syncs them with a real server over TCP (DESIGN.md §6). After every
//! restart it carries on from what its store holds; at the end, once it has synced
//! everything, no change it committed is lost and the server applied each exactly once.
//!
//! The server is the real router on SQLite, served in this process on a loopback port. The
//! device is this test binary run again as `device_child` (ignored, and inert unless
//! `ACURE_KILL_CHILD=1`): it opens its store, signs in on its first run (the session secret
//! goes to the private file, as where no keychain works), then loops: commit a `profile.set`
//! of organization `n<k>`, print `committed <k> <mutation id> <seq>`, sync once, print
//! `synced <pending>`. `KILL_SYNC_SEED=<n>` repeats the kill timings of a run.
#![cfg(unix)]

mod common;

use common::{Backend, TestDb, TestServer};
use profile_core::server::{LocalProfile, MemoryKeychain, SecretVault, ServerLink, ServerSignIn};
use profile_core::{DeviceInfo, Env, Mutation, Password, ProfileSet, ProfileStore};
use rand::{Rng, SeedableRng};
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};
use uuid::Uuid;

const ITERATIONS: usize = 40;
const EMAIL: &str = "anna@example.com";
const PASSWORD: &str = "Nebula-Kettle-42";

/// Set in the child's environment: run as the device.
const CHILD_VAR: &str = "ACURE_KILL_CHILD";
/// The device's data directory.
const DIR_VAR: &str = "ACURE_KILL_DIR";
/// The server's base URL.
const URL_VAR: &str = "ACURE_KILL_URL";
/// Set for the last run: commit nothing, sync until nothing is pending, exit.
const FINAL_VAR: &str = "ACURE_KILL_FINAL";

// ---------------------------------------------------------------------------------------
// The device (child process).

/// Marks the device's lines: libtest prints `test <name> ... ` before the test's own
/// output, without a line break, so the first line comes after that prefix.
const MARK: &str = "device> ";

/// Prints one line for the parent, flushed at once (a kill may follow any moment).
fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{MARK}{line}").unwrap();
    out.flush().unwrap();
}

/// The `k` of organization `n<k>`; 0 before the first change.
fn index_of(organization: Option<&str>) -> u64 {
    organization
        .and_then(|o| o.strip_prefix('n'))
        .map(|k| k.parse().expect("an organization of the form n<k>"))
        .unwrap_or(0)
}

/// The device, in the child process the parent test spawns (the test binary itself,
/// running the parent test by name with `CHILD_VAR` set).
fn device_child() {
    let dir = PathBuf::from(std::env::var(DIR_VAR).expect("the data directory"));
    let url = std::env::var(URL_VAR).expect("the server URL");
    let last_run = std::env::var(FINAL_VAR).as_deref() == Ok("1");
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(device(&dir, &url, last_run));
}

async fn device(dir: &Path, url: &str, last_run: bool) {
    let env = Env::system();
    let store = ProfileStore::open(&dir.join("profile.sqlite3"), env.clone())
        .await
        .expect("the store opens");
    // No keychain, like a bare Linux machine: the secret goes to the file later runs read.
    let vault = SecretVault::new(Arc::new(MemoryKeychain::broken()), dir);
    let link = ServerLink::new(store.database().clone(), env, vault);
    let (client, _) = match link.sync_client().await.expect("reading the link") {
        Some(bound) => bound,
        None => {
            // The first run (or one killed before its sign-in was kept).
            let signed_in = link
                .sign_in(
                    ServerSignIn {
                        address: url.to_owned(),
                        email: EMAIL.into(),
                        password: Password::new(PASSWORD),
                        local: LocalProfile::Replace,
                        discard_unsent: false,
                    },
                    DeviceInfo {
                        device_name: "kill test".into(),
                        os: "Linux".into(),
                        app_version: "0.1.0".into(),
                    },
                )
                .await
                .expect("signing in");
            say(&format!("signed_in {:?}", signed_in.secret_storage));
            link.sync_client()
                .await
                .expect("reading the link")
                .expect("linked after signing in")
        }
    };
    say("ready");
    if last_run {
        for _ in 0..20 {
            match client.sync_once().await {
                Ok(outcome) if outcome.pending == 0 => {
                    say("final 0");
                    return;
                }
                Ok(outcome) => say(&format!("synced {}", outcome.pending)),
                Err(err) => {
                    say(&format!("sync_failed {err}"));
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
        panic!("the outbox did not empty in 20 rounds");
    }
    loop {
        let profile = store
            .existing_profile()
            .await
            .expect("the server's profile");
        let k = index_of(profile.organization.as_deref()) + 1;
        let committed = store
            .commit(Mutation::ProfileSet(ProfileSet {
                profile_id: profile.id,
                organization: Some(format!("n{k}")),
                ..ProfileSet::default()
            }))
            .await
            .expect("committing a change");
        say(&format!(
            "committed {k} {} {}",
            committed.mutation_id, committed.seq
        ));
        match client.sync_once().await {
            Ok(outcome) => say(&format!("synced {}", outcome.pending)),
            // Not expected against a server in reach; the parent counts these.
            Err(err) => say(&format!("sync_failed {err}")),
        }
    }
}

// ---------------------------------------------------------------------------------------
// The parent: the server, the kills, the checks.

/// What one run of the device printed.
#[derive(Default)]
struct Run {
    /// `(k, mutation id, seq)` of each change it committed.
    committed: Vec<(u64, Uuid, i64)>,
    /// Rounds it finished.
    synced: usize,
    /// Rounds that failed.
    failed: Vec<String>,
    /// Its last line: tells where the kill landed.
    last: Option<String>,
    /// It reached its loop (signed in, sync client ready).
    ready: bool,
    /// The last run reported an empty outbox.
    finished: bool,
}

impl Run {
    fn take(&mut self, line: &str) {
        let Some((_, line)) = line.split_once(MARK) else {
            return; // libtest's own lines
        };
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["committed", k, id, seq] => self.committed.push((
                k.parse().unwrap(),
                Uuid::parse_str(id).unwrap(),
                seq.parse().unwrap(),
            )),
            ["synced", _] => self.synced += 1,
            ["sync_failed", ..] => self.failed.push(line.to_owned()),
            ["ready"] => self.ready = true,
            ["signed_in", _] => {}
            ["final", "0"] => self.finished = true,
            _ => panic!("an unknown line from the device: {line:?}"),
        }
        self.last = Some(line.to_owned());
    }
}

fn spawn_device(dir: &Path, url: &str, last_run: bool) -> Child {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args([
            "--exact",
            "killing_the_device_mid_sync_never_loses_or_doubles_a_change",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_VAR, "1")
        .env(DIR_VAR, dir)
        .env(URL_VAR, url)
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if last_run {
        command.env(FINAL_VAR, "1");
    }
    command.spawn().expect("the device starts")
}

/// Reads the child's lines onto a channel until its stdout closes.
fn lines_of(child: &mut Child) -> (mpsc::Receiver<String>, std::thread::JoinHandle<()>) {
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (rx, reader)
}

/// When a kill comes.
#[derive(Clone, Copy, Debug)]
enum KillAt {
    /// `delay` after the spawn: may land in start-up, opening or signing in.
    AfterStart(Duration),
    /// `delay` after the device said it is ready: lands in the commit and sync loop.
    AfterReady(Duration),
}

/// Runs the device once and kills it with SIGKILL as `at` says.
fn run_and_kill(dir: &Path, url: &str, at: KillAt) -> Run {
    let mut child = spawn_device(dir, url, false);
    let (rx, reader) = lines_of(&mut child);
    let mut run = Run::default();
    let delay = match at {
        KillAt::AfterStart(delay) => delay,
        KillAt::AfterReady(delay) => {
            // Waiting for an event, not for time: a slow start-up does not eat the delay.
            let deadline = Instant::now() + Duration::from_secs(30);
            while !run.ready {
                let left = deadline.saturating_duration_since(Instant::now());
                match rx.recv_timeout(left) {
                    Ok(line) => run.take(&line),
                    Err(_) => panic!("the device did not get ready in 30 s: {at:?}"),
                }
            }
            delay
        }
    };
    std::thread::sleep(delay);
    child.kill().expect("SIGKILL delivered"); // Child::kill is SIGKILL on Unix
    let status = child.wait().unwrap();
    reader.join().unwrap();
    for line in rx.try_iter() {
        run.take(&line);
    }
    assert!(
        !status.success(),
        "the device ended on its own before the kill ({status}): a panic? its last line: {:?}",
        run.last
    );
    run
}

/// Runs the device to the end: sync until nothing is pending.
fn run_to_the_end(dir: &Path, url: &str) -> Run {
    let mut child = spawn_device(dir, url, true);
    let (rx, reader) = lines_of(&mut child);
    let started = Instant::now();
    let mut run = Run::default();
    let status = loop {
        for line in rx.try_iter() {
            run.take(&line);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(30) {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!(
                "the last run did not empty the outbox in 30 s; its failed rounds: {:?}",
                run.failed
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    reader.join().unwrap();
    for line in rx.try_iter() {
        run.take(&line);
    }
    assert!(
        status.success() && run.finished,
        "the last run failed ({status}); its failed rounds: {:?}",
        run.failed
    );
    run
}

/// One row of the server's mutation log.
#[derive(Debug, sqlx::FromRow)]
struct LogRow {
    seq: i64,
    mutation_id: Option<String>,
    name: String,
    status: String,
    code: Option<String>,
    version: Option<i64>,
}

/// Where the device and the server stand after a kill.
#[derive(Debug)]
struct Places {
    /// The device's acknowledged position.
    acked_seq: i64,
    /// The seq the device's next change gets.
    next_seq: i64,
    /// The server's position for the device's session.
    server_last_seq: i64,
}

/// Reads both places, read-only (the device has signed in by then).
async fn places(device_dir: &Path, server_db: &Path) -> Places {
    use sqlx::Connection;
    let open = |path: &Path| {
        sqlx::sqlite::SqliteConnectOptions::new()
            .filename(path)
            .read_only(true)
    };
    let mut device =
        sqlx::SqliteConnection::connect_with(&open(&device_dir.join("profile.sqlite3")))
            .await
            .unwrap();
    let (client_id, acked_seq, next_seq): (Option<String>, i64, i64) =
        sqlx::query_as("SELECT client_id, acked_seq, next_seq FROM sync_client WHERE id = 1")
            .fetch_one(&mut device)
            .await
            .unwrap();
    device.close().await.unwrap();
    let client_id = client_id.expect("the device is linked");
    let mut server = sqlx::SqliteConnection::connect_with(&open(server_db))
        .await
        .unwrap();
    let server_last_seq: i64 = sqlx::query_scalar("SELECT last_seq FROM sessions WHERE id = ?")
        .bind(&client_id)
        .fetch_one(&mut server)
        .await
        .unwrap();
    server.close().await.unwrap();
    Places {
        acked_seq,
        next_seq,
        server_last_seq,
    }
}

#[test]
fn killing_the_device_mid_sync_never_loses_or_doubles_a_change() {
    if std::env::var(CHILD_VAR).as_deref() == Ok("1") {
        return device_child();
    }
    let started = Instant::now();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(std::env::var("KILL_SYNC_LOG").unwrap_or_else(|_| "warn".into()))
        .with_test_writer()
        .try_init();
    let seed: u64 = std::env::var("KILL_SYNC_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    println!("kill_during_sync seed: {seed} (KILL_SYNC_SEED={seed} reproduces the kill timings)");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);

    // The server: the real router on SQLite, on a loopback port, on a runtime of its own
    // (the parent's thread blocks on the child).
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (server, url) = runtime.block_on(async {
        let db = TestDb::new(Backend::Sqlite).await;
        db.add_user(EMAIL, "Anna", PASSWORD).await;
        let server = TestServer::over(db, false, None).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let app = server
            .router
            .clone()
            .into_make_service_with_connect_info::<SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (server, format!("http://{address}"))
    });
    let device_dir = tempfile::TempDir::new().unwrap();
    let dir = device_dir.path();
    let server_db = server.db.sqlite_path.clone().unwrap();

    // The kills. Committed changes as the device printed them, by k.
    let mut printed: HashMap<u64, (Uuid, i64)> = HashMap::new();
    let (mut mid_sync, mut mid_commit, mut in_start_up) = (0, 0, 0);
    let mut sync_rounds = 0;
    let mut failures = Vec::new();
    // Kills that came after the server took a push and before the device kept its answer:
    // the next run sends those mutations again.
    let mut answer_lost = 0;
    for iteration in 0..ITERATIONS {
        // One kill in four lands anywhere from the spawn (start-up, opening the store, the
        // loop); the others in the commit and sync loop. The first run is killed only once it
        // has signed in, so every later run is linked from its start.
        let delay = Duration::from_millis(rng.gen_range(50..=400));
        let at = if iteration % 4 == 1 {
            KillAt::AfterStart(delay)
        } else {
            KillAt::AfterReady(delay)
        };
        let run = run_and_kill(dir, &url, at);
        sync_rounds += run.synced;
        failures.extend(run.failed.iter().cloned());
        match run.last.as_deref() {
            // Between printing `committed` and `synced`: inside sync_once.
            Some(line) if line.starts_with("committed") => mid_sync += 1,
            Some(line) if line.starts_with("synced") || line.starts_with("sync_failed") => {
                mid_commit += 1
            }
            _ => in_start_up += 1,
        }
        for (k, id, seq) in run.committed {
            let earlier = printed.insert(k, (id, seq));
            assert!(
                earlier.is_none(),
                "iteration {iteration}: change n{k} committed twice: {earlier:?} and {id} \
                 (seed {seed})"
            );
        }
        // Where each side stands: the server has applied no more than the device
        // committed, and at least what the device counts as acknowledged.
        let place = runtime.block_on(places(dir, &server_db));
        assert!(
            place.acked_seq <= place.server_last_seq && place.server_last_seq < place.next_seq,
            "iteration {iteration}: {place:?} (seed {seed})"
        );
        if place.server_last_seq > place.acked_seq {
            answer_lost += 1;
        }
    }

    // The last run: everything pending goes.
    let last = run_to_the_end(dir, &url);
    sync_rounds += last.synced;
    failures.extend(last.failed.iter().cloned());

    // The device: its organization is its last change, nothing is pending, and its place
    // in the sequence is the server's.
    let (k_last, device_pending, acked_seq, next_seq, client_id) = runtime.block_on(async {
        let store = ProfileStore::open(&dir.join("profile.sqlite3"), Env::system())
            .await
            .unwrap();
        let profile = store.existing_profile().await.unwrap();
        let pending = store.pending().await.unwrap().len();
        let (acked_seq, next_seq, client_id): (i64, i64, String) =
            sqlx::query_as("SELECT acked_seq, next_seq, client_id FROM sync_client WHERE id = 1")
                .fetch_one(store.database().pool())
                .await
                .unwrap();
        store.close().await;
        (
            index_of(profile.organization.as_deref()),
            pending,
            acked_seq,
            next_seq,
            client_id,
        )
    });

    // The server, read straight from its tables.
    let (log, organization, user_version, last_seq, sessions) = runtime.block_on(async {
        let path = server.db.sqlite_path.clone().unwrap();
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&path)
            .read_only(true);
        let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
        let log: Vec<LogRow> = sqlx::query_as(
            "SELECT seq, mutation_id, name, status, code, version FROM mutation_log \
             WHERE session_id = ? ORDER BY seq",
        )
        .bind(&client_id)
        .fetch_all(&pool)
        .await
        .unwrap();
        let (organization, user_version): (Option<String>, i64) =
            sqlx::query_as("SELECT organization, version FROM users WHERE email_key = ?")
                .bind(EMAIL)
                .fetch_one(&pool)
                .await
                .unwrap();
        let last_seq: i64 = sqlx::query_scalar("SELECT last_seq FROM sessions WHERE id = ?")
            .bind(&client_id)
            .fetch_one(&pool)
            .await
            .unwrap();
        let sessions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions")
            .fetch_one(&pool)
            .await
            .unwrap();
        let other_rows: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM mutation_log WHERE session_id <> ?")
                .bind(&client_id)
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(
            other_rows, 0,
            "only the device's session pushed (seed {seed})"
        );
        pool.close().await;
        (log, organization, user_version, last_seq, sessions)
    });
    let n = log.len() as i64;
    println!(
        "kill_during_sync: {ITERATIONS} kills ({mid_sync} inside a sync round, {mid_commit} \
         between rounds, {in_start_up} in start-up; {answer_lost} after the \
         server took a push whose answer the device had not kept), {sync_rounds} finished sync \
         rounds, {} failed rounds, {} changes printed as committed, {k_last} committed in all, \
         N = {n} in the server's log, {sessions} sessions signed in, {:.1} s",
        failures.len(),
        printed.len(),
        started.elapsed().as_secs_f64()
    );

    // (a) The server holds the device's last change, and the device has nothing left.
    assert_eq!(
        device_pending, 0,
        "the device's outbox is empty (seed {seed})"
    );
    assert!(k_last > 0, "the device made progress (seed {seed})");
    assert_eq!(
        organization.as_deref(),
        Some(format!("n{k_last}").as_str()),
        "the server's organization is the device's last change (seed {seed})"
    );

    // (b) The session's log is seqs 1..=N, once each, every one applied, each mutation id
    // once; each applied change made the next version of the user, and nothing else did.
    let seqs: Vec<i64> = log.iter().map(|r| r.seq).collect();
    assert_eq!(
        seqs,
        (1..=n).collect::<Vec<_>>(),
        "seqs without gap (seed {seed})"
    );
    let ids: HashSet<&str> = log
        .iter()
        .filter_map(|r| r.mutation_id.as_deref())
        .collect();
    assert_eq!(ids.len() as i64, n, "each mutation id once (seed {seed})");
    for row in &log {
        assert_eq!(
            (row.name.as_str(), row.status.as_str(), row.code.as_deref()),
            ("profile.set", "applied", None),
            "{row:?} (seed {seed})"
        );
    }
    let versions: Vec<i64> = log.iter().map(|r| r.version.unwrap()).collect();
    assert!(
        versions.windows(2).all(|w| w[1] == w[0] + 1),
        "each applied change made the next version, once: {versions:?} (seed {seed})"
    );
    assert_eq!(
        Some(user_version),
        versions.last().copied(),
        "no version was made by anything outside the log (seed {seed})"
    );
    assert_eq!(
        (last_seq, acked_seq, next_seq),
        (n, n, n + 1),
        "server's last_seq, device's acked_seq and next seq agree (seed {seed})"
    );

    // (c) One durable commit per k: the k-th change is seq k, the log holds exactly them,
    // and each change the device printed as committed is there under its own id.
    assert_eq!(
        n, k_last as i64,
        "one log row per committed change (seed {seed})"
    );
    for (k, (id, seq)) in &printed {
        assert_eq!(*seq, *k as i64, "change n{k} is the {k}-th of the sequence");
        let row = &log[usize::try_from(*seq - 1).unwrap()];
        assert_eq!(
            row.mutation_id.as_deref(),
            Some(id.to_string().as_str()),
            "change n{k} (seq {seq}) is on the server under its own id (seed {seed})"
        );
    }
    assert!(
        failures.is_empty(),
        "sync rounds failed: the server must keep serving after a device dies mid-request \
         (the server's errors are logged above): {failures:?} (seed {seed})"
    );
    assert!(
        mid_sync > 0,
        "at least one kill landed inside a sync round (seed {seed})"
    );
    drop(server);
    runtime.shutdown_timeout(Duration::from_secs(5));
}
