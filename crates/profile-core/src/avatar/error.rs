//! Why an avatar file or crop was refused, with the stable codes of DESIGN.md §5.

use crate::error::ErrorCode;
use serde_json::{Map, Value};

/// Everything that can go wrong between a chosen file and a stored avatar.
///
/// Each variant maps to one stable dotted code; the `params` are what the translated
/// message interpolates. Only [`AvatarError::Internal`] is our own fault.
#[derive(Debug, thiserror::Error)]
pub enum AvatarError {
    /// The file is larger than allowed; refused before decoding.
    #[error("file of {size_bytes} bytes exceeds the limit of {max_bytes}")]
    TooLarge {
        /// The file's size.
        size_bytes: u64,
        /// The limit.
        max_bytes: u64,
    },
    /// The chosen file could not be opened or read (gone, no permission).
    #[error("the file could not be read")]
    Unreadable(#[source] std::io::Error),
    /// The chosen path is not a regular file (a folder, a FIFO, a device), or links to one.
    #[error("the chosen path is not a regular file")]
    NotAFile,
    /// The content is not a JPEG, PNG, WebP or GIF image.
    #[error("unsupported format{}", .detected.map(|d| format!(" ({d})")).unwrap_or_default())]
    UnsupportedFormat {
        /// Another image format we recognised, e.g. `heif`, when we did.
        detected: Option<&'static str>,
    },
    /// The file starts like a supported image but cannot be decoded (truncated, damaged).
    #[error("the image data is damaged: {0}")]
    Corrupt(String),
    /// The image is wider, taller or larger than the limits, or needs too much memory.
    #[error("image of {width}×{height} exceeds the limits")]
    DimensionsTooLarge {
        /// Width claimed by the file.
        width: u32,
        /// Height claimed by the file.
        height: u32,
        /// Largest side allowed.
        max_side: u32,
        /// Largest pixel count allowed.
        max_pixels: u64,
    },
    /// Decoding would hold more memory at once than the budget allows (estimated from the
    /// header, before decoding).
    #[error("decoding needs about {needed_bytes} bytes, more than the {max_bytes} allowed")]
    NeedsTooMuchMemory {
        /// The estimate.
        needed_bytes: u64,
        /// The budget.
        max_bytes: u64,
    },
    /// A JPEG with more scans than allowed: each one walks the whole image again.
    #[error("the JPEG has {scans} scans, more than the {max_scans} allowed")]
    TooManyScans {
        /// Scans counted in the file (counting stops just past the limit).
        scans: u32,
        /// The limit.
        max_scans: u32,
    },
    /// The work was cancelled through its [`crate::avatar::CancelToken`]; nobody waits for it.
    #[error("cancelled")]
    Cancelled,
    /// The crop square is empty or does not lie inside the (oriented) image.
    #[error("crop {size}px at ({x}, {y}) is not inside the {width}×{height} image")]
    CropInvalid {
        /// Left edge asked for.
        x: u32,
        /// Top edge asked for.
        y: u32,
        /// Side asked for.
        size: u32,
        /// Oriented image width.
        width: u32,
        /// Oriented image height.
        height: u32,
    },
    /// A failure of ours (encoding, an impossible state); logged in full, shown as `internal`.
    #[error("internal avatar failure: {0}")]
    Internal(String),
}

impl AvatarError {
    /// The stable code the UI sees, e.g. `avatar.too_large`.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::TooLarge { .. } => ErrorCode::AvatarTooLarge,
            Self::Unreadable(_) => ErrorCode::AvatarUnreadable,
            Self::NotAFile => ErrorCode::AvatarNotAFile,
            Self::UnsupportedFormat { .. } => ErrorCode::AvatarUnsupportedFormat,
            Self::Corrupt(_) => ErrorCode::AvatarCorrupt,
            Self::DimensionsTooLarge { .. } => ErrorCode::AvatarDimensionsTooLarge,
            Self::NeedsTooMuchMemory { .. } | Self::TooManyScans { .. } => {
                ErrorCode::AvatarTooComplex
            }
            Self::Cancelled => ErrorCode::AvatarCancelled,
            Self::CropInvalid { .. } => ErrorCode::AvatarCropInvalid,
            Self::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The input the UI shows the error next to: the chosen `file`, or the `crop`.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::CropInvalid { .. } => Some("crop"),
            Self::Internal(_) | Self::Cancelled => None,
            _ => Some("file"),
        }
    }

    /// Values for the translated message, e.g. `{"max_bytes": 5242880, "size_bytes": N}`.
    pub fn params(&self) -> Map<String, Value> {
        let mut p = Map::new();
        let mut put = |k: &str, v: Value| {
            p.insert(k.to_owned(), v);
        };
        match self {
            Self::TooLarge {
                size_bytes,
                max_bytes,
            } => {
                put("max_bytes", (*max_bytes).into());
                put("size_bytes", (*size_bytes).into());
            }
            Self::UnsupportedFormat { detected } => {
                if let Some(d) = detected {
                    put("detected", (*d).into());
                }
            }
            Self::DimensionsTooLarge {
                width,
                height,
                max_side,
                max_pixels,
            } => {
                put("width", (*width).into());
                put("height", (*height).into());
                put("max_side", (*max_side).into());
                put("max_pixels", (*max_pixels).into());
            }
            Self::NeedsTooMuchMemory {
                needed_bytes,
                max_bytes,
            } => {
                put("needed_bytes", (*needed_bytes).into());
                put("max_bytes", (*max_bytes).into());
            }
            Self::TooManyScans { scans, max_scans } => {
                put("scans", (*scans).into());
                put("max_scans", (*max_scans).into());
            }
            Self::CropInvalid {
                x,
                y,
                size,
                width,
                height,
            } => {
                put("x", (*x).into());
                put("y", (*y).into());
                put("size", (*size).into());
                put("width", (*width).into());
                put("height", (*height).into());
            }
            Self::Unreadable(_)
            | Self::NotAFile
            | Self::Corrupt(_)
            | Self::Cancelled
            | Self::Internal(_) => {}
        }
        p
    }
}
