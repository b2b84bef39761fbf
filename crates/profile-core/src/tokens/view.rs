//! Tokens as the API Access tab shows them: active ones, then withdrawn ones, with their
//! dates written in the profile's time zone and what still waits for the server.

use crate::error::CoreError;
use crate::language::Language;
use crate::time_zone::{format_date, format_datetime, parse_zone};
use profile_domain::token::{last_day, TokenScope, Withdrawal};
use serde::Serialize;
use sqlx::SqliteConnection;
use uuid::Uuid;

/// How long before it expires an active token is flagged (a banner says so).
pub const EXPIRY_WARNING_MS: i64 = 7 * 24 * 60 * 60 * 1000;

/// One token as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenView {
    /// Its id.
    pub id: Uuid,
    /// `acp_` and its first four random characters.
    pub prefix: String,
    /// `read` or `write`.
    pub scope: TokenScope,
    /// What it is for; may be empty.
    pub description: String,
    /// When it was issued, ms since the epoch.
    pub created_at: i64,
    /// When it was issued, written out.
    pub created_text: String,
    /// When it stops working; `None` for never.
    pub expires_at: Option<i64>,
    /// Its last day, written out (it stops working at that day's end).
    pub expires_text: Option<String>,
    /// Its last day (`YYYY-MM-DD` in the profile's zone), for the edit dialog.
    pub expires_on: Option<String>,
    /// When the server last saw it used.
    pub last_used_at: Option<i64>,
    /// When it was last used, written out.
    pub last_used_text: Option<String>,
    /// The address it was last used from.
    pub last_used_address: Option<String>,
    /// Why it no longer works, if it does not.
    pub withdrawn: Option<Withdrawal>,
    /// When it was withdrawn.
    pub withdrawn_at: Option<i64>,
    /// When it was withdrawn, written out.
    pub withdrawn_text: Option<String>,
    /// Issued here and not yet taken by the server: it does not open the API yet.
    pub activation_pending: bool,
    /// Revoked here and not yet taken by the server: it still opens the API until then.
    pub revoke_pending: bool,
    /// Edited here and not yet taken by the server.
    pub edit_pending: bool,
    /// Active and expiring within [`EXPIRY_WARNING_MS`].
    pub expires_soon: bool,
}

/// Every token, split as the tab shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenLists {
    /// Working tokens, newest first.
    pub active: Vec<TokenView>,
    /// Revoked or expired ones, most recently withdrawn first.
    pub withdrawn: Vec<TokenView>,
    /// The next moment a token moves between the lists or starts to warn, so the window
    /// can refresh then without a restart.
    pub next_change_at: Option<i64>,
    /// How long until then, ms, on this app's clock (the window's own clock may differ).
    pub next_change_in_ms: Option<i64>,
}

impl TokenLists {
    /// The token with `id`, in either list.
    pub fn find(self, id: Uuid) -> Option<TokenView> {
        self.active
            .into_iter()
            .chain(self.withdrawn)
            .find(|t| t.id == id)
    }
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: String,
    prefix: String,
    scope: String,
    description: String,
    created_at: i64,
    expires_at: Option<i64>,
    revoked_at: Option<i64>,
    last_used_at: Option<i64>,
    last_used_address: Option<String>,
    activation_pending: bool,
    revoke_pending: bool,
    edit_pending: bool,
}

/// Whether a pending change named `name` of this token waits in the outbox of a server link.
fn pending(name: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM outbox o WHERE o.state = 'pending' AND o.client_id IS NOT NULL \
         AND o.name = '{name}' AND json_extract(o.payload, '$.token_id') = t.id)"
    )
}

/// Every token at `now_ms`, dates in the profile's zone and `language`.
pub(super) async fn lists(
    conn: &mut SqliteConnection,
    now_ms: i64,
    language: Language,
) -> Result<TokenLists, CoreError> {
    let profile = crate::profile::load(&mut *conn)
        .await?
        .ok_or(CoreError::ProfileMissing)?;
    let zone = parse_zone(&profile.time_zone)?;
    let sql = format!(
        "SELECT t.id, t.prefix, t.scope, t.description, t.created_at, t.expires_at, \
         t.revoked_at, t.last_used_at, t.last_used_address, {} AS activation_pending, \
         {} AS revoke_pending, {} AS edit_pending FROM api_token t",
        pending("token.create"),
        pending("token.revoke"),
        pending("token.update"),
    );
    let rows: Vec<TokenRow> = sqlx::query_as(&sql).fetch_all(&mut *conn).await?;
    let text = |ms: i64| format_datetime(ms, zone, language);
    let (mut active, mut withdrawn) = (Vec::new(), Vec::new());
    let mut next_change_at: Option<i64> = None;
    for row in rows {
        let record = profile_domain::state::TokenRecord {
            id: Uuid::parse_str(&row.id)
                .map_err(|e| CoreError::Corrupt(format!("token id: {e}")))?,
            sha256: String::new(),
            prefix: row.prefix,
            scope: TokenScope::parse(&row.scope)
                .ok_or_else(|| CoreError::Corrupt(format!("token scope {:?}", row.scope)))?,
            description: row.description,
            created_at: row.created_at,
            expires_at: row.expires_at,
            revoked_at: row.revoked_at,
            last_used_at: row.last_used_at,
            last_used_address: row.last_used_address,
        };
        let out = record.withdrawn(now_ms);
        let expires_soon = out.is_none()
            && record
                .expires_at
                .is_some_and(|at| at - now_ms <= EXPIRY_WARNING_MS);
        if out.is_none() {
            for moment in record
                .expires_at
                .into_iter()
                .flat_map(|at| [at - EXPIRY_WARNING_MS, at])
                .filter(|&m| m > now_ms)
            {
                next_change_at = Some(next_change_at.map_or(moment, |n| n.min(moment)));
            }
        }
        let view = TokenView {
            id: record.id,
            prefix: record.prefix,
            scope: record.scope,
            description: record.description,
            created_at: record.created_at,
            created_text: text(record.created_at),
            expires_at: record.expires_at,
            // The day the person chose: the token stops at its end, the next day's start.
            expires_text: record
                .expires_at
                .map(|at| format_date(at - 1, zone, language)),
            expires_on: record.expires_at.and_then(|at| last_day(at, zone)),
            last_used_at: record.last_used_at,
            last_used_text: record.last_used_at.map(text),
            last_used_address: record.last_used_address,
            withdrawn: out.map(|(why, _)| why),
            withdrawn_at: out.map(|(_, at)| at),
            withdrawn_text: out.map(|(_, at)| text(at)),
            activation_pending: row.activation_pending,
            revoke_pending: row.revoke_pending,
            edit_pending: row.edit_pending,
            expires_soon,
        };
        if view.withdrawn.is_some() {
            withdrawn.push(view);
        } else {
            active.push(view);
        }
    }
    active.sort_by_key(|t| std::cmp::Reverse((t.created_at, t.id)));
    withdrawn.sort_by_key(|t| std::cmp::Reverse((t.withdrawn_at, t.id)));
    Ok(TokenLists {
        active,
        withdrawn,
        next_change_at,
        next_change_in_ms: next_change_at.map(|at| at - now_ms),
    })
}
