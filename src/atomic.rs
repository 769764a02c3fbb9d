//! Atomic file writes: the bytes go to a temporary file in the destination's folder, are flushed
//! to disk, and the file is renamed over the destination. A crash or a full disk never leaves a
//! half-written rule or baseline: readers see the old file or the new one. The temporary file is
//! removed on every error path (a `kill -9` between write and rename can leave a
//! `.trailtune-*.tmp` behind; it is never read).
//!
//! What the destination is decides how it is written:
//! * a regular file (or none yet): atomically, keeping the old file's permissions and owner;
//! * a symbolic link: the file it points to is updated (atomically), the link stays a link;
//! * a device, a FIFO or a socket (`-o /dev/stdout`, `-o /dev/null`): written through, as a
//!   shell's `>` does, never replaced by a regular file;
//! * a directory: an error.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The most a file read back for comparison may hold (a Sigma rule is a few KB).
pub const READ_BACK_LIMIT: u64 = 16 * 1024 * 1024;

/// The text of an existing regular file, to compare with what would be written; `None` when
/// there is no such file (or it is a device or FIFO, which is never read). A file larger than
/// [`READ_BACK_LIMIT`] is an error, never read whole.
pub fn read_back(path: &Path) -> std::io::Result<Option<String>> {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    if !meta.is_file() {
        return Ok(None);
    }
    if meta.len() > READ_BACK_LIMIT {
        return Err(std::io::Error::other(format!(
            "{} holds {} bytes, more than a rule ever does ({READ_BACK_LIMIT}); refusing to read or replace it",
            path.display(),
            meta.len()
        )));
    }
    std::fs::read_to_string(path).map(Some)
}

/// A file meant to be small (a rule), read with a cap: `/dev/zero` or a runaway file is an error
/// after [`READ_BACK_LIMIT`] bytes, never an out-of-memory.
pub fn read_capped(path: &Path) -> std::io::Result<String> {
    read_at_most(path, READ_BACK_LIMIT, "a rule ever holds")
}

/// The largest baseline, state or Athena CSV read (1 GiB). Such a file holds one row per key and
/// day; a large organization's 90 days make tens of MB. A larger file (or `/dev/zero`) is refused
/// after this many bytes instead of exhausting memory.
pub const BASELINE_READ_LIMIT: u64 = 1 << 30;

/// The text of `path`, read no further than `limit` bytes: more is an error that says
/// `more than LIMIT bytes, more than {what}`. Works on FIFOs and process substitutions too.
pub fn read_at_most(path: &Path, limit: u64, what: &str) -> std::io::Result<String> {
    read_checked(path, limit, what, |_| Ok(()))
}

/// How much of a file [`read_checked`] shows its check before reading on.
pub const SNIFF_BYTES: usize = 64 * 1024;

/// As [`read_at_most`], but the first [`SNIFF_BYTES`] (or the whole file, if shorter) go to
/// `check` first: a file that is plainly not what is expected (`/dev/zero`, a binary, another
/// format) is refused with `check`'s words before the rest is read.
pub fn read_checked(
    path: &Path,
    limit: u64,
    what: &str,
    check: impl Fn(&[u8]) -> Result<(), String>,
) -> std::io::Result<String> {
    use std::io::Read;
    let mut reader = std::fs::File::open(path)?.take(limit.saturating_add(1));
    let mut bytes = Vec::new();
    (&mut reader)
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut bytes)?;
    check(&bytes).map_err(|why| std::io::Error::new(std::io::ErrorKind::InvalidData, why))?;
    reader.read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(std::io::Error::other(format!(
            "more than {limit} bytes, more than {what}"
        )));
    }
    String::from_utf8(bytes)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.utf8_error()))
}

/// The file a path names, through a symbolic link (even a dangling one).
fn resolve(path: &Path) -> std::io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = std::fs::read_link(&current)?;
                current = match current.parent() {
                    Some(parent) if target.is_relative() => parent.join(target),
                    _ => target,
                };
            }
            _ => return Ok(current),
        }
    }
    Err(std::io::Error::other(format!(
        "{}: too many levels of symbolic links",
        path.display()
    )))
}

/// Write `bytes` to `path` atomically (temp file + fsync + rename), or through it when it is a
/// device or a FIFO (see the module documentation).
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let path = &resolve(path)?;
    let existing = std::fs::metadata(path).ok();
    if let Some(meta) = &existing {
        if meta.is_dir() {
            return Err(std::io::Error::other(format!(
                "{} is a directory",
                path.display()
            )));
        }
        if !meta.is_file() {
            let mut target = std::fs::OpenOptions::new().write(true).open(path)?;
            return target.write_all(bytes).and_then(|()| target.flush());
        }
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".trailtune-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    // Keep the permissions of the file being replaced (a rule read by a SIEM as another user);
    // a new file gets the usual 0644 instead of the temporary file's 0600.
    let permissions = match &existing {
        Some(meta) => Some(meta.permissions()),
        None => default_permissions(),
    };
    if let Some(permissions) = permissions {
        tmp.as_file().set_permissions(permissions)?;
    }
    if let Some(meta) = &existing {
        keep_owner(tmp.as_file(), meta)?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Give the new file the old one's owner and group (a rule owned by the SIEM's user stays so).
/// Changing the owner needs privileges; without them the file stays the writer's, as a copy would.
#[cfg(unix)]
fn keep_owner(file: &std::fs::File, old: &std::fs::Metadata) -> std::io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let new = file.metadata()?;
    if (new.uid(), new.gid()) == (old.uid(), old.gid()) {
        return Ok(());
    }
    match std::os::unix::fs::fchown(file, Some(old.uid()), Some(old.gid())) {
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => Ok(()),
        other => other,
    }
}

#[cfg(not(unix))]
fn keep_owner(_: &std::fs::File, _: &std::fs::Metadata) -> std::io::Result<()> {
    Ok(())
}

#[cfg(unix)]
fn default_permissions() -> Option<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Some(std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn default_permissions() -> Option<std::fs::Permissions> {
    None
}

#[cfg(test)]
mod tests {
    #[test]
    fn replaces_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rule.yml");
        super::write(&path, b"one").unwrap();
        super::write(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[cfg(unix)]
    #[test]
    fn permissions_are_kept_or_ordinary() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rule.yml");
        super::write(&path, b"one").unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o644
        );
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        super::write(&path, b"two").unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o640
        );
    }

    #[cfg(unix)]
    #[test]
    fn links_are_followed_and_devices_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.yml");
        std::fs::write(&real, "old").unwrap();
        let link = dir.path().join("link.yml");
        std::os::unix::fs::symlink("real.yml", &link).unwrap();
        super::write(&link, b"new").unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read(&real).unwrap(), b"new");
        // A device is written through, never replaced by a regular file.
        super::write(std::path::Path::new("/dev/null"), b"x").unwrap();
        let null = std::fs::metadata("/dev/null").unwrap();
        assert!(!null.is_file());
        assert!(super::write(dir.path(), b"x").is_err(), "a directory");
        assert_eq!(
            super::read_back(std::path::Path::new("/dev/zero")).unwrap(),
            None
        );
        assert_eq!(super::read_back(&dir.path().join("none")).unwrap(), None);
    }

    #[test]
    fn missing_folder_is_an_error_not_a_half_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no/such/dir/rule.yml");
        assert!(super::write(&path, b"x").is_err());
    }
}
