//! One start of an app: a fresh HOME and data directory, the time until the start-up probe
//! reports the first screen painted and answering, the idle memory, then the app is ended.

use super::memory;
use anyhow::{bail, Context, Result};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The probe's switch and report prefix (see `crates/startup-probe`).
const PROBE_ENV: &str = "ACURE_STARTUP_PROBE";
const PROBE_PREFIX: &str = "startup-probe: ";
/// A start that has not drawn its first screen by then has failed.
const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// How long an app is left alone after its first screen before its memory is read: the
/// page's last work (fonts, timers, the garbage collector) settles, as when a person looks.
const SETTLE: Duration = Duration::from_secs(3);

/// What one start measured.
pub struct Start {
    /// From spawning the process until the probe's report reached us.
    pub ready_ms: f64,
    /// The page's milestones, in ms after spawning (see `milestones`).
    pub milestones: Vec<(String, f64)>,
    /// The screen the page reported (`welcome` for ours on a first run).
    pub screen: String,
    /// PSS of the app and its WebKit processes once idle, in KiB.
    pub pss_kib: u64,
    /// The processes counted for memory.
    pub processes: Vec<String>,
}

/// Starts `app` on a fresh HOME and data directory, measures, and ends it.
pub fn start(app: &Path) -> Result<Start> {
    let scratch = tempfile::Builder::new()
        .prefix("acure-startup-")
        .tempdir()?;
    let home = scratch.path().join("home");
    std::fs::create_dir_all(&home)?;
    let mut cmd = Command::new(app);
    cmd.env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        // Ours opens its first-run screen on an empty data directory; the bare app ignores it.
        .env("ACURE_PROFILE_DATA_DIR", scratch.path().join("data"))
        .env("LANG", "en_US.UTF-8")
        .env("LC_ALL", "en_US.UTF-8")
        // As in the end-to-end tests: Xvfb has no GPU, WebKit draws in software.
        .env("WEBKIT_DISABLE_DMABUF_RENDERER", "1")
        .env("LIBGL_ALWAYS_SOFTWARE", "1")
        .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
        .env(PROBE_ENV, "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());

    let spawned_epoch = epoch_ms();
    let spawned = Instant::now();
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot start {}", app.display()))?;
    let outcome = measure(&mut child, spawned, spawned_epoch);
    end(&mut child);
    outcome
}

fn measure(child: &mut Child, spawned: Instant, spawned_epoch: f64) -> Result<Start> {
    let report = wait_for_report(child)?;
    let ready_ms = spawned.elapsed().as_secs_f64() * 1000.0;
    let report: Value = serde_json::from_str(&report).context("the probe's report")?;
    std::thread::sleep(SETTLE);
    let tree = memory::tree(child.id());
    Ok(Start {
        ready_ms,
        milestones: milestones(&report, spawned_epoch),
        screen: report["screen"].as_str().unwrap_or("?").to_owned(),
        pss_kib: tree.pss_kib,
        processes: tree.names,
    })
}

/// Waits for the probe's line on the app's standard output (read on a thread: a WebKit
/// process inherits the pipe, so its end never comes while the app runs).
fn wait_for_report(child: &mut Child) -> Result<String> {
    let stdout = child.stdout.take().expect("stdout is piped");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(report) = line.strip_prefix(PROBE_PREFIX) {
                let _ = tx.send(report.to_owned());
                return;
            }
        }
    });
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(report) => return Ok(report),
            Err(mpsc::RecvTimeoutError::Timeout) if Instant::now() < deadline => {
                if let Some(status) = child.try_wait()? {
                    bail!("the app exited ({status}) before its first screen");
                }
            }
            Err(_) => bail!("no first screen within {READY_TIMEOUT:?} (is the app built with the `startup-probe` feature?)"),
        }
    }
}

/// The page's milestones in ms after the process was spawned, from the probe's report:
/// navigation start, DOMContentLoaded, screen shown, first frame, painted, IPC answered, then the page's
/// own `performance.mark`s.
fn milestones(report: &Value, spawned_epoch: f64) -> Vec<(String, f64)> {
    let origin = report["time_origin"].as_f64().unwrap_or(f64::NAN) - spawned_epoch;
    let mut out = vec![("page navigation starts".to_owned(), origin)];
    for (key, label) in [
        ("dom_content_loaded", "DOMContentLoaded"),
        ("shown", "first screen shown"),
        ("frame", "its first frame begins"),
        ("painted", "first screen painted"),
        ("answered", "IPC round trip answered"),
    ] {
        if let Some(ms) = report[key].as_f64() {
            out.push((label.to_owned(), origin + ms));
        }
    }
    for mark in report["marks"].as_array().into_iter().flatten() {
        if let (Some(name), Some(ms)) = (mark[0].as_str(), mark[1].as_f64()) {
            out.push((format!("mark {name}"), origin + ms));
        }
    }
    out
}

/// Ends the app and the processes it started, and waits until they are gone, so the next
/// start finds nothing of this one (single-instance would hand it over to this one).
fn end(child: &mut Child) {
    let family = memory::with_descendants(child.id());
    let _ = child.kill();
    let _ = child.wait();
    let others: Vec<String> = family[1..].iter().map(u32::to_string).collect();
    if !others.is_empty() {
        let _ = Command::new("kill")
            .arg("-KILL")
            .args(&others)
            .stderr(Stdio::null())
            .status();
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while family[1..].iter().any(|&pid| memory::is_running(pid)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn epoch_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}
