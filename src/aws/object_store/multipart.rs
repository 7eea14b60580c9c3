//! [`ObjectStore::put_file`]: one PutObject up to the threshold, a multipart upload above it,
//! each streamed from disk; an object appears only once complete, and a multipart upload that
//! fails is aborted so that no part lingers (and bills).

use std::path::Path;
use std::time::Duration;

use aws_sdk_s3 as s3;
use s3::primitives::{ByteStream, Length};
use s3::types::{ChecksumAlgorithm, CompletedMultipartUpload, CompletedPart};

use super::ObjectStore;
use crate::aws::trace::WithoutSecretTraces as _;
use crate::aws::upload::{BASE_TIMEOUT, MIN_THROUGHPUT};
use crate::error::{Error, Result};

/// S3's limit on the parts of one upload.
const MAX_PARTS: u64 = 10_000;
/// Size of the chunks read from disk.
const CHUNK: usize = 64 * 1024;

impl ObjectStore {
    /// Uploads the regular file at `path` to `key`, streamed from disk: one PutObject up to
    /// the multipart threshold, parts above it (CompleteMultipartUpload at the end,
    /// AbortMultipartUpload when anything fails, also when this future is dropped). Returns
    /// the bytes uploaded. The file must not change meanwhile.
    ///
    /// # Errors
    /// [`Error::File`] when the file is missing, not a regular file, or changes size while it
    /// is uploaded; otherwise as [`ObjectStore::for_bucket`].
    pub async fn put_file(&self, bucket: &str, key: &str, path: &Path) -> Result<u64> {
        let size = file_size(path).await?;
        if size <= self.multipart_threshold {
            self.put_whole(bucket, key, path, size).await?;
        } else {
            self.put_parts(bucket, key, path, size).await?;
        }
        tracing::debug!(bucket, key, size, "uploaded");
        Ok(size)
    }

    async fn put_whole(&self, bucket: &str, key: &str, path: &Path, size: u64) -> Result<()> {
        let body = read_part(path, 0, size).await?;
        let put = self
            .s3
            .put_object()
            .bucket(bucket)
            .key(key)
            .content_length(as_i64(size))
            .body(body)
            .send()
            .without_secret_traces();
        self.within(upload_limit(size), put, "PutObject")
            .await?
            .map_err(|e| self.map_error(e, "PutObject", bucket, key))?;
        Ok(())
    }

    async fn put_parts(&self, bucket: &str, key: &str, path: &Path, size: u64) -> Result<()> {
        let create = self
            .s3
            .create_multipart_upload()
            .bucket(bucket)
            .key(key)
            .checksum_algorithm(ChecksumAlgorithm::Crc32)
            .send()
            .without_secret_traces();
        let created = self
            .limited(create, "CreateMultipartUpload")
            .await?
            .map_err(|e| self.map_error(e, "CreateMultipartUpload", bucket, key))?;
        let Some(upload_id) = created.upload_id() else {
            return Err(Error::unexpected(format!(
                "{} answered CreateMultipartUpload for s3://{bucket}/{key} without an upload id",
                self.endpoint
            )));
        };
        let pending = Pending {
            s3: Some(self.s3.clone()),
            bucket: bucket.to_owned(),
            key: key.to_owned(),
            upload_id: upload_id.to_owned(),
        };
        match self.send_parts(&pending, path, size).await {
            Ok(()) => {
                pending.done();
                Ok(())
            }
            Err(e) => {
                pending.abort().await;
                Err(e)
            }
        }
    }

    /// Every part, then CompleteMultipartUpload.
    async fn send_parts(&self, up: &Pending, path: &Path, size: u64) -> Result<()> {
        let part_size = self.part_size.max(size.div_ceil(MAX_PARTS));
        let mut parts = Vec::new();
        let mut offset = 0;
        let mut number = 1;
        while offset < size {
            let len = part_size.min(size - offset);
            check_unchanged(path, size).await?;
            let body = read_part(path, offset, len).await?;
            let call = self
                .s3
                .upload_part()
                .bucket(&up.bucket)
                .key(&up.key)
                .upload_id(&up.upload_id)
                .part_number(number)
                .content_length(as_i64(len))
                .checksum_algorithm(ChecksumAlgorithm::Crc32)
                .body(body)
                .send()
                .without_secret_traces();
            let out = match self.within(upload_limit(len), call, "UploadPart").await? {
                Ok(out) => out,
                Err(e) => {
                    // A file cut short mid-part fails the request; say why.
                    check_unchanged(path, size).await?;
                    return Err(self.map_error(e, "UploadPart", &up.bucket, &up.key));
                }
            };
            parts.push(
                CompletedPart::builder()
                    .part_number(number)
                    .set_e_tag(out.e_tag)
                    .set_checksum_crc32(out.checksum_crc32)
                    .build(),
            );
            tracing::trace!(key = %up.key, part = number, len, "part uploaded");
            offset += len;
            number += 1;
        }
        // A file that grew or shrank during the last part is not the file that was measured.
        check_unchanged(path, size).await?;
        let complete = self
            .s3
            .complete_multipart_upload()
            .bucket(&up.bucket)
            .key(&up.key)
            .upload_id(&up.upload_id)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(parts))
                    .build(),
            )
            .send()
            .without_secret_traces();
        let parts = number - 1;
        match self.limited(complete, "CompleteMultipartUpload").await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => {
                let err = self.map_error(e, "CompleteMultipartUpload", &up.bucket, &up.key);
                self.completed_anyway(up, size, parts, err).await
            }
            Err(err) => self.completed_anyway(up, size, parts, err).await,
        }
    }

    /// Whether a CompleteMultipartUpload whose answer was lost or unreadable (a timeout, a
    /// retry that finds the upload gone, a 200 whose XML does not parse) completed after all:
    /// the object is there with the file's size and a multipart ETag of as many parts.
    /// Otherwise `err`.
    async fn completed_anyway(
        &self,
        up: &Pending,
        size: u64,
        parts: i32,
        err: Error,
    ) -> Result<()> {
        let head = self
            .s3
            .head_object()
            .bucket(&up.bucket)
            .key(&up.key)
            .send()
            .without_secret_traces();
        let Ok(Ok(head)) = self.limited(head, "HeadObject").await else {
            return Err(err);
        };
        let suffix = format!("-{parts}");
        let whole = head.content_length() == Some(as_i64(size))
            && head
                .e_tag()
                .is_some_and(|t| t.trim_matches('"').ends_with(&suffix));
        if whole {
            tracing::debug!(key = %up.key, error = %err, "the upload completed despite its answer");
            Ok(())
        } else {
            Err(err)
        }
    }

    /// `call` within `limit`.
    async fn within<T>(
        &self,
        limit: Duration,
        call: impl Future<Output = T>,
        what: &str,
    ) -> Result<T> {
        tokio::time::timeout(limit, call)
            .await
            .map_err(|_| Error::Timeout {
                endpoint: self.endpoint.clone(),
                reason: format!("{what} did not finish within {}s", limit.as_secs()),
            })
    }
}

/// A multipart upload that is aborted unless [`Pending::done`] is called: by
/// [`Pending::abort`], or in the background when it is dropped (a cancelled upload).
struct Pending {
    /// `None` once finished or aborted.
    s3: Option<s3::Client>,
    bucket: String,
    key: String,
    upload_id: String,
}

impl Pending {
    fn done(mut self) {
        self.s3 = None;
    }

    async fn abort(mut self) {
        if let Some(s3) = self.s3.take() {
            abort(s3, &self.bucket, &self.key, &self.upload_id).await;
        }
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        let Some(s3) = self.s3.take() else {
            return;
        };
        let (bucket, key, id) = (
            self.bucket.clone(),
            self.key.clone(),
            self.upload_id.clone(),
        );
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => {
                handle.spawn(async move { abort(s3, &bucket, &key, &id).await });
            }
            Err(_) => tracing::warn!(
                bucket = %self.bucket,
                key = %self.key,
                "a cancelled multipart upload could not be aborted (no runtime); a bucket \
                 lifecycle rule (AbortIncompleteMultipartUpload) removes its parts"
            ),
        }
    }
}

async fn abort(s3: s3::Client, bucket: &str, key: &str, upload_id: &str) {
    let call = s3
        .abort_multipart_upload()
        .bucket(bucket)
        .key(key)
        .upload_id(upload_id)
        .send()
        .without_secret_traces();
    match tokio::time::timeout(super::CALL_TIMEOUT, call).await {
        Ok(Ok(_)) => tracing::debug!(bucket, key, "multipart upload aborted"),
        Ok(Err(e)) => tracing::warn!(
            bucket, key, error = %s3::error::DisplayErrorContext(&e),
            "the failed multipart upload could not be aborted; its parts stay until a lifecycle \
             rule (AbortIncompleteMultipartUpload) removes them"
        ),
        Err(_) => tracing::warn!(
            bucket,
            key,
            "aborting the failed multipart upload timed out"
        ),
    }
}

/// The size of the regular file at `path`.
async fn file_size(path: &Path) -> Result<u64> {
    let meta = tokio::fs::symlink_metadata(path)
        .await
        .map_err(|e| Error::file_because(path, "cannot read it", e))?;
    if !meta.is_file() {
        return Err(Error::File {
            path: path.to_owned(),
            reason: "is not a regular file".into(),
            source: None,
        });
    }
    Ok(meta.len())
}

async fn check_unchanged(path: &Path, size: u64) -> Result<()> {
    let now = file_size(path).await?;
    if now == size {
        return Ok(());
    }
    Err(Error::File {
        path: path.to_owned(),
        reason: format!("changed size while it was uploaded ({size} bytes, now {now})"),
        source: None,
    })
}

/// `len` bytes of the file from `offset`, streamed (read again from disk for a retry).
async fn read_part(path: &Path, offset: u64, len: u64) -> Result<ByteStream> {
    ByteStream::read_from()
        .path(path)
        .offset(offset)
        .length(Length::Exact(len))
        .buffer_size(CHUNK)
        .build()
        .await
        .map_err(|e| Error::file_because(path, "cannot read it (did it change?)", e))
}

/// The time an upload of `bytes` may take.
fn upload_limit(bytes: u64) -> Duration {
    BASE_TIMEOUT + Duration::from_secs(bytes / MIN_THROUGHPUT)
}

fn as_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
