//! S3 with the user's own AWS credentials (cargo feature `upload`): where an analytics dataset
//! goes when its destination is `s3://bucket/prefix/`.
//!
//! Unlike [`Uploader`](crate::aws::upload::Uploader), which signs with the Unleash Live
//! identity pool, an [`ObjectStore`] takes the standard AWS chain (`AWS_ACCESS_KEY_ID` /
//! `AWS_SECRET_ACCESS_KEY`, `AWS_PROFILE` and `~/.aws/config`, assume-role and web-identity
//! profiles, `credential_process`, ECS and EC2 instance roles; not IAM Identity Center (SSO)
//! profiles, whose SDK crates this build leaves out) and region (`AWS_REGION`, the profile).
//! `AWS_ENDPOINT_URL_S3` or `AWS_ENDPOINT_URL` (or a profile's `endpoint_url`) points it at
//! another S3 (moto, MinIO), with path-style addressing.
//!
//! A file is uploaded with one PutObject up to [`DEFAULT_MULTIPART_THRESHOLD`], in parts above
//! it (see [`ObjectStore::put_file`]): either way the object appears only when it is complete.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::ProvideCredentials as _;
use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_s3 as s3;
use s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use s3::primitives::ByteStream;

use crate::aws::trace::WithoutSecretTraces as _;
use crate::error::{Cause, Error, Result};

mod multipart;

/// Files up to this size go up in one PutObject; larger ones in parts.
pub const DEFAULT_MULTIPART_THRESHOLD: u64 = 16 * 1024 * 1024;
/// The size of each part but the last (S3 refuses parts under [`MIN_PART_SIZE`]).
pub const DEFAULT_PART_SIZE: u64 = 8 * 1024 * 1024;
/// The smallest part S3 accepts (every part but the last).
pub const MIN_PART_SIZE: u64 = 5 * 1024 * 1024;
/// The largest object [`ObjectStore::get`] reads (it is meant for small objects).
pub const MAX_GET_BYTES: u64 = 64 * 1024 * 1024;
/// Connect timeout of every S3 call.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Time limit of a call that carries no file (list, get, delete, a small put).
pub const CALL_TIMEOUT: Duration = Duration::from_secs(60);
/// Attempts per call (the SDK's standard retry mode; a file part is read again for a retry).
pub const MAX_ATTEMPTS: u32 = 3;

/// What to tell a person whose AWS credentials or region are missing.
const HOW_TO_SET: &str = "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or choose a profile \
     with AWS_PROFILE (`aws configure` makes one), or run where an instance or container role \
     applies; these are your own AWS credentials, not your Unleash Live sign-in";

/// An S3 client with the standard AWS credential chain. Cheap to clone.
#[derive(Clone)]
pub struct ObjectStore {
    s3: s3::Client,
    sdk: SdkConfig,
    endpoint: String,
    /// Whether `endpoint` was configured (an emulator, MinIO) rather than AWS's own.
    configured_endpoint: bool,
    multipart_threshold: u64,
    part_size: u64,
}

impl std::fmt::Debug for ObjectStore {
    // Only what locates the store: the configuration holds the credentials provider.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectStore")
            .field("endpoint", &self.endpoint)
            .field("multipart_threshold", &self.multipart_threshold)
            .field("part_size", &self.part_size)
            .finish_non_exhaustive()
    }
}

impl ObjectStore {
    /// A client from the standard AWS configuration: region and credentials from the
    /// environment, the shared config files and the instance or container metadata; the
    /// credentials are resolved once here, so a missing one is reported now.
    ///
    /// # Errors
    /// [`Error::Config`] (setting `AWS region` or `AWS credentials`) saying how to set them
    /// when either is missing or a profile cannot be used; [`Error::Service`] when a
    /// credential source (STS, SSO, the metadata service) fails.
    pub async fn from_environment() -> Result<ObjectStore> {
        let sdk = aws_config::defaults(BehaviorVersion::latest())
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(CONNECT_TIMEOUT)
                    .build(),
            )
            .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS))
            .load()
            .await;
        let endpoint = std::env::var("AWS_ENDPOINT_URL_S3")
            .ok()
            .filter(|url| !url.is_empty() && !ignores_configured_endpoints());
        Self::build(sdk, endpoint).await
    }

    /// A client from an [`SdkConfig`] you loaded yourself (its region, credentials provider,
    /// endpoint URL, time limits and retries); path-style addressing when it names an endpoint.
    ///
    /// # Errors
    /// As [`ObjectStore::from_environment`].
    pub async fn from_sdk_config(sdk: &SdkConfig) -> Result<ObjectStore> {
        Self::build(sdk.clone(), None).await
    }

    async fn build(sdk: SdkConfig, s3_endpoint: Option<String>) -> Result<ObjectStore> {
        let Some(region) = sdk.region().cloned() else {
            return Err(Error::config(
                "AWS region",
                "none is configured for S3: set AWS_REGION, or a region in the profile \
                 AWS_PROFILE names (`aws configure` sets one)",
            ));
        };
        check_credentials(&sdk).await?;
        let endpoint = s3_endpoint.or_else(|| sdk.endpoint_url().map(str::to_owned));
        Ok(Self::with_region(sdk, endpoint, region))
    }

    /// The client for `region`; an explicit endpoint (an emulator, MinIO) gets path-style
    /// addressing, as they need.
    fn with_region(sdk: SdkConfig, endpoint: Option<String>, region: Region) -> ObjectStore {
        let mut config = s3::config::Builder::from(&sdk).region(region.clone());
        if let Some(url) = &endpoint {
            config = config.endpoint_url(url).force_path_style(true);
        }
        ObjectStore {
            s3: s3::Client::from_conf(config.build()),
            configured_endpoint: endpoint.is_some(),
            endpoint: endpoint.unwrap_or_else(|| format!("https://s3.{region}.amazonaws.com")),
            sdk,
            multipart_threshold: DEFAULT_MULTIPART_THRESHOLD,
            part_size: DEFAULT_PART_SIZE,
        }
    }

    /// Uploads files larger than `bytes` in parts (default [`DEFAULT_MULTIPART_THRESHOLD`]).
    #[must_use]
    pub fn with_multipart_threshold(mut self, bytes: u64) -> Self {
        self.multipart_threshold = bytes;
        self
    }

    /// Parts of `bytes` (at least [`MIN_PART_SIZE`]; default [`DEFAULT_PART_SIZE`]).
    #[must_use]
    pub fn with_part_size(mut self, bytes: u64) -> Self {
        self.part_size = bytes.max(MIN_PART_SIZE);
        self
    }

    /// The S3 endpoint calls go to.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Checks that `bucket` exists and answers these credentials, and returns a client in the
    /// bucket's own region when S3 says it lives in another one than the configured region.
    ///
    /// # Errors
    /// [`Error::Config`] for a bucket that does not exist; [`Error::NotAuthorized`] when S3
    /// refuses the credentials; [`Error::Timeout`], [`Error::Unreachable`],
    /// [`Error::Service`] for the network and S3.
    pub async fn for_bucket(self, bucket: &str) -> Result<ObjectStore> {
        let head = self
            .s3
            .head_bucket()
            .bucket(bucket)
            .send()
            .without_secret_traces();
        let err = match self.limited(head, "HeadBucket").await? {
            Ok(_) => return Ok(self),
            Err(err) => err,
        };
        let elsewhere = err
            .raw_response()
            .and_then(|r| r.headers().get("x-amz-bucket-region"))
            .map(str::to_owned)
            .filter(|r| Some(r.as_str()) != self.s3.config().region().map(Region::as_ref));
        match elsewhere {
            Some(region)
                if err
                    .raw_response()
                    .is_some_and(|r| r.status().as_u16() == 301) =>
            {
                tracing::debug!(bucket, region = %region, "the bucket lives in another region");
                let endpoint = self.explicit_endpoint();
                let moved = Self::with_region(self.sdk.clone(), endpoint, Region::new(region))
                    .with_multipart_threshold(self.multipart_threshold)
                    .with_part_size(self.part_size);
                Box::pin(moved.for_bucket_in_place(bucket)).await
            }
            _ => Err(self.map_error(err, "HeadBucket", bucket, "")),
        }
    }

    /// [`ObjectStore::for_bucket`] without following another region again.
    async fn for_bucket_in_place(self, bucket: &str) -> Result<ObjectStore> {
        let head = self.s3.head_bucket().bucket(bucket).send();
        match self
            .limited(head.without_secret_traces(), "HeadBucket")
            .await?
        {
            Ok(_) => Ok(self),
            Err(err) => Err(self.map_error(err, "HeadBucket", bucket, "")),
        }
    }

    fn explicit_endpoint(&self) -> Option<String> {
        self.configured_endpoint.then(|| self.endpoint.clone())
    }

    /// Puts `bytes` at `key` in one PutObject.
    ///
    /// # Errors
    /// As [`ObjectStore::for_bucket`].
    pub async fn put_bytes(&self, bucket: &str, key: &str, bytes: Vec<u8>) -> Result<()> {
        let put = self
            .s3
            .put_object()
            .bucket(bucket)
            .key(key)
            .body(ByteStream::from(bytes))
            .send()
            .without_secret_traces();
        self.limited(put, "PutObject")
            .await?
            .map_err(|e| self.map_error(e, "PutObject", bucket, key))?;
        Ok(())
    }

    /// The object at `key` (at most [`MAX_GET_BYTES`]), or `None` when there is none.
    ///
    /// # Errors
    /// [`Error::UnexpectedResponse`] for a larger object; otherwise as
    /// [`ObjectStore::for_bucket`].
    pub async fn get(&self, bucket: &str, key: &str) -> Result<Option<Vec<u8>>> {
        let get = self.s3.get_object().bucket(bucket).key(key).send();
        let out = match self
            .limited(get.without_secret_traces(), "GetObject")
            .await?
        {
            Ok(out) => out,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => return Ok(None),
            Err(e) => return Err(self.map_error(e, "GetObject", bucket, key)),
        };
        if u64::try_from(out.content_length().unwrap_or(0)).unwrap_or(0) > MAX_GET_BYTES {
            return Err(Error::unexpected(format!(
                "s3://{bucket}/{key} holds {} bytes, more than the {MAX_GET_BYTES} a small \
                 object may",
                out.content_length().unwrap_or(0)
            )));
        }
        let read = tokio::time::timeout(CALL_TIMEOUT, out.body.collect())
            .await
            .map_err(|_| self.timeout("GetObject"))?
            .map_err(|e| Error::Service {
                code: "RequestFailed".into(),
                message: format!("reading s3://{bucket}/{key} failed"),
                source: Some(Cause::new(e)),
            })?;
        Ok(Some(read.to_vec()))
    }

    /// Removes the object at `key`; an absent one is fine.
    ///
    /// # Errors
    /// As [`ObjectStore::for_bucket`].
    pub async fn delete(&self, bucket: &str, key: &str) -> Result<()> {
        let delete = self.s3.delete_object().bucket(bucket).key(key).send();
        match self
            .limited(delete.without_secret_traces(), "DeleteObject")
            .await?
        {
            Ok(_) => Ok(()),
            Err(e) if e.code() == Some("NoSuchKey") => Ok(()),
            Err(e) => Err(self.map_error(e, "DeleteObject", bucket, key)),
        }
    }

    /// Every key that starts with `prefix`, whole (prefix included), in S3's order, following
    /// the continuation tokens to the end.
    ///
    /// # Errors
    /// [`Error::UnexpectedResponse`] when S3 hands back the same continuation token twice;
    /// otherwise as [`ObjectStore::for_bucket`].
    pub async fn list(&self, bucket: &str, prefix: &str) -> Result<Vec<String>> {
        let mut keys = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let call = self
                .s3
                .list_objects_v2()
                .bucket(bucket)
                .prefix(prefix)
                .set_continuation_token(token.clone())
                .send()
                .without_secret_traces();
            let page = self
                .limited(call, "ListObjectsV2")
                .await?
                .map_err(|e| self.map_error(e, "ListObjectsV2", bucket, prefix))?;
            keys.extend(
                page.contents()
                    .iter()
                    .filter_map(|o| o.key().map(str::to_owned)),
            );
            match page.next_continuation_token() {
                Some(next) if page.is_truncated() == Some(true) => {
                    // A token that repeats would list forever.
                    if token.as_deref() == Some(next) {
                        return Err(Error::unexpected(format!(
                            "{} repeated the continuation token of s3://{bucket}/{prefix}",
                            self.endpoint
                        )));
                    }
                    token = Some(next.to_owned());
                }
                _ => return Ok(keys),
            }
        }
    }

    /// `call` within [`CALL_TIMEOUT`].
    async fn limited<T>(&self, call: impl Future<Output = T>, what: &str) -> Result<T> {
        tokio::time::timeout(CALL_TIMEOUT, call)
            .await
            .map_err(|_| self.timeout(what))
    }

    fn timeout(&self, what: &str) -> Error {
        Error::Timeout {
            endpoint: self.endpoint.clone(),
            reason: format!("{what} did not finish within {}s", CALL_TIMEOUT.as_secs()),
        }
    }

    /// The library's error for S3's answer to `op` on `s3://bucket/key`.
    fn map_error<E>(
        &self,
        err: SdkError<E, s3::config::http::HttpResponse>,
        op: &str,
        bucket: &str,
        key: &str,
    ) -> Error
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let at = format!("s3://{bucket}/{key}");
        match err {
            SdkError::ServiceError(service) => {
                let e = service.err();
                let message = e.message().unwrap_or("");
                let status = service.raw().status().as_u16();
                match e.code() {
                    Some("NoSuchBucket") | Some("NotFound") if key.is_empty() => Error::config(
                        "S3 bucket",
                        format!("the bucket {bucket:?} does not exist ({op}: {message})"),
                    ),
                    Some("NoSuchBucket") => Error::config(
                        "S3 bucket",
                        format!("the bucket {bucket:?} does not exist ({op}: {message})"),
                    ),
                    Some(
                        "AccessDenied"
                        | "InvalidAccessKeyId"
                        | "SignatureDoesNotMatch"
                        | "ExpiredToken"
                        | "InvalidToken"
                        | "TokenRefreshRequired",
                    ) => Error::NotAuthorized {
                        message: format!("S3 refused {op} on {at}: {message}"),
                    },
                    Some("SlowDown") => Error::Throttled {
                        message: message.into(),
                    },
                    Some(code) => Error::Service {
                        code: code.into(),
                        message: format!("{op} on {at}: {message}"),
                        source: None,
                    },
                    // HEAD answers carry no body, so no code: the status says it.
                    None => match status {
                        404 => Error::config(
                            "S3 bucket",
                            format!("the bucket {bucket:?} does not exist ({op}: HTTP 404)"),
                        ),
                        401 | 403 => Error::NotAuthorized {
                            message: format!("S3 refused {op} on {at} (HTTP {status})"),
                        },
                        _ => Error::unexpected(format!(
                            "{} answered HTTP {status} to {op} on {at} with no S3 error code",
                            self.endpoint
                        )),
                    },
                }
            }
            SdkError::TimeoutError(_) => self.timeout(op),
            SdkError::DispatchFailure(failure) if failure.is_timeout() => Error::Timeout {
                endpoint: self.endpoint.clone(),
                reason: "connection timed out".into(),
            },
            // Only the errors inside the SDK's: the SDK's error holds the signed request.
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
                message: format!("{op} on {at}: {other}"),
                source: other.into_source().ok().map(Cause::from_boxed),
            },
        }
    }
}

/// Resolves the credentials once, so that missing ones are a clear error before any upload.
async fn check_credentials(sdk: &SdkConfig) -> Result<()> {
    let Some(provider) = sdk.credentials_provider() else {
        return Err(Error::config(
            "AWS credentials",
            format!("none are configured for S3: {HOW_TO_SET}"),
        ));
    };
    match provider.provide_credentials().await {
        Ok(_) => Ok(()),
        Err(CredentialsError::CredentialsNotLoaded(_)) => Err(Error::config(
            "AWS credentials",
            format!("none were found for S3: {HOW_TO_SET}"),
        )),
        Err(e @ CredentialsError::InvalidConfiguration(_)) => Err(Error::config(
            "AWS credentials",
            format!(
                "the AWS configuration cannot be used: {} ({HOW_TO_SET})",
                DisplayErrorContext(&e)
            ),
        )),
        Err(e) => Err(Error::Service {
            code: "CredentialsError".into(),
            message: format!(
                "the AWS credentials could not be loaded: {}",
                DisplayErrorContext(&e)
            ),
            source: None,
        }),
    }
}

/// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true` turns endpoint variables off, as in the SDK.
fn ignores_configured_endpoints() -> bool {
    std::env::var("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
        .is_ok_and(|v| v.eq_ignore_ascii_case("true"))
}
