//! The SQL both backends run, and the [`Store`](super::Store) methods written once for both.
//!
//! The methods are a macro rather than generic code: sqlx's generic bounds over a database
//! would outweigh the queries. Each backend supplies `pool`, `begin_write` and the three
//! lock statements (`LOCK_SESSION`, `LOCK_USER_SESSIONS`, `LOCK_USER`); locks are taken
//! session(s) first, then the user, always, so two writers never wait on each other in a
//! circle.

use super::StoreError;
use crate::sync::{FirstUse, Logged, SyncState};
use profile_domain::channel::{Catalog, Channel};
use profile_domain::language::Language;
use profile_domain::state::{self, AvatarRef, ProfileRecord, UserState};
use profile_domain::sync::{Conflict, MutationResult, MutationStatus};
use profile_domain::token::TokenScope;
use profile_domain::DeviceInfo;

/// The columns of [`User`](super::User), in its field order.
pub(super) const USER_COLUMNS: &str = "id, email, name, language, time_zone, organization, \
    phone, avatar_sha256, password_hash, password_version, is_admin, disabled_at, version, \
    created_at, updated_at";

pub(super) const INSERT_USER: &str = "INSERT INTO users (id, email, email_key, name, \
    password_hash, password_version, is_admin, version, created_at, updated_at) \
    VALUES ($1, $2, $3, $4, $5, 1, $6, 1, $7, $7)";

pub(super) const USER_ID_BY_EMAIL_KEY: &str = "SELECT id FROM users WHERE email_key = $1";

pub(super) const LIST_USERS: &str = "SELECT u.id, u.email, u.name, u.is_admin, u.disabled_at, \
    (SELECT COUNT(*) FROM sessions s WHERE s.user_id = u.id AND s.ended_at IS NULL) \
    AS active_sessions FROM users u ORDER BY u.created_at, u.id";

/// Every change to a user's synced state moves the sync cookie.
pub(super) const BUMP_USER: &str =
    "UPDATE users SET version = version + 1, updated_at = $2 WHERE id = $1";

pub(super) const DISABLE_USER: &str = "UPDATE users SET disabled_at = COALESCE(disabled_at, $2), \
    version = version + 1, updated_at = $2 WHERE id = $1";

pub(super) const SET_PASSWORD: &str = "UPDATE users SET password_hash = $2, \
    password_version = password_version + 1, version = version + 1, updated_at = $3 \
    WHERE id = $1";

pub(super) const GRANT_ADMIN: &str =
    "UPDATE users SET is_admin = 1, version = version + 1, updated_at = $2 WHERE id = $1";

/// Ends every active session of user `$1` but `$4` (pass '' to keep none).
pub(super) const END_USER_SESSIONS: &str = "UPDATE sessions SET ended_at = $2, end_reason = $3 \
    WHERE user_id = $1 AND id <> $4 AND ended_at IS NULL";

pub(super) const FAILURES: &str = "SELECT failures, last_failure_at FROM sign_in_failures \
    WHERE scope = $1 AND key = $2 AND last_failure_at >= $3";

pub(super) const RECORD_FAILURE: &str = "INSERT INTO sign_in_failures \
    (scope, key, failures, last_failure_at) VALUES ($1, $2, 1, $3) \
    ON CONFLICT (scope, key) DO UPDATE SET \
    failures = CASE WHEN sign_in_failures.last_failure_at < $4 THEN 1 \
    ELSE sign_in_failures.failures + 1 END, last_failure_at = $3";

pub(super) const CLEAR_FAILURES: &str =
    "DELETE FROM sign_in_failures WHERE scope = $1 AND key = $2";

pub(super) const INSERT_SESSION: &str = "INSERT INTO sessions (id, user_id, secret_hash, \
    device_name, os, app_version, address, started_at, last_active_at) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)";

pub(super) const SESSION_BY_SECRET_HASH: &str =
    "SELECT id, user_id, last_active_at, ended_at FROM sessions WHERE secret_hash = $1";

pub(super) const SESSIONS_OF: &str = "SELECT id, device_name, os, app_version, address, \
    started_at, last_active_at, ended_at, end_reason, last_seq FROM sessions \
    WHERE user_id = $1 ORDER BY started_at DESC, id DESC";

pub(super) const TOUCH_SESSION: &str = "UPDATE sessions SET last_active_at = $2 \
    WHERE id = $1 AND ended_at IS NULL AND last_active_at < $3";

pub(super) const END_SESSION: &str =
    "UPDATE sessions SET ended_at = $2, end_reason = $3 WHERE id = $1";

/// The session a push or pull comes from, with its sequence position.
pub(super) const SYNC_SESSION: &str =
    "SELECT user_id, ended_at, last_seq FROM sessions WHERE id = $1";

/// The user's synced fields ([`SyncUser`]); a push appends its backend's row lock.
pub(super) const SYNC_USER: &str = "SELECT id, email, name, language, time_zone, \
    organization, phone, avatar_sha256, avatar_mime, disabled_at, version, created_at, \
    updated_at FROM users WHERE id = $1";

pub(super) const FIELD_VERSIONS: &str =
    "SELECT field, version, session_id FROM field_versions WHERE user_id = $1";

pub(super) const LOGGED_RESULT: &str = "SELECT seq, status, code, field, params, mutation_id \
    FROM mutation_log WHERE session_id = $1 AND seq = $2";

/// The first use of a mutation id: user, name, arguments' hash, status, code, field, params,
/// version.
pub(super) const MUTATION_ID_USED: &str = "SELECT user_id, name, args_sha256, status, code, \
    field, params, version FROM mutation_log WHERE mutation_id = $1";

pub(super) const LOG_MUTATION: &str = "INSERT INTO mutation_log (session_id, seq, mutation_id, \
    user_id, name, status, code, field, params, version, received_at, args_sha256) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";

/// Ends a session of user `$4` a mutation ended (final: an ended one keeps its reason).
pub(super) const END_SESSION_OF: &str = "UPDATE sessions SET ended_at = $2, end_reason = $3 \
    WHERE id = $1 AND user_id = $4 AND ended_at IS NULL";

pub(super) const INSERT_BLOB: &str = "INSERT INTO blobs (user_id, sha256, mime, bytes, \
    created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id, sha256) DO NOTHING";

pub(super) const INSERT_CONFLICT: &str = "INSERT INTO conflicts (id, user_id, field, \
    overwritten, applied, by_session, overwritten_by, version, at) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

/// Writes the profile fields mutations change (never the e-mail: a push may not change it).
pub(super) const SET_PROFILE: &str = "UPDATE users SET name = $2, language = $3, \
    organization = $4, phone = $5, time_zone = $6, avatar_sha256 = $7, avatar_mime = $8 \
    WHERE id = $1";

pub(super) const SET_VERSION: &str = "UPDATE users SET version = $2, updated_at = $3 WHERE id = $1";

pub(super) const SET_FIELD_VERSION: &str = "INSERT INTO field_versions \
    (user_id, field, version, session_id) VALUES ($1, $2, $3, $4) \
    ON CONFLICT (user_id, field) DO UPDATE SET version = excluded.version, \
    session_id = excluded.session_id";

pub(super) const SET_LAST_SEQ: &str = "UPDATE sessions SET last_seq = $2 WHERE id = $1";

/// A pull sends at most this many results; the client acknowledges and pulls again.
pub(super) const MAX_PULL_RESULTS: i64 = 1000;
/// A pull sends at most this many (the newest) conflicts.
pub(super) const MAX_PULL_CONFLICTS: i64 = 100;

pub(super) const RESULTS_AFTER: &str = "SELECT seq, status, code, field, params, mutation_id \
    FROM mutation_log \
    WHERE session_id = $1 AND seq > $2 ORDER BY seq LIMIT $3";

pub(super) const CONFLICTS_AFTER: &str = "SELECT id, field, overwritten, applied, by_session, \
    overwritten_by, at, version FROM conflicts WHERE user_id = $1 AND version > $2 \
    ORDER BY version DESC, id DESC LIMIT $3";

pub(super) const BLOB: &str = "SELECT mime, bytes FROM blobs WHERE user_id = $1 AND sha256 = $2";

/// The columns of [`TokenRow`], in its field order.
const TOKEN_COLUMNS: &str = "id, sha256, prefix, scope, description, created_at, expires_at, \
    revoked_at, last_used_at, last_used_address";

pub(super) fn tokens_of_sql() -> String {
    format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE user_id = $1 ORDER BY created_at, id")
}

/// A token by the SHA-256 of its text, with its user's synced fields ([`TokenAuthRow`]):
/// one query answers both who calls and, for `GET /api/v1/profile`, what they read.
pub(super) fn token_by_hash_sql() -> String {
    let token = TOKEN_COLUMNS
        .split(", ")
        .map(|c| format!("t.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let user = "id, email, name, language, time_zone, organization, phone, avatar_sha256, \
        avatar_mime, disabled_at, version, created_at, updated_at, is_admin"
        .split(", ")
        .map(|c| format!("u.{c} AS u_{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "SELECT {token}, {user} FROM tokens t JOIN users u ON u.id = t.user_id \
         WHERE t.sha256 = $1"
    )
}

/// Another user's token with this id or this SHA-256, if any.
pub(super) const TOKEN_TAKEN_ELSEWHERE: &str =
    "SELECT id FROM tokens WHERE (id = $1 OR sha256 = $2) AND user_id <> $3";

/// Writes a token's synced columns (never its last use: that is the server's own).
pub(super) const UPSERT_TOKEN: &str = "INSERT INTO tokens (id, user_id, sha256, prefix, scope, \
    description, created_at, expires_at, revoked_at) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
    ON CONFLICT (id) DO UPDATE SET description = excluded.description, \
    expires_at = excluded.expires_at, revoked_at = excluded.revoked_at \
    WHERE tokens.user_id = excluded.user_id";

pub(super) const DELETE_TOKEN: &str = "DELETE FROM tokens WHERE id = $1 AND user_id = $2";

/// Notes a token's use, unless it was noted since `$4`.
pub(super) const NOTE_TOKEN_USE: &str = "UPDATE tokens SET last_used_at = $2, \
    last_used_address = $3 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $4)";

/// The columns of [`ContactRow`], in its field order.
const CONTACT_COLUMNS: &str = "id, channel, value, enabled, preferred, created_at, updated_at";

pub(super) fn contacts_of_sql() -> String {
    format!("SELECT {CONTACT_COLUMNS} FROM contacts WHERE user_id = $1 ORDER BY created_at, id")
}

/// Writes a contact (only the user's own: an id of another user's contact writes nothing).
pub(super) const UPSERT_CONTACT: &str = "INSERT INTO contacts (id, user_id, channel, value, \
    enabled, preferred, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
    ON CONFLICT (id) DO UPDATE SET value = excluded.value, enabled = excluded.enabled, \
    preferred = excluded.preferred, updated_at = excluded.updated_at \
    WHERE contacts.user_id = excluded.user_id";

pub(super) const DELETE_CONTACT: &str = "DELETE FROM contacts WHERE id = $1 AND user_id = $2";

/// The enabled contacts of one channel of the active users among `$2` (ids), preferred
/// first; the users' order is the caller's.
pub(super) fn mailing_list_sql() -> String {
    let columns = CONTACT_COLUMNS
        .split(", ")
        .map(|c| format!("c.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "SELECT c.user_id, u.email, {columns} FROM contacts c JOIN users u ON u.id = c.user_id \
         WHERE c.channel = $1 AND c.user_id = $2 AND c.enabled = 1 AND u.disabled_at IS NULL \
         ORDER BY c.preferred DESC, c.created_at, c.id"
    )
}

/// Channels an administrator added, in the order they were added.
pub(super) const ADDED_CHANNELS: &str = "SELECT definition FROM channels ORDER BY added_at, id";
pub(super) const CATALOG_CHANGES: &str = "SELECT changes FROM catalog_changes WHERE id = 1";
pub(super) const BUMP_CATALOG: &str =
    "UPDATE catalog_changes SET changes = changes + 1 WHERE id = 1";
pub(super) const INSERT_CHANNEL: &str =
    "INSERT INTO channels (id, definition, added_at) VALUES ($1, $2, $3)";
pub(super) const DELETE_CHANNEL: &str = "DELETE FROM channels WHERE id = $1";

/// A user's synced fields as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct SyncUser {
    pub id: String,
    pub email: String,
    pub name: String,
    pub language: String,
    pub time_zone: String,
    pub organization: Option<String>,
    pub phone: Option<String>,
    pub avatar_sha256: Option<String>,
    pub avatar_mime: Option<String>,
    pub disabled_at: Option<i64>,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A logged result row: seq, status, code, field, params, mutation id.
pub(super) type LoggedRow = (
    i64,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// A mutation id's first use: user, name, arguments' hash, status, code, field, params,
/// version.
pub(super) type FirstUseRow = (
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
);

/// A conflict row: id, field, overwritten, applied, by_session, overwritten_by, at, version.
pub(super) type ConflictRow = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    i64,
    i64,
);

/// A token row: id, sha256, prefix, scope, description, created_at, expires_at,
/// revoked_at, last_used_at, last_used_address.
pub(super) type TokenRow = (
    String,
    String,
    String,
    String,
    String,
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<String>,
);

/// A contact row: id, channel, value, enabled, preferred, created_at, updated_at.
pub(super) type ContactRow = (String, String, String, i64, i64, i64, i64);

/// A stored contact as the domain sees it.
pub(super) fn contact_of(row: ContactRow) -> Result<state::ContactRecord, StoreError> {
    let (id, channel, value, enabled, preferred, created_at, updated_at) = row;
    Ok(state::ContactRecord {
        id: uuid(&id)?,
        channel,
        value,
        enabled: enabled != 0,
        preferred: preferred != 0,
        created_at,
        updated_at,
    })
}

/// The server's catalog: the built-in channels, then those an administrator added. Its
/// version combines the built-in catalog's with the count of administrators' changes, so a
/// new release's catalog and an administrator's change both move it.
pub(super) fn catalog_of(changes: i64, added: Vec<String>) -> Result<Catalog, StoreError> {
    let built_in = Catalog::built_in();
    let mut channels = built_in.channels.clone();
    for definition in added {
        let channel: Channel = serde_json::from_str(&definition)
            .map_err(|e| StoreError::Corrupt(format!("channel definition: {e}")))?;
        channels.push(channel);
    }
    // Which channels this server can send a test notification on.
    for channel in &mut channels {
        channel.test_sender = crate::notify::has_sender(&channel.kind);
    }
    Ok(Catalog {
        version: built_in.version * 1_000_000 + changes,
        channels,
    })
}

/// A token row and its user's synced fields (prefixed `u_`).
#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct TokenAuthRow {
    pub id: String,
    pub sha256: String,
    pub prefix: String,
    pub scope: String,
    pub description: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub last_used_address: Option<String>,
    pub u_id: String,
    pub u_email: String,
    pub u_name: String,
    pub u_language: String,
    pub u_time_zone: String,
    pub u_organization: Option<String>,
    pub u_phone: Option<String>,
    pub u_avatar_sha256: Option<String>,
    pub u_avatar_mime: Option<String>,
    pub u_disabled_at: Option<i64>,
    pub u_version: i64,
    pub u_created_at: i64,
    pub u_updated_at: i64,
    pub u_is_admin: i64,
}

/// A stored token as the domain sees it.
pub(super) fn token_of(row: TokenRow) -> Result<state::TokenRecord, StoreError> {
    let (
        id,
        sha256,
        prefix,
        scope,
        description,
        created_at,
        expires_at,
        revoked_at,
        last_used_at,
        last_used_address,
    ) = row;
    Ok(state::TokenRecord {
        id: uuid(&id)?,
        sha256,
        prefix,
        scope: TokenScope::parse(&scope)
            .ok_or_else(|| StoreError::Corrupt(format!("token scope {scope:?}")))?,
        description,
        created_at,
        expires_at,
        revoked_at,
        last_used_at,
        last_used_address,
    })
}

/// A token found by its hash, with its user.
pub(super) fn token_auth_of(r: TokenAuthRow) -> Result<super::TokenAuth, StoreError> {
    let user = SyncUser {
        id: r.u_id,
        email: r.u_email,
        name: r.u_name,
        language: r.u_language,
        time_zone: r.u_time_zone,
        organization: r.u_organization,
        phone: r.u_phone,
        avatar_sha256: r.u_avatar_sha256,
        avatar_mime: r.u_avatar_mime,
        disabled_at: r.u_disabled_at,
        version: r.u_version,
        created_at: r.u_created_at,
        updated_at: r.u_updated_at,
    };
    let token = token_of((
        r.id,
        r.sha256,
        r.prefix,
        r.scope,
        r.description,
        r.created_at,
        r.expires_at,
        r.revoked_at,
        r.last_used_at,
        r.last_used_address,
    ))?;
    Ok(super::TokenAuth {
        token,
        profile: profile_of(&user)?,
        user_id: user.id,
        user_disabled_at: user.disabled_at,
        user_is_admin: r.u_is_admin != 0,
    })
}

fn uuid(text: &str) -> Result<uuid::Uuid, StoreError> {
    uuid::Uuid::parse_str(text).map_err(|_| StoreError::Corrupt(format!("id {text:?}")))
}

/// The profile a user row holds.
pub(super) fn profile_of(user: &SyncUser) -> Result<ProfileRecord, StoreError> {
    let language = Language::parse(&user.language)
        .map_err(|_| StoreError::Corrupt(format!("language {:?}", user.language)))?;
    Ok(ProfileRecord {
        id: uuid(&user.id)?,
        name: user.name.clone(),
        language,
        email: Some(user.email.clone()),
        organization: user.organization.clone(),
        phone: user.phone.clone(),
        time_zone: user.time_zone.clone(),
        avatar: user.avatar_sha256.clone().map(|sha256| AvatarRef {
            sha256,
            mime: user
                .avatar_mime
                .clone()
                .unwrap_or_else(|| "image/jpeg".to_owned()),
        }),
        created_at: user.created_at,
        updated_at: user.updated_at,
    })
}

/// A stored session as the domain and a pull's snapshot see it.
pub(super) fn session_of(row: super::SessionRecord) -> Result<state::SessionRecord, StoreError> {
    let end_reason = match &row.end_reason {
        Some(text) => Some(
            state::EndReason::parse(text)
                .ok_or_else(|| StoreError::Corrupt(format!("end reason {text:?}")))?,
        ),
        None => None,
    };
    Ok(state::SessionRecord {
        id: uuid(&row.id)?,
        device: DeviceInfo {
            device_name: row.device_name,
            os: row.os,
            app_version: row.app_version,
        },
        address: row.address,
        started_at: row.started_at,
        last_active_at: row.last_active_at,
        ended_at: row.ended_at,
        end_reason,
    })
}

/// The state a push applies to.
pub(super) fn sync_state(
    user: &SyncUser,
    sessions: Vec<super::SessionRecord>,
    tokens: Vec<TokenRow>,
    contacts: Vec<ContactRow>,
    catalog: Catalog,
    field_versions: Vec<(String, i64, String)>,
) -> Result<SyncState, StoreError> {
    let mut state = UserState {
        profile: Some(profile_of(user)?),
        ..UserState::default()
    };
    for row in sessions {
        let session = session_of(row)?;
        state.sessions.insert(session.id, session);
    }
    for row in tokens {
        let token = token_of(row)?;
        state.tokens.insert(token.id, token);
    }
    for row in contacts {
        let contact = contact_of(row)?;
        state.contacts.insert(contact.id, contact);
    }
    let field_versions = field_versions
        .into_iter()
        .map(|(field, version, by)| Ok((field, (version, uuid(&by)?))))
        .collect::<Result<_, StoreError>>()?;
    Ok(SyncState {
        state,
        version: user.version,
        field_versions,
        catalog,
    })
}

/// A logged result as a push or pull reports it.
pub(super) fn result_of(row: LoggedRow) -> Result<MutationResult, StoreError> {
    let (seq, status, code, field, params, mutation_id) = row;
    let mut logged = logged_of(&status, code, field, params, None)?;
    // Only a repeat is applied without its id: the id belongs to the first use.
    logged.repeated = logged.status == MutationStatus::Applied && mutation_id.is_none();
    Ok(logged.result(seq))
}

/// A mutation id's first use: who took it, for what, and its outcome.
pub(super) fn first_use_of(row: FirstUseRow) -> Result<FirstUse, StoreError> {
    let (user_id, name, args_sha256, status, code, field, params, version) = row;
    Ok(FirstUse {
        user_id,
        name,
        args_sha256,
        outcome: logged_of(&status, code, field, params, version)?,
    })
}

fn logged_of(
    status: &str,
    code: Option<String>,
    field: Option<String>,
    params: Option<String>,
    version: Option<i64>,
) -> Result<Logged, StoreError> {
    let status = MutationStatus::parse(status)
        .ok_or_else(|| StoreError::Corrupt(format!("status {status:?}")))?;
    let params = match params {
        Some(text) => {
            serde_json::from_str(&text).map_err(|_| StoreError::Corrupt("logged params".into()))?
        }
        None => serde_json::Map::new(),
    };
    Ok(Logged {
        status,
        code,
        field,
        params,
        version,
        repeated: false,
    })
}

/// A stored conflict as a pull reports it.
pub(super) fn conflict_of(row: ConflictRow) -> Result<Conflict, StoreError> {
    let (id, field, overwritten, applied, by_session, overwritten_by, at, version) = row;
    let json = |text: &str| {
        serde_json::from_str(text).map_err(|_| StoreError::Corrupt("conflict value".into()))
    };
    Ok(Conflict {
        id: uuid(&id)?,
        field,
        overwritten: json(&overwritten)?,
        applied: json(&applied)?,
        by_session: uuid(&by_session)?,
        overwritten_by: overwritten_by.as_deref().map(uuid).transpose()?,
        at,
        version,
    })
}

/// Implements [`Store`](super::Store) for a backend type (see the module comment).
macro_rules! impl_store {
    ($store:ty, $backend:expr) => {
        #[async_trait::async_trait]
        impl $crate::store::Store for $store {
            fn backend(&self) -> $crate::store::Backend {
                $backend
            }

            async fn ping(&self) -> Result<(), StoreError> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn close(&self) {
                self.pool.close().await;
            }

            async fn create_user(&self, user: &NewUser) -> Result<(), StoreError> {
                let done = sqlx::query(shared::INSERT_USER)
                    .bind(&user.id)
                    .bind(&user.email)
                    .bind(super::email_key(&user.email))
                    .bind(&user.name)
                    .bind(&user.password_hash)
                    .bind(super::flag(user.is_admin))
                    .bind(user.now)
                    .execute(&self.pool)
                    .await;
                match done {
                    Ok(_) => Ok(()),
                    Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                        Err(StoreError::UserExists)
                    }
                    Err(e) => Err(e.into()),
                }
            }

            async fn user_by_email_key(&self, email_key: &str) -> Result<Option<User>, StoreError> {
                let sql = format!(
                    "SELECT {} FROM users WHERE email_key = $1",
                    shared::USER_COLUMNS
                );
                Ok(sqlx::query_as(&sql)
                    .bind(email_key)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn user_by_id(&self, id: &str) -> Result<Option<User>, StoreError> {
                let sql = format!("SELECT {} FROM users WHERE id = $1", shared::USER_COLUMNS);
                Ok(sqlx::query_as(&sql)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn list_users(&self) -> Result<Vec<UserListing>, StoreError> {
                Ok(sqlx::query_as(shared::LIST_USERS)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn disable_user(&self, email_key: &str, now: i64) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                let id = Self::lock_user_and_sessions(&mut tx, email_key).await?;
                sqlx::query(shared::DISABLE_USER)
                    .bind(&id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(shared::END_USER_SESSIONS)
                    .bind(&id)
                    .bind(now)
                    .bind(EndReason::Disabled.as_str())
                    .bind("")
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn reset_password(
                &self,
                email_key: &str,
                new_hash: &str,
                now: i64,
            ) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                let id = Self::lock_user_and_sessions(&mut tx, email_key).await?;
                sqlx::query(shared::SET_PASSWORD)
                    .bind(&id)
                    .bind(new_hash)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(shared::END_USER_SESSIONS)
                    .bind(&id)
                    .bind(now)
                    .bind(EndReason::PasswordChanged.as_str())
                    .bind("")
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn grant_admin(&self, email_key: &str, now: i64) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                let id = Self::lock_user_and_sessions(&mut tx, email_key).await?;
                sqlx::query(shared::GRANT_ADMIN)
                    .bind(&id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn failures(
                &self,
                key: &ThrottleKey,
                since: i64,
            ) -> Result<FailureCount, StoreError> {
                let row: Option<(i64, i64)> = sqlx::query_as(shared::FAILURES)
                    .bind(key.scope())
                    .bind(key.key())
                    .bind(since)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(
                    row.map_or_else(FailureCount::default, |(failures, at)| FailureCount {
                        failures,
                        last_failure_at: Some(at),
                    }),
                )
            }

            async fn record_failure(
                &self,
                keys: &[ThrottleKey],
                now: i64,
                since: i64,
            ) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                for key in keys {
                    sqlx::query(shared::RECORD_FAILURE)
                        .bind(key.scope())
                        .bind(key.key())
                        .bind(now)
                        .bind(since)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn clear_failures(&self, key: &ThrottleKey) -> Result<(), StoreError> {
                sqlx::query(shared::CLEAR_FAILURES)
                    .bind(key.scope())
                    .bind(key.key())
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn start_session(&self, session: &NewSession) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                let user: Option<(i64, Option<i64>)> = sqlx::query_as(Self::LOCK_USER)
                    .bind(&session.user_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                if !matches!(user, Some((_, None))) {
                    return Err(StoreError::UserNotFound);
                }
                sqlx::query(shared::INSERT_SESSION)
                    .bind(&session.id)
                    .bind(&session.user_id)
                    .bind(&session.secret_hash)
                    .bind(&session.device_name)
                    .bind(&session.os)
                    .bind(&session.app_version)
                    .bind(&session.address)
                    .bind(session.now)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(shared::BUMP_USER)
                    .bind(&session.user_id)
                    .bind(session.now)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn session_by_secret_hash(
                &self,
                secret_hash: &str,
            ) -> Result<Option<SessionAuth>, StoreError> {
                Ok(sqlx::query_as(shared::SESSION_BY_SECRET_HASH)
                    .bind(secret_hash)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn sessions_of(&self, user_id: &str) -> Result<Vec<SessionRecord>, StoreError> {
                Ok(sqlx::query_as(shared::SESSIONS_OF)
                    .bind(user_id)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn touch_session(
                &self,
                id: &str,
                now: i64,
                stale_before: i64,
            ) -> Result<(), StoreError> {
                // No cookie bump: when a device was last seen is not worth a sync round.
                sqlx::query(shared::TOUCH_SESSION)
                    .bind(id)
                    .bind(now)
                    .bind(stale_before)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn end_session(
                &self,
                id: &str,
                reason: EndReason,
                now: i64,
            ) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                let user_id = Self::lock_active_session(&mut tx, id).await?;
                sqlx::query(Self::LOCK_USER)
                    .bind(&user_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                sqlx::query(shared::END_SESSION)
                    .bind(id)
                    .bind(now)
                    .bind(reason.as_str())
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(shared::BUMP_USER)
                    .bind(&user_id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn change_password(&self, change: &PasswordChange) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                // Every active session first: the other sessions' rows are written below,
                // after the user's is locked (the lock order: sessions, then the user).
                sqlx::query(Self::LOCK_USER_SESSIONS)
                    .bind(&change.user_id)
                    .fetch_all(&mut *tx)
                    .await?;
                let owner = Self::lock_active_session(&mut tx, &change.keep_session_id).await?;
                if owner != change.user_id {
                    return Err(StoreError::SessionEnded);
                }
                let user: Option<(i64, Option<i64>)> = sqlx::query_as(Self::LOCK_USER)
                    .bind(&change.user_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                match user {
                    Some((version, None)) if version == change.expected_version => {}
                    Some((_, None)) => return Err(StoreError::PasswordVersionChanged),
                    _ => return Err(StoreError::SessionEnded),
                }
                sqlx::query(shared::SET_PASSWORD)
                    .bind(&change.user_id)
                    .bind(&change.new_hash)
                    .bind(change.now)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(shared::END_USER_SESSIONS)
                    .bind(&change.user_id)
                    .bind(change.now)
                    .bind(EndReason::PasswordChanged.as_str())
                    .bind(&change.keep_session_id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn push(
                &self,
                session_id: &str,
                user_id: &str,
                batch: &[$crate::sync::PreparedMutation],
                now: i64,
            ) -> Result<profile_domain::sync::PushResponse, StoreError> {
                use $crate::sync::{apply_pushed, Outcome};
                let session =
                    uuid::Uuid::parse_str(session_id).map_err(|_| StoreError::SessionEnded)?;
                let mut tx = self.begin_write().await?;
                // Lock order: the user's active sessions (by id), then the user. A
                // `session.end` writes another session's row after the user's is locked,
                // so those rows are taken first, like every other writer's sessions.
                sqlx::query(Self::LOCK_USER_SESSIONS)
                    .bind(user_id)
                    .fetch_all(&mut *tx)
                    .await?;
                let row: Option<(String, Option<i64>, i64)> = sqlx::query_as(shared::SYNC_SESSION)
                    .bind(session_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                let mut last_seq = match row {
                    Some((owner, None, last_seq)) if owner == user_id => last_seq,
                    _ => return Err(StoreError::SessionEnded),
                };
                let user: shared::SyncUser =
                    sqlx::query_as(&format!("{}{}", shared::SYNC_USER, Self::FOR_UPDATE))
                        .bind(user_id)
                        .fetch_optional(&mut *tx)
                        .await?
                        .filter(|u: &shared::SyncUser| u.disabled_at.is_none())
                        .ok_or(StoreError::SessionEnded)?;
                let mut sync = Self::load_sync_state(&mut tx, &user).await?;
                let mut results = Vec::with_capacity(batch.len());
                let mut written = $crate::sync::Written::default();
                for pushed in batch {
                    if pushed.seq <= last_seq {
                        let row: Option<shared::LoggedRow> = sqlx::query_as(shared::LOGGED_RESULT)
                            .bind(session_id)
                            .bind(pushed.seq)
                            .fetch_optional(&mut *tx)
                            .await?;
                        let row = row.ok_or_else(|| {
                            StoreError::Corrupt(format!("no logged result for seq {}", pushed.seq))
                        })?;
                        results.push(shared::result_of(row)?);
                        continue;
                    }
                    if pushed.seq > last_seq + 1 {
                        break;
                    }
                    let id = pushed.id.to_string();
                    let first_use: Option<shared::FirstUseRow> =
                        sqlx::query_as(shared::MUTATION_ID_USED)
                            .bind(&id)
                            .fetch_optional(&mut *tx)
                            .await?;
                    let reused = first_use.is_some();
                    let outcome = match first_use {
                        Some(row) => {
                            $crate::sync::reused_id(pushed, user_id, shared::first_use_of(row)?)
                        }
                        None if Self::token_taken_elsewhere(&mut tx, pushed, user_id).await? => {
                            Outcome::Rejected($crate::domain::ValidationError::general(
                                $crate::domain::ErrorCode::RequestInvalid,
                            ))
                        }
                        None => apply_pushed(&mut sync, pushed, session, now),
                    };
                    if let Outcome::Applied {
                        change,
                        conflicts,
                        version,
                    } = &outcome
                    {
                        written.note(change);
                        for ended in &change.sessions {
                            let Some(record) = sync.state.sessions.get(ended) else {
                                continue;
                            };
                            sqlx::query(shared::END_SESSION_OF)
                                .bind(ended.to_string())
                                .bind(record.ended_at)
                                .bind(record.end_reason.map(|r| r.as_str()))
                                .bind(user_id)
                                .execute(&mut *tx)
                                .await?;
                        }
                        if let Some(blob) = &change.blob {
                            sqlx::query(shared::INSERT_BLOB)
                                .bind(user_id)
                                .bind(&blob.sha256)
                                .bind(&blob.mime)
                                .bind(&blob.bytes)
                                .bind(now)
                                .execute(&mut *tx)
                                .await?;
                        }
                        for conflict in conflicts {
                            sqlx::query(shared::INSERT_CONFLICT)
                                .bind(conflict.id.to_string())
                                .bind(user_id)
                                .bind(&conflict.field)
                                .bind(conflict.overwritten.to_string())
                                .bind(conflict.applied.to_string())
                                .bind(conflict.by_session.to_string())
                                .bind(conflict.overwritten_by.map(|s| s.to_string()))
                                .bind(*version)
                                .bind(conflict.at)
                                .execute(&mut *tx)
                                .await?;
                        }
                    }
                    let logged = outcome.logged();
                    let status = logged.status.as_str();
                    let params = profile_domain::error::stored_params(&logged.params);
                    sqlx::query(shared::LOG_MUTATION)
                        .bind(session_id)
                        .bind(pushed.seq)
                        .bind((!reused).then_some(id))
                        .bind(user_id)
                        .bind(&pushed.name)
                        .bind(status)
                        .bind(&logged.code)
                        .bind(&logged.field)
                        .bind(params)
                        .bind(logged.version)
                        .bind(now)
                        .bind(&pushed.args_sha256)
                        .execute(&mut *tx)
                        .await?;
                    results.push(outcome.result(pushed.seq));
                    last_seq = pushed.seq;
                    // A session that ended itself pushes nothing more that applies.
                    if !sync
                        .state
                        .sessions
                        .get(&session)
                        .is_some_and(|s| s.is_active())
                    {
                        break;
                    }
                }
                Self::write_back(&mut tx, user_id, &sync, user.version, &written, now).await?;
                sqlx::query(shared::SET_LAST_SEQ)
                    .bind(session_id)
                    .bind(last_seq)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(profile_domain::sync::PushResponse { last_seq, results })
            }

            async fn pull(
                &self,
                session_id: &str,
                user_id: &str,
                request: &profile_domain::sync::PullRequest,
            ) -> Result<profile_domain::sync::PullResponse, StoreError> {
                let mut tx = self.begin_read().await?;
                let row: Option<(String, Option<i64>, i64)> = sqlx::query_as(shared::SYNC_SESSION)
                    .bind(session_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                let last_seq = match row {
                    Some((owner, None, last_seq)) if owner == user_id => last_seq,
                    _ => return Err(StoreError::SessionEnded),
                };
                let user: shared::SyncUser = sqlx::query_as(shared::SYNC_USER)
                    .bind(user_id)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or(StoreError::SessionEnded)?;
                let snapshot = if user.version == request.cookie {
                    None
                } else {
                    let sessions: Vec<SessionRecord> = sqlx::query_as(shared::SESSIONS_OF)
                        .bind(user_id)
                        .fetch_all(&mut *tx)
                        .await?;
                    let tokens: Vec<shared::TokenRow> = sqlx::query_as(&shared::tokens_of_sql())
                        .bind(user_id)
                        .fetch_all(&mut *tx)
                        .await?;
                    let contacts: Vec<shared::ContactRow> =
                        sqlx::query_as(&shared::contacts_of_sql())
                            .bind(user_id)
                            .fetch_all(&mut *tx)
                            .await?;
                    Some(profile_domain::sync::Snapshot {
                        profile: shared::profile_of(&user)?,
                        sessions: sessions
                            .into_iter()
                            .map(shared::session_of)
                            .collect::<Result<_, _>>()?,
                        tokens: tokens
                            .into_iter()
                            .map(shared::token_of)
                            .collect::<Result<_, _>>()?,
                        contacts: contacts
                            .into_iter()
                            .map(shared::contact_of)
                            .collect::<Result<_, _>>()?,
                    })
                };
                let catalog = Self::load_catalog(&mut tx).await?;
                let catalog = (catalog.version != request.catalog_version).then_some(catalog);
                // An unchanged pull (the common case) skips what cannot exist: results past
                // `last_seq`, and conflicts past the current version.
                let results: Vec<shared::LoggedRow> = if request.acked_seq >= last_seq {
                    Vec::new()
                } else {
                    sqlx::query_as(shared::RESULTS_AFTER)
                        .bind(session_id)
                        .bind(request.acked_seq)
                        .bind(shared::MAX_PULL_RESULTS)
                        .fetch_all(&mut *tx)
                        .await?
                };
                let mut conflicts: Vec<shared::ConflictRow> = if request.cookie >= user.version {
                    Vec::new()
                } else {
                    sqlx::query_as(shared::CONFLICTS_AFTER)
                        .bind(user_id)
                        .bind(request.cookie)
                        .bind(shared::MAX_PULL_CONFLICTS)
                        .fetch_all(&mut *tx)
                        .await?
                };
                tx.commit().await?;
                conflicts.reverse();
                Ok(profile_domain::sync::PullResponse {
                    cookie: user.version,
                    last_seq,
                    snapshot,
                    results: results
                        .into_iter()
                        .map(shared::result_of)
                        .collect::<Result<_, _>>()?,
                    conflicts: conflicts
                        .into_iter()
                        .map(shared::conflict_of)
                        .collect::<Result<_, _>>()?,
                    catalog,
                })
            }

            async fn catalog(&self) -> Result<profile_domain::channel::Catalog, StoreError> {
                let mut tx = self.begin_read().await?;
                let catalog = Self::load_catalog(&mut tx).await?;
                tx.commit().await?;
                Ok(catalog)
            }

            async fn add_channel(
                &self,
                channel: &profile_domain::channel::Channel,
                now: i64,
            ) -> Result<(), StoreError> {
                let definition = serde_json::to_string(channel)
                    .map_err(|e| StoreError::Corrupt(format!("channel definition: {e}")))?;
                let mut tx = self.begin_write().await?;
                // The counter's row first: additions and removals take their turns.
                sqlx::query(shared::BUMP_CATALOG).execute(&mut *tx).await?;
                let catalog = Self::load_catalog(&mut tx).await?;
                if catalog.channel(&channel.id).is_some() {
                    return Err(StoreError::ChannelExists);
                }
                if catalog.channels.len() >= profile_domain::channel::MAX_CHANNELS {
                    return Err(StoreError::TooManyChannels);
                }
                sqlx::query(shared::INSERT_CHANNEL)
                    .bind(&channel.id)
                    .bind(definition)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn remove_channel(&self, id: &str) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                sqlx::query(shared::BUMP_CATALOG).execute(&mut *tx).await?;
                let removed = sqlx::query(shared::DELETE_CHANNEL)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if removed == 0 {
                    return Err(StoreError::ChannelNotFound);
                }
                tx.commit().await?;
                Ok(())
            }

            async fn contacts_of(
                &self,
                user_id: &str,
            ) -> Result<Vec<profile_domain::state::ContactRecord>, StoreError> {
                let rows: Vec<shared::ContactRow> = sqlx::query_as(&shared::contacts_of_sql())
                    .bind(user_id)
                    .fetch_all(&self.pool)
                    .await?;
                rows.into_iter().map(shared::contact_of).collect()
            }

            async fn mailing_list(
                &self,
                channel: &str,
                user_ids: &[String],
            ) -> Result<Vec<$crate::store::ListedContact>, StoreError> {
                let sql = shared::mailing_list_sql();
                let mut listed = Vec::new();
                for user_id in user_ids {
                    let rows: Vec<(String, String, String, String, String, i64, i64, i64, i64)> =
                        sqlx::query_as(&sql)
                            .bind(channel)
                            .bind(user_id)
                            .fetch_all(&self.pool)
                            .await?;
                    for (user_id, email, id, ch, value, enabled, preferred, created, updated) in
                        rows
                    {
                        listed.push($crate::store::ListedContact {
                            user_id,
                            email,
                            contact: shared::contact_of((
                                id, ch, value, enabled, preferred, created, updated,
                            ))?,
                        });
                    }
                }
                Ok(listed)
            }

            async fn token_by_hash(
                &self,
                sha256: &str,
            ) -> Result<Option<$crate::store::TokenAuth>, StoreError> {
                let row: Option<shared::TokenAuthRow> =
                    sqlx::query_as(&shared::token_by_hash_sql())
                        .bind(sha256)
                        .fetch_optional(&self.pool)
                        .await?;
                row.map(shared::token_auth_of).transpose()
            }

            async fn note_token_use(
                &self,
                use_: &$crate::store::TokenUse,
            ) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                // The user's row first, as every writer takes it before a token's.
                sqlx::query(Self::LOCK_USER)
                    .bind(&use_.user_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                let noted = sqlx::query(shared::NOTE_TOKEN_USE)
                    .bind(&use_.token_id)
                    .bind(use_.now)
                    .bind(&use_.address)
                    .bind(use_.stale_before)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                // Devices learn of the use at their next pull, like of any synced change.
                if noted > 0 {
                    sqlx::query(shared::BUMP_USER)
                        .bind(&use_.user_id)
                        .bind(use_.now)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn apply_as_token(
                &self,
                user_id: &str,
                token_id: uuid::Uuid,
                mutation: &profile_domain::Mutation,
                now: i64,
            ) -> Result<
                Result<profile_domain::state::ProfileRecord, $crate::domain::ValidationError>,
                StoreError,
            > {
                let mut tx = self.begin_write().await?;
                sqlx::query(Self::LOCK_USER_SESSIONS)
                    .bind(user_id)
                    .fetch_all(&mut *tx)
                    .await?;
                let user: shared::SyncUser =
                    sqlx::query_as(&format!("{}{}", shared::SYNC_USER, Self::FOR_UPDATE))
                        .bind(user_id)
                        .fetch_optional(&mut *tx)
                        .await?
                        .filter(|u: &shared::SyncUser| u.disabled_at.is_none())
                        .ok_or(StoreError::UserNotFound)?;
                let mut sync = Self::load_sync_state(&mut tx, &user).await?;
                // Checked again under the lock: a revocation committed since the request's
                // check wins.
                let still = sync.state.tokens.get(&token_id).map(|t| t.withdrawn(now));
                let refused = match still {
                    None => Some($crate::domain::ErrorCode::TokenInvalid),
                    Some(Some((profile_domain::token::Withdrawal::Revoked, _))) => {
                        Some($crate::domain::ErrorCode::TokenRevoked)
                    }
                    Some(Some((profile_domain::token::Withdrawal::Expired, _))) => {
                        Some($crate::domain::ErrorCode::TokenExpired)
                    }
                    Some(None) => None,
                };
                if let Some(code) = refused {
                    return Ok(Err($crate::domain::ValidationError::general(code)));
                }
                let change = match $crate::sync::apply_by_token(&mut sync, mutation, token_id, now)
                {
                    Ok(change) => change,
                    Err(refusal) => return Ok(Err(refusal)),
                };
                let mut written = $crate::sync::Written::default();
                written.note(&change);
                Self::write_back(&mut tx, user_id, &sync, user.version, &written, now).await?;
                tx.commit().await?;
                sync.state
                    .profile
                    .ok_or_else(|| StoreError::Corrupt("a profile change left no profile".into()))
                    .map(Ok)
            }

            async fn blob(
                &self,
                user_id: &str,
                sha256: &str,
            ) -> Result<Option<$crate::store::StoredBlob>, StoreError> {
                Ok(sqlx::query_as(shared::BLOB)
                    .bind(user_id)
                    .bind(sha256)
                    .fetch_optional(&self.pool)
                    .await?)
            }
        }

        impl $store {
            /// The rest of a locked user's state: sessions, tokens and field versions.
            async fn load_sync_state(
                tx: &mut sqlx::Transaction<'static, <$store as BackendTypes>::Db>,
                user: &shared::SyncUser,
            ) -> Result<$crate::sync::SyncState, StoreError> {
                let sessions: Vec<SessionRecord> = sqlx::query_as(shared::SESSIONS_OF)
                    .bind(&user.id)
                    .fetch_all(&mut **tx)
                    .await?;
                let tokens: Vec<shared::TokenRow> = sqlx::query_as(&shared::tokens_of_sql())
                    .bind(&user.id)
                    .fetch_all(&mut **tx)
                    .await?;
                let contacts: Vec<shared::ContactRow> = sqlx::query_as(&shared::contacts_of_sql())
                    .bind(&user.id)
                    .fetch_all(&mut **tx)
                    .await?;
                let field_versions: Vec<(String, i64, String)> =
                    sqlx::query_as(shared::FIELD_VERSIONS)
                        .bind(&user.id)
                        .fetch_all(&mut **tx)
                        .await?;
                let catalog = Self::load_catalog(tx).await?;
                shared::sync_state(user, sessions, tokens, contacts, catalog, field_versions)
            }

            /// The server's channel catalog as of this transaction.
            async fn load_catalog(
                tx: &mut sqlx::Transaction<'static, <$store as BackendTypes>::Db>,
            ) -> Result<profile_domain::channel::Catalog, StoreError> {
                let changes: i64 = sqlx::query_scalar(shared::CATALOG_CHANGES)
                    .fetch_one(&mut **tx)
                    .await?;
                let added: Vec<String> = sqlx::query_scalar(shared::ADDED_CHANNELS)
                    .fetch_all(&mut **tx)
                    .await?;
                shared::catalog_of(changes, added)
            }

            /// Whether `pushed` issues a token whose id or hash another user's token has
            /// (the user's own are the domain's to refuse): never applied, never a failed
            /// push, and never a way to rewrite someone else's token.
            async fn token_taken_elsewhere(
                tx: &mut sqlx::Transaction<'static, <$store as BackendTypes>::Db>,
                pushed: &$crate::sync::PreparedMutation,
                user_id: &str,
            ) -> Result<bool, StoreError> {
                let Ok(profile_domain::Mutation::TokenCreate(create)) = &pushed.mutation else {
                    return Ok(false);
                };
                let taken: Option<(String,)> = sqlx::query_as(shared::TOKEN_TAKEN_ELSEWHERE)
                    .bind(create.token_id.to_string())
                    .bind(&create.sha256)
                    .bind(user_id)
                    .fetch_optional(&mut **tx)
                    .await?;
                Ok(taken.is_some())
            }

            /// Writes what applied mutations changed: the profile, tokens, the user's
            /// version and the field versions.
            async fn write_back(
                tx: &mut sqlx::Transaction<'static, <$store as BackendTypes>::Db>,
                user_id: &str,
                sync: &$crate::sync::SyncState,
                version_before: i64,
                written: &$crate::sync::Written,
                now: i64,
            ) -> Result<(), StoreError> {
                if written.profile {
                    let profile = sync.state.profile.as_ref().ok_or_else(|| {
                        StoreError::Corrupt("a profile change left no profile".into())
                    })?;
                    sqlx::query(shared::SET_PROFILE)
                        .bind(user_id)
                        .bind(&profile.name)
                        .bind(profile.language.code())
                        .bind(&profile.organization)
                        .bind(&profile.phone)
                        .bind(&profile.time_zone)
                        .bind(profile.avatar.as_ref().map(|a| a.sha256.as_str()))
                        .bind(profile.avatar.as_ref().map(|a| a.mime.as_str()))
                        .execute(&mut **tx)
                        .await?;
                }
                for id in &written.tokens {
                    match sync.state.tokens.get(id) {
                        Some(token) => {
                            let written = sqlx::query(shared::UPSERT_TOKEN)
                                .bind(token.id.to_string())
                                .bind(user_id)
                                .bind(&token.sha256)
                                .bind(&token.prefix)
                                .bind(token.scope.as_str())
                                .bind(&token.description)
                                .bind(token.created_at)
                                .bind(token.expires_at)
                                .bind(token.revoked_at)
                                .execute(&mut **tx)
                                .await?
                                .rows_affected();
                            if written != 1 {
                                return Err(StoreError::Corrupt(format!(
                                    "token {} belongs to another user",
                                    token.id
                                )));
                            }
                        }
                        None => {
                            sqlx::query(shared::DELETE_TOKEN)
                                .bind(id.to_string())
                                .bind(user_id)
                                .execute(&mut **tx)
                                .await?;
                        }
                    }
                }
                for id in &written.contacts {
                    match sync.state.contacts.get(id) {
                        Some(contact) => {
                            let written = sqlx::query(shared::UPSERT_CONTACT)
                                .bind(contact.id.to_string())
                                .bind(user_id)
                                .bind(&contact.channel)
                                .bind(&contact.value)
                                .bind(super::flag(contact.enabled))
                                .bind(super::flag(contact.preferred))
                                .bind(contact.created_at)
                                .bind(contact.updated_at)
                                .execute(&mut **tx)
                                .await?
                                .rows_affected();
                            if written != 1 {
                                return Err(StoreError::Corrupt(format!(
                                    "contact {} belongs to another user",
                                    contact.id
                                )));
                            }
                        }
                        None => {
                            sqlx::query(shared::DELETE_CONTACT)
                                .bind(id.to_string())
                                .bind(user_id)
                                .execute(&mut **tx)
                                .await?;
                        }
                    }
                }
                if sync.version != version_before {
                    sqlx::query(shared::SET_VERSION)
                        .bind(user_id)
                        .bind(sync.version)
                        .bind(now)
                        .execute(&mut **tx)
                        .await?;
                }
                for field in &written.fields {
                    if let Some((version, by)) = sync.field_versions.get(*field) {
                        sqlx::query(shared::SET_FIELD_VERSION)
                            .bind(user_id)
                            .bind(*field)
                            .bind(*version)
                            .bind(by.to_string())
                            .execute(&mut **tx)
                            .await?;
                    }
                }
                Ok(())
            }

            /// Locks the active session `id` (first, by the lock order); returns its user.
            async fn lock_active_session(
                tx: &mut sqlx::Transaction<'static, <$store as BackendTypes>::Db>,
                id: &str,
            ) -> Result<String, StoreError> {
                let row: Option<(String, Option<i64>)> = sqlx::query_as(Self::LOCK_SESSION)
                    .bind(id)
                    .fetch_optional(&mut **tx)
                    .await?;
                match row {
                    Some((user_id, None)) => Ok(user_id),
                    _ => Err(StoreError::SessionEnded),
                }
            }

            /// Locks the active sessions of the user with `email_key`, then the user; returns
            /// the user's id.
            async fn lock_user_and_sessions(
                tx: &mut sqlx::Transaction<'static, <$store as BackendTypes>::Db>,
                email_key: &str,
            ) -> Result<String, StoreError> {
                let id: String = sqlx::query_scalar(shared::USER_ID_BY_EMAIL_KEY)
                    .bind(email_key)
                    .fetch_optional(&mut **tx)
                    .await?
                    .ok_or(StoreError::UserNotFound)?;
                sqlx::query(Self::LOCK_USER_SESSIONS)
                    .bind(&id)
                    .fetch_all(&mut **tx)
                    .await?;
                sqlx::query(Self::LOCK_USER)
                    .bind(&id)
                    .fetch_optional(&mut **tx)
                    .await?;
                Ok(id)
            }
        }
    };
}

pub(super) use impl_store;

/// The sqlx database type a store type runs on (lets the macro name its transactions).
pub(super) trait BackendTypes {
    /// The sqlx database.
    type Db: sqlx::Database;
}
