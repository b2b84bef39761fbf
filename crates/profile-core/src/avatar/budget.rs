//! What one preview or crop holds in memory at once, estimated from the header before any
//! pixel is decoded, and the choice of JPEG scale that keeps it within the budget.
//!
//! The two big moments are decoding (the decoder's buffers plus the conversion to 8-bit
//! RGB(A)) and resizing (the raster, its premultiplied copy when it has alpha, the
//! resizer's intermediate rows and the output). The file's bytes are held throughout.

use crate::avatar::error::AvatarError;
use crate::avatar::limits::AvatarLimits;
use profile_domain::avatar::jpeg_layout::JpegLayout;

/// What decoding costs, as the header tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DecodeCost {
    /// Bytes held at once whatever the scale (PNG, WebP, GIF): decoder buffers, its output
    /// and the conversion to 8-bit RGB(A).
    Fixed(u64),
    /// A JPEG, whose cost depends on the DCT scale.
    Jpeg(JpegLayout),
}

impl DecodeCost {
    /// Bytes held while decoding at 1/`shrink` scale.
    fn decode_bytes(&self, shrink: u32) -> u64 {
        match self {
            Self::Fixed(bytes) => *bytes,
            Self::Jpeg(layout) => layout.decode_bytes(shrink),
        }
    }
}

/// One decode-and-resize: what is decoded and what comes out.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Job {
    /// Size of the file, held throughout.
    pub file_bytes: u64,
    /// Stored width and height of the picture.
    pub width: u32,
    /// Stored height.
    pub height: u32,
    /// Whether the raster is RGBA (else RGB).
    pub has_alpha: bool,
    /// Width of the region to resize, in stored pixels.
    pub region_width: u32,
    /// Size of the resized result.
    pub out: (u32, u32),
}

impl Job {
    /// Bytes held at the busiest moment when the picture is decoded at 1/`shrink`.
    pub fn peak_bytes(&self, cost: &DecodeCost, shrink: u32) -> u64 {
        let s = u64::from(shrink.max(1));
        let channels = if self.has_alpha { 4 } else { 3 };
        let raster =
            u64::from(self.width).div_ceil(s) * u64::from(self.height).div_ceil(s) * channels;
        // The resizer premultiplies a copy of the whole source when there is alpha, and for
        // 8-bit pixels runs the vertical pass first into region width × output height.
        let premultiplied = if self.has_alpha { raster } else { 0 };
        let (out_w, out_h) = (u64::from(self.out.0), u64::from(self.out.1));
        // Lanczos3 reads 3 source pixels per output pixel beyond each edge of the region:
        // 3 × (region / output) a side, at most the whole width.
        let region = u64::from(self.region_width).div_ceil(s);
        let columns =
            (region + 6 * region.div_ceil(out_w.max(1)) + 6).min(u64::from(self.width).div_ceil(s));
        let intermediate = columns * out_h * channels;
        let resize = raster + premultiplied + intermediate + out_w * out_h * channels;
        self.file_bytes + cost.decode_bytes(shrink).max(resize)
    }
}

/// The DCT shrink to decode at: `wanted` (1, 2, 4 or 8) if it fits the budget, else the
/// smallest larger one that does (a small crop of a huge JPEG comes out softer rather than
/// taking gigabytes). Other formats decode only at full scale.
pub(crate) fn choose_shrink(
    job: &Job,
    cost: &DecodeCost,
    wanted: u32,
    limits: &AvatarLimits,
) -> Result<u32, AvatarError> {
    let candidates: &[u32] = match cost {
        DecodeCost::Jpeg(_) => &[1, 2, 4, 8],
        DecodeCost::Fixed(_) => &[1],
    };
    let wanted = wanted.min(*candidates.last().unwrap_or(&1));
    let mut needed = u64::MAX;
    for &shrink in candidates.iter().filter(|&&s| s >= wanted) {
        needed = job.peak_bytes(cost, shrink);
        if needed <= limits.max_decode_bytes {
            return Ok(shrink);
        }
    }
    Err(AvatarError::NeedsTooMuchMemory {
        needed_bytes: needed,
        max_bytes: limits.max_decode_bytes,
    })
}

/// Refuses a picture that cannot fit the budget even at its cheapest (largest shrink, a
/// tiny output): checked when the file is opened, so the user learns at once.
pub(crate) fn check_cheapest(
    file_bytes: u64,
    width: u32,
    height: u32,
    has_alpha: bool,
    cost: &DecodeCost,
    limits: &AvatarLimits,
) -> Result<(), AvatarError> {
    let job = Job {
        file_bytes,
        width,
        height,
        has_alpha,
        region_width: 1,
        out: (1, 1),
    };
    choose_shrink(&job, cost, 8, limits).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(max_decode_bytes: u64) -> AvatarLimits {
        AvatarLimits {
            max_decode_bytes,
            ..AvatarLimits::default()
        }
    }

    fn jpeg(width: u32, height: u32, progressive: bool) -> DecodeCost {
        DecodeCost::Jpeg(JpegLayout {
            width,
            height,
            sampling: [(1, 1); 4],
            count: 3,
            progressive,
            scans: 1,
        })
    }

    fn job(width: u32, height: u32, region_width: u32) -> Job {
        Job {
            file_bytes: 1000,
            width,
            height,
            has_alpha: false,
            region_width,
            out: (512, 512),
        }
    }

    #[test]
    fn a_larger_shrink_is_taken_when_the_wanted_one_does_not_fit() {
        // 16000×6000 baseline 4:4:4: full scale is 96 MP × (3 planes + 3 output) ≈ 576 MB.
        let cost = jpeg(16_000, 6_000, false);
        let small_crop = job(16_000, 6_000, 300);
        let budget = limits(512 << 20);
        assert!(small_crop.peak_bytes(&cost, 1) > budget.max_decode_bytes);
        assert_eq!(choose_shrink(&small_crop, &cost, 1, &budget).unwrap(), 2);
        assert_eq!(choose_shrink(&small_crop, &cost, 4, &budget).unwrap(), 4);
        let roomy = limits(1 << 30);
        assert_eq!(choose_shrink(&small_crop, &cost, 1, &roomy).unwrap(), 1);
    }

    #[test]
    fn progressive_coefficients_do_not_shrink_and_can_refuse() {
        // 16000×6000 progressive 4:4:4: 4.5 M blocks × 3 × 128 bytes ≈ 576 MB at any scale.
        let cost = jpeg(16_000, 6_000, true);
        let err = check_cheapest(1000, 16_000, 6_000, false, &cost, &limits(512 << 20));
        assert!(matches!(err, Err(AvatarError::NeedsTooMuchMemory { .. })));
        check_cheapest(
            1000,
            1600,
            600,
            false,
            &jpeg(1600, 600, true),
            &limits(512 << 20),
        )
        .unwrap();
    }

    #[test]
    fn other_formats_have_one_scale_and_alpha_doubles_the_resize() {
        let cost = DecodeCost::Fixed(100);
        let mut j = job(1000, 1000, 1000);
        let opaque = j.peak_bytes(&cost, 1);
        j.has_alpha = true;
        let alpha = j.peak_bytes(&cost, 1);
        assert!(alpha > opaque + 4_000_000, "{alpha} vs {opaque}");
        assert!(choose_shrink(&j, &cost, 8, &limits(alpha)).is_ok());
        assert!(choose_shrink(&j, &cost, 8, &limits(alpha - 1)).is_err());
    }
}
