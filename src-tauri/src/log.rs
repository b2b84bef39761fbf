//! Where the app's log goes: standard error, and a file in the data directory once it is
//! known (support asks for it; tests search it for secrets).

use profile_core::private_files;
use std::fs::File;
use std::io::{self, Write};
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

/// File name of the log inside the data directory.
pub const LOG_FILE: &str = "acure-profile.log";
/// A log grown past this is moved aside to `<name>.1` when the app starts.
const ROTATE_AT_BYTES: u64 = 5 * 1024 * 1024;

/// The log file, attached after start-up; lines written before that go to stderr only.
#[derive(Clone, Default)]
pub struct LogFile(Arc<Mutex<Option<File>>>);

impl LogFile {
    /// Starts appending to the log file in `dir`, first moving an over-grown one aside.
    /// Both are the owner's only: a log names files and devices.
    pub fn attach(&self, dir: &Path) -> io::Result<()> {
        let path = dir.join(LOG_FILE);
        let rotated = dir.join(format!("{LOG_FILE}.1"));
        if std::fs::metadata(&path).is_ok_and(|m| m.len() > ROTATE_AT_BYTES) {
            std::fs::rename(&path, &rotated)?;
        }
        // A rename keeps the mode, so an older version's readable log stays readable unless
        // tightened here.
        private_files::tighten_if_present(&rotated);
        let file = private_files::open_append(&path)?;
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(file);
        Ok(())
    }
}

impl Write for LogFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Some(file) = self
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_mut()
        {
            file.write_all(buf)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        match self
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_mut()
        {
            Some(file) => file.flush(),
            None => Ok(()),
        }
    }
}

impl<'a> MakeWriter<'a> for LogFile {
    type Writer = LogFile;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Installs the global logger (filter from `RUST_LOG`, else `info`); returns the file half.
pub fn init() -> LogFile {
    let file = LogFile::default();
    tracing_subscriber::registry()
        .with(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into()))
        .with(tracing_subscriber::fmt::layer().with_writer(io::stderr))
        .with(
            tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(file.clone()),
        )
        .init();
    file
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn the_log_and_its_rotated_copy_are_the_owners_only() {
        // SAFETY: umask only swaps the process's file-creation mask.
        unsafe { libc::umask(0o022) };
        let dir = tempfile::TempDir::new().unwrap();
        let log = dir.path().join(LOG_FILE);
        LogFile::default().attach(dir.path()).unwrap();
        assert_eq!(mode(&log), 0o600, "a new log");

        // An older version's log, readable by everyone and due for rotation.
        std::fs::write(&log, vec![b'x'; ROTATE_AT_BYTES as usize + 1]).unwrap();
        std::fs::set_permissions(&log, std::fs::Permissions::from_mode(0o644)).unwrap();
        LogFile::default().attach(dir.path()).unwrap();
        assert_eq!(
            mode(&dir.path().join(format!("{LOG_FILE}.1"))),
            0o600,
            "rotated"
        );
        assert_eq!(mode(&log), 0o600, "the fresh log");

        // An existing loose log that is not rotated is tightened too.
        std::fs::set_permissions(&log, std::fs::Permissions::from_mode(0o644)).unwrap();
        LogFile::default().attach(dir.path()).unwrap();
        assert_eq!(mode(&log), 0o600, "kept and tightened");
    }
}
