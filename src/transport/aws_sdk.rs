//! What every AWS SDK client of this crate shares: an SDK configuration without credentials
//! (the Cognito calls are unauthenticated), the same time limits and retries, and the mapping
//! of transport failures onto [`Error`]. Service errors stay with each client, which knows its
//! exceptions.

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_cognitoidentityprovider::error::SdkError;

use crate::error::{Cause, Error};

/// Connect timeout for every AWS call.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Time limit of one attempt.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// Time limit of a whole call, retries included.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(25);
/// Attempts per call (the SDK's standard retry mode: throttling, 5xx and connect errors).
pub const MAX_ATTEMPTS: u32 = 3;

/// An SDK configuration for `region` without credentials, with the time limits and retries
/// above and the endpoint override if one is set.
pub(crate) async fn unsigned_sdk_config(
    region: &str,
    endpoint_url: Option<&str>,
) -> aws_config::SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .no_credentials()
        .region(aws_config::Region::new(region.to_owned()))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                .operation_timeout(OPERATION_TIMEOUT)
                .build(),
        )
        .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS));
    if let Some(url) = endpoint_url {
        loader = loader.endpoint_url(url);
    }
    loader.load().await
}

/// The service's own error and the HTTP status, or the transport failure as an [`Error`]
/// (`what` names the expected answer, e.g. "a Cognito response").
pub(crate) fn service_error<E>(
    err: SdkError<E>,
    endpoint: &str,
    what: &str,
) -> Result<(E, u16), Error>
where
    E: std::error::Error + Send + Sync + 'static,
{
    match err {
        SdkError::ServiceError(service) => {
            let status = service.raw().status().as_u16();
            Ok((service.into_err(), status))
        }
        SdkError::TimeoutError(_) => Err(Error::Timeout {
            endpoint: endpoint.to_owned(),
            reason: format!(
                "no answer within {}s (connect timeout {}s)",
                OPERATION_TIMEOUT.as_secs(),
                CONNECT_TIMEOUT.as_secs()
            ),
        }),
        SdkError::DispatchFailure(failure) if failure.is_timeout() => Err(Error::Timeout {
            endpoint: endpoint.to_owned(),
            reason: "connection timed out".into(),
        }),
        SdkError::DispatchFailure(failure) => {
            // The connector's error names no request; the SDK's error around it would hold
            // the request itself.
            let reason = match failure.as_connector_error() {
                Some(_) => "cannot connect",
                None => "the request could not be sent",
            };
            let cause = SdkError::<E>::DispatchFailure(failure).into_source().ok();
            Err(Error::unreachable(
                endpoint,
                reason,
                cause.map(Cause::from_boxed),
            ))
        }
        SdkError::ResponseError(response) => {
            // Only the parse error: the raw answer it came with may hold tokens.
            let cause = SdkError::<E>::ResponseError(response).into_source().ok();
            Err(Error::UnexpectedResponse {
                message: format!("{endpoint} answered something that is not {what}"),
                source: cause.map(Cause::from_boxed),
            })
        }
        other => {
            let message = other.to_string();
            Err(Error::Service {
                code: "RequestFailed".into(),
                message,
                source: other.into_source().ok().map(Cause::from_boxed),
            })
        }
    }
}
