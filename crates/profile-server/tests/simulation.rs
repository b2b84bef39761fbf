//! A seeded randomized simulation of sync (issue 9): several devices, each with its own
//! SQLite store and the real sync client, the real server router in process, and a network
//! that drops requests, drops answers after the server committed, duplicates and reorders
//! them, and partitions a device; devices also crash between a local commit and its push.
//! Random profile edits, avatar changes, session ends, password changes, token changes
//! (issue, edit, revoke, remove) and contact changes (add, edit, disable, prefer, clear).
//!
//! After the faults heal, within 5 rounds every device equals the server's snapshot, the
//! server logs exactly one row per (session, seq), every change a device saw acknowledged
//! is in that log, no device's cookie ever went down, and nothing from an ended session
//! was applied after it ended.
//!
//! `SIM_SEEDS=<n>` runs more or fewer seeds (120); `SIM_SEED=<n>` runs one again. A failure
//! names its seed.

mod common;

use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use common::{postgres_url, Backend, TestDb, START_MS};
use http_body_util::BodyExt;
use profile_core::avatar::EncodedImage;
use profile_core::contacts::ContactSave;
use profile_core::security::SignedIn;
use profile_core::sync::{SyncClient, SyncError, Transport, TransportError};
use profile_core::tokens::{ExpiryChoice, TokenEdit, TokenRequest, TokenScope, TokenView};
use profile_core::{
    AccountStore, Env, Language, ManualClock, Mutation, ProfileChanges, ProfileSet, ProfileStore,
    Randomness,
};
use profile_domain::state::UserState;
use profile_domain::sync::{PullRequest, PullResponse, PushRequest, PushResponse, PROTOCOL};
use profile_domain::WireError;
use profile_domain::{Clock, ErrorCode};
use profile_server::config::Limits;
use profile_server::http::{router, AppState};
use profile_server::store::{PostgresStore, Store};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tempfile::TempDir;
use tower::ServiceExt;
use uuid::Uuid;

const CLIENTS: usize = 3;
/// Steps per seed: with 60 the test command overran its 25-minute budget on 2 cores.
const STEPS: usize = 40;
const HEAL_ROUNDS: usize = 5;
/// Seeds a run takes unless `SIM_SEEDS` says: 120 keeps the test command within its budget on
/// 2 cores; a deeper run sets more.
const DEFAULT_SEEDS: u64 = 120;
/// Seeds run at once.
const PARALLEL_SEEDS: usize = 6;
const FIRST_PASSWORD: &str = "Tuman-42-Loshadka";

// ---------------------------------------------------------------------------------------
// The network: every call goes to one of the server instances, unless a fault intervenes.

/// One request as sent, kept to deliver again later (a late duplicate: reordering).
#[derive(Clone)]
struct Sent {
    method: Method,
    path: String,
    body: Option<Value>,
    secret: String,
}

struct Network {
    servers: Vec<Router>,
    rng: Mutex<StdRng>,
    faulty: AtomicBool,
    partitioned: AtomicBool,
    secret: Mutex<String>,
    held: Mutex<Vec<Sent>>,
}

impl Network {
    fn new(servers: Vec<Router>, seed: u64) -> Self {
        Self {
            servers,
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
            faulty: AtomicBool::new(true),
            partitioned: AtomicBool::new(false),
            secret: Mutex::new(String::new()),
            held: Mutex::new(Vec::new()),
        }
    }

    fn chance(&self, p: f64) -> bool {
        self.faulty.load(Ordering::SeqCst) && self.rng.lock().unwrap().gen_bool(p)
    }

    async fn deliver(&self, sent: &Sent) -> (StatusCode, Vec<u8>) {
        let server = {
            let mut rng = self.rng.lock().unwrap();
            self.servers[rng.gen_range(0..self.servers.len())].clone()
        };
        let mut request = Request::builder()
            .method(sent.method.clone())
            .uri(&sent.path)
            .header(header::AUTHORIZATION, format!("Bearer {}", sent.secret));
        let body = match &sent.body {
            Some(body) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Body::from(body.to_string())
            }
            None => Body::empty(),
        };
        let response = server.oneshot(request.body(body).unwrap()).await.unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, bytes.to_vec())
    }

    /// Sends one call through the faults: a late (delayed or duplicated) earlier call may
    /// arrive first; the call may be lost on the way, delayed until after later calls,
    /// delivered twice, kept to arrive again later, or delivered with its answer lost.
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Vec<u8>, TransportError> {
        if self.partitioned.load(Ordering::SeqCst) {
            return Err(TransportError::Unreachable("partitioned".into()));
        }
        let late = {
            let mut held = self.held.lock().unwrap();
            (!held.is_empty() && self.chance(0.3)).then(|| held.remove(0))
        };
        if let Some(late) = late {
            let _ = self.deliver(&late).await;
        }
        let sent = Sent {
            method,
            path: path.to_owned(),
            body,
            secret: self.secret.lock().unwrap().clone(),
        };
        if self.chance(0.1) {
            return Err(TransportError::Unreachable("request lost".into()));
        }
        if self.chance(0.05) {
            // Delayed: it arrives only after later calls, and the device hears nothing.
            self.held.lock().unwrap().push(sent);
            return Err(TransportError::Unreachable("request delayed".into()));
        }
        if self.chance(0.1) {
            self.held.lock().unwrap().push(sent.clone());
        }
        if self.chance(0.1) {
            let _ = self.deliver(&sent).await;
        }
        let (status, bytes) = self.deliver(&sent).await;
        if self.chance(0.1) {
            return Err(TransportError::Unreachable("answer lost".into()));
        }
        if status.is_success() {
            return Ok(bytes);
        }
        if status.is_server_error() {
            return Err(TransportError::Unreachable(format!("status {status}")));
        }
        let refusal: WireError = serde_json::from_slice(&bytes).unwrap_or_else(|_| {
            panic!(
                "{status} without a coded error: {}",
                String::from_utf8_lossy(&bytes)
            )
        });
        Err(TransportError::Refused(refusal))
    }
}

fn decode<T: serde::de::DeserializeOwned>(bytes: Vec<u8>) -> Result<T, TransportError> {
    serde_json::from_slice(&bytes).map_err(|e| panic!("an answer that is not the wire type: {e}"))
}

impl Transport for Network {
    fn push<'a>(&'a self, request: &'a PushRequest) -> profile_core::sync::Reply<'a, PushResponse> {
        Box::pin(async move {
            let body = serde_json::to_value(request).unwrap();
            decode(self.call(Method::POST, "/v1/sync/push", Some(body)).await?)
        })
    }

    fn pull<'a>(&'a self, request: &'a PullRequest) -> profile_core::sync::Reply<'a, PullResponse> {
        Box::pin(async move {
            let body = serde_json::to_value(request).unwrap();
            decode(self.call(Method::POST, "/v1/sync/pull", Some(body)).await?)
        })
    }

    fn blob<'a>(&'a self, sha256: &'a str) -> profile_core::sync::Reply<'a, Vec<u8>> {
        Box::pin(async move {
            self.call(Method::GET, &format!("/v1/blobs/{sha256}"), None)
                .await
        })
    }
}

// ---------------------------------------------------------------------------------------
// The server side: one database, one or two instances over it.

struct Server {
    db: TestDb,
    routers: Vec<Router>,
    clock: Arc<ManualClock>,
}

impl Server {
    async fn start(backend: Backend, instances: usize) -> Self {
        let db = TestDb::new(backend).await;
        let clock = Arc::new(ManualClock::at(START_MS));
        let limits = Limits::default();
        let mut routers = Vec::new();
        for i in 0..instances {
            // Each instance has its own connections, as separate processes would.
            let store: Arc<dyn Store> = match (&db.postgres_url, i) {
                (Some(url), 1..) => Arc::new(PostgresStore::open(url).await.unwrap()),
                _ => db.store.clone(),
            };
            let state = AppState::new(store, clock.clone(), false, &limits)
                .await
                .unwrap();
            let peer: SocketAddr = "192.0.2.7:40000".parse().unwrap();
            routers.push(router(state, &limits).layer(MockConnectInfo(peer)));
        }
        Self { db, routers, clock }
    }

    /// Signs in directly (not through the faults: the device retries a sign-in itself).
    async fn sign_in(&self, email: &str, password: &str, device: usize) -> (Uuid, String) {
        let body = json!({
            "protocol": PROTOCOL,
            "email": email,
            "password": password,
            "device": { "name": format!("device {device}"), "os": "Linux", "app_version": "0.1.0" },
        });
        let (status, bytes) = post(&self.routers[0], "/v1/auth/sign-in", None, &body).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "{}",
            String::from_utf8_lossy(&bytes)
        );
        let answer: Value = serde_json::from_slice(&bytes).unwrap();
        (
            answer["session_id"].as_str().unwrap().parse().unwrap(),
            answer["secret"].as_str().unwrap().to_owned(),
        )
    }

    /// The user's whole synced state, as a first pull sees it, through the first of
    /// `secrets` whose session is still active; `None` when every one has ended.
    async fn snapshot(&self, secrets: &[&str]) -> Option<(i64, UserState)> {
        let body = json!({ "protocol": PROTOCOL, "cookie": 0, "acked_seq": 0 });
        for secret in secrets {
            let (status, bytes) =
                post(&self.routers[0], "/v1/sync/pull", Some(secret), &body).await;
            if status == StatusCode::UNAUTHORIZED {
                continue;
            }
            assert_eq!(
                status,
                StatusCode::OK,
                "{}",
                String::from_utf8_lossy(&bytes)
            );
            let pull: PullResponse = serde_json::from_slice(&bytes).unwrap();
            let snapshot = pull.snapshot.expect("a first pull has a snapshot");
            return Some((pull.cookie, snapshot.into_state()));
        }
        None
    }
}

async fn post(
    router: &Router,
    path: &str,
    secret: Option<&str>,
    body: &Value,
) -> (StatusCode, Vec<u8>) {
    let mut request = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(secret) = secret {
        request = request.header(header::AUTHORIZATION, format!("Bearer {secret}"));
    }
    let response = router
        .clone()
        .oneshot(request.body(Body::from(body.to_string())).unwrap())
        .await
        .unwrap();
    let status = response.status();
    (
        status,
        response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
}

// ---------------------------------------------------------------------------------------
// A device: its store file, its sync client and what it has observed.

struct Device {
    index: usize,
    email: String,
    path: PathBuf,
    net: Arc<Network>,
    clock: Arc<ManualClock>,
    profiles: ProfileStore,
    accounts: AccountStore,
    sync: SyncClient,
    session: Uuid,
    secret: String,
    /// The highest cookie this device has stored.
    cookie: i64,
    /// Mutation ids this device saw acknowledged (gone from its outbox after a round).
    acked: HashSet<Uuid>,
    /// Every session secret it was given.
    secrets: Vec<String>,
}

async fn open_store(
    path: &std::path::Path,
    clock: &Arc<ManualClock>,
    seed: u64,
) -> (ProfileStore, AccountStore, Env) {
    let env = Env {
        clock: clock.clone(),
        random: Randomness::seeded(seed),
    };
    let profiles = ProfileStore::open(path, env.clone()).await.unwrap();
    let accounts = AccountStore::new(profiles.database().clone(), env.clone());
    (profiles, accounts, env)
}

impl Device {
    async fn new(
        index: usize,
        email: &str,
        dir: &TempDir,
        server: &Server,
        password: &str,
        seed: u64,
    ) -> Self {
        let path = dir.path().join(format!("device-{index}.sqlite3"));
        let clock = Arc::new(ManualClock::at(START_MS));
        let net = Arc::new(Network::new(
            server.routers.clone(),
            seed ^ ((index as u64 + 1) * 7919),
        ));
        let (profiles, accounts, env) = open_store(&path, &clock, seed + index as u64).await;
        let sync = SyncClient::new(profiles.database().clone(), env, net.clone());
        let mut device = Self {
            index,
            email: email.to_owned(),
            path,
            net,
            clock,
            profiles,
            accounts,
            sync,
            session: Uuid::nil(),
            secret: String::new(),
            cookie: 0,
            acked: HashSet::new(),
            secrets: Vec::new(),
        };
        device.sign_in(server, password).await;
        device
    }

    /// Signs in anew (a new session, so a fresh `seq` space) and links the store to it.
    async fn sign_in(&mut self, server: &Server, password: &str) {
        let (session, secret) = server.sign_in(&self.email, password, self.index).await;
        *self.net.secret.lock().unwrap() = secret.clone();
        self.sync.link(session, "sim://server").await.unwrap();
        self.session = session;
        self.secrets.push(secret.clone());
        self.secret = secret;
        self.cookie = 0;
    }

    /// A crash: everything in memory is gone (no orderly close); the store file is opened
    /// again.
    async fn restart(&mut self, seed: u64) {
        let (profiles, accounts, env) = open_store(&self.path, &self.clock, seed).await;
        self.sync = SyncClient::new(profiles.database().clone(), env, self.net.clone());
        self.profiles = profiles;
        self.accounts = accounts;
    }

    async fn pending_ids(&self) -> HashSet<Uuid> {
        self.profiles
            .pending()
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.mutation_id)
            .collect()
    }

    /// One sync round; what left the outbox by it was acknowledged.
    async fn sync_round(&mut self) -> Result<(), SyncError> {
        let before = self.pending_ids().await;
        let result = self.sync.sync_once().await;
        if result.is_ok() {
            let after = self.pending_ids().await;
            self.acked.extend(before.difference(&after));
        }
        let cookie: i64 = sqlx::query_scalar("SELECT cookie FROM sync_client")
            .fetch_one(self.profiles.database().pool())
            .await
            .unwrap();
        assert!(
            cookie >= self.cookie,
            "device {}: cookie went from {} to {cookie}",
            self.index,
            self.cookie
        );
        self.cookie = cookie;
        result.map(drop)
    }
}

/// A 512×512 JPEG in one of a few colours.
fn avatar(colour: u8) -> EncodedImage {
    let pixels = vec![colour; 512 * 512 * 3];
    let mut bytes = Vec::new();
    jpeg_encoder::Encoder::new(&mut bytes, 80)
        .encode(&pixels, 512, 512, jpeg_encoder::ColorType::Rgb)
        .unwrap();
    EncodedImage {
        bytes,
        mime: "image/jpeg",
        width: 512,
        height: 512,
    }
}

/// What must agree between a device and the server: the profile and the sessions, without
/// «last active» (the server writes it on use without a new version).
/// A state as compared across devices: the profile and tokens as JSON, sessions by when
/// they ended.
type Comparable = (Option<String>, Vec<(Uuid, Option<i64>)>, String, String);

fn comparable(state: &UserState) -> Comparable {
    let profile = state
        .profile
        .as_ref()
        .map(|p| serde_json::to_string(p).unwrap());
    let sessions = state
        .sessions
        .values()
        .map(|s| (s.id, s.ended_at))
        .collect();
    (
        profile,
        sessions,
        serde_json::to_string(&state.tokens).unwrap(),
        serde_json::to_string(&state.contacts).unwrap(),
    )
}

/// One random contact change on a signed-in device: add, edit, disable, prefer or clear. A
/// refusal the device's own copy makes (a duplicate, a full channel, a contact removed
/// elsewhere) is an outcome, not a failure.
async fn contact_step(me: &SignedIn, rng: &mut StdRng) -> Result<(), String> {
    let lists = me
        .contacts(Language::En)
        .await
        .map_err(|e| format!("contacts: {e:?}"))?;
    let channel = ["email", "sms", "telegram"][rng.gen_range(0..3)];
    let value = match channel {
        "email" => format!("u{}@example.com", rng.gen_range(0..4)),
        "sms" => format!("+7912345670{}", rng.gen_range(0..4)),
        _ => format!("@anna_{}", rng.gen_range(0..4)),
    };
    let existing: Vec<_> = lists
        .channels
        .iter()
        .find(|c| c.id == channel)
        .map(|c| c.contacts.clone())
        .unwrap_or_default();
    let pick = existing
        .get(rng.gen_range(0..existing.len().max(1)))
        .cloned();
    let save = |id, value: String, enabled, preferred| ContactSave {
        channel: channel.into(),
        id,
        value,
        enabled,
        preferred,
    };
    let done = match (rng.gen_range(0..5), pick) {
        (0, _) | (_, None) => me
            .save_contact(save(None, value, None, None), Language::En)
            .await
            .map(drop),
        (1, Some(c)) => me
            .save_contact(save(Some(c.id), value, None, None), Language::En)
            .await
            .map(drop),
        (2, Some(c)) => me
            .save_contact(
                save(Some(c.id), c.value, Some(!c.enabled), None),
                Language::En,
            )
            .await
            .map(drop),
        (3, Some(c)) => me
            .save_contact(save(Some(c.id), c.value, None, Some(true)), Language::En)
            .await
            .map(drop),
        (_, Some(c)) => me.remove_contact(c.id, Language::En).await.map(drop),
    };
    match done {
        Ok(()) => Ok(()),
        Err(e)
            if [
                ErrorCode::ContactDuplicate,
                ErrorCode::ContactTooMany,
                ErrorCode::ContactNotFound,
            ]
            .contains(&e.code()) =>
        {
            Ok(())
        }
        Err(e) => Err(format!("contact change: {e:?}")),
    }
}

/// One random token change on a signed-in device: issue, edit, revoke or remove. A refusal
/// the device's own copy makes (the token was revoked, removed or is still active there)
/// is an outcome, not a failure.
async fn token_step(me: &SignedIn, rng: &mut StdRng, now_ms: i64) -> Result<(), String> {
    let lists = me
        .tokens(Language::En)
        .await
        .map_err(|e| format!("tokens: {e:?}"))?;
    let pick = |list: &[TokenView], rng: &mut StdRng| {
        (!list.is_empty()).then(|| list[rng.gen_range(0..list.len())].id)
    };
    let done = match rng.gen_range(0..4) {
        0 => me
            .issue_token(TokenRequest {
                description: ["ci", "backup", ""][rng.gen_range(0..3)].into(),
                scope: [TokenScope::Read, TokenScope::Write][rng.gen_range(0..2)],
                expiry: ExpiryChoice::Never,
            })
            .await
            .map(drop),
        1 => match pick(&lists.active, rng) {
            Some(id) => me
                .edit_token(
                    id,
                    TokenEdit {
                        description: Some(format!("edited at {now_ms}")),
                        expiry: None,
                    },
                )
                .await
                .map(drop),
            None => Ok(()),
        },
        2 => match pick(&lists.active, rng) {
            Some(id) => me.revoke_token(id).await,
            None => Ok(()),
        },
        _ => match pick(&lists.withdrawn, rng) {
            Some(id) => me.remove_token(id).await,
            None => Ok(()),
        },
    };
    match done {
        Ok(()) => Ok(()),
        Err(e)
            if [
                ErrorCode::TokenWithdrawn,
                ErrorCode::TokenNotFound,
                ErrorCode::TokenStillActive,
                ErrorCode::TokenTooMany,
            ]
            .contains(&e.code()) =>
        {
            Ok(())
        }
        Err(e) => Err(format!("token change: {e:?}")),
    }
}

// ---------------------------------------------------------------------------------------
// One seed.

async fn run_seed(seed: u64, server: &Server) -> Result<(), String> {
    let mut rng = StdRng::seed_from_u64(seed);
    // Every seed is a user of its own on the one server: users share nothing.
    let email = format!("seed-{seed}@example.com");
    let user_id = server.db.add_user(&email, "Anna", FIRST_PASSWORD).await;
    let mut password = FIRST_PASSWORD.to_owned();
    let mut passwords = vec![password.clone()];
    let dir = scratch_dir();
    let mut devices = Vec::new();
    for i in 0..CLIENTS {
        devices.push(Device::new(i, &email, &dir, server, &password, seed).await);
    }
    let pictures = [avatar(40), avatar(200)];
    let mut ended_sessions: HashSet<Uuid> = HashSet::new();

    for step in 0..STEPS {
        let d = rng.gen_range(0..CLIENTS);
        let roll = rng.gen_range(0..100);
        server.clock.advance(rng.gen_range(0..5_000));
        devices[d].clock.advance(rng.gen_range(0..5_000));
        match roll {
            0..=29 => {
                let changes = match rng.gen_range(0..4) {
                    0 => ProfileChanges {
                        name: Some(["Anna", "Boris", "Clara"][rng.gen_range(0..3)].into()),
                        ..Default::default()
                    },
                    1 => ProfileChanges {
                        organization: Some(["Acme", "Blue", ""][rng.gen_range(0..3)].into()),
                        ..Default::default()
                    },
                    2 => ProfileChanges {
                        time_zone: Some(
                            ["UTC", "Europe/Moscow", "Asia/Tokyo"][rng.gen_range(0..3)].into(),
                        ),
                        ..Default::default()
                    },
                    _ => ProfileChanges {
                        language: Some([Language::En, Language::Ru][rng.gen_range(0..2)]),
                        ..Default::default()
                    },
                };
                if let Ok(me) = devices[d].accounts.signed_in(&devices[d].profiles).await {
                    me.update(changes)
                        .await
                        .map_err(|e| format!("step {step}: update: {e:?}"))?;
                }
            }
            30..=37 => {
                if let Ok(me) = devices[d].accounts.signed_in(&devices[d].profiles).await {
                    if rng.gen_bool(0.7) {
                        me.set_avatar(pictures[rng.gen_range(0..2)].clone())
                            .await
                            .map_err(|e| format!("step {step}: avatar: {e:?}"))?;
                    } else {
                        me.remove_avatar()
                            .await
                            .map_err(|e| format!("step {step}: avatar remove: {e:?}"))?;
                    }
                }
            }
            38..=64 => match devices[d].sync_round().await {
                Err(SyncError::Revoked) => {
                    ended_sessions.insert(devices[d].session);
                    devices[d].sign_in(server, &password).await;
                }
                Err(SyncError::Offline(_)) | Ok(()) => {}
                Err(other) => return Err(format!("step {step}: device {d}: sync: {other:?}")),
            },
            65..=69 => {
                // End another device's session, as this device sees it.
                let other = devices[(d + 1 + rng.gen_range(0..CLIENTS - 1)) % CLIENTS].session;
                if let Ok(me) = devices[d].accounts.signed_in(&devices[d].profiles).await {
                    match me.end_session(other).await {
                        Ok(()) => {}
                        Err(e) if e.code() == profile_domain::ErrorCode::SessionNotFound => {}
                        Err(e) => return Err(format!("step {step}: end session: {e:?}")),
                    }
                }
            }
            70..=72 => {
                // An online password change: every other session ends.
                let new = format!("Tuman-{}-Loshadka", 43 + step);
                let body = json!({ "protocol": PROTOCOL, "current": password, "new": new });
                let (status, _) = post(
                    &server.routers[0],
                    "/v1/auth/password",
                    Some(&devices[d].secret),
                    &body,
                )
                .await;
                if status == StatusCode::OK {
                    passwords.push(new.clone());
                    password = new;
                    for (i, other) in devices.iter().enumerate() {
                        if i != d {
                            ended_sessions.insert(other.session);
                        }
                    }
                }
            }
            73..=79 => {
                // A crash right after a local commit, before any push.
                if let Ok(me) = devices[d].accounts.signed_in(&devices[d].profiles).await {
                    let changes = ProfileChanges {
                        phone: Some(["+79123456789", ""][rng.gen_range(0..2)].into()),
                        ..Default::default()
                    };
                    me.update(changes)
                        .await
                        .map_err(|e| format!("step {step}: update before crash: {e:?}"))?;
                }
                devices[d].restart(seed ^ step as u64).await;
            }
            80..=87 => {
                let p = &devices[d].net.partitioned;
                p.store(!p.load(Ordering::SeqCst), Ordering::SeqCst);
            }
            88..=95 => {
                if let Ok(me) = devices[d].accounts.signed_in(&devices[d].profiles).await {
                    let now = devices[d].clock.now_ms();
                    token_step(&me, &mut rng, now)
                        .await
                        .map_err(|e| format!("step {step}: device {d}: {e}"))?;
                }
            }
            96..=99 => {
                if let Ok(me) = devices[d].accounts.signed_in(&devices[d].profiles).await {
                    contact_step(&me, &mut rng)
                        .await
                        .map_err(|e| format!("step {step}: device {d}: {e}"))?;
                }
            }
            _ => {}
        }
    }

    // Heal: no faults, no partitions; devices signed out by an ended session sign in again.
    for device in &devices {
        device.net.faulty.store(false, Ordering::SeqCst);
        device.net.partitioned.store(false, Ordering::SeqCst);
        device.net.held.lock().unwrap().clear();
    }
    let mut converged = false;
    for _round in 0..HEAL_ROUNDS {
        for device in devices.iter_mut() {
            match device.sync_round().await {
                Ok(()) => {}
                Err(SyncError::Revoked) => {
                    ended_sessions.insert(device.session);
                    device.sign_in(server, &password).await;
                }
                Err(other) => return Err(format!("heal: device {}: {other:?}", device.index)),
            }
        }
        let secrets: Vec<&str> = devices.iter().map(|d| d.secret.as_str()).collect();
        // Every device's session ended in this round: the next round signs them in again.
        let Some((version, truth)) = server.snapshot(&secrets).await else {
            continue;
        };
        let mut all = true;
        for device in &devices {
            let mine = device.profiles.synced_state().await.unwrap();
            let pending = device.profiles.pending().await.unwrap().len();
            all &=
                pending == 0 && device.cookie == version && comparable(&mine) == comparable(&truth);
        }
        if all {
            converged = true;
            break;
        }
    }
    if !converged {
        let secrets: Vec<&str> = devices.iter().map(|d| d.secret.as_str()).collect();
        let (version, truth) = server
            .snapshot(&secrets)
            .await
            .ok_or("every device's session has ended")?;
        let mut report = format!(
            "not converged within {HEAL_ROUNDS} rounds; server version {version}: {:?}\n",
            comparable(&truth)
        );
        for device in &devices {
            let mine = device.profiles.synced_state().await.unwrap();
            report += &format!(
                "device {}: cookie {}, pending {}, state {:?}\n",
                device.index,
                device.cookie,
                device.profiles.pending().await.unwrap().len(),
                comparable(&mine)
            );
        }
        return Err(report);
    }
    check_log(server, &user_id, &devices).await?;
    check_no_secret_at_rest(&devices, &passwords)
}

/// No device's store file or its WAL holds a password or a session secret in plain text.
fn check_no_secret_at_rest(devices: &[Device], passwords: &[String]) -> Result<(), String> {
    let mut secrets: Vec<&str> = passwords.iter().map(String::as_str).collect();
    secrets.extend(
        devices
            .iter()
            .flat_map(|d| d.secrets.iter().map(String::as_str)),
    );
    for device in devices {
        for suffix in ["", "-wal"] {
            let mut name = device.path.as_os_str().to_owned();
            name.push(suffix);
            let Ok(bytes) = std::fs::read(&name) else {
                continue;
            };
            for secret in &secrets {
                if bytes.windows(secret.len()).any(|w| w == secret.as_bytes()) {
                    return Err(format!(
                        "device {} keeps a secret in {name:?}",
                        device.index
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The server's log: one row per (session, seq) and per mutation id, every acknowledged
/// mutation in it, and nothing applied from a session after it ended.
async fn check_log(server: &Server, user_id: &str, devices: &[Device]) -> Result<(), String> {
    let rows = log_rows(&server.db, user_id).await;
    let mut by_slot: HashMap<(String, i64), usize> = HashMap::new();
    let mut ids = HashSet::new();
    for row in &rows {
        *by_slot.entry((row.session.clone(), row.seq)).or_default() += 1;
        if let Some(id) = &row.mutation_id {
            if !ids.insert(id.clone()) {
                return Err(format!("mutation {id} logged twice"));
            }
        }
        if let Some(ended_at) = row.session_ended_at {
            if row.applied && row.at > ended_at {
                return Err(format!(
                    "{:?} applied at {} after its session ended at {ended_at}",
                    row.mutation_id, row.at
                ));
            }
        }
    }
    if let Some(((session, seq), n)) = by_slot.iter().find(|(_, n)| **n != 1) {
        return Err(format!("session {session} seq {seq} logged {n} times"));
    }
    for device in devices {
        for id in &device.acked {
            if !ids.contains(&id.to_string()) {
                return Err(format!(
                    "device {} saw {id} acknowledged but the server has no record of it",
                    device.index
                ));
            }
        }
    }
    Ok(())
}

struct LogRow {
    session: String,
    seq: i64,
    mutation_id: Option<String>,
    applied: bool,
    at: i64,
    session_ended_at: Option<i64>,
}

const LOG_SQL: &str =
    "SELECT l.session_id, l.seq, l.mutation_id, l.status, l.received_at, s.ended_at \
     FROM mutation_log l JOIN sessions s ON s.id = l.session_id WHERE l.user_id = $1";

async fn log_rows(db: &TestDb, user_id: &str) -> Vec<LogRow> {
    type Row = (String, i64, Option<String>, String, i64, Option<i64>);
    let rows: Vec<Row> = match (&db.sqlite_path, &db.postgres_url) {
        (Some(path), _) => {
            let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
                .await
                .unwrap();
            let rows = sqlx::query_as(LOG_SQL).bind(user_id).fetch_all(&pool).await;
            pool.close().await;
            rows.unwrap()
        }
        (None, Some(url)) => {
            let pool = sqlx::PgPool::connect(url).await.unwrap();
            let rows = sqlx::query_as(LOG_SQL).bind(user_id).fetch_all(&pool).await;
            pool.close().await;
            rows.unwrap()
        }
        _ => unreachable!("a test database is SQLite or PostgreSQL"),
    };
    rows.into_iter()
        .map(
            |(session, seq, mutation_id, status, at, session_ended_at)| LogRow {
                session,
                seq,
                mutation_id,
                applied: status == "applied",
                at,
                session_ended_at,
            },
        )
        .collect()
}

// ---------------------------------------------------------------------------------------

/// A directory for the devices' stores: in memory where the OS offers one (`/dev/shm`), so
/// the stores' fsyncs cost nothing; the code under test is the same.
fn scratch_dir() -> TempDir {
    let shm = std::path::Path::new("/dev/shm");
    if shm.is_dir() {
        if let Ok(dir) = TempDir::new_in(shm) {
            return dir;
        }
    }
    TempDir::new().unwrap()
}

fn seeds() -> Vec<u64> {
    if let Ok(one) = std::env::var("SIM_SEED") {
        return vec![one.parse().expect("SIM_SEED is a number")];
    }
    let count = std::env::var("SIM_SEEDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(DEFAULT_SEEDS);
    (1..=count).collect()
}

async fn simulate(backend: Backend, instances: usize, seeds: Vec<u64>) {
    if backend == Backend::Postgres {
        postgres_url(); // fails loudly when the private PostgreSQL is missing
    }
    let started = std::time::Instant::now();
    let server = std::rc::Rc::new(Server::start(backend, instances).await);
    // Seeds are independent (each is a user of its own, with its own devices); several run
    // at once because much of a seed's time is spent waiting (fsync, Argon2 on the
    // blocking threads).
    // On one thread (a LocalSet): a seed's future holds borrows across awaits.
    let local = tokio::task::LocalSet::new();
    let mut failures = local
        .run_until(async {
            let mut failures = Vec::new();
            let mut running = tokio::task::JoinSet::new();
            let mut seed_of = HashMap::new();
            let mut queue = seeds.clone().into_iter();
            loop {
                while running.len() < PARALLEL_SEEDS {
                    let Some(seed) = queue.next() else { break };
                    let server = server.clone();
                    let task = running.spawn_local(async move { run_seed(seed, &server).await });
                    seed_of.insert(task.id(), seed);
                }
                let Some(done) = running.join_next_with_id().await else {
                    break;
                };
                // A panic inside a seed is a failure of that seed, named like any other.
                let (seed, outcome) = match done {
                    Ok((id, outcome)) => (seed_of[&id], outcome),
                    Err(err) => (seed_of[&err.id()], Err(format!("panicked: {err}"))),
                };
                if let Err(why) = outcome {
                    eprintln!("seed {seed} ({backend:?}, {instances} instance(s)) FAILED: {why}");
                    failures.push(seed);
                }
            }
            failures
        })
        .await;
    failures.sort_unstable();
    eprintln!(
        "{} seeds on {backend:?} with {instances} instance(s) in {:.1} s; failing seeds: {failures:?}",
        seeds.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "failing seeds (rerun one with SIM_SEED=<n>): {failures:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_converge_under_faults_on_sqlite() {
    simulate(Backend::Sqlite, 1, seeds()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_converge_under_faults_on_postgres() {
    simulate(Backend::Postgres, 1, seeds()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_server_instances_on_one_postgres_serve_the_same_devices() {
    simulate(Backend::Postgres, 2, seeds()).await;
}

// ---------------------------------------------------------------------------------------
// Single cases the review of the sync client asked for, on a network without faults.

/// One server on SQLite, one user, one device signed in and synced once.
async fn one_device(name: &str) -> (Server, Device, TempDir) {
    let server = Server::start(Backend::Sqlite, 1).await;
    let email = format!("{name}@example.com");
    server.db.add_user(&email, "Anna", FIRST_PASSWORD).await;
    let dir = scratch_dir();
    let device = Device::new(0, &email, &dir, &server, FIRST_PASSWORD, 1).await;
    device.net.faulty.store(false, Ordering::SeqCst);
    (server, device, dir)
}

#[tokio::test]
async fn a_change_pushed_before_the_session_ends_is_applied_not_sealed() {
    let (server, mut device, _dir) = one_device("own-end").await;
    device.sync_round().await.unwrap();
    let me = device.accounts.signed_in(&device.profiles).await.unwrap();
    let rename = ProfileChanges {
        name: Some("Boris".into()),
        ..Default::default()
    };
    me.update(rename).await.unwrap();
    me.end_session(device.session).await.unwrap();
    // The push applies both; the pull that follows is refused: the session has ended.
    assert!(matches!(device.sync_round().await, Err(SyncError::Revoked)));
    let sealed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox")
        .fetch_one(device.profiles.database().pool())
        .await
        .unwrap();
    assert_eq!(
        sealed, 0,
        "applied changes left the outbox instead of being sealed"
    );
    device.sign_in(&server, FIRST_PASSWORD).await;
    device.sync_round().await.unwrap();
    let profile = device.profiles.profile().await.unwrap().unwrap();
    assert_eq!(profile.name, "Boris");
}

#[tokio::test]
async fn a_refused_change_does_not_stay_on_the_device() {
    let (_server, mut device, _dir) = one_device("refused").await;
    device.sync_round().await.unwrap();
    // The e-mail is the sign-in name: a device may not change it by sync. (The app's own
    // form refuses it first; a change from an older version is committed here directly.)
    let profile_id = device.profiles.existing_profile().await.unwrap().id;
    device
        .profiles
        .commit(Mutation::ProfileSet(ProfileSet {
            profile_id,
            email: Some("other@example.com".into()),
            ..ProfileSet::default()
        }))
        .await
        .unwrap();
    device.sync_round().await.unwrap();
    let profile = device.profiles.profile().await.unwrap().unwrap();
    assert_eq!(profile.email.as_deref(), Some("refused@example.com"));
    let (code, field): (String, Option<String>) =
        sqlx::query_as("SELECT code, field FROM sync_rejection")
            .fetch_one(device.profiles.database().pool())
            .await
            .unwrap();
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("mutation.not_allowed", Some("email"))
    );
}

#[tokio::test]
async fn two_pictures_queued_offline_are_pushed_within_the_body_limit() {
    let (_server, mut device, _dir) = one_device("pictures").await;
    device.sync_round().await.unwrap();
    let me = device.accounts.signed_in(&device.profiles).await.unwrap();
    // Busy pictures, near the 1 MiB a stored avatar may have.
    for seed in [3u8, 7] {
        let pixels: Vec<u8> = (0..512 * 512 * 3)
            .map(|i: usize| (i.wrapping_mul(seed as usize * 31 + 7) % 251) as u8)
            .collect();
        let mut bytes = Vec::new();
        jpeg_encoder::Encoder::new(&mut bytes, 100)
            .encode(&pixels, 512, 512, jpeg_encoder::ColorType::Rgb)
            .unwrap();
        assert!(bytes.len() > 600 * 1024, "{}", bytes.len());
        me.set_avatar(EncodedImage {
            bytes,
            mime: "image/jpeg",
            width: 512,
            height: 512,
        })
        .await
        .unwrap();
    }
    device.sync_round().await.unwrap();
    assert!(device.profiles.pending().await.unwrap().is_empty());
}
