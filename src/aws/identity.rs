//! Temporary AWS credentials from the Cognito identity pool, for S3 uploads and any other AWS
//! SDK client.
//!
//! Two calls turn a signed-in user's ID token into AWS credentials: `GetId` (which identity in
//! the pool this user is) and `GetCredentialsForIdentity` (an access key, secret key and
//! session token valid for about an hour). Both carry the `Logins` map
//! `{"cognito-idp.<region>.amazonaws.com/<userPoolId>": <ID token>}`. [`IdentityClient`] makes
//! the two calls; [`IdentityCredentials`] is the long-lived provider that renews them (and the
//! ID token behind them) before they expire, and implements aws-credential-types'
//! [`ProvideCredentials`] so an SDK client takes it in one line.

use std::time::SystemTime;

#[cfg(doc)]
use aws_credential_types::provider::ProvideCredentials;
use aws_sdk_cognitoidentity as ci;
use ci::error::{ProvideErrorMetadata, SdkError};

use crate::aws::trace::WithoutSecretTraces as _;
use crate::clock::{self, SharedClock};
use crate::cognito::session::Session;
use crate::config::Config;
use crate::error::{Cause, Error, Result};

pub use crate::aws::credentials::{IdentityCredentials, IdentityCredentialsBuilder};
pub use crate::aws::margin::{DEFAULT_MAX_MARGIN, refresh_margin};
pub use crate::transport::aws_sdk::{
    ATTEMPT_TIMEOUT, CONNECT_TIMEOUT, MAX_ATTEMPTS, OPERATION_TIMEOUT,
};

/// The provider name the AWS SDK sees (in its own debug output).
const PROVIDER_NAME: &str = "UnleashLiveIdentityPool";

crate::secret::secret_string!(
    /// The secret half of an AWS access key.
    SecretAccessKey
);
crate::secret::secret_string!(
    /// The session token that goes with temporary AWS credentials.
    SessionToken
);

/// Temporary AWS credentials of one identity-pool identity.
#[derive(Debug, Clone)]
pub struct AwsCredentials {
    identity_id: String,
    access_key_id: String,
    secret_access_key: SecretAccessKey,
    session_token: SessionToken,
    expires_at: SystemTime,
}

impl AwsCredentials {
    /// The identity these credentials belong to, `<region>:<uuid>` (the first part of every
    /// Media Drive upload key).
    pub fn identity_id(&self) -> &str {
        &self.identity_id
    }

    /// The access key id (not a secret: AWS shows it in logs and error messages).
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The secret access key.
    pub fn secret_access_key(&self) -> &SecretAccessKey {
        &self.secret_access_key
    }

    /// The session token.
    pub fn session_token(&self) -> &SessionToken {
        &self.session_token
    }

    /// When AWS stops accepting them.
    pub fn expires_at(&self) -> SystemTime {
        self.expires_at
    }

    /// The same credentials as the AWS SDK's type.
    pub fn to_sdk_credentials(&self) -> aws_credential_types::Credentials {
        aws_credential_types::Credentials::new(
            self.access_key_id.clone(),
            self.secret_access_key.secret(),
            Some(self.session_token.secret().to_owned()),
            Some(self.expires_at),
            PROVIDER_NAME,
        )
    }
}

/// The identity-pool client: `GetId` and `GetCredentialsForIdentity`. Cheap to clone.
#[derive(Debug, Clone)]
pub struct IdentityClient {
    config: Config,
    client: ci::Client,
    clock: SharedClock,
    endpoint: String,
}

impl IdentityClient {
    /// Builds the SDK client like [`crate::CognitoClient`] does: **no AWS credentials** (both
    /// calls are unauthenticated; the ID token is the proof), the region of the identity pool
    /// (the prefix of its id), the endpoint override if any, timeouts and bounded retries.
    pub async fn new(config: Config) -> Self {
        Self::with_clock(config, clock::system()).await
    }

    /// As [`IdentityClient::new`], with an injected clock (the expiry check of ID tokens).
    pub async fn with_clock(config: Config, clock: SharedClock) -> Self {
        let region = identity_pool_region(&config).to_owned();
        let sdk =
            crate::transport::aws_sdk::unsigned_sdk_config(&region, config.endpoint_url()).await;
        let endpoint = config
            .endpoint_url()
            .map(str::to_owned)
            .unwrap_or_else(|| format!("https://cognito-identity.{region}.amazonaws.com"));
        let mut ci_config = ci::config::Builder::from(&sdk);
        // Exactly the configured endpoint, as for the user pool (see `CognitoClient::new`):
        // the ID token goes nowhere else.
        ci_config.set_endpoint_url(config.endpoint_url().map(str::to_owned));
        IdentityClient {
            client: ci::Client::from_conf(ci_config.build()),
            config,
            clock,
            endpoint,
        }
    }

    /// The configuration (identity pool id, user pool id) this client works with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The key of the `Logins` map: `cognito-idp.<region>.amazonaws.com/<userPoolId>`.
    pub fn login_provider(&self) -> String {
        format!(
            "cognito-idp.{}.amazonaws.com/{}",
            self.config.region(),
            self.config.user_pool_id()
        )
    }

    /// The identity id of the signed-in user in the identity pool (`GetId`). Warns (tracing)
    /// when it differs from the ID token's `custom:identityId` claim; the answer of `GetId` is
    /// the one AWS credentials are issued for, so it is the one returned.
    ///
    /// # Errors
    /// [`Error::TokenExpired`] when the session's ID token has expired;
    /// [`Error::UnknownIdentityPool`] for an identity pool that does not exist;
    /// [`Error::NotAuthorized`] when the pool refuses the token (e.g. the user pool is not
    /// one of its providers); [`Error::Throttled`]; the network errors ([`Error::Timeout`],
    /// [`Error::Unreachable`], [`Error::UnexpectedResponse`]).
    pub async fn identity_id(&self, session: &Session) -> Result<String> {
        self.check_not_expired(session)?;
        let out = self
            .client
            .get_id()
            .identity_pool_id(self.config.identity_pool_id())
            .logins(self.login_provider(), session.id_token().secret())
            .send()
            .without_secret_traces()
            .await
            .map_err(|e| self.map_error(e, Operation::GetId))?;
        let identity_id = out
            .identity_id
            .filter(|id| !id.is_empty())
            .ok_or_else(|| Error::unexpected("GetId returned no identity id"))?;
        if let Some(claimed) = &session.claims().identity_id
            && claimed != &identity_id
        {
            tracing::warn!(
                get_id = %identity_id,
                claim = %claimed,
                "the identity pool's GetId answered another identity id than the ID token's \
                 custom:identityId claim; using GetId's (the one AWS credentials are issued for)"
            );
        }
        tracing::debug!(identity_id = %identity_id, "identity pool: GetId");
        Ok(identity_id)
    }

    /// Temporary AWS credentials for `identity_id` (`GetCredentialsForIdentity`).
    ///
    /// # Errors
    /// As [`IdentityClient::identity_id`]; [`Error::NotAuthorized`] also when the identity id
    /// is unknown to the pool or not this user's.
    pub async fn credentials_for(
        &self,
        identity_id: &str,
        session: &Session,
    ) -> Result<AwsCredentials> {
        self.check_not_expired(session)?;
        let out = self
            .client
            .get_credentials_for_identity()
            .identity_id(identity_id)
            .logins(self.login_provider(), session.id_token().secret())
            .send()
            .without_secret_traces()
            .await
            .map_err(|e| self.map_error(e, Operation::GetCredentialsForIdentity))?;
        let missing =
            |what: &str| Error::unexpected(format!("GetCredentialsForIdentity returned no {what}"));
        let credentials = out.credentials.ok_or_else(|| missing("credentials"))?;
        let expiration = credentials
            .expiration
            .ok_or_else(|| missing("expiration"))?;
        let expires_at = SystemTime::try_from(expiration).map_err(|_| {
            Error::unexpected("GetCredentialsForIdentity returned an expiration out of range")
        })?;
        let credentials = AwsCredentials {
            identity_id: out.identity_id.unwrap_or_else(|| identity_id.to_owned()),
            access_key_id: credentials
                .access_key_id
                .ok_or_else(|| missing("access key id"))?,
            secret_access_key: SecretAccessKey::new(
                credentials
                    .secret_key
                    .ok_or_else(|| missing("secret key"))?,
            ),
            session_token: SessionToken::new(
                credentials
                    .session_token
                    .ok_or_else(|| missing("session token"))?,
            ),
            expires_at,
        };
        tracing::debug!(
            identity_id = %credentials.identity_id,
            expires_at = %clock::rfc3339(expires_at),
            "identity pool: new AWS credentials"
        );
        Ok(credentials)
    }

    /// `GetId`, then `GetCredentialsForIdentity`: AWS credentials for the session's user.
    ///
    /// # Errors
    /// As [`IdentityClient::identity_id`] and [`IdentityClient::credentials_for`].
    pub async fn credentials(&self, session: &Session) -> Result<AwsCredentials> {
        let identity_id = self.identity_id(session).await?;
        self.credentials_for(&identity_id, session).await
    }

    /// Refuses an expired ID token locally: the pool would refuse it anyway, after a round trip.
    fn check_not_expired(&self, session: &Session) -> Result<()> {
        if session.is_expired(self.clock.now()) {
            return Err(Error::TokenExpired {
                message: format!("it expired at {}", clock::rfc3339(session.expires_at())),
            });
        }
        Ok(())
    }

    fn map_error<E>(&self, err: SdkError<E>, operation: Operation) -> Error
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let e = match crate::transport::aws_sdk::service_error(
            err,
            &self.endpoint,
            "an identity-pool response",
        ) {
            Ok((e, _status)) => e,
            Err(transport) => return transport,
        };
        match e.code() {
            Some(code) => map_service_error(
                code,
                e.message().unwrap_or(""),
                operation,
                self.config.identity_pool_id(),
            ),
            None => {
                // No exception name: not the identity pool speaking (a proxy's page,
                // or an emulator that crashes on an unknown pool id).
                let doubt = match operation {
                    Operation::GetId => Some(Cause::new(PoolInDoubt {
                        identity_pool_id: self.config.identity_pool_id().to_owned(),
                    })),
                    Operation::GetCredentialsForIdentity => None,
                };
                Error::UnexpectedResponse {
                    message: format!(
                        "{} answered {} with an error that names no exception",
                        self.endpoint,
                        operation.name()
                    ),
                    source: doubt,
                }
            }
        }
    }
}

/// The source of the [`Error::UnexpectedResponse`] for a GetId failure that names no
/// exception: not the identity pool speaking, which most often means a pool id that does not
/// exist (some servers then fail without saying so).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("is the identity pool id {identity_pool_id:?} right?")]
#[non_exhaustive]
pub struct PoolInDoubt {
    /// The identity pool id that was asked for.
    pub identity_pool_id: String,
}

/// The region of the identity pool: the prefix of its id (validated by [`Config::validate`]).
fn identity_pool_region(config: &Config) -> &str {
    config
        .identity_pool_id()
        .split_once(':')
        .map_or(config.region(), |(region, _)| region)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    GetId,
    GetCredentialsForIdentity,
}

impl Operation {
    fn name(self) -> &'static str {
        match self {
            Operation::GetId => "GetId",
            Operation::GetCredentialsForIdentity => "GetCredentialsForIdentity",
        }
    }
}

/// Cognito Identity exception name + message → library error.
fn map_service_error(code: &str, message: &str, operation: Operation, pool: &str) -> Error {
    let lower = message.to_ascii_lowercase();
    match code {
        // "Invalid login token. Token expired: 1446742058 >= 1446727732"
        "NotAuthorizedException" if lower.contains("expired") => Error::TokenExpired {
            message: message.into(),
        },
        "NotAuthorizedException" => Error::NotAuthorized {
            message: format!("the identity pool refused the ID token: {message}"),
        },
        "ResourceNotFoundException" if operation == Operation::GetId => {
            Error::UnknownIdentityPool {
                identity_pool_id: pool.into(),
                message: message.into(),
            }
        }
        // GetCredentialsForIdentity: "Identity 'x' not found." A caller holding a cached
        // identity id asks GetId again.
        "ResourceNotFoundException" => Error::NotAuthorized {
            message: format!("the identity pool does not know this identity: {message}"),
        },
        "InvalidParameterException" if lower.contains("identitypoolid") => {
            Error::UnknownIdentityPool {
                identity_pool_id: pool.into(),
                message: message.into(),
            }
        }
        "TooManyRequestsException" | "LimitExceededException" => Error::Throttled {
            message: message.into(),
        },
        _ => Error::service(code, message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorClass;

    #[test]
    fn identity_pool_exceptions_map_to_variants_a_caller_can_match() {
        let pool = "ap-southeast-2:00000000-0000-0000-0000-000000000000";
        let m = |code, msg, op| map_service_error(code, msg, op, pool);
        let e = m(
            "ResourceNotFoundException",
            "IdentityPool 'x' not found.",
            Operation::GetId,
        );
        assert!(matches!(e, Error::UnknownIdentityPool { .. }), "{e:?}");
        assert!(e.to_string().contains(pool));
        assert!(!e.to_string().contains("UL_"), "names no CLI variable: {e}");
        assert_eq!(e.class(), ErrorClass::Authentication);
        let e = m(
            "NotAuthorizedException",
            "Invalid login token. Token expired: 1446742058 >= 1446727732",
            Operation::GetCredentialsForIdentity,
        );
        assert!(matches!(e, Error::TokenExpired { .. }), "{e:?}");
        assert_eq!(e.class(), ErrorClass::Authentication);
        let e = m(
            "NotAuthorizedException",
            "Invalid login token. Issuer doesn't match providerName",
            Operation::GetId,
        );
        assert!(matches!(e, Error::NotAuthorized { .. }), "{e:?}");
        for code in ["TooManyRequestsException", "LimitExceededException"] {
            let e = m(code, "Rate exceeded", Operation::GetId);
            assert!(matches!(e, Error::Throttled { .. }), "{e:?}");
            assert_eq!(e.class(), ErrorClass::Service);
        }
        let e = m(
            "ResourceNotFoundException",
            "Identity 'x' not found.",
            Operation::GetCredentialsForIdentity,
        );
        assert_eq!(e.class(), ErrorClass::Authentication, "{e:?}");
        let e = m(
            "InternalErrorException",
            "boom",
            Operation::GetCredentialsForIdentity,
        );
        assert!(matches!(e, Error::Service { .. }), "{e:?}");
    }

    #[test]
    fn debug_output_of_credentials_never_contains_the_secrets() {
        let c = AwsCredentials {
            identity_id: "ap-southeast-2:id".into(),
            access_key_id: "ASIAEXAMPLE".into(),
            secret_access_key: SecretAccessKey::new("very-secret-key"),
            session_token: SessionToken::new("very-secret-token"),
            expires_at: clock::from_unix_seconds(2_000_000_000),
        };
        let shown = format!("{c:?} {:?}", c.to_sdk_credentials());
        assert!(!shown.contains("very-secret"), "{shown}");
        assert!(shown.contains("ASIAEXAMPLE"));
        assert_eq!(c.secret_access_key().secret(), "very-secret-key");
    }
}
