//! Sync benchmark: the real router in process over a fresh SQLite file and, when
//! `ACURE_TEST_POSTGRES_URL` names a PostgreSQL (it starts nothing itself), a fresh
//! database there. Prints medians of: 1,000 queued mutations pushed in batches of 100 and
//! acknowledged by a pull; an unchanged pull (and its p95); a sign-in (Argon2id included).
//!
//! `cargo run -p profile-server --example sync_bench [rounds]`

mod bench_db;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use profile_server::config::Limits;
use profile_server::domain::{password_hash, Env, SystemClock};
use profile_server::http::{router, AppState};
use profile_server::store::{NewUser, SqliteStore, Store};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower::ServiceExt;

const EMAIL: &str = "bench@example.com";
const PASSWORD: &str = "Bench-Passw0rd-42";
const MUTATIONS: i64 = 1000;
const BATCH: i64 = 100;
const PULLS: usize = 500;

#[tokio::main]
async fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    let dir = tempfile::TempDir::new().expect("a temporary directory");
    let sqlite = SqliteStore::open(&dir.path().join("bench.sqlite3"))
        .await
        .expect("opening SQLite");
    run("SQLite", Arc::new(sqlite), rounds).await;
    match std::env::var("ACURE_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => {
            let store = bench_db::fresh_postgres(&url).await;
            run("PostgreSQL", Arc::new(store), rounds).await;
        }
        _ => println!("PostgreSQL: skipped (set ACURE_TEST_POSTGRES_URL to a database URL)"),
    }
}

async fn run(label: &str, store: Arc<dyn Store>, rounds: usize) {
    let env = Env::system();
    let user_id = profile_server::domain::new_id(&env).to_string();
    store
        .create_user(&NewUser {
            id: user_id.clone(),
            email: EMAIL.into(),
            name: "Bench".into(),
            password_hash: password_hash::hash(&PASSWORD.into(), &env).expect("hashing"),
            is_admin: false,
            now: env.now_ms(),
        })
        .await
        .expect("creating the user");
    let limits = Limits::default();
    let state = AppState::new(store, Arc::new(SystemClock), true, &limits)
        .await
        .expect("the app state");
    let app = router(state, &limits);

    let mut sign_ins = Vec::new();
    let mut pushes = Vec::new();
    let mut pulls = Vec::new();
    for _ in 0..rounds {
        let started = Instant::now();
        let secret = sign_in(&app).await;
        sign_ins.push(started.elapsed());

        // A fresh session's outbox: seq 1 … 1,000, pushed 100 at a time, then acknowledged.
        let cookie = pull(&app, &secret, 0).await;
        let started = Instant::now();
        for first in (1..=MUTATIONS).step_by(BATCH as usize) {
            let mutations: Vec<Value> = (first..first + BATCH)
                .map(|seq| {
                    json!({
                        "seq": seq, "id": uuid::Uuid::now_v7(), "name": "profile.set",
                        "cookie": cookie,
                        "args": { "profile_id": user_id, "organization": format!("Org {seq}") },
                    })
                })
                .collect();
            let answer = post(
                &app,
                "/v1/sync/push",
                Some(&secret),
                json!({ "protocol": 1, "mutations": mutations }),
            )
            .await;
            assert_eq!(answer["last_seq"], first + BATCH - 1, "{answer}");
        }
        let cookie = pull(&app, &secret, cookie).await;
        pushes.push(started.elapsed());

        for _ in 0..PULLS / rounds.max(1) {
            let started = Instant::now();
            pull(&app, &secret, cookie).await;
            pulls.push(started.elapsed());
        }
    }
    println!(
        "{label}: {MUTATIONS} mutations pushed ({BATCH} a batch) and acknowledged: median {} \
         (target ≤ 1 s); unchanged pull: median {}, p95 {} (target p95 ≤ 5 ms); \
         sign-in: median {}",
        ms(percentile(&mut pushes, 50)),
        ms(percentile(&mut pulls, 50)),
        ms(percentile(&mut pulls, 95)),
        ms(percentile(&mut sign_ins, 50)),
    );
}

async fn sign_in(app: &Router) -> String {
    let answer = post(
        app,
        "/v1/auth/sign-in",
        None,
        json!({ "protocol": 1, "email": EMAIL, "password": PASSWORD,
                "device": { "name": "bench", "os": "Linux", "app_version": "0.1.0" } }),
    )
    .await;
    answer["secret"]
        .as_str()
        .expect("a session secret")
        .to_owned()
}

/// Pulls with `cookie`; returns the current cookie.
async fn pull(app: &Router, secret: &str, cookie: i64) -> i64 {
    let answer = post(
        app,
        "/v1/sync/pull",
        Some(secret),
        json!({ "protocol": 1, "cookie": cookie, "acked_seq": i64::MAX }),
    )
    .await;
    answer["cookie"].as_i64().expect("a cookie")
}

async fn post(app: &Router, path: &str, secret: Option<&str>, body: Value) -> Value {
    let mut request = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/json")
        .header("x-forwarded-for", "192.0.2.1");
    if let Some(secret) = secret {
        request = request.header(header::AUTHORIZATION, format!("Bearer {secret}"));
    }
    let response = app
        .clone()
        .oneshot(
            request
                .body(Body::from(body.to_string()))
                .expect("a request"),
        )
        .await
        .expect("an answer");
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("a body")
        .to_bytes();
    let body: Value = serde_json::from_slice(&bytes).expect("JSON");
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    body
}

fn percentile(samples: &mut [Duration], p: usize) -> Duration {
    samples.sort();
    let index = (samples.len() * p).div_ceil(100).saturating_sub(1);
    samples[index.min(samples.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}
