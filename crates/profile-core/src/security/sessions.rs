//! Sessions as read from the local store: each sign-in of a device is one.

use crate::error::CoreError;
use crate::language::Language;
use crate::time_zone::{format_datetime, ZoneId};
pub use profile_domain::device::DeviceInfo;
use serde::Serialize;
use sqlx::SqliteConnection;
use uuid::Uuid;

/// A session's id (UUIDv7).
pub type SessionId = Uuid;

/// One sign-in of a device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Session {
    /// Its id.
    pub id: SessionId,
    /// The device's name.
    pub device_name: String,
    /// The device's operating system.
    pub os: String,
    /// The app version that started it.
    pub app_version: String,
    /// The network address, where a server knows it.
    pub address: Option<String>,
    /// When it started, ms since the epoch.
    pub started_at: i64,
    /// When it was last used, ms since the epoch.
    pub last_active_at: i64,
    /// When it ended, if it has.
    pub ended_at: Option<i64>,
    /// Why it ended: `ended` or `password_changed`.
    pub end_reason: Option<String>,
    /// Whether it is this device's signed-in session.
    pub is_current: bool,
    /// Ended here, and the server has not taken the end yet (a linked device offline).
    pub end_pending: bool,
}

impl Session {
    /// Whether it has not ended.
    pub fn is_active(&self) -> bool {
        self.ended_at.is_none()
    }
}

/// A session as the Sessions tab shows it: its dates also written out in the user's
/// time zone and language, for the exact time beside the relative one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionView {
    /// The session itself.
    #[serde(flatten)]
    pub session: Session,
    /// When it started, e.g. `Nov 29, 2026, 9:51 AM`.
    pub started_text: String,
    /// When it was last active.
    pub last_active_text: String,
    /// When it ended, if it has.
    pub ended_text: Option<String>,
}

impl SessionView {
    /// Describes `session` for someone in `zone` who reads `language`.
    pub fn new(session: Session, zone: ZoneId, language: Language) -> Self {
        let text = |ms| format_datetime(ms, zone, language);
        Self {
            started_text: text(session.started_at),
            last_active_text: text(session.last_active_at),
            ended_text: session.ended_at.map(text),
            session,
        }
    }
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    id: String,
    device_name: String,
    os: String,
    app_version: String,
    address: Option<String>,
    started_at: i64,
    last_active_at: i64,
    ended_at: Option<i64>,
    end_reason: Option<String>,
    is_current: bool,
    end_pending: bool,
}

/// When a session was last active. This device's own last use of its session is
/// device-local (not a synced write per command), so its row shows the later of the two.
const LAST_ACTIVE: &str = "(CASE WHEN s.id = d.current_session_id \
     THEN MAX(s.last_active_at, COALESCE(d.last_active_at, 0)) ELSE s.last_active_at END)";

/// Sessions with this device's sign-in beside them.
fn select() -> String {
    format!(
        "SELECT s.id, s.device_name, s.os, s.app_version, s.address, s.started_at, \
         {LAST_ACTIVE} AS last_active_at, s.ended_at, s.end_reason, \
         COALESCE(s.id = d.current_session_id, 0) AS is_current, \
         EXISTS (SELECT 1 FROM outbox o WHERE o.state = 'pending' AND o.client_id IS NOT NULL \
           AND o.name = 'session.end' AND json_extract(o.payload, '$.session_id') = s.id) \
           AS end_pending \
         FROM session s LEFT JOIN device d ON d.id = 1"
    )
}

fn parse(row: SessionRow) -> Result<Session, CoreError> {
    Ok(Session {
        id: Uuid::parse_str(&row.id).map_err(|e| CoreError::Corrupt(format!("session id: {e}")))?,
        device_name: row.device_name,
        os: row.os,
        app_version: row.app_version,
        address: row.address,
        started_at: row.started_at,
        last_active_at: row.last_active_at,
        ended_at: row.ended_at,
        end_reason: row.end_reason,
        is_current: row.is_current,
        end_pending: row.end_pending,
    })
}

/// Every session: active ones first, most recently active first; then ended ones, latest first.
pub(crate) async fn list(conn: &mut SqliteConnection) -> Result<Vec<Session>, CoreError> {
    let sql = format!(
        "{} ORDER BY s.ended_at IS NOT NULL, \
         CASE WHEN s.ended_at IS NULL THEN {LAST_ACTIVE} ELSE s.ended_at END DESC, s.id DESC",
        select()
    );
    let rows: Vec<SessionRow> = sqlx::query_as(&sql).fetch_all(conn).await?;
    rows.into_iter().map(parse).collect()
}

/// This device's signed-in session, if any.
pub(crate) async fn current(conn: &mut SqliteConnection) -> Result<Option<Session>, CoreError> {
    let sql = format!(
        "{} WHERE s.id = d.current_session_id AND s.ended_at IS NULL",
        select()
    );
    let row: Option<SessionRow> = sqlx::query_as(&sql).fetch_optional(conn).await?;
    row.map(parse).transpose()
}
