//! `profile.create` and `profile.set`.

use crate::error::{CoreError, ErrorCode, ValidationError};
use crate::language::Language;
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use uuid::Uuid;

/// The most characters a name may have, counted after trimming.
pub const NAME_MAX_CHARS: usize = 100;

/// Trims a name and checks it is present, short enough and free of control characters.
fn normalized_name(raw: &str) -> Result<String, ValidationError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(ValidationError::new(ErrorCode::ProfileNameRequired, "name"));
    }
    if name.chars().count() > NAME_MAX_CHARS {
        return Err(
            ValidationError::new(ErrorCode::ProfileNameTooLong, "name").with("max", NAME_MAX_CHARS)
        );
    }
    if name.chars().any(char::is_control) {
        return Err(ValidationError::new(ErrorCode::ProfileNameInvalid, "name"));
    }
    Ok(name.to_owned())
}

/// Creates the profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileCreate {
    /// The new profile's id.
    pub profile_id: Uuid,
    /// The display name.
    pub name: String,
    /// The interface language.
    pub language: Language,
}

impl ProfileCreate {
    pub(super) fn validated(self) -> Result<Self, ValidationError> {
        Ok(Self {
            name: normalized_name(&self.name)?,
            ..self
        })
    }

    pub(super) async fn apply(
        &self,
        conn: &mut SqliteConnection,
        now_ms: i64,
    ) -> Result<(), CoreError> {
        sqlx::query(
            "INSERT INTO profile (id, name, language, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(self.profile_id.to_string())
        .bind(&self.name)
        .bind(self.language.code())
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
}

impl ProfileSet {
    pub(super) fn validated(self) -> Result<Self, ValidationError> {
        Ok(Self {
            name: self.name.as_deref().map(normalized_name).transpose()?,
            ..self
        })
    }

    pub(super) async fn apply(
        &self,
        conn: &mut SqliteConnection,
        now_ms: i64,
    ) -> Result<(), CoreError> {
        let done = sqlx::query(
            "UPDATE profile SET name = COALESCE(?, name), language = COALESCE(?, language), \
             updated_at = ? WHERE id = ?",
        )
        .bind(self.name.as_deref())
        .bind(self.language.map(Language::code))
        .bind(now_ms)
        .bind(self.profile_id.to_string())
        .execute(conn)
        .await?;
        if done.rows_affected() == 0 {
            return Err(CoreError::ProfileMissing);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed() {
        assert_eq!(
            normalized_name("  Anna Petrova \t").unwrap(),
            "Anna Petrova"
        );
        assert_eq!(normalized_name("Ёлкина Жанна").unwrap(), "Ёлкина Жанна");
    }

    #[test]
    fn empty_and_blank_names_are_refused() {
        for raw in ["", "   ", "\t\n"] {
            let err = normalized_name(raw).unwrap_err();
            assert_eq!(err.code, ErrorCode::ProfileNameRequired, "{raw:?}");
            assert_eq!(err.field, Some("name"));
        }
    }

    #[test]
    fn length_is_counted_in_characters() {
        let at_limit = "Ж".repeat(NAME_MAX_CHARS); // 200 bytes, 100 characters
        assert_eq!(normalized_name(&at_limit).unwrap(), at_limit);
        let err = normalized_name(&"Ж".repeat(NAME_MAX_CHARS + 1)).unwrap_err();
        assert_eq!(err.code, ErrorCode::ProfileNameTooLong);
        assert_eq!(err.params["max"], NAME_MAX_CHARS);
    }

    #[test]
    fn control_characters_are_refused() {
        let err = normalized_name("Anna\nPetrova").unwrap_err();
        assert_eq!(err.code, ErrorCode::ProfileNameInvalid);
    }
}
