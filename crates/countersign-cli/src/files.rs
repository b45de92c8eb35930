//! Files that hold secrets: owner-only directories (0700) and files (0600),
//! written whole or not at all.
//!
//! Session files are written to a temporary name and renamed into place, so
//! that an interrupted write (Ctrl-C, a full disk) never leaves a half-kept
//! session under its real name. A device key file is created with
//! `create_new`, so an existing key is never overwritten.

use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Write as _};
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

use crate::clock;

/// Owner-only directories.
pub const DIR_MODE: u32 = 0o700;
/// Owner-only files.
pub const FILE_MODE: u32 = 0o600;
/// What a temporary file's name ends with; such files are never read as
/// kept sessions.
pub const TEMP_SUFFIX: &str = ".tmp";

/// A file operation that failed, with the path it was on.
#[derive(Debug, thiserror::Error)]
#[error("cannot {action} {}: {source}", path.display())]
pub struct FileError {
    /// What was being done.
    pub action: &'static str,
    /// On which path.
    pub path: PathBuf,
    /// Why it failed.
    #[source]
    pub source: io::Error,
}

impl FileError {
    /// Wraps an IO error with what was being done to which path.
    pub fn new(action: &'static str, path: &Path, source: io::Error) -> Self {
        Self {
            action,
            path: path.to_owned(),
            source,
        }
    }
}

/// Creates `dir` and any missing parents as owner-only directories. With
/// `restrict`, an existing `dir` is made owner-only too: it is ours alone.
pub fn private_dir(dir: &Path, restrict: bool) -> Result<(), FileError> {
    DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(dir)
        .map_err(|e| FileError::new("create the directory", dir, e))?;
    if restrict {
        fs::set_permissions(dir, fs::Permissions::from_mode(DIR_MODE))
            .map_err(|e| FileError::new("restrict the directory", dir, e))?;
    }
    Ok(())
}

/// Creates `path` as a new owner-only file holding `bytes`; refuses if it
/// exists. A file that could not be written whole is removed again.
pub fn create_new_private(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(FILE_MODE)
        .open(path)
        .map_err(|e| FileError::new("create", path, e))?;
    if let Err(e) = write_whole(&mut file, bytes) {
        drop(file);
        let _ = fs::remove_file(path);
        return Err(FileError::new("write", path, e));
    }
    Ok(())
}

/// Replaces `path` with an owner-only file holding `bytes`, atomically: a
/// reader (or an interrupted writer) sees the old file or the new one,
/// never part of one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let random = clock::random::<6>()
        .map_err(|e| FileError::new("name a temporary file for", path, io::Error::other(e)))?;
    let suffix: String = random.iter().map(|b| format!("{b:02x}")).collect();
    let temp = dir.join(format!(".{name}.{suffix}{TEMP_SUFFIX}"));
    create_new_private(&temp, bytes)?;
    if let Err(e) = fs::rename(&temp, path) {
        let _ = fs::remove_file(&temp);
        return Err(FileError::new("rename a file to", path, e));
    }
    // The rename is durable only once the directory itself is synced.
    if let Ok(dir) = File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}

fn write_whole(file: &mut File, bytes: &[u8]) -> io::Result<()> {
    file.write_all(bytes)?;
    file.sync_all()
}

/// Reads a file that holds a secret, refusing one that others may read or
/// write (as ssh refuses an unprotected private key).
pub fn read_private(path: &Path) -> Result<String, FileError> {
    let mode = fs::metadata(path)
        .map_err(|e| FileError::new("read", path, e))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        let message = format!(
            "it is open to others (mode {:o}); make it owner-only with chmod 600",
            mode & 0o777
        );
        return Err(FileError::new(
            "use",
            path,
            io::Error::new(io::ErrorKind::PermissionDenied, message),
        ));
    }
    fs::read_to_string(path).map_err(|e| FileError::new("read", path, e))
}

/// Removes a file; one that is already gone is fine.
pub fn remove(path: &Path) -> Result<(), FileError> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(FileError::new("delete", path, e)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir() -> PathBuf {
        let random: [u8; 8] = clock::random().unwrap();
        let dir = std::env::temp_dir().join(format!(
            "countersign-files-{:016x}",
            u64::from_le_bytes(random)
        ));
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn secrets_are_owner_only_whole_and_never_overwritten_by_create_new() {
        let root = temp_dir();
        let dir = root.join("a/b");
        private_dir(&dir, true).unwrap();
        assert_eq!(mode(&dir), DIR_MODE);
        assert_eq!(mode(&root.join("a")), DIR_MODE);

        let file = dir.join("s.json");
        write_atomic(&file, b"one").unwrap();
        write_atomic(&file, b"two").unwrap();
        assert_eq!(read_private(&file).unwrap(), "two");
        assert_eq!(mode(&file), FILE_MODE);
        let names: Vec<_> = fs::read_dir(&dir).unwrap().map(|e| e.unwrap()).collect();
        assert_eq!(names.len(), 1, "no temporary file is left behind");

        let error = create_new_private(&file, b"three").unwrap_err();
        assert_eq!(error.source.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(read_private(&file).unwrap(), "two");

        fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).unwrap();
        let refused = read_private(&file).unwrap_err().to_string();
        assert!(refused.contains("chmod 600"), "{refused}");

        remove(&file).unwrap();
        remove(&file).unwrap();
        fs::remove_dir_all(root).unwrap();
    }
}
