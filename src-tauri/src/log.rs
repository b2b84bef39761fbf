//! Where the app's log goes: standard error, and a file in the data directory once it is
//! known (support asks for it; tests search it for secrets).

use std::fs::{File, OpenOptions};
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
    pub fn attach(&self, dir: &Path) -> io::Result<()> {
        let path = dir.join(LOG_FILE);
        if std::fs::metadata(&path).is_ok_and(|m| m.len() > ROTATE_AT_BYTES) {
            std::fs::rename(&path, dir.join(format!("{LOG_FILE}.1")))?;
        }
        let file = OpenOptions::new().create(true).append(true).open(path)?;
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
