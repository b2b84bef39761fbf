//! One round of sync: push what is pending, then pull and rebase.

use super::pull;
use super::transport::{Transport, TransportError};
use crate::db::Database;
use crate::env::Env;
use crate::error::{CoreError, ErrorCode};
use profile_domain::mutation::{sha256_hex, Blob};
use profile_domain::state::AvatarRef;
use profile_domain::sync::{
    MutationResult, MutationStatus, PullRequest, PullResponse, PushRequest, PushedMutation,
    MAX_PUSH_MUTATIONS, PROTOCOL,
};
use profile_domain::{WireCode, WireError};
use std::sync::Arc;
use uuid::Uuid;

/// Whether `results` after `after` leave this device's copy unlike the server's without
/// moving the server's version: a refusal (its effect was applied here), or a re-sent change
/// answered with its first outcome (applied here again, maybe over a later value there).
fn needs_snapshot(results: &[MutationResult], after: i64) -> bool {
    results
        .iter()
        .any(|r| r.seq > after && (r.status == MutationStatus::Rejected || r.repeated))
}

/// Arguments a push carries at most (JSON bytes); one picture (≤ 1 MiB, about 1.4 MiB as
/// base64) always fits alone, and the server takes 2 MiB.
const PUSH_BUDGET_BYTES: i64 = 1_536 * 1024;

/// Why a sync round did not finish.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// This device is not linked to a server.
    #[error("not linked to a server")]
    NotLinked,
    /// The server could not be reached; try again later.
    #[error("offline: {0}")]
    Offline(String),
    /// This device's session has ended; its unpushed changes are sealed and it is signed out.
    #[error("the session has ended")]
    Revoked,
    /// The server refused with a code.
    #[error("server refused: {}", .0.code.as_str())]
    Refused(WireError),
    /// The local store failed.
    #[error(transparent)]
    Store(#[from] CoreError),
}

impl SyncError {
    /// The stable code the UI shows.
    pub fn code(&self) -> WireCode {
        match self {
            Self::NotLinked => ErrorCode::SyncNotLinked.into(),
            Self::Offline(_) => ErrorCode::SyncOffline.into(),
            Self::Revoked => ErrorCode::SessionRevoked.into(),
            Self::Refused(err) => err.code.clone(),
            Self::Store(err) => err.code().into(),
        }
    }
}

impl From<sqlx::Error> for SyncError {
    fn from(err: sqlx::Error) -> Self {
        Self::Store(err.into())
    }
}

/// What a finished round did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncOutcome {
    /// Mutations the server took (applied or rejected) in this round.
    pub pushed: usize,
    /// Whether the synced tables were replaced by a new snapshot.
    pub replaced: bool,
    /// Mutations still waiting to be pushed.
    pub pending: usize,
}

/// Where the sync client stands, from `sync_client`.
struct Place {
    client_id: String,
    cookie: i64,
    acked_seq: i64,
}

/// Syncs this device's store with a server through a transport.
#[derive(Clone)]
pub struct SyncClient {
    db: Database,
    env: Env,
    transport: Arc<dyn Transport>,
    /// One round at a time: a late, older snapshot must never replace a newer one.
    round: Arc<tokio::sync::Mutex<()>>,
    /// The session whose secret the transport carries, when the client is bound to one: it
    /// then never acts for another session of the store (after a new sign-in).
    session: Option<String>,
}

impl std::fmt::Debug for SyncClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncClient").finish_non_exhaustive()
    }
}

impl SyncClient {
    /// A client for the store `db`, reaching the server through `transport`.
    pub fn new(db: Database, env: Env, transport: Arc<dyn Transport>) -> Self {
        Self {
            db,
            env,
            transport,
            round: Arc::new(tokio::sync::Mutex::new(())),
            session: None,
        }
    }

    /// The same client, acting only while `session` is the store's sync client; a round
    /// after another sign-in ends with [`SyncError::NotLinked`].
    pub fn bound_to(self, session: Uuid) -> Self {
        Self {
            session: Some(session.to_string()),
            ..self
        }
    }

    /// Makes this device the sync client of the server session `session_id` (just signed
    /// in): its sequence starts at 1, it has seen nothing yet, and it is signed in with
    /// that session. Unpushed rows of an earlier session stay sealed, never sent.
    pub async fn link(&self, session_id: Uuid, server_url: &str) -> Result<(), SyncError> {
        let _one_round = self.round.lock().await;
        let mut tx = self.db.begin_write().await?;
        let linked: Option<String> =
            sqlx::query_scalar("SELECT client_id FROM sync_client WHERE id = 1")
                .fetch_one(&mut *tx)
                .await?;
        if linked.as_deref() == Some(session_id.to_string().as_str()) {
            // Already this session's client: its sequence goes on (a restart must never
            // number a new change like one the server has seen).
            return Ok(());
        }
        sqlx::query(
            "UPDATE outbox SET state = 'sealed' WHERE state = 'pending' \
             AND client_id IS NOT ?",
        )
        .bind(session_id.to_string())
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE sync_client SET client_id = ?, next_seq = 1, cookie = 0, acked_seq = 0 \
             WHERE id = 1",
        )
        .bind(session_id.to_string())
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE device SET current_session_id = ?, server_url = ?, last_active_at = NULL \
             WHERE id = 1",
        )
        .bind(session_id.to_string())
        .bind(server_url)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn place(&self) -> Result<Place, SyncError> {
        let row: (Option<String>, i64, i64) =
            sqlx::query_as("SELECT client_id, cookie, acked_seq FROM sync_client WHERE id = 1")
                .fetch_one(self.db.pool())
                .await?;
        match row {
            (Some(client_id), ..) if self.session.as_ref().is_some_and(|s| *s != client_id) => {
                Err(SyncError::NotLinked)
            }
            (Some(client_id), cookie, acked_seq) => Ok(Place {
                client_id,
                cookie,
                acked_seq,
            }),
            (None, ..) => Err(SyncError::NotLinked),
        }
    }

    /// One round: push every pending mutation (in batches), then pull and rebase.
    pub async fn sync_once(&self) -> Result<SyncOutcome, SyncError> {
        let _one_round = self.round.lock().await;
        let place = self.place().await?;
        let (pushed, refused_in_push) = match self.push_pending(&place).await {
            Err(err) => return Err(self.settle_refusal(&place, err).await),
            Ok(pushed) => pushed,
        };
        // Trimmed by the push answers: read again.
        let place = self.place().await?;
        let (response, blob) = self.pull(&place, place.cookie).await?;
        let mut replaced = response.snapshot.is_some();
        // A refused (or repeated) change left its effect here, and neither moves the server's
        // version: without a fresh snapshot the device would keep showing it.
        let refused = refused_in_push || needs_snapshot(&response.results, place.acked_seq);
        let now = self.env.now_ms();
        let mut pending = pull::apply(&self.db, &place.client_id, response, blob, now).await?;
        if refused && !replaced {
            let place = self.place().await?;
            let (mut response, blob) = self.pull(&place, 0).await?;
            // A whole-history answer repeats every kept conflict; the first pull brought the
            // new ones, and those the person settled must not come back.
            response.conflicts.clear();
            replaced = response.snapshot.is_some();
            pending = pull::apply(&self.db, &place.client_id, response, blob, now).await?;
        }
        Ok(SyncOutcome {
            pushed,
            replaced,
            pending,
        })
    }

    /// Pulls as of `cookie` (0 asks for the whole snapshot) and fetches the avatar picture
    /// the profile names if this device lacks it.
    async fn pull(
        &self,
        place: &Place,
        cookie: i64,
    ) -> Result<(PullResponse, Option<Blob>), SyncError> {
        let catalog_version = {
            let mut conn = self.db.pool().acquire().await?;
            crate::contacts::catalog::held_version(&mut conn).await?
        };
        let request = PullRequest {
            protocol: PROTOCOL,
            cookie,
            acked_seq: place.acked_seq,
            catalog_version,
        };
        let response = match self.transport.pull(&request).await {
            Err(err) => return Err(self.settle_refusal(place, err).await),
            Ok(response) => response,
        };
        // A server's version only grows; an older answer (a lagging instance) is not taken.
        if response.cookie < place.cookie {
            return Err(SyncError::Offline(
                "a server answered with an older version".into(),
            ));
        }
        let avatar = match &response.snapshot {
            Some(snapshot) => snapshot.profile.avatar.clone(),
            None => self.stored_avatar().await?,
        };
        // Tried every round while missing, so a failed fetch is made good later.
        let blob = match avatar {
            Some(avatar) if !self.has_blob(&avatar.sha256).await? => {
                Self::checked_blob(self.transport.as_ref(), &avatar).await
            }
            _ => None,
        };
        Ok((response, blob))
    }

    /// The avatar the stored profile names, if any.
    async fn stored_avatar(&self) -> Result<Option<AvatarRef>, SyncError> {
        let row: Option<(Option<String>, Option<String>)> =
            sqlx::query_as("SELECT avatar_sha256, avatar_mime FROM profile LIMIT 1")
                .fetch_optional(self.db.pool())
                .await?;
        Ok(row.and_then(|(sha256, mime)| {
            Some(AvatarRef {
                sha256: sha256?,
                mime: mime?,
            })
        }))
    }

    /// Pushes pending rows in batches until all are taken or the server stops at a gap;
    /// says how many the server took and whether it refused any.
    async fn push_pending(&self, place: &Place) -> Result<(usize, bool), TransportError> {
        let mut pushed = 0;
        let mut refused = false;
        let mut after = 0;
        loop {
            let batch = self
                .pending_after(&place.client_id, after)
                .await
                .map_err(|e| TransportError::Unreachable(format!("reading the outbox: {e}")))?;
            let Some(last) = batch.last().map(|m| m.seq) else {
                return Ok((pushed, refused));
            };
            let request = PushRequest {
                protocol: PROTOCOL,
                mutations: batch,
            };
            let response = self.transport.push(&request).await?;
            pushed += response.results.len();
            refused |= needs_snapshot(&response.results, 0);
            // What the server took leaves the outbox now, not at the pull: a session ended
            // by this very push (or elsewhere meanwhile) must not seal what was applied.
            pull::acknowledge(&self.db, &place.client_id, &response)
                .await
                .map_err(|e| TransportError::Unreachable(format!("trimming the outbox: {e}")))?;
            if response.last_seq < last {
                // A gap or a partial batch: the pull that follows tells where things stand.
                return Ok((pushed, refused));
            }
            after = last;
        }
    }

    async fn pending_after(
        &self,
        client_id: &str,
        after: i64,
    ) -> Result<Vec<PushedMutation>, CoreError> {
        // Whole rows up to the byte budget (at least one), so a batch of pictures stays
        // under the server's body limit.
        let rows: Vec<(i64, String, String, String, i64)> = sqlx::query_as(
            "SELECT seq, mutation_id, name, payload, cookie FROM ( \
               SELECT seq, mutation_id, name, payload, cookie, \
                 SUM(length(payload)) OVER (ORDER BY seq) AS running, \
                 ROW_NUMBER() OVER (ORDER BY seq) AS place \
               FROM outbox WHERE client_id = ?1 AND state = 'pending' AND seq > ?2 \
               ORDER BY seq LIMIT ?3) \
             WHERE running <= ?4 OR place = 1 ORDER BY seq",
        )
        .bind(client_id)
        .bind(after)
        .bind(MAX_PUSH_MUTATIONS as i64)
        .bind(PUSH_BUDGET_BYTES)
        .fetch_all(self.db.pool())
        .await?;
        rows.into_iter()
            .map(|(seq, id, name, payload, cookie)| {
                Ok(PushedMutation {
                    seq,
                    id: Uuid::parse_str(&id)
                        .map_err(|e| CoreError::Corrupt(format!("outbox {seq}: {e}")))?,
                    name,
                    args: serde_json::from_str(&payload)
                        .map_err(|e| CoreError::Corrupt(format!("outbox {seq}: {e}")))?,
                    cookie,
                })
            })
            .collect()
    }

    /// Turns a failed call into the round's error; an ended session seals what was not
    /// pushed and signs this device out.
    async fn settle_refusal(&self, place: &Place, err: TransportError) -> SyncError {
        match err {
            TransportError::Unreachable(why) => SyncError::Offline(why),
            TransportError::NotAcure(why) => {
                tracing::warn!(reason = %why, "sync: the server does not answer like an Acure server");
                SyncError::Refused(WireError::of(ErrorCode::ServerNotAcure))
            }
            // An unknown secret (a server whose data was reset) is as final as an ended session.
            TransportError::Refused(refusal)
                if matches!(
                    refusal.code.known(),
                    Some(ErrorCode::SessionRevoked | ErrorCode::AuthRequired)
                ) =>
            {
                match pull::seal_and_sign_out(&self.db, &place.client_id).await {
                    Ok(()) => SyncError::Revoked,
                    Err(err) => SyncError::Store(err),
                }
            }
            TransportError::Refused(refusal) => SyncError::Refused(refusal),
        }
    }

    async fn has_blob(&self, sha256: &str) -> Result<bool, SyncError> {
        let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM avatar_blob WHERE sha256 = ?")
            .bind(sha256)
            .fetch_optional(self.db.pool())
            .await?;
        Ok(found.is_some())
    }

    /// The picture `avatar` names, fetched through `transport`, if the server has it and it
    /// is what its name says; a later round tries again otherwise (initials show meanwhile).
    pub async fn checked_blob(transport: &dyn Transport, avatar: &AvatarRef) -> Option<Blob> {
        let bytes = transport.blob(&avatar.sha256).await.ok()?;
        if sha256_hex(&bytes) != avatar.sha256
            || profile_domain::avatar::check(&avatar.mime, &bytes).is_err()
        {
            tracing::warn!(sha256 = %avatar.sha256, "a fetched avatar did not match its hash or rules");
            return None;
        }
        Some(Blob::new(&avatar.mime, bytes))
    }
}
