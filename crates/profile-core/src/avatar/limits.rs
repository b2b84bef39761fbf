//! How much the pipeline accepts: file size, image dimensions and decoder memory.

/// 5 MiB, the largest file the user may choose (DESIGN.md §4).
pub const MAX_FILE_BYTES: u64 = 5 * 1024 * 1024;

/// The side of the stored avatar, in pixels.
pub const AVATAR_SIDE: u32 = 512;

/// Bounds that keep a hostile or absurd file from exhausting time or memory.
///
/// A 5 MiB file can claim a gigantic image (a "decompression bomb"), so the dimensions from
/// the header are checked before any pixel buffer is allocated, and the decoders are given a
/// memory ceiling for whatever they allocate themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AvatarLimits {
    /// Largest file accepted, in bytes; checked before the file is decoded.
    pub max_file_bytes: u64,
    /// Largest width or height accepted, in pixels.
    pub max_side: u32,
    /// Largest width × height accepted, in pixels.
    pub max_pixels: u64,
    /// Largest buffer a decoder may allocate, in bytes.
    pub max_alloc: u64,
}

impl Default for AvatarLimits {
    /// 5 MiB files, 16384 px sides, 100 megapixels, 1 GiB of decoder memory.
    fn default() -> Self {
        Self {
            max_file_bytes: MAX_FILE_BYTES,
            max_side: 16_384,
            max_pixels: 100_000_000,
            // 100 MP of RGBA is 400 MB; leave room for a decoder's working rows and a
            // second plane without letting a file claim gigabytes.
            max_alloc: 1024 * 1024 * 1024,
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
