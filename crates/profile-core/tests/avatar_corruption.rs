//! Thousands of corrupted variants of small valid pictures of every format (bit flips, byte
//! overwrites, truncations, another format's header spliced in, repeated chunks, huge
//! numbers written over fields) through open → preview → crop, in child processes
//! (`avatar-probe batch`) with a capped address space: none may crash the process, take
//! longer than 2 s, need more memory than the cap, or be refused as `internal` (every
//! damaged file gets a code that says what is wrong with it).
//!
//! Case `n` is fully determined by `n`. A failing case is written to
//! `<target>/corrupt-failures/<n>.bin` and its number printed; `AVATAR_FUZZ_SEED=<n>`
//! runs that case alone, `AVATAR_FUZZ_CASES=<count>` changes how many run.
#![cfg(target_os = "linux")]

mod support;

use image::codecs::gif::GifEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::{Delay, Frame, ImageEncoder, Rgb, RgbImage, Rgba, RgbaImage};
use profile_core::avatar::AvatarLimits;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};
use support::hostile;

const DEFAULT_CASES: u64 = 2000;
const CASES_PER_CHILD: u64 = 250;
/// A hang guard: no case may take longer. A case takes about 20 ms in a debug build; the
/// guard is 500 times that because a loaded 2-core machine (builds beside the tests) once
/// stalled a child for over 2 s, and a real hang is still caught.
const PER_CASE: Duration = Duration::from_secs(10);
/// Process start-up, before the first case.
const START_UP: Duration = Duration::from_secs(20);
const ADDRESS_SPACE_MB: u64 = 1024;
const MIB: u64 = 1024 * 1024;

// ---------------------------------------------------------------------------------------
// Seeds: small valid pictures of every kind the pipeline reads.

fn noise(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        let v = (x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)) as u8;
        Rgb([v, (x * 4) as u8, (y * 4) as u8])
    })
}

fn jpeg(progressive: bool, grey: bool) -> Vec<u8> {
    let image = noise(72, 48);
    let mut out = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, 80);
    encoder.set_progressive(progressive);
    if grey {
        let luma: Vec<u8> = image.pixels().map(|p| p.0[0]).collect();
        encoder
            .encode(&luma, 72, 48, jpeg_encoder::ColorType::Luma)
            .unwrap();
    } else {
        encoder
            .encode(image.as_raw(), 72, 48, jpeg_encoder::ColorType::Rgb)
            .unwrap();
    }
    out
}

fn png(colour: image::ExtendedColorType, data: &[u8], width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    PngEncoder::new(&mut out)
        .write_image(data, width, height, colour)
        .unwrap();
    out
}

fn palette_png() -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, 40, 30);
    encoder.set_color(png::ColorType::Indexed);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_palette(vec![0, 0, 0, 200, 30, 30, 30, 200, 60]);
    encoder.set_trns(vec![0, 255, 128]);
    let mut writer = encoder.write_header().unwrap();
    let data: Vec<u8> = (0..40 * 30).map(|i| (i % 7 % 3) as u8).collect();
    writer.write_image_data(&data).unwrap();
    drop(writer);
    out
}

fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    let rgb = noise(48, 40);
    let rgba = RgbaImage::from_fn(48, 40, |x, y| {
        Rgba([x as u8 * 5, y as u8 * 6, 90, (x * y) as u8])
    });
    let deep: Vec<u8> = rgba
        .as_raw()
        .iter()
        .flat_map(|&v| (u16::from(v) * 257).to_ne_bytes())
        .collect();
    let mut webp = Vec::new();
    WebPEncoder::new_lossless(&mut webp)
        .write_image(rgba.as_raw(), 48, 40, image::ExtendedColorType::Rgba8)
        .unwrap();
    let mut gif = Vec::new();
    {
        let mut encoder = GifEncoder::new(&mut gif);
        for shade in [40u8, 160] {
            let frame = RgbaImage::from_fn(40, 32, |x, _| Rgba([shade, x as u8 * 6, 20, 255]));
            encoder
                .encode_frame(Frame::from_parts(
                    frame,
                    0,
                    0,
                    Delay::from_numer_denom_ms(50, 1),
                ))
                .unwrap();
        }
    }
    vec![
        ("jpeg-baseline", jpeg(false, false)),
        ("jpeg-progressive", jpeg(true, false)),
        ("jpeg-grey", jpeg(false, true)),
        (
            "png-rgb8",
            png(image::ExtendedColorType::Rgb8, rgb.as_raw(), 48, 40),
        ),
        (
            "png-rgba16",
            png(image::ExtendedColorType::Rgba16, &deep, 48, 40),
        ),
        ("png-palette", palette_png()),
        ("webp-lossless", webp),
        ("gif", gif),
    ]
}

// ---------------------------------------------------------------------------------------
// Mutations.

/// Values that tend to break parsers when written over a size or count field.
const INTERESTING: [u32; 10] = [
    0,
    1,
    0x7F,
    0x80,
    0xFF,
    0x7FFF,
    0xFFFF,
    0x1_0000,
    0x7FFF_FFFF,
    u32::MAX,
];

fn mutate(seeds: &[(&str, Vec<u8>)], case: u64) -> Vec<u8> {
    let mut rng = StdRng::seed_from_u64(case);
    let seed = (case % seeds.len() as u64) as usize;
    let mut bytes = seeds[seed].1.clone();
    for _ in 0..rng.gen_range(1..=4) {
        if bytes.is_empty() {
            break;
        }
        let at = rng.gen_range(0..bytes.len());
        match rng.gen_range(0..7) {
            0 => {
                for _ in 0..rng.gen_range(1..=8) {
                    let i = rng.gen_range(0..bytes.len());
                    bytes[i] ^= 1 << rng.gen_range(0..8);
                }
            }
            1 => {
                for _ in 0..rng.gen_range(1..=16) {
                    let i = rng.gen_range(0..bytes.len());
                    bytes[i] = rng.gen();
                }
            }
            2 => bytes.truncate(at),
            3 => {
                // Another format's header in front of this one's body, or the reverse.
                let other = &seeds[rng.gen_range(0..seeds.len())].1;
                let cut = rng.gen_range(0..other.len().min(128));
                bytes = if rng.gen() {
                    [&other[..cut], &bytes[cut.min(bytes.len())..]].concat()
                } else {
                    [&bytes[..cut.min(bytes.len())], &other[cut..]].concat()
                };
            }
            4 => {
                // A chunk repeated: a segment, a scan, a PNG chunk twice or many times.
                let len = rng.gen_range(1..=256).min(bytes.len() - at);
                let chunk = bytes[at..at + len].to_vec();
                let times = rng.gen_range(1..=8);
                let mut repeated = Vec::with_capacity(chunk.len() * times);
                for _ in 0..times {
                    repeated.extend_from_slice(&chunk);
                }
                bytes.splice(at..at, repeated);
            }
            5 => {
                let value = INTERESTING[rng.gen_range(0..INTERESTING.len())];
                let width = [1, 2, 4][rng.gen_range(0..3)];
                let field = if rng.gen() {
                    value.to_be_bytes()
                } else {
                    value.to_le_bytes()
                };
                let end = (at + width).min(bytes.len());
                let from = if rng.gen() { 0 } else { 4 - width };
                bytes[at..end].copy_from_slice(&field[from..from + (end - at)]);
            }
            _ => {
                let len = rng.gen_range(1..=64).min(bytes.len() - at);
                bytes.drain(at..at + len);
            }
        }
    }
    bytes
}

// ---------------------------------------------------------------------------------------
// Running cases in children.

/// Why a case failed.
enum Failure {
    Hang,
    Crash(String),
    /// A damaged file must get the code that says what is wrong with it, not `internal`.
    Internal,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Hang => write!(f, "no result within {PER_CASE:?}"),
            Self::Crash(how) => write!(f, "the process died: {how}"),
            Self::Internal => write!(f, "refused as an internal error"),
        }
    }
}

struct Batch {
    child: Child,
    lines: Receiver<String>,
    /// Drained all along: a child blocked on a full stderr pipe would look hung.
    stderr: std::thread::JoinHandle<String>,
}

fn start_child(cases: Vec<(u64, Vec<u8>)>, scratch: &std::path::Path, cap_mb: u64) -> Batch {
    let mut child = Command::new(env!("CARGO_BIN_EXE_avatar-probe"))
        .arg("batch")
        .arg(scratch)
        .env("AVATAR_PROBE_MAX_AS_MB", cap_mb.to_string())
        .env("MALLOC_ARENA_MAX", "2")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start avatar-probe");
    let mut stdin = child.stdin.take().unwrap();
    std::thread::spawn(move || {
        for (id, bytes) in cases {
            let mut frame = id.to_le_bytes().to_vec();
            frame.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
            frame.extend_from_slice(&bytes);
            // The child may have died; the reader side reports that.
            if stdin.write_all(&frame).is_err() {
                return;
            }
        }
    });
    let mut stderr_pipe = child.stderr.take().unwrap();
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr_pipe, &mut text);
        text
    });
    let stdout = child.stdout.take().unwrap();
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    Batch {
        child,
        lines,
        stderr,
    }
}

/// What a run of cases came to.
#[derive(Default)]
struct Outcome {
    failures: Vec<(u64, Failure)>,
    /// The largest peak memory a child reported.
    peak: u64,
    /// How many cases ended with each result (`ok` or an error code).
    results: std::collections::BTreeMap<String, u64>,
}

/// Runs `cases` (consecutive ids) in as many children as failures require.
fn run_cases(cases: &[(u64, Vec<u8>)], scratch: &std::path::Path, cap_mb: u64) -> Outcome {
    let mut failures = Vec::new();
    let mut peak = 0;
    let mut results = std::collections::BTreeMap::new();
    let mut next = 0;
    while next < cases.len() {
        let mut batch = start_child(cases[next..].to_vec(), scratch, cap_mb);
        let mut current: Option<u64> = None;
        let mut guard = START_UP;
        let outcome = loop {
            match batch.lines.recv_timeout(guard) {
                Ok(line) => {
                    if let Some(id) = line.strip_prefix("start ") {
                        current = Some(id.parse().unwrap());
                        guard = PER_CASE;
                    } else if let Some(end) = line.strip_prefix("end ") {
                        let mut words = end.split_whitespace();
                        let id: u64 = words.next().unwrap().parse().unwrap();
                        let result = words.next().unwrap_or("?").to_owned();
                        if result == "internal" {
                            failures.push((id, Failure::Internal));
                        }
                        *results.entry(result).or_insert(0) += 1;
                        current = None;
                        next += 1;
                        guard = PER_CASE;
                    } else if let Some(kb) = line.strip_prefix("vmhwm_kb ") {
                        peak = peak.max(kb.parse::<u64>().unwrap() * 1024);
                    }
                }
                Err(RecvTimeoutError::Timeout) => break current.map(|id| (id, Failure::Hang)),
                Err(RecvTimeoutError::Disconnected) => break None,
            }
        };
        if outcome.is_some() {
            let _ = batch.child.kill();
        }
        let status = batch.child.wait().unwrap();
        let stderr = batch.stderr.join().unwrap_or_default();
        let outcome = outcome.or_else(|| {
            // The output ended: either every case ran and the child exited cleanly, or it
            // died in the middle of the case it had started.
            let crashed = current.is_some() || !status.success();
            crashed.then(|| {
                let id = current.unwrap_or(cases[next.min(cases.len() - 1)].0);
                let tail: String = stderr.lines().rev().take(6).collect::<Vec<_>>().join(" | ");
                (id, Failure::Crash(format!("{status}: {tail}")))
            })
        });
        if let Some((id, failure)) = outcome {
            failures.push((id, failure));
            next = cases.iter().position(|(c, _)| *c == id).unwrap() + 1;
        }
    }
    Outcome {
        failures,
        peak,
        results,
    }
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name)
        .ok()
        .map(|v| v.parse().unwrap_or_else(|_| panic!("{name}={v}")))
}

#[test]
fn corrupted_pictures_never_crash_hang_or_exceed_memory() {
    let seeds = seeds();
    let ids: Vec<u64> = match env_u64("AVATAR_FUZZ_SEED") {
        Some(one) => vec![one],
        None => (0..env_u64("AVATAR_FUZZ_CASES").unwrap_or(DEFAULT_CASES)).collect(),
    };
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    let mut peak = 0;
    let mut results = std::collections::BTreeMap::new();
    for (i, chunk) in ids.chunks(CASES_PER_CHILD as usize).enumerate() {
        let cases: Vec<(u64, Vec<u8>)> = chunk.iter().map(|&n| (n, mutate(&seeds, n))).collect();
        let scratch = dir.path().join(format!("case-{i}"));
        let mut outcome = run_cases(&cases, &scratch, ADDRESS_SPACE_MB);
        peak = peak.max(outcome.peak);
        for (result, n) in outcome.results {
            *results.entry(result).or_insert(0) += n;
        }
        let mut failed = std::mem::take(&mut outcome.failures);
        for (id, failure) in &failed {
            let bytes = &cases.iter().find(|(c, _)| c == id).unwrap().1;
            let out = failures_dir().join(format!("{id}.bin"));
            std::fs::write(&out, bytes).unwrap();
            println!(
                "case {id} ({}): {failure}; saved to {}",
                seeds[(id % seeds.len() as u64) as usize].0,
                out.display()
            );
        }
        failures.append(&mut failed);
    }
    let budget = AvatarLimits::default().max_decode_bytes;
    println!(
        "{} corrupted cases in {:.1} s, largest child peak {:.1} MiB, {} failures",
        ids.len(),
        started.elapsed().as_secs_f64(),
        peak as f64 / MIB as f64,
        failures.len()
    );
    println!("results: {results:?}");
    assert!(
        failures.is_empty(),
        "failing cases (rerun one with AVATAR_FUZZ_SEED=<n>): {:?}",
        failures.iter().map(|(id, _)| id).collect::<Vec<_>>()
    );
    assert!(
        peak <= budget + 48 * MIB,
        "a child peaked at {} MiB",
        peak / MIB
    );
}

#[test]
fn the_harness_names_a_case_that_kills_its_child_and_runs_the_rest() {
    // Under a cap far below what a 6000×6000 picture needs, that case aborts its child;
    // the cases around it must still run, and it alone be reported.
    let small = &seeds()[0].1;
    let cases = vec![
        (7, small.clone()),
        (8, hostile::flat_png(6_000, 6_000, 8, 2)),
        (9, small.clone()),
        (10, small.clone()),
    ];
    let dir = tempfile::tempdir().unwrap();
    let failures = run_cases(&cases, &dir.path().join("scratch"), 96).failures;
    let ids: Vec<u64> = failures.iter().map(|(id, _)| *id).collect();
    assert_eq!(
        ids,
        vec![8],
        "{}",
        failures
            .iter()
            .map(|(_, f)| f.to_string())
            .collect::<Vec<_>>()
            .join("; ")
    );
    assert!(matches!(failures[0].1, Failure::Crash(_)));
}

fn failures_dir() -> PathBuf {
    // CARGO_TARGET_TMPDIR is <target>/tmp; failures go beside it.
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("corrupt-failures");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
