//! The synced tables as one [`UserState`]: loaded whole before a change, and written back
//! row by row as the [`Change`] says.

use crate::error::CoreError;
use profile_domain::device::DeviceInfo;
use profile_domain::language::Language;
use profile_domain::mutation::{Blob, Change};
use profile_domain::state::{
    AvatarRef, ContactRecord, Credential, EndReason, ProfileRecord, SessionRecord, TokenRecord,
    UserState,
};
use profile_domain::token::TokenScope;
use sqlx::SqliteConnection;
use uuid::Uuid;

fn id(text: &str, what: &str) -> Result<Uuid, CoreError> {
    Uuid::parse_str(text).map_err(|e| CoreError::Corrupt(format!("{what}: {e}")))
}

type ProfileRow = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    i64,
    i64,
);

type TokenRow = (
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

type ContactRow = (String, String, String, bool, bool, i64, i64);

type SessionRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    i64,
    i64,
    Option<i64>,
    Option<String>,
);

/// The user's whole synced state on this device (and the local account's password).
pub(crate) async fn load(conn: &mut SqliteConnection) -> Result<UserState, CoreError> {
    let row: Option<ProfileRow> = sqlx::query_as(
        "SELECT id, name, language, email, organization, phone, time_zone, avatar_sha256, \
         avatar_mime, created_at, updated_at FROM profile ORDER BY created_at LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await?;
    let profile = row
        .map(|r| -> Result<ProfileRecord, CoreError> {
            Ok(ProfileRecord {
                id: id(&r.0, "profile id")?,
                name: r.1,
                language: Language::parse(&r.2)
                    .map_err(|_| CoreError::Corrupt(format!("profile language {:?}", r.2)))?,
                email: r.3,
                organization: r.4,
                phone: r.5,
                time_zone: r.6,
                avatar: r
                    .7
                    .zip(r.8)
                    .map(|(sha256, mime)| AvatarRef { sha256, mime }),
                created_at: r.9,
                updated_at: r.10,
            })
        })
        .transpose()?;
    let credential = match &profile {
        Some(p) => sqlx::query_as::<_, (String, i64)>(
            "SELECT password_hash, password_version FROM credential WHERE profile_id = ?",
        )
        .bind(p.id.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .map(|(password_hash, password_version)| Credential {
            password_hash,
            password_version,
        }),
        None => None,
    };
    let rows: Vec<SessionRow> = sqlx::query_as(
        "SELECT id, device_name, os, app_version, address, started_at, last_active_at, \
         ended_at, end_reason FROM session",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut sessions = std::collections::BTreeMap::new();
    for r in rows {
        let session_id = id(&r.0, "session id")?;
        let end_reason =
            r.8.as_deref()
                .map(|reason| {
                    EndReason::parse(reason)
                        .ok_or_else(|| CoreError::Corrupt(format!("session end reason {reason:?}")))
                })
                .transpose()?;
        sessions.insert(
            session_id,
            SessionRecord {
                id: session_id,
                device: DeviceInfo {
                    device_name: r.1,
                    os: r.2,
                    app_version: r.3,
                },
                address: r.4,
                started_at: r.5,
                last_active_at: r.6,
                ended_at: r.7,
                end_reason,
            },
        );
    }
    let rows: Vec<TokenRow> = sqlx::query_as(
        "SELECT id, sha256, prefix, scope, description, created_at, expires_at, revoked_at, \
         last_used_at, last_used_address FROM api_token",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut tokens = std::collections::BTreeMap::new();
    for r in rows {
        let token_id = id(&r.0, "token id")?;
        let scope = TokenScope::parse(&r.3)
            .ok_or_else(|| CoreError::Corrupt(format!("token scope {:?}", r.3)))?;
        tokens.insert(
            token_id,
            TokenRecord {
                id: token_id,
                sha256: r.1,
                prefix: r.2,
                scope,
                description: r.4,
                created_at: r.5,
                expires_at: r.6,
                revoked_at: r.7,
                last_used_at: r.8,
                last_used_address: r.9,
            },
        );
    }
    let rows: Vec<ContactRow> = sqlx::query_as(
        "SELECT id, channel, value, enabled, preferred, created_at, updated_at FROM contact",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut contacts = std::collections::BTreeMap::new();
    for r in rows {
        let contact_id = id(&r.0, "contact id")?;
        contacts.insert(
            contact_id,
            ContactRecord {
                id: contact_id,
                channel: r.1,
                value: r.2,
                enabled: r.3,
                preferred: r.4,
                created_at: r.5,
                updated_at: r.6,
            },
        );
    }
    Ok(UserState {
        profile,
        credential,
        sessions,
        tokens,
        contacts,
    })
}

/// Writes what `change` says changed in `state`, inside the caller's transaction.
pub(crate) async fn persist(
    conn: &mut SqliteConnection,
    state: &UserState,
    change: &Change,
) -> Result<(), CoreError> {
    if let Some(blob) = &change.blob {
        store_blob(conn, blob).await?;
    }
    let profile = state.profile.as_ref();
    if change.profile {
        let p = profile.ok_or(CoreError::ProfileMissing)?;
        sqlx::query(
            "INSERT INTO profile (id, name, language, email, organization, phone, time_zone, \
             avatar_sha256, avatar_mime, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) \
             ON CONFLICT (id) DO UPDATE SET name = ?2, language = ?3, email = ?4, \
             organization = ?5, phone = ?6, time_zone = ?7, avatar_sha256 = ?8, \
             avatar_mime = ?9, avatar = NULL, updated_at = ?11",
        )
        .bind(p.id.to_string())
        .bind(&p.name)
        .bind(p.language.code())
        .bind(p.email.as_deref())
        .bind(p.organization.as_deref())
        .bind(p.phone.as_deref())
        .bind(&p.time_zone)
        .bind(p.avatar.as_ref().map(|a| a.sha256.as_str()))
        .bind(p.avatar.as_ref().map(|a| a.mime.as_str()))
        .bind(p.created_at)
        .bind(p.updated_at)
        .execute(&mut *conn)
        .await?;
    }
    if change.credential {
        let (p, c) = profile
            .zip(state.credential.as_ref())
            .ok_or(CoreError::ProfileMissing)?;
        sqlx::query(
            "INSERT INTO credential (profile_id, password_hash, password_version) \
             VALUES (?1, ?2, ?3) ON CONFLICT (profile_id) DO UPDATE SET \
             password_hash = ?2, password_version = ?3",
        )
        .bind(p.id.to_string())
        .bind(&c.password_hash)
        .bind(c.password_version)
        .execute(&mut *conn)
        .await?;
    }
    for session_id in &change.sessions {
        let s = state
            .sessions
            .get(session_id)
            .ok_or_else(|| CoreError::Corrupt("a changed session is not in the state".into()))?;
        let p = profile.ok_or(CoreError::ProfileMissing)?;
        // Only new sessions and newly ended ones are ever written: the store's trigger
        // refuses any rewrite of how a session ended.
        sqlx::query(
            "INSERT INTO session (id, profile_id, device_name, os, app_version, address, \
             started_at, last_active_at, ended_at, end_reason) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) \
             ON CONFLICT (id) DO UPDATE SET ended_at = ?9, end_reason = ?10",
        )
        .bind(s.id.to_string())
        .bind(p.id.to_string())
        .bind(&s.device.device_name)
        .bind(&s.device.os)
        .bind(&s.device.app_version)
        .bind(s.address.as_deref())
        .bind(s.started_at)
        .bind(s.last_active_at)
        .bind(s.ended_at)
        .bind(s.end_reason.map(EndReason::as_str))
        .execute(&mut *conn)
        .await?;
    }
    for token_id in &change.tokens {
        persist_token(conn, state, *token_id).await?;
    }
    for contact_id in &change.contacts {
        persist_contact(conn, state, *contact_id).await?;
    }
    Ok(())
}

/// Writes contact `contact_id` as `state` has it, or deletes it when `state` no longer does.
async fn persist_contact(
    conn: &mut SqliteConnection,
    state: &UserState,
    contact_id: Uuid,
) -> Result<(), CoreError> {
    let Some(c) = state.contacts.get(&contact_id) else {
        sqlx::query("DELETE FROM contact WHERE id = ?")
            .bind(contact_id.to_string())
            .execute(&mut *conn)
            .await?;
        return Ok(());
    };
    let p = state.profile.as_ref().ok_or(CoreError::ProfileMissing)?;
    sqlx::query(
        "INSERT INTO contact (id, profile_id, channel, value, enabled, preferred, created_at, \
         updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
         ON CONFLICT (id) DO UPDATE SET value = ?4, enabled = ?5, preferred = ?6, \
         updated_at = ?8",
    )
    .bind(c.id.to_string())
    .bind(p.id.to_string())
    .bind(&c.channel)
    .bind(&c.value)
    .bind(c.enabled)
    .bind(c.preferred)
    .bind(c.created_at)
    .bind(c.updated_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Writes token `token_id` as `state` has it, or deletes it when `state` no longer does.
async fn persist_token(
    conn: &mut SqliteConnection,
    state: &UserState,
    token_id: Uuid,
) -> Result<(), CoreError> {
    let Some(t) = state.tokens.get(&token_id) else {
        sqlx::query("DELETE FROM api_token WHERE id = ?")
            .bind(token_id.to_string())
            .execute(&mut *conn)
            .await?;
        return Ok(());
    };
    let p = state.profile.as_ref().ok_or(CoreError::ProfileMissing)?;
    sqlx::query(
        "INSERT INTO api_token (id, profile_id, sha256, prefix, scope, description, created_at, \
         expires_at, revoked_at, last_used_at, last_used_address) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) \
         ON CONFLICT (id) DO UPDATE SET description = ?6, expires_at = ?8, revoked_at = ?9, \
         last_used_at = ?10, last_used_address = ?11",
    )
    .bind(t.id.to_string())
    .bind(p.id.to_string())
    .bind(&t.sha256)
    .bind(&t.prefix)
    .bind(t.scope.as_str())
    .bind(&t.description)
    .bind(t.created_at)
    .bind(t.expires_at)
    .bind(t.revoked_at)
    .bind(t.last_used_at)
    .bind(t.last_used_address.as_deref())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Keeps `blob` under its hash (once: the same picture set twice is stored once).
async fn store_blob(conn: &mut SqliteConnection, blob: &Blob) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO avatar_blob (sha256, mime, bytes) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
    )
    .bind(&blob.sha256)
    .bind(&blob.mime)
    .bind(&blob.bytes)
    .execute(conn)
    .await?;
    Ok(())
}

/// Moves avatars stored inline by versions before 0004 into `avatar_blob`, named by hash.
pub(crate) async fn adopt_inline_avatars(conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    let rows: Vec<(String, Vec<u8>, String)> = sqlx::query_as(
        "SELECT id, avatar, avatar_mime FROM profile WHERE avatar IS NOT NULL AND avatar_mime IS NOT NULL",
    )
    .fetch_all(&mut *conn)
    .await?;
    for (profile_id, bytes, mime) in rows {
        let blob = Blob::new(&mime, bytes);
        store_blob(conn, &blob).await?;
        sqlx::query("UPDATE profile SET avatar_sha256 = ?, avatar = NULL WHERE id = ?")
            .bind(&blob.sha256)
            .bind(&profile_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
