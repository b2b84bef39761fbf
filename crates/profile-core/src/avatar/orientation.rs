//! EXIF orientation: the size the user sees, and where a square they chose lies in the
//! stored (unrotated) pixels.
//!
//! Cameras store pixels as the sensor read them and record how to turn them (EXIF tag
//! 0x0112, values 1–8). The UI works in oriented pixels; decoding works in stored ones.
//! A square maps to a square under all eight orientations, so the pipeline crops and
//! resizes in stored pixels and turns only the small 512×512 result.

use crate::avatar::decode::Raster;
use crate::avatar::error::AvatarError;
use image::{DynamicImage, RgbImage, RgbaImage};

pub use image::metadata::Orientation;

/// Turns `raster` (stored orientation) the way the user sees it.
pub(crate) fn apply(raster: Raster, orientation: Orientation) -> Result<Raster, AvatarError> {
    if orientation == Orientation::NoTransforms {
        return Ok(raster);
    }
    let (w, h, has_alpha) = (raster.width, raster.height, raster.has_alpha);
    let mismatch = || AvatarError::Internal("raster size does not match its buffer".into());
    let mut image = if has_alpha {
        DynamicImage::ImageRgba8(RgbaImage::from_raw(w, h, raster.pixels).ok_or_else(mismatch)?)
    } else {
        DynamicImage::ImageRgb8(RgbImage::from_raw(w, h, raster.pixels).ok_or_else(mismatch)?)
    };
    image.apply_orientation(orientation);
    let (width, height) = (image.width(), image.height());
    let pixels = if has_alpha {
        image.into_rgba8().into_raw()
    } else {
        image.into_rgb8().into_raw()
    };
    Ok(Raster {
        width,
        height,
        has_alpha,
        pixels,
        shrink: raster.shrink,
    })
}

/// Width and height as the user sees them once `orientation` is applied.
pub(crate) fn oriented_size(width: u32, height: u32, orientation: Orientation) -> (u32, u32) {
    if swaps_axes(orientation) {
        (height, width)
    } else {
        (width, height)
    }
}

/// Whether the orientation turns the image a quarter (values 5–8).
fn swaps_axes(orientation: Orientation) -> bool {
    matches!(
        orientation,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    )
}

/// Top-left corner in stored pixels of the square whose oriented top-left is `(x, y)`.
///
/// `width` and `height` are the stored dimensions; the square must already be known to lie
/// inside the oriented image.
pub(crate) fn stored_square_origin(
    x: u32,
    y: u32,
    size: u32,
    width: u32,
    height: u32,
    orientation: Orientation,
) -> (u32, u32) {
    // For each orientation, invert "stored (sx, sy) is shown at oriented (x, y)" and take the
    // corner of the square that ends up top-left.
    match orientation {
        Orientation::NoTransforms => (x, y),
        Orientation::FlipHorizontal => (width - x - size, y),
        Orientation::Rotate180 => (width - x - size, height - y - size),
        Orientation::FlipVertical => (x, height - y - size),
        // EXIF 5, transpose.
        Orientation::Rotate90FlipH => (y, x),
        // EXIF 6, shown turned a quarter clockwise.
        Orientation::Rotate90 => (y, height - x - size),
        // EXIF 7, transverse.
        Orientation::Rotate270FlipH => (width - y - size, height - x - size),
        // EXIF 8, shown turned a quarter counter-clockwise.
        Orientation::Rotate270 => (width - y - size, x),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::GenericImageView;

    const ALL: [Orientation; 8] = [
        Orientation::NoTransforms,
        Orientation::FlipHorizontal,
        Orientation::Rotate180,
        Orientation::FlipVertical,
        Orientation::Rotate90FlipH,
        Orientation::Rotate90,
        Orientation::Rotate270FlipH,
        Orientation::Rotate270,
    ];

    /// Cropping stored pixels and then turning must equal turning and then cropping.
    #[test]
    fn stored_square_matches_oriented_square() {
        let (w, h) = (7u32, 5u32);
        let stored = RgbImage::from_fn(w, h, |x, y| image::Rgb([x as u8, y as u8, 0]));
        for o in ALL {
            let mut oriented = DynamicImage::ImageRgb8(stored.clone());
            oriented.apply_orientation(o);
            let (ow, oh) = oriented_size(w, h, o);
            assert_eq!((oriented.width(), oriented.height()), (ow, oh), "{o:?}");
            for size in 1..=3 {
                for y in 0..=oh - size {
                    for x in 0..=ow - size {
                        let want = oriented.view(x, y, size, size).to_image();
                        let (sx, sy) = stored_square_origin(x, y, size, w, h, o);
                        let mut got = DynamicImage::ImageRgb8(
                            image::imageops::crop_imm(&stored, sx, sy, size, size).to_image(),
                        );
                        got.apply_orientation(o);
                        assert_eq!(got.to_rgb8(), DynamicImage::ImageRgba8(want).to_rgb8());
                    }
                }
            }
        }
    }
}
