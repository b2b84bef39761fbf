//! `profile.create` and `profile.set`.

use super::{profile_of, ApplyCtx, Change, Kind, Rejection};
use crate::error::{ErrorCode, ValidationError};
use crate::fields;
use crate::language::Language;
use crate::state::{ProfileRecord, UserState};
use crate::time_zone::{parse_zone, ZoneId};
use serde::{Deserialize, Serialize};
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

impl Kind for ProfileCreate {
    fn validated(self) -> Result<Self, ValidationError> {
        Ok(Self {
            name: fields::name(&self.name)?,
            time_zone: parse_zone(&self.time_zone)?.as_str().to_owned(),
            ..self
        })
    }

    fn apply(&self, state: &mut UserState, ctx: &ApplyCtx) -> Result<Change, Rejection> {
        if state.profile.is_some() {
            return Err(ValidationError::general(ErrorCode::AccountExists));
        }
        state.profile = Some(ProfileRecord {
            id: self.profile_id,
            name: self.name.clone(),
            language: self.language,
            email: None,
            organization: None,
            phone: None,
            time_zone: self.time_zone.clone(),
            avatar: None,
            created_at: ctx.now_ms,
            updated_at: ctx.now_ms,
        });
        Ok(Change {
            profile: true,
            profile_fields: vec!["name", "language", "time_zone"],
            ..Change::default()
        })
    }
}

/// A profile field one `profile.set` can write, by the name conflicts record it under.
pub type ProfileField = &'static str;

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

/// Writes `value` into `slot` when given, noting `field`; `""` clears an optional field.
fn put_optional(
    slot: &mut Option<String>,
    value: &Option<String>,
    field: ProfileField,
    written: &mut Vec<ProfileField>,
) {
    if let Some(value) = value {
        *slot = Some(value.clone()).filter(|v| !v.is_empty());
        written.push(field);
    }
}

impl Kind for ProfileSet {
    fn validated(self) -> Result<Self, ValidationError> {
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

    fn apply(&self, state: &mut UserState, ctx: &ApplyCtx) -> Result<Change, Rejection> {
        let profile = profile_of(state, self.profile_id)?;
        let mut written = Vec::new();
        if let Some(name) = &self.name {
            profile.name.clone_from(name);
            written.push("name");
        }
        if let Some(language) = self.language {
            profile.language = language;
            written.push("language");
        }
        put_optional(&mut profile.email, &self.email, "email", &mut written);
        put_optional(
            &mut profile.organization,
            &self.organization,
            "organization",
            &mut written,
        );
        put_optional(&mut profile.phone, &self.phone, "phone", &mut written);
        if let Some(time_zone) = &self.time_zone {
            profile.time_zone.clone_from(time_zone);
            written.push("time_zone");
        }
        profile.updated_at = ctx.now_ms;
        Ok(Change {
            profile: true,
            profile_fields: written,
            ..Change::default()
        })
    }
}
