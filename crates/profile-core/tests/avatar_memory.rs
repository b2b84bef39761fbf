//! Hostile pictures, each opened, previewed and cropped in a fresh process (the
//! `avatar-probe` tool), whose own peak resident memory (`VmHWM`) is then the pipeline's
//! alone: no other test shares it. The child's address space is also capped, so a decode
//! that outgrows the budget fails the test instead of exhausting the machine.
#![cfg(target_os = "linux")]

mod support;

use profile_core::avatar::AvatarLimits;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::hostile;

const MIB: u64 = 1024 * 1024;
/// The process itself (binary, allocator, stdout) on top of what the pipeline holds.
const MARGIN: u64 = 48 * MIB;
/// Address space the child may map: the budget, the binary and thread stacks and arenas.
const ADDRESS_SPACE_MB: u64 = 1024;
/// A hang guard only: the slowest case takes seconds in a debug build.
const HANG_GUARD: Duration = Duration::from_secs(180);

fn budget() -> u64 {
    AvatarLimits::default().max_decode_bytes
}

/// What the child reported: the result code (`ok` or a refusal) and its peak memory.
struct Probe {
    result: String,
    peak: u64,
}

/// Runs `avatar-probe one` on `bytes` (written to a file) and returns what it printed;
/// fails the test if the child crashes, is killed by its memory cap, or hangs.
fn probe(name: &str, bytes: &[u8], square: Option<(u32, u32, u32)>) -> Probe {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    probe_file(&path, square)
}

fn probe_file(path: &Path, square: Option<(u32, u32, u32)>) -> Probe {
    let mut command = Command::new(env!("CARGO_BIN_EXE_avatar-probe"));
    command.arg("one").arg(path);
    if let Some((x, y, size)) = square {
        command.args([x.to_string(), y.to_string(), size.to_string()]);
    }
    let mut child = command
        .env("AVATAR_PROBE_MAX_AS_MB", ADDRESS_SPACE_MB.to_string())
        // One malloc arena per thread would reserve 64 MiB of address space each.
        .env("MALLOC_ARENA_MAX", "2")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start avatar-probe");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > HANG_GUARD {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{}: the pipeline hung", path.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stdout = String::new();
    let mut stderr = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(
        status.success(),
        "{}: the child failed ({status}) after {:.1} s; stdout: {stdout}; stderr: {stderr}",
        path.display(),
        started.elapsed().as_secs_f64()
    );
    let field = |key: &str| {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .unwrap_or_else(|| panic!("no {key} in {stdout}"))
            .to_owned()
    };
    let probe = Probe {
        result: field("result "),
        peak: field("vmhwm_kb ").parse::<u64>().unwrap() * 1024,
    };
    println!(
        "{}: {} in {:.1} s, peak {:.1} MiB (budget {} MiB)",
        path.file_name().unwrap().to_string_lossy(),
        probe.result,
        started.elapsed().as_secs_f64(),
        probe.peak as f64 / MIB as f64,
        budget() / MIB
    );
    probe
}

fn assert_within_budget(probe: &Probe, what: &str) {
    assert!(
        probe.peak <= budget() + MARGIN,
        "{what}: peak {} MiB, budget {} MiB + {} MiB margin",
        probe.peak / MIB,
        budget() / MIB,
        MARGIN / MIB
    );
}

#[test]
fn gif_whose_first_frame_is_larger_than_its_canvas_is_refused_within_budget() {
    // A 100×100 canvas whose first frame claims 16000×16000 (1 GB of RGBA).
    let p = probe(
        "frame.gif",
        &hostile::gif_with_frame((100, 100), (16_000, 16_000)),
        None,
    );
    assert_eq!(p.result, "avatar.too_complex");
    assert_within_budget(&p, "GIF frame larger than its canvas");
}

#[test]
fn png_16_bit_at_the_pixel_limit_is_refused_within_budget() {
    // 10000×10000 = 100 MP, RGBA 16-bit: 800 MB decoded plus 400 MB as 8-bit. Real rows.
    let bytes = hostile::flat_png(10_000, 10_000, 16, 6);
    assert!(bytes.len() < 1024 * 1024, "{} bytes", bytes.len());
    let p = probe("deep.png", &bytes, None);
    assert_eq!(p.result, "avatar.too_complex");
    assert_within_budget(&p, "16-bit PNG at the pixel limit");
}

#[test]
fn a_large_honest_png_is_decoded_within_budget() {
    // 6000×6000 RGB 8-bit: 108 MB of pixels, well within the budget, so it must work.
    let p = probe("large.png", &hostile::flat_png(6_000, 6_000, 8, 2), None);
    assert_eq!(p.result, "ok");
    assert_within_budget(&p, "large PNG");
}

#[test]
fn progressive_jpeg_with_huge_dimensions_is_refused_within_budget() {
    // 16384×6100 (99.9 MP), 4 components, progressive: 800 MB of coefficients at any scale.
    let bytes = hostile::flat_jpeg(16_384, 6_100, 4, true, 0);
    assert!(bytes.len() < 5 * 1024 * 1024, "{} bytes", bytes.len());
    let p = probe("huge-progressive.jpg", &bytes, None);
    assert_eq!(p.result, "avatar.too_complex");
    assert_within_budget(&p, "huge progressive JPEG");
}

#[test]
fn jpeg_with_thirty_thousand_scans_is_refused_before_decoding() {
    let bytes = hostile::flat_jpeg(1024, 1024, 1, true, 30_000);
    assert!(bytes.len() < 5 * 1024 * 1024, "{} bytes", bytes.len());
    let p = probe("scans.jpg", &bytes, None);
    assert_eq!(p.result, "avatar.too_complex");
    assert_within_budget(&p, "JPEG with 30000 scans");
    // The same picture with a sane number of scans is fine: the refusal is about the scans.
    let p = probe(
        "few-scans.jpg",
        &hostile::flat_jpeg(1024, 1024, 1, true, 5),
        None,
    );
    assert_eq!(p.result, "ok");
}

#[test]
fn small_crop_of_a_huge_jpeg_fits_the_budget() {
    // 16384×6100 baseline 4:4:4: decoding it at full scale (which a 300 px crop would ask
    // for) takes 600 MB; a coarser DCT scale must be chosen instead.
    let bytes = hostile::flat_jpeg(16_384, 6_100, 3, false, 0);
    let p = probe("huge.jpg", &bytes, Some((100, 100, 300)));
    assert_eq!(p.result, "ok");
    assert_within_budget(&p, "small crop of a huge JPEG");
}

#[test]
fn tiny_files_claiming_65535_by_65535_are_refused_without_the_memory() {
    let mut jpeg = hostile::flat_jpeg(64, 64, 3, false, 0);
    let sof = jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    jpeg[sof + 5..sof + 9].copy_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF]);
    let cases = [
        ("claim.png", hostile::claiming_png(65_535, 65_535)),
        ("claim-100k.png", hostile::claiming_png(100_000, 100_000)),
        ("claim.jpg", jpeg),
        (
            "claim.gif",
            hostile::gif_with_frame((65_535, 65_535), (1, 1)),
        ),
        ("claim.webp", hostile::claiming_webp(65_535, 65_535)),
    ];
    for (name, bytes) in cases {
        assert!(bytes.len() <= 2048, "{name}: {} bytes", bytes.len());
        let p = probe(name, &bytes, None);
        assert_eq!(p.result, "avatar.dimensions_too_large", "{name}");
        assert!(p.peak < 64 * MIB, "{name}: peak {} MiB", p.peak / MIB);
    }
}

#[test]
fn the_generated_pictures_are_valid_when_small() {
    // The generators write real pictures: small ones decode to what they claim, so the
    // refusals above are about size, not damage.
    for (name, bytes) in [
        ("baseline.jpg", hostile::flat_jpeg(40, 24, 3, false, 0)),
        ("grey.jpg", hostile::flat_jpeg(40, 24, 1, false, 0)),
        ("progressive.jpg", hostile::flat_jpeg(40, 24, 3, true, 0)),
        ("cmyk.jpg", hostile::flat_jpeg(40, 24, 4, true, 0)),
        ("deep.png", hostile::flat_png(40, 24, 16, 6)),
        ("rgb.png", hostile::flat_png(40, 24, 8, 2)),
    ] {
        let p = probe(name, &bytes, None);
        assert_eq!(p.result, "ok", "{name}");
    }
}
