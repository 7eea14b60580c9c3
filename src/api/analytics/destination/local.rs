//! A dataset in a local directory: files are built in its hidden scratch directory and renamed
//! into place, so a reader sees a whole file or none.
//!
//! No symbolic link is followed inside the dataset: each directory on the way to a key is
//! checked (std has no `openat`, and this crate no `unsafe`, so by path, just before use), the
//! last component is opened with `O_NOFOLLOW`, and a rename replaces a link rather than writing
//! through it. A dataset directory this creates is 0700, so no one else can swap its folders.

use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, ErrorKind, Read as _, Write as _};
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};

use super::SCRATCH_DIR;
use crate::error::{Cause, Error, Result};

/// The largest object [`LocalDataset::read`] reads.
const MAX_READ_BYTES: u64 = 64 * 1024 * 1024;

/// A dataset in a local directory.
#[derive(Debug)]
pub struct LocalDataset {
    root: PathBuf,
    scratch: PathBuf,
}

impl LocalDataset {
    /// Opens (creating it 0700 if missing) the dataset directory and its scratch directory.
    pub(super) async fn open(root: &Path) -> Result<LocalDataset> {
        if root.as_os_str().is_empty() {
            return Err(Error::config("destination", "the directory path is empty"));
        }
        let root = root.to_owned();
        blocking(&root.clone(), move || {
            real_dir(&root, true, 0o700)?;
            let scratch = root.join(SCRATCH_DIR);
            real_dir(&scratch, true, 0o700)?;
            Ok(LocalDataset { root, scratch })
        })
        .await
    }

    /// The dataset directory.
    pub fn path(&self) -> &Path {
        &self.root
    }

    pub(super) fn scratch_dir(&self) -> &Path {
        &self.scratch
    }

    pub(super) async fn publish(&self, file: &Path, key: &str) -> Result<()> {
        let (root, scratch, file, key) = self.owned(file, key);
        blocking(&root.clone(), move || {
            let dest = parents(&root, &key, true)?.ok_or_else(|| vanished(&root))?;
            let meta = fs::symlink_metadata(&file)
                .map_err(|e| Error::file_because(&file, "cannot publish it", e))?;
            if !meta.is_file() {
                return Err(file_error(
                    &file,
                    "is not a regular file; refusing to publish it",
                ));
            }
            // The data reaches the disk before its name does.
            File::open(&file)
                .and_then(|f| f.sync_all())
                .map_err(|e| Error::file_because(&file, "cannot sync it to disk", e))?;
            match fs::rename(&file, &dest) {
                Ok(()) => {}
                // Another file system (the file was built outside the scratch directory).
                Err(e) if e.raw_os_error() == Some(libc::EXDEV) => {
                    copy_into_place(&file, &scratch, &dest)?;
                    fs::remove_file(&file)
                        .map_err(|e| Error::file_because(&file, "cannot remove it", e))?;
                }
                Err(e) => return Err(Error::file_because(&dest, "cannot move the file here", e)),
            }
            sync_parent(&dest)
        })
        .await
    }

    pub(super) async fn write(&self, key: &str, bytes: &[u8]) -> Result<()> {
        let (root, scratch, _, key) = self.owned(Path::new(""), key);
        let bytes = bytes.to_vec();
        blocking(&root.clone(), move || {
            let dest = parents(&root, &key, true)?.ok_or_else(|| vanished(&root))?;
            let temp = scratch.join(format!(".write-{:016x}", nonce(&scratch)?));
            let written = new_file(&temp).and_then(|mut f| {
                f.write_all(&bytes)?;
                f.sync_all()
            });
            let placed = written
                .map_err(|e| Error::file_because(&temp, "cannot write it", e))
                .and_then(|()| {
                    fs::rename(&temp, &dest)
                        .map_err(|e| Error::file_because(&dest, "cannot move the file here", e))
                });
            if placed.is_err() {
                let _ = fs::remove_file(&temp);
            }
            placed?;
            sync_parent(&dest)
        })
        .await
    }

    pub(super) async fn read(&self, key: &str) -> Result<Option<Vec<u8>>> {
        let (root, _, _, key) = self.owned(Path::new(""), key);
        blocking(&root.clone(), move || {
            let Some(path) = parents(&root, &key, false)? else {
                return Ok(None);
            };
            let file = match OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
                .open(&path)
            {
                Ok(file) => file,
                Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
                Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
                    return Err(file_error(&path, "is a symbolic link; refusing to read it"));
                }
                Err(e) => return Err(Error::file_because(&path, "cannot open it", e)),
            };
            let meta = file
                .metadata()
                .map_err(|e| Error::file_because(&path, "cannot read it", e))?;
            if !meta.is_file() {
                return Err(file_error(&path, "is not a regular file"));
            }
            if meta.len() > MAX_READ_BYTES {
                return Err(file_error(
                    &path,
                    &format!("holds more than the {MAX_READ_BYTES} bytes a small object may"),
                ));
            }
            let mut bytes = Vec::new();
            file.take(MAX_READ_BYTES + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| Error::file_because(&path, "cannot read it", e))?;
            Ok(Some(bytes))
        })
        .await
    }

    pub(super) async fn remove(&self, key: &str) -> Result<()> {
        let (root, _, _, key) = self.owned(Path::new(""), key);
        blocking(&root.clone(), move || {
            let Some(path) = parents(&root, &key, false)? else {
                return Ok(());
            };
            match fs::symlink_metadata(&path) {
                Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
                Err(e) => return Err(Error::file_because(&path, "cannot inspect it", e)),
                Ok(meta) if meta.is_dir() => {
                    return Err(file_error(&path, "is a directory; refusing to remove it"));
                }
                Ok(_) => {}
            }
            match fs::remove_file(&path) {
                Err(e) if e.kind() != ErrorKind::NotFound => {
                    Err(Error::file_because(&path, "cannot remove it", e))
                }
                _ => Ok(()),
            }
        })
        .await
    }

    pub(super) async fn list(&self) -> Result<Vec<String>> {
        let root = self.root.clone();
        blocking(&root.clone(), move || {
            let mut keys = Vec::new();
            walk(&root, "", &mut keys)?;
            Ok(keys)
        })
        .await
    }

    fn owned(&self, file: &Path, key: &str) -> (PathBuf, PathBuf, PathBuf, String) {
        (
            self.root.clone(),
            self.scratch.clone(),
            file.to_owned(),
            key.to_owned(),
        )
    }
}

impl Drop for LocalDataset {
    /// Removes the scratch directory when nothing is left in it.
    fn drop(&mut self) {
        let _ = fs::remove_dir(&self.scratch);
    }
}

/// Runs blocking file work (renames, fsyncs, walks) off the async workers.
async fn blocking<T: Send + 'static>(
    root: &Path,
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Error::File {
            path: root.to_owned(),
            reason: "the file task failed".into(),
            source: Some(Cause::new(e)),
        })?
}

/// Checks (creating it with `mode` when `create` and missing) that `dir` is a real directory,
/// not a symbolic link. `Ok(false)` when it is missing and not created.
fn real_dir(dir: &Path, create: bool, mode: u32) -> Result<bool> {
    let mut created = false;
    loop {
        match fs::symlink_metadata(dir) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(file_error(
                    dir,
                    "is a symbolic link; refusing to write through it (use the directory it \
                     points to, if that is what you meant)",
                ));
            }
            Ok(meta) if meta.is_dir() => return Ok(true),
            Ok(_) => return Err(file_error(dir, "is not a directory")),
            Err(e) if e.kind() == ErrorKind::NotFound && create && !created => {
                match DirBuilder::new().recursive(true).mode(mode).create(dir) {
                    Ok(()) => {}
                    // Made meanwhile by someone else: check what is there.
                    Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
                    Err(e) => return Err(Error::file_because(dir, "cannot create it", e)),
                }
                created = true;
            }
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(Error::file_because(dir, "cannot inspect it", e)),
        }
    }
}

/// The path of `key` under `root` after checking (and when `create`, making) each directory
/// on the way; `None` when one is missing and `create` is false.
fn parents(root: &Path, key: &str, create: bool) -> Result<Option<PathBuf>> {
    if !real_dir(root, false, 0)? {
        return Ok(None);
    }
    let mut path = root.to_owned();
    let mut parts = key.split('/').peekable();
    while let Some(part) = parts.next() {
        path.push(part);
        // A created folder takes the process's umask, like any data folder.
        if parts.peek().is_some() && !real_dir(&path, create, 0o777)? {
            return Ok(None);
        }
    }
    Ok(Some(path))
}

/// Every regular file under `dir` as a key (`prefix` + name), the scratch directory, symbolic
/// links and names that are not UTF-8 left out.
fn walk(dir: &Path, prefix: &str, keys: &mut Vec<String>) -> Result<()> {
    let entries = fs::read_dir(dir).map_err(|e| Error::file_because(dir, "cannot list it", e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::file_because(dir, "cannot list it", e))?;
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        if prefix.is_empty() && name == SCRATCH_DIR {
            continue;
        }
        let kind = entry
            .file_type()
            .map_err(|e| Error::file_because(entry.path(), "cannot inspect it", e))?;
        let key = format!("{prefix}{name}");
        if kind.is_dir() {
            walk(&entry.path(), &format!("{key}/"), keys)?;
        } else if kind.is_file() {
            keys.push(key);
        }
    }
    Ok(())
}

/// Copies `file` to a new file in `scratch`, syncs it, and renames it to `dest`.
fn copy_into_place(file: &Path, scratch: &Path, dest: &Path) -> Result<()> {
    let temp = scratch.join(format!(".copy-{:016x}", nonce(scratch)?));
    let copied = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(file)
        .and_then(|mut from| {
            let mut to = new_file(&temp)?;
            io::copy(&mut from, &mut to)?;
            to.sync_all()
        })
        .map_err(|e| Error::file_because(&temp, "cannot copy the file here", e))
        .and_then(|()| {
            fs::rename(&temp, dest)
                .map_err(|e| Error::file_because(dest, "cannot move the file here", e))
        });
    if copied.is_err() {
        let _ = fs::remove_file(&temp);
    }
    copied
}

fn new_file(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
}

/// Syncs the directory holding `path`, so that a rename into it survives a crash.
fn sync_parent(path: &Path) -> Result<()> {
    let Some(dir) = path.parent() else {
        return Ok(());
    };
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::file_because(dir, "cannot sync it to disk", e))
}

fn nonce(dir: &Path) -> Result<u64> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).map_err(|e| Error::File {
        path: dir.to_owned(),
        reason: format!("no randomness for a temporary name: {e}"),
        source: None,
    })?;
    Ok(u64::from_le_bytes(bytes))
}

fn file_error(path: &Path, reason: &str) -> Error {
    Error::File {
        path: path.to_owned(),
        reason: reason.into(),
        source: None,
    }
}

fn vanished(root: &Path) -> Error {
    file_error(
        root,
        "a folder of the dataset vanished while it was written",
    )
}
