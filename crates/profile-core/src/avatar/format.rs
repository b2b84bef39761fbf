//! Which format a file is, told by its content, and whether its name agrees.
//!
//! The content decides: an extension is only a claim. A supported image under another
//! image format's extension is refused as a mismatch, because something renamed it and the
//! user should know; a file with no or an unrelated extension is judged by content alone.

use crate::avatar::error::AvatarError;
use serde::Serialize;
use std::path::Path;

/// The image formats the pipeline decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AvatarFormat {
    /// JPEG: baseline, progressive, grey, YCbCr, CMYK and YCCK.
    Jpeg,
    /// PNG: any bit depth, palette, alpha.
    Png,
    /// WebP: lossy or lossless, with or without alpha.
    WebP,
    /// GIF: the first frame.
    Gif,
}

impl AvatarFormat {
    /// Lower-case name, e.g. `jpeg`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Jpeg => "jpeg",
            Self::Png => "png",
            Self::WebP => "webp",
            Self::Gif => "gif",
        }
    }

    fn from_extension(ext: &str) -> Option<Self> {
        match ext {
            "jpg" | "jpeg" | "jpe" | "jfif" | "pjpeg" | "pjp" => Some(Self::Jpeg),
            "png" | "apng" => Some(Self::Png),
            "webp" => Some(Self::WebP),
            "gif" => Some(Self::Gif),
            _ => None,
        }
    }
}

impl std::fmt::Display for AvatarFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Extensions of image formats we do not decode: a supported image named so was renamed.
const OTHER_IMAGE_EXTENSIONS: &[&str] = &[
    "bmp", "dib", "tif", "tiff", "heic", "heif", "avif", "jxl", "jp2", "ico", "svg", "psd", "tga",
    "dng", "cr2", "nef", "arw",
];

/// What the first bytes say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sniffed {
    /// A format we decode.
    Supported(AvatarFormat),
    /// An image format we recognise but do not decode.
    Other(&'static str),
    /// Not an image we know.
    Unknown,
}

/// Tells the format from the content's signature.
pub(crate) fn sniff(bytes: &[u8]) -> Sniffed {
    let starts = |sig: &[u8]| bytes.starts_with(sig);
    if starts(&[0xFF, 0xD8, 0xFF]) {
        Sniffed::Supported(AvatarFormat::Jpeg)
    } else if starts(b"\x89PNG\r\n\x1a\n") {
        Sniffed::Supported(AvatarFormat::Png)
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        Sniffed::Supported(AvatarFormat::Gif)
    } else if starts(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        Sniffed::Supported(AvatarFormat::WebP)
    } else if starts(b"BM") {
        Sniffed::Other("bmp")
    } else if starts(b"II*\0") || starts(b"MM\0*") {
        Sniffed::Other("tiff")
    } else if starts(&[0xFF, 0x0A]) || starts(b"\0\0\0\x0cJXL \r\n\x87\n") {
        Sniffed::Other("jxl")
    } else if bytes.get(4..8) == Some(b"ftyp") {
        match bytes.get(8..12) {
            Some(b"avif") | Some(b"avis") => Sniffed::Other("avif"),
            Some(b"heic") | Some(b"heix") | Some(b"hevc") | Some(b"mif1") | Some(b"msf1") => {
                Sniffed::Other("heif")
            }
            _ => Sniffed::Unknown,
        }
    } else {
        Sniffed::Unknown
    }
}

/// The format to decode `bytes` as, or why the file is refused.
pub(crate) fn resolve(path: &Path, bytes: &[u8]) -> Result<AvatarFormat, AvatarError> {
    let detected = match sniff(bytes) {
        Sniffed::Supported(format) => format,
        Sniffed::Other(name) => {
            return Err(AvatarError::UnsupportedFormat {
                detected: Some(name),
            })
        }
        Sniffed::Unknown => return Err(AvatarError::UnsupportedFormat { detected: None }),
    };
    let Some(extension) = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
    else {
        return Ok(detected);
    };
    let claimed_other = match AvatarFormat::from_extension(&extension) {
        Some(claimed) => claimed != detected,
        None => OTHER_IMAGE_EXTENSIONS.contains(&extension.as_str()),
    };
    if claimed_other {
        return Err(AvatarError::FormatMismatch {
            extension,
            detected,
        });
    }
    Ok(detected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_recognised() {
        assert_eq!(
            sniff(b"\xFF\xD8\xFF\xE0"),
            Sniffed::Supported(AvatarFormat::Jpeg)
        );
        assert_eq!(
            sniff(b"RIFF\0\0\0\0WEBPVP8 "),
            Sniffed::Supported(AvatarFormat::WebP)
        );
        assert_eq!(sniff(b"RIFF\0\0\0\0WAVEfmt "), Sniffed::Unknown);
        assert_eq!(sniff(b"\0\0\0\x18ftypheic"), Sniffed::Other("heif"));
        assert_eq!(sniff(b""), Sniffed::Unknown);
    }

    #[test]
    fn extension_must_agree_with_content() {
        let png = b"\x89PNG\r\n\x1a\n....";
        assert_eq!(
            resolve(Path::new("a.PNG"), png).ok(),
            Some(AvatarFormat::Png)
        );
        assert_eq!(resolve(Path::new("a"), png).ok(), Some(AvatarFormat::Png));
        assert_eq!(
            resolve(Path::new("a.download"), png).ok(),
            Some(AvatarFormat::Png)
        );
        for name in ["a.jpg", "a.gif", "a.webp", "a.heic"] {
            assert!(matches!(
                resolve(Path::new(name), png),
                Err(AvatarError::FormatMismatch { .. })
            ));
        }
    }
}
