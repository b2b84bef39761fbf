//! `avatar.set` and `avatar.remove`.

use crate::error::{CoreError, ValidationError};
use base64::Engine;
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use uuid::Uuid;

pub use profile_domain::avatar::AVATAR_MAX_BYTES;

/// Stores a finished 512×512 avatar (made by the avatar pipeline).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AvatarSet {
    /// The profile to change.
    pub profile_id: Uuid,
    /// `image/jpeg` or `image/png`.
    pub mime: String,
    /// The encoded picture; base64 in the outbox and on the wire.
    #[serde(with = "base64_bytes")]
    pub image: Vec<u8>,
}

/// Removes the avatar, so the initials show again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AvatarRemove {
    /// The profile to change.
    pub profile_id: Uuid,
}

impl AvatarSet {
    /// Checks what a server checks too, with bounded decoding: a JPEG or PNG of exactly
    /// 512×512 pixels in at most 1 MiB.
    pub(super) fn validated(self) -> Result<Self, ValidationError> {
        profile_domain::avatar::check(&self.mime, &self.image)?;
        Ok(self)
    }

    pub(super) async fn apply(
        &self,
        conn: &mut SqliteConnection,
        now_ms: i64,
    ) -> Result<(), CoreError> {
        store(
            conn,
            self.profile_id,
            Some((&self.image, &self.mime)),
            now_ms,
        )
        .await
    }
}

impl AvatarRemove {
    pub(super) async fn apply(
        &self,
        conn: &mut SqliteConnection,
        now_ms: i64,
    ) -> Result<(), CoreError> {
        store(conn, self.profile_id, None, now_ms).await
    }
}

/// Writes the avatar columns: a picture and its MIME type, or NULLs to remove it.
async fn store(
    conn: &mut SqliteConnection,
    profile_id: Uuid,
    avatar: Option<(&[u8], &str)>,
    now_ms: i64,
) -> Result<(), CoreError> {
    let done =
        sqlx::query("UPDATE profile SET avatar = ?, avatar_mime = ?, updated_at = ? WHERE id = ?")
            .bind(avatar.map(|(bytes, _)| bytes))
            .bind(avatar.map(|(_, mime)| mime))
            .bind(now_ms)
            .bind(profile_id.to_string())
            .execute(conn)
            .await?;
    super::one_profile_row(done)
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

/// A stored avatar as a `data:` URL the webview can show (its CSP allows `img-src data:`).
pub fn data_url(mime: &str, bytes: &[u8]) -> String {
    format!(
        "data:{mime};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}
