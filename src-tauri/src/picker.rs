//! Choosing a file: the native dialog, or — for automated tests — a queue of paths.
//!
//! The webview never sees a path: Rust asks, Rust reads.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tauri::{AppHandle, Runtime};
use tauri_plugin_dialog::DialogExt;

/// Environment variable naming a text file of paths, one per line. When set, each pick takes
/// (and removes) the first line instead of showing the dialog; an empty file means "cancelled".
/// End-to-end tests use it because no WebDriver can click inside a native dialog. Only builds
/// with the `scripted-picks` feature (the one the end-to-end tests build) read it: in every
/// other build the code is not there at all.
#[cfg(feature = "scripted-picks")]
pub const SCRIPTED_PICKS_ENV: &str = "ACURE_PROFILE_SCRIPTED_PICKS";

/// Where chosen files come from.
#[derive(Debug, Clone)]
pub enum FilePicker {
    /// The operating system's file dialog.
    Native,
    /// Paths handed out in turn, then "cancelled": for tests that build the state in Rust.
    /// Nothing outside the process can fill it.
    Queue(Arc<Mutex<VecDeque<PathBuf>>>),
    /// Paths queued in a file named by `ACURE_PROFILE_SCRIPTED_PICKS`, for the end-to-end tests.
    #[cfg(feature = "scripted-picks")]
    Scripted(PathBuf),
}

impl FilePicker {
    /// A picker that hands out `paths` in turn, then cancels.
    pub fn queue(paths: impl IntoIterator<Item = PathBuf>) -> Self {
        Self::Queue(Arc::new(Mutex::new(paths.into_iter().collect())))
    }

    /// The native dialog; with the `scripted-picks` feature, the scripted queue when its
    /// variable is set.
    pub fn from_env() -> Self {
        #[cfg(feature = "scripted-picks")]
        if let Some(queue) = std::env::var_os(SCRIPTED_PICKS_ENV).filter(|q| !q.is_empty()) {
            tracing::warn!(
                "file picks are scripted from {}",
                PathBuf::from(&queue).display()
            );
            return Self::Scripted(PathBuf::from(queue));
        }
        Self::Native
    }

    /// Asks for one image file; `None` when the user cancels. Blocks: call off the main thread.
    pub fn pick_image<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        title: &str,
    ) -> std::io::Result<Option<PathBuf>> {
        match self {
            Self::Native => Ok(app
                .dialog()
                .file()
                .set_title(title)
                .add_filter(title, &["jpg", "jpeg", "png", "webp", "gif"])
                .blocking_pick_file()
                .and_then(|chosen| chosen.into_path().ok())),
            Self::Queue(paths) => Ok(paths
                .lock()
                .map_err(|_| std::io::Error::other("pick queue poisoned"))?
                .pop_front()),
            #[cfg(feature = "scripted-picks")]
            Self::Scripted(queue) => {
                let text = std::fs::read_to_string(queue)?;
                let mut lines = text.lines();
                let first = lines
                    .next()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(PathBuf::from);
                let rest: Vec<&str> = lines.collect();
                std::fs::write(queue, rest.join("\n"))?;
                Ok(first)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A released app (built without the feature) always asks the person, whatever the
    /// environment says.
    #[cfg(not(feature = "scripted-picks"))]
    #[test]
    fn the_environment_cannot_script_picks_without_the_feature() {
        let dir = tempfile::TempDir::new().unwrap();
        let queue = dir.path().join("picks.txt");
        std::fs::write(&queue, "/etc/passwd\n").unwrap();
        // The variable is set for this process only; no other test reads it.
        std::env::set_var("ACURE_PROFILE_SCRIPTED_PICKS", &queue);
        let picker = FilePicker::from_env();
        std::env::remove_var("ACURE_PROFILE_SCRIPTED_PICKS");
        assert!(matches!(picker, FilePicker::Native), "{picker:?}");
    }

    #[cfg(feature = "scripted-picks")]
    #[test]
    fn the_feature_reads_the_scripted_queue_from_the_environment() {
        let dir = tempfile::TempDir::new().unwrap();
        let queue = dir.path().join("picks.txt");
        std::fs::write(&queue, "/tmp/a.png\n").unwrap();
        std::env::set_var(SCRIPTED_PICKS_ENV, &queue);
        let picker = FilePicker::from_env();
        std::env::remove_var(SCRIPTED_PICKS_ENV);
        assert!(
            matches!(picker, FilePicker::Scripted(ref q) if *q == queue),
            "{picker:?}"
        );
    }
}
