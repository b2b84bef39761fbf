//! `avatar.set` and `avatar.remove`.

use crate::avatar::AVATAR_SIDE;
use crate::error::{CoreError, ErrorCode, ValidationError};
use base64::Engine;
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use uuid::Uuid;

/// The largest stored avatar accepted; a 512×512 JPEG or PNG is far smaller.
pub const AVATAR_MAX_BYTES: usize = 1024 * 1024;

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

fn refused() -> ValidationError {
    ValidationError::new(ErrorCode::AvatarCorrupt, "file")
}

impl AvatarSet {
    /// Checks what a server must check too: a known type, a bounded size and a whole
    /// 512×512 picture.
    pub(super) fn validated(self) -> Result<Self, ValidationError> {
        if self.image.len() > AVATAR_MAX_BYTES {
            return Err(refused());
        }
        // Decoded in full (a 512×512 picture takes milliseconds): a header alone would let a
        // cut-off file through, and it would then fail on every device it syncs to.
        let (w, h) = match self.mime.as_str() {
            "image/jpeg" => {
                let mut decoder = jpeg_decoder::Decoder::new(self.image.as_slice());
                decoder.decode().map_err(|_| refused())?;
                let info = decoder.info().ok_or_else(refused)?;
                (u32::from(info.width), u32::from(info.height))
            }
            "image/png" => {
                let mut reader = image::ImageReader::new(std::io::Cursor::new(&self.image));
                reader.set_format(image::ImageFormat::Png);
                let picture = reader.decode().map_err(|_| refused())?;
                (picture.width(), picture.height())
            }
            _ => {
                return Err(ValidationError::new(
                    ErrorCode::AvatarUnsupportedFormat,
                    "file",
                ))
            }
        };
        if (w, h) != (AVATAR_SIDE, AVATAR_SIDE) {
            return Err(refused());
        }
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
