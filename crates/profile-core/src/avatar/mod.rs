//! The avatar pipeline: a file the user chose → a preview for the crop dialog → a
//! 512×512 avatar of the square they cropped (DESIGN.md §4).
//!
//! Rust reads the file; the webview never does. Checks run cheapest first: a regular file
//! (never blocking), its size (before reading), format from the content, dimensions and
//! the memory one decode would hold from the header (before any pixel buffer), JPEG scan
//! count. JPEGs are decoded at 1/2, 1/4 or 1/8 scale whenever that still leaves enough
//! pixels (or when a larger scale would not fit the memory budget), which is what makes a
//! 24 MP photo quick. Coordinates the caller sees are always in original pixels after EXIF
//! orientation. A [`CancelToken`] stops the work between stages.

mod budget;
mod cancel;
mod crop;
mod decode;
mod encode;
mod error;
mod format;
mod jpeg;
mod limits;
mod orientation;
mod read;

pub use cancel::CancelToken;
pub use crop::CropSquare;
pub use encode::EncodedImage;
pub use error::AvatarError;
pub use format::AvatarFormat;
pub use limits::{AvatarLimits, AVATAR_SIDE, MAX_FILE_BYTES};
pub use orientation::Orientation;

use crop::Region;
use decode::Header;
use encode::Effort;
use std::path::Path;

/// Turns chosen image files into previews and cropped 512×512 avatars, within limits.
#[derive(Debug, Clone, Default)]
pub struct AvatarPipeline {
    limits: AvatarLimits,
    cancel: CancelToken,
}

/// A chosen file that passed the size, format and header checks; its pixels are decoded
/// only when a preview or crop is asked for.
#[derive(Debug, Clone)]
pub struct AvatarSource {
    bytes: Vec<u8>,
    format: AvatarFormat,
    header: Header,
}

/// A downscaled whole picture for the crop dialog, with the original's oriented size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    /// The preview picture, oriented, fitting in the requested box.
    pub image: EncodedImage,
    /// Width of the original after orientation: the space crop squares are given in.
    pub original_width: u32,
    /// Height of the original after orientation.
    pub original_height: u32,
}

impl AvatarSource {
    /// The format found in the content.
    pub fn format(&self) -> AvatarFormat {
        self.format
    }

    /// Width in pixels as the user sees the picture (EXIF orientation applied).
    pub fn width(&self) -> u32 {
        self.oriented_size().0
    }

    /// Height in pixels as the user sees the picture (EXIF orientation applied).
    pub fn height(&self) -> u32 {
        self.oriented_size().1
    }

    /// Whether the picture has an alpha channel (it may still turn out fully opaque).
    pub fn has_alpha(&self) -> bool {
        self.header.has_alpha
    }

    /// The EXIF orientation found in the file.
    pub fn orientation(&self) -> Orientation {
        self.header.orientation
    }

    /// Size of the file in bytes.
    pub fn file_size(&self) -> u64 {
        self.bytes.len() as u64
    }

    fn oriented_size(&self) -> (u32, u32) {
        orientation::oriented_size(
            self.header.width,
            self.header.height,
            self.header.orientation,
        )
    }
}

impl AvatarPipeline {
    /// A pipeline with the given limits.
    pub fn new(limits: AvatarLimits) -> Self {
        Self {
            limits,
            cancel: CancelToken::new(),
        }
    }

    /// This pipeline, stopping with [`AvatarError::Cancelled`] at the next stage once
    /// `cancel` is cancelled.
    pub fn with_cancel(&self, cancel: CancelToken) -> Self {
        Self {
            limits: self.limits,
            cancel,
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> &AvatarLimits {
        &self.limits
    }

    /// Reads and checks the file at `path`: size, format (by content; the name is never
    /// consulted), dimensions and orientation. Pixel data is decoded later.
    pub fn open(&self, path: &Path) -> Result<AvatarSource, AvatarError> {
        self.cancel.check()?;
        let bytes = read::read_regular_file(path, self.limits.max_file_bytes)?;
        self.cancel.check()?;
        let format = format::detect(&bytes)?;
        let header = decode::read_header(format, &bytes, &self.limits)?;
        self.cancel.check()?;
        Ok(AvatarSource {
            bytes,
            format,
            header,
        })
    }

    /// The whole picture, oriented and scaled down to fit `max_side` × `max_side` (never
    /// up): JPEG, or PNG if it has transparency.
    ///
    /// The crop dialog maps a square drawn on the preview to original pixels by
    /// multiplying by `original_width / image.width`.
    pub fn preview(&self, source: &AvatarSource, max_side: u32) -> Result<Preview, AvatarError> {
        if max_side == 0 {
            return Err(AvatarError::Internal(
                "preview size must be positive".into(),
            ));
        }
        let Header { width, height, .. } = source.header;
        let longest = width.max(height);
        let (out_w, out_h) = if longest <= max_side {
            (width, height)
        } else {
            let fit = |side: u32| {
                let scaled = u64::from(side) * u64::from(max_side) / u64::from(longest);
                (scaled as u32).max(1)
            };
            (fit(width), fit(height))
        };
        let region_width = width;
        let raster = self.decode_for(source, longest, max_side, region_width, (out_w, out_h))?;
        let s = f64::from(raster.shrink);
        let region = Region {
            left: 0.0,
            top: 0.0,
            width: f64::from(width) / s,
            height: f64::from(height) / s,
        };
        let small = crop::resize(&raster, region, out_w, out_h)?;
        drop(raster);
        self.cancel.check()?;
        let oriented = orientation::apply(small, source.header.orientation)?;
        let image = encode::encode(&oriented, Effort::Preview)?;
        self.cancel.check()?;
        Ok(Preview {
            image,
            original_width: source.width(),
            original_height: source.height(),
        })
    }

    /// The avatar: `square` (original pixels after orientation) cut out, resized to
    /// 512×512 with Lanczos3 and encoded as JPEG (quality 85), or PNG if it has
    /// transparency.
    pub fn crop(
        &self,
        source: &AvatarSource,
        square: CropSquare,
    ) -> Result<EncodedImage, AvatarError> {
        square.check_inside(source.width(), source.height())?;
        let Header {
            width,
            height,
            orientation,
            ..
        } = source.header;
        let (sx, sy) = orientation::stored_square_origin(
            square.x,
            square.y,
            square.size,
            width,
            height,
            orientation,
        );
        let raster = self.decode_for(
            source,
            square.size,
            AVATAR_SIDE,
            square.size,
            (AVATAR_SIDE, AVATAR_SIDE),
        )?;
        let s = f64::from(raster.shrink);
        let region = Region {
            left: f64::from(sx) / s,
            top: f64::from(sy) / s,
            width: f64::from(square.size) / s,
            height: f64::from(square.size) / s,
        };
        let avatar = crop::resize(&raster, region, AVATAR_SIDE, AVATAR_SIDE)?;
        drop(raster);
        self.cancel.check()?;
        // The square stays a square under every orientation, so turning the small result
        // is the same as turning the whole picture first, and far cheaper.
        let avatar = orientation::apply(avatar, orientation)?;
        let encoded = encode::encode(&avatar, Effort::Store)?;
        // Checked once more so that a cancelled save never reaches the store.
        self.cancel.check()?;
        Ok(encoded)
    }

    /// Decodes `source` as small as still leaves `span` stored pixels at least `target`
    /// wide, or smaller when that would not fit the memory budget with a resize of
    /// `region_width` stored pixels to `out`.
    fn decode_for(
        &self,
        source: &AvatarSource,
        span: u32,
        target: u32,
        region_width: u32,
        out: (u32, u32),
    ) -> Result<decode::Raster, AvatarError> {
        self.cancel.check()?;
        let header = &source.header;
        let wanted = match source.format {
            AvatarFormat::Jpeg => jpeg::shrink_for(span, target),
            _ => 1,
        };
        let job = budget::Job {
            file_bytes: source.file_size(),
            width: header.width,
            height: header.height,
            has_alpha: header.has_alpha,
            region_width,
            out,
        };
        let shrink = budget::choose_shrink(&job, &header.cost, wanted, &self.limits)?;
        let raster = decode::decode(source.format, &source.bytes, header, &self.limits, shrink)?;
        self.cancel.check()?;
        Ok(raster)
    }
}
