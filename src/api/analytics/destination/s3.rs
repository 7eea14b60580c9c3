//! A dataset under an S3 prefix: files are built in a private local temporary directory and
//! uploaded whole (one PutObject, or parts completed at the end), so a reader lists only
//! complete objects.

use std::fs::{self, DirBuilder};
use std::os::unix::fs::DirBuilderExt as _;
use std::path::{Path, PathBuf};

use super::S3Url;
use crate::aws::ObjectStore;
use crate::error::{Error, Result};

/// A dataset under `s3://bucket/prefix/`.
#[derive(Debug)]
pub struct S3Dataset {
    store: ObjectStore,
    url: S3Url,
    scratch: ScratchDir,
}

impl S3Dataset {
    /// Checks the bucket (following it to its own region) and makes the scratch directory.
    pub(super) async fn open(url: S3Url, store: ObjectStore) -> Result<S3Dataset> {
        let store = store.for_bucket(&url.bucket).await?;
        Ok(S3Dataset {
            store,
            url,
            scratch: ScratchDir::new()?,
        })
    }

    /// The bucket and prefix.
    pub fn url(&self) -> &S3Url {
        &self.url
    }

    /// The S3 client.
    pub fn store(&self) -> &ObjectStore {
        &self.store
    }

    pub(super) fn map_store(mut self, f: impl FnOnce(ObjectStore) -> ObjectStore) -> Self {
        self.store = f(self.store);
        self
    }

    pub(super) fn scratch_dir(&self) -> &Path {
        &self.scratch.0
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.url.prefix)
    }

    pub(super) async fn publish(&self, file: &Path, key: &str) -> Result<()> {
        self.store
            .put_file(&self.url.bucket, &self.key(key), file)
            .await?;
        match tokio::fs::remove_file(file).await {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::file_because(
                file,
                "was uploaded, but cannot be removed",
                e,
            )),
            _ => Ok(()),
        }
    }

    pub(super) async fn list(&self) -> Result<Vec<String>> {
        let keys = self.store.list(&self.url.bucket, &self.url.prefix).await?;
        Ok(keys
            .into_iter()
            .filter_map(|k| k.strip_prefix(&self.url.prefix).map(str::to_owned))
            // Folder markers (`a/`) some tools make are not objects of the dataset.
            .filter(|k| !k.is_empty() && !k.ends_with('/'))
            .collect())
    }

    pub(super) async fn remove(&self, key: &str) -> Result<()> {
        self.store.delete(&self.url.bucket, &self.key(key)).await
    }

    pub(super) async fn read(&self, key: &str) -> Result<Option<Vec<u8>>> {
        self.store.get(&self.url.bucket, &self.key(key)).await
    }

    pub(super) async fn write(&self, key: &str, bytes: &[u8]) -> Result<()> {
        self.store
            .put_bytes(&self.url.bucket, &self.key(key), bytes.to_vec())
            .await
    }
}

/// A fresh private (0700) temporary directory, removed with what is in it on drop.
#[derive(Debug)]
struct ScratchDir(PathBuf);

impl ScratchDir {
    fn new() -> Result<ScratchDir> {
        let base = std::env::temp_dir();
        let mut bytes = [0u8; 8];
        getrandom::fill(&mut bytes).map_err(|e| Error::File {
            path: base.clone(),
            reason: format!("no randomness for a temporary name: {e}"),
            source: None,
        })?;
        let dir = base.join(format!(
            "ul-auth-dataset-{}-{:016x}",
            std::process::id(),
            u64::from_le_bytes(bytes)
        ));
        // Not recursive: it must be new, never someone else's directory of the same name.
        DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .map_err(|e| Error::file_because(&dir, "cannot create a scratch directory", e))?;
        remove_stale(&base, &dir);
        Ok(ScratchDir(dir))
    }
}

/// Removes the scratch directories that runs which were killed left in `base`: ours (same
/// owner as `fresh`), named for a process that no longer exists. A symbolic link is never
/// followed.
fn remove_stale(base: &std::path::Path, fresh: &std::path::Path) {
    use std::os::unix::fs::MetadataExt as _;
    let Ok(owner) = fs::symlink_metadata(fresh).map(|m| m.uid()) else {
        return;
    };
    let Ok(entries) = fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix("ul-auth-dataset-"))
            .and_then(|rest| rest.split_once('-'))
            .and_then(|(pid, _)| pid.parse::<u32>().ok())
        else {
            continue;
        };
        let ours = fs::symlink_metadata(entry.path()).is_ok_and(|m| m.is_dir() && m.uid() == owner);
        let gone = !std::path::Path::new(&format!("/proc/{pid}")).exists()
            && std::path::Path::new("/proc/self").exists();
        if ours && gone {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}
