//! Benchmark of one Argon2id password hash at our parameters (m=19456 KiB, t=2, p=1), next
//! to the reference `argon2` command-line tool where it is installed (not a test; it only
//! prints figures). Run with:
//!
//! ```sh
//! sudo apt-get install -y argon2   # optional: the reference implementation
//! cargo run --release -p profile-core --example password_bench
//! ```
//!
//! The tool is run as `echo -n pw | argon2 somesalt16bytes -id -k 19456 -t 2 -p 1`: its `-m`
//! takes log2 of the KiB and 19456 is not a power of two, so `-k` (KiB) is used. Each
//! figure is the median of 5 runs. The tool reports the time of its hash itself (the ratio
//! uses that); its whole process also verifies the hash once more and pays start-up.

use profile_core::security::password_hash;
use profile_core::{Env, Password};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const RUNS: usize = 5;

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// One run of the reference tool: its own hash time and the whole process's; `None` when
/// it is missing or fails.
fn reference_once() -> Option<(Duration, Duration)> {
    let start = Instant::now();
    let mut child = Command::new("argon2")
        .args([
            "somesalt16bytes",
            "-id",
            "-k",
            "19456",
            "-t",
            "2",
            "-p",
            "1",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(b"pw").ok()?;
    let out = child.wait_with_output().ok()?;
    let elapsed = start.elapsed();
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() || !text.contains("m=19456,t=2,p=1") {
        return None;
    }
    // It prints e.g. "0.060 seconds" for the hash alone.
    let seconds: f64 = text
        .lines()
        .find_map(|line| line.trim().strip_suffix(" seconds")?.parse().ok())?;
    Some((Duration::from_secs_f64(seconds), elapsed))
}

fn main() {
    let env = Env::system();
    let password = Password::new("pw");
    let ours = median(
        (0..RUNS)
            .map(|_| {
                let start = Instant::now();
                let phc = password_hash::hash(&password, &env).expect("hash");
                let elapsed = start.elapsed();
                assert!(password_hash::has_current_params(&phc));
                elapsed
            })
            .collect(),
    );
    println!(
        "ours (argon2 crate, in process): {:7.1} ms  median of {RUNS}",
        ms(ours)
    );
    let reference: Option<Vec<(Duration, Duration)>> =
        (0..RUNS).map(|_| reference_once()).collect();
    match reference {
        Some(runs) => {
            let theirs = median(runs.iter().map(|run| run.0).collect());
            let process = median(runs.iter().map(|run| run.1).collect());
            println!(
                "argon2 CLI (-id -k 19456 -t 2 -p 1): {:7.1} ms  its own hash time, median of {RUNS}",
                ms(theirs)
            );
            println!(
                "argon2 CLI, whole process:           {:7.1} ms  (hash + verify + start-up)",
                ms(process)
            );
            println!(
                "ratio ours / CLI: {:.2}",
                ours.as_secs_f64() / theirs.as_secs_f64()
            );
        }
        None => println!("argon2 CLI not found (apt-get install -y argon2): no comparison"),
    }
}
