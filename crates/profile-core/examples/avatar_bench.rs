//! Benchmark of the avatar pipeline against ImageMagick and libvips (not a test; it only
//! prints figures). Run with:
//!
//! ```sh
//! cargo run --release -p profile-core --example avatar_bench
//! ```
//!
//! It writes a 24-megapixel (6000×4000) photo-like JPEG just under 5 MiB, then times, on
//! that same file, the way from file to a 512×512 JPEG avatar of the central 4000×4000
//! square:
//!
//! - ours, in this process (`open` + `crop` + writing the file), and ours as a separate
//!   process started per run (this example re-run with `--one`), which pays process start
//!   like the two tools do;
//! - ImageMagick: `convert in.jpg -auto-orient -crop 4000x4000+1000+0 -resize 512x512
//!   -quality 85 out.jpg`;
//! - libvips: `vipsthumbnail in.jpg --size 512x512 --smartcrop centre -o out.jpg[Q=85]`,
//!   which shrinks the short side to 512 and keeps the centre, i.e. exactly the central
//!   4000×4000 square, using libjpeg's shrink-on-load as we do.
//!
//! All three write JPEG quality 85. Each figure is the median of several runs. Set
//! `AVATAR_BENCH_DIR=/some/dir` to keep the input and the outputs.

use profile_core::avatar::{AvatarPipeline, CropSquare};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const WIDTH: u32 = 6000;
const HEIGHT: u32 = 4000;
const RUNS: usize = 7;
const MIB: f64 = 1024.0 * 1024.0;
const SQUARE: CropSquare = CropSquare {
    x: 1000,
    y: 0,
    size: 4000,
};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() == 4 && args[1] == "--one" {
        // Child mode: one conversion, so the parent can time a whole process.
        let bytes = avatar(Path::new(&args[2]));
        std::fs::write(&args[3], bytes).expect("write avatar");
        return;
    }

    // AVATAR_BENCH_DIR keeps the input and the three outputs there for a look.
    let temp = tempfile::tempdir().expect("temporary folder");
    let dir = std::env::var_os("AVATAR_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| temp.path().to_path_buf());
    std::fs::create_dir_all(&dir).expect("bench folder");
    let input = dir.join("photo-24mp.jpg");
    let quality = write_photo(&input);
    let size = std::fs::metadata(&input).expect("input written").len();
    println!(
        "input: {WIDTH}×{HEIGHT} JPEG, quality {quality}, {:.2} MiB ({size} bytes)",
        size as f64 / MIB
    );
    println!("task: central 4000×4000 square → 512×512 JPEG q85; median of {RUNS} runs\n");

    let ours_out = dir.join("ours.jpg");
    let ours = median(|| {
        let bytes = avatar(&input);
        std::fs::write(&ours_out, bytes).expect("write avatar");
    });
    report("ours, in process", ours, &ours_out);

    let me = std::env::current_exe().expect("own path");
    let ours_proc_out = dir.join("ours-process.jpg");
    let ours_process = time_command(
        &me,
        &[
            "--one".as_ref(),
            input.as_os_str(),
            ours_proc_out.as_os_str(),
        ],
    )
    .expect("our own binary runs");
    report("ours, one process per run", ours_process, &ours_proc_out);

    let magick_out = dir.join("magick.jpg");
    let magick = match find_tool("convert") {
        Some(convert) => {
            let args = [
                input.as_os_str(),
                "-auto-orient".as_ref(),
                "-crop".as_ref(),
                "4000x4000+1000+0".as_ref(),
                "-resize".as_ref(),
                "512x512".as_ref(),
                "-quality".as_ref(),
                "85".as_ref(),
                magick_out.as_os_str(),
            ];
            let t = time_command(&convert, &args);
            if let Some(t) = t {
                report(
                    &format!("ImageMagick ({})", convert.display()),
                    t,
                    &magick_out,
                );
            }
            t
        }
        None => {
            println!("ImageMagick: `convert` not found; install the Debian package `imagemagick`");
            None
        }
    };

    let vips_out = dir.join("vips.jpg");
    let vips = match find_tool("vipsthumbnail") {
        Some(vipsthumbnail) => {
            let target = format!("{}[Q=85]", vips_out.display());
            let args = [
                input.as_os_str(),
                "--size".as_ref(),
                "512x512".as_ref(),
                "--smartcrop".as_ref(),
                "centre".as_ref(),
                "-o".as_ref(),
                target.as_ref(),
            ];
            let t = time_command(&vipsthumbnail, &args);
            if let Some(t) = t {
                report(
                    &format!("libvips ({})", vipsthumbnail.display()),
                    t,
                    &vips_out,
                );
            }
            t
        }
        None => {
            println!(
                "libvips: `vipsthumbnail` not found; install the Debian package `libvips-tools`"
            );
            None
        }
    };

    println!();
    if let Some(magick) = magick {
        println!(
            "ImageMagick / ours: {:.2}× (in process), {:.2}× (process per run); target ≥ 3×",
            ratio(magick, ours),
            ratio(magick, ours_process)
        );
    }
    if let Some(vips) = vips {
        println!(
            "ours / libvips:     {:.2}× (in process), {:.2}× (process per run); target ≤ 1.2×",
            ratio(ours, vips),
            ratio(ours_process, vips)
        );
    }
}

/// Our whole way from file to encoded avatar.
fn avatar(input: &Path) -> Vec<u8> {
    let pipeline = AvatarPipeline::default();
    let source = pipeline.open(input).expect("open");
    pipeline.crop(&source, SQUARE).expect("crop").bytes
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64()
}

fn report(what: &str, time: Duration, output: &Path) {
    let bytes = std::fs::metadata(output).map(|m| m.len()).unwrap_or(0);
    println!(
        "{what:<60} {:>8.1} ms   (output {bytes} bytes)",
        time.as_secs_f64() * 1000.0
    );
}

/// Median wall time of `RUNS` runs, after one warm-up run.
fn median(mut run: impl FnMut()) -> Duration {
    run();
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[RUNS / 2]
}

/// Median time of a command, or `None` (with the reason printed) if it fails.
fn time_command(program: &Path, args: &[&std::ffi::OsStr]) -> Option<Duration> {
    let run_once = || {
        Command::new(program)
            .args(args)
            .output()
            .map_err(|e| e.to_string())
            .and_then(|out| {
                if out.status.success() {
                    Ok(())
                } else {
                    Err(String::from_utf8_lossy(&out.stderr).into_owned())
                }
            })
    };
    if let Err(e) = run_once() {
        println!("{} failed: {e}", program.display());
        return None;
    }
    Some(median(|| {
        run_once().expect("the command succeeded before");
    }))
}

/// The program named `name` on PATH.
fn find_tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// Writes the photo-like test JPEG, choosing the highest quality that stays under 5 MiB
/// (and, with this content, above 4 MiB); returns the quality used.
fn write_photo(path: &Path) -> u8 {
    let rgb = photo_pixels();
    let encode = |quality: u8| {
        let mut out = Vec::new();
        let mut encoder = jpeg_encoder::Encoder::new(&mut out, quality);
        encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::F_2_2);
        encoder
            .encode(
                &rgb,
                WIDTH as u16,
                HEIGHT as u16,
                jpeg_encoder::ColorType::Rgb,
            )
            .expect("encode the photo");
        out
    };
    let limit = 5 * 1024 * 1024;
    // File size grows with quality: binary search the largest quality under the limit.
    let (mut lo, mut hi) = (40u8, 98u8);
    let mut best = (lo, encode(lo));
    while lo <= hi {
        let mid = lo + (hi - lo) / 2;
        let bytes = encode(mid);
        if bytes.len() < limit {
            best = (mid, bytes);
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    let (quality, bytes) = best;
    if (bytes.len() as f64) < 4.0 * MIB {
        println!("note: the photo is under 4 MiB even at quality {quality}");
    }
    std::fs::write(path, bytes).expect("write the photo");
    quality
}

/// Smooth sky-to-ground gradients with soft shapes, plus fine texture (grain and fabric-like
/// ripples), roughly what a phone photo holds.
fn photo_pixels() -> Vec<u8> {
    let mut rgb = Vec::with_capacity((WIDTH * HEIGHT * 3) as usize);
    for y in 0..HEIGHT {
        let fy = y as f32 / HEIGHT as f32;
        for x in 0..WIDTH {
            let fx = x as f32 / WIDTH as f32;
            let sky = 1.0 - fy;
            let hills = (fx * 9.0).sin() * 0.08 + (fx * 23.0 + 1.3).sin() * 0.03;
            let ground = if fy > 0.55 + hills { 1.0 } else { 0.0 };
            let sun = (-((fx - 0.7).powi(2) + (fy - 0.25).powi(2)) * 40.0).exp();
            let ripple = ((x as f32 * 0.31).sin() * (y as f32 * 0.27).cos()) * 9.0 * ground;
            let grain = (hash(x, y) as f32 / u32::MAX as f32 - 0.5) * 14.0;
            let base = [
                40.0 + 120.0 * sky + 60.0 * ground + 90.0 * sun,
                80.0 + 100.0 * sky + 50.0 * ground * (1.0 - fy) + 80.0 * sun,
                120.0 + 120.0 * sky - 70.0 * ground + 30.0 * sun,
            ];
            for b in base {
                rgb.push((b + ripple + grain).clamp(0.0, 255.0) as u8);
            }
        }
    }
    rgb
}

/// A cheap deterministic per-pixel hash for grain.
fn hash(x: u32, y: u32) -> u32 {
    let mut h = x.wrapping_mul(0x9E37_79B1) ^ y.wrapping_mul(0x85EB_CA77);
    h ^= h >> 15;
    h = h.wrapping_mul(0x2C1B_3C6D);
    h ^ (h >> 12)
}
