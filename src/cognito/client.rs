//! The AWS SDK client for the user pool, and the mapping of its errors onto [`Error`].

use aws_sdk_cognitoidentityprovider as idp;
use aws_sdk_cognitoidentityprovider::error::{ProvideErrorMetadata, SdkError};

use crate::clock::SharedClock;
use crate::config::Config;
use crate::error::Error;

/// A user-pool client for one [`Config`]. Cheap to clone.
#[derive(Debug, Clone)]
pub struct CognitoClient {
    pub(crate) config: Config,
    pub(crate) idp: idp::Client,
    pub(crate) clock: SharedClock,
    pub(crate) endpoint: String,
    /// The device Cognito remembers for this user, sent as DEVICE_KEY.
    pub(crate) device: Option<super::device::Device>,
    /// Confirm a new device when Cognito offers one (NewDeviceMetadata).
    pub(crate) remember_new_devices: bool,
}

impl CognitoClient {
    /// Builds the SDK client: the config's region, its endpoint override if any, the timeouts
    /// above, and **no AWS credentials** (sign-in calls are unauthenticated, so a machine with
    /// no AWS profile works).
    pub async fn new(config: Config) -> Self {
        Self::with_clock(config, crate::clock::system()).await
    }

    /// As [`CognitoClient::new`], with an injected clock (SRP timestamps, tests).
    pub async fn with_clock(config: Config, clock: SharedClock) -> Self {
        let sdk =
            crate::transport::aws_sdk::unsigned_sdk_config(config.region(), config.endpoint_url())
                .await;
        let endpoint = config
            .endpoint_url()
            .map(str::to_owned)
            .unwrap_or_else(|| format!("https://cognito-idp.{}.amazonaws.com", config.region()));
        let mut idp_config = idp::config::Builder::from(&sdk);
        // Exactly the configured endpoint, else AWS's: left to itself the SDK also follows
        // AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER and an AWS profile's endpoint_url, and the
        // sign-in would go where no setting of ours (nor `ul-auth login`'s notice) shows.
        idp_config.set_endpoint_url(config.endpoint_url().map(str::to_owned));
        CognitoClient {
            idp: idp::Client::from_conf(idp_config.build()),
            config,
            clock,
            endpoint,
            device: None,
            remember_new_devices: true,
        }
    }

    /// The configuration this client signs in with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Maps an SDK failure to the library error. `flow` names the auth flow of the call, so
    /// "flow not enabled" can say which.
    pub(crate) fn map_error<E>(&self, err: SdkError<E>, flow: Option<&str>) -> Error
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        match crate::transport::aws_sdk::service_error(err, &self.endpoint, "a Cognito response") {
            Ok((e, status)) => match e.code() {
                Some(code) => map_service_error(code, e.message().unwrap_or(""), flow),
                // No exception name: not something Cognito says (a proxy's error page, an
                // emulator's crash, a body the SDK cannot read).
                None => Error::unexpected(format!(
                    "{} answered HTTP {status} with no Cognito error in the body",
                    self.endpoint
                )),
            },
            Err(transport) => transport,
        }
    }
}

/// Cognito exception name + message → library error.
pub(crate) fn map_service_error(code: &str, message: &str, flow: Option<&str>) -> Error {
    let lower = message.to_ascii_lowercase();
    match code {
        "NotAuthorizedException" => {
            if lower.contains("incorrect username or password") {
                Error::IncorrectCredentials
            } else if lower.contains("disabled") {
                Error::UserDisabled
            } else if lower.contains("attempts exceeded") {
                Error::Throttled {
                    message: message.into(),
                }
            } else if lower.contains("refresh token")
                || lower.contains("revoked")
                || lower.contains("session is expired")
                || lower.contains("invalid session")
            {
                Error::SignInAgain {
                    reason: message.into(),
                }
            } else if lower.contains("not enabled") || lower.contains("not allowed") {
                Error::FlowNotEnabled {
                    flow: flow.unwrap_or("requested").into(),
                    message: message.into(),
                }
            } else {
                Error::NotAuthorized {
                    message: message.into(),
                }
            }
        }
        "UserNotFoundException" => Error::UserNotFound,
        "UserNotConfirmedException" => Error::UserNotConfirmed,
        "PasswordResetRequiredException" => Error::PasswordResetRequired,
        "TooManyRequestsException"
        | "TooManyFailedAttemptsException"
        | "LimitExceededException" => Error::Throttled {
            message: message.into(),
        },
        "InvalidParameterException" if lower.contains("flow") && lower.contains("not enabled") => {
            Error::FlowNotEnabled {
                flow: flow.unwrap_or("requested").into(),
                message: message.into(),
            }
        }
        "CodeMismatchException" | "EnableSoftwareTokenMFAException" => Error::CodeMismatch,
        "ExpiredCodeException" => Error::CodeExpired,
        "InvalidPasswordException" => Error::InvalidPassword {
            message: message.into(),
        },
        _ if lower.contains("device")
            && (lower.contains("not exist") || lower.contains("not found")) =>
        {
            Error::DeviceNotFound
        }
        "ResourceNotFoundException" => Error::UnknownClient {
            message: message.into(),
        },
        _ => Error::service(code, message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cognito_exceptions_map_to_variants_a_caller_can_match() {
        let m = |c, msg| map_service_error(c, msg, Some("USER_PASSWORD_AUTH"));
        assert!(matches!(
            m("NotAuthorizedException", "Incorrect username or password."),
            Error::IncorrectCredentials
        ));
        assert!(matches!(
            m("NotAuthorizedException", "User is disabled."),
            Error::UserDisabled
        ));
        assert!(matches!(
            m("NotAuthorizedException", "Refresh Token has been revoked"),
            Error::SignInAgain { .. }
        ));
        assert!(matches!(
            m(
                "PasswordResetRequiredException",
                "Password reset required for the user"
            ),
            Error::PasswordResetRequired
        ));
        assert!(matches!(
            m("TooManyRequestsException", "Rate exceeded"),
            Error::Throttled { .. }
        ));
        let e = m(
            "InvalidParameterException",
            "USER_PASSWORD_AUTH flow not enabled for this client",
        );
        assert!(matches!(e, Error::FlowNotEnabled { .. }));
        assert!(e.to_string().contains("USER_PASSWORD_AUTH"));
        assert!(matches!(
            m(
                "ResourceNotFoundException",
                "User pool client x does not exist."
            ),
            Error::UnknownClient { .. }
        ));
    }
}
