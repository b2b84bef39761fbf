//! Keeping a linked device in sync in the background: a round on start, after each local
//! change (debounced), every minute, and on «Sync now»; failures back off with jitter. The
//! window reads the [`SyncStatus`] and never waits on the network.

use super::ServerLink;
use crate::db::Database;
use crate::env::Env;
use crate::error::CoreError;
use crate::sync::{Backoff, SyncClient, SyncError};
use profile_domain::WireCode;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

/// How long local changes must pause before a round sends them (typing a name is several).
pub const DEBOUNCE: Duration = Duration::from_millis(1_500);
/// How often a round runs while nothing else asks for one.
pub const INTERVAL: Duration = Duration::from_secs(60);

/// Where syncing stands, as the header shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    /// A round is running.
    Syncing,
    /// The last round finished.
    Synced,
    /// The last round could not reach the server.
    Offline,
    /// The last round failed for another reason (see `error`).
    Error,
    /// The session ended (here or elsewhere): nothing more is synced until a sign-in.
    SignedOut,
}

/// What the header shows about syncing.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SyncStatus {
    /// Where syncing stands.
    pub state: SyncState,
    /// Local changes not yet taken by the server.
    pub pending: usize,
    /// When a round last finished, ms since the epoch.
    pub synced_at: Option<i64>,
    /// Why the last round failed (`error` and `offline`).
    pub error: Option<WireCode>,
    /// When the next round runs by itself, ms since the epoch.
    pub next_at: Option<i64>,
    /// Goes up whenever the server's data replaced what this device showed: the window
    /// reloads what it displays.
    pub revision: u64,
}

/// How long [`SyncRunner::stop`] lets a running round finish.
const STOP_PATIENCE: Duration = Duration::from_secs(30);

/// The background sync of one session. Dropped, it stops after the round under way (a
/// round is never cut inside a database transaction); [`SyncRunner::stop`] also waits.
#[derive(Debug)]
pub struct SyncRunner {
    status: watch::Receiver<SyncStatus>,
    wake: Arc<Notify>,
    stop: Arc<Notify>,
    task: Option<JoinHandle<()>>,
}

impl Drop for SyncRunner {
    fn drop(&mut self) {
        self.stop.notify_one();
    }
}

impl SyncRunner {
    /// Starts syncing through `client`, bound to `session`; `link` forgets that session's
    /// secret once it ends.
    pub async fn start(
        client: SyncClient,
        session: uuid::Uuid,
        link: ServerLink,
        db: Database,
        env: Env,
    ) -> Result<Self, CoreError> {
        let synced_at: Option<i64> =
            sqlx::query_scalar("SELECT synced_at FROM device WHERE id = 1")
                .fetch_one(db.pool())
                .await?;
        let pending = pending(&db).await?;
        let (tx, rx) = watch::channel(SyncStatus {
            state: SyncState::Syncing,
            pending,
            synced_at,
            error: None,
            next_at: None,
            revision: 0,
        });
        let wake = Arc::new(Notify::new());
        let stop = Arc::new(Notify::new());
        let worker = Worker {
            client,
            session,
            stop: stop.clone(),
            link,
            db,
            env,
            status: tx,
            wake: wake.clone(),
            backoff: Backoff::default(),
        };
        Ok(Self {
            status: rx,
            wake,
            stop,
            task: Some(tokio::spawn(worker.run())),
        })
    }

    /// Stops after the round under way, waiting for it (at most 30 s, then it is cut).
    pub async fn stop(mut self) {
        self.stop.notify_one();
        if let Some(mut task) = self.task.take() {
            if tokio::time::timeout(STOP_PATIENCE, &mut task)
                .await
                .is_err()
            {
                tracing::warn!("a sync round did not finish in time: cut");
                task.abort();
            }
        }
    }

    /// Asks for a round now («Sync now»).
    pub fn sync_now(&self) {
        self.wake.notify_one();
    }

    /// The status now.
    pub fn status(&self) -> SyncStatus {
        self.status.borrow().clone()
    }

    /// A receiver that wakes on every status change.
    pub fn watch(&self) -> watch::Receiver<SyncStatus> {
        self.status.clone()
    }

    /// Whether the runner has stopped (its session ended).
    pub fn is_finished(&self) -> bool {
        self.task.as_ref().is_none_or(JoinHandle::is_finished)
    }
}

/// Local changes of a server session not yet taken by the server.
pub(super) async fn pending(db: &Database) -> Result<usize, CoreError> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM outbox WHERE state = 'pending' AND client_id IS NOT NULL",
    )
    .fetch_one(db.pool())
    .await?;
    Ok(usize::try_from(n).unwrap_or(0))
}

struct Worker {
    client: SyncClient,
    /// The session the client acts for.
    session: uuid::Uuid,
    stop: Arc<Notify>,
    link: ServerLink,
    db: Database,
    env: Env,
    status: watch::Sender<SyncStatus>,
    wake: Arc<Notify>,
    backoff: Backoff,
}

impl Worker {
    async fn run(mut self) {
        let mut changes = self.db.changes();
        changes.mark_unchanged();
        let mut wait = Duration::ZERO;
        loop {
            tokio::select! {
                () = self.stop.notified() => return,
                () = tokio::time::sleep(wait) => {}
                () = self.wake.notified() => {}
                changed = changes.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    self.refresh_pending().await;
                    self.settle(&mut changes).await;
                }
            }
            wait = match self.round().await {
                Some(wait) => wait,
                None => return,
            };
            self.status.send_modify(|s| {
                s.next_at =
                    Some(self.env.now_ms() + i64::try_from(wait.as_millis()).unwrap_or(i64::MAX));
            });
        }
    }

    /// Waits until local changes pause for [`DEBOUNCE`] (or «Sync now»), counting them.
    async fn settle(&self, changes: &mut watch::Receiver<u64>) {
        loop {
            tokio::select! {
                () = self.stop.notified() => {
                    // Seen here, it must still stop the loop: leave the permit for it.
                    self.stop.notify_one();
                    return;
                }
                () = tokio::time::sleep(DEBOUNCE) => return,
                () = self.wake.notified() => return,
                changed = changes.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    self.refresh_pending().await;
                }
            }
        }
    }

    async fn refresh_pending(&self) {
        match pending(&self.db).await {
            Ok(n) => self.status.send_modify(|s| s.pending = n),
            Err(err) => tracing::warn!(error = %err, "counting the pending changes failed"),
        }
    }

    /// One round; the wait before the next, or `None` once the session has ended.
    async fn round(&mut self) -> Option<Duration> {
        self.status.send_modify(|s| s.state = SyncState::Syncing);
        let result = self.client.sync_once().await;
        let pending_now = pending(&self.db).await.unwrap_or(0);
        match result {
            Ok(outcome) => {
                self.backoff.succeeded();
                let now = self.env.now_ms();
                if let Err(err) = sqlx::query("UPDATE device SET synced_at = ? WHERE id = 1")
                    .bind(now)
                    .execute(self.db.pool())
                    .await
                {
                    tracing::warn!(error = %err, "recording the sync time failed");
                }
                self.status.send_modify(|s| {
                    s.state = SyncState::Synced;
                    s.pending = outcome.pending;
                    s.synced_at = Some(now);
                    s.error = None;
                    if outcome.replaced {
                        s.revision += 1;
                    }
                });
                Some(INTERVAL)
            }
            Err(SyncError::Revoked | SyncError::NotLinked) => {
                if let Err(err) = self.link.forget_secret(self.session).await {
                    tracing::warn!(error = %err, "forgetting the ended session's secret failed");
                }
                tracing::info!("the session has ended: signed out");
                self.status.send_modify(|s| {
                    s.state = SyncState::SignedOut;
                    s.pending = 0;
                    s.error = None;
                    s.revision += 1;
                });
                None
            }
            Err(err) => {
                self.backoff.failed();
                let state = match err {
                    SyncError::Offline(_) => SyncState::Offline,
                    _ => SyncState::Error,
                };
                tracing::info!(error = %err, failures = self.backoff.failures(), "a sync round failed");
                let code = err.code();
                self.status.send_modify(|s| {
                    s.state = state;
                    s.pending = pending_now;
                    s.error = Some(code);
                });
                let ms = self.backoff.delay_ms(&self.env.random);
                Some(Duration::from_millis(u64::try_from(ms).unwrap_or(0)))
            }
        }
    }
}
