//! `cargo xtask bench startup`: our release app next to a bare Tauri app with the same
//! plugins, each started fresh several times, interleaved, under Xvfb: time until the first
//! screen is painted and answers IPC, idle memory of the process tree, binary size.

mod bare;
mod launch;
mod memory;
mod ui_font;

use crate::layers::{cargo, target_dir};
use crate::process::run;
use anyhow::{bail, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Starts of each app when none are asked for.
pub const DEFAULT_STARTS: usize = 7;
/// The hidden sub-command the measuring half runs as, inside the virtual display.
pub const INSIDE: &str = "__startup-inside";

/// Builds both apps (release, with the probe), then measures them under a virtual display.
pub fn bench(root: &Path, starts: usize) -> Result<()> {
    let target = target_dir(root);
    run(cargo().args([
        "build",
        "--release",
        "--package",
        "acure-profile",
        "--features",
        "startup-probe",
    ]))?;
    let bare_dir = target.join("startup-bench").join(bare::NAME);
    bare::generate(root, &bare_dir)?;
    run(cargo()
        .args(["build", "--release", "--manifest-path"])
        .arg(bare_dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", &target))?;
    let release = target.join("release");
    let ours = release.join(crate::layers::exe("acure-profile"));
    let bare = release.join(crate::layers::exe(bare::NAME));

    if !cfg!(target_os = "linux") {
        return measure(&ours, &bare, starts);
    }
    // A fresh session bus (single-instance registers on it) and X display for the run.
    let mut inside = Command::new("dbus-run-session");
    inside
        .args([
            "--",
            "xvfb-run",
            "--auto-servernum",
            "--server-args=-screen 0 1280x1024x24",
        ])
        .arg(std::env::current_exe()?)
        .arg(INSIDE)
        .arg(starts.to_string())
        .arg(&ours)
        .arg(&bare);
    run(&mut inside)
}

/// The measuring half: `INSIDE starts ours bare`.
pub fn inside(args: &[String]) -> Result<()> {
    let [starts, ours, bare] = args else {
        bail!("usage: {INSIDE} STARTS OURS BARE");
    };
    measure(&PathBuf::from(ours), &PathBuf::from(bare), starts.parse()?)
}

/// What all starts of one app measured.
#[derive(Default)]
struct Runs {
    ready_ms: Vec<f64>,
    pss_kib: Vec<f64>,
    milestones: Vec<Vec<(String, f64)>>,
    processes: Vec<String>,
}

impl Runs {
    fn add(&mut self, start: launch::Start) {
        self.ready_ms.push(start.ready_ms);
        self.pss_kib.push(start.pss_kib as f64);
        self.milestones.push(start.milestones);
        self.processes = start.processes;
    }

    /// The median time of each milestone (by name, in the order of the first start).
    fn milestone_medians(&self) -> Vec<(String, f64)> {
        let Some(first) = self.milestones.first() else {
            return Vec::new();
        };
        first
            .iter()
            .map(|(name, _)| {
                let times = self
                    .milestones
                    .iter()
                    .filter_map(|m| m.iter().find(|(n, _)| n == name).map(|(_, t)| *t))
                    .collect();
                (name.clone(), median(times))
            })
            .collect()
    }
}

fn measure(ours: &Path, bare: &Path, starts: usize) -> Result<()> {
    eprintln!(
        "xtask: one start of each to warm the disk cache, then {starts} of each, interleaved \
         (which goes first alternates)"
    );
    launch::start(ours)?;
    launch::start(bare)?;
    let (mut our_runs, mut bare_runs) = (Runs::default(), Runs::default());
    for i in 1..=starts {
        // Which app goes first alternates: in two A/B runs of two nearly equal builds, with the
        // order swapped, the one started first in every pair was 13–31 ms slower either way.
        let (mine, theirs) = if i % 2 == 1 {
            (launch::start(ours)?, launch::start(bare)?)
        } else {
            let theirs = launch::start(bare)?;
            (launch::start(ours)?, theirs)
        };
        if mine.screen != "welcome" {
            bail!("ours opened on {:?}, not its first-run screen", mine.screen);
        }
        eprintln!(
            "xtask: start {i}/{starts}: ours {:.0} ms {:.1} MiB, bare {:.0} ms {:.1} MiB",
            mine.ready_ms,
            mine.pss_kib as f64 / 1024.0,
            theirs.ready_ms,
            theirs.pss_kib as f64 / 1024.0
        );
        our_runs.add(mine);
        bare_runs.add(theirs);
    }
    print_report(ours, bare, &our_runs, &bare_runs, starts)
}

fn print_report(
    ours: &Path,
    bare: &Path,
    our_runs: &Runs,
    bare_runs: &Runs,
    starts: usize,
) -> Result<()> {
    let ready = (
        median(our_runs.ready_ms.clone()),
        median(bare_runs.ready_ms.clone()),
    );
    let pss = (
        median(our_runs.pss_kib.clone()) / 1024.0,
        median(bare_runs.pss_kib.clone()) / 1024.0,
    );
    let mib =
        |path: &Path| -> Result<f64> { Ok(std::fs::metadata(path)?.len() as f64 / 1048576.0) };
    let size = (mib(ours)?, mib(bare)?);
    println!("\nStart-up: Acure Profile next to a bare Tauri app with the same plugins");
    println!(
        "(release builds, median of {starts} fresh starts each, interleaved with the order alternating, Xvfb; both carry the start-up probe)\n"
    );
    println!("| | ours | bare Tauri | ratio | target |");
    println!("|---|---|---|---|---|");
    println!(
        "| process start → first screen painted and answering IPC | {:.0} ms | {:.0} ms | {:.2}× | ≤ 1.15× |",
        ready.0,
        ready.1,
        ready.0 / ready.1
    );
    println!(
        "| idle memory (PSS of the app and its WebKit processes) | {:.1} MiB | {:.1} MiB | {:.2}× | ≤ 1.2× |",
        pss.0,
        pss.1,
        pss.0 / pss.1
    );
    println!(
        "| release binary | {:.1} MiB | {:.1} MiB | {:.2}× | ≤ 1.5× |",
        size.0,
        size.1,
        size.0 / size.1
    );
    println!("\nWhere the time goes (median ms after the process started):\n");
    println!("| milestone | ours | bare Tauri |");
    println!("|---|---|---|");
    let bare_marks = bare_runs.milestone_medians();
    for (name, ms) in our_runs.milestone_medians() {
        let theirs = bare_marks
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("".to_owned(), |(_, t)| format!("{t:.0}"));
        println!("| {name} | {ms:.0} | {theirs} |");
    }
    println!(
        "| probe's report received | {:.0} | {:.0} |",
        ready.0, ready.1
    );
    println!(
        "\nThe UI font `system-ui` stands for here: {}",
        ui_font::describe().unwrap_or_else(|| "not read (no GNOME settings)".to_owned())
    );
    println!(
        "Memory counted over: ours [{}], bare [{}]",
        our_runs.processes.join(", "),
        bare_runs.processes.join(", ")
    );
    Ok(())
}

fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(median(Vec::new()).is_nan());
    }
}
