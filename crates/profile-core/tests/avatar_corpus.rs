//! The avatar pipeline on real files written to a temporary folder by the tests themselves
//! (no binary fixtures): every accepted format, EXIF orientations, CMYK, transparency,
//! animation, and every refusal with its stable code.

mod support;

use image::codecs::gif::GifEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::{Delay, Frame, ImageEncoder, Rgb, RgbImage, Rgba, RgbaImage};
use profile_core::avatar::{
    AvatarError, AvatarFormat, AvatarPipeline, CancelToken, CropSquare, EncodedImage, Orientation,
};
use profile_core::{CoreError, ErrorCode};
use std::path::{Path, PathBuf};
use support::hostile::png_chunk;

// ---------------------------------------------------------------------------------------
// Helpers: write files, encode test pictures, read results back.

const RED: [u8; 3] = [220, 30, 30];
const GREEN: [u8; 3] = [30, 200, 60];
const BLUE: [u8; 3] = [30, 40, 220];
const YELLOW: [u8; 3] = [240, 220, 20];

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write test file");
    path
}

fn jpeg_with(
    image: &RgbImage,
    quality: u8,
    configure: impl FnOnce(&mut jpeg_encoder::Encoder<&mut Vec<u8>>),
) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, quality);
    configure(&mut encoder);
    encoder
        .encode(
            image.as_raw(),
            image.width() as u16,
            image.height() as u16,
            jpeg_encoder::ColorType::Rgb,
        )
        .expect("encode JPEG");
    out
}

fn jpeg(image: &RgbImage) -> Vec<u8> {
    jpeg_with(image, 92, |_| {})
}

fn png_rgba(image: &RgbaImage) -> Vec<u8> {
    let mut out = Vec::new();
    PngEncoder::new(&mut out)
        .write_image(
            image.as_raw(),
            image.width(),
            image.height(),
            image::ExtendedColorType::Rgba8,
        )
        .expect("encode PNG");
    out
}

fn png_rgb(image: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    PngEncoder::new(&mut out)
        .write_image(
            image.as_raw(),
            image.width(),
            image.height(),
            image::ExtendedColorType::Rgb8,
        )
        .expect("encode PNG");
    out
}

/// Left half `left`, right half `right`.
fn halves(width: u32, height: u32, left: [u8; 3], right: [u8; 3]) -> RgbImage {
    RgbImage::from_fn(width, height, |x, _| {
        Rgb(if x < width / 2 { left } else { right })
    })
}

/// The result decoded back to RGBA, whatever it was encoded as.
fn decode_result(encoded: &EncodedImage) -> RgbaImage {
    match encoded.mime {
        "image/jpeg" => {
            let mut decoder = jpeg_decoder::Decoder::new(encoded.bytes.as_slice());
            let pixels = decoder.decode().expect("our JPEG decodes");
            let info = decoder.info().expect("info");
            assert_eq!(info.pixel_format, jpeg_decoder::PixelFormat::RGB24);
            let rgb = RgbImage::from_raw(info.width.into(), info.height.into(), pixels)
                .expect("buffer size");
            image::DynamicImage::ImageRgb8(rgb).to_rgba8()
        }
        "image/png" => image::load_from_memory_with_format(&encoded.bytes, image::ImageFormat::Png)
            .expect("our PNG decodes")
            .to_rgba8(),
        other => panic!("unexpected MIME type {other}"),
    }
}

fn assert_near(image: &RgbaImage, x: u32, y: u32, want: [u8; 3], what: &str) {
    let px = image.get_pixel(x, y).0;
    let close = px[..3]
        .iter()
        .zip(want)
        .all(|(&got, want)| got.abs_diff(want) <= 40);
    assert!(
        close,
        "{what}: pixel ({x}, {y}) is {px:?}, expected about {want:?}"
    );
}

fn code_of<T: std::fmt::Debug>(result: Result<T, AvatarError>) -> &'static str {
    result.expect_err("expected a refusal").code().as_str()
}

fn square(x: u32, y: u32, size: u32) -> CropSquare {
    CropSquare { x, y, size }
}

/// Opens, previews and crops a full-height square, checking the invariants every accepted
/// file must meet, and returns the avatar decoded.
fn accept(path: &Path, format: AvatarFormat, width: u32, height: u32) -> (EncodedImage, RgbaImage) {
    let pipeline = AvatarPipeline::default();
    let source = pipeline.open(path).expect("file accepted");
    assert_eq!(source.format(), format);
    assert_eq!((source.width(), source.height()), (width, height));
    let preview = pipeline.preview(&source, 1024).expect("preview");
    assert_eq!(
        (preview.original_width, preview.original_height),
        (width, height)
    );
    assert!(preview.image.width <= 1024 && preview.image.height <= 1024);
    let side = width.min(height);
    let avatar = pipeline.crop(&source, square(0, 0, side)).expect("crop");
    assert_eq!((avatar.width, avatar.height), (512, 512));
    let decoded = decode_result(&avatar);
    assert_eq!(decoded.dimensions(), (512, 512));
    (avatar, decoded)
}

// ---------------------------------------------------------------------------------------
// Accepted formats.

#[test]
fn baseline_jpeg_is_cropped_to_512_jpeg() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "photo.jpg", &jpeg(&halves(900, 600, RED, BLUE)));
    let (avatar, out) = accept(&path, AvatarFormat::Jpeg, 900, 600);
    assert_eq!(avatar.mime, "image/jpeg");
    // The square 0..600 holds red 0..450 and blue 450..600.
    assert_near(&out, 100, 256, RED, "left of the square");
    assert_near(&out, 500, 256, BLUE, "right of the square");
}

#[test]
fn progressive_jpeg_is_accepted_and_shrunk_on_load() {
    let dir = tempfile::tempdir().unwrap();
    // 1100 px: the full square shrinks by 2 on load (550 ≥ 512).
    let bytes = jpeg_with(&halves(1100, 1100, GREEN, YELLOW), 90, |e| {
        e.set_progressive(true)
    });
    let path = write(dir.path(), "progressive.jpeg", &bytes);
    let (_, out) = accept(&path, AvatarFormat::Jpeg, 1100, 1100);
    assert_near(&out, 100, 100, GREEN, "left");
    assert_near(&out, 400, 100, YELLOW, "right");
}

#[test]
fn grey_jpeg_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let grey = image::GrayImage::from_fn(600, 600, |x, _| {
        image::Luma([if x < 300 { 40 } else { 200 }])
    });
    let mut bytes = Vec::new();
    jpeg_encoder::Encoder::new(&mut bytes, 90)
        .encode(grey.as_raw(), 600, 600, jpeg_encoder::ColorType::Luma)
        .unwrap();
    let path = write(dir.path(), "grey.jpg", &bytes);
    let (_, out) = accept(&path, AvatarFormat::Jpeg, 600, 600);
    assert_near(&out, 50, 50, [40, 40, 40], "dark half");
    assert_near(&out, 450, 50, [200, 200, 200], "light half");
}

#[test]
fn png_8_bit_opaque_becomes_jpeg() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "image.png",
        &png_rgb(&halves(700, 520, BLUE, GREEN)),
    );
    let (avatar, out) = accept(&path, AvatarFormat::Png, 700, 520);
    assert_eq!(
        avatar.mime, "image/jpeg",
        "no transparency: the compact encoding"
    );
    assert_near(&out, 100, 256, BLUE, "left");
    assert_near(&out, 500, 256, GREEN, "right");
}

#[test]
fn png_with_opaque_alpha_channel_becomes_jpeg() {
    let dir = tempfile::tempdir().unwrap();
    let image = RgbaImage::from_pixel(600, 600, Rgba([RED[0], RED[1], RED[2], 255]));
    let path = write(dir.path(), "opaque-rgba.png", &png_rgba(&image));
    let pipeline = AvatarPipeline::default();
    let source = pipeline.open(&path).unwrap();
    assert!(source.has_alpha(), "the file has an alpha channel");
    let avatar = pipeline.crop(&source, square(0, 0, 600)).unwrap();
    assert_eq!(
        avatar.mime, "image/jpeg",
        "an all-opaque alpha channel carries nothing"
    );
}

#[test]
fn png_16_bit_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    // 16-bit samples whose high bytes are the colours, low bytes noise that must not matter.
    let image = image::ImageBuffer::<Rgb<u16>, Vec<u16>>::from_fn(600, 600, |x, y| {
        let c = if x < 300 { RED } else { BLUE };
        let low = ((x * 7 + y * 13) % 256) as u16;
        Rgb([
            u16::from(c[0]) << 8 | low,
            u16::from(c[1]) << 8 | low,
            u16::from(c[2]) << 8 | low,
        ])
    });
    let mut bytes = Vec::new();
    PngEncoder::new(&mut bytes)
        .write_image(
            &image
                .as_raw()
                .iter()
                .flat_map(|v| v.to_ne_bytes()) // the encoder takes native-endian samples
                .collect::<Vec<u8>>(),
            600,
            600,
            image::ExtendedColorType::Rgb16,
        )
        .unwrap();
    assert_eq!(bytes[24], 16, "the IHDR says 16 bits per sample");
    let path = write(dir.path(), "deep.png", &bytes);
    let (_, out) = accept(&path, AvatarFormat::Png, 600, 600);
    assert_near(&out, 100, 256, RED, "left");
    assert_near(&out, 400, 256, BLUE, "right");
}

#[test]
fn palette_png_with_transparency_keeps_alpha_as_png() {
    let dir = tempfile::tempdir().unwrap();
    let (w, h) = (600u32, 600u32);
    let mut bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bytes, w, h);
        encoder.set_color(png::ColorType::Indexed);
        encoder.set_depth(png::BitDepth::Eight);
        // Entry 0: fully transparent; entry 1: opaque green.
        encoder.set_palette(vec![0, 0, 0, GREEN[0], GREEN[1], GREEN[2]]);
        encoder.set_trns(vec![0, 255]);
        let mut writer = encoder.write_header().unwrap();
        // Transparent left half, green right half.
        let data: Vec<u8> = (0..w * h).map(|i| u8::from(i % w >= w / 2)).collect();
        writer.write_image_data(&data).unwrap();
    }
    assert_eq!(bytes[25], 3, "the IHDR says palette colour");
    let path = write(dir.path(), "sticker.png", &bytes);
    let pipeline = AvatarPipeline::default();
    let source = pipeline.open(&path).unwrap();
    assert!(source.has_alpha());
    let preview = pipeline.preview(&source, 300).unwrap();
    assert_eq!(preview.image.mime, "image/png");
    assert_eq!((preview.image.width, preview.image.height), (300, 300));
    let (avatar, out) = accept(&path, AvatarFormat::Png, w, h);
    assert_eq!(avatar.mime, "image/png", "transparency needs PNG");
    assert_eq!(out.get_pixel(100, 256).0[3], 0, "left stays transparent");
    let right = out.get_pixel(400, 256).0;
    assert_eq!(right[3], 255, "right stays opaque");
    assert_near(&out, 400, 256, GREEN, "right is green");
}

#[test]
fn webp_lossless_with_alpha_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let image = RgbaImage::from_fn(520, 520, |x, _| {
        if x < 260 {
            Rgba([BLUE[0], BLUE[1], BLUE[2], 255])
        } else {
            Rgba([0, 0, 0, 0])
        }
    });
    let mut bytes = Vec::new();
    WebPEncoder::new_lossless(&mut bytes)
        .write_image(image.as_raw(), 520, 520, image::ExtendedColorType::Rgba8)
        .unwrap();
    let path = write(dir.path(), "face.webp", &bytes);
    let (avatar, out) = accept(&path, AvatarFormat::WebP, 520, 520);
    assert_eq!(avatar.mime, "image/png");
    assert_near(&out, 100, 256, BLUE, "left");
    assert_eq!(out.get_pixel(100, 256).0[3], 255);
    assert_eq!(out.get_pixel(450, 256).0[3], 0, "right stays transparent");
}

#[test]
fn webp_opaque_becomes_jpeg() {
    let dir = tempfile::tempdir().unwrap();
    let image = halves(600, 600, YELLOW, BLUE);
    let mut bytes = Vec::new();
    WebPEncoder::new_lossless(&mut bytes)
        .write_image(image.as_raw(), 600, 600, image::ExtendedColorType::Rgb8)
        .unwrap();
    let path = write(dir.path(), "face.webp", &bytes);
    let (avatar, out) = accept(&path, AvatarFormat::WebP, 600, 600);
    assert_eq!(avatar.mime, "image/jpeg");
    assert_near(&out, 100, 256, YELLOW, "left");
}

#[test]
fn animated_gif_uses_its_first_frame() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = Vec::new();
    {
        let mut encoder = GifEncoder::new(&mut bytes);
        for colour in [RED, BLUE, GREEN] {
            let frame =
                RgbaImage::from_pixel(540, 540, Rgba([colour[0], colour[1], colour[2], 255]));
            encoder
                .encode_frame(Frame::from_parts(
                    frame,
                    0,
                    0,
                    Delay::from_numer_denom_ms(100, 1),
                ))
                .unwrap();
        }
    }
    let path = write(dir.path(), "wave.gif", &bytes);
    let (avatar, out) = accept(&path, AvatarFormat::Gif, 540, 540);
    assert_eq!(avatar.mime, "image/jpeg");
    assert_near(&out, 256, 256, RED, "first frame");
}

// ---------------------------------------------------------------------------------------
// EXIF orientation.

/// An Exif APP1 payload holding only the orientation tag, in either byte order.
fn exif_orientation(value: u16, big_endian: bool) -> Vec<u8> {
    let u16b = |v: u16| {
        if big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    };
    let u32b = |v: u32| {
        if big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    };
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(if big_endian { b"MM" } else { b"II" });
    app1.extend_from_slice(&u16b(42));
    app1.extend_from_slice(&u32b(8)); // first IFD right after the header
    app1.extend_from_slice(&u16b(1)); // one entry
    app1.extend_from_slice(&u16b(0x0112)); // Orientation
    app1.extend_from_slice(&u16b(3)); // SHORT
    app1.extend_from_slice(&u32b(1)); // one value
    app1.extend_from_slice(&u16b(value));
    app1.extend_from_slice(&[0, 0]); // value field padding
    app1.extend_from_slice(&u32b(0)); // no next IFD
    app1
}

/// Where the stored pixel (sx, sy) appears once EXIF `orientation` is applied, from the
/// EXIF definition of where the 0th row and 0th column go (independent of the library).
fn shown_at(sx: u32, sy: u32, orientation: u16, shown_w: u32, shown_h: u32) -> (u32, u32) {
    match orientation {
        1 => (sx, sy),
        2 => (shown_w - 1 - sx, sy),
        3 => (shown_w - 1 - sx, shown_h - 1 - sy),
        4 => (sx, shown_h - 1 - sy),
        5 => (sy, sx),
        6 => (shown_w - 1 - sy, sx),
        7 => (shown_w - 1 - sy, shown_h - 1 - sx),
        8 => (sy, shown_h - 1 - sx),
        _ => unreachable!(),
    }
}

/// The upright picture: 600×400, green, with a red block top-left, blue bottom-left and
/// yellow top-right, so every turn and mirror is told apart.
fn upright_marked() -> RgbImage {
    RgbImage::from_fn(600, 400, |x, y| {
        Rgb(match (x < 100, x >= 500, y < 100, y >= 300) {
            (true, _, true, _) => RED,
            (true, _, _, true) => BLUE,
            (_, true, true, _) => YELLOW,
            _ => GREEN,
        })
    })
}

#[test]
fn exif_orientations_1_to_8_come_out_upright() {
    let dir = tempfile::tempdir().unwrap();
    let upright = upright_marked();
    let (w, h) = upright.dimensions();
    let pipeline = AvatarPipeline::default();
    for orientation in 1u16..=8 {
        // Store the pixels the way a camera held that way would have.
        let swaps = orientation >= 5;
        let (sw, sh) = if swaps { (h, w) } else { (w, h) };
        let stored = RgbImage::from_fn(sw, sh, |sx, sy| {
            let (x, y) = shown_at(sx, sy, orientation, w, h);
            *upright.get_pixel(x, y)
        });
        let exif = exif_orientation(orientation, orientation % 2 == 0);
        let bytes = jpeg_with(&stored, 95, |e| e.add_app_segment(1, exif).unwrap());
        let path = write(dir.path(), &format!("turned-{orientation}.jpg"), &bytes);

        let source = pipeline.open(&path).unwrap();
        assert_eq!(
            source.orientation(),
            Orientation::from_exif(orientation as u8).unwrap()
        );
        assert_eq!(
            (source.width(), source.height()),
            (w, h),
            "orientation {orientation}"
        );

        let preview = pipeline.preview(&source, 300).unwrap();
        assert_eq!((preview.image.width, preview.image.height), (300, 200));
        let p = decode_result(&preview.image);
        let what = format!("preview, orientation {orientation}");
        assert_near(&p, 20, 20, RED, &what);
        assert_near(&p, 20, 180, BLUE, &what);
        assert_near(&p, 280, 20, YELLOW, &what);

        let left = decode_result(&pipeline.crop(&source, square(0, 0, 400)).unwrap());
        let what = format!("left square, orientation {orientation}");
        assert_near(&left, 40, 40, RED, &what);
        assert_near(&left, 40, 470, BLUE, &what);
        assert_near(&left, 470, 40, GREEN, &what);

        let right = decode_result(&pipeline.crop(&source, square(200, 0, 400)).unwrap());
        let what = format!("right square, orientation {orientation}");
        assert_near(&right, 470, 40, YELLOW, &what);
        assert_near(&right, 40, 40, GREEN, &what);
        assert_near(&right, 470, 470, GREEN, &what);
    }
}

#[test]
fn png_exif_orientation_is_applied() {
    let dir = tempfile::tempdir().unwrap();
    let upright = upright_marked();
    let (w, h) = upright.dimensions();
    // Orientation 6: stored turned a quarter counter-clockwise, shown turned back.
    let stored = RgbImage::from_fn(h, w, |sx, sy| {
        let (x, y) = shown_at(sx, sy, 6, w, h);
        *upright.get_pixel(x, y)
    });
    let plain = png_rgb(&stored);
    // Put an eXIf chunk (the TIFF structure, without JPEG's "Exif\0\0") right after IHDR.
    let ihdr_end = 8 + 4 + 4 + 13 + 4;
    let mut bytes = plain[..ihdr_end].to_vec();
    png_chunk(&mut bytes, b"eXIf", &exif_orientation(6, true)[6..]);
    bytes.extend_from_slice(&plain[ihdr_end..]);
    let path = write(dir.path(), "turned.png", &bytes);

    let pipeline = AvatarPipeline::default();
    let source = pipeline.open(&path).unwrap();
    assert_eq!(source.orientation(), Orientation::Rotate90);
    assert_eq!((source.width(), source.height()), (w, h));
    let right = decode_result(&pipeline.crop(&source, square(200, 0, 400)).unwrap());
    assert_near(&right, 470, 40, YELLOW, "top-right marker");
    assert_near(&right, 40, 470, GREEN, "bottom-left");
}

#[test]
fn large_jpeg_is_shrunk_on_load_and_still_maps_the_square() {
    let dir = tempfile::tempdir().unwrap();
    // 4400×3000: a 2800 square shrinks by 4 on load (700 ≥ 512), and the crop must still
    // land on the right stored pixels.
    let image = RgbImage::from_fn(4400, 3000, |x, y| {
        Rgb(match (x < 1500, y < 1500) {
            _ if x < 200 => YELLOW, // outside the square: must not show
            (true, true) => RED,
            (false, true) => BLUE,
            (true, false) => GREEN,
            (false, false) => YELLOW,
        })
    });
    let path = write(dir.path(), "big.jpg", &jpeg_with(&image, 80, |_| {}));
    let pipeline = AvatarPipeline::default();
    let source = pipeline.open(&path).unwrap();
    let out = decode_result(&pipeline.crop(&source, square(200, 100, 2600)).unwrap());
    // Square 200..2800 × 100..2700; the colour edges at 1500 fall at (1300/2600)·512 = 256
    // across and (1400/2600)·512 ≈ 276 down.
    assert_near(&out, 20, 20, RED, "top-left");
    assert_near(&out, 490, 20, BLUE, "top-right");
    assert_near(&out, 20, 490, GREEN, "bottom-left");
    assert_near(&out, 490, 490, YELLOW, "bottom-right");
    assert_near(&out, 236, 256, RED, "just left of the vertical edge");
    assert_near(&out, 276, 256, BLUE, "just right of the vertical edge");
}

// ---------------------------------------------------------------------------------------
// CMYK JPEG.

fn cmyk_jpeg(ink: [u8; 4], colour_type: jpeg_encoder::ColorType) -> Vec<u8> {
    let data: Vec<u8> = std::iter::repeat_n(ink, 520 * 520).flatten().collect();
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 95)
        .encode(&data, 520, 520, colour_type)
        .expect("encode CMYK");
    out
}

/// Removes the Adobe APP14 segment, leaving a plain (non-inverted) CMYK file.
fn without_adobe_segment(jpeg: &[u8]) -> Vec<u8> {
    let at = jpeg
        .windows(7)
        .position(|w| w[0] == 0xFF && w[1] == 0xEE && &w[4..7] == b"Ado")
        .expect("the encoder writes an Adobe segment");
    let len = usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
    [&jpeg[..at], &jpeg[at + 2 + len..]].concat()
}

#[test]
fn cmyk_jpegs_adobe_inverted_ycck_and_plain_give_the_right_colour() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = AvatarPipeline::default();
    // Magenta + yellow ink = red; cyan + magenta = blue.
    for (ink, want) in [
        ([0, 255, 255, 0], [255, 0, 0]),
        ([255, 255, 0, 0], [0, 0, 255]),
    ] {
        let adobe = cmyk_jpeg(ink, jpeg_encoder::ColorType::Cmyk);
        assert!(adobe.windows(5).any(|w| w == b"Adobe"));
        let ycck = cmyk_jpeg(ink, jpeg_encoder::ColorType::CmykAsYcck);
        // A plain file stores ink as is; the encoder stores it inverted, so feed it the
        // complement and drop the marker that says "inverted".
        let complement = ink.map(|v| 255 - v);
        let plain = without_adobe_segment(&cmyk_jpeg(complement, jpeg_encoder::ColorType::Cmyk));
        for (name, bytes) in [("adobe", adobe), ("ycck", ycck), ("plain", plain)] {
            let path = write(dir.path(), &format!("cmyk-{name}.jpg"), &bytes);
            let source = pipeline.open(&path).unwrap();
            let avatar = pipeline.crop(&source, square(0, 0, 520)).unwrap();
            assert_eq!(avatar.mime, "image/jpeg");
            assert_near(
                &decode_result(&avatar),
                256,
                256,
                want,
                &format!("CMYK {name} {ink:?}"),
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// Refusals.

#[test]
fn file_over_5_mib_is_refused_before_decoding_and_5_mib_exactly_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let limit = 5 * 1024 * 1024;
    // A header claiming a gigantic image: were it decoded, the refusal would be about
    // dimensions, not size.
    let mut over = bomb_png(100_000, 100_000);
    over.resize(limit + 1, 0);
    let path = write(dir.path(), "huge.png", &over);
    let err = AvatarPipeline::default().open(&path).unwrap_err();
    assert_eq!(err.code().as_str(), "avatar.too_large");
    assert_eq!(err.params()["max_bytes"], 5_242_880);
    assert_eq!(err.params()["size_bytes"], 5_242_881);

    // Exactly at the limit: a real JPEG padded after its end marker is accepted.
    let mut at_limit = jpeg(&halves(600, 600, RED, BLUE));
    at_limit.resize(limit, 0);
    let path = write(dir.path(), "padded.jpg", &at_limit);
    let pipeline = AvatarPipeline::default();
    let source = pipeline.open(&path).expect("5 MiB exactly is allowed");
    assert_eq!(source.file_size(), limit as u64);
    pipeline
        .crop(&source, square(0, 0, 600))
        .expect("and decodes");
}

#[test]
fn truncated_jpeg_is_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let noise = RgbImage::from_fn(800, 800, |x, y| {
        let v = (x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)) as u8;
        Rgb([v, v.wrapping_mul(3), v.wrapping_add(91)])
    });
    let full = jpeg(&noise);
    let pipeline = AvatarPipeline::default();
    let path = write(dir.path(), "half.jpg", &full[..full.len() / 2]);
    let code = code_of(
        pipeline
            .open(&path)
            .and_then(|s| pipeline.crop(&s, square(0, 0, 800))),
    );
    assert_eq!(code, "avatar.corrupt", "cut in the pixel data");
    let code = code_of(
        pipeline
            .open(&path)
            .and_then(|s| pipeline.preview(&s, 1024).map(|p| p.image)),
    );
    assert_eq!(code, "avatar.corrupt", "preview too");
    // Cut in the tables after the frame header: open reads only up to the frame header,
    // so the damage shows when the pixels are decoded.
    let path = write(dir.path(), "head.jpg", &full[..120]);
    let code = code_of(
        pipeline
            .open(&path)
            .and_then(|s| pipeline.crop(&s, square(0, 0, 800))),
    );
    assert_eq!(code, "avatar.corrupt", "cut in the tables");
    let path = write(dir.path(), "start.jpg", &full[..12]);
    assert_eq!(
        code_of(pipeline.open(&path)),
        "avatar.corrupt",
        "cut before the frame header"
    );
    // The untruncated file is fine, so the refusals above are about the cut.
    let path = write(dir.path(), "whole.jpg", &full);
    pipeline
        .crop(&pipeline.open(&path).unwrap(), square(0, 0, 800))
        .unwrap();
}

#[test]
fn truncated_png_is_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let full = png_rgb(&RgbImage::from_fn(400, 400, |x, y| {
        Rgb([x as u8, y as u8, (x ^ y) as u8])
    }));
    let path = write(dir.path(), "half.png", &full[..full.len() / 2]);
    let pipeline = AvatarPipeline::default();
    let code = code_of(
        pipeline
            .open(&path)
            .and_then(|s| pipeline.crop(&s, square(0, 0, 400))),
    );
    assert_eq!(code, "avatar.corrupt");
}

/// A well-formed PNG whose header claims `width` × `height` RGBA pixels, with a tiny
/// compressed stream of zeros: the shape of a decompression bomb.
fn bomb_png(width: u32, height: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]); // 8-bit RGBA, deflate, no filter, no interlace
    png_chunk(&mut out, b"IHDR", &ihdr);
    // zlib of 64 KiB of zeros, stored as a few hundred bytes.
    let zeros = vec![0u8; 64 * 1024];
    let mut idat = Vec::new();
    PngEncoder::new(&mut idat)
        .write_image(&zeros, 128, 128, image::ExtendedColorType::Rgba8)
        .unwrap();
    let at = idat.windows(4).position(|w| w == b"IDAT").unwrap();
    let len = u32::from_be_bytes(idat[at - 4..at].try_into().unwrap()) as usize;
    png_chunk(&mut out, b"IDAT", &idat[at + 4..at + 4 + len]);
    png_chunk(&mut out, b"IEND", &[]);
    out
}

/// Only the codes and parameters here; that no memory is taken is proven in
/// `avatar_memory.rs`, in a child process whose peak memory is the pipeline's alone.
#[test]
fn png_claiming_100000_by_100000_is_refused_from_its_header() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "bomb.png", &bomb_png(100_000, 100_000));
    let pipeline = AvatarPipeline::default();
    let err = pipeline.open(&path).expect_err("a bomb is refused");
    assert_eq!(err.code().as_str(), "avatar.dimensions_too_large");
    assert_eq!(err.params()["width"], 100_000);
    assert_eq!(err.params()["height"], 100_000);
    assert_eq!(err.params()["max_side"], 16_384);

    // Within the side limit but over the pixel limit (16000 × 16000 = 256 MP) is refused too.
    let path = write(dir.path(), "wide.png", &bomb_png(16_000, 16_000));
    assert_eq!(code_of(pipeline.open(&path)), "avatar.dimensions_too_large");
}

#[test]
fn jpeg_claiming_huge_dimensions_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = jpeg(&halves(64, 64, RED, BLUE));
    // Patch the frame header (SOF0: FF C0, length, precision, height, width) to 60000².
    let sof = bytes.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    bytes[sof + 5..sof + 7].copy_from_slice(&60_000u16.to_be_bytes());
    bytes[sof + 7..sof + 9].copy_from_slice(&60_000u16.to_be_bytes());
    let path = write(dir.path(), "bomb.jpg", &bytes);
    let err = AvatarPipeline::default().open(&path).unwrap_err();
    assert_eq!(err.code().as_str(), "avatar.dimensions_too_large");
    assert_eq!(err.params()["width"], 60_000);
}

#[test]
fn text_named_png_is_unsupported() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "notes.png",
        b"These are my notes, not a picture.\n",
    );
    assert_eq!(
        code_of(AvatarPipeline::default().open(&path)),
        "avatar.unsupported_format"
    );
    let path = write(dir.path(), "empty.jpg", b"");
    assert_eq!(
        code_of(AvatarPipeline::default().open(&path)),
        "avatar.unsupported_format"
    );
}

#[test]
fn other_image_formats_are_unsupported_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let mut bmp = b"BM".to_vec();
    bmp.resize(200, 0);
    let path = write(dir.path(), "old.bmp", &bmp);
    let err = AvatarPipeline::default().open(&path).unwrap_err();
    assert_eq!(err.code().as_str(), "avatar.unsupported_format");
    assert_eq!(err.params()["detected"], "bmp");
}

#[test]
fn the_content_decides_whatever_the_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = AvatarPipeline::default();
    let photo = jpeg(&halves(600, 600, RED, BLUE));
    let sticker = png_rgb(&halves(600, 600, GREEN, YELLOW));
    // Browsers and chat apps save pictures under another format's name all the time.
    for (name, bytes, format, left) in [
        ("photo.png", &photo, AvatarFormat::Jpeg, RED),
        ("photo.gif", &photo, AvatarFormat::Jpeg, RED),
        ("photo.heic", &photo, AvatarFormat::Jpeg, RED),
        ("sticker.jpg", &sticker, AvatarFormat::Png, GREEN),
        ("sticker.webp", &sticker, AvatarFormat::Png, GREEN),
        ("sticker", &sticker, AvatarFormat::Png, GREEN),
    ] {
        let path = write(dir.path(), name, bytes);
        let source = pipeline
            .open(&path)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(source.format(), format, "{name}");
        let avatar = pipeline.crop(&source, square(0, 0, 600)).unwrap();
        assert_near(&decode_result(&avatar), 100, 256, left, name);
    }
}

#[test]
fn missing_file_is_unreadable() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = AvatarPipeline::default();
    assert_eq!(
        code_of(pipeline.open(&dir.path().join("gone.jpg"))),
        "avatar.unreadable"
    );
    assert_eq!(code_of(pipeline.open(dir.path())), "avatar.not_a_file");
}

/// Opens `path` on another thread and waits at most `guard` (a hang guard, not a timing
/// claim): `None` if the open is still blocked.
#[cfg(unix)]
fn open_code_within(path: &Path, guard: std::time::Duration) -> Option<Result<(), &'static str>> {
    let (tx, rx) = std::sync::mpsc::channel();
    let path = path.to_owned();
    std::thread::spawn(move || {
        let result = AvatarPipeline::default()
            .open(&path)
            .map(drop)
            .map_err(|e| e.code().as_str());
        let _ = tx.send(result);
    });
    rx.recv_timeout(guard).ok()
}

#[cfg(unix)]
#[test]
fn a_fifo_named_like_a_picture_or_a_link_to_one_is_refused_without_blocking() {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::OpenOptionsExt;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("photo.jpg");
    let c_path = std::ffi::CString::new(fifo.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only creates a file system node.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0, "mkfifo");
    let link = dir.path().join("link.png");
    std::os::unix::fs::symlink(&fifo, &link).unwrap();
    for path in [&fifo, &link] {
        let Some(result) = open_code_within(path, std::time::Duration::from_secs(5)) else {
            // Release the blocked reader (a writer arrives) so the thread can end, then fail.
            let _ = std::fs::OpenOptions::new()
                .write(true)
                .custom_flags(libc::O_NONBLOCK)
                .open(&fifo);
            panic!("opening {} blocked", path.display());
        };
        assert_eq!(result, Err("avatar.not_a_file"), "{}", path.display());
    }
    // A link to a real picture is followed and accepted.
    let real = write(dir.path(), "real.jpg", &jpeg(&halves(64, 64, RED, BLUE)));
    let to_real = dir.path().join("to-real.png");
    std::os::unix::fs::symlink(&real, &to_real).unwrap();
    assert_eq!(
        open_code_within(&to_real, std::time::Duration::from_secs(5)),
        Some(Ok(()))
    );
}

#[test]
fn cancelled_work_stops_with_avatar_cancelled_and_other_work_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "photo.jpg", &jpeg(&halves(900, 600, RED, BLUE)));
    let pipeline = AvatarPipeline::default();
    let token = CancelToken::new();
    let cancellable = pipeline.with_cancel(token.clone());
    let source = cancellable.open(&path).expect("not cancelled yet");
    cancellable
        .preview(&source, 300)
        .expect("not cancelled yet");

    // A clone of the token cancels too: the command keeps one, the worker another.
    token.clone().cancel();
    assert!(token.is_cancelled());
    let err = cancellable.preview(&source, 300).unwrap_err();
    assert_eq!(err.code(), ErrorCode::AvatarCancelled);
    assert_eq!(err.code().as_str(), "avatar.cancelled");
    assert_eq!(err.field(), None);
    assert_eq!(
        code_of(cancellable.crop(&source, square(0, 0, 600))),
        "avatar.cancelled"
    );
    assert_eq!(code_of(cancellable.open(&path)), "avatar.cancelled");

    // The pipeline it came from, and a new token, are not affected.
    pipeline.crop(&source, square(0, 0, 600)).unwrap();
    let fresh = pipeline.with_cancel(CancelToken::new());
    fresh.crop(&source, square(0, 0, 600)).unwrap();
}

#[test]
fn cancelling_from_another_thread_ends_a_crop_as_cancelled() {
    // Whichever stage the worker has reached when the token is cancelled, the crop ends
    // with avatar.cancelled, never with an avatar that would then be stored.
    let dir = tempfile::tempdir().unwrap();
    let big = RgbImage::from_fn(3000, 3000, |x, y| Rgb([x as u8, y as u8, 7]));
    let path = write(dir.path(), "big.png", &png_rgb(&big));
    let token = CancelToken::new();
    let pipeline = AvatarPipeline::default().with_cancel(token.clone());
    let source = pipeline.open(&path).unwrap();
    let worker = std::thread::spawn(move || pipeline.crop(&source, square(0, 0, 3000)));
    token.cancel();
    let result = worker.join().expect("no panic");
    assert_eq!(code_of(result), "avatar.cancelled");
}

#[test]
fn crop_outside_the_image_is_refused_and_the_edge_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "photo.jpg", &jpeg(&halves(900, 600, RED, BLUE)));
    let pipeline = AvatarPipeline::default();
    let source = pipeline.open(&path).unwrap();
    for bad in [
        square(301, 0, 600),
        square(0, 1, 600),
        square(0, 0, 0),
        square(900, 0, 1),
    ] {
        let err = pipeline.crop(&source, bad).unwrap_err();
        assert_eq!(err.code().as_str(), "avatar.crop_invalid", "{bad:?}");
        assert_eq!(err.field(), Some("crop"));
        assert_eq!(err.params()["width"], 900);
    }
    let edge = pipeline.crop(&source, square(300, 0, 600)).unwrap();
    assert_near(&decode_result(&edge), 500, 256, BLUE, "right edge square");
    // A square smaller than 512 is enlarged to 512.
    let small = pipeline.crop(&source, square(10, 10, 100)).unwrap();
    assert_eq!((small.width, small.height), (512, 512));
}

#[test]
fn avatar_errors_reach_the_ui_through_core_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut bmp = b"BM".to_vec();
    bmp.resize(200, 0);
    let path = write(dir.path(), "photo.jpg", &bmp);
    let err: CoreError = AvatarPipeline::default().open(&path).unwrap_err().into();
    assert_eq!(err.code(), ErrorCode::AvatarUnsupportedFormat);
    assert_eq!(err.code().as_str(), "avatar.unsupported_format");
    assert_eq!(err.field(), Some("file"));
    assert_eq!(err.params()["detected"], "bmp");
    assert!(!err.is_internal());
    assert_eq!(
        serde_json::to_value(ErrorCode::AvatarTooLarge).unwrap(),
        "avatar.too_large"
    );
    for code in ErrorCode::all() {
        assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
    }
}
