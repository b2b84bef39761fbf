//! Developer commands for Acure Profile.
//!
//! - `cargo xtask run`: installs what is missing, builds the app and starts it.
//! - `cargo xtask test`: installs what is missing and runs every check and test layer.
//! - `cargo xtask bench`: installs ImageMagick, libvips and argon2, then times the avatar
//!   pipeline and one password hash next to them.
//! - `cargo xtask icons`: redraws the app icon set in `icons/`.

mod icons;
mod layers;
mod process;
mod setup;

use anyhow::{bail, Result};
use std::path::PathBuf;

const USAGE: &str = "usage: cargo xtask <run | test [LAYER…] | icons>
  run            install what is missing, build and start the app
  test           install what is missing, then run every layer:
                 fmt, clippy, unit (workspace tests), e2e (the real app under Xvfb)
  test LAYER…    run only the named layers, e.g. `cargo xtask test e2e`
  bench          time the avatar pipeline (vs ImageMagick, libvips) and a password hash
                 (vs the argon2 tool); prints figures
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
            layers::bench()
        }
        _ => bail!("{USAGE}"),
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
