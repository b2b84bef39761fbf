//! Why the local store could not be opened, sorted into what the person can act on: which
//! file, and whether another process holds it, it is damaged, a newer version made it, the
//! permissions forbid it, or something else is wrong.

use crate::error::ErrorCode;
use serde_json::{Map, Value};
use sqlx::migrate::MigrateError;
use std::io;
use std::path::{Path, PathBuf};

/// What kept the store from opening.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenFailure {
    /// Another process (another copy of the app, a database tool) holds the file locked.
    Locked,
    /// The file is damaged or is not a database at all.
    Corrupt,
    /// The file has a migration this build does not know: a newer version made it.
    NewerVersion,
    /// The file or its folder may not be read or written by this user.
    PermissionDenied,
    /// Anything else: a folder missing or not a folder, a full disk, an I/O error.
    Unavailable,
}

impl OpenFailure {
    /// The error code the UI shows for it.
    pub fn code(self) -> ErrorCode {
        match self {
            Self::Locked => ErrorCode::StoreLocked,
            Self::Corrupt => ErrorCode::StoreCorrupt,
            Self::NewerVersion => ErrorCode::StoreNewerVersion,
            Self::PermissionDenied => ErrorCode::StorePermissionDenied,
            Self::Unavailable => ErrorCode::StoreUnavailable,
        }
    }
}

/// The underlying failure, kept for the log.
#[derive(Debug, thiserror::Error)]
pub enum OpenCause {
    /// Creating or opening the folder or file failed.
    #[error(transparent)]
    Io(#[from] io::Error),
    /// SQLite refused the file.
    #[error(transparent)]
    Sqlite(#[from] sqlx::Error),
    /// The schema could not be brought up to date.
    #[error(transparent)]
    Migration(#[from] MigrateError),
}

/// The local store at `path` could not be opened, for the reason `kind`.
#[derive(Debug, thiserror::Error)]
#[error("the local store {} could not be opened ({kind:?}): {cause}", path.display())]
pub struct StoreOpenError {
    /// Why, in terms the person can act on.
    pub kind: OpenFailure,
    /// The file (or folder) at fault.
    pub path: PathBuf,
    /// What failed underneath.
    #[source]
    pub cause: OpenCause,
}

// SQLite's primary result codes (the low byte of an extended code), from sqlite3.h.
const SQLITE_PERM: i32 = 3;
const SQLITE_BUSY: i32 = 5;
const SQLITE_LOCKED: i32 = 6;
const SQLITE_READONLY: i32 = 8;
const SQLITE_CORRUPT: i32 = 11;
const SQLITE_CANTOPEN: i32 = 14;
const SQLITE_AUTH: i32 = 23;
const SQLITE_NOTADB: i32 = 26;

fn io_kind(err: &io::Error) -> OpenFailure {
    match err.kind() {
        io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem => {
            OpenFailure::PermissionDenied
        }
        _ => OpenFailure::Unavailable,
    }
}

/// SQLite says only "unable to open" whatever the reason; the file system says why. The
/// file itself may be fine while its folder forbids the `-wal` SQLite must create beside it.
fn cannot_open_kind(path: &Path) -> OpenFailure {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path);
    if let Err(err) = file {
        return io_kind(&err);
    }
    // An empty -wal is harmless to SQLite, and it is the owner's only like the database.
    match crate::private_files::create_file(&crate::db::with_suffix(path, "-wal")) {
        Err(err) => io_kind(&err),
        Ok(()) => OpenFailure::Unavailable,
    }
}

/// SQLite's primary result code of a database error (the extended code's low byte).
fn primary_code(db: &dyn sqlx::error::DatabaseError) -> Option<i32> {
    db.code()
        .and_then(|code| code.parse::<i32>().ok())
        .map(|code| code & 0xff)
}

/// Whether `err` is another connection holding the store (after the busy timeout).
pub(crate) fn is_busy(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Database(db) => {
            matches!(primary_code(db.as_ref()), Some(SQLITE_BUSY | SQLITE_LOCKED))
        }
        _ => false,
    }
}

fn sqlite_kind(err: &sqlx::Error, path: &Path) -> OpenFailure {
    match err {
        sqlx::Error::Database(db) => {
            let primary = primary_code(db.as_ref());
            match primary {
                Some(SQLITE_BUSY | SQLITE_LOCKED) => OpenFailure::Locked,
                Some(SQLITE_CORRUPT | SQLITE_NOTADB) => OpenFailure::Corrupt,
                Some(SQLITE_PERM | SQLITE_READONLY | SQLITE_AUTH) => OpenFailure::PermissionDenied,
                Some(SQLITE_CANTOPEN) => cannot_open_kind(path),
                _ => OpenFailure::Unavailable,
            }
        }
        sqlx::Error::Io(io) => io_kind(io),
        sqlx::Error::Migrate(migrate) => migration_kind(migrate, path),
        _ => OpenFailure::Unavailable,
    }
}

fn migration_kind(err: &MigrateError, path: &Path) -> OpenFailure {
    match err {
        // Applied here, unknown to this build: only a newer version can have applied it.
        MigrateError::VersionMissing(_) => OpenFailure::NewerVersion,
        MigrateError::Execute(e) | MigrateError::ExecuteMigration(e, _) => sqlite_kind(e, path),
        _ => OpenFailure::Unavailable,
    }
}

impl StoreOpenError {
    /// Creating or opening `path` in the file system failed.
    pub(crate) fn io(path: &Path, err: io::Error) -> Self {
        Self {
            kind: io_kind(&err),
            path: path.to_owned(),
            cause: err.into(),
        }
    }

    /// SQLite refused the database at `path`.
    pub(crate) fn sqlite(path: &Path, err: sqlx::Error) -> Self {
        Self {
            kind: sqlite_kind(&err, path),
            path: path.to_owned(),
            cause: err.into(),
        }
    }

    /// The schema of the database at `path` could not be brought up to date.
    pub(crate) fn migration(path: &Path, err: MigrateError) -> Self {
        Self {
            kind: migration_kind(&err, path),
            path: path.to_owned(),
            cause: err.into(),
        }
    }

    /// The error code the UI shows.
    pub fn code(&self) -> ErrorCode {
        self.kind.code()
    }

    /// What the notice names: the full `path`, its `file` name and its `folder`.
    pub fn params(&self) -> Map<String, Value> {
        let text = |p: &Path| Value::String(p.display().to_string());
        let mut params = Map::new();
        params.insert("path".into(), text(&self.path));
        if let Some(file) = self.path.file_name() {
            params.insert("file".into(), text(Path::new(file)));
        }
        if let Some(folder) = self.path.parent() {
            params.insert("folder".into(), text(folder));
        }
        params
    }
}
