//! Choosing a file: the native dialog, or — for automated tests — a scripted queue.
//!
//! The webview never sees a path: Rust asks, Rust reads.

use std::path::PathBuf;
use tauri::{AppHandle, Runtime};
use tauri_plugin_dialog::DialogExt;

/// Environment variable naming a text file of paths, one per line. When set, each pick takes
/// (and removes) the first line instead of showing the dialog; an empty file means "cancelled".
/// End-to-end tests use it because no WebDriver can click inside a native dialog. Only debug
/// builds (the ones the tests drive) honour it.
pub const SCRIPTED_PICKS_ENV: &str = "ACURE_PROFILE_SCRIPTED_PICKS";

/// Where chosen files come from.
#[derive(Debug, Clone)]
pub enum FilePicker {
    /// The operating system's file dialog.
    Native,
    /// Paths queued in a file, for automation.
    Scripted(PathBuf),
}

impl FilePicker {
    /// The scripted picker if its variable is set (debug builds only), else the native dialog.
    pub fn from_env() -> Self {
        match std::env::var_os(SCRIPTED_PICKS_ENV) {
            // A released app always asks the person.
            Some(_) if !cfg!(debug_assertions) => Self::Native,
            Some(queue) if !queue.is_empty() => {
                tracing::warn!(
                    "file picks are scripted from {}",
                    PathBuf::from(&queue).display()
                );
                Self::Scripted(PathBuf::from(queue))
            }
            _ => Self::Native,
        }
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
