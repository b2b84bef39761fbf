//! The outbox: mutations applied here and not yet acknowledged by a server.

use crate::error::CoreError;
use crate::mutation::Mutation;
use serde::Serialize;
use sqlx::SqliteConnection;
use uuid::Uuid;

/// One pending mutation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxEntry {
    /// Position in this device's sequence (1, 2, 3 …).
    pub seq: i64,
    /// The mutation's UUIDv7.
    pub mutation_id: Uuid,
    /// The mutation itself.
    pub mutation: Mutation,
    /// When it was made, ms since the epoch.
    pub created_at: i64,
}

/// Appends `mutation` to the outbox inside the caller's transaction; returns its `seq`.
pub(crate) async fn append(
    conn: &mut SqliteConnection,
    mutation_id: Uuid,
    mutation: &Mutation,
    now_ms: i64,
) -> Result<i64, CoreError> {
    // Numbered in the sequence of the sync client the row is for (DESIGN.md §6).
    let (seq, client_id, cookie): (i64, Option<String>, i64) = sqlx::query_as(
        "UPDATE sync_client SET next_seq = next_seq + 1 WHERE id = 1 \
         RETURNING next_seq - 1, client_id, cookie",
    )
    .fetch_one(&mut *conn)
    .await?;
    let payload = serde_json::to_string(&mutation.args())
        .map_err(|e| CoreError::Corrupt(format!("cannot encode mutation: {e}")))?;
    sqlx::query(
        "INSERT INTO outbox (client_id, seq, mutation_id, name, payload, created_at, cookie) \
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(client_id)
    .bind(seq)
    .bind(mutation_id.to_string())
    .bind(mutation.name())
    .bind(payload)
    .bind(now_ms)
    .bind(cookie)
    .execute(&mut *conn)
    .await?;
    Ok(seq)
}

/// Every pending mutation, in `seq` order.
pub(crate) async fn pending(conn: &mut SqliteConnection) -> Result<Vec<OutboxEntry>, CoreError> {
    let rows: Vec<(i64, String, String, String, i64)> = sqlx::query_as(
        "SELECT seq, mutation_id, name, payload, created_at FROM outbox \
         WHERE state = 'pending' ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|(seq, id, name, payload, created_at)| {
            let mutation_id = Uuid::parse_str(&id)
                .map_err(|e| CoreError::Corrupt(format!("outbox {seq}: bad id: {e}")))?;
            let mutation = Mutation::decode(&name, &payload)
                .map_err(|e| CoreError::Corrupt(format!("outbox {seq}: {e}")))?;
            Ok(OutboxEntry {
                seq,
                mutation_id,
                mutation,
                created_at,
            })
        })
        .collect()
}

/// Whether a change to contact `contact_id` still waits to be pushed.
pub(crate) async fn contact_pending(
    conn: &mut SqliteConnection,
    contact_id: Uuid,
) -> Result<bool, CoreError> {
    let pending: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM outbox WHERE state = 'pending' AND name = 'contact.upsert' \
         AND json_extract(payload, '$.contact_id') = ?",
    )
    .bind(contact_id.to_string())
    .fetch_one(conn)
    .await?;
    Ok(pending > 0)
}
