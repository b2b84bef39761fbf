//! The app's link to a server (profile-core's `server` module: `ServerLink`, `SecretVault`,
//! `SyncReview`, `SyncRunner`, and the sync client over `ServerApi`) against the real server
//! router served over real TCP on a loopback port, on each backend.
//!
//! The app side is real too: a `ProfileStore` file in a temporary directory, its
//! `AccountStore`, and a keychain kept in memory (or one that fails, like a machine without
//! one). A second device is either another such app or a bare HTTP client of the server.

mod common;

use axum::http::StatusCode;
use common::{sign_in_body, Backend, TestServer};
use profile_core::avatar::EncodedImage;
use profile_core::contacts::ContactSave;
use profile_core::mutation::AvatarSet;
use profile_core::server::{
    Keychain, LinkState, LocalProfile, MemoryKeychain, SecretStorage, SecretVault, ServerLink,
    ServerSignIn, SignInResult, SyncReview, SyncRunner, SyncState,
};
use profile_core::sync::{Reply, SyncClient, SyncError, SyncOutcome, Transport, TransportError};
use profile_core::tokens::{ExpiryChoice, TokenRequest, TokenScope};
use profile_core::{
    AccountState, AccountStore, CoreError, DeviceInfo, Env, ErrorCode, FirstRun, Language,
    Mutation, Password, ProfileChanges, ProfileSet, ProfileStore, SignedIn,
};
use profile_domain::channel::Channel;
use profile_domain::mutation::sha256_hex;
use profile_domain::sync::{PullRequest, PullResponse, PushRequest, PushResponse, PROTOCOL};
use profile_server::notify::Notifier;
use profile_server::store::User;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tempfile::TempDir;
use tokio::task::JoinHandle;
use uuid::Uuid;

both_backends!(
    linking_a_local_profile_uploads_its_details_and_avatar_and_drops_its_password,
    replacing_a_local_profile_takes_the_servers_and_uploads_nothing,
    without_a_keychain_the_secret_lands_in_a_private_file_and_the_person_is_told_once,
    a_revoked_session_seals_its_change_which_is_resubmitted_and_applied_once,
    an_overwritten_value_shows_on_its_device_only_and_use_mine_restores_it,
    a_settled_conflict_stays_settled_when_a_refusal_brings_a_whole_snapshot,
    the_password_changes_online_only_and_ends_the_other_sessions,
    signing_out_empties_the_store_or_keeps_a_signed_out_copy,
    a_kept_copy_of_another_account_is_not_uploaded_into_a_new_one,
    a_local_detail_todays_rules_refuse_is_listed_and_the_others_go,
    a_change_whose_answer_was_lost_is_resubmitted_and_answered_applied,
    ending_this_session_offline_reaches_the_server_at_the_next_sign_in,
    another_accounts_unsent_changes_are_dropped_only_when_the_person_agrees,
    a_conflict_recorded_after_the_last_pull_is_shown_after_signing_in_again,
    a_token_issued_offline_opens_the_api_once_synced_and_closes_when_revoked,
    a_test_notification_waits_for_the_sync_and_then_reaches_the_webhook,
);

const EMAIL: &str = "anna@example.com";
const PASSWORD: &str = "Tuman-42-Loshadka";
const NEW_PASSWORD: &str = "Nebula-Kettle-42";
const LOCAL_PASSWORD: &str = "Lokalny-Parol-77";
/// How long a background sync may take to get somewhere before the test gives up.
const PATIENCE: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------------------
// The server on a loopback port.

/// The real router over a fresh database, served over TCP on 127.0.0.1.
struct Served {
    server: TestServer,
    port: u16,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl Served {
    async fn start(backend: Backend) -> Self {
        // Not behind a proxy: the client address is the TCP peer.
        Self::over(TestServer::with(backend, false, None).await).await
    }

    /// Serves a server that sends test notifications with `notifier`.
    async fn with_notifier(backend: Backend, notifier: Notifier) -> Self {
        Self::over(TestServer::direct_with_notifier(backend, notifier).await).await
    }

    async fn over(server: TestServer) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let service = server
            .router
            .clone()
            .into_make_service_with_connect_info::<SocketAddr>();
        let task = tokio::spawn(async move {
            axum::serve(listener, service).await.unwrap();
        });
        Self {
            server,
            port,
            task: Mutex::new(Some(task)),
        }
    }

    /// The address as a person types it into the sign-in form.
    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Serves the same database on the same port again, after [`Self::stop`].
    async fn restart(&self) {
        assert!(
            self.task.lock().unwrap().is_none(),
            "the server is still running"
        );
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", self.port))
            .await
            .unwrap();
        let service = self
            .server
            .router
            .clone()
            .into_make_service_with_connect_info::<SocketAddr>();
        let task = tokio::spawn(async move {
            axum::serve(listener, service).await.unwrap();
        });
        *self.task.lock().unwrap() = Some(task);
    }

    /// Stops listening: a new connection to the port is refused from now on.
    async fn stop(&self) {
        let task = self.task.lock().unwrap().take();
        if let Some(task) = task {
            task.abort();
            let _ = task.await;
        }
    }

    async fn add_user(&self, email: &str, name: &str) -> String {
        self.server.db.add_user(email, name, PASSWORD).await
    }

    async fn user(&self, id: &str) -> User {
        self.server.db.store.user_by_id(id).await.unwrap().unwrap()
    }

    /// The user's sessions still active on the server.
    async fn active_sessions(&self, user_id: &str) -> Vec<String> {
        let sessions = self.server.db.store.sessions_of(user_id).await.unwrap();
        sessions
            .into_iter()
            .filter(|s| s.ended_at.is_none())
            .map(|s| s.id)
            .collect()
    }

    /// The server's mutation log of `user_id`: (session, seq, mutation id, name, status).
    async fn log(&self, user_id: &str) -> Vec<LogRow> {
        const SQL: &str = "SELECT session_id, seq, mutation_id, name, status FROM mutation_log \
             WHERE user_id = $1 ORDER BY COALESCE(version, 0), session_id, seq";
        let db = &self.server.db;
        match (&db.sqlite_path, &db.postgres_url) {
            (Some(path), _) => {
                let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
                    .await
                    .unwrap();
                let rows = sqlx::query_as(SQL).bind(user_id).fetch_all(&pool).await;
                pool.close().await;
                rows.unwrap()
            }
            (None, Some(url)) => {
                let pool = sqlx::PgPool::connect(url).await.unwrap();
                let rows = sqlx::query_as(SQL).bind(user_id).fetch_all(&pool).await;
                pool.close().await;
                rows.unwrap()
            }
            _ => unreachable!("a test database is SQLite or PostgreSQL"),
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(task) = self.task.lock().unwrap().take() {
            task.abort();
        }
    }
}

/// A row of the server's mutation log: session, seq, mutation id, name, status.
type LogRow = (String, i64, Option<String>, String, String);

/// A port nothing listens on (bound, then let go).
async fn closed_port() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

/// Something that answers HTTP on every path, but not as an Acure server: a 404 web page
/// (`html_404`) or a 200 plain-text page.
async fn foreign_server(html_404: bool) -> (u16, JoinHandle<()>) {
    use axum::response::{Html, IntoResponse};
    let app = axum::Router::new().fallback(move || async move {
        if html_404 {
            (
                StatusCode::NOT_FOUND,
                Html("<!doctype html><title>Not Found</title><h1>Not Found</h1>"),
            )
                .into_response()
        } else {
            "Welcome to nginx!".into_response()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (port, task)
}

// ---------------------------------------------------------------------------------------
// Another device, as a bare HTTP client of the server.

struct Remote {
    http: reqwest::Client,
    base: String,
    secret: String,
    next_seq: i64,
}

impl Remote {
    async fn sign_in(served: &Served, email: &str, password: &str) -> Self {
        let http = reqwest::Client::new();
        let base = served.url();
        let answer = http
            .post(format!("{base}/v1/auth/sign-in"))
            .json(&sign_in_body(email, password))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::OK);
        let body: Value = answer.json().await.unwrap();
        Self {
            http,
            base,
            secret: body["secret"].as_str().unwrap().to_owned(),
            next_seq: 1,
        }
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let answer = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.secret)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = answer.status();
        let bytes = answer.bytes().await.unwrap();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, body)
    }

    /// A whole snapshot pull.
    async fn pull(&self) -> Result<PullResponse, (StatusCode, Value)> {
        let body = json!({ "protocol": PROTOCOL, "cookie": 0, "acked_seq": 0 });
        match self.post("/v1/sync/pull", body).await {
            (StatusCode::OK, body) => Ok(serde_json::from_value(body).unwrap()),
            other => Err(other),
        }
    }

    /// Pushes one mutation as the next of this session; made against the current version.
    async fn push(&mut self, name: &str, args: Value) -> PushResponse {
        let cookie = self.pull().await.unwrap().cookie;
        self.push_at(cookie, name, args).await
    }

    /// Pushes one mutation as the next of this session, made having seen version `cookie`.
    async fn push_at(&mut self, cookie: i64, name: &str, args: Value) -> PushResponse {
        let body = json!({ "protocol": PROTOCOL, "mutations": [{
            "seq": self.next_seq, "id": Uuid::now_v7(), "name": name, "cookie": cookie,
            "args": args,
        }] });
        let (status, body) = self.post("/v1/sync/push", body).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        self.next_seq += 1;
        serde_json::from_value(body).unwrap()
    }
}

// ---------------------------------------------------------------------------------------
// The app: its store, its account, its link to a server.

struct App {
    dir: TempDir,
    profiles: ProfileStore,
    accounts: AccountStore,
    link: ServerLink,
    review: SyncReview,
    keychain: Arc<MemoryKeychain>,
    env: Env,
    name: &'static str,
}

impl App {
    async fn new(name: &'static str) -> Self {
        Self::with_keychain(name, MemoryKeychain::default()).await
    }

    async fn with_keychain(name: &'static str, keychain: MemoryKeychain) -> Self {
        let dir = TempDir::new().unwrap();
        let env = Env::system();
        let profiles = ProfileStore::open(&dir.path().join("profile.sqlite3"), env.clone())
            .await
            .unwrap();
        let db = profiles.database().clone();
        let accounts = AccountStore::new(db.clone(), env.clone());
        let keychain = Arc::new(keychain);
        let vault = SecretVault::new(keychain.clone(), dir.path());
        let link = ServerLink::new(db.clone(), env.clone(), vault);
        let review = SyncReview::new(db, env.clone());
        Self {
            dir,
            profiles,
            accounts,
            link,
            review,
            keychain,
            env,
            name,
        }
    }

    fn device(&self) -> DeviceInfo {
        DeviceInfo {
            device_name: self.name.to_owned(),
            os: "Linux 6.1".into(),
            app_version: "0.1.0".into(),
        }
    }

    fn store_file(&self) -> PathBuf {
        self.dir.path().join("profile.sqlite3")
    }

    fn secret_file(&self) -> PathBuf {
        self.dir
            .path()
            .join(profile_core::server::secret::SECRET_FILE)
    }

    /// A local account (no server), with its first session.
    async fn create_local_account(&self, name: &str) {
        let first_run = FirstRun {
            name: name.into(),
            language: Language::Ru,
            time_zone: "Europe/Moscow".into(),
        };
        self.accounts
            .create_local_account(
                first_run,
                "anna.local@example.org",
                Password::new(LOCAL_PASSWORD),
                Password::new(LOCAL_PASSWORD),
                self.device(),
            )
            .await
            .unwrap();
    }

    async fn sign_in_to(
        &self,
        address: &str,
        email: &str,
        password: &str,
        local: LocalProfile,
    ) -> Result<SignInResult, CoreError> {
        self.link
            .sign_in(
                ServerSignIn {
                    address: address.into(),
                    email: email.into(),
                    password: Password::new(password),
                    local,
                    discard_unsent: false,
                },
                self.device(),
            )
            .await
    }

    async fn sign_in(&self, served: &Served, local: LocalProfile) -> SignInResult {
        self.sign_in_to(&served.url(), EMAIL, PASSWORD, local)
            .await
            .unwrap()
    }

    /// One sync round through the link's own client.
    async fn sync(&self) -> Result<SyncOutcome, SyncError> {
        let client = self
            .link
            .sync_client()
            .await
            .unwrap()
            .expect("a linked device has a sync client")
            .0;
        client.sync_once().await
    }

    async fn me(&self) -> SignedIn {
        self.accounts.signed_in(&self.profiles).await.unwrap()
    }

    async fn state(&self) -> Option<LinkState> {
        self.link.state().await.unwrap()
    }

    /// One number from the store file.
    async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(self.profiles.database().pool())
            .await
            .unwrap()
    }

    async fn text(&self, sql: &str) -> Option<String> {
        sqlx::query_scalar::<_, Option<String>>(sql)
            .fetch_one(self.profiles.database().pool())
            .await
            .unwrap()
    }

    /// Queues a change of `field` that today's rules refuse (500 characters), as an older
    /// version of the app with other rules would have queued it: the server refuses it.
    async fn queue_too_long(&self, field: &str) {
        self.me()
            .await
            .update(ProfileChanges {
                name: (field == "name").then(|| "short".into()),
                organization: (field == "organization").then(|| "short".into()),
                ..changes()
            })
            .await
            .unwrap();
        sqlx::query(
            "UPDATE outbox SET payload = json_set(payload, '$.' || ?, ?) \
             WHERE state = 'pending'",
        )
        .bind(field)
        .bind("x".repeat(500))
        .execute(self.profiles.database().pool())
        .await
        .unwrap();
    }

    /// Renames the profile on this device (queued, not sent); returns the change's id.
    async fn rename(&self, name: &str) -> String {
        self.me()
            .await
            .update(ProfileChanges {
                name: Some(name.into()),
                ..changes()
            })
            .await
            .unwrap();
        sqlx::query_scalar(
            "SELECT mutation_id FROM outbox WHERE state = 'pending' ORDER BY id DESC",
        )
        .fetch_one(self.profiles.database().pool())
        .await
        .unwrap()
    }

    /// The sync client id: the server session this device's outbox is numbered for.
    async fn client_id(&self) -> Option<String> {
        self.text("SELECT client_id FROM sync_client WHERE id = 1")
            .await
    }

    /// Whether the store file or its WAL holds `needle` in plain text.
    fn store_holds(&self, needle: &str) -> bool {
        ["", "-wal"].iter().any(|suffix| {
            let mut name = self.store_file().into_os_string();
            name.push(suffix);
            std::fs::read(&name)
                .is_ok_and(|bytes| bytes.windows(needle.len()).any(|w| w == needle.as_bytes()))
        })
    }
}

/// The code and field of a refusal.
#[track_caller]
fn refusal(err: CoreError) -> (ErrorCode, Option<&'static str>) {
    match err {
        CoreError::Invalid(v) => (v.code, v.field),
        other => panic!("expected a coded refusal, got {other:?}"),
    }
}

fn changes() -> ProfileChanges {
    ProfileChanges::default()
}

/// A real 512×512 JPEG.
fn jpeg() -> EncodedImage {
    jpeg_of(0)
}

/// A real 512×512 JPEG, its colours shifted by `shade`.
fn jpeg_of(shade: u8) -> EncodedImage {
    let pixels: Vec<u8> = (0..512 * 512 * 3)
        .map(|i: usize| {
            let (pixel, channel) = (i / 3, i % 3);
            let value = (pixel % 512) / 2 + (pixel / 512) / 4 + channel * 40;
            (value as u8).wrapping_add(shade.wrapping_mul(37))
        })
        .collect();
    let mut bytes = Vec::new();
    jpeg_encoder::Encoder::new(&mut bytes, 85)
        .encode(&pixels, 512, 512, jpeg_encoder::ColorType::Rgb)
        .unwrap();
    EncodedImage {
        bytes,
        mime: "image/jpeg",
        width: 512,
        height: 512,
    }
}

/// Polls `check` until it holds or [`PATIENCE`] runs out.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), String>>,
{
    let started = Instant::now();
    loop {
        let last = check().await;
        match last {
            Ok(()) => return,
            Err(why) if started.elapsed() > PATIENCE => panic!("{what}: {why}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

// ---------------------------------------------------------------------------------------
// 1. Linking a local profile.

async fn linking_a_local_profile_uploads_its_details_and_avatar_and_drops_its_password(
    backend: Backend,
) {
    let served = Served::start(backend).await;
    let user_id = served.add_user(EMAIL, "Server Anna").await;
    let app = App::new("Anna's laptop").await;
    app.create_local_account("Anna Local").await;
    let me = app.me().await;
    me.update(ProfileChanges {
        organization: Some("Acure Labs".into()),
        phone: Some("+79123456789".into()),
        time_zone: Some("Asia/Tokyo".into()),
        ..changes()
    })
    .await
    .unwrap();
    let picture = jpeg();
    let picture_sha = sha256_hex(&picture.bytes);
    me.set_avatar(picture.clone()).await.unwrap();
    assert_eq!(app.count("SELECT COUNT(*) FROM credential").await, 1);

    let result = app.sign_in(&served, LocalProfile::Upload).await;
    assert_eq!(
        result,
        SignInResult {
            // Name, language, organization, phone and time zone one by one, and the picture.
            queued: 6,
            secret_storage: SecretStorage::Keychain
        }
    );
    let session_id = app.client_id().await.expect("linked to a session");
    assert!(
        served.active_sessions(&user_id).await.contains(&session_id),
        "the device's session is the server's"
    );
    assert_eq!(
        app.state().await,
        Some(LinkState {
            server_url: format!("{}/", served.url()),
            signed_in: true,
            secret_storage: Some(SecretStorage::Keychain),
            file_notice_due: false,
        })
    );
    assert_eq!(app.accounts.state().await.unwrap(), AccountState::SignedIn);
    // The server account's profile, with the local details queued on top of it; the e-mail
    // is the account's sign-in name.
    let profile = app.profiles.existing_profile().await.unwrap();
    assert_eq!(profile.id.to_string(), user_id);
    assert_eq!(profile.name, "Anna Local");
    assert_eq!(profile.email.as_deref(), Some(EMAIL));
    assert_eq!(profile.organization.as_deref(), Some("Acure Labs"));
    assert!(profile.avatar.is_some());
    // No password hash, no local history; the uploads are the new session's.
    assert_eq!(app.count("SELECT COUNT(*) FROM credential").await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE client_id IS NULL")
            .await,
        0
    );
    let queued: Vec<(String, String)> =
        sqlx::query_as("SELECT client_id, name FROM outbox WHERE state = 'pending' ORDER BY seq")
            .fetch_all(app.profiles.database().pool())
            .await
            .unwrap();
    let mut expected = vec![(session_id.clone(), "profile.set".to_owned()); 5];
    expected.push((session_id.clone(), "avatar.set".to_owned()));
    assert_eq!(queued, expected);
    // The secret: in the keychain only.
    assert_eq!(
        app.keychain.accounts(),
        vec![format!("session:{session_id}")]
    );
    assert!(!app.secret_file().exists());

    let outcome = app.sync().await.unwrap();
    assert_eq!((outcome.pushed, outcome.pending), (6, 0));

    let user = served.user(&user_id).await;
    assert_eq!(user.name, "Anna Local");
    assert_eq!(user.email, EMAIL);
    assert_eq!(user.language, "ru");
    assert_eq!(user.organization.as_deref(), Some("Acure Labs"));
    assert_eq!(user.phone.as_deref(), Some("+79123456789"));
    assert_eq!(user.time_zone, "Asia/Tokyo");
    assert_eq!(user.avatar_sha256.as_deref(), Some(picture_sha.as_str()));
    let blob = served
        .server
        .db
        .store
        .blob(&user_id, &picture_sha)
        .await
        .unwrap()
        .expect("the picture is on the server");
    assert_eq!(
        (blob.mime.as_str(), blob.bytes),
        ("image/jpeg", picture.bytes)
    );
    let log = served.log(&user_id).await;
    let names: Vec<(&str, &str, &str)> = log
        .iter()
        .map(|(s, _, _, n, st)| (s.as_str(), n.as_str(), st.as_str()))
        .collect();
    let mut expected = vec![(session_id.as_str(), "profile.set", "applied"); 5];
    expected.push((session_id.as_str(), "avatar.set", "applied"));
    assert_eq!(names, expected);

    // Another device of the account sees it all.
    let other = Remote::sign_in(&served, EMAIL, PASSWORD).await;
    let seen = other.pull().await.unwrap().snapshot.unwrap().profile;
    assert_eq!(seen.name, "Anna Local");
    assert_eq!(seen.language, Language::Ru);
    assert_eq!(seen.organization.as_deref(), Some("Acure Labs"));
    assert_eq!(seen.phone.as_deref(), Some("+79123456789"));
    assert_eq!(seen.time_zone, "Asia/Tokyo");
    assert_eq!(seen.avatar.map(|a| a.sha256), Some(picture_sha));

    // And this device is in step with the server.
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox").await, 0);
    let synced = app.profiles.existing_profile().await.unwrap();
    assert_eq!(synced.name, "Anna Local");
    assert_eq!(synced.time_zone, "Asia/Tokyo");
    assert_eq!(synced.phone.as_deref(), Some("+79123456789"));
    let secret = app
        .keychain
        .get(&format!("session:{session_id}"))
        .unwrap()
        .unwrap();
    for kept_out in [secret.as_str(), PASSWORD, LOCAL_PASSWORD] {
        assert!(
            !app.store_holds(kept_out),
            "the store file keeps a secret in plain text"
        );
    }
}

// ---------------------------------------------------------------------------------------
// 2. Replacing a local profile.

async fn replacing_a_local_profile_takes_the_servers_and_uploads_nothing(backend: Backend) {
    let served = Served::start(backend).await;
    let user_id = served.add_user(EMAIL, "Server Anna").await;
    // Another device has given the account an organization and a picture.
    let mut other = Remote::sign_in(&served, EMAIL, PASSWORD).await;
    other
        .push(
            "profile.set",
            json!({ "profile_id": user_id, "organization": "Server Org" }),
        )
        .await;
    let server_picture = jpeg_of(3);
    let server_sha = sha256_hex(&server_picture.bytes);
    let avatar_set = AvatarSet {
        profile_id: user_id.parse().unwrap(),
        mime: "image/jpeg".into(),
        image: server_picture.bytes.clone(),
    };
    other
        .push("avatar.set", serde_json::to_value(avatar_set).unwrap())
        .await;
    let app = App::new("Anna's laptop").await;
    app.create_local_account("Anna Local").await;
    app.me()
        .await
        .update(ProfileChanges {
            organization: Some("Local Org".into()),
            phone: Some("+79123456789".into()),
            ..changes()
        })
        .await
        .unwrap();
    app.me().await.set_avatar(jpeg()).await.unwrap();

    let result = app.sign_in(&served, LocalProfile::Replace).await;
    assert_eq!(result.queued, 0);
    let profile = app.profiles.existing_profile().await.unwrap();
    assert_eq!(profile.id.to_string(), user_id);
    assert_eq!(profile.name, "Server Anna");
    assert_eq!(profile.email.as_deref(), Some(EMAIL));
    assert_eq!(profile.organization.as_deref(), Some("Server Org"));
    assert_eq!(profile.phone, None);
    assert_eq!(profile.language, Language::En);
    assert_eq!(profile.time_zone, "UTC");
    assert!(profile.avatar.is_some(), "the server's picture is shown");
    assert_eq!(
        app.text("SELECT avatar_sha256 FROM profile")
            .await
            .as_deref(),
        Some(server_sha.as_str())
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM avatar_blob WHERE sha256 = '{server_sha}'"
        ))
        .await,
        1,
        "the picture was fetched at sign-in"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM credential").await, 0);

    let outcome = app.sync().await.unwrap();
    assert_eq!((outcome.pushed, outcome.pending), (0, 0));
    let user = served.user(&user_id).await;
    assert_eq!(user.name, "Server Anna");
    assert_eq!(user.organization.as_deref(), Some("Server Org"));
    assert_eq!(user.phone, None);
    assert_eq!(user.avatar_sha256.as_deref(), Some(server_sha.as_str()));
    let session = app.client_id().await.unwrap();
    let log = served.log(&user_id).await;
    assert_eq!(log.len(), 2, "{log:?}");
    assert!(log.iter().all(|row| row.0 != session), "{log:?}");
    assert_eq!(
        app.profiles.existing_profile().await.unwrap().name,
        "Server Anna"
    );
}

// ---------------------------------------------------------------------------------------
// 3. Sign-in errors, each at its field of the form.

#[tokio::test]
async fn sign_in_errors_name_the_field_and_leave_the_device_as_it_was() {
    let served = Served::start(Backend::Sqlite).await;
    let user_id = served.add_user(EMAIL, "Server Anna").await;
    let app = App::new("Anna's laptop").await;
    app.create_local_account("Anna Local").await;
    let upload = LocalProfile::Upload;

    let wrong = app
        .sign_in_to(&served.url(), EMAIL, "Wrong-Guess-77", upload)
        .await
        .unwrap_err();
    assert_eq!(
        refusal(wrong),
        (ErrorCode::AuthInvalidCredentials, Some("password"))
    );

    let unknown = app
        .sign_in_to(&served.url(), "nobody@example.com", PASSWORD, upload)
        .await
        .unwrap_err();
    assert_eq!(
        refusal(unknown),
        (ErrorCode::AuthInvalidCredentials, Some("password"))
    );

    let empty_email = app
        .sign_in_to(&served.url(), "  ", PASSWORD, upload)
        .await
        .unwrap_err();
    assert_eq!(
        refusal(empty_email),
        (ErrorCode::ProfileEmailInvalid, Some("email"))
    );

    let closed = format!("http://127.0.0.1:{}", closed_port().await);
    let unreachable = app
        .sign_in_to(&closed, EMAIL, PASSWORD, upload)
        .await
        .unwrap_err();
    assert_eq!(
        refusal(unreachable),
        (ErrorCode::ServerUnreachable, Some("server_url"))
    );

    for html_404 in [true, false] {
        let (port, task) = foreign_server(html_404).await;
        let foreign = app
            .sign_in_to(&format!("http://127.0.0.1:{port}"), EMAIL, PASSWORD, upload)
            .await
            .unwrap_err();
        assert_eq!(
            refusal(foreign),
            (ErrorCode::ServerNotAcure, Some("server_url")),
            "a foreign server answering {}",
            if html_404 { "404 HTML" } else { "200 text" }
        );
        task.abort();
    }

    // The right server, but at a path where it has no API.
    let beside = app
        .sign_in_to(&format!("{}/acure", served.url()), EMAIL, PASSWORD, upload)
        .await
        .unwrap_err();
    assert_eq!(
        refusal(beside),
        (ErrorCode::ServerNotAcure, Some("server_url"))
    );

    let insecure = app
        .sign_in_to("http://example.com", EMAIL, PASSWORD, upload)
        .await
        .unwrap_err();
    assert_eq!(
        refusal(insecure),
        (ErrorCode::ServerInsecure, Some("server_url"))
    );
    let invalid = app
        .sign_in_to("ftp://example.com", EMAIL, PASSWORD, upload)
        .await
        .unwrap_err();
    assert_eq!(
        refusal(invalid),
        (ErrorCode::ServerAddressInvalid, Some("server_url"))
    );

    // Nothing of any try stayed: the local account is as it was, no secret, no session.
    assert_eq!(app.state().await, None);
    assert_eq!(app.client_id().await, None);
    assert_eq!(app.count("SELECT COUNT(*) FROM credential").await, 1);
    assert_eq!(
        app.profiles.existing_profile().await.unwrap().name,
        "Anna Local"
    );
    assert_eq!(app.accounts.state().await.unwrap(), AccountState::SignedIn);
    assert!(app.keychain.accounts().is_empty());
    assert!(!app.secret_file().exists());
    assert!(served.active_sessions(&user_id).await.is_empty());
}

// ---------------------------------------------------------------------------------------
// 4. No keychain: the file.

async fn without_a_keychain_the_secret_lands_in_a_private_file_and_the_person_is_told_once(
    backend: Backend,
) {
    let served = Served::start(backend).await;
    let user_id = served.add_user(EMAIL, "Server Anna").await;
    let app = App::with_keychain("bare Linux box", MemoryKeychain::broken()).await;

    let result = app.sign_in(&served, LocalProfile::Upload).await;
    assert_eq!(result.secret_storage, SecretStorage::File);
    let file = app.secret_file();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }
    let state = app.state().await.unwrap();
    assert_eq!(state.secret_storage, Some(SecretStorage::File));
    assert!(state.file_notice_due);
    // Told once, and not again.
    app.link.file_notice_shown().await.unwrap();
    assert!(!app.state().await.unwrap().file_notice_due);

    // The file's secret is the session's: syncing works with it.
    app.me()
        .await
        .update(ProfileChanges {
            organization: Some("Filed Org".into()),
            ..changes()
        })
        .await
        .unwrap();
    app.sync().await.unwrap();
    assert_eq!(
        served.user(&user_id).await.organization.as_deref(),
        Some("Filed Org")
    );
    let text = std::fs::read_to_string(&file).unwrap();
    let secret = text
        .lines()
        .nth(1)
        .expect("the file holds its session and secret");
    assert!(!app.store_holds(secret.trim()));

    // Signed out with a copy kept, then in again: the new session's secret must survive
    // the old one being forgotten (the file is one for both).
    app.link.sign_out(true).await.unwrap();
    app.sign_in(&served, LocalProfile::Replace).await;
    app.me()
        .await
        .update(ProfileChanges {
            organization: Some("Filed Again".into()),
            ..changes()
        })
        .await
        .unwrap();
    app.sync().await.unwrap();
    assert_eq!(
        served.user(&user_id).await.organization.as_deref(),
        Some("Filed Again"),
        "the second session syncs with its file-kept secret"
    );

    app.link.sign_out(false).await.unwrap();
    assert!(!file.exists(), "the secret file outlived the sign-out");
    assert!(served.active_sessions(&user_id).await.is_empty());
}

// ---------------------------------------------------------------------------------------
// 5. Revocation: sealed, re-submitted, applied once.

async fn a_revoked_session_seals_its_change_which_is_resubmitted_and_applied_once(
    backend: Backend,
) {
    let served = Served::start(backend).await;
    let user_id = served.add_user(EMAIL, "Server Anna").await;
    let app = App::new("Anna's laptop").await;
    app.sign_in(&served, LocalProfile::Upload).await;
    app.sync().await.unwrap();
    let first_session = app.client_id().await.unwrap();

    // A change made offline…
    let change_id = app.rename("Anna Offline").await;
    // …while another device ends this one's session.
    let mut other = Remote::sign_in(&served, EMAIL, PASSWORD).await;
    let ended = other
        .push("session.end", json!({ "session_id": first_session }))
        .await;
    assert_eq!(ended.last_seq, 1);
    assert!(!served
        .active_sessions(&user_id)
        .await
        .contains(&first_session));

    assert!(matches!(app.sync().await, Err(SyncError::Revoked)));
    let state = app.state().await.unwrap();
    assert!(!state.signed_in);
    assert_eq!(app.accounts.state().await.unwrap(), AccountState::SignedOut);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE state = 'sealed'")
            .await,
        1
    );
    assert!(served
        .log(&user_id)
        .await
        .iter()
        .all(|row| row.2.as_deref() != Some(change_id.as_str())));

    // Signed in again (the same account): the sealed change waits for a decision.
    let again = app.sign_in(&served, LocalProfile::Upload).await;
    assert_eq!(again.queued, 0);
    let second_session = app.client_id().await.unwrap();
    assert_ne!(second_session, first_session);
    assert_eq!(
        app.keychain.accounts(),
        vec![format!("session:{second_session}")],
        "the ended session's secret is forgotten"
    );
    let me = app.me().await;
    let review = app.review.list(&me, Language::En).await.unwrap();
    assert_eq!(review.sealed.len(), 1, "{review:?}");
    assert!(review.refused.is_empty() && review.conflicts.is_empty());
    let sealed = &review.sealed[0];
    assert_eq!(sealed.id, change_id);
    assert_eq!(sealed.name, "profile.set");
    assert_eq!(sealed.args["name"], json!("Anna Offline"));
    // Nothing sealed was sent with the new session.
    app.sync().await.unwrap();
    assert_eq!(served.user(&user_id).await.name, "Server Anna");

    app.review
        .resubmit(&me, change_id.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(
        app.profiles.existing_profile().await.unwrap().name,
        "Anna Offline"
    );
    assert!(app
        .review
        .list(&me, Language::En)
        .await
        .unwrap()
        .sealed
        .is_empty());
    let outcome = app.sync().await.unwrap();
    assert_eq!((outcome.pushed, outcome.pending), (1, 0));
    assert_eq!(served.user(&user_id).await.name, "Anna Offline");
    // Once more: nothing is sent again.
    app.sync().await.unwrap();
    let log = served.log(&user_id).await;
    let applied: Vec<&LogRow> = log
        .iter()
        .filter(|row| row.2.as_deref() == Some(change_id.as_str()))
        .collect();
    assert_eq!(applied.len(), 1, "{log:?}");
    assert_eq!(applied[0].0, second_session);
    assert_eq!(applied[0].4, "applied");
    assert_eq!(
        app.profiles.existing_profile().await.unwrap().name,
        "Anna Offline"
    );
}

// ---------------------------------------------------------------------------------------
// 6. A conflict, on the device whose value was lost.

async fn an_overwritten_value_shows_on_its_device_only_and_use_mine_restores_it(backend: Backend) {
    let served = Served::start(backend).await;
    let user_id = served.add_user(EMAIL, "Server Anna").await;
    let a = App::new("device A").await;
    let b = App::new("device B").await;
    a.sign_in(&served, LocalProfile::Upload).await;
    b.sign_in(&served, LocalProfile::Upload).await;
    a.sync().await.unwrap();
    b.sync().await.unwrap();
    let a_session = a.client_id().await.unwrap();
    let b_session = b.client_id().await.unwrap();

    // Both rename offline; A's lands first, B's (made before seeing A's) overwrites it.
    let rename = |name: &str| ProfileChanges {
        name: Some(name.into()),
        ..changes()
    };
    a.me().await.update(rename("Anna from A")).await.unwrap();
    b.me().await.update(rename("Anna from B")).await.unwrap();
    a.sync().await.unwrap();
    b.sync().await.unwrap();
    assert_eq!(served.user(&user_id).await.name, "Anna from B");
    a.sync().await.unwrap();

    let a_review = a.review.list(&a.me().await, Language::En).await.unwrap();
    assert_eq!(a_review.conflicts.len(), 1, "{a_review:?}");
    let conflict = &a_review.conflicts[0];
    assert_eq!(conflict.field, "name");
    assert_eq!(conflict.mine, json!("Anna from A"));
    assert_eq!(conflict.theirs, json!("Anna from B"));
    assert_eq!(conflict.device.as_deref(), Some("device B"));
    assert!(a_review.sealed.is_empty() && a_review.refused.is_empty());
    let b_review = b.review.list(&b.me().await, Language::En).await.unwrap();
    assert!(b_review.conflicts.is_empty(), "{b_review:?}");
    assert_eq!(
        a.profiles.existing_profile().await.unwrap().name,
        "Anna from B"
    );

    let me = a.me().await;
    a.review
        .use_mine(&me, conflict.id.parse().unwrap())
        .await
        .unwrap();
    a.sync().await.unwrap();
    assert_eq!(served.user(&user_id).await.name, "Anna from A");
    assert!(a
        .review
        .list(&me, Language::En)
        .await
        .unwrap()
        .conflicts
        .is_empty());
    // Settled for good: later rounds bring it back on neither device.
    a.sync().await.unwrap();
    b.sync().await.unwrap();
    assert!(a
        .review
        .list(&me, Language::En)
        .await
        .unwrap()
        .conflicts
        .is_empty());
    assert!(b
        .review
        .list(&b.me().await, Language::En)
        .await
        .unwrap()
        .conflicts
        .is_empty());
    assert_eq!(
        b.profiles.existing_profile().await.unwrap().name,
        "Anna from A"
    );
    let log = served.log(&user_id).await;
    assert_eq!(
        log.iter()
            .map(|r| (r.0.as_str(), r.4.as_str()))
            .collect::<Vec<_>>(),
        vec![
            (a_session.as_str(), "applied"),
            (b_session.as_str(), "applied"),
            (a_session.as_str(), "applied")
        ]
    );
}

/// A refused change makes the next pull ask for the whole snapshot (cookie 0), which also
/// carries every conflict the server still keeps: one settled here must not come back.
async fn a_settled_conflict_stays_settled_when_a_refusal_brings_a_whole_snapshot(backend: Backend) {
    let served = Served::start(backend).await;
    let user_id = served.add_user(EMAIL, "Server Anna").await;
    let a = App::new("device A").await;
    let b = App::new("device B").await;
    a.sign_in(&served, LocalProfile::Upload).await;
    b.sign_in(&served, LocalProfile::Upload).await;
    a.sync().await.unwrap();
    b.sync().await.unwrap();
    let rename = |name: &str| ProfileChanges {
        name: Some(name.into()),
        ..changes()
    };
    a.me().await.update(rename("Anna from A")).await.unwrap();
    b.me().await.update(rename("Anna from B")).await.unwrap();
    a.sync().await.unwrap();
    b.sync().await.unwrap();
    a.sync().await.unwrap();
    let me = a.me().await;
    let conflicts = a.review.list(&me, Language::En).await.unwrap().conflicts;
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    a.review
        .keep_theirs(&me, conflicts[0].id.parse().unwrap())
        .await
        .unwrap();
    assert!(a
        .review
        .list(&me, Language::En)
        .await
        .unwrap()
        .conflicts
        .is_empty());

    // A change the server refuses: the e-mail is the account's sign-in name. (The profile
    // form refuses it first; any refusal takes the same way through the sync client.)
    let profile_id = a.profiles.existing_profile().await.unwrap().id;
    a.profiles
        .commit(Mutation::ProfileSet(ProfileSet {
            profile_id,
            email: Some("renamed@example.com".into()),
            ..ProfileSet::default()
        }))
        .await
        .unwrap();
    let outcome = a.sync().await.unwrap();
    assert_eq!((outcome.pushed, outcome.pending), (1, 0));
    assert_eq!(served.user(&user_id).await.email, EMAIL);
    assert_eq!(
        a.profiles
            .existing_profile()
            .await
            .unwrap()
            .email
            .as_deref(),
        Some(EMAIL)
    );
    let review = a.review.list(&me, Language::En).await.unwrap();
    assert_eq!(review.refused.len(), 1, "{review:?}");
    assert_eq!(
        review.refused[0].code.as_deref(),
        Some("mutation.not_allowed")
    );
    assert_eq!(review.refused[0].field.as_deref(), Some("email"));
    assert!(
        review.conflicts.is_empty(),
        "a conflict settled with «Keep theirs» came back: {:?}",
        review.conflicts
    );
    a.review
        .dismiss_refused(&me, review.refused[0].id.parse().unwrap())
        .await
        .unwrap();
    assert!(a
        .review
        .list(&me, Language::En)
        .await
        .unwrap()
        .refused
        .is_empty());
}

// ---------------------------------------------------------------------------------------
// 7. The password, online only.

async fn the_password_changes_online_only_and_ends_the_other_sessions(backend: Backend) {
    let served = Served::start(backend).await;
    let user_id = served.add_user(EMAIL, "Server Anna").await;
    let app = App::new("Anna's laptop").await;
    let other_app = App::new("Anna's phone").await;
    app.sign_in(&served, LocalProfile::Upload).await;
    other_app.sign_in(&served, LocalProfile::Upload).await;
    let remote = Remote::sign_in(&served, EMAIL, PASSWORD).await;
    let session = app.client_id().await.unwrap();

    let wrong = app
        .link
        .change_password(
            &app.me().await,
            Password::new("Wrong-Guess-77"),
            Password::new(NEW_PASSWORD),
        )
        .await
        .unwrap_err();
    assert_eq!(
        refusal(wrong),
        (ErrorCode::PasswordCurrentWrong, Some("current_password"))
    );
    let weak = app
        .link
        .change_password(
            &app.me().await,
            Password::new(PASSWORD),
            Password::new("short"),
        )
        .await
        .unwrap_err();
    let (code, field) = refusal(weak);
    assert!(code.as_str().starts_with("password."), "{code:?}");
    assert_eq!(field, Some("new_password"));
    assert_eq!(served.active_sessions(&user_id).await.len(), 3);

    app.link
        .change_password(
            &app.me().await,
            Password::new(PASSWORD),
            Password::new(NEW_PASSWORD),
        )
        .await
        .unwrap();
    assert_eq!(
        served.active_sessions(&user_id).await,
        vec![session.clone()]
    );
    assert_eq!(
        remote.pull().await.unwrap_err().1["code"],
        json!("session.revoked")
    );
    assert!(matches!(other_app.sync().await, Err(SyncError::Revoked)));
    app.sync().await.unwrap();
    assert!(app.state().await.unwrap().signed_in);
    // The new password is the one the server takes; this device keeps no hash of it.
    assert_eq!(app.count("SELECT COUNT(*) FROM credential").await, 0);
    let old = other_app
        .sign_in_to(&served.url(), EMAIL, PASSWORD, LocalProfile::Upload)
        .await
        .unwrap_err();
    assert_eq!(refusal(old).0, ErrorCode::AuthInvalidCredentials);
    other_app
        .sign_in_to(&served.url(), EMAIL, NEW_PASSWORD, LocalProfile::Upload)
        .await
        .unwrap();

    served.stop().await;
    let offline = app
        .link
        .change_password(
            &app.me().await,
            Password::new(NEW_PASSWORD),
            Password::new("Third-Pass-2027"),
        )
        .await
        .unwrap_err();
    assert_eq!(refusal(offline), (ErrorCode::PasswordNeedsConnection, None));
    assert!(matches!(app.sync().await, Err(SyncError::Offline(_))));
    assert!(
        app.state().await.unwrap().signed_in,
        "offline is not signed out"
    );
}

// ---------------------------------------------------------------------------------------
// 8. Signing out.

async fn signing_out_empties_the_store_or_keeps_a_signed_out_copy(backend: Backend) {
    let served = Served::start(backend).await;
    let user_id = served.add_user(EMAIL, "Server Anna").await;

    // Without a copy: the device starts afresh.
    let app = App::new("shared computer").await;
    app.create_local_account("Anna Local").await;
    app.me().await.set_avatar(jpeg()).await.unwrap();
    app.sign_in(&served, LocalProfile::Upload).await;
    app.sync().await.unwrap();
    let session = app.client_id().await.unwrap();
    app.link.sign_out(false).await.unwrap();
    assert_eq!(app.profiles.profile().await.unwrap(), None);
    assert_eq!(
        app.text("SELECT server_url FROM device WHERE id = 1").await,
        None
    );
    assert_eq!(app.client_id().await, None);
    assert_eq!(app.state().await, None);
    assert_eq!(app.accounts.state().await.unwrap(), AccountState::FirstRun);
    for table in [
        "profile",
        "session",
        "credential",
        "outbox",
        "avatar_blob",
        "sync_rejection",
        "sync_conflict",
    ] {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        assert_eq!(app.count(&sql).await, 0, "{table}");
    }
    assert!(app.keychain.accounts().is_empty());
    assert!(!app.secret_file().exists());
    assert!(app.link.sync_client().await.unwrap().is_none());
    assert!(!served.active_sessions(&user_id).await.contains(&session));
    let ended = served.server.db.store.sessions_of(&user_id).await.unwrap();
    let ended = ended.iter().find(|s| s.id == session).unwrap();
    assert_eq!(ended.end_reason.as_deref(), Some("signed_out"));

    // With a copy, offline: the profile stays, signed out; an unsent change waits, sealed.
    // (Online, a sign-out sends what is pending first: see the end of this test.)
    let kept = App::new("own laptop").await;
    kept.sign_in(&served, LocalProfile::Upload).await;
    kept.sync().await.unwrap();
    let kept_session = kept.client_id().await.unwrap();
    kept.me()
        .await
        .update(ProfileChanges {
            organization: Some("Unsent Org".into()),
            ..changes()
        })
        .await
        .unwrap();
    served.stop().await;
    kept.link.sign_out(true).await.unwrap();
    served.restart().await;
    let profile = kept.profiles.existing_profile().await.unwrap();
    assert_eq!(profile.id.to_string(), user_id);
    // The name the first device uploaded before it signed out.
    assert_eq!(profile.name, "Anna Local");
    assert_eq!(profile.organization.as_deref(), Some("Unsent Org"));
    let state = kept.state().await.unwrap();
    assert_eq!(state.server_url, format!("{}/", served.url()));
    assert!(!state.signed_in);
    assert_eq!(
        kept.accounts.state().await.unwrap(),
        AccountState::SignedOut
    );
    assert!(kept.accounts.signed_in(&kept.profiles).await.is_err());
    assert!(kept.keychain.accounts().is_empty());
    assert!(kept.link.sync_client().await.unwrap().is_none());
    // Offline, the server could not be told; without the secret nobody can use the session.
    assert!(served
        .active_sessions(&user_id)
        .await
        .contains(&kept_session));
    assert_eq!(
        kept.count("SELECT COUNT(*) FROM outbox WHERE state = 'sealed'")
            .await,
        1
    );
    assert_eq!(served.user(&user_id).await.organization, None);

    // Signing in again (the sign-in screen of a linked device): the unsent change is there
    // to re-submit.
    kept.sign_in(&served, LocalProfile::Replace).await;
    let me = kept.me().await;
    let sealed = kept.review.list(&me, Language::En).await.unwrap().sealed;
    assert_eq!(sealed.len(), 1, "{sealed:?}");
    assert_eq!(sealed[0].args["organization"], json!("Unsent Org"));
    kept.review
        .resubmit(&me, sealed[0].id.parse().unwrap())
        .await
        .unwrap();
    kept.sync().await.unwrap();
    assert_eq!(
        served.user(&user_id).await.organization.as_deref(),
        Some("Unsent Org")
    );

    // Online, a sign-out sends what is still pending before it ends the session.
    kept.me()
        .await
        .update(ProfileChanges {
            organization: Some("Sent At Sign-out".into()),
            ..changes()
        })
        .await
        .unwrap();
    let session = kept.client_id().await.unwrap();
    kept.link.sign_out(true).await.unwrap();
    assert_eq!(
        served.user(&user_id).await.organization.as_deref(),
        Some("Sent At Sign-out")
    );
    assert_eq!(
        kept.count("SELECT COUNT(*) FROM outbox WHERE state = 'sealed'")
            .await,
        0
    );
    assert!(!served.active_sessions(&user_id).await.contains(&session));
}

/// A signed-out copy of one server account is no local profile: signing in to another
/// account must not send the first one's details there.
async fn a_kept_copy_of_another_account_is_not_uploaded_into_a_new_one(backend: Backend) {
    let served = Served::start(backend).await;
    let first_id = served.add_user(EMAIL, "Server Anna").await;
    let second_id = served.add_user("boris@example.com", "Boris").await;
    let app = App::new("shared laptop").await;
    app.sign_in(&served, LocalProfile::Replace).await;
    app.me()
        .await
        .update(ProfileChanges {
            organization: Some("Anna's Org".into()),
            phone: Some("+79123456789".into()),
            ..changes()
        })
        .await
        .unwrap();
    app.me().await.set_avatar(jpeg()).await.unwrap();
    app.sync().await.unwrap();
    app.link.sign_out(true).await.unwrap();

    let result = app
        .sign_in_to(
            &served.url(),
            "boris@example.com",
            PASSWORD,
            LocalProfile::Upload,
        )
        .await
        .unwrap();
    app.sync().await.unwrap();
    let boris = served.user(&second_id).await;
    assert_eq!(
        (
            boris.name.as_str(),
            boris.organization.as_deref(),
            boris.phone.as_deref(),
            boris.avatar_sha256.as_deref()
        ),
        ("Boris", None, None, None),
        "Anna's details went into Boris's account"
    );
    assert_eq!(result.queued, 0);
    let profile = app.profiles.existing_profile().await.unwrap();
    assert_eq!(profile.id.to_string(), second_id);
    assert_eq!(profile.name, "Boris");
    assert_eq!(
        served.user(&first_id).await.organization.as_deref(),
        Some("Anna's Org")
    );
}

// ---------------------------------------------------------------------------------------
// 9. The background runner.

#[tokio::test]
async fn the_sync_runner_sends_a_local_change_and_stops_when_the_session_ends() {
    let served = Served::start(Backend::Sqlite).await;
    let user_id = served.add_user(EMAIL, "Server Anna").await;
    let app = App::new("Anna's laptop").await;
    app.sign_in(&served, LocalProfile::Upload).await;
    let session = app.client_id().await.unwrap();
    let (client, bound) = app.link.sync_client().await.unwrap().unwrap();
    assert_eq!(bound.to_string(), session);
    let runner = SyncRunner::start(
        client,
        bound,
        app.link.clone(),
        app.profiles.database().clone(),
        app.env.clone(),
    )
    .await
    .unwrap();

    let (runner, served, app, user_id) = (&runner, &served, &app, user_id.as_str());
    app.profiles
        .update(ProfileChanges {
            organization: Some("Background Org".into()),
            ..changes()
        })
        .await
        .unwrap();
    eventually("the change reaches the server", move || async move {
        let status = runner.status();
        let on_server = served.user(user_id).await.organization;
        let outbox = app.count("SELECT COUNT(*) FROM outbox").await;
        if status.state == SyncState::Synced
            && status.pending == 0
            && outbox == 0
            && on_server.as_deref() == Some("Background Org")
        {
            Ok(())
        } else {
            Err(format!("{status:?}, outbox {outbox}, server {on_server:?}"))
        }
    })
    .await;
    assert!(runner.status().synced_at.is_some());
    assert!(runner.status().error.is_none());

    // Offline: the change waits, and the header says why.
    served.stop().await;
    app.profiles
        .update(ProfileChanges {
            organization: Some("Offline Org".into()),
            ..changes()
        })
        .await
        .unwrap();
    eventually("the runner finds the server gone", move || async move {
        let status = runner.status();
        if status.state == SyncState::Offline
            && status.pending == 1
            && status.error.as_ref().map(|c| c.as_str()) == Some("sync.offline")
        {
            Ok(())
        } else {
            Err(format!("{status:?}"))
        }
    })
    .await;
    served.restart().await;
    runner.sync_now();
    eventually(
        "the waiting change reaches the server",
        move || async move {
            let status = runner.status();
            let on_server = served.user(user_id).await.organization;
            if status.state == SyncState::Synced
                && status.pending == 0
                && on_server.as_deref() == Some("Offline Org")
            {
                Ok(())
            } else {
                Err(format!("{status:?}, server {on_server:?}"))
            }
        },
    )
    .await;

    // The session ends elsewhere: «Sync now» finds out, the runner stops, the secret goes.
    let mut other = Remote::sign_in(served, EMAIL, PASSWORD).await;
    other
        .push("session.end", json!({ "session_id": session }))
        .await;
    runner.sync_now();
    eventually("the runner signs out", move || async move {
        let status = runner.status();
        if status.state == SyncState::SignedOut && runner.is_finished() {
            Ok(())
        } else {
            Err(format!("{status:?}"))
        }
    })
    .await;
    assert!(app.keychain.accounts().is_empty());
    assert!(!app.state().await.unwrap().signed_in);
}

/// A local profile whose organization an older version let through (a bidi control): the
/// other details go to the server, and that one is listed as refused with its reason.
async fn a_local_detail_todays_rules_refuse_is_listed_and_the_others_go(backend: Backend) {
    let served = Served::start(backend).await;
    let user_id = served.add_user(EMAIL, "Server Anna").await;
    let app = App::new("old laptop").await;
    app.create_local_account("Anna Local").await;
    sqlx::query("UPDATE profile SET organization = ?")
        .bind("Acme\u{202E}Labs")
        .execute(app.profiles.database().pool())
        .await
        .unwrap();

    let result = app.sign_in(&served, LocalProfile::Upload).await;
    // Name, language and time zone; the organization is refused here.
    assert_eq!(result.queued, 3);
    app.sync().await.unwrap();
    let user = served.user(&user_id).await;
    assert_eq!(user.name, "Anna Local");
    assert_eq!(user.organization, None);
    let me = app.me().await;
    let refused = app.review.list(&me, Language::En).await.unwrap().refused;
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0].name, "profile.set");
    assert_eq!(
        refused[0].code.as_deref(),
        Some("profile.organization_invisible_chars")
    );
    assert_eq!(refused[0].field.as_deref(), Some("organization"));
    // The message names the character, so the refusal keeps it.
    assert_eq!(refused[0].params["char"], json!("U+202E"));
    app.review
        .dismiss_refused(&me, refused[0].id.parse().unwrap())
        .await
        .unwrap();
    assert!(app
        .review
        .list(&me, Language::En)
        .await
        .unwrap()
        .refused
        .is_empty());

    // The server's own refusal keeps its message's values too: a change queued under other
    // rules (rewritten here as an older version would have written it) is refused there.
    app.queue_too_long("name").await;
    app.sync().await.unwrap();
    let refused = app.review.list(&me, Language::En).await.unwrap().refused;
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0].code.as_deref(), Some("profile.name_too_long"));
    assert_eq!(refused[0].params["max"], json!(100));
}

// ---------------------------------------------------------------------------------------
// 11. Answers lost, sessions ended offline, another account, conflicts missed.

/// The server as a device whose connection drops every push's answer: the server takes
/// the push, the device never hears of it.
struct LostAnswers(profile_core::server::ServerApi);

impl Transport for LostAnswers {
    fn push<'a>(&'a self, request: &'a PushRequest) -> Reply<'a, PushResponse> {
        Box::pin(async move {
            self.0.push(request).await?;
            Err(TransportError::Unreachable("the answer was lost".into()))
        })
    }

    fn pull<'a>(&'a self, request: &'a PullRequest) -> Reply<'a, PullResponse> {
        self.0.pull(request)
    }

    fn blob<'a>(&'a self, sha256: &'a str) -> Reply<'a, Vec<u8>> {
        self.0.blob(sha256)
    }
}

/// The server applied a change but its answer was lost, then the session ended and another
/// device wrote the same field: the change is sealed, and re-submitted from the next session
/// it is answered «applied» (its id is the same) without being applied a second time, and
/// the window shows the server's later value again.
async fn a_change_whose_answer_was_lost_is_resubmitted_and_answered_applied(backend: Backend) {
    let served = Served::start(backend).await;
    let user_id = served.add_user(EMAIL, "Server Anna").await;
    let app = App::new("Anna's laptop").await;
    app.sign_in(&served, LocalProfile::Upload).await;
    app.sync().await.unwrap();
    let first_session = app.client_id().await.unwrap();
    let change_id = app.rename("Anna Lost").await;
    let api = app.link.api().await.unwrap().unwrap();
    let lossy = SyncClient::new(
        app.profiles.database().clone(),
        app.env.clone(),
        Arc::new(LostAnswers(api)),
    )
    .bound_to(first_session.parse().unwrap());
    assert!(matches!(
        lossy.sync_once().await,
        Err(SyncError::Offline(_))
    ));
    assert_eq!(
        served.user(&user_id).await.name,
        "Anna Lost",
        "the server took it"
    );

    let mut other = Remote::sign_in(&served, EMAIL, PASSWORD).await;
    other
        .push("session.end", json!({ "session_id": first_session }))
        .await;
    other
        .push(
            "profile.set",
            json!({ "profile_id": user_id, "name": "Anna Phone" }),
        )
        .await;
    assert!(matches!(app.sync().await, Err(SyncError::Revoked)));
    app.sign_in(&served, LocalProfile::Upload).await;
    let version = served.user(&user_id).await.version;
    let me = app.me().await;
    let review = app.review.list(&me, Language::En).await.unwrap();
    assert_eq!(review.sealed.len(), 1, "{review:?}");
    assert_eq!(review.sealed[0].id, change_id);
    app.review
        .resubmit(&me, change_id.parse().unwrap())
        .await
        .unwrap();
    let outcome = app.sync().await.unwrap();
    assert_eq!((outcome.pushed, outcome.pending), (1, 0));
    let review = app.review.list(&me, Language::En).await.unwrap();
    assert!(
        review.refused.is_empty() && review.sealed.is_empty(),
        "a change the server had taken is not refused: {review:?}"
    );
    assert_eq!(
        served.user(&user_id).await.version,
        version,
        "nothing was applied a second time"
    );
    assert_eq!(served.user(&user_id).await.name, "Anna Phone");
    assert_eq!(
        app.profiles.existing_profile().await.unwrap().name,
        "Anna Phone",
        "the device shows what the server holds"
    );
    let second_session = app.client_id().await.unwrap();
    let log = served.log(&user_id).await;
    // The repeat is logged with the first one's version: their order in the log is open.
    let mut sets: Vec<(&str, Option<&str>, &str)> = log
        .iter()
        .filter(|row| row.3 == "profile.set" && [&first_session, &second_session].contains(&&row.0))
        .map(|row| (row.0.as_str(), row.2.as_deref(), row.4.as_str()))
        .collect();
    sets.sort_by_key(|row| row.1.is_none());
    assert_eq!(
        sets,
        vec![
            (first_session.as_str(), Some(change_id.as_str()), "applied"),
            (second_session.as_str(), None, "applied")
        ]
    );
}

/// Ending this device's own session while offline signs it out here at once; the end is
/// sent when the server is next reached — at the latest by the next sign-in, before the new
/// session is taken in — instead of being sealed and the old session left open.
async fn ending_this_session_offline_reaches_the_server_at_the_next_sign_in(backend: Backend) {
    let served = Served::start(backend).await;
    let user_id = served.add_user(EMAIL, "Server Anna").await;
    let app = App::new("Anna's laptop").await;
    app.sign_in(&served, LocalProfile::Upload).await;
    app.sync().await.unwrap();
    let first_session = app.client_id().await.unwrap();
    served.stop().await;
    app.me()
        .await
        .end_session(first_session.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(app.accounts.state().await.unwrap(), AccountState::SignedOut);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE state = 'pending'")
            .await,
        1
    );
    assert!(served
        .active_sessions(&user_id)
        .await
        .contains(&first_session));

    served.restart().await;
    app.sign_in(&served, LocalProfile::Upload).await;
    let second_session = app.client_id().await.unwrap();
    assert_eq!(
        served.active_sessions(&user_id).await,
        vec![second_session.clone()],
        "the first session ended on the server"
    );
    let review = app
        .review
        .list(&app.me().await, Language::En)
        .await
        .unwrap();
    assert!(review.sealed.is_empty(), "{review:?}");
    assert_eq!(
        app.keychain.accounts(),
        vec![format!("session:{second_session}")]
    );
}

/// A device that keeps one account's unsent changes does not drop them silently when
/// another account signs in: the sign-in is refused at the e-mail with their number, and
/// goes ahead once the person agrees to drop them.
async fn another_accounts_unsent_changes_are_dropped_only_when_the_person_agrees(backend: Backend) {
    let served = Served::start(backend).await;
    served.add_user(EMAIL, "Server Anna").await;
    let boris_id = served.add_user("boris@example.com", "Boris").await;
    let app = App::new("shared laptop").await;
    app.sign_in(&served, LocalProfile::Upload).await;
    let anna_session = app.client_id().await.unwrap();
    app.me()
        .await
        .update(ProfileChanges {
            organization: Some("Unsent Org".into()),
            ..changes()
        })
        .await
        .unwrap();
    let mut other = Remote::sign_in(&served, EMAIL, PASSWORD).await;
    other
        .push("session.end", json!({ "session_id": anna_session }))
        .await;
    assert!(matches!(app.sync().await, Err(SyncError::Revoked)));

    let err = app
        .sign_in_to(
            &served.url(),
            "boris@example.com",
            PASSWORD,
            LocalProfile::Upload,
        )
        .await
        .unwrap_err();
    let CoreError::Invalid(refused) = err else {
        panic!("expected a coded refusal, got {err:?}")
    };
    assert_eq!(
        (refused.code, refused.field),
        (ErrorCode::ServerOtherAccountUnsent, Some("email"))
    );
    assert_eq!(refused.params["count"], json!(1));
    // Nothing changed here, and Boris's session was not left open.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE state = 'sealed'")
            .await,
        1
    );
    assert_eq!(
        app.profiles.existing_profile().await.unwrap().name,
        "Server Anna"
    );
    assert!(served.active_sessions(&boris_id).await.is_empty());
    assert_eq!(
        app.keychain.accounts(),
        vec![format!("session:{anna_session}")],
        "no secret of Boris's refused session is kept"
    );

    app.link
        .sign_in(
            ServerSignIn {
                address: served.url(),
                email: "boris@example.com".into(),
                password: Password::new(PASSWORD),
                local: LocalProfile::Upload,
                discard_unsent: true,
            },
            app.device(),
        )
        .await
        .unwrap();
    assert_eq!(app.profiles.existing_profile().await.unwrap().name, "Boris");
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox").await, 0);
}

/// Another device overwrote this one's value after its last pull, then ended its session:
/// the conflict is fetched with the next sign-in's snapshot and shown here.
async fn a_conflict_recorded_after_the_last_pull_is_shown_after_signing_in_again(backend: Backend) {
    let served = Served::start(backend).await;
    served.add_user(EMAIL, "Server Anna").await;
    let app = App::new("device A").await;
    app.sign_in(&served, LocalProfile::Upload).await;
    let mut other = Remote::sign_in(&served, EMAIL, PASSWORD).await;
    let stale = other.pull().await.unwrap().cookie;
    app.me()
        .await
        .update(ProfileChanges {
            name: Some("Anna from A".into()),
            ..changes()
        })
        .await
        .unwrap();
    app.sync().await.unwrap();
    let a_session = app.client_id().await.unwrap();
    other
        .push_at(
            stale,
            "profile.set",
            json!({ "profile_id": app.profiles.existing_profile().await.unwrap().id, "name": "Anna from B" }),
        )
        .await;
    other
        .push("session.end", json!({ "session_id": a_session }))
        .await;
    assert!(matches!(app.sync().await, Err(SyncError::Revoked)));

    app.sign_in(&served, LocalProfile::Upload).await;
    let me = app.me().await;
    let review = app.review.list(&me, Language::En).await.unwrap();
    assert_eq!(review.conflicts.len(), 1, "{review:?}");
    assert_eq!(review.conflicts[0].mine, json!("Anna from A"));
    assert_eq!(review.conflicts[0].theirs, json!("Anna from B"));
    // Decided once, it stays decided: the next whole snapshot (which a refusal brings) does
    // not bring it back.
    app.review
        .keep_theirs(&me, review.conflicts[0].id.parse().unwrap())
        .await
        .unwrap();
    app.queue_too_long("organization").await;
    app.sync().await.unwrap();
    let review = app.review.list(&me, Language::En).await.unwrap();
    assert_eq!(
        review.refused.len(),
        1,
        "the refusal brought a whole snapshot"
    );
    assert!(app
        .review
        .list(&me, Language::En)
        .await
        .unwrap()
        .conflicts
        .is_empty());
}

/// A keychain that keeps a secret, then holds the call until released: the moment a kill
/// between keeping the secret and taking the session in would strike.
struct HeldKeychain {
    inner: MemoryKeychain,
    stored: Mutex<Option<std::sync::mpsc::Sender<()>>>,
    release: Mutex<std::sync::mpsc::Receiver<()>>,
}

impl Keychain for HeldKeychain {
    fn set(&self, account: &str, secret: &str) -> Result<(), String> {
        self.inner.set(account, secret)?;
        if let Some(stored) = self.stored.lock().unwrap().take() {
            let _ = stored.send(());
            let _ = self.release.lock().unwrap().recv();
        }
        Ok(())
    }

    fn get(&self, account: &str) -> Result<Option<String>, String> {
        self.inner.get(account)
    }

    fn delete(&self, account: &str) -> Result<(), String> {
        self.inner.delete(account)
    }
}

/// A sign-in stopped after the secret was kept but before the session was taken in (the
/// app killed): the next start forgets that secret, and the device is as it was.
#[tokio::test]
async fn a_sign_in_stopped_after_keeping_its_secret_leaves_no_secret_behind() {
    let served = Served::start(Backend::Sqlite).await;
    served.add_user(EMAIL, "Server Anna").await;
    let app = App::new("Anna's laptop").await;
    let (stored_tx, stored_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel();
    let keychain = Arc::new(HeldKeychain {
        inner: MemoryKeychain::default(),
        stored: Mutex::new(Some(stored_tx)),
        release: Mutex::new(release_rx),
    });
    let link = ServerLink::new(
        app.profiles.database().clone(),
        app.env.clone(),
        SecretVault::new(keychain.clone(), app.dir.path()),
    );
    let signing_in = {
        let (link, device, url) = (link.clone(), app.device(), served.url());
        tokio::spawn(async move {
            let request = ServerSignIn {
                address: url,
                email: EMAIL.into(),
                password: Password::new(PASSWORD),
                local: LocalProfile::Upload,
                discard_unsent: false,
            };
            link.sign_in(request, device).await
        })
    };
    tokio::task::spawn_blocking(move || stored_rx.recv().unwrap())
        .await
        .unwrap();
    signing_in.abort();
    assert!(signing_in.await.unwrap_err().is_cancelled());
    release_tx.send(()).unwrap();
    assert_eq!(keychain.inner.accounts().len(), 1, "the secret was kept");
    assert_eq!(link.state().await.unwrap(), None, "nothing was taken in");

    link.forget_unjoined().await.unwrap();
    assert!(
        keychain.inner.accounts().is_empty(),
        "{:?}",
        keychain.inner.accounts()
    );
    assert_eq!(
        app.text("SELECT joining_session FROM device WHERE id = 1")
            .await,
        None
    );
    // A finished sign-in is not touched by it.
    app.sign_in(&served, LocalProfile::Upload).await;
    let session = app.client_id().await.unwrap();
    app.link.forget_unjoined().await.unwrap();
    assert_eq!(app.keychain.accounts(), vec![format!("session:{session}")]);
}

// ---------------------------------------------------------------------------------------
// 12. Personal API tokens: issued in the app, used with a plain HTTP client.

/// `GET /api/v1/profile` with `token`, as a script would: the status and the name read.
async fn api_get(served: &Served, token: &str) -> (u16, Value) {
    let answer = reqwest::Client::new()
        .get(format!("{}/api/v1/profile", served.url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap_or(Value::Null))
}

async fn a_token_issued_offline_opens_the_api_once_synced_and_closes_when_revoked(
    backend: Backend,
) {
    let served = Served::start(backend).await;
    served.add_user(EMAIL, "Server Anna").await;
    let app = App::new("Anna's laptop").await;
    app.sign_in(&served, LocalProfile::Upload).await;
    app.sync().await.unwrap();

    // Issued offline: the token exists on the device, marked pending, and opens nothing yet.
    served.stop().await;
    let issued = app
        .me()
        .await
        .issue_token(TokenRequest {
            description: "nightly export".into(),
            scope: TokenScope::Read,
            expiry: ExpiryChoice::Never,
        })
        .await
        .unwrap();
    let text = issued.token.expose().to_owned();
    assert!(issued.view.activation_pending);
    assert_eq!(issued.view.prefix, &text[..8]);
    served.restart().await;
    assert_eq!(api_get(&served, &text).await.0, 401, "not applied yet");

    // Synced: a plain HTTP client reads the profile with it, and the use shows on the device.
    app.sync().await.unwrap();
    let (status, body) = api_get(&served, &text).await;
    assert_eq!((status, body["name"].as_str()), (200, Some("Server Anna")));
    app.sync().await.unwrap();
    let lists = app.me().await.tokens(Language::En).await.unwrap();
    assert_eq!(lists.active.len(), 1);
    let listed = &lists.active[0];
    assert!(!listed.activation_pending);
    assert_eq!(listed.last_used_address.as_deref(), Some("127.0.0.1"));
    assert!(listed.last_used_text.is_some());

    // Revoked offline: «revoking…» until synced; then the next request is refused.
    served.stop().await;
    app.me().await.revoke_token(issued.view.id).await.unwrap();
    let lists = app.me().await.tokens(Language::En).await.unwrap();
    assert!(lists.withdrawn.is_empty() || lists.active.is_empty());
    let revoked = lists.withdrawn.first().or(lists.active.first()).unwrap();
    assert!(revoked.revoke_pending);
    served.restart().await;
    assert_eq!(
        api_get(&served, &text).await.0,
        200,
        "still works until the sync"
    );
    app.sync().await.unwrap();
    let (status, body) = api_get(&served, &text).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("token.revoked"))
    );
    let lists = app.me().await.tokens(Language::En).await.unwrap();
    assert_eq!(lists.withdrawn.len(), 1);
    assert!(!lists.withdrawn[0].revoke_pending);

    // Removed: gone from the device and from the server.
    app.me().await.remove_token(issued.view.id).await.unwrap();
    app.sync().await.unwrap();
    let lists = app.me().await.tokens(Language::En).await.unwrap();
    assert!(lists.active.is_empty() && lists.withdrawn.is_empty());
    assert_eq!(api_get(&served, &text).await.1["code"], "token.invalid");

    // The token's text is nowhere at rest: not in the device's store or WAL, not in the
    // server's database.
    assert!(!app.store_holds(&text));
    assert!(!app.store_holds(&text[4..]));
    if let Some(path) = &served.server.db.sqlite_path {
        for suffix in ["", "-wal"] {
            let mut name = path.clone().into_os_string();
            name.push(suffix);
            let bytes = std::fs::read(&name).unwrap_or_default();
            assert!(
                !bytes.windows(text.len()).any(|w| w == text.as_bytes()),
                "{name:?}"
            );
        }
    }
}

#[tokio::test]
async fn a_local_profile_issues_no_token() {
    let app = App::new("Anna's laptop").await;
    app.create_local_account("Anna").await;
    let queued = app.count("SELECT COUNT(*) FROM outbox").await;
    let err = app
        .me()
        .await
        .issue_token(TokenRequest {
            description: String::new(),
            scope: TokenScope::Write,
            expiry: ExpiryChoice::Never,
        })
        .await
        .unwrap_err();
    assert_eq!(refusal(err), (ErrorCode::TokenNeedsServer, None));
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox").await, queued);
    assert_eq!(app.count("SELECT COUNT(*) FROM api_token").await, 0);
}

async fn a_test_notification_waits_for_the_sync_and_then_reaches_the_webhook(backend: Backend) {
    let hook = webhook_receiver::start().await;
    let notifier = Notifier::new()
        .to_private_networks()
        .trusting(hook.certificate_pem.as_bytes())
        .unwrap();
    let served = Served::with_notifier(backend, notifier).await;
    served.add_user(EMAIL, "Server Anna").await;
    let webhook: Channel = serde_json::from_value(
        json!({"id": "webhook", "name": {"en": "Webhook"}, "kind": "url", "multiple": false}),
    )
    .unwrap();
    served
        .server
        .db
        .store
        .add_channel(&webhook, 0)
        .await
        .unwrap();

    // A local profile has no server to send from.
    let local = App::new("Anna's desktop").await;
    local.create_local_account("Anna").await;
    let me = local.me().await;
    let view = me
        .save_contact(ContactSave::new("email", "anna@example.com"), Language::En)
        .await
        .unwrap();
    let refused = local
        .link
        .test_contact(&me, view.contacts[0].id)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::ContactTestUnavailable);

    let app = App::new("Anna's laptop").await;
    app.sign_in(&served, LocalProfile::Upload).await;
    app.sync().await.unwrap();
    let me = app.me().await;
    let lists = me.contacts(Language::En).await.unwrap();
    let offered = lists.channels.iter().find(|c| c.id == "webhook").unwrap();
    assert!(offered.test_sender, "the server's catalog marks its sender");
    let view = me
        .save_contact(ContactSave::new("webhook", &hook.url), Language::En)
        .await
        .unwrap();
    let id = view.contacts[0].id;
    // Not sent while the server does not have the contact as it is here.
    let waiting = app.link.test_contact(&me, id).await.unwrap_err();
    assert_eq!(waiting.code(), ErrorCode::ContactTestNotSynced);
    assert!(hook.bodies().is_empty());
    app.sync().await.unwrap();
    app.link.test_contact(&me, id).await.unwrap();
    let received = hook.bodies();
    assert_eq!(received.len(), 1);
    let body: Value = serde_json::from_str(&received[0]).unwrap();
    assert_eq!(body["kind"], "acure_profile.test");

    // E-mail has no sender on this server: refused by the server, in the app's words.
    let mail = me
        .save_contact(ContactSave::new("email", "anna@example.com"), Language::En)
        .await
        .unwrap();
    app.sync().await.unwrap();
    let refused = app
        .link
        .test_contact(&me, mail.contacts[0].id)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::ContactTestUnavailable);
}
