//! Files only this user may read: the profile and its password hash are nobody else's on a
//! shared machine (DESIGN.md §3: directories 0700, files 0600). On Unix the modes are set at
//! creation, whatever the umask, and an existing looser directory or file (made by an older
//! version) is tightened when opened. Elsewhere the OS's per-user folders already decide.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

/// Owner only: read, write and enter.
#[cfg(unix)]
const DIR_MODE: u32 = 0o700;
/// Owner only: read and write.
#[cfg(unix)]
const FILE_MODE: u32 = 0o600;

/// Creates `dir` and any missing parents so that only the owner may enter it, and tightens
/// it if it already exists with looser modes.
pub fn create_dir(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, DIR_MODE);
    builder.create(dir)?;
    #[cfg(unix)]
    tighten(dir, DIR_MODE);
    Ok(())
}

/// Opens `path` for appending, creating it readable by the owner only; an existing file is
/// tightened.
pub fn open_append(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, FILE_MODE);
    let file = options.open(path)?;
    #[cfg(unix)]
    tighten(path, FILE_MODE);
    Ok(file)
}

/// Creates `path` empty (owner only) unless it exists; an existing file is tightened.
pub fn create_file(path: &Path) -> io::Result<()> {
    open_append(path).map(drop)
}

/// Replaces `path` with `bytes` (owner only) in one step: written beside it, synced, then
/// renamed over it, so a crash leaves the old content or the new, never half of one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let mut name = path.as_os_str().to_owned();
    name.push(".new");
    let temporary = std::path::PathBuf::from(name);
    let _ = std::fs::remove_file(&temporary);
    let mut options = OpenOptions::new();
    options.create_new(true).write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, FILE_MODE);
    let mut file = options.open(&temporary)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&temporary, path)
}

/// Tightens `path` to owner-only if it exists; a missing file is fine.
pub fn tighten_if_present(path: &Path) {
    #[cfg(unix)]
    if path.exists() {
        tighten(path, FILE_MODE);
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// Sets `mode` on `path` when group or others have any access to it.
///
/// A failure is logged, not returned: a file we cannot chmod (owned by another user) may
/// still be usable, and refusing to start over it would lock the person out of their data.
#[cfg(unix)]
fn tighten(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let loose = std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o077 != 0);
    if loose {
        if let Err(err) = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)) {
            tracing::warn!(path = %path.display(), error = %err, "could not make private");
        }
    }
}
