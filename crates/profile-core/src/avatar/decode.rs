//! From file bytes to 8-bit RGB(A) pixels, within the limits.
//!
//! The header is read first: its dimensions are checked and what decoding would hold in
//! memory is estimated, so a small file claiming a huge image is refused before any pixel
//! buffer exists. Decoders also get the budget as a ceiling for any single buffer.

use crate::avatar::budget::{self, DecodeCost};
use crate::avatar::error::AvatarError;
use crate::avatar::format::AvatarFormat;
use crate::avatar::jpeg;
use crate::avatar::limits::AvatarLimits;
use crate::avatar::orientation::Orientation;
use image::codecs::{gif::GifDecoder, png::PngDecoder, webp::WebPDecoder};
use image::{ColorType, DynamicImage, ImageDecoder, ImageError};
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
    /// What decoding will hold in memory.
    pub cost: DecodeCost,
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

/// Reads the header, checks its dimensions and that decoding can fit the memory budget.
pub(crate) fn read_header(
    format: AvatarFormat,
    bytes: &[u8],
    limits: &AvatarLimits,
) -> Result<Header, AvatarError> {
    let header = match format {
        AvatarFormat::Jpeg => jpeg::read_header(bytes, limits)?,
        _ => {
            let mut decoder = image_decoder(format, bytes, limits)?;
            let (width, height) = decoder.dimensions();
            check_dimensions(width, height, limits)?;
            let has_alpha = decoder.color_type().has_alpha();
            let cost = fixed_cost(format, bytes, decoder.as_ref(), has_alpha)?;
            Header {
                width,
                height,
                // A damaged Exif block is not worth refusing the picture for.
                orientation: decoder.orientation().unwrap_or(Orientation::NoTransforms),
                has_alpha,
                cost,
            }
        }
    };
    check_dimensions(header.width, header.height, limits)?;
    budget::check_cheapest(
        bytes.len() as u64,
        header.width,
        header.height,
        header.has_alpha,
        &header.cost,
        limits,
    )?;
    Ok(header)
}

/// What PNG, WebP and GIF decoding holds at once: the decoder's output at its own sample
/// size (16-bit stays 16-bit), its working buffers, and the conversion to 8-bit RGB(A).
fn fixed_cost(
    format: AvatarFormat,
    bytes: &[u8],
    decoder: &dyn ImageDecoder,
    has_alpha: bool,
) -> Result<DecodeCost, AvatarError> {
    let (width, height) = decoder.dimensions();
    let pixels = u64::from(width) * u64::from(height);
    let output = decoder.total_bytes();
    let target = if has_alpha {
        ColorType::Rgba8
    } else {
        ColorType::Rgb8
    };
    let converted = if decoder.color_type() == target {
        0
    } else {
        pixels * u64::from(target.bytes_per_pixel())
    };
    let working = match format {
        // The frame is decoded into its own buffer unless it spans the canvas' width.
        AvatarFormat::Gif => match gif_first_frame(bytes)? {
            Some((left, top, w, h))
                if !(left == 0
                    && u32::from(w) == width
                    && u32::from(top) + u32::from(h) <= height) =>
            {
                u64::from(w) * u64::from(h) * 4
            }
            _ => 0,
        },
        // Lossy planes (or lossless ARGB) of the frame, and for an animation also the canvas.
        AvatarFormat::WebP if webp_is_animated(bytes) => pixels * 8,
        AvatarFormat::WebP => pixels * 4,
        // Two rows and the inflater's window; nothing that grows with the image.
        AvatarFormat::Png | AvatarFormat::Jpeg => 0,
    };
    Ok(DecodeCost::Fixed(output + converted + working))
}

/// Position and size of the first frame, as its image descriptor says (nothing decoded).
fn gif_first_frame(bytes: &[u8]) -> Result<Option<(u16, u16, u16, u16)>, AvatarError> {
    let corrupt = |e: gif::DecodingError| AvatarError::Corrupt(e.to_string());
    let mut options = gif::DecodeOptions::new();
    options.set_color_output(gif::ColorOutput::Indexed);
    let mut decoder = options.read_info(bytes).map_err(corrupt)?;
    let frame = decoder.next_frame_info().map_err(corrupt)?;
    Ok(frame.map(|f| (f.left, f.top, f.width, f.height)))
}

/// Whether the extended header (VP8X) has its animation flag set.
fn webp_is_animated(bytes: &[u8]) -> bool {
    bytes.get(12..16) == Some(b"VP8X") && bytes.get(20).is_some_and(|flags| flags & 0x02 != 0)
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
    if decoder.total_bytes() > limits.max_decode_bytes {
        return Err(too_large());
    }
    let mut image_limits = image::Limits::default();
    image_limits.max_image_width = Some(limits.max_side);
    image_limits.max_image_height = Some(limits.max_side);
    image_limits.max_alloc = Some(limits.max_decode_bytes);
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
    let map = |e| map_image_error(e, &Header::unknown(), limits);
    Ok(match format {
        AvatarFormat::Png => {
            // No dimension limit here: the caller checks the header's dimensions itself so
            // the refusal can say what the file claimed.
            let mut png_limits = image::Limits::default();
            png_limits.max_alloc = Some(limits.max_decode_bytes);
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

impl Header {
    /// Stands in for a header not read yet, in errors raised while reading it.
    fn unknown() -> Self {
        Self {
            width: 0,
            height: 0,
            orientation: Orientation::NoTransforms,
            has_alpha: false,
            cost: DecodeCost::Fixed(0),
        }
    }
}

pub(crate) fn check_dimensions(
    width: u32,
    height: u32,
    limits: &AvatarLimits,
) -> Result<(), AvatarError> {
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
