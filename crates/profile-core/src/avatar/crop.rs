//! The square the user chose, and the high-quality resize of a region of pixels.

use crate::avatar::decode::Raster;
use crate::avatar::error::AvatarError;
use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
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
    let pixel_type = if raster.has_alpha {
        PixelType::U8x4
    } else {
        PixelType::U8x3
    };
    let internal = |e: &dyn std::fmt::Display| AvatarError::Internal(format!("resize: {e}"));
    let src = ImageRef::new(raster.width, raster.height, &raster.pixels, pixel_type)
        .map_err(|e| internal(&e))?;
    let mut dst = Image::new(out_width, out_height, pixel_type);
    let options = ResizeOptions::new()
        .resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3))
        .crop(region.left, region.top, region.width, region.height);
    Resizer::new()
        .resize(&src, &mut dst, &options)
        .map_err(|e| internal(&e))?;
    Ok(Raster {
        width: out_width,
        height: out_height,
        has_alpha: raster.has_alpha,
        pixels: dst.into_vec(),
        shrink: 1,
    })
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
