//! The profile as read from the local store.

use crate::error::CoreError;
use crate::fields;
use crate::language::Language;
use crate::mutation;
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
    /// The e-mail address, if set.
    pub email: Option<String>,
    /// The organization, if set.
    pub organization: Option<String>,
    /// The phone number in E.164, if set.
    pub phone: Option<String>,
    /// The phone number formatted for reading, e.g. `+7 912 345-67-89`.
    pub phone_display: Option<String>,
    /// The IANA time zone all dates are shown in.
    pub time_zone: String,
    /// The avatar as a `data:` URL, if one is set.
    pub avatar: Option<String>,
    /// When it was created, ms since the epoch.
    pub created_at: i64,
    /// When it last changed, ms since the epoch.
    pub updated_at: i64,
}

#[derive(sqlx::FromRow)]
struct ProfileRow {
    id: String,
    name: String,
    language: String,
    email: Option<String>,
    organization: Option<String>,
    phone: Option<String>,
    time_zone: String,
    avatar: Option<Vec<u8>>,
    avatar_mime: Option<String>,
    created_at: i64,
    updated_at: i64,
}

/// The profile stored on this device, if there is one.
pub(crate) async fn load(conn: &mut SqliteConnection) -> Result<Option<Profile>, CoreError> {
    let row: Option<ProfileRow> = sqlx::query_as(
        "SELECT p.id, p.name, p.language, p.email, p.organization, p.phone, p.time_zone, \
         b.bytes AS avatar, b.mime AS avatar_mime, p.created_at, p.updated_at \
         FROM profile p LEFT JOIN avatar_blob b ON b.sha256 = p.avatar_sha256 \
         ORDER BY p.created_at LIMIT 1",
    )
    .fetch_optional(conn)
    .await?;
    row.map(|row| {
        let ProfileRow {
            id,
            name,
            language,
            email,
            organization,
            phone,
            time_zone,
            avatar,
            avatar_mime,
            created_at,
            updated_at,
        } = row;
        Ok(Profile {
            id: Uuid::parse_str(&id).map_err(|e| CoreError::Corrupt(format!("profile id: {e}")))?,
            name,
            language: Language::parse(&language)
                .map_err(|_| CoreError::Corrupt(format!("profile language {language:?}")))?,
            email,
            organization,
            phone_display: phone.as_deref().map(fields::phone_for_display),
            phone,
            time_zone,
            avatar: avatar
                .zip(avatar_mime)
                .map(|(bytes, mime)| mutation::data_url(&mime, &bytes)),
            created_at,
            updated_at,
        })
    })
    .transpose()
}
