//! Running child commands with their output shown live.

use anyhow::{bail, Context, Result};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Runs `cmd`, failing if it exits non-zero.
pub fn run(cmd: &mut Command) -> Result<()> {
    eprintln!("xtask: $ {}", describe(cmd));
    let status = cmd
        .status()
        .with_context(|| format!("cannot start {}", describe(cmd)))?;
    if !status.success() {
        bail!("{} failed ({status})", describe(cmd));
    }
    Ok(())
}

/// Passed/failed/ignored counts read from libtest's `test result:` lines.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    pub passed: u64,
    pub failed: u64,
    pub ignored: u64,
}

/// Runs a `cargo test`-like command, echoing its output live and counting its results.
///
/// The output is read on a thread and the command itself is waited for: a daemon that a
/// test session started (D-Bus activates a few) may inherit the pipe and outlive the run,
/// and must not keep us waiting for an end of file that never comes.
pub fn run_tests(cmd: &mut Command) -> Result<Counts> {
    eprintln!("xtask: $ {}", describe(cmd));
    let mut child = cmd
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start {}", describe(cmd)))?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("{line}");
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let status = child.wait()?;
    let mut counts = Counts::default();
    let drain_until = Instant::now() + Duration::from_secs(5);
    loop {
        let left = drain_until.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => {
                if let Some(rest) = line.strip_prefix("test result: ") {
                    counts.passed += number_before(rest, " passed");
                    counts.failed += number_before(rest, " failed");
                    counts.ignored += number_before(rest, " ignored");
                }
            }
            Err(_) => break, // all read, or a straggler holds the pipe: stop either way
        }
    }
    if !status.success() {
        counts.failed = counts.failed.max(1);
    }
    Ok(counts)
}

fn number_before(text: &str, label: &str) -> u64 {
    text.find(label)
        .and_then(|end| text[..end].rsplit([' ', '.', ';']).next()?.parse().ok())
        .unwrap_or(0)
}

/// Whether `program` can be found on PATH.
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
        .unwrap_or(false)
}

fn describe(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|s| s.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::number_before;

    #[test]
    fn reads_libtest_summary() {
        let rest =
            "ok. 12 passed; 0 failed; 3 ignored; 0 measured; 0 filtered out; finished in 0.5s";
        assert_eq!(number_before(rest, " passed"), 12);
        assert_eq!(number_before(rest, " failed"), 0);
        assert_eq!(number_before(rest, " ignored"), 3);
        assert_eq!(number_before("FAILED. 1 passed; 2 failed;", " failed"), 2);
    }
}
