//! The profile as read from the local store.

use crate::error::CoreError;
use crate::language::Language;
use serde::Serialize;
use sqlx::SqliteConnection;
use uuid::Uuid;

/// The user's profile on this device.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Profile {
    /// The profile id.
    pub id: Uuid,
    /// The display name.
    pub name: String,
    /// The interface language.
    pub language: Language,
    /// When it was created, ms since the epoch.
    pub created_at: i64,
    /// When it last changed, ms since the epoch.
    pub updated_at: i64,
}

/// The profile stored on this device, if there is one.
pub(crate) async fn load(conn: &mut SqliteConnection) -> Result<Option<Profile>, CoreError> {
    let row: Option<(String, String, String, i64, i64)> = sqlx::query_as(
        "SELECT id, name, language, created_at, updated_at FROM profile ORDER BY created_at LIMIT 1",
    )
    .fetch_optional(conn)
    .await?;
    row.map(|(id, name, language, created_at, updated_at)| {
        Ok(Profile {
            id: Uuid::parse_str(&id).map_err(|e| CoreError::Corrupt(format!("profile id: {e}")))?,
            name,
            language: Language::parse(&language)
                .map_err(|_| CoreError::Corrupt(format!("profile language {language:?}")))?,
            created_at,
            updated_at,
        })
    })
    .transpose()
}
