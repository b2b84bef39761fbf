//! Memory of a process tree: an app and the WebKit processes it starts (Linux `/proc`).
//!
//! PSS (proportional set size) charges each shared page to its sharers in proportion, so the
//! sum over a tree counts the libraries it shares with itself once and does not double count.

use std::path::Path;

/// The PSS of `root` and every process below it, and their names.
pub struct TreeMemory {
    /// Sum of every process's PSS, in KiB.
    pub pss_kib: u64,
    /// The processes counted, by name (e.g. `WebKitWebProcess`).
    pub names: Vec<String>,
}

/// Reads the PSS of `root` and its descendants; processes that vanish meanwhile are skipped.
pub fn tree(root: u32) -> TreeMemory {
    let mut pss_kib = 0;
    let mut names = Vec::new();
    for pid in with_descendants(root) {
        if let Some(kib) = pss_kib_of(pid) {
            pss_kib += kib;
            names.push(name_of(pid).unwrap_or_else(|| pid.to_string()));
        }
    }
    TreeMemory { pss_kib, names }
}

/// `root` followed by every process descending from it, now.
pub fn with_descendants(root: u32) -> Vec<u32> {
    let parents: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| Some((pid, parent_of(pid)?)))
        .collect();
    let mut tree = vec![root];
    let mut next = 0;
    while next < tree.len() {
        let parent = tree[next];
        tree.extend(
            parents
                .iter()
                .filter(|(_, p)| *p == parent)
                .map(|(c, _)| *c),
        );
        next += 1;
    }
    tree
}

/// Whether `pid` still runs (a zombie has finished: it only waits to be reaped).
pub fn is_running(pid: u32) -> bool {
    stat_fields(pid).is_some_and(|fields| fields.first().map(String::as_str) != Some("Z"))
}

fn parent_of(pid: u32) -> Option<u32> {
    stat_fields(pid)?.get(1)?.parse().ok()
}

fn name_of(pid: u32) -> Option<String> {
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
    Some(comm.trim_end().to_owned())
}

/// The fields of `/proc/<pid>/stat` after the name: state, parent, … (the name is in
/// parentheses and may itself hold spaces and parentheses, hence the last `)`).
fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    Some(rest.split_whitespace().map(str::to_owned).collect())
}

fn pss_kib_of(pid: u32) -> Option<u64> {
    let path = Path::new("/proc")
        .join(pid.to_string())
        .join("smaps_rollup");
    rollup_pss_kib(&std::fs::read_to_string(path).ok()?)
}

/// The `Pss:` figure of a `smaps_rollup` text, in KiB.
fn rollup_pss_kib(rollup: &str) -> Option<u64> {
    rollup
        .lines()
        .find_map(|line| line.strip_prefix("Pss:"))?
        .trim()
        .strip_suffix("kB")?
        .trim()
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_pss_from_a_rollup() {
        let rollup =
            "55d0-7ffd [rollup]\nRss:              223456 kB\nPss:              201234 kB\n\
                      Pss_Anon:          90000 kB\n";
        assert_eq!(rollup_pss_kib(rollup), Some(201_234));
        assert_eq!(rollup_pss_kib("Rss: 1 kB\n"), None);
    }

    #[test]
    fn this_process_has_memory_and_is_in_its_own_tree() {
        let me = std::process::id();
        assert!(is_running(me));
        assert_eq!(with_descendants(me).first(), Some(&me));
        assert!(tree(me).pss_kib > 0);
    }
}
