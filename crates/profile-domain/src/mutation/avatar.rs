//! `avatar.set` and `avatar.remove`.

use super::{profile_of, ApplyCtx, Change, Kind, Rejection};
use crate::error::ValidationError;
use crate::state::{AvatarRef, UserState};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// Stores a finished 512×512 avatar (made by the avatar pipeline).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AvatarSet {
    /// The profile to change.
    pub profile_id: Uuid,
    /// `image/jpeg` or `image/png`.
    pub mime: String,
    /// The encoded picture; base64 in an outbox and on the wire.
    #[serde(with = "base64_bytes")]
    pub image: Vec<u8>,
}

/// Removes the avatar, so the initials show again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AvatarRemove {
    /// The profile to change.
    pub profile_id: Uuid,
}

/// Picture bytes to keep under their SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blob {
    /// Lowercase hex SHA-256 of `bytes`.
    pub sha256: String,
    /// `image/jpeg` or `image/png`.
    pub mime: String,
    /// The encoded picture.
    pub bytes: Vec<u8>,
}

impl Blob {
    /// `bytes` named by their hash.
    pub fn new(mime: &str, bytes: Vec<u8>) -> Self {
        Self {
            sha256: sha256_hex(&bytes),
            mime: mime.to_owned(),
            bytes,
        }
    }
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Kind for AvatarSet {
    /// Checks what every receiver checks, with bounded decoding: a JPEG or PNG of exactly
    /// 512×512 pixels in at most 1 MiB.
    fn validated(self) -> Result<Self, ValidationError> {
        crate::avatar::check(&self.mime, &self.image)?;
        Ok(self)
    }

    fn apply(&self, state: &mut UserState, ctx: &ApplyCtx) -> Result<Change, Rejection> {
        let profile = profile_of(state, self.profile_id)?;
        let blob = Blob::new(&self.mime, self.image.clone());
        profile.avatar = Some(AvatarRef {
            sha256: blob.sha256.clone(),
            mime: blob.mime.clone(),
        });
        profile.updated_at = ctx.now_ms;
        Ok(Change {
            profile: true,
            profile_fields: vec!["avatar"],
            blob: Some(blob),
            ..Change::default()
        })
    }
}

impl Kind for AvatarRemove {
    fn validated(self) -> Result<Self, ValidationError> {
        Ok(self)
    }

    fn apply(&self, state: &mut UserState, ctx: &ApplyCtx) -> Result<Change, Rejection> {
        let profile = profile_of(state, self.profile_id)?;
        profile.avatar = None;
        profile.updated_at = ctx.now_ms;
        Ok(Change {
            profile: true,
            profile_fields: vec!["avatar"],
            ..Change::default()
        })
    }
}

/// Bytes as standard base64 text in JSON.
mod base64_bytes {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        STANDARD.decode(text).map_err(serde::de::Error::custom)
    }
}
