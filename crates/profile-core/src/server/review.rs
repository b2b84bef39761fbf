//! What sync left for the person to decide: changes sealed when a session ended (re-submit
//! or drop), changes the server refused (shown with the reason), and values another device
//! overwrote («Use mine» or «Keep theirs»). Nothing is dropped without the person's say.

use crate::db::Database;
use crate::env::Env;
use crate::error::{CoreError, ErrorCode, ValidationError};
use crate::language::Language;
use crate::mutation::Mutation;
use crate::outbox;
use crate::security::SignedIn;
use crate::store::ProfileChanges;
use crate::synced;
use profile_domain::mutation::ApplyCtx;
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

/// A change as the review lists show it: its mutation and arguments (pictures left out).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeView {
    /// The mutation's id.
    pub id: String,
    /// The mutation's name, e.g. `profile.set`.
    pub name: String,
    /// Its arguments, without picture bytes.
    pub args: Value,
    /// When it was made here, ms since the epoch (sealed changes).
    pub made_at: Option<i64>,
    /// The same, written out in the profile's zone and the reader's language.
    pub made_text: Option<String>,
    /// Why the server refused it (refused changes).
    pub code: Option<String>,
    /// The field the refusal names.
    pub field: Option<String>,
    /// Values the refusal's translated message interpolates, e.g. `{"max": 100}`.
    pub params: Value,
}

/// A value of this device's that another device overwrote.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConflictView {
    /// Its id.
    pub id: String,
    /// The profile field, e.g. `name`.
    pub field: String,
    /// This device's value, which was overwritten (`null` when empty).
    pub mine: Value,
    /// The value that replaced it.
    pub theirs: Value,
    /// When, ms since the epoch.
    pub at: i64,
    /// The same, written out in the profile's zone and the reader's language.
    pub at_text: String,
    /// The device that overwrote it, as its session names it.
    pub device: Option<String>,
}

/// Everything waiting for the person's decision.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Review {
    /// Changes sealed when their session ended.
    pub sealed: Vec<ChangeView>,
    /// Changes the server refused.
    pub refused: Vec<ChangeView>,
    /// Overwritten values.
    pub conflicts: Vec<ConflictView>,
}

/// A refused change's row: id, name, payload, code, field, params.
type RefusedRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
);

/// The arguments without picture bytes (they are large and mean nothing as text).
fn shown_args(payload: &str) -> Value {
    let mut args: Value = serde_json::from_str(payload).unwrap_or(Value::Null);
    if let Some(object) = args.as_object_mut() {
        object.remove("image");
    }
    args
}

/// The review lists of the store `db`, and the decisions on them.
#[derive(Debug, Clone)]
pub struct SyncReview {
    db: Database,
    env: Env,
}

impl SyncReview {
    /// The review of the store `db`.
    pub fn new(db: Database, env: Env) -> Self {
        Self { db, env }
    }

    /// What waits for a decision. Conflicts show on the device whose value was lost (all
    /// devices but the overwriting one when the server does not say whose it was).
    pub async fn list(&self, me: &SignedIn, language: Language) -> Result<Review, CoreError> {
        let zone = crate::time_zone::parse_zone(&me.profile().await?.time_zone)?;
        let text = |ms| crate::time_zone::format_datetime(ms, zone, language);
        let client: Option<String> =
            sqlx::query_scalar("SELECT client_id FROM sync_client WHERE id = 1")
                .fetch_one(self.db.pool())
                .await?;
        let sealed: Vec<(String, String, String, i64)> = sqlx::query_as(
            "SELECT mutation_id, name, payload, created_at FROM outbox \
             WHERE state = 'sealed' ORDER BY id",
        )
        .fetch_all(self.db.pool())
        .await?;
        let refused: Vec<RefusedRow> = sqlx::query_as(
            "SELECT mutation_id, name, payload, code, field, params FROM sync_rejection \
             ORDER BY client_id, seq",
        )
        .fetch_all(self.db.pool())
        .await?;
        let conflicts: Vec<(String, String, String, String, i64, Option<String>)> = sqlx::query_as(
            "SELECT c.id, c.field, c.overwritten, c.applied, c.at, s.device_name \
                 FROM sync_conflict c LEFT JOIN session s ON s.id = c.by_session \
                 WHERE CASE WHEN c.overwritten_by IS NULL THEN c.by_session IS NOT ?1 \
                 ELSE c.overwritten_by = ?1 END ORDER BY c.at",
        )
        .bind(client)
        .fetch_all(self.db.pool())
        .await?;
        let json = |text: &str| serde_json::from_str(text).unwrap_or(Value::Null);
        Ok(Review {
            sealed: sealed
                .into_iter()
                .map(|(id, name, payload, made_at)| ChangeView {
                    id,
                    name,
                    args: shown_args(&payload),
                    made_at: Some(made_at),
                    made_text: Some(text(made_at)),
                    code: None,
                    field: None,
                    params: Value::Object(Default::default()),
                })
                .collect(),
            refused: refused
                .into_iter()
                .map(|(id, name, payload, code, field, params)| ChangeView {
                    id,
                    name,
                    args: shown_args(&payload),
                    made_at: None,
                    made_text: None,
                    code: Some(code),
                    field,
                    params: params
                        .as_deref()
                        .and_then(|p| serde_json::from_str(p).ok())
                        .unwrap_or_else(|| Value::Object(Default::default())),
                })
                .collect(),
            conflicts: conflicts
                .into_iter()
                .map(|(id, field, mine, theirs, at, device)| ConflictView {
                    id,
                    field,
                    mine: json(&mine),
                    theirs: json(&theirs),
                    at,
                    at_text: text(at),
                    device,
                })
                .collect(),
        })
    }

    /// Sends a sealed change again, as a change of the session signed in now (same id, so
    /// the server never applies it twice).
    pub async fn resubmit(&self, me: &SignedIn, mutation_id: Uuid) -> Result<(), CoreError> {
        me.profile().await?;
        let mut tx = self.db.begin_write().await?;
        let row: Option<(String, String)> = sqlx::query_as(
            "SELECT name, payload FROM outbox WHERE mutation_id = ? AND state = 'sealed'",
        )
        .bind(mutation_id.to_string())
        .fetch_optional(&mut *tx)
        .await?;
        let (name, payload) = row.ok_or_else(not_found)?;
        let mutation = Mutation::decode(&name, &payload)
            .map_err(|e| CoreError::Corrupt(format!("sealed change: {e}")))?
            .validated()?;
        let mut state = synced::load(&mut tx).await?;
        let catalog = crate::contacts::catalog::current(&mut tx).await?;
        let ctx = ApplyCtx::device(Some(me.session_id()), self.env.now_ms()).with_catalog(&catalog);
        let change = mutation.apply(&mut state, &ctx)?;
        synced::persist(&mut tx, &state, &change).await?;
        sqlx::query("DELETE FROM outbox WHERE mutation_id = ?")
            .bind(mutation_id.to_string())
            .execute(&mut *tx)
            .await?;
        outbox::append(&mut tx, mutation_id, &mutation, self.env.now_ms()).await?;
        tx.commit().await?;
        self.db.note_change();
        Ok(())
    }

    /// Drops a sealed change for good.
    pub async fn drop_sealed(&self, me: &SignedIn, mutation_id: Uuid) -> Result<(), CoreError> {
        me.profile().await?;
        self.delete(
            "DELETE FROM outbox WHERE mutation_id = ? AND state = 'sealed'",
            &mutation_id.to_string(),
        )
        .await
    }

    /// Takes a refused change off the list.
    pub async fn dismiss_refused(&self, me: &SignedIn, mutation_id: Uuid) -> Result<(), CoreError> {
        me.profile().await?;
        self.delete(
            "DELETE FROM sync_rejection WHERE mutation_id = ?",
            &mutation_id.to_string(),
        )
        .await
    }

    /// «Keep theirs»: the conflict is settled as it stands.
    pub async fn keep_theirs(&self, me: &SignedIn, conflict_id: Uuid) -> Result<(), CoreError> {
        me.profile().await?;
        self.delete(
            "DELETE FROM sync_conflict WHERE id = ?",
            &conflict_id.to_string(),
        )
        .await
    }

    /// «Use mine»: this device's value is written again as a new change.
    pub async fn use_mine(&self, me: &SignedIn, conflict_id: Uuid) -> Result<(), CoreError> {
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT field, overwritten FROM sync_conflict WHERE id = ?")
                .bind(conflict_id.to_string())
                .fetch_optional(self.db.pool())
                .await?;
        let (field, overwritten) = row.ok_or_else(not_found)?;
        let value: Value = serde_json::from_str(&overwritten)
            .map_err(|e| CoreError::Corrupt(format!("conflict value: {e}")))?;
        let text = value.as_str().unwrap_or_default().to_owned();
        let mut changes = ProfileChanges::default();
        match field.as_str() {
            "name" => changes.name = Some(text),
            "organization" => changes.organization = Some(text),
            "phone" => changes.phone = Some(text),
            "time_zone" => changes.time_zone = Some(text),
            "language" => changes.language = Some(Language::parse(&text)?),
            // The e-mail and the picture are not set from here.
            _ => return Err(not_found()),
        }
        me.update(changes).await?;
        self.keep_theirs(me, conflict_id).await
    }

    async fn delete(&self, sql: &str, id: &str) -> Result<(), CoreError> {
        let done = sqlx::query(sql).bind(id).execute(self.db.pool()).await?;
        if done.rows_affected() == 0 {
            return Err(not_found());
        }
        self.db.note_change();
        Ok(())
    }
}

fn not_found() -> CoreError {
    ValidationError::general(ErrorCode::SyncChangeNotFound).into()
}
