//! What several domain tests share: ids, a user with a profile, and pictures for the
//! stored-avatar tests.

#![allow(dead_code)]

use image::{ImageFormat, RgbImage};
use std::io::Cursor;

/// A real JPEG of `w`×`h` (baseline or progressive) with busy content.
pub fn jpeg(w: u16, h: u16, progressive: bool) -> Vec<u8> {
    let pixels: Vec<u8> = (0..usize::from(w) * usize::from(h) * 3)
        .map(|i| (i * 7 % 251) as u8)
        .collect();
    encode(&pixels, w, h, progressive)
}

/// A real JPEG of `w`×`h` in one flat colour: a few kilobytes whatever the size.
pub fn flat_jpeg(w: u16, h: u16, progressive: bool) -> Vec<u8> {
    let pixels = vec![90u8; usize::from(w) * usize::from(h) * 3];
    encode(&pixels, w, h, progressive)
}

fn encode(pixels: &[u8], w: u16, h: u16, progressive: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, 85);
    encoder.set_progressive(progressive);
    encoder
        .encode(pixels, w, h, jpeg_encoder::ColorType::Rgb)
        .unwrap();
    out
}

/// A real PNG of `w`×`h`.
pub fn png(w: u32, h: u32) -> Vec<u8> {
    let picture = RgbImage::from_fn(w, h, |x, y| image::Rgb([x as u8, y as u8, 7]));
    let mut out = Cursor::new(Vec::new());
    picture.write_to(&mut out, ImageFormat::Png).unwrap();
    out.into_inner()
}

/// About 1 KB of JPEG whose frame header claims `side`×`side` pixels: markers, a scan
/// header and filler, no real picture.
pub fn jpeg_claiming(side: u16) -> Vec<u8> {
    let mut out = vec![0xFF, 0xD8];
    // SOF0: length 17, precision 8, height, width, 3 components 1×1 sampled.
    out.extend([0xFF, 0xC0, 0x00, 0x11, 0x08]);
    out.extend(side.to_be_bytes());
    out.extend(side.to_be_bytes());
    out.extend([0x03, 0x01, 0x11, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01]);
    // SOS for the three components, then entropy-coded filler.
    out.extend([
        0xFF, 0xDA, 0x00, 0x0C, 0x03, 0x01, 0x00, 0x02, 0x11, 0x03, 0x11,
    ]);
    out.extend([0x00, 0x3F, 0x00]);
    out.resize(1022, 0x5A);
    out.extend([0xFF, 0xD9]);
    out
}

/// A PNG signature and header claiming `side`×`side` pixels, then nothing.
pub fn png_claiming(side: u32) -> Vec<u8> {
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend(side.to_be_bytes());
    ihdr.extend(side.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]); // 8-bit RGB, no interlace
    let crc = crc32(&ihdr);
    let mut out = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    out.extend(13u32.to_be_bytes());
    out.extend(&ihdr);
    out.extend(crc.to_be_bytes());
    out.resize(1024, 0);
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A UUIDv7-shaped id numbered `n`, so tests name records by number.
pub fn id(n: u128) -> uuid::Uuid {
    uuid::Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 | n)
}

/// A user whose profile (id 1, «Anna») a device created at `now_ms`.
pub fn with_profile(now_ms: i64) -> profile_domain::state::UserState {
    use profile_domain::mutation::{ApplyCtx, Mutation, ProfileCreate};
    let mut state = profile_domain::state::UserState::default();
    Mutation::ProfileCreate(ProfileCreate {
        profile_id: id(1),
        name: "Anna".into(),
        language: profile_domain::Language::En,
        time_zone: "UTC".into(),
    })
    .apply(&mut state, &ApplyCtx::device(None, now_ms))
    .unwrap();
    state
}
