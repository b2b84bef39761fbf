//! `profile.create` and `profile.set`.

use crate::error::{CoreError, ValidationError};
use crate::fields;
use crate::language::Language;
use crate::time_zone::{parse_zone, ZoneId};
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use uuid::Uuid;

/// Creates the profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileCreate {
    /// The new profile's id.
    pub profile_id: Uuid,
    /// The display name.
    pub name: String,
    /// The interface language.
    pub language: Language,
    /// The IANA time zone dates are shown in.
    #[serde(default = "utc")]
    pub time_zone: String,
}

fn utc() -> String {
    ZoneId::UTC.as_str().to_owned()
}

impl ProfileCreate {
    pub(super) fn validated(self) -> Result<Self, ValidationError> {
        Ok(Self {
            name: fields::name(&self.name)?,
            time_zone: parse_zone(&self.time_zone)?.as_str().to_owned(),
            ..self
        })
    }

    pub(super) async fn apply(
        &self,
        conn: &mut SqliteConnection,
        now_ms: i64,
    ) -> Result<(), CoreError> {
        sqlx::query(
            "INSERT INTO profile (id, name, language, time_zone, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(self.profile_id.to_string())
        .bind(&self.name)
        .bind(self.language.code())
        .bind(&self.time_zone)
        .bind(now_ms)
        .bind(now_ms)
        .execute(conn)
        .await?;
        Ok(())
    }
}

/// Changes the fields that are `Some`; the others stay as they are.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ProfileSet {
    /// The profile to change.
    pub profile_id: Uuid,
    /// A new display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A new interface language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<Language>,
    /// A new e-mail address; empty clears it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// A new organization; empty clears it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    /// A new phone number (E.164 once validated); empty clears it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// A new IANA time zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
}

/// Applies an optional-field rule; a cleared field becomes `Some("")`.
fn optional(
    value: Option<String>,
    rule: fn(&str) -> Result<Option<String>, ValidationError>,
) -> Result<Option<String>, ValidationError> {
    value
        .map(|v| rule(&v).map(Option::unwrap_or_default))
        .transpose()
}

impl ProfileSet {
    pub(super) fn validated(self) -> Result<Self, ValidationError> {
        Ok(Self {
            profile_id: self.profile_id,
            name: self.name.as_deref().map(fields::name).transpose()?,
            language: self.language,
            email: optional(self.email, fields::email)?,
            organization: optional(self.organization, fields::organization)?,
            phone: optional(self.phone, fields::phone)?,
            time_zone: self
                .time_zone
                .map(|tz| parse_zone(&tz).map(|zone| zone.as_str().to_owned()))
                .transpose()?,
        })
    }

    pub(super) async fn apply(
        &self,
        conn: &mut SqliteConnection,
        now_ms: i64,
    ) -> Result<(), CoreError> {
        // NULL leaves a column as it is; '' (a cleared optional field) stores NULL.
        let done = sqlx::query(
            "UPDATE profile SET name = COALESCE(?1, name), language = COALESCE(?2, language), \
             email = CASE WHEN ?3 IS NULL THEN email ELSE NULLIF(?3, '') END, \
             organization = CASE WHEN ?4 IS NULL THEN organization ELSE NULLIF(?4, '') END, \
             phone = CASE WHEN ?5 IS NULL THEN phone ELSE NULLIF(?5, '') END, \
             time_zone = COALESCE(?6, time_zone), \
             updated_at = ?7 WHERE id = ?8",
        )
        .bind(self.name.as_deref())
        .bind(self.language.map(Language::code))
        .bind(self.email.as_deref())
        .bind(self.organization.as_deref())
        .bind(self.phone.as_deref())
        .bind(self.time_zone.as_deref())
        .bind(now_ms)
        .bind(self.profile_id.to_string())
        .execute(conn)
        .await?;
        super::one_profile_row(done)
    }
}
