//! Making this device a server session's client, in one transaction: the server's snapshot
//! replaces the synced tables, and a local profile being linked is queued for upload as
//! ordinary mutations (DESIGN.md §6). Its password hash and its local history go.

use super::address::ServerAddress;
use super::secret::SecretStorage;
use crate::db::Database;
use crate::env::Env;
use crate::error::{CoreError, ErrorCode, ValidationError};
use crate::ids::new_id;
use crate::mutation::{AvatarSet, Mutation, ProfileSet};
use crate::outbox;
use crate::sync::pull;
use crate::synced;
use profile_domain::mutation::{ApplyCtx, Blob};
use profile_domain::state::ProfileRecord;
use profile_domain::sync::PullResponse;
use sqlx::SqliteConnection;
use uuid::Uuid;

/// What becomes of the profile this device already holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocalProfile {
    /// Its details and avatar are sent to the server account (the server validates them).
    Upload,
    /// The server account's profile replaces it.
    Replace,
}

/// The session this device was just given, and what the server holds.
pub(crate) struct Joined {
    pub session_id: Uuid,
    pub address: ServerAddress,
    pub storage: SecretStorage,
    pub first_pull: PullResponse,
    pub avatar: Option<Blob>,
}

/// Refuses to take in another account while this device keeps the previous account's
/// changes that wait for the person's say (unsent, refused or overwritten), unless the
/// person agreed to drop them: they would be gone without a word otherwise.
pub(crate) async fn check_unsent(
    db: &Database,
    first_pull: &PullResponse,
    discard: bool,
) -> Result<(), CoreError> {
    if discard {
        return Ok(());
    }
    let mut conn = db.pool().acquire().await?;
    if crate::mutation::local::server_url(&mut conn)
        .await?
        .is_none()
    {
        return Ok(());
    }
    let profile: Option<String> = sqlx::query_scalar("SELECT id FROM profile LIMIT 1")
        .fetch_optional(&mut *conn)
        .await?;
    let incoming = first_pull
        .snapshot
        .as_ref()
        .map(|s| s.profile.id.to_string());
    if profile.is_none() || profile == incoming {
        return Ok(());
    }
    let waiting: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM outbox WHERE client_id IS NOT NULL) \
         + (SELECT COUNT(*) FROM sync_rejection) + (SELECT COUNT(*) FROM sync_conflict)",
    )
    .fetch_one(&mut *conn)
    .await?;
    if waiting == 0 {
        return Ok(());
    }
    Err(
        ValidationError::new(ErrorCode::ServerOtherAccountUnsent, "email")
            .with("count", waiting)
            .into(),
    )
}

/// Takes `joined` into the store; returns how many changes were queued for upload.
pub(crate) async fn adopt(
    db: &Database,
    env: &Env,
    joined: Joined,
    local: LocalProfile,
) -> Result<usize, CoreError> {
    let now_ms = env.now_ms();
    let Some(snapshot) = joined.first_pull.snapshot else {
        return Err(CoreError::Corrupt("a first pull without a snapshot".into()));
    };
    let mut tx = db.begin_write().await?;
    let before = synced::load(&mut tx).await?;
    let linked_before = crate::mutation::local::server_url(&mut tx).await?;
    let server_profile = snapshot.profile.clone();
    let server_contacts = snapshot.contacts.clone();
    let same_profile = before
        .profile
        .as_ref()
        .is_some_and(|p| p.id == server_profile.id);
    // Uploading is for a local profile only: a server account's own copy on this device is
    // older than the server's, and its unsent changes are sealed rows to re-submit instead.
    let uploads = match (&before.profile, local) {
        (Some(mine), LocalProfile::Upload) if !same_profile && linked_before.is_none() => {
            let mut uploads = upload_mutations(&mut tx, mine, &server_profile).await?;
            let catalog = joined
                .first_pull
                .catalog
                .as_ref()
                .unwrap_or_else(|| profile_domain::channel::Catalog::built_in());
            uploads.extend(contact_uploads(&before, &server_contacts, catalog));
            uploads
        }
        _ => Vec::new(),
    };
    if same_profile {
        // Conflicts kept for this device's previous session are this device's still.
        let previous: Option<String> =
            sqlx::query_scalar("SELECT client_id FROM sync_client WHERE id = 1")
                .fetch_one(&mut *tx)
                .await?;
        sqlx::query("UPDATE sync_conflict SET overwritten_by = ? WHERE overwritten_by = ?")
            .bind(joined.session_id.to_string())
            .bind(&previous)
            .execute(&mut *tx)
            .await?;
        // Conflicts the server recorded since this device last pulled were never fetched;
        // those that overwrote its previous session's values are its to decide on.
        let seen: i64 = sqlx::query_scalar("SELECT cookie FROM sync_client WHERE id = 1")
            .fetch_one(&mut *tx)
            .await?;
        let missed =
            joined.first_pull.conflicts.iter().filter(|c| {
                c.version > seen && c.overwritten_by.map(|s| s.to_string()) == previous
            });
        for conflict in missed {
            pull::keep_conflict(&mut tx, conflict, Some(joined.session_id)).await?;
        }
        // The same account again: its unsent changes wait, sealed, for the person's say.
        sqlx::query("UPDATE outbox SET state = 'sealed' WHERE state = 'pending'")
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM outbox WHERE client_id IS NULL")
            .execute(&mut *tx)
            .await?;
    } else {
        // Another profile's history, refusals and conflicts mean nothing to this account.
        for table in ["outbox", "sync_rejection", "sync_conflict"] {
            sqlx::query(&format!("DELETE FROM {table}"))
                .execute(&mut *tx)
                .await?;
        }
    }
    // A server-linked device holds no password hash.
    sqlx::query("DELETE FROM credential")
        .execute(&mut *tx)
        .await?;
    pull::replace_synced(&mut tx, snapshot, joined.avatar).await?;
    sqlx::query(
        "UPDATE sync_client SET client_id = ?, next_seq = 1, cookie = ?, acked_seq = ? \
         WHERE id = 1",
    )
    .bind(joined.session_id.to_string())
    .bind(joined.first_pull.cookie)
    .bind(joined.first_pull.last_seq)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE device SET current_session_id = ?, server_url = ?, secret_storage = ?, \
         last_active_at = NULL, synced_at = ?, joining_session = NULL WHERE id = 1",
    )
    .bind(joined.session_id.to_string())
    .bind(joined.address.as_str())
    .bind(joined.storage.as_str())
    .bind(now_ms)
    .execute(&mut *tx)
    .await?;
    if let Some(catalog) = &joined.first_pull.catalog {
        pull::keep_catalog(&mut tx, catalog).await?;
    }
    let queued = queue(&mut tx, env, joined.session_id, uploads).await?;
    tx.commit().await?;
    db.note_change();
    Ok(queued)
}

/// The local profile's details and avatar that differ from the server's, as mutations of
/// the server's profile. Empty local fields leave the server's as they are (nothing is
/// lost either way), and the e-mail stays the account's: it is its sign-in name.
async fn upload_mutations(
    conn: &mut SqliteConnection,
    mine: &ProfileRecord,
    server: &ProfileRecord,
) -> Result<Vec<Mutation>, CoreError> {
    let differs = |local: &Option<String>, remote: &Option<String>| match local {
        Some(value) if Some(value) != remote.as_ref() => Some(value.clone()),
        _ => None,
    };
    let blank = ProfileSet {
        profile_id: server.id,
        ..ProfileSet::default()
    };
    // One change per field: one that today's rules refuse does not take the others along.
    let sets = [
        ProfileSet {
            name: (mine.name != server.name).then(|| mine.name.clone()),
            ..blank.clone()
        },
        ProfileSet {
            language: (mine.language != server.language).then_some(mine.language),
            ..blank.clone()
        },
        ProfileSet {
            organization: differs(&mine.organization, &server.organization),
            ..blank.clone()
        },
        ProfileSet {
            phone: differs(&mine.phone, &server.phone),
            ..blank.clone()
        },
        ProfileSet {
            time_zone: (mine.time_zone != server.time_zone).then(|| mine.time_zone.clone()),
            ..blank.clone()
        },
    ];
    let mut mutations: Vec<Mutation> = sets
        .into_iter()
        .filter(|set| *set != blank)
        .map(Mutation::ProfileSet)
        .collect();
    if let Some(avatar) = &mine.avatar {
        let on_server = server.avatar.as_ref().map(|a| a.sha256.as_str());
        if on_server != Some(avatar.sha256.as_str()) {
            let bytes: Option<Vec<u8>> =
                sqlx::query_scalar("SELECT bytes FROM avatar_blob WHERE sha256 = ?")
                    .bind(&avatar.sha256)
                    .fetch_optional(&mut *conn)
                    .await?;
            match bytes {
                Some(image) => mutations.push(Mutation::AvatarSet(AvatarSet {
                    profile_id: server.id,
                    mime: avatar.mime.clone(),
                    image,
                })),
                None => tracing::warn!("the local avatar's picture is missing: not uploaded"),
            }
        }
    }
    Ok(mutations)
}

/// The local profile's notification contacts the server's account lacks (the same channel
/// and the same contact by its kind's rule), as new contacts of it; the server's catalog
/// decides whether each is taken.
fn contact_uploads(
    before: &profile_domain::state::UserState,
    server: &[profile_domain::state::ContactRecord],
    catalog: &profile_domain::channel::Catalog,
) -> Vec<Mutation> {
    let same = |channel: &str, a: &str, b: &str| match catalog.channel(channel) {
        Some(known) => known.kind.same(a, b),
        None => a == b,
    };
    let mut mine: Vec<_> = before.contacts.values().collect();
    mine.sort_by_key(|c| (c.created_at, c.id));
    mine.into_iter()
        .filter(|c| {
            !server
                .iter()
                .any(|s| s.channel == c.channel && same(&c.channel, &s.value, &c.value))
        })
        .map(|c| {
            Mutation::ContactUpsert(profile_domain::mutation::ContactUpsert {
                contact_id: c.id,
                channel: c.channel.clone(),
                value: c.value.clone(),
                enabled: c.enabled,
                preferred: c.preferred,
                create: true,
            })
        })
        .collect()
}

/// Applies `mutations` on top of the fresh snapshot and appends them to the outbox of the
/// new session. One the local rules refuse is left out (logged): the rest still goes.
async fn queue(
    conn: &mut SqliteConnection,
    env: &Env,
    session_id: Uuid,
    mutations: Vec<Mutation>,
) -> Result<usize, CoreError> {
    let now_ms = env.now_ms();
    let mut state = synced::load(conn).await?;
    let catalog = crate::contacts::catalog::current(conn).await?;
    let ctx = ApplyCtx::device(Some(session_id), now_ms).with_catalog(&catalog);
    let mut queued = 0;
    let mut refused = 0;
    for mutation in mutations {
        let applied = mutation
            .clone()
            .validated()
            .and_then(|valid| Ok((valid.apply(&mut state, &ctx)?, valid)));
        match applied {
            Ok((change, valid)) => {
                synced::persist(conn, &state, &change).await?;
                outbox::append(conn, new_id(env), &valid, now_ms).await?;
                queued += 1;
            }
            Err(err) => {
                // Refused here, before sending (a detail an older version let through): the
                // review lists it with its reason, like a refusal of the server. Numbered
                // below zero, where no pushed change is.
                refused += 1;
                tracing::warn!(code = %err.code, "a local detail was not uploaded");
                record_refusal(conn, env, session_id, -refused, &mutation, &err).await?;
            }
        }
    }
    Ok(queued)
}

/// Keeps a change refused before it was sent beside its reason, for the review.
async fn record_refusal(
    conn: &mut SqliteConnection,
    env: &Env,
    session_id: Uuid,
    seq: i64,
    mutation: &Mutation,
    err: &crate::error::ValidationError,
) -> Result<(), CoreError> {
    let payload = serde_json::to_string(&mutation.args())
        .map_err(|e| CoreError::Corrupt(format!("cannot encode mutation: {e}")))?;
    let params = profile_domain::error::stored_params(&err.params);
    sqlx::query(
        "INSERT INTO sync_rejection \
         (client_id, seq, mutation_id, name, payload, code, field, params) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(session_id.to_string())
    .bind(seq)
    .bind(new_id(env).to_string())
    .bind(mutation.name())
    .bind(payload)
    .bind(err.code.as_str())
    .bind(err.field)
    .bind(params)
    .execute(conn)
    .await?;
    Ok(())
}
