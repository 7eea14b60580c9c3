//! Where a dataset goes: a local directory or `s3://bucket/prefix/`, behind one interface
//! whose [`Destination::publish`] makes a finished file visible under its key only when it is
//! complete, so that a reader (DuckDB, Polars, Spark, Athena) never sees half a file.
//!
//! Keys are relative and `/`-separated (`device=W1/date=2024-05-01/part-00000.parquet`); a key
//! that is empty, absolute, has an empty, `.` or `..` component, a control character, or
//! starts with the scratch directory `.ul-tmp/` is refused for every destination.

use std::path::Path;

use crate::error::{Error, Result};

mod local;
#[cfg(feature = "upload")]
mod s3;
mod s3_url;

pub use local::LocalDataset;
#[cfg(feature = "upload")]
pub use s3::S3Dataset;
pub use s3_url::S3Url;

/// The hidden directory inside a local dataset where files are built before they are
/// published (on the same file system, so publishing is an atomic rename).
pub const SCRATCH_DIR: &str = ".ul-tmp";
/// The longest key accepted (S3's limit on a whole key is 1,024 bytes, prefix included).
pub const MAX_KEY_BYTES: usize = 1024;

/// A dataset's destination: a local directory or an S3 prefix.
#[derive(Debug)]
#[non_exhaustive]
pub enum Destination {
    /// A local directory.
    Local(LocalDataset),
    /// An S3 prefix, written with the user's own AWS credentials (cargo feature `upload`).
    #[cfg(feature = "upload")]
    S3(Box<S3Dataset>),
}

impl Destination {
    /// `s3://bucket/prefix/` (bucket name checked, prefix normalised to end in `/`; the
    /// standard AWS credential chain and region, see
    /// [`ObjectStore::from_environment`](crate::aws::ObjectStore::from_environment)) or a
    /// local directory path (created 0700 if missing; a symbolic link at the directory is
    /// refused).
    ///
    /// # Errors
    /// [`Error::Config`] for a malformed `s3://` target, another scheme, an S3 target in a
    /// build without the `upload` feature, missing AWS credentials or region, or a bucket
    /// that does not exist; [`Error::File`] for a local path that is a symbolic link, not a
    /// directory, or cannot be created; the network errors of S3.
    pub async fn open(target: &str) -> Result<Destination> {
        match S3Url::parse(target)? {
            Some(url) => Self::open_s3(url).await,
            None => Ok(Destination::Local(
                LocalDataset::open(Path::new(target)).await?,
            )),
        }
    }

    #[cfg(feature = "upload")]
    async fn open_s3(url: S3Url) -> Result<Destination> {
        let store = crate::aws::ObjectStore::from_environment().await?;
        Ok(Destination::S3(Box::new(
            S3Dataset::open(url, store).await?,
        )))
    }

    #[cfg(not(feature = "upload"))]
    async fn open_s3(url: S3Url) -> Result<Destination> {
        Err(Error::config(
            "destination",
            format!(
                "{url} needs S3 support, which this build lacks (the library's cargo feature \
                 `upload`)"
            ),
        ))
    }

    /// `s3://bucket/prefix/` through a client you configured yourself (credentials, region,
    /// endpoint, thresholds).
    ///
    /// # Errors
    /// [`Error::Config`] when `target` is not an `s3://` URL or is malformed; otherwise as
    /// [`Destination::open`].
    #[cfg(feature = "upload")]
    pub async fn open_s3_with(target: &str, store: crate::aws::ObjectStore) -> Result<Destination> {
        let Some(url) = S3Url::parse(target)? else {
            return Err(Error::config(
                "destination",
                format!("{target:?} is not an s3://bucket/prefix/ URL"),
            ));
        };
        Ok(Destination::S3(Box::new(
            S3Dataset::open(url, store).await?,
        )))
    }

    /// Uploads files larger than `bytes` to S3 in parts (default
    /// [`DEFAULT_MULTIPART_THRESHOLD`](crate::aws::object_store::DEFAULT_MULTIPART_THRESHOLD));
    /// no effect on a local directory.
    #[must_use]
    pub fn with_multipart_threshold(self, bytes: u64) -> Self {
        match self {
            #[cfg(feature = "upload")]
            Destination::S3(s3) => Destination::S3(Box::new(
                s3.map_store(|s| s.with_multipart_threshold(bytes)),
            )),
            local @ Destination::Local(_) => {
                let _ = bytes;
                local
            }
        }
    }

    /// A local directory where the writer builds files before publishing them: for a local
    /// dataset its hidden [`SCRATCH_DIR`] (same file system, so the rename is atomic), for S3
    /// a fresh private temporary directory, removed when the destination is dropped.
    pub fn scratch_dir(&self) -> &Path {
        match self {
            Destination::Local(local) => local.scratch_dir(),
            #[cfg(feature = "upload")]
            Destination::S3(s3) => s3.scratch_dir(),
        }
    }

    /// Makes the complete local `file` visible at `key`, then it is gone from where it was. A
    /// local dataset renames it into place (parents created, no symbolic link followed); S3
    /// gets it with one PutObject up to the multipart threshold and in parts above it,
    /// aborting the upload on any failure so that no part lingers.
    ///
    /// # Errors
    /// [`Error::Config`] for a key refused (see the module docs); [`Error::File`] when the
    /// file is missing or not a regular file, a parent is a symbolic link or not a directory,
    /// or the rename fails; the errors of [`ObjectStore::put_file`](crate::aws::ObjectStore::put_file).
    pub async fn publish(&self, file: &Path, key: &str) -> Result<()> {
        check_key(key)?;
        match self {
            Destination::Local(local) => local.publish(file, key).await,
            #[cfg(feature = "upload")]
            Destination::S3(s3) => s3.publish(file, key).await,
        }
    }

    /// Every key under the destination, relative, sorted (a local dataset's scratch directory
    /// and symbolic links left out); S3's continuation tokens are followed to the end.
    ///
    /// # Errors
    /// [`Error::File`] when a local directory cannot be read; the errors of
    /// [`ObjectStore::list`](crate::aws::ObjectStore::list).
    pub async fn list(&self) -> Result<Vec<String>> {
        let mut keys = match self {
            Destination::Local(local) => local.list().await?,
            #[cfg(feature = "upload")]
            Destination::S3(s3) => s3.list().await?,
        };
        keys.sort();
        Ok(keys)
    }

    /// Removes `key`; an absent one is fine.
    ///
    /// # Errors
    /// As [`Destination::publish`].
    pub async fn remove(&self, key: &str) -> Result<()> {
        check_key(key)?;
        match self {
            Destination::Local(local) => local.remove(key).await,
            #[cfg(feature = "upload")]
            Destination::S3(s3) => s3.remove(key).await,
        }
    }

    /// A small object (such as a pull's checkpoint), `None` when absent.
    ///
    /// # Errors
    /// As [`Destination::publish`]; [`Error::File`] or [`Error::UnexpectedResponse`] for an
    /// object over 64 MiB.
    pub async fn read(&self, key: &str) -> Result<Option<Vec<u8>>> {
        check_key(key)?;
        match self {
            Destination::Local(local) => local.read(key).await,
            #[cfg(feature = "upload")]
            Destination::S3(s3) => s3.read(key).await,
        }
    }

    /// Writes a small object atomically (a local dataset: a temporary file, fsync, rename; S3:
    /// one PutObject).
    ///
    /// # Errors
    /// As [`Destination::publish`].
    pub async fn write(&self, key: &str, bytes: &[u8]) -> Result<()> {
        check_key(key)?;
        match self {
            Destination::Local(local) => local.write(key, bytes).await,
            #[cfg(feature = "upload")]
            Destination::S3(s3) => s3.write(key, bytes).await,
        }
    }

    /// For messages: the directory, or `s3://bucket/prefix/`.
    pub fn describe(&self) -> String {
        match self {
            Destination::Local(local) => local.path().display().to_string(),
            #[cfg(feature = "upload")]
            Destination::S3(s3) => s3.url().to_string(),
        }
    }
}

/// Refuses a key that could leave the dataset or name something else than a file in it.
///
/// # Errors
/// [`Error::Config`] (setting `dataset key`) saying what is wrong.
pub fn check_key(key: &str) -> Result<()> {
    let refuse = |why: &str| {
        Err(Error::config(
            "dataset key",
            format!("{key:?} {why}; keys are relative, /-separated paths inside the dataset"),
        ))
    };
    if key.is_empty() {
        return refuse("is empty");
    }
    if key.len() > MAX_KEY_BYTES {
        return refuse(&format!("is longer than {MAX_KEY_BYTES} bytes"));
    }
    if key.starts_with('/') {
        return refuse("is absolute");
    }
    if key.chars().any(char::is_control) {
        return refuse("holds a control character");
    }
    for part in key.split('/') {
        match part {
            "" => return refuse("has an empty component (`//`, or a trailing `/`)"),
            "." | ".." => return refuse("has a `.` or `..` component"),
            _ => {}
        }
    }
    if key.split('/').next() == Some(SCRATCH_DIR) {
        return refuse("is inside the scratch directory");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_keys_are_refused_and_partition_keys_pass() {
        for key in [
            "",
            "/abs",
            "../x",
            "a/../../x",
            "a/./b",
            "a//b",
            "a/",
            ".",
            "..",
            ".ul-tmp/part.parquet",
            "a\nb",
            "a\0b",
        ] {
            let err = check_key(key).unwrap_err();
            assert!(
                matches!(err, Error::Config { .. }) && err.to_string().contains("dataset key"),
                "{key:?}: {err}"
            );
        }
        assert!(check_key(&"k".repeat(MAX_KEY_BYTES + 1)).is_err());
        for key in [
            "device=W1/date=2024-05-01/part-00000-00001.parquet",
            "_ul_pull.json",
            "a/.hidden/..x/b...c",
            "a b/ünïcode=1",
        ] {
            check_key(key).unwrap();
        }
    }
}
