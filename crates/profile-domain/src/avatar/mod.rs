//! What a stored avatar must be, checked wherever one arrives (the picker's output, an
//! `avatar.set` from the outbox, a push on the server): a JPEG or PNG of exactly 512×512
//! pixels in at most 1 MiB, read header first and decoded with bounded memory and work.

pub mod jpeg_layout;

use crate::error::{ErrorCode, ValidationError};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Width and height of every stored avatar, in pixels.
pub const AVATAR_SIDE: u32 = 512;
/// The largest stored avatar accepted; a 512×512 JPEG or PNG is far smaller.
pub const AVATAR_MAX_BYTES: usize = 1024 * 1024;
/// Scans a stored progressive JPEG may have (encoders write about ten).
const MAX_SCANS: u32 = 64;
/// Memory a stored avatar may take to decode: a 512×512 RGBA picture is 1 MiB, a
/// progressive JPEG's coefficients about 1.5 MiB.
const MAX_DECODE_BYTES: u64 = 8 * 1024 * 1024;
/// The input field avatar errors are reported against.
pub const FIELD: &str = "file";

/// The encodings a stored avatar may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AvatarMime {
    /// `image/jpeg`.
    Jpeg,
    /// `image/png`.
    Png,
}

impl AvatarMime {
    /// The MIME type, e.g. `image/jpeg`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
        }
    }

    /// The encoding named by `mime`; `avatar.unsupported_format` for any other.
    pub fn parse(mime: &str) -> Result<Self, ValidationError> {
        match mime {
            "image/jpeg" => Ok(Self::Jpeg),
            "image/png" => Ok(Self::Png),
            _ => Err(ValidationError::new(
                ErrorCode::AvatarUnsupportedFormat,
                FIELD,
            )),
        }
    }
}

fn corrupt() -> ValidationError {
    ValidationError::new(ErrorCode::AvatarCorrupt, FIELD)
}

/// Checks a stored avatar: size first, then the header's dimensions, then a whole decode
/// (a cut-off file would fail on every device it syncs to) under fixed memory and scan
/// limits. Never panics, whatever the bytes.
pub fn check(mime: &str, bytes: &[u8]) -> Result<AvatarMime, ValidationError> {
    let mime = AvatarMime::parse(mime)?;
    if bytes.len() > AVATAR_MAX_BYTES {
        return Err(corrupt());
    }
    let decoded = catch_unwind(AssertUnwindSafe(|| match mime {
        AvatarMime::Jpeg => check_jpeg(bytes),
        AvatarMime::Png => check_png(bytes),
    }));
    decoded.unwrap_or_else(|_| Err(corrupt()))?;
    Ok(mime)
}

fn check_jpeg(bytes: &[u8]) -> Result<(), ValidationError> {
    // The markers say the size, the layout and the scans before a pixel is decoded.
    let layout = jpeg_layout::read(bytes, MAX_SCANS).map_err(|_| corrupt())?;
    if (layout.width, layout.height) != (AVATAR_SIDE, AVATAR_SIDE)
        || layout.scans > MAX_SCANS
        || layout.decode_bytes(1) > MAX_DECODE_BYTES
    {
        return Err(corrupt());
    }
    let mut decoder = jpeg_decoder::Decoder::new(bytes);
    decoder.set_max_decoding_buffer_size(MAX_DECODE_BYTES as usize);
    decoder.decode().map_err(|_| corrupt())?;
    let info = decoder.info().ok_or_else(corrupt)?;
    if (u32::from(info.width), u32::from(info.height)) != (AVATAR_SIDE, AVATAR_SIDE) {
        return Err(corrupt());
    }
    Ok(())
}

fn check_png(bytes: &[u8]) -> Result<(), ValidationError> {
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes));
    reader.set_format(image::ImageFormat::Png);
    let mut limits = image::Limits::default();
    // The decoder compares the header's size with these before it allocates anything.
    limits.max_image_width = Some(AVATAR_SIDE);
    limits.max_image_height = Some(AVATAR_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let picture = reader.decode().map_err(|_| corrupt())?;
    if (picture.width(), picture.height()) != (AVATAR_SIDE, AVATAR_SIDE) {
        return Err(corrupt());
    }
    Ok(())
}
