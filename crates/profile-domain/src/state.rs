//! A user's synced state as one value: what mutations apply to, on a device and on the
//! server alike. Profiles are small, so the whole state is loaded for every change.

use crate::device::DeviceInfo;
use crate::language::Language;
use crate::token::{TokenScope, Withdrawal};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// Everything of one user that mutations change.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserState {
    /// The profile; `None` until `profile.create`.
    pub profile: Option<ProfileRecord>,
    /// The password of a local account; `None` where the server keeps it.
    pub credential: Option<Credential>,
    /// Every session by id, ended ones included.
    pub sessions: BTreeMap<Uuid, SessionRecord>,
    /// Every personal API token by id, withdrawn ones included until removed.
    #[serde(default)]
    pub tokens: BTreeMap<Uuid, TokenRecord>,
    /// Every notification contact by id.
    #[serde(default)]
    pub contacts: BTreeMap<Uuid, ContactRecord>,
}

/// The profile's fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileRecord {
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
    /// The IANA time zone dates are shown in.
    pub time_zone: String,
    /// The avatar, by the SHA-256 of its bytes.
    pub avatar: Option<AvatarRef>,
    /// When it was created, ms since the epoch.
    pub created_at: i64,
    /// When it last changed, ms since the epoch.
    pub updated_at: i64,
}

/// A stored avatar named by its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AvatarRef {
    /// Lowercase hex SHA-256 of the encoded picture.
    pub sha256: String,
    /// `image/jpeg` or `image/png`.
    pub mime: String,
}

/// A password as an Argon2id PHC string, with the version compare-and-set checks against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credential {
    /// The Argon2id PHC string.
    pub password_hash: String,
    /// 1 for the first password, one more for each change.
    pub password_version: i64,
}

/// Why a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum EndReason {
    /// Ended by the user (here or on another device).
    Ended,
    /// Ended because the password changed on another session.
    PasswordChanged,
    /// The device signed out of a server.
    SignedOut,
    /// An administrator disabled the user.
    Disabled,
}

impl EndReason {
    /// The stored form, e.g. `password_changed`.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The reason stored as `text`, if it is one.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "ended" => Some(Self::Ended),
            "password_changed" => Some(Self::PasswordChanged),
            "signed_out" => Some(Self::SignedOut),
            "disabled" => Some(Self::Disabled),
            _ => None,
        }
    }
}

/// One sign-in of a device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionRecord {
    /// Its id.
    pub id: Uuid,
    /// What the device said about itself.
    pub device: DeviceInfo,
    /// The network address a server saw, where known.
    pub address: Option<String>,
    /// When it started, ms since the epoch.
    pub started_at: i64,
    /// When it was last active.
    pub last_active_at: i64,
    /// When it ended, if it has; ending is final.
    pub ended_at: Option<i64>,
    /// Why it ended.
    pub end_reason: Option<EndReason>,
}

impl SessionRecord {
    /// Whether it has not ended.
    pub fn is_active(&self) -> bool {
        self.ended_at.is_none()
    }

    /// Ends it now for `reason`, unless it has ended already; true when it ended now.
    pub fn end(&mut self, now_ms: i64, reason: EndReason) -> bool {
        if self.ended_at.is_some() {
            return false;
        }
        self.ended_at = Some(now_ms);
        self.end_reason = Some(reason);
        true
    }
}

/// A personal API token as every device and the server know it: never its text, only the
/// SHA-256 of it and a display prefix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    /// Its id.
    pub id: Uuid,
    /// Lowercase hex SHA-256 of the token's text.
    pub sha256: String,
    /// `acp_` and the first random characters, to tell tokens apart.
    pub prefix: String,
    /// What it may do.
    pub scope: TokenScope,
    /// The person's note of what it is for; may be empty.
    pub description: String,
    /// When it was issued (applied), ms since the epoch.
    pub created_at: i64,
    /// When it stops working; `None` for a token valid until revoked.
    pub expires_at: Option<i64>,
    /// When it was revoked, if it was; revocation is final.
    pub revoked_at: Option<i64>,
    /// When the server last saw it used (written by the server, at most once a minute).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<i64>,
    /// The address it was last used from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_address: Option<String>,
}

impl TokenRecord {
    /// Whether and why it no longer works at `now_ms`, with when that happened; a revoked
    /// token that had expired before counts as expired.
    pub fn withdrawn(&self, now_ms: i64) -> Option<(Withdrawal, i64)> {
        let expired = self.expires_at.filter(|&at| at <= now_ms);
        match (self.revoked_at, expired) {
            (Some(revoked), Some(expired)) if expired < revoked => {
                Some((Withdrawal::Expired, expired))
            }
            (Some(revoked), _) => Some((Withdrawal::Revoked, revoked)),
            (None, Some(expired)) => Some((Withdrawal::Expired, expired)),
            (None, None) => None,
        }
    }

    /// Whether it opens the API at `now_ms`.
    pub fn is_active(&self, now_ms: i64) -> bool {
        self.withdrawn(now_ms).is_none()
    }
}

/// One way to reach the person on one notification channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactRecord {
    /// Its id.
    pub id: Uuid,
    /// The catalog channel it belongs to, e.g. `email`.
    pub channel: String,
    /// The contact in the stored form its channel's kind gives it.
    pub value: String,
    /// Whether notifications go to it; a disabled contact is kept but never used.
    pub enabled: bool,
    /// Whether it comes first on its channel (at most one per channel).
    pub preferred: bool,
    /// When it was added, ms since the epoch.
    pub created_at: i64,
    /// When it last changed.
    pub updated_at: i64,
}
