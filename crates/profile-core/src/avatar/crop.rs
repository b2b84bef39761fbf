//! The square the user chose, and the high-quality resize of a region of pixels.

use crate::avatar::decode::Raster;
use crate::avatar::error::AvatarError;
use fast_image_resize::images::{TypedImage, TypedImageRef};
use fast_image_resize::pixels::{InnerPixel, U8x3, U8x4};
use fast_image_resize::{FilterType, PixelTrait, ResizeAlg, ResizeOptions, Resizer};
use serde::{Deserialize, Serialize};

/// A square in pixels of the original image as the user sees it (EXIF orientation applied).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CropSquare {
    /// Left edge, from the left of the oriented image.
    pub x: u32,
    /// Top edge, from the top of the oriented image.
    pub y: u32,
    /// Side length; at least 1.
    pub size: u32,
}

impl CropSquare {
    /// Refuses an empty square or one that sticks out of a `width` × `height` image.
    pub(crate) fn check_inside(&self, width: u32, height: u32) -> Result<(), AvatarError> {
        // u64 so that x + size cannot overflow on hostile input.
        let fits =
            |start: u32, limit: u32| u64::from(start) + u64::from(self.size) <= u64::from(limit);
        if self.size == 0 || !fits(self.x, width) || !fits(self.y, height) {
            return Err(AvatarError::CropInvalid {
                x: self.x,
                y: self.y,
                size: self.size,
                width,
                height,
            });
        }
        Ok(())
    }
}

/// A region of a raster, in raster pixels; fractional because a DCT-shrunk raster maps
/// original pixels to fractions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Region {
    pub left: f64,
    pub top: f64,
    pub width: f64,
    pub height: f64,
}

/// Resizes `region` of `raster` to `out_width` × `out_height` with Lanczos3.
///
/// Alpha is premultiplied during the filtering (the resizer's default), so transparent
/// pixels do not bleed their colour into the edges.
pub(crate) fn resize(
    raster: &Raster,
    region: Region,
    out_width: u32,
    out_height: u32,
) -> Result<Raster, AvatarError> {
    // Typed by the two layouts a raster has: the resizer's untyped entry point would link its
    // kernels for all thirteen pixel types (~1 MB of the release binary) to use two.
    let pixels = if raster.has_alpha {
        resize_as::<U8x4>(raster, region, out_width, out_height)
    } else {
        resize_as::<U8x3>(raster, region, out_width, out_height)
    }?;
    Ok(Raster {
        width: out_width,
        height: out_height,
        has_alpha: raster.has_alpha,
        pixels,
        shrink: 1,
    })
}

/// The resize itself for pixels of type `P`; returns the output's bytes.
fn resize_as<P: PixelTrait + InnerPixel>(
    raster: &Raster,
    region: Region,
    out_width: u32,
    out_height: u32,
) -> Result<Vec<u8>, AvatarError> {
    let internal = |e: &dyn std::fmt::Display| AvatarError::Internal(format!("resize: {e}"));
    let src = TypedImageRef::<P>::from_buffer(raster.width, raster.height, &raster.pixels)
        .map_err(|e| internal(&e))?;
    let mut pixels = vec![0; out_width as usize * out_height as usize * P::size()];
    let mut dst = TypedImage::<P>::from_buffer(out_width, out_height, &mut pixels)
        .map_err(|e| internal(&e))?;
    let options = ResizeOptions::new()
        .resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3))
        .crop(region.left, region.top, region.width, region.height);
    Resizer::new()
        .resize_typed(&src, &mut dst, &options)
        .map_err(|e| internal(&e))?;
    Ok(pixels)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn square_must_lie_inside() {
        let sq = |x, y, size| CropSquare { x, y, size };
        assert!(sq(0, 0, 100).check_inside(100, 80).is_err());
        assert!(sq(0, 0, 80).check_inside(100, 80).is_ok());
        assert!(sq(20, 0, 80).check_inside(100, 80).is_ok());
        assert!(sq(21, 0, 80).check_inside(100, 80).is_err());
        assert!(sq(0, 0, 0).check_inside(100, 80).is_err());
        assert!(sq(u32::MAX, 0, 2).check_inside(100, 80).is_err());
    }
}
