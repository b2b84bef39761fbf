//! Reading the chosen file: only a regular file, without ever blocking, never past the limit.
//!
//! `File::open` on a FIFO waits for a writer forever, and a device can stream without end,
//! so a path named like a picture must not be trusted to be one.

use crate::avatar::error::AvatarError;
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// The whole content of the regular file at `path`, refused when it holds more than `max`
/// bytes.
pub(crate) fn read_regular_file(path: &Path, max: u64) -> Result<Vec<u8>, AvatarError> {
    // `metadata` follows links, so a link to a FIFO is judged by what it points to.
    let meta = std::fs::metadata(path).map_err(AvatarError::Unreadable)?;
    if !meta.is_file() {
        return Err(AvatarError::NotAFile);
    }
    let file = open_without_blocking(path).map_err(AvatarError::Unreadable)?;
    // The path may have been swapped for something else between the check and the open.
    let meta = file.metadata().map_err(AvatarError::Unreadable)?;
    if !meta.is_file() {
        return Err(AvatarError::NotAFile);
    }
    let too_large = |size_bytes| AvatarError::TooLarge {
        size_bytes,
        max_bytes: max,
    };
    if meta.len() > max {
        return Err(too_large(meta.len()));
    }
    // Read at most one byte past the limit: the file may have grown since `metadata`.
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(AvatarError::Unreadable)?;
    if bytes.len() as u64 > max {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Opens for reading; on unix with `O_NONBLOCK`, so that a FIFO swapped in after the check
/// returns at once instead of waiting for a writer. It changes nothing for a regular file.
#[cfg(unix)]
fn open_without_blocking(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

/// Opens for reading (Windows has no FIFOs in the file system to block on).
#[cfg(not(unix))]
fn open_without_blocking(path: &Path) -> std::io::Result<File> {
    File::open(path)
}
