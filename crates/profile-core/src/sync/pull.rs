//! Taking a pull's answer into the store, in one transaction: the synced tables replaced by
//! the snapshot, acknowledged outbox rows dropped, what is still pending re-applied on top,
//! refusals and conflicts kept to show.

use crate::db::Database;
use crate::error::CoreError;
use crate::mutation::local;
use crate::synced;
use crate::tables;
use profile_domain::mutation::{ApplyCtx, Blob, Change, Mutation};
use profile_domain::sync::{
    Conflict, MutationResult, MutationStatus, PullResponse, PushResponse, Snapshot,
};

/// Applies `response` for the sync client `client_id`; returns how many mutations are
/// still pending.
pub(super) async fn apply(
    db: &Database,
    client_id: &str,
    response: PullResponse,
    blob: Option<Blob>,
    now_ms: i64,
) -> Result<usize, CoreError> {
    let mut tx = db.begin_write().await?;
    keep_rejections(&mut tx, client_id, &response.results).await?;
    sqlx::query("DELETE FROM outbox WHERE client_id = ? AND seq <= ?")
        .bind(client_id)
        .bind(response.last_seq)
        .execute(&mut *tx)
        .await?;
    if let Some(catalog) = &response.catalog {
        keep_catalog(&mut tx, catalog).await?;
    }
    if let Some(snapshot) = response.snapshot {
        replace_synced(&mut tx, snapshot, blob).await?;
        rebase(&mut tx, client_id, now_ms).await?;
    }
    for conflict in &response.conflicts {
        keep_conflict(&mut tx, conflict, conflict.overwritten_by).await?;
    }
    sqlx::query(
        "UPDATE sync_client SET cookie = MAX(cookie, ?), acked_seq = MAX(acked_seq, ?) \
         WHERE id = 1",
    )
    .bind(response.cookie)
    .bind(response.last_seq)
    .execute(&mut *tx)
    .await?;
    local::sign_out_if_ended(&mut tx).await?;
    let pending: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE client_id = ? AND state = 'pending'")
            .bind(client_id)
            .fetch_one(&mut *tx)
            .await?;
    tx.commit().await?;
    Ok(usize::try_from(pending).unwrap_or(0))
}

/// Keeps the catalog the linked server sent, as that server's.
pub(crate) async fn keep_catalog(
    conn: &mut sqlx::SqliteConnection,
    catalog: &profile_domain::channel::Catalog,
) -> Result<(), CoreError> {
    if let Some(server) = local::server_url(conn).await? {
        crate::contacts::catalog::keep(conn, &server, catalog).await?;
    }
    Ok(())
}

/// Keeps `conflict` to show, as one that overwrote `owner`'s value (once: a conflict pulled
/// again is not doubled).
pub(crate) async fn keep_conflict(
    conn: &mut sqlx::SqliteConnection,
    conflict: &Conflict,
    owner: Option<uuid::Uuid>,
) -> Result<(), CoreError> {
    sqlx::query(
        "INSERT INTO sync_conflict (id, field, overwritten, applied, by_session, at, \
         overwritten_by) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
    )
    .bind(conflict.id.to_string())
    .bind(&conflict.field)
    .bind(conflict.overwritten.to_string())
    .bind(conflict.applied.to_string())
    .bind(conflict.by_session.to_string())
    .bind(conflict.at)
    .bind(owner.map(|id| id.to_string()))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Takes a push's answer: refusals kept beside their mutation, and every row the server
/// has processed (applied or refused) out of the outbox, in one transaction.
pub(super) async fn acknowledge(
    db: &Database,
    client_id: &str,
    response: &PushResponse,
) -> Result<(), CoreError> {
    let mut tx = db.begin_write().await?;
    keep_rejections(&mut tx, client_id, &response.results).await?;
    sqlx::query("DELETE FROM outbox WHERE client_id = ? AND seq <= ?")
        .bind(client_id)
        .bind(response.last_seq)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE sync_client SET acked_seq = MAX(acked_seq, ?) WHERE id = 1")
        .bind(response.last_seq)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Copies the refused mutations (still in the outbox) beside their refusal.
async fn keep_rejections(
    conn: &mut sqlx::SqliteConnection,
    client_id: &str,
    results: &[MutationResult],
) -> Result<(), CoreError> {
    for result in results {
        if result.status != MutationStatus::Rejected {
            continue;
        }
        let params = profile_domain::error::stored_params(&result.params);
        sqlx::query(
            "INSERT INTO sync_rejection \
             (client_id, seq, mutation_id, name, payload, code, field, params) \
             SELECT client_id, seq, mutation_id, name, payload, ?, ?, ? FROM outbox \
             WHERE client_id = ? AND seq = ? ON CONFLICT DO NOTHING",
        )
        .bind(result.code.as_ref().map_or("internal", |c| c.as_str()))
        .bind(result.field.as_deref())
        .bind(params)
        .bind(client_id)
        .bind(result.seq)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Empties the synced tables and writes the snapshot into them (a password kept for a
/// local account of the same profile stays: it is device-local).
pub(crate) async fn replace_synced(
    conn: &mut sqlx::SqliteConnection,
    snapshot: Snapshot,
    blob: Option<Blob>,
) -> Result<(), CoreError> {
    // The credential of a local account refers to its profile; checked at commit, when
    // the profile of the same id is back.
    sqlx::query("PRAGMA defer_foreign_keys = ON")
        .execute(&mut *conn)
        .await?;
    for table in tables::SYNCED {
        sqlx::query(&format!("DELETE FROM {table}"))
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query("DELETE FROM credential WHERE profile_id <> ?")
        .bind(snapshot.profile.id.to_string())
        .execute(&mut *conn)
        .await?;
    let state = snapshot.into_state();
    let change = Change {
        profile: true,
        sessions: state.sessions.keys().copied().collect(),
        tokens: state.tokens.keys().copied().collect(),
        contacts: state.contacts.keys().copied().collect(),
        blob,
        ..Change::default()
    };
    synced::persist(conn, &state, &change).await
}

/// Re-applies this client's pending mutations on top of the fresh snapshot, in order. One
/// that no longer applies here stays queued: the server decides, and says so in a pull.
async fn rebase(
    conn: &mut sqlx::SqliteConnection,
    client_id: &str,
    now_ms: i64,
) -> Result<(), CoreError> {
    let rows: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT seq, name, payload FROM outbox WHERE client_id = ? AND state = 'pending' \
         ORDER BY seq",
    )
    .bind(client_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut state = synced::load(conn).await?;
    let catalog = crate::contacts::catalog::current(conn).await?;
    let ctx = ApplyCtx::device(local::current_session(conn).await?, now_ms).with_catalog(&catalog);
    for (seq, name, payload) in rows {
        let mutation = Mutation::decode(&name, &payload)
            .map_err(|e| CoreError::Corrupt(format!("outbox {seq}: {e}")))?;
        match mutation.apply(&mut state, &ctx) {
            Ok(change) => synced::persist(conn, &state, &change).await?,
            Err(refusal) => {
                tracing::debug!(seq, code = %refusal.code, "a pending change no longer applies here");
            }
        }
    }
    Ok(())
}

/// This device's session has ended: what it had not pushed is sealed (shown after the next
/// sign-in to re-submit or drop), and it is signed out.
pub(super) async fn seal_and_sign_out(db: &Database, client_id: &str) -> Result<(), CoreError> {
    let mut tx = db.begin_write().await?;
    sqlx::query("UPDATE outbox SET state = 'sealed' WHERE client_id = ? AND state = 'pending'")
        .bind(client_id)
        .execute(&mut *tx)
        .await?;
    // Only if the device is still signed in with that session (not with a newer one).
    sqlx::query(
        "UPDATE device SET current_session_id = NULL, last_active_at = NULL \
         WHERE id = 1 AND current_session_id = ?",
    )
    .bind(client_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}
