//! The real binary on a loopback port, spoken to over TCP: serving, graceful shutdown on
//! SIGTERM, and afterwards no password or session secret in its logs (at the most verbose
//! level) nor in the database (the SQLite file and its WAL; every PostgreSQL row).
#![cfg(unix)]

mod common;

use common::{Backend, TestDb};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

both_backends!(serves_over_tcp_and_leaves_no_secret_behind);

const PASSWORD: &str = "Ёлка-Зима-2026";
const NEW_PASSWORD: &str = "Nebula-Kettle-42";
const WRONG_PASSWORD: &str = "Wrong-Guess-77";

async fn serves_over_tcp_and_leaves_no_secret_behind(backend: Backend) {
    let db = TestDb::new(backend).await;
    db.add_user("anna@example.com", "Anna", PASSWORD).await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_profile-server"))
        .args(&db.flags)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env_remove("DATABASE_URL")
        .env_remove("PROFILE_SERVER_DATABASE")
        .env("RUST_LOG", "trace")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let logs = Arc::new(Mutex::new(String::new()));
    let (address_tx, address_rx) = mpsc::channel();
    let reader = {
        let logs = logs.clone();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.contains("listening") {
                    if let Some(address) = line.split("address=").nth(1) {
                        let address = address.split_whitespace().next().unwrap_or("");
                        let _ = address_tx.send(address.to_owned());
                    }
                }
                let mut logs = logs.lock().unwrap();
                logs.push_str(&line);
                logs.push('\n');
            }
        })
    };
    let address = address_rx
        .recv_timeout(Duration::from_secs(60))
        .unwrap_or_else(|_| panic!("the server did not start: {}", logs.lock().unwrap()));
    let base = format!("http://{address}");
    let http = reqwest::Client::new();
    let post = |path: &str, secret: Option<&str>, body: Value| {
        let mut request = http.post(format!("{base}{path}")).json(&body);
        if let Some(secret) = secret {
            request = request.bearer_auth(secret);
        }
        request.send()
    };
    let device = json!({ "name": "laptop", "os": "Linux", "app_version": "0.1.0" });

    let health = http.get(format!("{base}/health")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let wrong = post(
        "/v1/auth/sign-in",
        None,
        json!({ "protocol": 1, "email": "anna@example.com", "password": WRONG_PASSWORD, "device": device }),
    )
    .await
    .unwrap();
    assert_eq!(wrong.status(), 401);
    let signed_in: Value = post(
        "/v1/auth/sign-in",
        None,
        json!({ "protocol": 1, "email": "anna@example.com", "password": PASSWORD, "device": device }),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let secret = signed_in["secret"].as_str().unwrap().to_owned();
    let changed = post(
        "/v1/auth/password",
        Some(&secret),
        json!({ "protocol": 1, "current": PASSWORD, "new": NEW_PASSWORD }),
    )
    .await
    .unwrap();
    assert_eq!(changed.status(), 200);
    let second: Value = post(
        "/v1/auth/sign-in",
        None,
        json!({ "protocol": 1, "email": "anna@example.com", "password": NEW_PASSWORD, "device": device }),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let second_secret = second["secret"].as_str().unwrap().to_owned();
    // A sync round from the second session: its secret travels on every sync request.
    let user_id = second["user"]["id"].as_str().unwrap().to_owned();
    let pushed = post(
        "/v1/sync/push",
        Some(&second_secret),
        json!({ "protocol": 1, "mutations": [{
            "seq": 1, "id": uuid::Uuid::now_v7(), "name": "profile.set", "cookie": 0,
            "args": { "profile_id": user_id, "organization": "Acure" },
        }] }),
    )
    .await
    .unwrap();
    assert_eq!(pushed.status(), 200);
    let pulled = post(
        "/v1/sync/pull",
        Some(&second_secret),
        json!({ "protocol": 1, "cookie": 0, "acked_seq": 0 }),
    )
    .await
    .unwrap();
    assert_eq!(pulled.status(), 200);
    let out = post("/v1/auth/sign-out", Some(&secret), json!({ "protocol": 1 }))
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    let replay = post("/v1/auth/sign-out", Some(&secret), json!({ "protocol": 1 }))
        .await
        .unwrap();
    assert_eq!(replay.status(), 401);
    let replay: Value = replay.json().await.unwrap();
    assert_eq!(replay["code"], "session.revoked");

    // SIGTERM: the server finishes and exits cleanly.
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    reader.join().unwrap();
    let logs = logs.lock().unwrap().clone();
    assert!(status.success(), "{status:?}\n{logs}");
    assert!(logs.contains("shutting down"), "{logs}");
    assert!(logs.contains("signed in"), "{logs}");

    let mut secrets = vec![
        PASSWORD.to_owned(),
        NEW_PASSWORD.to_owned(),
        WRONG_PASSWORD.to_owned(),
        secret,
        second_secret,
    ];
    if let Some(url) = &db.postgres_url {
        // The database password must not reach the log either.
        let password = url.split("://").nth(1).unwrap().split('@').next().unwrap();
        secrets.push(password.split(':').nth(1).unwrap().to_owned());
    }
    for secret in &secrets {
        assert!(
            !logs.contains(secret.as_str()),
            "{secret:?} in the log:\n{logs}"
        );
    }
    match backend {
        Backend::Sqlite => {
            let path = db.sqlite_path.clone().unwrap();
            let mut bytes = std::fs::read(&path).unwrap();
            let wal = path.with_file_name("server.sqlite3-wal");
            bytes.extend(std::fs::read(&wal).unwrap_or_default());
            assert!(bytes.len() > 4096);
            for secret in &secrets {
                let utf16: Vec<u8> = secret.encode_utf16().flat_map(u16::to_le_bytes).collect();
                for needle in [secret.as_bytes(), &utf16[..]] {
                    assert!(
                        !bytes.windows(needle.len()).any(|w| w == needle),
                        "{secret:?} in the database file or its WAL"
                    );
                }
            }
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(db.postgres_url.as_ref().unwrap())
                .await
                .unwrap();
            let mut rows = Vec::new();
            for table in ["users", "sessions", "sign_in_failures"] {
                let sql = format!("SELECT CAST(t AS TEXT) FROM {table} t");
                let found: Vec<String> = sqlx::query_scalar(&sql).fetch_all(&pool).await.unwrap();
                rows.extend(found);
            }
            pool.close().await;
            assert!(rows.len() >= 4, "{rows:?}");
            for secret in &secrets {
                assert!(
                    rows.iter().all(|row| !row.contains(secret.as_str())),
                    "{secret:?} in a stored row"
                );
            }
        }
    }
}
