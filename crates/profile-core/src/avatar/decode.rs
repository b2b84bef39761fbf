//! From file bytes to 8-bit RGB(A) pixels, within the limits.
//!
//! The header is read first and its dimensions checked, so a small file claiming a huge
//! image is refused before any pixel buffer exists. Decoders also get a memory ceiling.

use crate::avatar::error::AvatarError;
use crate::avatar::format::AvatarFormat;
use crate::avatar::jpeg;
use crate::avatar::limits::AvatarLimits;
use crate::avatar::orientation::Orientation;
use image::codecs::{gif::GifDecoder, png::PngDecoder, webp::WebPDecoder};
use image::{DynamicImage, ImageDecoder, ImageError};
use std::io::Cursor;

/// What the file says about itself before any pixel is decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    /// Stored width (before orientation).
    pub width: u32,
    /// Stored height (before orientation).
    pub height: u32,
    /// How the stored pixels are to be turned for display.
    pub orientation: Orientation,
    /// Whether the pixels carry an alpha channel (which may still be fully opaque).
    pub has_alpha: bool,
}

/// Decoded pixels: 8-bit RGB, or RGBA when `has_alpha`, in stored orientation.
pub(crate) struct Raster {
    pub width: u32,
    pub height: u32,
    pub has_alpha: bool,
    pub pixels: Vec<u8>,
    /// The DCT shrink that was applied: stored pixel = raster pixel × `shrink`.
    pub shrink: u32,
}

/// Reads the header and checks its dimensions against the limits.
pub(crate) fn read_header(
    format: AvatarFormat,
    bytes: &[u8],
    limits: &AvatarLimits,
) -> Result<Header, AvatarError> {
    let header = match format {
        AvatarFormat::Jpeg => jpeg::read_header(bytes)?,
        _ => {
            let mut decoder = image_decoder(format, bytes, limits)?;
            let (width, height) = decoder.dimensions();
            check_dimensions(width, height, limits)?;
            Header {
                width,
                height,
                // A damaged Exif block is not worth refusing the picture for.
                orientation: decoder.orientation().unwrap_or(Orientation::NoTransforms),
                has_alpha: decoder.color_type().has_alpha(),
            }
        }
    };
    check_dimensions(header.width, header.height, limits)?;
    Ok(header)
}

/// Decodes the whole image; a JPEG at 1/`shrink` of its size (1, 2, 4 or 8).
pub(crate) fn decode(
    format: AvatarFormat,
    bytes: &[u8],
    header: &Header,
    limits: &AvatarLimits,
    shrink: u32,
) -> Result<Raster, AvatarError> {
    if format == AvatarFormat::Jpeg {
        return jpeg::decode(bytes, header, limits, shrink);
    }
    let too_large = || dimensions_error(header.width, header.height, limits);
    let mut decoder = image_decoder(format, bytes, limits)?;
    if decoder.total_bytes() > limits.max_alloc {
        return Err(too_large());
    }
    let mut image_limits = image::Limits::default();
    image_limits.max_image_width = Some(limits.max_side);
    image_limits.max_image_height = Some(limits.max_side);
    image_limits.max_alloc = Some(limits.max_alloc);
    decoder
        .set_limits(image_limits)
        .map_err(|e| map_image_error(e, header, limits))?;
    let image = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        DynamicImage::from_decoder(decoder)
    }))
    .map_err(|_| AvatarError::Corrupt("the decoder gave up on this file".into()))?
    .map_err(|e| map_image_error(e, header, limits))?;
    let (width, height) = (image.width(), image.height());
    let (has_alpha, pixels) = if header.has_alpha {
        (true, image.into_rgba8().into_raw())
    } else {
        (false, image.into_rgb8().into_raw())
    };
    Ok(Raster {
        width,
        height,
        has_alpha,
        pixels,
        shrink: 1,
    })
}

fn image_decoder<'a>(
    format: AvatarFormat,
    bytes: &'a [u8],
    limits: &AvatarLimits,
) -> Result<Box<dyn ImageDecoder + 'a>, AvatarError> {
    let reader = Cursor::new(bytes);
    let unknown = Header {
        width: 0,
        height: 0,
        orientation: Orientation::NoTransforms,
        has_alpha: false,
    };
    let map = |e| map_image_error(e, &unknown, limits);
    Ok(match format {
        AvatarFormat::Png => {
            // No dimension limit here: the caller checks the header's dimensions itself so
            // the refusal can say what the file claimed.
            let mut png_limits = image::Limits::default();
            png_limits.max_alloc = Some(limits.max_alloc);
            Box::new(PngDecoder::with_limits(reader, png_limits).map_err(map)?)
        }
        AvatarFormat::Gif => Box::new(GifDecoder::new(reader).map_err(map)?),
        AvatarFormat::WebP => Box::new(WebPDecoder::new(reader).map_err(map)?),
        AvatarFormat::Jpeg => {
            return Err(AvatarError::Internal(
                "JPEG goes through jpeg-decoder".into(),
            ))
        }
    })
}

fn check_dimensions(width: u32, height: u32, limits: &AvatarLimits) -> Result<(), AvatarError> {
    if width == 0 || height == 0 {
        return Err(AvatarError::Corrupt("the image has no pixels".into()));
    }
    if !limits.allows_dimensions(width, height) {
        return Err(dimensions_error(width, height, limits));
    }
    Ok(())
}

fn dimensions_error(width: u32, height: u32, limits: &AvatarLimits) -> AvatarError {
    AvatarError::DimensionsTooLarge {
        width,
        height,
        max_side: limits.max_side,
        max_pixels: limits.max_pixels,
    }
}

fn map_image_error(e: ImageError, header: &Header, limits: &AvatarLimits) -> AvatarError {
    match e {
        ImageError::Limits(_) => dimensions_error(header.width, header.height, limits),
        ImageError::Unsupported(u) => {
            tracing::info!(reason = %u, "unsupported image variant");
            AvatarError::UnsupportedFormat { detected: None }
        }
        ImageError::Encoding(_) => AvatarError::Internal(e.to_string()),
        // Everything else (bad data, unexpected end, bad parameters in the file) is the file.
        other => AvatarError::Corrupt(other.to_string()),
    }
}
