//! The server's HTTP API as this app calls it: signing in and out, the password, and the
//! sync [`Transport`].

use super::address::ServerAddress;
use super::secret::SessionSecret;
use crate::security::{DeviceInfo, Password};
use crate::sync::{Reply, Transport, TransportError};
use profile_domain::sync::{PullRequest, PullResponse, PushRequest, PushResponse, PROTOCOL};
use profile_domain::WireError;
use reqwest::{Client, RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use uuid::Uuid;

/// How long connecting may take before the server counts as unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a whole request may take (a push carries up to 1.5 MiB).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// What a sign-in returns: the new session and its secret, shown only this once.
#[derive(Debug, Clone, Deserialize)]
pub struct SignedIn {
    /// The session's id, this device's sync client id.
    pub session_id: Uuid,
    /// The session's secret.
    pub secret: SessionSecret,
}

#[derive(Serialize)]
struct SignInBody<'a> {
    protocol: u32,
    email: &'a str,
    password: &'a str,
    device: DeviceBody<'a>,
}

#[derive(Serialize)]
struct DeviceBody<'a> {
    name: &'a str,
    os: &'a str,
    app_version: &'a str,
}

#[derive(Serialize)]
struct PasswordBody<'a> {
    protocol: u32,
    current: &'a str,
    new: &'a str,
}

#[derive(Serialize)]
struct ContactTestBody {
    protocol: u32,
    contact_id: uuid::Uuid,
}

#[derive(Serialize)]
struct EmptyBody {
    protocol: u32,
}

/// A client of one server; with a session secret, its calls act as that session.
#[derive(Clone)]
pub struct ServerApi {
    http: Client,
    address: ServerAddress,
    secret: Option<SessionSecret>,
}

impl std::fmt::Debug for ServerApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secret.
        f.debug_struct("ServerApi")
            .field("address", &self.address.as_str())
            .finish_non_exhaustive()
    }
}

impl ServerApi {
    /// A client of the server at `address`, not signed in.
    pub fn new(address: ServerAddress) -> Result<Self, TransportError> {
        let mut builder = Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .user_agent(concat!("AcureProfile/", env!("CARGO_PKG_VERSION")))
            // A redirect would re-send a password to an address nobody checked (plain HTTP
            // to another machine, say): an Acure server never redirects its API.
            .redirect(reqwest::redirect::Policy::none());
        if address.is_loopback() {
            // Plain HTTP is allowed to this machine only: never through a proxy.
            builder = builder.no_proxy();
        }
        let http = builder
            .build()
            .map_err(|e| TransportError::Unreachable(format!("HTTP client: {e}")))?;
        Ok(Self {
            http,
            address,
            secret: None,
        })
    }

    /// The same server, acting as the session whose secret is `secret`.
    pub fn with_secret(&self, secret: SessionSecret) -> Self {
        Self {
            secret: Some(secret),
            ..self.clone()
        }
    }

    /// The server's address.
    pub fn address(&self) -> &ServerAddress {
        &self.address
    }

    /// `POST /v1/auth/sign-in`: starts a session of this device.
    pub async fn sign_in(
        &self,
        email: &str,
        password: &Password,
        device: &DeviceInfo,
    ) -> Result<SignedIn, TransportError> {
        let password = password.normalized();
        let body = SignInBody {
            protocol: PROTOCOL,
            email,
            password: &password,
            device: DeviceBody {
                name: &device.device_name,
                os: &device.os,
                app_version: &device.app_version,
            },
        };
        self.send(self.post("v1/auth/sign-in").json(&body)).await
    }

    /// `POST /v1/auth/sign-out`: ends this session on the server.
    pub async fn sign_out(&self) -> Result<(), TransportError> {
        let body = EmptyBody { protocol: PROTOCOL };
        self.send_empty(self.post("v1/auth/sign-out").json(&body))
            .await
    }

    /// `POST /v1/auth/password`: the server checks `current` and the rules on `new`, and
    /// ends every other session of the user.
    pub async fn change_password(
        &self,
        current: &Password,
        new: &Password,
    ) -> Result<(), TransportError> {
        let (current, new) = (current.normalized(), new.normalized());
        let body = PasswordBody {
            protocol: PROTOCOL,
            current: &current,
            new: &new,
        };
        let _: serde_json::Value = self.send(self.post("v1/auth/password").json(&body)).await?;
        Ok(())
    }

    /// `POST /v1/contacts/test`: the server sends a test notification to the contact.
    pub async fn test_contact(&self, contact_id: uuid::Uuid) -> Result<(), TransportError> {
        let body = ContactTestBody {
            protocol: PROTOCOL,
            contact_id,
        };
        let _: serde_json::Value = self.send(self.post("v1/contacts/test").json(&body)).await?;
        Ok(())
    }

    fn post(&self, path: &str) -> RequestBuilder {
        self.authorised(self.http.post(self.address.endpoint(path)))
    }

    fn authorised(&self, request: RequestBuilder) -> RequestBuilder {
        match &self.secret {
            Some(secret) => request.bearer_auth(secret.expose()),
            None => request,
        }
    }

    async fn send<T: DeserializeOwned>(
        &self,
        request: RequestBuilder,
    ) -> Result<T, TransportError> {
        let response = self.answer(request).await?;
        let bytes = response.bytes().await.map_err(unreachable)?;
        serde_json::from_slice(&bytes).map_err(|_| not_acure("an answer of another shape"))
    }

    async fn send_empty(&self, request: RequestBuilder) -> Result<(), TransportError> {
        self.answer(request).await.map(drop)
    }

    /// The response if it succeeded; a coded refusal, or what makes it unusable, otherwise.
    async fn answer(&self, request: RequestBuilder) -> Result<reqwest::Response, TransportError> {
        let response = request.send().await.map_err(unreachable)?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let bytes = response.bytes().await.map_err(unreachable)?;
        match serde_json::from_slice::<WireError>(&bytes) {
            Ok(refusal) => Err(TransportError::Refused(refusal)),
            // A proxy or a load balancer between: the server may answer later.
            Err(_) if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS => Err(
                TransportError::Unreachable(format!("HTTP {status} without a coded answer")),
            ),
            Err(_) => Err(not_acure(&format!("HTTP {status} without a coded answer"))),
        }
    }
}

/// A failure to get any answer: no route, refused connection, timeout, TLS.
fn unreachable(err: reqwest::Error) -> TransportError {
    // `without_url`: the address is the person's own, but keep logs free of query strings.
    TransportError::Unreachable(err.without_url().to_string())
}

fn not_acure(why: &str) -> TransportError {
    TransportError::NotAcure(why.to_owned())
}

impl Transport for ServerApi {
    fn push<'a>(&'a self, request: &'a PushRequest) -> Reply<'a, PushResponse> {
        Box::pin(async move { self.send(self.post("v1/sync/push").json(request)).await })
    }

    fn pull<'a>(&'a self, request: &'a PullRequest) -> Reply<'a, PullResponse> {
        Box::pin(async move { self.send(self.post("v1/sync/pull").json(request)).await })
    }

    fn blob<'a>(&'a self, sha256: &'a str) -> Reply<'a, Vec<u8>> {
        Box::pin(async move {
            let url = self.address.endpoint(&format!("v1/blobs/{sha256}"));
            let response = self.answer(self.authorised(self.http.get(url))).await?;
            let bytes = response.bytes().await.map_err(unreachable)?;
            Ok(bytes.to_vec())
        })
    }
}
