//! JPEG through `jpeg-decoder`, which can decode at 1/2, 1/4 or 1/8 of the size by running
//! a reduced inverse DCT ("shrink-on-load", as libjpeg and libvips do). For a 24 MP photo
//! cut down to 512 px this skips most of the decoding work and memory.

use crate::avatar::budget::DecodeCost;
use crate::avatar::decode::{check_dimensions, Header, Raster};
use crate::avatar::error::AvatarError;
use crate::avatar::limits::AvatarLimits;
use crate::avatar::orientation::Orientation;
use jpeg_decoder::{CodingProcess, Decoder, PixelFormat};
use profile_domain::avatar::jpeg_layout;

/// Dimensions, orientation and decoding cost, from the markers; refuses a file with more
/// scans than allowed before any scan is decoded.
pub(crate) fn read_header(bytes: &[u8], limits: &AvatarLimits) -> Result<Header, AvatarError> {
    let mut decoder = Decoder::new(bytes);
    guarded(|| decoder.read_info())?.map_err(map_error)?;
    let info = guarded(|| decoder.info())?
        .ok_or_else(|| AvatarError::Corrupt("JPEG without a frame header".into()))?;
    if info.coding_process == CodingProcess::Lossless {
        return Err(AvatarError::UnsupportedFormat {
            detected: Some("jpeg-lossless"),
        });
    }
    let (width, height) = (u32::from(info.width), u32::from(info.height));
    // Before the cost is worth anything the claimed size must be sane.
    check_dimensions(width, height, limits)?;
    let layout = jpeg_layout::read(bytes, limits.max_jpeg_scans)
        .map_err(|e| AvatarError::Corrupt(format!("JPEG markers: {e:?}")))?;
    if layout.scans > limits.max_jpeg_scans {
        return Err(AvatarError::TooManyScans {
            scans: layout.scans,
            max_scans: limits.max_jpeg_scans,
        });
    }
    // The Exif segment nearly always precedes the frame header, so `read_info` has seen it.
    let orientation = decoder
        .exif_data()
        .and_then(Orientation::from_exif_chunk)
        .unwrap_or(Orientation::NoTransforms);
    Ok(Header {
        width,
        height,
        orientation,
        has_alpha: false,
        cost: DecodeCost::Jpeg(layout),
    })
}

/// Decodes at 1/`shrink` of the stored size (`shrink` is 1, 2, 4 or 8) into RGB.
pub(crate) fn decode(
    bytes: &[u8],
    header: &Header,
    limits: &AvatarLimits,
    shrink: u32,
) -> Result<Raster, AvatarError> {
    let (w, h, pixels, pixel_format) = {
        let mut decoder = Decoder::new(bytes);
        decoder.set_max_decoding_buffer_size(
            usize::try_from(limits.max_decode_bytes).unwrap_or(usize::MAX),
        );
        // Asking for the stored size divided by `shrink` makes the decoder pick exactly that
        // DCT scale (it picks the smallest scale at least as large as asked).
        let want = |side: u32| u16::try_from(side.div_ceil(shrink)).unwrap_or(u16::MAX);
        let (w, h) = guarded(|| decoder.scale(want(header.width), want(header.height)))?
            .map_err(map_error)?;
        let pixels = guarded(|| decoder.decode())?.map_err(map_error)?;
        let info = decoder
            .info()
            .ok_or_else(|| AvatarError::Internal("JPEG info missing after decode".into()))?;
        (w, h, pixels, info.pixel_format)
    }; // the decoder, with a progressive file's coefficients, is freed before converting
    let (width, height) = (u32::from(w), u32::from(h));
    let rgb = match pixel_format {
        PixelFormat::RGB24 => pixels,
        PixelFormat::L8 => pixels.iter().flat_map(|&l| [l, l, l]).collect(),
        PixelFormat::CMYK32 => cmyk_to_rgb(&pixels, has_adobe_marker(bytes)),
        PixelFormat::L16 => {
            return Err(AvatarError::UnsupportedFormat {
                detected: Some("jpeg-16bit"),
            })
        }
    };
    if rgb.len() != width as usize * height as usize * 3 {
        return Err(AvatarError::Corrupt(
            "JPEG decoded to an unexpected size".into(),
        ));
    }
    Ok(Raster {
        width,
        height,
        has_alpha: false,
        pixels: rgb,
        shrink,
    })
}

/// The largest DCT shrink (8, 4, 2 or 1) that still leaves at least `target` pixels across
/// a square of `size` stored pixels, so the final resize only ever scales down.
pub(crate) fn shrink_for(size: u32, target: u32) -> u32 {
    [8, 4, 2]
        .into_iter()
        .find(|&d| size / d >= target)
        .unwrap_or(1)
}

/// Runs a decoder step, turning a panic inside the third-party decoder into a refusal: a
/// hostile file must not take the app down.
fn guarded<T>(step: impl FnOnce() -> T) -> Result<T, AvatarError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(step))
        .map_err(|_| AvatarError::Corrupt("the JPEG decoder gave up on this file".into()))
}

fn map_error(e: jpeg_decoder::Error) -> AvatarError {
    match e {
        jpeg_decoder::Error::Unsupported(feature) => {
            tracing::info!(?feature, "unsupported JPEG feature");
            AvatarError::UnsupportedFormat {
                detected: Some("jpeg-variant"),
            }
        }
        other => AvatarError::Corrupt(other.to_string()),
    }
}

/// Whether an Adobe APP14 segment precedes the first scan.
///
/// `jpeg-decoder` inverts every 4-channel JPEG, which is right for the Adobe convention
/// (Photoshop stores CMYK inverted and says so in APP14) and wrong for the rare plain CMYK
/// file without that marker; libjpeg-based tools make the same distinction.
fn has_adobe_marker(bytes: &[u8]) -> bool {
    let mut at = 2; // after SOI
    while at + 4 <= bytes.len() {
        if bytes[at] != 0xFF {
            return false;
        }
        let marker = bytes[at + 1];
        if marker == 0xFF {
            at += 1; // fill byte
            continue;
        }
        if marker == 0xDA || marker == 0xD9 {
            return false; // start of scan or end of image: headers are over
        }
        let len = usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]));
        let payload = bytes.get(at + 4..at + 2 + len).unwrap_or_default();
        if marker == 0xEE && payload.starts_with(b"Adobe") {
            return true;
        }
        at += 2 + len;
    }
    false
}

/// CMYK ink amounts to RGB, the simple device conversion (no ICC colour management).
fn cmyk_to_rgb(cmyk: &[u8], adobe: bool) -> Vec<u8> {
    let mut rgb = Vec::with_capacity(cmyk.len() / 4 * 3);
    for px in cmyk.chunks_exact(4) {
        // After jpeg-decoder's inversion an Adobe file gives ink amounts; a plain file gives
        // their complement, so undo the inversion for it.
        let ink = |v: u8| if adobe { v } else { 255 - v };
        let k = u32::from(255 - ink(px[3]));
        for &c in &px[..3] {
            let paper = u32::from(255 - ink(c));
            rgb.push(((paper * k + 127) / 255) as u8);
        }
    }
    rgb
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shrink_keeps_at_least_the_target() {
        assert_eq!(shrink_for(4000, 512), 4);
        assert_eq!(shrink_for(4096, 512), 8);
        assert_eq!(shrink_for(1023, 512), 1);
        assert_eq!(shrink_for(1024, 512), 2);
        assert_eq!(shrink_for(100, 512), 1);
    }

    #[test]
    fn cmyk_primaries_convert() {
        // Ink amounts as jpeg-decoder reports them for an Adobe file.
        assert_eq!(cmyk_to_rgb(&[0, 255, 255, 0], true), vec![255, 0, 0]);
        assert_eq!(cmyk_to_rgb(&[0, 0, 0, 255], true), vec![0, 0, 0]);
        // A plain file stores ink; jpeg-decoder hands back its complement.
        assert_eq!(cmyk_to_rgb(&[255, 0, 0, 255], false), vec![255, 0, 0]);
    }

    #[test]
    fn adobe_marker_is_found_before_the_scan_only() {
        let adobe = b"\xFF\xD8\xFF\xEE\x00\x0EAdobe\x00\x64\x00\x00\x00\x00\x00\xFF\xDA";
        assert!(has_adobe_marker(adobe));
        let late = b"\xFF\xD8\xFF\xDA\x00\x02\xFF\xEE\x00\x07Adobe";
        assert!(!has_adobe_marker(late));
    }
}
