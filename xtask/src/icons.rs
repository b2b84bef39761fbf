//! The app icon, drawn in code: a rounded square in Acure teal with a white profile glyph.
//!
//! `cargo xtask icons` writes every size the Tauri bundler wants as RGBA PNG, plus .ico and .icns.

use anyhow::{Context, Result};
use image::codecs::ico::{IcoEncoder, IcoFrame};
use image::{ExtendedColorType, Rgba, RgbaImage};
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

/// Samples per pixel side; 4×4 supersampling gives smooth edges.
const SUPERSAMPLE: u32 = 4;

/// Coverage of the icon's shapes at a point in unit coordinates (0..1 both ways).
/// Returns the colour (premultiplied by nothing: straight RGBA) at that point.
fn shade(x: f32, y: f32) -> [f32; 4] {
    // Rounded square (superellipse-like via rounded rect) with a soft diagonal gradient.
    let (margin, radius) = (0.06, 0.2);
    let inside_square = {
        let (lo, hi) = (margin + radius, 1.0 - margin - radius);
        let dx = (x.clamp(lo, hi) - x).abs();
        let dy = (y.clamp(lo, hi) - y).abs();
        dx * dx + dy * dy <= radius * radius
    };
    if !inside_square {
        return [0.0; 4];
    }
    let t = (x + y) / 2.0;
    let top = [0.16, 0.52, 0.56];
    let bottom = [0.12, 0.33, 0.62];
    let mut rgb = [0.0; 3];
    for (i, c) in rgb.iter_mut().enumerate() {
        *c = top[i] + (bottom[i] - top[i]) * t;
    }
    // The profile glyph: a head and rounded shoulders.
    let head = ((x - 0.5).powi(2) + (y - 0.39).powi(2)).sqrt() <= 0.145;
    let shoulders = {
        let (cx, cy, rx, ry) = (0.5, 0.86, 0.27, 0.25);
        ((x - cx) / rx).powi(2) + ((y - cy) / ry).powi(2) <= 1.0 && y <= 0.80
    };
    if head || shoulders {
        rgb = [0.98, 0.99, 1.0];
    }
    [rgb[0], rgb[1], rgb[2], 1.0]
}

/// Renders the icon at `size`×`size` pixels.
pub fn render(size: u32) -> RgbaImage {
    let n = SUPERSAMPLE;
    RgbaImage::from_fn(size, size, |px, py| {
        let mut acc = [0.0f32; 4];
        for sy in 0..n {
            for sx in 0..n {
                let x = (px as f32 + (sx as f32 + 0.5) / n as f32) / size as f32;
                let y = (py as f32 + (sy as f32 + 0.5) / n as f32) / size as f32;
                let c = shade(x, y);
                for i in 0..3 {
                    acc[i] += c[i] * c[3];
                }
                acc[3] += c[3];
            }
        }
        let samples = (n * n) as f32;
        let alpha = acc[3] / samples;
        let channel = |v: f32| {
            if acc[3] == 0.0 {
                0
            } else {
                ((v / acc[3]) * 255.0).round().clamp(0.0, 255.0) as u8
            }
        };
        Rgba([
            channel(acc[0]),
            channel(acc[1]),
            channel(acc[2]),
            (alpha * 255.0).round() as u8,
        ])
    })
}

/// Writes the whole icon set into `dir`.
pub fn draw_all(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    for (name, size) in [
        ("32x32.png", 32),
        ("64x64.png", 64),
        ("128x128.png", 128),
        ("128x128@2x.png", 256),
        ("icon.png", 512),
    ] {
        render(size)
            .save(dir.join(name))
            .with_context(|| format!("writing {name}"))?;
    }

    let ico_frames = [16, 24, 32, 48, 64, 256]
        .into_iter()
        .map(|s| {
            let img = render(s);
            IcoFrame::as_png(img.as_raw(), s, s, ExtendedColorType::Rgba8)
        })
        .collect::<Result<Vec<_>, _>>()?;
    IcoEncoder::new(BufWriter::new(File::create(dir.join("icon.ico"))?))
        .encode_images(&ico_frames)?;

    let mut family = icns::IconFamily::new();
    for s in [16, 32, 64, 128, 256, 512] {
        let img = render(s);
        let icon = icns::Image::from_data(icns::PixelFormat::RGBA, s, s, img.into_raw())?;
        family.add_icon(&icon)?;
    }
    family.write(BufWriter::new(File::create(dir.join("icon.icns"))?))?;
    eprintln!("xtask: icons written to {}", dir.display());
    Ok(())
}
