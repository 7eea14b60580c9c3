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

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use aws_credential_types::provider::{ProvideCredentials, error::CredentialsError, future};
use aws_sdk_cognitoidentity as ci;
use ci::error::{ProvideErrorMetadata, SdkError};
use futures_util::FutureExt as _;

use crate::CognitoSessions;
use crate::clock::{self, SharedClock};
use crate::cognito::session::Session;
use crate::config::Config;
use crate::credentials::flight::SingleFlight;
use crate::credentials::store::{Persist, SessionStore};
use crate::error::{Cause, Error, ErrorClass, Result};

pub use crate::transport::aws_sdk::{
    ATTEMPT_TIMEOUT, CONNECT_TIMEOUT, MAX_ATTEMPTS, OPERATION_TIMEOUT,
};
/// The most [`IdentityCredentials`] renews ahead of expiry; shorter-lived credentials are
/// renewed when a third of their lifetime is left.
pub const DEFAULT_MAX_MARGIN: Duration = Duration::from_secs(5 * 60);

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
            crate::transport::aws_sdk::unsigned_sdk_config(&region, config.endpoint_url.as_deref())
                .await;
        let endpoint = config
            .endpoint_url
            .clone()
            .unwrap_or_else(|| format!("https://cognito-identity.{region}.amazonaws.com"));
        let mut ci_config = ci::config::Builder::from(&sdk);
        // Exactly the configured endpoint, as for the user pool (see `CognitoClient::new`):
        // the ID token goes nowhere else.
        ci_config.set_endpoint_url(config.endpoint_url.clone());
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
            self.config.region, self.config.user_pool_id
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
            .identity_pool_id(&self.config.identity_pool_id)
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
                &self.config.identity_pool_id,
            ),
            None => {
                // No exception name: not the identity pool speaking (a proxy's page,
                // or an emulator that crashes on an unknown pool id).
                let doubt = match operation {
                    Operation::GetId => Some(Cause::new(PoolInDoubt {
                        identity_pool_id: self.config.identity_pool_id.clone(),
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

/// Keeps AWS secrets out of the AWS SDK's own trace output.
///
/// At TRACE level the SDK prints every deserialized response in full (its
/// `GetCredentialsForIdentity` output type does not redact the session token), every request
/// with its headers (`x-amz-security-token` among them), and SigV4's canonical request (the
/// same header). While a wrapped future runs, those events are dropped; every other event
/// goes to the subscriber that was current.
pub(crate) trait WithoutSecretTraces: std::future::Future + Sized {
    fn without_secret_traces(self) -> tracing::instrument::WithDispatch<Self> {
        use tracing::instrument::WithSubscriber as _;
        let inner = tracing::dispatcher::get_default(tracing::Dispatch::clone);
        let max_level = tracing::level_filters::LevelFilter::current();
        self.with_subscriber(SecretFilter { inner, max_level })
    }
}

impl<F: std::future::Future> WithoutSecretTraces for F {}

struct SecretFilter {
    inner: tracing::Dispatch,
    /// The global maximum when the filter was made: reporting it keeps the filter from
    /// raising the level every other callsite is checked at.
    max_level: tracing::level_filters::LevelFilter,
}

impl SecretFilter {
    fn drops(meta: &tracing::Metadata<'_>) -> bool {
        let target = meta.target();
        let fields = meta.fields();
        let has = |name: &str| fields.field(name).is_some();
        (target.starts_with("aws_smithy_runtime") && (has("output_or_error") || has("request")))
            || (target.starts_with("aws_sigv4") && (has("canonical_request") || has("request")))
    }
}

impl tracing::Subscriber for SecretFilter {
    fn register_callsite(
        &self,
        meta: &'static tracing::Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        if Self::drops(meta) {
            tracing::subscriber::Interest::never()
        } else {
            self.inner.register_callsite(meta)
        }
    }

    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(self.max_level)
    }

    fn enabled(&self, meta: &tracing::Metadata<'_>) -> bool {
        !Self::drops(meta) && self.inner.enabled(meta)
    }

    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        self.inner.new_span(span)
    }

    fn record(&self, span: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        self.inner.record(span, values);
    }

    fn record_follows_from(&self, span: &tracing::span::Id, follows: &tracing::span::Id) {
        self.inner.record_follows_from(span, follows);
    }

    fn event(&self, event: &tracing::Event<'_>) {
        if !Self::drops(event.metadata()) {
            self.inner.event(event);
        }
    }

    fn enter(&self, span: &tracing::span::Id) {
        self.inner.enter(span);
    }

    fn exit(&self, span: &tracing::span::Id) {
        self.inner.exit(span);
    }

    fn clone_span(&self, id: &tracing::span::Id) -> tracing::span::Id {
        self.inner.clone_span(id)
    }

    fn try_close(&self, id: tracing::span::Id) -> bool {
        self.inner.try_close(id)
    }

    fn current_span(&self) -> tracing_core::span::Current {
        self.inner.current_span()
    }
}

/// The region of the identity pool: the prefix of its id (validated by [`Config::validate`]).
fn identity_pool_region(config: &Config) -> &str {
    config
        .identity_pool_id
        .split_once(':')
        .map_or(config.region.as_str(), |(region, _)| region)
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
        _ => Error::Service {
            code: code.into(),
            message: message.into(),
            source: None,
        },
    }
}

/// How long before expiry credentials of this lifetime are renewed: a third of the lifetime,
/// at most `max`. Hour-long credentials are renewed 5 minutes early; moto's 90-second ones
/// after 60 seconds (a fixed 5 minutes would renew those on every call).
pub fn refresh_margin(lifetime: Duration, max: Duration) -> Duration {
    max.min(lifetime / 3)
}

/// Which identity a user is in a pool, remembered so that `GetId` is asked once.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct KnownIdentity {
    identity_pool_id: String,
    /// The token issuer: the user pool.
    issuer: String,
    sub: String,
    identity_id: String,
}

impl KnownIdentity {
    fn matches(&self, config: &Config, session: &Session) -> bool {
        self.identity_pool_id == config.identity_pool_id
            && self.issuer == session.claims().iss
            && self.sub == session.claims().sub
    }
}

impl Persist for KnownIdentity {
    const PROVIDER: &'static str = "cognito-identity";

    fn to_record(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }

    fn from_record(record: serde_json::Value) -> Result<Self> {
        serde_json::from_value(record).map_err(|e| {
            let cause = Cause::json_without_values(e);
            Error::undecodable_token("not an identity record", cause)
        })
    }
}

/// Credentials and the moment to renew them.
#[derive(Debug, Clone)]
struct Fresh {
    credentials: AwsCredentials,
    renew_at: SystemTime,
}

struct Inner {
    sessions: CognitoSessions,
    client: tokio::sync::OnceCell<IdentityClient>,
    clock: SharedClock,
    max_margin: Duration,
    identity_cache: Option<SessionStore>,
    credentials: SingleFlight<Fresh>,
    identity: Mutex<Option<KnownIdentity>>,
}

/// AWS credentials for the signed-in user of a [`CognitoSessions`] manager, renewed before
/// they expire: the ID token comes from the manager (which refreshes it when needed), the
/// credentials are renewed when a third of their lifetime (at most 5 minutes) is left, and
/// concurrent callers share one renewal. Cheap to clone; clones share state.
///
/// Implements [`ProvideCredentials`], so any AWS SDK client can use it:
/// `.credentials_provider(IdentityCredentials::new(sessions))`.
#[derive(Clone)]
pub struct IdentityCredentials {
    inner: Arc<Inner>,
}

impl fmt::Debug for IdentityCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdentityCredentials")
            .field("profile", &self.inner.sessions.profile())
            .field("max_margin", &self.inner.max_margin)
            .finish_non_exhaustive()
    }
}

/// Configures an [`IdentityCredentials`].
#[derive(Debug)]
pub struct IdentityCredentialsBuilder {
    sessions: CognitoSessions,
    client: Option<IdentityClient>,
    clock: Option<SharedClock>,
    max_margin: Duration,
    identity_cache: Option<SessionStore>,
}

impl IdentityCredentialsBuilder {
    /// The clock that decides when credentials are due for renewal (tests inject one).
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Renew at most this long before expiry (default [`DEFAULT_MAX_MARGIN`]); credentials
    /// living less than three times this are renewed with a third of their lifetime left.
    pub fn max_margin(mut self, margin: Duration) -> Self {
        self.max_margin = margin;
        self
    }

    /// The identity-pool client to use (default: built on first use from the manager's
    /// configuration).
    pub fn client(mut self, client: IdentityClient) -> Self {
        self.client = Some(client);
        self
    }

    /// Remember the user's identity id in this store, next to the profile's session, so a new
    /// process skips `GetId`. The record holds no secret.
    pub fn identity_cache(mut self, store: SessionStore) -> Self {
        self.identity_cache = Some(store);
        self
    }

    /// The provider.
    pub fn build(self) -> IdentityCredentials {
        IdentityCredentials {
            inner: Arc::new(Inner {
                sessions: self.sessions,
                client: match self.client {
                    Some(client) => tokio::sync::OnceCell::new_with(Some(client)),
                    None => tokio::sync::OnceCell::new(),
                },
                clock: self.clock.unwrap_or_else(clock::system),
                max_margin: self.max_margin,
                identity_cache: self.identity_cache,
                credentials: SingleFlight::new(),
                identity: Mutex::new(None),
            }),
        }
    }
}

impl IdentityCredentials {
    /// A provider with the defaults: system clock, 5-minute maximum margin, identity id
    /// remembered in memory only.
    pub fn new(sessions: CognitoSessions) -> Self {
        Self::builder(sessions).build()
    }

    /// A builder, to inject a clock, a client or an identity cache.
    pub fn builder(sessions: CognitoSessions) -> IdentityCredentialsBuilder {
        IdentityCredentialsBuilder {
            sessions,
            client: None,
            clock: None,
            max_margin: DEFAULT_MAX_MARGIN,
            identity_cache: None,
        }
    }

    /// Credentials valid for at least the renewal margin, renewed first when needed.
    /// Concurrent callers share one renewal. When a renewal fails for a service reason while
    /// the current credentials are still valid, those are handed out (with a warning).
    ///
    /// # Errors
    /// [`Error::NotSignedIn`] / [`Error::SignInAgain`] from the session manager; the errors of
    /// [`IdentityClient::identity_id`] and [`IdentityClient::credentials_for`].
    pub async fn credentials(&self) -> Result<AwsCredentials> {
        let inner = Arc::clone(&self.inner);
        let now = self.inner.clock.now();
        let fresh = self
            .inner
            .credentials
            .get(
                |f| now < f.renew_at,
                |f| f.credentials.expires_at > now,
                move |_| Ok(renew(inner).boxed()),
            )
            .await?;
        Ok(fresh.credentials)
    }
}

impl Inner {
    async fn client(&self) -> &IdentityClient {
        self.client
            .get_or_init(|| async {
                let config = self.sessions.renewer().client().await.config().clone();
                IdentityClient::with_clock(config, self.clock.clone()).await
            })
            .await
    }

    fn known(&self) -> std::sync::MutexGuard<'_, Option<KnownIdentity>> {
        // Plain data behind the lock: keep serving after a panic elsewhere.
        self.identity
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn cache_key(&self) -> String {
        format!("{}.identity", self.sessions.profile())
    }

    /// The identity id remembered for this user and pool, in memory or in the cache.
    fn known_identity(&self, config: &Config, session: &Session) -> Option<String> {
        if let Some(known) = &*self.known()
            && known.matches(config, session)
        {
            return Some(known.identity_id.clone());
        }
        let store = self.identity_cache.as_ref()?;
        match store.load::<KnownIdentity>(&self.cache_key()) {
            Ok(Some(known)) if known.matches(config, session) => {
                let id = known.identity_id.clone();
                *self.known() = Some(known);
                Some(id)
            }
            Ok(_) => None,
            Err(e) => {
                // Only a shortcut: without it, GetId answers.
                tracing::debug!(error = %crate::error::chain(&e), "ignoring the identity cache");
                None
            }
        }
    }

    fn remember_identity(&self, config: &Config, session: &Session, identity_id: &str) {
        let known = KnownIdentity {
            identity_pool_id: config.identity_pool_id.clone(),
            issuer: session.claims().iss.clone(),
            sub: session.claims().sub.clone(),
            identity_id: identity_id.to_owned(),
        };
        if let Some(store) = &self.identity_cache
            && let Err(e) = store.save(&self.cache_key(), &known)
        {
            tracing::debug!(error = %crate::error::chain(&e), "cannot remember the identity id");
        }
        *self.known() = Some(known);
    }

    fn forget_identity(&self) {
        *self.known() = None;
    }
}

/// One renewal: a valid ID token from the manager, the identity id (remembered, else
/// `GetId`), then `GetCredentialsForIdentity`.
async fn renew(inner: Arc<Inner>) -> Result<Fresh> {
    let session = inner.sessions.current().await?;
    let client = inner.client().await;
    let config = client.config();
    let credentials = match inner.known_identity(config, &session) {
        Some(identity_id) => match client.credentials_for(&identity_id, &session).await {
            // A remembered id the pool no longer accepts (deleted identity, pool re-created):
            // ask GetId once more rather than fail.
            Err(e)
                if e.class() == ErrorClass::Authentication
                    && !matches!(e, Error::TokenExpired { .. }) =>
            {
                tracing::debug!(error = %crate::error::chain(&e), "the remembered identity id was refused; asking GetId");
                inner.forget_identity();
                let identity_id = client.identity_id(&session).await?;
                inner.remember_identity(config, &session, &identity_id);
                client.credentials_for(&identity_id, &session).await?
            }
            other => other?,
        },
        None => {
            let identity_id = client.identity_id(&session).await?;
            inner.remember_identity(config, &session, &identity_id);
            client.credentials_for(&identity_id, &session).await?
        }
    };
    let now = inner.clock.now();
    let lifetime = credentials
        .expires_at
        .duration_since(now)
        .unwrap_or(Duration::ZERO);
    let margin = refresh_margin(lifetime, inner.max_margin);
    let renew_at = credentials
        .expires_at
        .checked_sub(margin)
        .unwrap_or(credentials.expires_at);
    Ok(Fresh {
        credentials,
        renew_at,
    })
}

impl ProvideCredentials for IdentityCredentials {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(async move {
            self.credentials()
                .await
                .map(|c| c.to_sdk_credentials())
                .map_err(CredentialsError::provider_error)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_margin_is_a_third_of_short_lifetimes_and_five_minutes_of_long_ones() {
        let max = DEFAULT_MAX_MARGIN;
        assert_eq!(
            refresh_margin(Duration::from_secs(90), max),
            Duration::from_secs(30)
        );
        assert_eq!(
            refresh_margin(Duration::from_secs(3600), max),
            Duration::from_secs(300)
        );
        assert_eq!(refresh_margin(Duration::ZERO, max), Duration::ZERO);
    }

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
