//! The HTTP surface: one module per group of endpoints, the shared state and the layers
//! every request passes through.

pub mod api;
pub mod auth;
pub mod contacts;
pub mod error;
pub mod health;
pub mod json;
pub mod sync;

use crate::config::Limits;
use crate::domain::{password_hash, Clock, Env, Password, Randomness};
use crate::error::ServerError;
use crate::store::Store;
use axum::extract::connect_info::ConnectInfo;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use tokio::sync::Semaphore;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};
use tower_http::trace::TraceLayer;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn Store>,
    env: Env,
    trust_proxy: bool,
    /// A hash of a random password, verified against when the e-mail is unknown so that
    /// the answer takes as long as for a known one.
    dummy_hash: String,
    sign_in_permits: Arc<Semaphore>,
    api_rate: api::TokenRateLimiter,
    notifier: crate::notify::Notifier,
}

impl AppState {
    /// The state over `store`, with `clock` as "now"; `trust_proxy` reads the client address
    /// from `X-Forwarded-For`.
    pub async fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        trust_proxy: bool,
        limits: &Limits,
    ) -> Result<Self, ServerError> {
        // Salts and ids come from an OS-seeded CSPRNG; session secrets straight from the OS.
        let env = Env {
            clock,
            random: Randomness::from_os(),
        };
        let mut random = [0u8; 32];
        env.random.fill(&mut random);
        let dummy = Password::new(
            random
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>(),
        );
        let hash_env = env.clone();
        let dummy_hash = blocking(move || password_hash::hash(&dummy, &hash_env))
            .await?
            .map_err(|e| ServerError::Hashing(e.to_string()))?;
        Ok(Self {
            inner: Arc::new(Inner {
                store,
                env,
                trust_proxy,
                dummy_hash,
                sign_in_permits: Arc::new(Semaphore::new(limits.sign_in_concurrency.max(1))),
                api_rate: api::TokenRateLimiter::new(limits.api_requests_per_second),
                notifier: crate::notify::Notifier::new(),
            }),
        })
    }

    /// The same state sending test notifications with `notifier` (only before it is
    /// shared: a state already cloned keeps its notifier).
    pub fn with_notifier(mut self, notifier: crate::notify::Notifier) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.notifier = notifier;
        }
        self
    }

    /// What sends test notifications.
    pub fn notifier(&self) -> &crate::notify::Notifier {
        &self.inner.notifier
    }

    /// The store.
    pub fn store(&self) -> &dyn Store {
        self.inner.store.as_ref()
    }

    /// The clock and randomness.
    pub fn env(&self) -> &Env {
        &self.inner.env
    }

    /// Now, ms since the epoch.
    pub fn now(&self) -> i64 {
        self.inner.env.now_ms()
    }

    /// The public API's per-token rate limit.
    pub fn api_rate(&self) -> &api::TokenRateLimiter {
        &self.inner.api_rate
    }

    fn dummy_hash(&self) -> &str {
        &self.inner.dummy_hash
    }
}

/// Runs slow CPU work (Argon2) off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ServerError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ServerError::Hashing(format!("worker failed: {e}")))
}

/// Every endpoint with its layers: coded errors outermost, then tracing (method, path and
/// status; never headers or bodies), the time limits and the body size limit.
pub fn router(state: AppState, limits: &Limits) -> Router {
    let sign_in = Router::new()
        .route("/v1/auth/sign-in", post(auth::sign_in))
        .route_layer(middleware::from_fn_with_state(state.clone(), sign_in_gate));
    Router::new()
        .route("/health", get(health::health))
        .route("/v1/auth/sign-out", post(auth::sign_out))
        .route("/v1/auth/password", post(auth::change_password))
        .route("/v1/sync/push", post(sync::push))
        .route("/v1/sync/pull", post(sync::pull))
        .route("/v1/blobs/{sha256}", get(sync::blob))
        .route("/v1/contacts/test", post(contacts::test))
        .merge(sign_in)
        .merge(api::router(state.clone()))
        .fallback(|| async { ServerError::NotFound })
        .method_not_allowed_fallback(|| async { ServerError::MethodNotAllowed })
        .layer(middleware::from_fn(run_detached))
        // Innermost first: axum's own limit off (tower-http's is the one), the body size and
        // time limits, the whole request's time limit, tracing, and coded errors outermost.
        .layer(DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(limits.body_bytes))
        .layer(RequestBodyTimeoutLayer::new(limits.timeout))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            limits.timeout,
        ))
        .layer(TraceLayer::new_for_http())
        .layer(middleware::map_response(error::coded_errors))
        .with_state(state)
}

/// Runs each request to its end in a task of its own. A client that goes away mid-request
/// (a killed device, a timeout) drops the request's future; dropped inside a database
/// transaction's BEGIN, sqlx 0.8 can hand the connection back still holding SQLite's write
/// lock, which wedges every later write. Detached, the handler always finishes.
async fn run_detached(req: Request, next: Next) -> Response {
    match tokio::spawn(next.run(req)).await {
        Ok(response) => response,
        Err(err) => {
            tracing::error!(error = %err, "a request's task failed");
            ServerError::Hashing(format!("request task: {err}")).into_response()
        }
    }
}

/// Caps the sign-ins verified at once on this instance: each holds Argon2's 19 MiB and a
/// core for tens of ms, so a flood is refused at once instead of exhausting the machine.
async fn sign_in_gate(State(state): State<AppState>, req: Request, next: Next) -> Response {
    match state.inner.sign_in_permits.clone().try_acquire_owned() {
        Ok(permit) => {
            let response = next.run(req).await;
            drop(permit);
            response
        }
        Err(_) => ServerError::Throttled {
            retry_after_ms: 1000,
        }
        .into_response(),
    }
}

/// The client's address: the socket's peer, or behind a trusted proxy the address the
/// proxy appended last to `X-Forwarded-For` (earlier entries are the client's own say).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = ServerError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if state.inner.trust_proxy {
            let forwarded = parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .map(str::trim)
                .rfind(|v| !v.is_empty())
                .and_then(|v| v.parse::<IpAddr>().ok());
            if forwarded.is_some() {
                return Ok(Self(forwarded));
            }
        }
        let peer = ConnectInfo::<SocketAddr>::from_request_parts(parts, state).await;
        Ok(Self(peer.ok().map(|ConnectInfo(peer)| peer.ip())))
    }
}
