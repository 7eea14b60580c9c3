//! Media Drive upload: one local file into the upload bucket, with the identity-pool
//! credentials (cargo feature `upload`).
//!
//! The object key is `<identityId>/<uuid v4>/<file name>` and the object carries the user
//! metadata `location` (the Media Drive folder's listing location) and `name` (the file
//! name), as Unleash Live's own uploader writes them. The file is streamed from disk, never
//! read whole into memory.

use std::fmt;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_s3 as s3;
use s3::error::{ProvideErrorMetadata, SdkError};
use s3::primitives::{ByteStream, SdkBody};

pub use object::guess_content_type;
use object::{base_name, check_metadata, check_name, file_error, metadata_value, uuid_v4};

use crate::aws::identity::IdentityCredentials;
use crate::aws::trace::WithoutSecretTraces as _;
use crate::config::{Config, Setting};
use crate::error::{Cause, Error, Result};

mod object;

/// Connect timeout of the S3 calls.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Attempts per upload (the SDK's standard retry mode; the file is read again for a retry).
pub const MAX_ATTEMPTS: u32 = 3;
/// The time limit of an upload is this, plus the time the file takes at
/// [`MIN_THROUGHPUT`] bytes per second.
pub const BASE_TIMEOUT: Duration = Duration::from_secs(120);
/// The slowest upload speed (bytes per second) that still finishes within the time limit.
pub const MIN_THROUGHPUT: u64 = 32 * 1024;
/// Size of the chunks read from disk (and of the progress steps).
const CHUNK: usize = 64 * 1024;

/// A progress callback: `(bytes_sent, total_bytes)`. Called from the task that sends the
/// body, after each chunk; a retried attempt starts again from 0.
pub type Progress = Arc<dyn Fn(u64, u64) + Send + Sync>;

/// One file to upload.
#[derive(Clone)]
pub struct Upload {
    path: PathBuf,
    location: String,
    name: Option<String>,
    content_type: Option<String>,
    progress: Option<Progress>,
}

impl fmt::Debug for Upload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Upload")
            .field("path", &self.path)
            .field("location", &self.location)
            .field("name", &self.name)
            .field("content_type", &self.content_type)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

impl Upload {
    /// The file at `path`, into the Media Drive folder whose listing location is `location`
    /// (`"<folder.location>/<folder.id>"`).
    pub fn new(path: impl Into<PathBuf>, location: impl Into<String>) -> Self {
        Upload {
            path: path.into(),
            location: location.into(),
            name: None,
            content_type: None,
            progress: None,
        }
    }

    /// The name in Media Drive and in the key (default: the file's base name).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The content type (default: guessed from the extension, else
    /// `application/octet-stream`).
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// Calls `progress(bytes_sent, total_bytes)` as the file goes out.
    pub fn on_progress(mut self, progress: impl Fn(u64, u64) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(progress));
        self
    }
}

/// Where an upload landed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Uploaded {
    /// The bucket.
    pub bucket: String,
    /// The object key, `<identityId>/<uuid>/<name>`.
    pub key: String,
    /// The identity-pool identity that owns the upload.
    pub identity_id: String,
    /// The file name (metadata `name`, last part of the key).
    pub name: String,
    /// The Media Drive location (metadata `location`).
    pub location: String,
    /// Bytes uploaded.
    pub size: u64,
    /// The content type sent.
    pub content_type: String,
    /// The ETag S3 answered, when it sent one.
    pub e_tag: Option<String>,
}

/// Uploads files into the configured upload bucket. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Uploader {
    s3: s3::Client,
    bucket: String,
    credentials: IdentityCredentials,
    endpoint: String,
}

impl Uploader {
    /// An S3 client signing with `credentials`, in the configured region, against the
    /// endpoint override if one is set (path-style addressing then, as emulators need).
    pub async fn new(config: &Config, credentials: IdentityCredentials) -> Self {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .credentials_provider(credentials.clone())
            .region(aws_config::Region::new(config.region().to_owned()))
            // No attempt or operation limit here: an upload's limit depends on its size
            // (see `BASE_TIMEOUT`).
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(CONNECT_TIMEOUT)
                    .build(),
            )
            .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS));
        if let Some(url) = config.endpoint_url() {
            loader = loader.endpoint_url(url.to_owned());
        }
        let sdk = loader.load().await;
        let mut s3_config = s3::config::Builder::from(&sdk);
        // Exactly the configured endpoint, as for Cognito (see `CognitoClient::new`): not
        // AWS_ENDPOINT_URL_S3 or an AWS profile's endpoint_url.
        s3_config.set_endpoint_url(config.endpoint_url().map(str::to_owned));
        if config.endpoint_url().is_some() {
            s3_config = s3_config.force_path_style(true);
        }
        let endpoint = config
            .endpoint_url()
            .map(str::to_owned)
            .unwrap_or_else(|| format!("https://s3.{}.amazonaws.com", config.region()));
        Uploader {
            s3: s3::Client::from_conf(s3_config.build()),
            bucket: config.upload_bucket().to_owned(),
            credentials,
            endpoint,
        }
    }

    /// The bucket uploads go to.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// Uploads one file (PutObject), streamed from disk.
    ///
    /// # Errors
    /// [`Error::File`] when the file is missing, not a regular file, or its name is empty,
    /// holds `/` or control characters; [`Error::Config`] for a bucket that does not exist;
    /// [`Error::NotAuthorized`] when S3 refuses the credentials or the key; the errors of
    /// [`IdentityCredentials::credentials`]; [`Error::Timeout`], [`Error::Unreachable`],
    /// [`Error::Throttled`], [`Error::Service`] for the network and S3.
    pub async fn upload(&self, upload: Upload) -> Result<Uploaded> {
        let path = upload.path.as_path();
        let name = match &upload.name {
            Some(name) => name.clone(),
            None => base_name(path)?,
        };
        check_name(path, &name)?;
        check_metadata(path, "location", &upload.location)?;
        let meta = tokio::fs::metadata(path)
            .await
            .map_err(|e| Error::file_because(path, "cannot read it", e))?;
        if !meta.is_file() {
            return Err(file_error(path, "is not a regular file"));
        }
        let content_type = upload
            .content_type
            .clone()
            .unwrap_or_else(|| guess_content_type(&name).to_owned());
        let body = ByteStream::read_from()
            .path(path)
            .buffer_size(CHUNK)
            .build()
            .await
            .map_err(|e| Error::file_because(path, "cannot read it", e))?;
        let size = body.size_hint().1.unwrap_or(meta.len());
        let body = match &upload.progress {
            Some(progress) => {
                let progress = Arc::clone(progress);
                body.map(move |inner| {
                    SdkBody::from_body_1_x(Counting {
                        inner,
                        sent: 0,
                        total: size,
                        progress: Arc::clone(&progress),
                    })
                })
            }
            None => body,
        };
        // The key starts with the identity the credentials belong to (the bucket policy
        // lets each identity write under its own prefix only).
        let identity_id = self
            .credentials
            .credentials()
            .await?
            .identity_id()
            .to_owned();
        let key = format!("{identity_id}/{}/{name}", uuid_v4(path)?);
        let limit = BASE_TIMEOUT + Duration::from_secs(size / MIN_THROUGHPUT);
        tracing::debug!(bucket = %self.bucket, key = %key, size, "uploading");
        let request = self
            .s3
            .put_object()
            .bucket(&self.bucket)
            .key(&key)
            .content_type(&content_type)
            .content_length(i64::try_from(size).unwrap_or(i64::MAX))
            .metadata("location", metadata_value(&upload.location))
            .metadata("name", metadata_value(&name))
            .body(body)
            .send()
            .without_secret_traces();
        let out = match tokio::time::timeout(limit, request).await {
            Ok(out) => out.map_err(|e| self.map_error(e, &key))?,
            Err(_) => {
                return Err(Error::Timeout {
                    endpoint: self.endpoint.clone(),
                    reason: format!(
                        "the upload of {size} bytes did not finish within {}s",
                        limit.as_secs()
                    ),
                });
            }
        };
        tracing::debug!(bucket = %self.bucket, key = %key, "uploaded");
        Ok(Uploaded {
            bucket: self.bucket.clone(),
            key,
            identity_id,
            name,
            location: upload.location,
            size,
            content_type,
            e_tag: out.e_tag,
        })
    }

    fn map_error<E>(&self, err: SdkError<E, s3::config::http::HttpResponse>, key: &str) -> Error
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        match err {
            SdkError::ServiceError(service) => {
                let e = service.err();
                let message = e.message().unwrap_or("");
                match e.code() {
                    Some("NoSuchBucket") => Error::config(
                        Setting::UploadBucket,
                        format!(
                            "the upload bucket {:?} does not exist: {message}",
                            self.bucket
                        ),
                    ),
                    Some(
                        "AccessDenied"
                        | "InvalidAccessKeyId"
                        | "SignatureDoesNotMatch"
                        | "ExpiredToken"
                        | "InvalidToken"
                        | "TokenRefreshRequired",
                    ) => Error::NotAuthorized {
                        message: format!(
                            "S3 refused the upload to {}/{key}: {message}",
                            self.bucket
                        ),
                    },
                    Some("SlowDown") => Error::Throttled {
                        message: message.into(),
                    },
                    Some(code) => Error::Service {
                        code: code.into(),
                        message: message.into(),
                        source: None,
                    },
                    None => Error::unexpected(format!(
                        "{} answered HTTP {} to PutObject with no S3 error code",
                        self.endpoint,
                        service.raw().status().as_u16()
                    )),
                }
            }
            SdkError::TimeoutError(_) => Error::Timeout {
                endpoint: self.endpoint.clone(),
                reason: "the upload timed out".into(),
            },
            SdkError::DispatchFailure(failure) if failure.is_timeout() => Error::Timeout {
                endpoint: self.endpoint.clone(),
                reason: "connection timed out".into(),
            },
            // Only the errors inside the SDK's: the SDK's error holds the request and its
            // signature.
            SdkError::DispatchFailure(failure) if failure.is_io() => {
                let cause = SdkError::<E>::DispatchFailure(failure).into_source().ok();
                Error::unreachable(
                    &self.endpoint,
                    "cannot connect",
                    cause.map(Cause::from_boxed),
                )
            }
            other => Error::Service {
                code: "RequestFailed".into(),
                message: other.to_string(),
                source: other.into_source().ok().map(Cause::from_boxed),
            },
        }
    }
}

/// Counts the bytes of the body as the HTTP client takes them.
struct Counting {
    inner: SdkBody,
    sent: u64,
    total: u64,
    progress: Progress,
}

impl http_body::Body for Counting {
    type Data = <SdkBody as http_body::Body>::Data;
    type Error = <SdkBody as http_body::Body>::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let this = &mut *self;
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &polled
            && let Some(data) = frame.data_ref()
            && !data.is_empty()
        {
            this.sent = this.sent.saturating_add(data.len() as u64);
            (this.progress)(this.sent, this.total);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::Body::size_hint(&self.inner)
    }
}
