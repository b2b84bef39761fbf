//! Test tool for the avatar memory and corruption tests: runs the real pipeline in a fresh
//! process, so that the process's own peak memory (`VmHWM`) is the pipeline's.
//!
//! Usage:
//!
//! - `avatar-probe one <file> [<x> <y> <size>]`: open, preview (1024 px), crop (the given
//!   square, else the largest centred one). Prints `result ok` or `result <code>`, then
//!   `vmhwm_kb <n>`.
//! - `avatar-probe batch <scratch-file>`: reads cases from stdin (`u64` id and `u32` length,
//!   little-endian, then the bytes), writes each to `<scratch-file>` and runs open, preview
//!   (256 px) and a crop on it, printing `start <id>` before and `end <id> <result>` after,
//!   so that a crash or hang names its case; `vmhwm_kb <n>` at the end.
//!
//! With `AVATAR_PROBE_MAX_AS_MB=<n>` the address space is capped first (unix), so a decode
//! that outgrows its budget makes this process fail instead of the machine swap.

use profile_core::avatar::{AvatarPipeline, CropSquare};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    cap_address_space()?;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut out = std::io::stdout().lock();
    match args.first().map(String::as_str) {
        Some("one") => {
            let path = PathBuf::from(args.get(1).ok_or("missing <file>")?);
            let square = match &args[2..] {
                [x, y, size] => Some(CropSquare {
                    x: x.parse()?,
                    y: y.parse()?,
                    size: size.parse()?,
                }),
                _ => None,
            };
            writeln!(out, "result {}", run(&path, 1024, square))?;
        }
        Some("batch") => {
            let scratch = PathBuf::from(args.get(1).ok_or("missing <scratch-file>")?);
            let mut input = std::io::stdin().lock();
            let mut head = [0u8; 12];
            while read_all_or_eof(&mut input, &mut head)? {
                let id = u64::from_le_bytes(head[..8].try_into()?);
                let len = u32::from_le_bytes(head[8..].try_into()?);
                let mut bytes = vec![0; usize::try_from(len)?];
                input.read_exact(&mut bytes)?;
                std::fs::write(&scratch, &bytes)?;
                writeln!(out, "start {id}")?;
                out.flush()?;
                let result = run(&scratch, 256, None);
                writeln!(out, "end {id} {result}")?;
                out.flush()?;
            }
        }
        _ => return Err("usage: avatar-probe one <file> [x y size] | batch <scratch-file>".into()),
    }
    match peak_kb() {
        Some(kb) => writeln!(out, "vmhwm_kb {kb}")?,
        None => writeln!(out, "vmhwm_kb unknown")?,
    }
    Ok(())
}

/// Open, preview and crop; `ok` or the code of the first refusal.
fn run(path: &Path, preview_side: u32, square: Option<CropSquare>) -> String {
    let pipeline = AvatarPipeline::default();
    let result = pipeline.open(path).and_then(|source| {
        pipeline.preview(&source, preview_side)?;
        let side = source.width().min(source.height());
        let square = square.unwrap_or(CropSquare {
            x: (source.width() - side) / 2,
            y: (source.height() - side) / 2,
            size: side,
        });
        pipeline.crop(&source, square)
    });
    match result {
        Ok(_) => "ok".to_owned(),
        Err(e) => e.code().as_str().to_owned(),
    }
}

/// Fills `buf`, or returns `false` at a clean end of input.
fn read_all_or_eof(input: &mut impl Read, buf: &mut [u8]) -> std::io::Result<bool> {
    let mut filled = 0;
    while filled < buf.len() {
        match input.read(&mut buf[filled..])? {
            0 if filled == 0 => return Ok(false),
            0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            n => filled += n,
        }
    }
    Ok(true)
}

/// This process's peak resident memory in kB (Linux).
fn peak_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(unix)]
fn cap_address_space() -> Result<(), Box<dyn std::error::Error>> {
    let Some(mb) = std::env::var_os("AVATAR_PROBE_MAX_AS_MB") else {
        return Ok(());
    };
    let bytes = mb
        .to_str()
        .ok_or("bad AVATAR_PROBE_MAX_AS_MB")?
        .parse::<u64>()?
        << 20;
    let limit = libc::rlimit {
        rlim_cur: bytes as libc::rlim_t,
        rlim_max: bytes as libc::rlim_t,
    };
    // SAFETY: setrlimit only reads the struct we pass.
    if unsafe { libc::setrlimit(libc::RLIMIT_AS, &limit) } != 0 {
        return Err(std::io::Error::last_os_error().into());
    }
    Ok(())
}

#[cfg(not(unix))]
fn cap_address_space() -> Result<(), Box<dyn std::error::Error>> {
    Ok(())
}
