//! Files only the current user can reach: the session cache's directory, its files, lock files
//! and temporary files.
//!
//! Nothing here follows a symbolic link at the last component of a path (`O_NOFOLLOW`; new
//! files also `O_CREAT|O_EXCL`), and nothing is accepted that the effective user does not own:
//! the directory must be a real directory, each file a regular file. A directory that others
//! may write to is refused, never chmodded: chmodding whatever a path points to is how a
//! symlinked cache directory turns into `chmod 0700 /etc` for a root process with a
//! user-controlled `XDG_CACHE_HOME`.
//!
//! std has no `openat` and this crate has no `unsafe`, so the directory is checked by path
//! just before each file in it is opened: someone who may write to its parent could still
//! swap it in that window (a race, not a standing hole like following a link).

use std::fs::{self, File, Metadata, OpenOptions};
use std::io::{self, ErrorKind, Write};
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::Path;
use std::sync::OnceLock;

use crate::error::{Error, Result};

/// The uid files created by this process get (its effective uid).
pub(crate) fn effective_uid() -> Result<u32> {
    static UID: OnceLock<u32> = OnceLock::new();
    if let Some(uid) = UID.get() {
        return Ok(*uid);
    }
    let uid = uid_from_proc()
        .or_else(|_| uid_from_new_file(&std::env::temp_dir()))
        .map_err(|e| {
            Error::cache_because(
                std::env::temp_dir(),
                "cannot tell which user this process runs as",
                e,
            )
        })?;
    Ok(*UID.get_or_init(|| uid))
}

/// The file-system uid from `/proc/self/status` (`Uid: real effective saved fs`). The owner
/// of `/proc/self` itself will not do: it is root for a process that changed its uids.
fn uid_from_proc() -> io::Result<u32> {
    let status = fs::read_to_string("/proc/self/status")?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(3))
        .and_then(|fs_uid| fs_uid.parse().ok())
        .ok_or_else(|| io::Error::new(ErrorKind::InvalidData, "no Uid line in /proc/self/status"))
}

/// The owner of a file created (and removed again) in `dir`: where there is no `/proc`.
fn uid_from_new_file(dir: &Path) -> io::Result<u32> {
    let probe = dir.join(format!(
        ".ul-auth-uid.{}.{:016x}",
        std::process::id(),
        nonce()?
    ));
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .custom_flags(libc::O_NOFOLLOW)
        .mode(0o600)
        .open(&probe)?;
    let uid = file.metadata().map(|m| m.uid());
    let _ = fs::remove_file(&probe);
    uid
}

fn nonce() -> io::Result<u64> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).map_err(|e| io::Error::other(format!("no randomness: {e}")))?;
    Ok(u64::from_le_bytes(bytes))
}

/// Checks the directory private files live in: a real directory (not a symbolic link), owned
/// by the effective user, not writable by group or others. `Ok(false)` when it does not exist.
pub(crate) fn check_dir(dir: &Path) -> Result<bool> {
    let meta = match fs::symlink_metadata(dir) {
        Ok(meta) => meta,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(Error::cache_because(dir, "cannot inspect", e)),
    };
    if meta.file_type().is_symlink() {
        return Err(Error::cache(
            dir,
            format!(
                "is a symbolic link; the cache directory must be a real directory owned by you \
                 (set {} to the directory it points to, if that one is yours)",
                crate::config::env::CACHE_DIR
            ),
        ));
    }
    if !meta.is_dir() {
        return Err(Error::cache(dir, "is not a directory"));
    }
    let me = effective_uid()?;
    if meta.uid() != me {
        return Err(Error::cache(
            dir,
            format!(
                "belongs to uid {}, not to the current user (uid {me}); credentials are kept \
                 only in a directory of your own (set {} to one)",
                meta.uid(),
                crate::config::env::CACHE_DIR
            ),
        ));
    }
    if meta.mode() & 0o022 != 0 {
        return Err(Error::cache(
            dir,
            format!(
                "is writable by other users (mode {:o}), who could swap the files in it; fix it \
                 with `chmod 700 {}`",
                meta.mode() & 0o777,
                dir.display()
            ),
        ));
    }
    Ok(true)
}

/// Creates the directory (0700, with any missing parents) unless it exists, then checks it as
/// [`check_dir`] does.
pub(crate) fn ensure_dir(dir: &Path) -> Result<()> {
    if check_dir(dir)? {
        return Ok(());
    }
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| Error::cache_because(dir, "cannot create", e))?;
    // Check again: what is there now may not be what we made.
    if check_dir(dir)? {
        Ok(())
    } else {
        Err(Error::cache(dir, "vanished right after it was created"))
    }
}

/// What a private file's path holds, read without following a symbolic link.
fn refuse_unusable(path: &Path, meta: &Metadata) -> Result<()> {
    let kind = meta.file_type();
    if kind.is_symlink() {
        return Err(symlink_refused(path));
    }
    if !kind.is_file() {
        let what = if kind.is_dir() {
            "a directory"
        } else if kind.is_fifo() || kind.is_socket() {
            "a pipe or socket"
        } else {
            "not a regular file"
        };
        return Err(Error::cache(
            path,
            format!("is {what}; it was left untouched: move it away and sign in again"),
        ));
    }
    let me = effective_uid()?;
    if meta.uid() != me {
        return Err(Error::cache(
            path,
            format!(
                "belongs to uid {}, not to the current user (uid {me}); it was left untouched: \
                 remove it and sign in again",
                meta.uid()
            ),
        ));
    }
    Ok(())
}

fn symlink_refused(path: &Path) -> Error {
    Error::cache(
        path,
        format!(
            "is a symbolic link, which is never followed; it was left untouched: remove it \
             (`rm {}`) and sign in again",
            path.display()
        ),
    )
}

/// The reason an open without following links failed: a link where a file should be, or the
/// error itself.
fn open_error(path: &Path, what: &str, e: io::Error) -> Error {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => symlink_refused(path),
        _ => Error::cache_because(path, format!("cannot open {what}"), e),
    }
}

/// Opens an existing private file for reading, without following a symbolic link; `None`
/// when there is none. It must be a regular file of the effective user; its mode is the
/// caller's to judge (from the returned metadata).
pub(crate) fn open_existing(path: &Path) -> Result<Option<(File, Metadata)>> {
    let file = match OpenOptions::new()
        .read(true)
        // A FIFO planted in the directory would block an ordinary open until a writer came.
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
    {
        Ok(file) => file,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(open_error(path, "it", e)),
    };
    let meta = file
        .metadata()
        .map_err(|e| Error::cache_because(path, "cannot inspect", e))?;
    refuse_unusable(path, &meta)?;
    Ok(Some((file, meta)))
}

/// Opens (creating it 0600 if needed) a lock file, without following a symbolic link.
pub(crate) fn open_lock(path: &Path) -> Result<File> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .custom_flags(libc::O_NOFOLLOW)
        .mode(0o600)
        .open(path)
        .map_err(|e| open_error(path, "the lock file", e))?;
    let meta = file
        .metadata()
        .map_err(|e| Error::cache_because(path, "cannot inspect the lock file", e))?;
    refuse_unusable(path, &meta)?;
    Ok(file)
}

/// Removes a private file; `false` when there was none. A symbolic link or another user's
/// file in its place is refused, not removed.
pub(crate) fn remove(path: &Path) -> Result<bool> {
    match fs::symlink_metadata(path) {
        Ok(meta) => refuse_unusable(path, &meta)?,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(Error::cache_because(path, "cannot inspect", e)),
    }
    match fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Error::cache_because(path, "cannot remove", e)),
    }
}

/// Writes `bytes` to `path` so that readers see the old or the new content, never a mix: a
/// new 0600 file beside it (`O_CREAT|O_EXCL`, never through a link), flushed, renamed over
/// it. An existing `path` that is a link or not the user's own regular file is refused.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let nonce =
        nonce().map_err(|e| Error::cache_because(path, "cannot name a temporary file", e))?;
    let tmp = dir.join(format!(".{name}.{}.{nonce:016x}.tmp", std::process::id()));
    write_via(&tmp, path, bytes)
}

/// Checks that `path` may be written over: absent, or the user's own regular file.
pub(crate) fn check_replaceable(path: &Path) -> Result<()> {
    match fs::symlink_metadata(path) {
        Ok(meta) => refuse_unusable(path, &meta),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::cache_because(path, "cannot inspect", e)),
    }
}

/// [`write_atomically`] through the temporary file `tmp`.
fn write_via(tmp: &Path, path: &Path, bytes: &[u8]) -> Result<()> {
    check_replaceable(path)?;
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .custom_flags(libc::O_NOFOLLOW)
        .mode(0o600)
        .open(tmp)
        .map_err(|e| {
            let what = format!("cannot create the temporary file {}", tmp.display());
            Error::cache_because(path, what, e)
        })?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let result = (|| -> io::Result<()> {
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(tmp, path)?;
        // Make the rename itself durable.
        File::open(dir)?.sync_all()
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(tmp);
        return Err(Error::cache_because(path, "cannot write", e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{PermissionsExt, symlink};

    fn mode(path: &Path) -> u32 {
        fs::symlink_metadata(path).unwrap().permissions().mode() & 0o777
    }

    fn set_mode(path: &Path, mode: u32) {
        fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
    }

    /// Gives `path` to uid 65534 (nobody); `false` when this process may not (not root).
    fn give_away(path: &Path) -> bool {
        match std::os::unix::fs::chown(path, Some(65534), None) {
            Ok(()) => true,
            Err(e) if e.kind() == ErrorKind::PermissionDenied => {
                eprintln!("skipped: chown needs root ({e})");
                false
            }
            Err(e) => panic!("chown: {e}"),
        }
    }

    #[test]
    fn the_effective_uid_is_the_owner_of_a_file_this_process_creates() {
        let dir = tempfile::tempdir().unwrap();
        let created = uid_from_new_file(dir.path()).unwrap();
        assert_eq!(effective_uid().unwrap(), created);
        if let Ok(from_proc) = uid_from_proc() {
            assert_eq!(from_proc, created);
        }
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            0,
            "probe removed"
        );
    }

    #[test]
    fn a_symlinked_directory_is_refused_and_its_target_keeps_its_mode() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("target");
        fs::create_dir(&target).unwrap();
        set_mode(&target, 0o755);
        let link = root.path().join("cache");
        symlink(&target, &link).unwrap();

        let err = ensure_dir(&link).unwrap_err().to_string();
        assert!(err.contains("symbolic link"), "{err}");
        assert!(check_dir(&link).is_err());
        assert_eq!(mode(&target), 0o755);
    }

    #[test]
    fn a_directory_others_may_write_is_refused_with_the_chmod_that_fixes_it() {
        let dir = tempfile::tempdir().unwrap();
        for loose in [0o770, 0o707, 0o777] {
            set_mode(dir.path(), loose);
            let err = ensure_dir(dir.path()).unwrap_err().to_string();
            assert!(
                err.contains(&format!("chmod 700 {}", dir.path().display())),
                "{err}"
            );
            assert_eq!(mode(dir.path()), loose, "not chmodded");
        }
        // Readable by others is not a risk to files that are 0600 themselves.
        set_mode(dir.path(), 0o755);
        ensure_dir(dir.path()).unwrap();
    }

    #[test]
    fn a_directory_we_create_is_0700() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("a").join("cache");
        ensure_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
    }

    #[test]
    fn a_directory_of_another_user_is_refused() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("theirs");
        fs::create_dir(&dir).unwrap();
        set_mode(&dir, 0o700);
        if !give_away(&dir) {
            return;
        }
        let err = ensure_dir(&dir).unwrap_err().to_string();
        assert!(err.contains("belongs to uid 65534"), "{err}");
    }

    #[test]
    fn a_symlinked_file_is_neither_read_nor_written_nor_removed_through() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside");
        fs::write(&outside, "precious").unwrap();
        set_mode(&outside, 0o600);
        let link = dir.path().join("default.json");
        symlink(&outside, &link).unwrap();

        let err = open_existing(&link).unwrap_err().to_string();
        assert!(err.contains("symbolic link"), "{err}");
        let err = write_atomically(&link, b"new").unwrap_err().to_string();
        assert!(err.contains("symbolic link"), "{err}");
        let err = remove(&link).unwrap_err().to_string();
        assert!(err.contains("symbolic link"), "{err}");

        assert_eq!(fs::read_to_string(&outside).unwrap(), "precious");
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
    }

    #[test]
    fn a_symlinked_lock_file_is_refused_and_nothing_is_created_through_it() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("created-through-the-link");
        let link = dir.path().join(".default.lock");
        symlink(&outside, &link).unwrap();
        let err = open_lock(&link).unwrap_err().to_string();
        assert!(err.contains("symbolic link"), "{err}");
        assert!(!outside.exists());
    }

    #[test]
    fn a_symlink_at_the_temporary_name_is_refused_and_nothing_written_through_it() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside");
        let tmp = dir.path().join(".default.json.1.tmp");
        symlink(&outside, &tmp).unwrap();
        let path = dir.path().join("default.json");
        assert!(write_via(&tmp, &path, b"secret").is_err());
        assert!(!outside.exists());
        assert!(!path.exists());
    }

    #[test]
    fn a_file_of_another_user_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("default.json");
        fs::write(&path, "{}").unwrap();
        set_mode(&path, 0o600);
        if !give_away(&path) {
            return;
        }
        let err = open_existing(&path).unwrap_err().to_string();
        assert!(err.contains("belongs to uid 65534"), "{err}");
        assert!(write_atomically(&path, b"x").is_err());
        assert!(remove(&path).is_err());
        assert_eq!(fs::read_to_string(&path).unwrap(), "{}");
    }

    #[test]
    fn a_fifo_in_place_of_a_file_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("default.json");
        let made = std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .map(|s| s.success());
        if made.ok() != Some(true) {
            eprintln!("skipped: no mkfifo");
            return;
        }
        let err = open_existing(&path).unwrap_err().to_string();
        assert!(err.contains("pipe"), "{err}");
    }
}
