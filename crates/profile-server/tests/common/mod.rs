//! The server test harness: a fresh database per test on each backend (a SQLite file in a
//! temporary directory; a database of its own on the private PostgreSQL that
//! `cargo xtask test server` starts), and the real router called in process.
#![allow(dead_code)] // each test file uses part of it

pub mod api_client;

use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use profile_server::config::Limits;
use profile_server::domain::{password_hash, Env, ManualClock, Password};
use profile_server::http::{router, AppState};
use profile_server::notify::Notifier;
use profile_server::store::{NewUser, PostgresStore, SqliteStore, Store};
use serde_json::{json, Value};
use sqlx::Connection;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tempfile::TempDir;
use tower::ServiceExt;

/// The variable `cargo xtask test server` puts the private PostgreSQL's URL in.
pub const POSTGRES_URL_VAR: &str = "ACURE_TEST_POSTGRES_URL";

/// Where the tests start the clock: 2026-12-01T00:00:00Z.
pub const START_MS: i64 = 1_796_083_200_000;

/// Runs the async test function `$name(Backend)` once per backend, as `$name::sqlite` and
/// `$name::postgres`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name($crate::common::Backend::Sqlite).await
            }

            #[tokio::test]
            async fn postgres() {
                super::$name($crate::common::Backend::Postgres).await
            }
        }
    )*};
}

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A fresh, migrated database of its own.
pub struct TestDb {
    pub store: Arc<dyn Store>,
    /// The flags that name it to the `profile-server` binary.
    pub flags: Vec<String>,
    /// The SQLite file, on that backend.
    pub sqlite_path: Option<PathBuf>,
    /// The PostgreSQL URL, on that backend.
    pub postgres_url: Option<String>,
    pub dir: TempDir,
}

/// The private PostgreSQL's URL; a test on PostgreSQL fails (never passes silently) without it.
pub fn postgres_url() -> String {
    match std::env::var(POSTGRES_URL_VAR) {
        Ok(url) if !url.is_empty() => url,
        _ => panic!(
            "{POSTGRES_URL_VAR} is not set, so the PostgreSQL half of the server tests cannot \
             run: use `cargo xtask test server`, which starts a private PostgreSQL for them"
        ),
    }
}

impl TestDb {
    pub async fn new(backend: Backend) -> Self {
        let dir = TempDir::new().unwrap();
        match backend {
            Backend::Sqlite => {
                let path = dir.path().join("server.sqlite3");
                let store = SqliteStore::open(&path).await.unwrap();
                Self {
                    store: Arc::new(store),
                    flags: vec!["--database".into(), path.display().to_string()],
                    sqlite_path: Some(path),
                    postgres_url: None,
                    dir,
                }
            }
            Backend::Postgres => {
                let admin_url = postgres_url();
                let name = format!("t_{}", uuid::Uuid::now_v7().simple());
                let mut admin = sqlx::PgConnection::connect(&admin_url)
                    .await
                    .expect("connecting to the private PostgreSQL");
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .await
                    .unwrap();
                admin.close().await.unwrap();
                let (base, _) = admin_url.rsplit_once('/').unwrap();
                let url = format!("{base}/{name}");
                let store = PostgresStore::open(&url).await.unwrap();
                Self {
                    store: Arc::new(store),
                    flags: vec!["--database-url".into(), url.clone()],
                    sqlite_path: None,
                    postgres_url: Some(url),
                    dir,
                }
            }
        }
    }

    /// Adds a user the way `user add` does (the domain's hash), returning their id.
    pub async fn add_user(&self, email: &str, name: &str, password: &str) -> String {
        let env = Env::system();
        let id = profile_server::domain::new_id(&env).to_string();
        let password_hash = password_hash::hash(&Password::new(password), &env).unwrap();
        self.store
            .create_user(&NewUser {
                id: id.clone(),
                email: email.into(),
                name: name.into(),
                password_hash,
                is_admin: false,
                now: START_MS,
            })
            .await
            .unwrap();
        id
    }
}

/// A database and the real router over it, with a clock the test moves.
pub struct TestServer {
    pub db: TestDb,
    pub clock: Arc<ManualClock>,
    pub router: Router,
}

/// An answer: status, headers and the JSON body (`Null` when empty).
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Answer {
    /// The error code of a refusal.
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }

    /// Asserts a coded refusal, and that it has the full shape.
    #[track_caller]
    pub fn assert_refused(&self, status: StatusCode, code: &str) {
        assert_eq!((self.status, self.code()), (status, code), "{self:?}");
        assert!(self.body["message"].is_string(), "{self:?}");
        assert_eq!(
            self.headers.get(header::CONTENT_TYPE).unwrap(),
            "application/json",
            "{self:?}"
        );
    }
}

/// A well-formed sign-in body.
pub fn sign_in_body(email: &str, password: &str) -> Value {
    json!({
        "protocol": 1,
        "email": email,
        "password": password,
        "device": { "name": "Anna's laptop", "os": "Linux 6.1", "app_version": "0.1.0" },
    })
}

impl TestServer {
    /// Behind a trusted proxy, so each request names its client address in X-Forwarded-For.
    pub async fn new(backend: Backend) -> Self {
        Self::with(backend, true, None).await
    }

    /// With `trust_proxy` as given and, if given, `peer` as every request's socket peer.
    pub async fn with(backend: Backend, trust_proxy: bool, peer: Option<SocketAddr>) -> Self {
        Self::over(TestDb::new(backend).await, trust_proxy, peer).await
    }

    /// Over an existing database.
    pub async fn over(db: TestDb, trust_proxy: bool, peer: Option<SocketAddr>) -> Self {
        Self::limited(db, trust_proxy, peer, Limits::default()).await
    }

    /// Behind a trusted proxy, with `limits`.
    pub async fn with_limits(backend: Backend, limits: Limits) -> Self {
        Self::limited(TestDb::new(backend).await, true, None, limits).await
    }

    /// Behind a trusted proxy, sending test notifications with `notifier`.
    pub async fn with_notifier(backend: Backend, notifier: Notifier) -> Self {
        let db = TestDb::new(backend).await;
        Self::built(db, true, None, Limits::default(), notifier).await
    }

    /// Not behind a proxy (the peer is the client), sending test notifications with
    /// `notifier`: for a server served over real TCP.
    pub async fn direct_with_notifier(backend: Backend, notifier: Notifier) -> Self {
        let db = TestDb::new(backend).await;
        Self::built(db, false, None, Limits::default(), notifier).await
    }

    async fn limited(
        db: TestDb,
        trust_proxy: bool,
        peer: Option<SocketAddr>,
        limits: Limits,
    ) -> Self {
        Self::built(db, trust_proxy, peer, limits, Notifier::new()).await
    }

    async fn built(
        db: TestDb,
        trust_proxy: bool,
        peer: Option<SocketAddr>,
        limits: Limits,
        notifier: Notifier,
    ) -> Self {
        let clock = Arc::new(ManualClock::at(START_MS));
        let state = AppState::new(db.store.clone(), clock.clone(), trust_proxy, &limits)
            .await
            .unwrap()
            .with_notifier(notifier);
        let mut router = router(state, &limits);
        if let Some(peer) = peer {
            router = router.layer(MockConnectInfo(peer));
        }
        Self { db, clock, router }
    }

    /// Sends a request with a raw body and headers.
    pub async fn send(&self, request: Request<Body>) -> Answer {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| panic!("not JSON: {:?}", String::from_utf8_lossy(&bytes)))
        };
        Answer {
            status,
            headers,
            body,
        }
    }

    /// POSTs JSON from client address `from`, with the session `secret` if given.
    pub async fn post(&self, path: &str, from: &str, secret: Option<&str>, body: &Value) -> Answer {
        let mut request = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/json")
            .header("x-forwarded-for", from);
        if let Some(secret) = secret {
            request = request.header(header::AUTHORIZATION, format!("Bearer {secret}"));
        }
        self.send(request.body(Body::from(body.to_string())).unwrap())
            .await
    }

    /// Signs in from `from`.
    pub async fn sign_in(&self, email: &str, password: &str, from: &str) -> Answer {
        self.post(
            "/v1/auth/sign-in",
            from,
            None,
            &sign_in_body(email, password),
        )
        .await
    }

    /// Signs in, expecting success; returns the session secret.
    pub async fn signed_in(&self, email: &str, password: &str) -> String {
        let answer = self.sign_in(email, password, "192.0.2.1").await;
        assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
        answer.body["secret"].as_str().unwrap().to_owned()
    }

    /// Signs the session with `secret` out.
    pub async fn sign_out(&self, secret: &str) -> Answer {
        self.post(
            "/v1/auth/sign-out",
            "192.0.2.1",
            Some(secret),
            &json!({ "protocol": 1 }),
        )
        .await
    }

    /// Changes the password from the session with `secret`.
    pub async fn change_password(&self, secret: &str, current: &str, new: &str) -> Answer {
        self.post(
            "/v1/auth/password",
            "192.0.2.1",
            Some(secret),
            &json!({ "protocol": 1, "current": current, "new": new }),
        )
        .await
    }
}
