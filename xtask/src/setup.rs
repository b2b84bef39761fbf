//! Installs what a fresh machine lacks (Debian/Ubuntu), or says exactly what is missing.

use crate::process::{on_path, run};
use anyhow::{bail, Context, Result};
use std::path::PathBuf;
use std::process::Command;

/// What the machine is being prepared for (every purpose includes building).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Purpose {
    /// Building the app and running the tests that need no window.
    Build,
    /// Building and starting the app.
    Run,
    /// Driving the real app window under Xvfb.
    EndToEnd,
    /// Timing the avatar pipeline next to ImageMagick and libvips, the password hash next to
    /// argon2, and the app's start-up under Xvfb.
    Bench,
}

/// Debian packages Tauri needs to build and run on Linux.
const BUILD_PACKAGES: &[&str] = &[
    "libwebkit2gtk-4.1-dev",
    "libgtk-3-dev",
    "libayatana-appindicator3-dev",
    "librsvg2-dev",
    "libxdo-dev",
    "libssl-dev",
    "pkg-config",
    "build-essential",
    "file",
];

/// Debian packages for the end-to-end layer: a virtual display, a session bus,
/// WebKit's WebDriver, fonts with Cyrillic glyphs, the desktop's UI font (see
/// `BENCH_PACKAGES`: the window then looks as on a GNOME desktop), a throw-away keyring with `secret-tool`
/// to read it, `xclip` to read what the app put on the clipboard, and `curl` to fetch
/// axe-core. (Never dbus-x11: it leaves daemons behind.)
const E2E_PACKAGES: &[&str] = &[
    "xvfb",
    "xauth",
    "dbus",
    "webkit2gtk-driver",
    "fonts-dejavu-core",
    "fonts-cantarell",
    "gnome-keyring",
    "libsecret-tools",
    "xclip",
    "curl",
    "ca-certificates",
];

/// Debian packages the benchmarks compare against (avatar: ImageMagick, libvips; password:
/// the reference Argon2 tool), the public API's load generator (wrk), and the start-up
/// benchmark's virtual display and session bus.
const BENCH_PACKAGES: &[&str] = &[
    "imagemagick",
    "libvips-tools",
    "argon2",
    "wrk",
    "xvfb",
    "xauth",
    "dbus",
    "fonts-dejavu-core",
    // The UI font GNOME's settings name by default, which WebKitGTK's `system-ui` resolves
    // to: a desktop has it, and without it the start-up benchmark measures a font fallback
    // search that desktops do not pay.
    "fonts-cantarell",
];

/// The tauri-driver release line that matches Tauri 2.
const TAURI_DRIVER_VERSION: &str = "^2";

/// Makes sure everything `purpose` needs is present, installing it where we can.
pub fn ensure(purpose: Purpose) -> Result<()> {
    if cfg!(target_os = "linux") {
        ensure_linux_packages(purpose)?;
    } else if cfg!(target_os = "macos") {
        check_macos()?;
    } else if cfg!(windows) {
        check_windows();
    }
    ensure_rust_components()?;
    if purpose == Purpose::EndToEnd {
        ensure_tauri_driver()?;
    }
    Ok(())
}

/// rustfmt and clippy, which a minimal rustup profile leaves out.
fn ensure_rust_components() -> Result<()> {
    let has = |sub: &str| {
        Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args([sub, "--version"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if has("fmt") && has("clippy") {
        return Ok(());
    }
    if !on_path("rustup") {
        bail!(
            "cargo fmt or cargo clippy is missing; install rustfmt and clippy for your toolchain"
        );
    }
    eprintln!("xtask: installing the rustfmt and clippy components");
    run(Command::new("rustup").args(["component", "add", "rustfmt", "clippy"]))
}

fn ensure_linux_packages(purpose: Purpose) -> Result<()> {
    let mut wanted: Vec<&str> = BUILD_PACKAGES.to_vec();
    match purpose {
        Purpose::EndToEnd => wanted.extend_from_slice(E2E_PACKAGES),
        Purpose::Bench => wanted.extend_from_slice(BENCH_PACKAGES),
        Purpose::Build | Purpose::Run => {}
    }
    ensure_debian_packages(&wanted)
}

/// Installs those of `wanted` (Debian package names) that are missing, with apt-get as
/// root or through sudo.
pub fn ensure_debian_packages(wanted: &[&str]) -> Result<()> {
    if !on_path("dpkg-query") {
        bail!(
            "this Linux is not Debian-based, so packages cannot be installed for you.\n\
             Install the equivalents of: {}",
            wanted.join(" ")
        );
    }
    let missing: Vec<&str> = wanted
        .iter()
        .copied()
        .filter(|p| !deb_installed(p))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!("xtask: installing system packages: {}", missing.join(" "));
    let as_root = is_root();
    if !as_root && !on_path("sudo") {
        bail!(
            "missing system packages and no sudo; as root run:\n  apt-get update && apt-get install -y {}",
            missing.join(" ")
        );
    }
    let apt = |args: &[&str]| {
        let mut cmd = if as_root {
            Command::new("apt-get")
        } else {
            let mut sudo = Command::new("sudo");
            sudo.arg("apt-get");
            sudo
        };
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        cmd
    };
    run(&mut apt(&["update", "-qq"]))?;
    // Wait for another apt (e.g. unattended upgrades) instead of failing at once.
    let mut install = apt(&["-o", "DPkg::Lock::Timeout=300", "install", "-y", "-qq"]);
    install.args(&missing);
    run(&mut install)
}

fn deb_installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${db:Status-Status}", package])
        .output()
        .map(|out| out.status.success() && out.stdout == b"installed")
        .unwrap_or(false)
}

/// Whether we run as root.
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|out| out.stdout.trim_ascii() == b"0")
        .unwrap_or(false)
}

fn check_macos() -> Result<()> {
    let tools = Command::new("xcode-select").arg("-p").output();
    if !tools.map(|o| o.status.success()).unwrap_or(false) {
        bail!("the Xcode Command Line Tools are missing: run `xcode-select --install`, then try again");
    }
    Ok(())
}

fn check_windows() {
    eprintln!(
        "xtask: on Windows, Tauri needs the Microsoft C++ Build Tools (Desktop development with C++) \
         and the WebView2 runtime (present on Windows 10 1803+ and 11). If the build fails to link \
         or the window stays blank, install those."
    );
}

/// The path of tauri-driver, installed with cargo when missing.
pub fn tauri_driver() -> Option<PathBuf> {
    let exe = if cfg!(windows) {
        "tauri-driver.exe"
    } else {
        "tauri-driver"
    };
    // Where `cargo install` puts it: CARGO_INSTALL_ROOT, else CARGO_HOME, else ~/.cargo.
    let root = std::env::var_os("CARGO_INSTALL_ROOT")
        .or_else(|| std::env::var_os("CARGO_HOME"))
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))?;
    let path = root.join("bin").join(exe);
    path.is_file().then_some(path)
}

fn ensure_tauri_driver() -> Result<()> {
    if cfg!(target_os = "macos") {
        bail!("end-to-end tests need tauri-driver, which has no macOS support; run them on Linux or Windows");
    }
    if tauri_driver().is_some() {
        return Ok(());
    }
    eprintln!("xtask: installing tauri-driver (once)");
    run(
        Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())).args([
            "install",
            "tauri-driver",
            "--locked",
            "--version",
            TAURI_DRIVER_VERSION,
        ]),
    )
    .context("installing tauri-driver")
}
