//! axe-core, the accessibility engine the end-to-end harness runs on every screen it
//! photographs: a pinned version's tarball from the npm registry, checked against the
//! integrity the registry publishes for it, unpacked once under the target directory.

use crate::process::run;
use anyhow::{bail, Context, Result};
use base64::Engine as _;
use sha2::{Digest, Sha512};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The axe-core release the checks run with.
pub const VERSION: &str = "4.14.1";

/// `dist.integrity` of that release on registry.npmjs.org.
const INTEGRITY: &str =
    "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==";

/// The path of `axe.min.js`, downloaded and checked when missing.
pub fn ensure(target: &Path) -> Result<PathBuf> {
    let dir = target.join("e2e-tools").join(format!("axe-core-{VERSION}"));
    let script = dir.join("package").join("axe.min.js");
    if script.is_file() {
        return Ok(script);
    }
    std::fs::create_dir_all(&dir)?;
    let tarball = dir.join("axe-core.tgz");
    eprintln!("xtask: downloading axe-core {VERSION} from the npm registry (once)");
    run(Command::new("curl")
        .args([
            "--fail",
            "--silent",
            "--show-error",
            "--location",
            "--retry",
            "3",
            "--output",
        ])
        .arg(&tarball)
        .arg(format!(
            "https://registry.npmjs.org/axe-core/-/axe-core-{VERSION}.tgz"
        )))
    .context("downloading axe-core")?;
    let bytes = std::fs::read(&tarball)?;
    let digest = base64::engine::general_purpose::STANDARD.encode(Sha512::digest(&bytes));
    if format!("sha512-{digest}") != INTEGRITY {
        std::fs::remove_file(&tarball)?;
        bail!("the axe-core tarball does not match its published integrity; not used");
    }
    run(Command::new("tar")
        .arg("-xzf")
        .arg(&tarball)
        .arg("-C")
        .arg(&dir)
        .arg("package/axe.min.js"))
    .context("unpacking axe-core")?;
    std::fs::remove_file(&tarball)?;
    Ok(script)
}
