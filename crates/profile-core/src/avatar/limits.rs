//! How much the pipeline accepts: file size, image dimensions, decoding memory and work.

/// 5 MiB, the largest file the user may choose (DESIGN.md §4).
pub const MAX_FILE_BYTES: u64 = 5 * 1024 * 1024;

pub use profile_domain::avatar::AVATAR_SIDE;

/// Bounds that keep a hostile or absurd file from exhausting time or memory.
///
/// A 5 MiB file can claim a gigantic image (a "decompression bomb"), so everything is
/// judged from the header before any pixel buffer exists: the dimensions, and what one
/// decode would hold in memory at once (the decoder's buffers, JPEG coefficients, a GIF
/// frame, the conversion to 8-bit, the resize), which must fit one budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AvatarLimits {
    /// Largest file accepted, in bytes; checked before the file is decoded.
    pub max_file_bytes: u64,
    /// Largest width or height accepted, in pixels.
    pub max_side: u32,
    /// Largest width × height accepted, in pixels.
    pub max_pixels: u64,
    /// Most memory one preview or crop may hold at once, in bytes, all buffers together.
    pub max_decode_bytes: u64,
    /// Most scans a JPEG may have: each progressive scan walks the whole image again.
    pub max_jpeg_scans: u32,
}

impl Default for AvatarLimits {
    /// 5 MiB files, 16384 px sides, 100 megapixels, 512 MiB per decode, 100 JPEG scans.
    fn default() -> Self {
        Self {
            max_file_bytes: MAX_FILE_BYTES,
            max_side: 16_384,
            max_pixels: 100_000_000,
            // A 100 MP 8-bit RGBA PNG (400 MB) still fits; a 16-bit one or a huge progressive
            // JPEG does not, and no single file can make the app take gigabytes.
            max_decode_bytes: 512 * 1024 * 1024,
            // Encoders emit at most about a dozen (mozjpeg, libjpeg's progressive script);
            // tens of thousands are a way to burn CPU.
            max_jpeg_scans: 100,
        }
    }
}

impl AvatarLimits {
    /// Whether an image of `width` × `height` pixels is within the dimension limits.
    pub fn allows_dimensions(&self, width: u32, height: u32) -> bool {
        width <= self.max_side
            && height <= self.max_side
            && u64::from(width) * u64::from(height) <= self.max_pixels
    }
}
