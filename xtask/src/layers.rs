//! The test layers and the app launcher.

use crate::process::{on_path, run, run_tests, Counts};
use crate::{postgres, setup};
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// One layer of `cargo xtask test`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    /// `cargo fmt --check`.
    Fmt,
    /// `cargo clippy --all-targets -D warnings`.
    Clippy,
    /// Every workspace test that needs no window: core, commands (mock runtime), durability.
    Unit,
    /// The server's tests on SQLite and on a private PostgreSQL.
    Server,
    /// The built app driven through tauri-driver under Xvfb.
    E2e,
}

const ALL: [Layer; 5] = [
    Layer::Fmt,
    Layer::Clippy,
    Layer::Unit,
    Layer::Server,
    Layer::E2e,
];

impl Layer {
    fn name(self) -> &'static str {
        match self {
            Self::Fmt => "fmt",
            Self::Clippy => "clippy",
            Self::Unit => "unit",
            Self::Server => "server",
            Self::E2e => "e2e",
        }
    }

    /// Whether the layer opens windows.
    pub fn needs_display(self) -> bool {
        self == Self::E2e
    }
}

/// The layers named on the command line; all of them when none is.
pub fn parse(args: &[String]) -> Result<Vec<Layer>> {
    if args.is_empty() {
        return Ok(ALL.to_vec());
    }
    args.iter()
        .map(|arg| {
            ALL.into_iter().find(|l| l.name() == arg).with_context(|| {
                format!("unknown layer {arg:?}; layers: fmt clippy unit server e2e")
            })
        })
        .collect()
}

/// Runs `layers` in order, stopping at the first failure, and prints a summary.
pub fn test(root: &Path, layers: &[Layer]) -> Result<()> {
    let started = Instant::now();
    let mut total = Counts::default();
    let mut failed_layer = None;
    for &layer in layers {
        eprintln!("\nxtask: ── layer {} ──", layer.name());
        let outcome = match layer {
            Layer::Fmt => run(cargo().args(["fmt", "--all", "--check"])).map(|()| None),
            Layer::Clippy => clippy().map(|()| None),
            Layer::Unit => unit().map(Some),
            Layer::Server => server().map(Some),
            Layer::E2e => end_to_end(root).map(Some),
        };
        match outcome {
            Ok(Some(counts)) => {
                total.passed += counts.passed;
                total.failed += counts.failed;
                total.ignored += counts.ignored;
                if counts.failed > 0 {
                    failed_layer = Some(layer);
                    break;
                }
            }
            Ok(None) => {}
            Err(err) => {
                eprintln!("xtask: {err:#}");
                failed_layer = Some(layer);
                break;
            }
        }
    }
    let secs = started.elapsed().as_secs();
    let names: Vec<&str> = layers.iter().map(|l| l.name()).collect();
    println!(
        "\nxtask test: layers [{}] {} in {}m{:02}s",
        names.join(", "),
        match failed_layer {
            Some(l) => format!("FAILED at {}", l.name()),
            None => "all ok".to_owned(),
        },
        secs / 60,
        secs % 60
    );
    println!(
        "tests: {} passed, {} failed, {} skipped",
        total.passed,
        total.failed.max(u64::from(failed_layer.is_some())),
        total.ignored
    );
    if failed_layer.is_some() {
        bail!("tests failed");
    }
    Ok(())
}

/// The app's features that only test and benchmark builds turn on: linted too, since no
/// default build compiles their code.
const TEST_FEATURES: &str = "scripted-picks,e2e-clock,startup-probe";

/// Lints the workspace, then the app with its test-only features.
fn clippy() -> Result<()> {
    let deny = ["--", "-D", "warnings"];
    run(cargo()
        .args(["clippy", "--workspace", "--all-targets"])
        .args(deny))?;
    run(cargo()
        .args(["clippy", "--package", "acure-profile", "--all-targets"])
        .args(["--features", TEST_FEATURES])
        .args(deny))
}

/// Every workspace test but the server's and the end-to-end ones, then the app's own unit tests again with
/// the scripted picker compiled in (its tests run only in that build).
fn unit() -> Result<Counts> {
    let mut counts = run_tests(cargo().args([
        "test",
        "--workspace",
        "--exclude",
        "acure-e2e",
        "--exclude",
        "profile-server",
    ]))?;
    let featured = run_tests(cargo().args([
        "test",
        "--package",
        "acure-profile",
        "--lib",
        "--features",
        "scripted-picks,e2e-clock",
    ]))?;
    counts.passed += featured.passed;
    counts.failed += featured.failed;
    counts.ignored += featured.ignored;
    Ok(counts)
}

/// The server's tests, on SQLite and on PostgreSQL: a private cluster started for them and
/// removed afterwards, whatever the outcome, unless `ACURE_TEST_POSTGRES_URL` names one.
fn server() -> Result<Counts> {
    let (_private, url) = postgres_url()?;
    run_tests(
        cargo()
            .args(["test", "--package", "profile-server"])
            .env(postgres::URL_VAR, url),
    )
}

/// Builds the app and the server, then runs the end-to-end scenarios in a virtual display.
fn end_to_end(root: &Path) -> Result<Counts> {
    // The scripted picker stands in for the native dialog, which no WebDriver can click.
    run(cargo().args([
        "build",
        "--package",
        "acure-profile",
        "--features",
        "scripted-picks,e2e-clock",
    ]))?;
    // The real server the sync scenarios sign in to, started by the harness per scenario.
    run(cargo().args(["build", "--package", "profile-server"]))?;
    let app = target_dir(root).join("debug").join(exe("acure-profile"));
    let server = target_dir(root).join("debug").join(exe("profile-server"));
    let driver = setup::tauri_driver().context("tauri-driver is not installed")?;
    let shots = root.join("target").join("e2e");
    std::fs::create_dir_all(&shots)?;
    let axe = crate::axe::ensure(&target_dir(root))?;
    let mut cmd = if cfg!(target_os = "linux") {
        // A fresh session bus and X display just for this run; both vanish with it.
        let mut cmd = Command::new("dbus-run-session");
        cmd.args([
            "--",
            "xvfb-run",
            "--auto-servernum",
            "--server-args=-screen 0 1280x1024x24",
        ]);
        cmd.arg(cargo_path());
        cmd
    } else {
        cargo()
    };
    cmd.args(["test", "--package", "acure-e2e", "--", "--test-threads=1"])
        .env("ACURE_E2E_APP", &app)
        .env("ACURE_E2E_SERVER", &server)
        .env("ACURE_E2E_DRIVER", &driver)
        .env("ACURE_E2E_SHOTS", &shots)
        .env("ACURE_E2E_AXE", &axe);
    let counts = run_tests(&mut cmd)?;
    eprintln!("xtask: screenshots in {}", shots.display());
    Ok(counts)
}

/// Runs the benchmarks (release builds): the avatar pipeline next to ImageMagick and libvips,
/// one password hash next to the `argon2` tool (the system's own tools first on PATH), then
/// the app's start-up next to a bare Tauri app.
pub fn bench(root: &Path) -> Result<()> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs = vec![PathBuf::from("/usr/bin")];
    dirs.extend(std::env::split_paths(&path));
    let path = std::env::join_paths(dirs)?;
    for example in ["avatar_bench", "password_bench"] {
        run(cargo()
            .args([
                "run",
                "--release",
                "--package",
                "profile-core",
                "--example",
                example,
            ])
            .env("PATH", &path))?;
    }
    bench_api()?;
    crate::startup::bench(root, crate::startup::DEFAULT_STARTS)
}

/// The PostgreSQL `ACURE_TEST_POSTGRES_URL` names, else a private cluster started now (kept
/// running, and removed when the returned guard drops).
fn postgres_url() -> Result<(Option<postgres::PrivatePostgres>, String)> {
    match std::env::var(postgres::URL_VAR) {
        Ok(url) if !url.is_empty() => Ok((None, url)),
        _ => {
            let private = postgres::PrivatePostgres::start()?;
            let url = private.url().to_owned();
            Ok((Some(private), url))
        }
    }
}

/// The public API next to the same server's `/health`, loaded by wrk, on SQLite and on a
/// private PostgreSQL (or the one `ACURE_TEST_POSTGRES_URL` names).
pub fn bench_api() -> Result<()> {
    let (_private, url) = postgres_url()?;
    run(cargo()
        .args([
            "run",
            "--release",
            "--package",
            "profile-server",
            "--example",
            "api_bench",
        ])
        .env(postgres::URL_VAR, url))
}

/// Builds and starts the app.
pub fn run_app(root: &Path) -> Result<()> {
    if cfg!(target_os = "linux")
        && std::env::var_os("DISPLAY").is_none()
        && std::env::var_os("WAYLAND_DISPLAY").is_none()
    {
        let hint = if on_path("xvfb-run") {
            "for a virtual one: xvfb-run -a cargo xtask run"
        } else {
            "start it from a desktop session"
        };
        bail!("no display to open the window on (DISPLAY and WAYLAND_DISPLAY are unset); {hint}");
    }
    run(cargo().args(["build", "--package", "acure-profile"]))?;
    let app = target_dir(root).join("debug").join(exe("acure-profile"));
    run(&mut Command::new(app))
}

/// The cargo that runs us (`cargo run` sets `CARGO`), so every step uses one toolchain.
pub(crate) fn cargo() -> Command {
    Command::new(cargo_path())
}

fn cargo_path() -> std::ffi::OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

pub(crate) fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|p| if p.is_absolute() { p } else { root.join(p) })
        .unwrap_or_else(|| root.join("target"))
}

pub(crate) fn exe(name: &str) -> String {
    format!("{name}{}", std::env::consts::EXE_SUFFIX)
}
