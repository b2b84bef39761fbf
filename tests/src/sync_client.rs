//! A second device over HTTP: signs in to the server and pushes and pulls as the app's sync
//! client would, so a scenario can change the account "elsewhere".

use crate::PATIENCE;
use anyhow::{bail, Context, Result};
use profile_domain::mutation::{Mutation, ProfileSet, SessionEnd};
use profile_domain::sync::{
    MutationResult, MutationStatus, PushRequest, PushResponse, PushedMutation, PROTOCOL,
};
use reqwest::{Client, RequestBuilder, Response};
use serde_json::{json, Value};
use uuid::Uuid;

/// The device name the second client signs in with unless told otherwise.
pub const DEVICE_NAME: &str = "E2E second device";

/// A session the server started at sign-in.
#[derive(Debug, Clone)]
pub struct Session {
    /// The session's id (this client's sync id).
    pub id: Uuid,
    /// The bearer secret.
    pub secret: String,
    /// The user's id.
    pub user_id: String,
}

/// A signed-in second device: its session, its outbox `seq` and the cookie it last pulled.
pub struct SyncClient {
    http: Client,
    url: String,
    /// The session signed in with.
    pub session: Session,
    next_seq: i64,
    acked_seq: i64,
    cookie: i64,
    snapshot: Option<Value>,
}

impl SyncClient {
    /// Signs in to the server at `url` as [`DEVICE_NAME`].
    pub async fn sign_in(url: &str, email: &str, password: &str) -> Result<Self> {
        Self::sign_in_as(url, email, password, DEVICE_NAME).await
    }

    /// Signs in to the server at `url` as a device named `device`.
    pub async fn sign_in_as(url: &str, email: &str, password: &str, device: &str) -> Result<Self> {
        // No pooled connections: after a server restart a stale one could fail a request.
        let http = Client::builder()
            .pool_max_idle_per_host(0)
            .timeout(PATIENCE)
            .build()?;
        let url = url.trim_end_matches('/').to_owned();
        let body = json!({
            "protocol": PROTOCOL,
            "email": email,
            "password": password,
            "device": { "name": device, "os": "Linux", "app_version": "e2e" },
        });
        let answer = ok(http
            .post(format!("{url}/v1/auth/sign-in"))
            .json(&body)
            .send()
            .await)
        .await
        .with_context(|| format!("signing {email} in at {url}"))?;
        let answer: Value = answer.json().await?;
        let text = |key: &str| -> Result<String> {
            let value = answer.pointer(key).and_then(Value::as_str);
            Ok(value
                .with_context(|| format!("no {key} in {answer}"))?
                .to_owned())
        };
        let session = Session {
            id: text("/session_id")?.parse()?,
            secret: text("/secret")?,
            user_id: text("/user/id")?,
        };
        Ok(Self {
            http,
            url,
            session,
            next_seq: 1,
            acked_seq: 0,
            cookie: 0,
            snapshot: None,
        })
    }

    /// Pulls and returns the synced snapshot (`{profile: {…}, sessions: [...]}`); the one
    /// held already when nothing changed since the last pull.
    pub async fn pull(&mut self) -> Result<Value> {
        let body =
            json!({ "protocol": PROTOCOL, "cookie": self.cookie, "acked_seq": self.acked_seq });
        let answer: Value = self
            .send(self.http.post(self.endpoint("/v1/sync/pull")).json(&body))
            .await
            .context("pulling")?
            .json()
            .await?;
        self.cookie = answer["cookie"].as_i64().context("no cookie in a pull")?;
        self.acked_seq = answer["last_seq"].as_i64().unwrap_or(self.acked_seq);
        if let Some(snapshot) = answer.get("snapshot") {
            self.snapshot = Some(snapshot.clone());
        }
        self.snapshot.clone().context("the server sent no snapshot")
    }

    /// The user's version this client last saw (0 before the first pull).
    pub fn cookie(&self) -> i64 {
        self.cookie
    }

    /// Renames the profile with a `profile.set`, made against the last pulled cookie
    /// (pulled first if never); fails unless the server applied it.
    pub async fn set_name(&mut self, name: &str) -> Result<()> {
        if self.snapshot.is_none() {
            self.pull().await?;
        }
        let profile_id = self
            .snapshot
            .as_ref()
            .and_then(|s| s.pointer("/profile/id")?.as_str()?.parse().ok())
            .context("no profile id in the snapshot")?;
        let set = ProfileSet {
            profile_id,
            name: Some(name.to_owned()),
            ..ProfileSet::default()
        };
        applied(self.push(Mutation::ProfileSet(set)).await?)
    }

    /// Ends the session `session_id` (another device's, or this one's) with a `session.end`.
    pub async fn end_session(&mut self, session_id: Uuid) -> Result<()> {
        applied(
            self.push(Mutation::SessionEnd(SessionEnd { session_id }))
                .await?,
        )
    }

    /// Pushes one mutation with this client's next `seq` and returns the server's result.
    pub async fn push(&mut self, mutation: Mutation) -> Result<MutationResult> {
        let seq = self.next_seq;
        let request = PushRequest {
            protocol: PROTOCOL,
            mutations: vec![PushedMutation {
                seq,
                id: Uuid::now_v7(),
                name: mutation.name().to_owned(),
                args: mutation.args(),
                cookie: self.cookie,
            }],
        };
        let answer: PushResponse = self
            .send(
                self.http
                    .post(self.endpoint("/v1/sync/push"))
                    .json(&request),
            )
            .await
            .with_context(|| format!("pushing {} as seq {seq}", mutation.name()))?
            .json()
            .await?;
        self.next_seq += 1;
        let result = answer.results.into_iter().find(|r| r.seq == seq);
        result.with_context(|| format!("no result for seq {seq} in the push's answer"))
    }

    /// The bytes of one of the user's avatar blobs.
    pub async fn fetch_blob(&self, sha256: &str) -> Result<Vec<u8>> {
        let answer = self
            .send(self.http.get(self.endpoint(&format!("/v1/blobs/{sha256}"))))
            .await
            .with_context(|| format!("fetching blob {sha256}"))?;
        Ok(answer.bytes().await?.to_vec())
    }

    fn endpoint(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    async fn send(&self, request: RequestBuilder) -> Result<Response> {
        ok(request.bearer_auth(&self.session.secret).send().await).await
    }
}

/// The response if it is a success, else an error with its status and coded body.
async fn ok(sent: reqwest::Result<Response>) -> Result<Response> {
    let response = sent?;
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let body = response.text().await.unwrap_or_default();
    bail!("the server answered {status}: {body}")
}

fn applied(result: MutationResult) -> Result<()> {
    if result.status != MutationStatus::Applied {
        bail!("the server rejected the mutation: {result:?}");
    }
    Ok(())
}
