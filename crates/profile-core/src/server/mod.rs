//! The app on a server (DESIGN.md §6): signing in to one, linking this device's profile,
//! the session secret in the keychain, the password changed online, signing out.

pub mod address;
pub mod api;
mod errors;
mod link;
pub mod review;
pub mod runner;
pub mod secret;

pub use address::ServerAddress;
pub use api::ServerApi;
pub use link::LocalProfile;
pub use review::{ChangeView, ConflictView, Review, SyncReview};
pub use runner::{SyncRunner, SyncState, SyncStatus};
pub use secret::{Keychain, MemoryKeychain, OsKeychain, SecretStorage, SecretVault, SessionSecret};

use crate::db::Database;
use crate::env::Env;
use crate::error::{CoreError, ErrorCode, ValidationError};
use crate::security::{DeviceInfo, Password, SignedIn};
use crate::sync::{SyncClient, Transport};
use crate::tables;
use profile_domain::sync::{PullRequest, PROTOCOL};
use std::sync::Arc;
use tokio::sync::Mutex;
use uuid::Uuid;

/// How long a sign-out waits to send what is still pending.
const SIGN_OUT_SYNC: std::time::Duration = std::time::Duration::from_secs(10);

/// Where this device stands with a server.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LinkState {
    /// The server's address.
    pub server_url: String,
    /// Whether someone is signed in here.
    pub signed_in: bool,
    /// Where the session secret is kept.
    pub secret_storage: Option<SecretStorage>,
    /// The secret lives in a file and the person has not been told yet.
    pub file_notice_due: bool,
}

/// What the server sign-in form sends.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct ServerSignIn {
    /// The server's address as typed.
    pub address: String,
    /// The account's e-mail.
    pub email: String,
    /// Its password.
    pub password: Password,
    /// What becomes of a local profile already on this device.
    pub local: LocalProfile,
    /// The person agreed to drop another account's unsent changes kept on this device.
    #[serde(default)]
    pub discard_unsent: bool,
}

/// What a server sign-in did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct SignInResult {
    /// Local details queued for upload.
    pub queued: usize,
    /// Where the session secret went.
    pub secret_storage: SecretStorage,
}

/// This device's link to a server.
#[derive(Debug, Clone)]
pub struct ServerLink {
    db: Database,
    env: Env,
    vault: SecretVault,
    /// One sign-in or sign-out at a time (a double click must not start two sessions).
    busy: Arc<Mutex<()>>,
}

/// The stored link: address, sync client, signed-in session, where the secret is.
type LinkRow = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
);

impl ServerLink {
    /// The link of the store `db`, keeping secrets in `vault`.
    pub fn new(db: Database, env: Env, vault: SecretVault) -> Self {
        Self {
            db,
            env,
            vault,
            busy: Arc::new(Mutex::new(())),
        }
    }

    async fn row(&self) -> Result<LinkRow, CoreError> {
        Ok(sqlx::query_as(
            "SELECT d.server_url, c.client_id, d.current_session_id, d.secret_storage, \
             d.file_notice_shown FROM device d, sync_client c WHERE d.id = 1 AND c.id = 1",
        )
        .fetch_one(self.db.pool())
        .await?)
    }

    /// Where this device stands with a server; `None` for a local profile.
    pub async fn state(&self) -> Result<Option<LinkState>, CoreError> {
        let (server_url, _, current, storage, notice_shown) = self.row().await?;
        let storage = storage.as_deref().and_then(SecretStorage::parse);
        Ok(server_url.map(|server_url| LinkState {
            server_url,
            signed_in: current.is_some(),
            secret_storage: storage,
            file_notice_due: storage == Some(SecretStorage::File) && notice_shown == 0,
        }))
    }

    /// Records that the person was told the secret lives in a file.
    pub async fn file_notice_shown(&self) -> Result<(), CoreError> {
        sqlx::query("UPDATE device SET file_notice_shown = 1 WHERE id = 1")
            .execute(self.db.pool())
            .await?;
        Ok(())
    }

    /// Signs in to a server: a new session, its secret kept, its first pull taken in, and a
    /// local profile linked as `request.local` says. Errors name the form's field.
    pub async fn sign_in(
        &self,
        request: ServerSignIn,
        device: DeviceInfo,
    ) -> Result<SignInResult, CoreError> {
        let address = ServerAddress::parse(&request.address)?;
        let email = request.email.trim();
        if email.is_empty() {
            return Err(ValidationError::new(ErrorCode::ProfileEmailInvalid, "email").into());
        }
        let _one = self.busy.lock().await;
        // What the previous session can still send goes first (its own end, made offline,
        // among them): once the new session is taken in it could only be re-submitted.
        if tokio::time::timeout(SIGN_OUT_SYNC, self.send_pending())
            .await
            .is_err()
        {
            tracing::info!("the previous session's pending changes could not be sent in time");
        }
        let api = ServerApi::new(address.clone()).map_err(errors::sign_in)?;
        let signed_in = api
            .sign_in(email, &request.password, &device)
            .await
            .map_err(errors::sign_in)?;
        drop(request.password);
        let session_id = signed_in.session_id;
        let api = api.with_secret(signed_in.secret.clone());
        let adopted = async {
            let first_pull = api
                .pull(&PullRequest {
                    protocol: PROTOCOL,
                    cookie: 0,
                    acked_seq: 0,
                    catalog_version: 0,
                })
                .await
                .map_err(errors::sign_in)?;
            let avatar = match first_pull
                .snapshot
                .as_ref()
                .and_then(|s| s.profile.avatar.clone())
            {
                Some(avatar) => SyncClient::checked_blob(&api, &avatar).await,
                None => None,
            };
            let previous = self.client_id().await?;
            link::check_unsent(&self.db, &first_pull, request.discard_unsent).await?;
            // Noted first: if the app dies before the session is taken in, the next start
            // forgets the secret rather than leave it in the keychain for good.
            self.set_joining(Some(session_id)).await?;
            let storage = self.vault.store(session_id, &signed_in.secret).await?;
            let joined = link::Joined {
                session_id,
                address,
                storage,
                first_pull,
                avatar,
            };
            let queued = link::adopt(&self.db, &self.env, joined, request.local).await?;
            if let Some(previous) = previous.filter(|p| *p != session_id) {
                // The new session is taken in: a secret left behind must not undo that.
                if let Err(err) = self.vault.forget(previous).await {
                    tracing::warn!(error = %err, "the previous session's secret could not be forgotten");
                }
            }
            Ok::<_, CoreError>(SignInResult {
                queued,
                secret_storage: storage,
            })
        }
        .await;
        if adopted.is_err() {
            // Nothing was kept of it: end the session rather than leave it open on the server.
            let _ = api.sign_out().await;
            if self.vault.forget(session_id).await.is_ok() {
                let _ = self.set_joining(None).await;
            }
        }
        let result = adopted?;
        tracing::info!(session = %session_id, queued = result.queued, storage = ?result.secret_storage, "signed in to a server");
        Ok(result)
    }

    /// Sends what the device's previous session still has pending, to its own server.
    async fn send_pending(&self) {
        if runner::pending(&self.db).await.unwrap_or(0) == 0 {
            return;
        }
        let Ok(Some((client, _))) = self.sync_client().await else {
            return;
        };
        if let Err(err) = client.sync_once().await {
            tracing::info!(error = %err, "the previous session's pending changes were not sent");
        }
    }

    async fn set_joining(&self, session: Option<Uuid>) -> Result<(), CoreError> {
        sqlx::query("UPDATE device SET joining_session = ? WHERE id = 1")
            .bind(session.map(|s| s.to_string()))
            .execute(self.db.pool())
            .await?;
        Ok(())
    }

    /// Forgets the secret of a session a sign-in was joining when the app stopped (it was
    /// never taken in, so nothing else would ever remove it).
    pub async fn forget_unjoined(&self) -> Result<(), CoreError> {
        // Not while a sign-in is joining a session right now.
        let _one = self.busy.lock().await;
        let row: Option<(String, Option<String>)> = sqlx::query_as(
            "SELECT d.joining_session, c.client_id FROM device d, sync_client c \
             WHERE d.id = 1 AND c.id = 1 AND d.joining_session IS NOT NULL",
        )
        .fetch_optional(self.db.pool())
        .await?;
        let Some((joining, client)) = row else {
            return Ok(());
        };
        if client.as_deref() != Some(joining.as_str()) {
            if let Ok(session) = Uuid::parse_str(&joining) {
                self.vault.forget(session).await?;
                tracing::info!(%session, "forgot the secret of a sign-in that did not finish");
            }
        }
        self.set_joining(None).await
    }

    /// The sync client id (the server session this device's outbox is numbered for).
    async fn client_id(&self) -> Result<Option<Uuid>, CoreError> {
        let (_, client_id, ..) = self.row().await?;
        client_id
            .map(|id| {
                Uuid::parse_str(&id).map_err(|e| CoreError::Corrupt(format!("client id: {e}")))
            })
            .transpose()
    }

    /// The server's API acting as this device's session, if it is linked and the secret is
    /// where it was put.
    pub async fn api(&self) -> Result<Option<ServerApi>, CoreError> {
        let (server_url, client_id, _, storage, _) = self.row().await?;
        let (Some(url), Some(client_id), Some(storage)) = (
            server_url,
            client_id,
            storage.as_deref().and_then(SecretStorage::parse),
        ) else {
            return Ok(None);
        };
        let client_id = Uuid::parse_str(&client_id)
            .map_err(|e| CoreError::Corrupt(format!("client id: {e}")))?;
        let Some(secret) = self.vault.load(client_id, storage).await? else {
            tracing::warn!("the session secret is gone from where it was kept");
            return Ok(None);
        };
        let address = ServerAddress::parse(&url)?;
        let api = ServerApi::new(address).map_err(errors::general)?;
        Ok(Some(api.with_secret(secret)))
    }

    /// A sync client of this device's session, bound to it, and the session's id; `None`
    /// when there is nothing to sync with.
    pub async fn sync_client(&self) -> Result<Option<(SyncClient, Uuid)>, CoreError> {
        let Some(session) = self.client_id().await? else {
            return Ok(None);
        };
        Ok(self.api().await?.map(|api| {
            let transport: Arc<dyn Transport> = Arc::new(api);
            let client = SyncClient::new(self.db.clone(), self.env.clone(), transport);
            (client.bound_to(session), session)
        }))
    }

    /// Changes the password of the person signed in as `me`: on the server for a linked
    /// device (online only; the server checks `current` and the rules and ends every other
    /// session), else the local account's.
    pub async fn change_password(
        &self,
        me: &SignedIn,
        current: Password,
        new: Password,
    ) -> Result<(), CoreError> {
        if self.state().await?.is_none() {
            return me.change_password(current, new).await;
        }
        let api = self
            .api()
            .await?
            .ok_or_else(|| ValidationError::general(ErrorCode::AccountSignedOut))?;
        api.change_password(&current, &new)
            .await
            .map_err(errors::password)
    }

    /// Asks the server to send a test notification to contact `contact_id` of the person
    /// signed in as `me`: only on a linked device, and only once the server has the contact
    /// as it is here (no change to it still waiting in the outbox).
    pub async fn test_contact(&self, me: &SignedIn, contact_id: Uuid) -> Result<(), CoreError> {
        me.profile().await?;
        let api = self
            .api()
            .await?
            .ok_or_else(|| ValidationError::general(ErrorCode::ContactTestUnavailable))?;
        let mut conn = self.db.pool().acquire().await?;
        if crate::outbox::contact_pending(&mut conn, contact_id).await? {
            return Err(ValidationError::general(ErrorCode::ContactTestNotSynced).into());
        }
        api.test_contact(contact_id).await.map_err(errors::general)
    }

    /// The session `session_id` has ended on the server: its secret is of no more use.
    pub async fn forget_secret(&self, session_id: Uuid) -> Result<(), CoreError> {
        self.vault.forget(session_id).await
    }

    /// Signs this device out of the server: the session ends there when it can be reached,
    /// the secret is forgotten, and the device's data stays (to sign in again) only if
    /// `keep_copy`; otherwise every table is emptied and the app starts afresh.
    pub async fn sign_out(&self, keep_copy: bool) -> Result<(), CoreError> {
        let _one = self.busy.lock().await;
        let api = self.api().await.unwrap_or_else(|err| {
            // A keychain that cannot be read must not keep the person from signing out.
            tracing::warn!(error = %err, "the session secret could not be read for the sign-out");
            None
        });
        if let Some(api) = api {
            // What can still be sent goes first (briefly: the person is waiting).
            if let Ok(Some((client, _))) = self.sync_client().await {
                let sent = tokio::time::timeout(SIGN_OUT_SYNC, client.sync_once()).await;
                if !matches!(sent, Ok(Ok(_))) {
                    tracing::info!("pending changes could not be sent before signing out");
                }
            }
            if let Err(err) = api.sign_out().await {
                // Offline: the session stays open on the server until ended from another
                // device; without its secret nobody can use it.
                tracing::warn!(error = %err, "the server could not be told of the sign-out");
            }
        }
        if let Some(session) = self.client_id().await? {
            self.forget_secret(session).await?;
        }
        let mut tx = self.db.begin_write().await?;
        if keep_copy {
            sqlx::query(
                "UPDATE device SET current_session_id = NULL, last_active_at = NULL WHERE id = 1",
            )
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE outbox SET state = 'sealed' WHERE state = 'pending'")
                .execute(&mut *tx)
                .await?;
        } else {
            for table in tables::SYNCED.iter().chain(tables::DEVICE_LOCAL) {
                // Single-row tables stay, set back to a new device's values below.
                if matches!(*table, "device" | "sync_client" | "password_throttle") {
                    continue;
                }
                sqlx::query(&format!("DELETE FROM {table}"))
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query(
                "UPDATE device SET current_session_id = NULL, server_url = NULL, \
                 secret_storage = NULL, file_notice_shown = 0, last_active_at = NULL, \
                 synced_at = NULL WHERE id = 1",
            )
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE sync_client SET client_id = NULL, next_seq = 1, cookie = 0, \
                 acked_seq = 0 WHERE id = 1",
            )
            .execute(&mut *tx)
            .await?;
            crate::security::throttle::reset(&mut tx).await?;
        }
        tx.commit().await?;
        self.db.note_change();
        Ok(())
    }
}
