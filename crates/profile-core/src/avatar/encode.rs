//! Compact encodings: JPEG for opaque pictures, PNG when transparency must survive.

use crate::avatar::decode::Raster;
use crate::avatar::error::AvatarError;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ExtendedColorType, ImageEncoder};
use jpeg_encoder::{ColorType, Encoder, SamplingFactor};

/// An encoded picture, ready to store or to hand to the webview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedImage {
    /// The file content.
    pub bytes: Vec<u8>,
    /// `image/jpeg` or `image/png`.
    pub mime: &'static str,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// How hard to work: the stored avatar is kept, a preview is thrown away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effort {
    /// The avatar itself: JPEG quality 85 with optimised Huffman tables, best PNG compression.
    Store,
    /// A preview for the crop dialog: quick to make, a little larger.
    Preview,
}

/// JPEG when every pixel is opaque, otherwise PNG with alpha.
///
/// An alpha channel that is 255 everywhere (common in screenshots and exports) carries
/// nothing, so such a picture still gets the much smaller JPEG.
pub(crate) fn encode(raster: &Raster, effort: Effort) -> Result<EncodedImage, AvatarError> {
    if raster.has_alpha && raster.pixels.chunks_exact(4).any(|px| px[3] != 255) {
        encode_png(raster, effort)
    } else if raster.has_alpha {
        let rgb: Vec<u8> = raster
            .pixels
            .chunks_exact(4)
            .flat_map(|px| [px[0], px[1], px[2]])
            .collect();
        encode_jpeg(&rgb, raster.width, raster.height, effort)
    } else {
        encode_jpeg(&raster.pixels, raster.width, raster.height, effort)
    }
}

fn encode_jpeg(
    rgb: &[u8],
    width: u32,
    height: u32,
    effort: Effort,
) -> Result<EncodedImage, AvatarError> {
    let internal = |e: &dyn std::fmt::Display| AvatarError::Internal(format!("JPEG encode: {e}"));
    let w = u16::try_from(width).map_err(|e| internal(&e))?;
    let h = u16::try_from(height).map_err(|e| internal(&e))?;
    let mut bytes = Vec::new();
    let quality = match effort {
        Effort::Store => 85,
        Effort::Preview => 80,
    };
    let mut encoder = Encoder::new(&mut bytes, quality);
    // 4:2:0 chroma, as cameras and browsers do: the eye barely sees it, the file halves.
    encoder.set_sampling_factor(SamplingFactor::F_2_2);
    encoder.set_optimized_huffman_tables(effort == Effort::Store);
    encoder
        .encode(rgb, w, h, ColorType::Rgb)
        .map_err(|e| internal(&e))?;
    Ok(EncodedImage {
        bytes,
        mime: "image/jpeg",
        width,
        height,
    })
}

fn encode_png(raster: &Raster, effort: Effort) -> Result<EncodedImage, AvatarError> {
    let mut bytes = Vec::new();
    let (compression, filter) = match effort {
        Effort::Store => (CompressionType::Best, FilterType::Adaptive),
        Effort::Preview => (CompressionType::Fast, FilterType::Adaptive),
    };
    PngEncoder::new_with_quality(&mut bytes, compression, filter)
        .write_image(
            &raster.pixels,
            raster.width,
            raster.height,
            ExtendedColorType::Rgba8,
        )
        .map_err(|e| AvatarError::Internal(format!("PNG encode: {e}")))?;
    Ok(EncodedImage {
        bytes,
        mime: "image/png",
        width: raster.width,
        height: raster.height,
    })
}
