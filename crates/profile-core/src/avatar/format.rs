//! Which format a file is, told by its content alone.
//!
//! The extension is never a reason to refuse: browsers and chat apps save JPEGs as `.png`
//! (and the reverse) all the time, and the content is what gets decoded anyway.

use crate::avatar::error::AvatarError;
use serde::Serialize;

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
}

impl std::fmt::Display for AvatarFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

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
pub(crate) fn detect(bytes: &[u8]) -> Result<AvatarFormat, AvatarError> {
    match sniff(bytes) {
        Sniffed::Supported(format) => Ok(format),
        Sniffed::Other(name) => Err(AvatarError::UnsupportedFormat {
            detected: Some(name),
        }),
        Sniffed::Unknown => Err(AvatarError::UnsupportedFormat { detected: None }),
    }
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
    fn content_decides_and_other_formats_are_named() {
        assert_eq!(
            detect(b"\x89PNG\r\n\x1a\n....").ok(),
            Some(AvatarFormat::Png)
        );
        assert!(matches!(
            detect(b"BM...."),
            Err(AvatarError::UnsupportedFormat {
                detected: Some("bmp")
            })
        ));
        assert!(matches!(
            detect(b"plain text"),
            Err(AvatarError::UnsupportedFormat { detected: None })
        ));
    }
}
