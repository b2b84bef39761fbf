//! Developer commands for Acure Profile.
//!
//! - `cargo xtask run`: installs what is missing, builds the app and starts it.
//! - `cargo xtask test`: installs what is missing and runs every check and test layer (the
//!   server layer starts a private PostgreSQL for its tests).
//! - `cargo xtask bench`: installs ImageMagick, libvips, argon2, wrk and Xvfb, then times the
//!   avatar pipeline and one password hash next to those tools, the public API next to the
//!   same server's health check, and the app's start-up, memory and size next to a bare
//!   Tauri app.
//! - `cargo xtask icons`: redraws the app icon set in `icons/`.

mod axe;
mod icons;
mod layers;
mod postgres;
mod process;
mod setup;
mod startup;

use anyhow::{bail, Result};
use std::path::PathBuf;

const USAGE: &str =
    "usage: cargo xtask <run | test [LAYER…] | bench [api | startup [STARTS]] | icons>
  run            install what is missing, build and start the app
  test           install what is missing, then run every layer:
                 fmt, clippy, unit (workspace tests), server (the server's tests on
                 SQLite and on a private PostgreSQL), e2e (the real app under Xvfb)
  test LAYER…    run only the named layers, e.g. `cargo xtask test e2e`
  bench          time the avatar pipeline (vs ImageMagick, libvips) and a password hash
                 (vs the argon2 tool), then run `bench api` and `bench startup`; prints figures
  bench api      the public API's `GET /api/v1/profile` with a personal token next to the
                 same server's `/health`, 64 connections (wrk), on SQLite and on a private
                 PostgreSQL: throughput, p99 and their ratios
  bench startup [STARTS]
                 only the release app next to a bare Tauri app with the same plugins, under
                 Xvfb: start-up to the first screen painted and answering, idle memory (PSS),
                 binary size; median of STARTS fresh starts each (default 7), interleaved
  icons          redraw icons/ from code";

fn main() {
    if let Err(err) = real_main() {
        eprintln!("xtask: {err:#}");
        std::process::exit(1);
    }
}

fn real_main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root();
    std::env::set_current_dir(&root)?;
    match args.first().map(String::as_str) {
        Some("run") => {
            setup::ensure(setup::Purpose::Run)?;
            layers::run_app(&root)
        }
        Some("test") => {
            let chosen = layers::parse(&args[1..])?;
            setup::ensure(if chosen.iter().any(|l| l.needs_display()) {
                setup::Purpose::EndToEnd
            } else {
                setup::Purpose::Build
            })?;
            layers::test(&root, &chosen)
        }
        Some("icons") => icons::draw_all(&root.join("icons")),
        Some("bench") => {
            setup::ensure(setup::Purpose::Bench)?;
            match args.get(1).map(String::as_str) {
                None => layers::bench(&root),
                Some("api") => layers::bench_api(),
                Some("startup") => startup::bench(&root, starts(args.get(2))?),
                Some(other) => bail!("unknown benchmark {other:?}\n{USAGE}"),
            }
        }
        // The measuring half of `bench startup`, run inside the virtual display it made.
        Some(startup::INSIDE) => startup::inside(&args[1..]),
        _ => bail!("{USAGE}"),
    }
}

/// The number of starts asked for, else the default.
fn starts(arg: Option<&String>) -> Result<usize> {
    let Some(arg) = arg else {
        return Ok(startup::DEFAULT_STARTS);
    };
    match arg.parse() {
        Ok(n) if n > 0 => Ok(n),
        _ => bail!("STARTS must be a positive number, not {arg:?}\n{USAGE}"),
    }
}

/// The workspace root: the parent of this crate's directory.
///
/// Read at run time (`cargo run` sets it): with a target directory shared between clones,
/// the compile-time value can name another clone whose build was reused.
fn workspace_root() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
        .parent()
        .expect("xtask lives inside the workspace")
        .to_path_buf()
}
