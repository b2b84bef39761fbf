//! Public API benchmark: the real server over TCP on loopback, loaded by `wrk` (a second
//! process) with 64 connections, on a fresh SQLite file and, when `ACURE_TEST_POSTGRES_URL`
//! names a PostgreSQL (it starts nothing itself), a fresh database there. For each it
//! measures the same server's `GET /health` and a personal token's `GET /api/v1/profile`
//! in alternation and prints throughput and p99 of both, and their ratio.
//!
//! `cargo run --release -p profile-server --example api_bench [rounds] [seconds]`

mod bench_db;

use profile_domain::sync::PROTOCOL;
use profile_domain::token::ApiToken;
use profile_server::config::Limits;
use profile_server::domain::{password_hash, Env, SystemClock};
use profile_server::http::{router, AppState};
use profile_server::store::{NewUser, SqliteStore, Store};
use rand::rngs::OsRng;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::process::Command;
use std::sync::Arc;

const EMAIL: &str = "bench@example.com";
const PASSWORD: &str = "Bench-Passw0rd-42";
const CONNECTIONS: &str = "64";

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let rounds: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(3);
    let seconds: u32 = args.next().and_then(|s| s.parse().ok()).unwrap_or(5);
    if Command::new("wrk").arg("--version").output().is_err() {
        eprintln!("api_bench: wrk is not installed (Debian: apt-get install wrk)");
        std::process::exit(2);
    }
    let dir = tempfile::TempDir::new().expect("a temporary directory");
    let sqlite = SqliteStore::open(&dir.path().join("bench.sqlite3"))
        .await
        .expect("opening SQLite");
    run("SQLite", Arc::new(sqlite), rounds, seconds).await;
    match std::env::var("ACURE_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => {
            let store = bench_db::fresh_postgres(&url).await;
            run("PostgreSQL", Arc::new(store), rounds, seconds).await;
        }
        _ => println!("PostgreSQL: skipped (set ACURE_TEST_POSTGRES_URL to a database URL)"),
    }
}

/// One wrk run: requests per second and the 99th percentile latency in ms.
#[derive(Debug, Clone, Copy)]
struct Load {
    per_second: f64,
    p99_ms: f64,
}

async fn run(label: &str, store: Arc<dyn Store>, rounds: usize, seconds: u32) {
    let env = Env::system();
    store
        .create_user(&NewUser {
            id: profile_server::domain::new_id(&env).to_string(),
            email: EMAIL.into(),
            name: "Bench".into(),
            password_hash: password_hash::hash(&PASSWORD.into(), &env).expect("hashing"),
            is_admin: false,
            now: env.now_ms(),
        })
        .await
        .expect("creating the user");
    // No rate limit in the way: this measures the cost of a request, not the limiter's say.
    let limits = Limits {
        api_requests_per_second: u32::MAX / 8,
        ..Limits::default()
    };
    let state = AppState::new(store, Arc::new(SystemClock), false, &limits)
        .await
        .expect("the server state");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let base = format!("http://{}", listener.local_addr().expect("its address"));
    let service = router(state, &limits).into_make_service_with_connect_info::<SocketAddr>();
    let server = tokio::spawn(async move { axum::serve(listener, service).await });
    let token = issue_token(&base).await;

    let (mut health, mut api) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        health.push(wrk(&format!("{base}/health"), None, seconds).await);
        api.push(wrk(&format!("{base}/api/v1/profile"), Some(&token), seconds).await);
    }
    server.abort();
    let median = |runs: &[Load], f: fn(&Load) -> f64| {
        let mut values: Vec<f64> = runs.iter().map(f).collect();
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    };
    let (h_rps, a_rps) = (
        median(&health, |l| l.per_second),
        median(&api, |l| l.per_second),
    );
    let (h_p99, a_p99) = (median(&health, |l| l.p99_ms), median(&api, |l| l.p99_ms));
    println!(
        "{label}: {CONNECTIONS} connections, {rounds} × {seconds} s each, medians\n  \
         GET /health            {h_rps:>9.0} req/s   p99 {h_p99:>6.2} ms\n  \
         GET /api/v1/profile    {a_rps:>9.0} req/s   p99 {a_p99:>6.2} ms\n  \
         API / health: throughput {:.2}× (target ≥ 0.70), p99 {:.2}×",
        a_rps / h_rps,
        a_p99 / h_p99
    );
}

/// Signs in, issues a read token as a device does (only its hash travels) and returns it.
async fn issue_token(base: &str) -> String {
    let http = reqwest::Client::new();
    let signed: Value = http
        .post(format!("{base}/v1/auth/sign-in"))
        .json(
            &json!({"protocol": PROTOCOL, "email": EMAIL, "password": PASSWORD,
                      "device": {"name": "bench", "os": "Linux", "app_version": "bench"}}),
        )
        .send()
        .await
        .expect("signing in")
        .json()
        .await
        .expect("a sign-in answer");
    let secret = signed["secret"].as_str().expect("a session secret");
    let token = ApiToken::generate(&mut OsRng);
    let pushed: Value = http
        .post(format!("{base}/v1/sync/push"))
        .bearer_auth(secret)
        .json(&json!({"protocol": PROTOCOL, "mutations": [{
            "seq": 1, "id": uuid::Uuid::now_v7(), "name": "token.create", "cookie": 0,
            "args": {"token_id": uuid::Uuid::now_v7(), "sha256": token.sha256_hex(),
                     "prefix": token.display_prefix(), "scope": "read"}}]}))
        .send()
        .await
        .expect("pushing the token")
        .json()
        .await
        .expect("a push answer");
    assert_eq!(pushed["results"][0]["status"], "applied", "{pushed}");
    token.expose().to_owned()
}

/// Runs wrk against `url` for `seconds` with 64 connections on 2 threads.
async fn wrk(url: &str, token: Option<&str>, seconds: u32) -> Load {
    let mut command = tokio::process::Command::new("wrk");
    command.args(["-t2", "-c", CONNECTIONS, "--latency", "-d"]);
    command.arg(format!("{seconds}s"));
    if let Some(token) = token {
        command.args(["-H", &format!("Authorization: Bearer {token}")]);
    }
    let out = command.arg(url).output().await.expect("running wrk");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !text.contains("Non-2xx"),
        "wrk saw refusals from {url}:\n{text}"
    );
    let per_second = text
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no throughput in wrk's output:\n{text}"));
    let p99_ms = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("99%"))
        .and_then(|v| duration_ms(v.trim()))
        .unwrap_or_else(|| panic!("no p99 in wrk's output:\n{text}"));
    Load { per_second, p99_ms }
}

/// wrk's `1.23ms`, `850.00us` or `1.02s` in ms.
fn duration_ms(text: &str) -> Option<f64> {
    let (number, scale) = if let Some(n) = text.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1000.0)
    } else {
        return None;
    };
    number.parse::<f64>().ok().map(|n| n * scale)
}
