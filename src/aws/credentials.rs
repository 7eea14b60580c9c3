//! [`IdentityCredentials`]: the long-lived AWS credentials provider of a signed-in user, which
//! renews the identity pool's temporary credentials (and the ID token behind them) before they
//! expire, remembers the user's identity id, and plugs into any AWS SDK client as a
//! [`ProvideCredentials`].

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use aws_credential_types::provider::{ProvideCredentials, error::CredentialsError, future};
use futures_util::FutureExt as _;

use crate::CognitoSessions;
use crate::aws::identity::{AwsCredentials, IdentityClient};
use crate::aws::margin::{DEFAULT_MAX_MARGIN, refresh_margin};
use crate::clock::{self, SharedClock};
use crate::cognito::session::Session;
use crate::config::Config;
use crate::credentials::flight::SingleFlight;
use crate::credentials::store::{Persist, SessionStore};
use crate::error::{Cause, Error, ErrorClass, Result};

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
        self.identity_pool_id == config.identity_pool_id()
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
                |f| f.credentials.expires_at() > now,
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
            identity_pool_id: config.identity_pool_id().to_owned(),
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
        .expires_at()
        .duration_since(now)
        .unwrap_or(Duration::ZERO);
    let margin = refresh_margin(lifetime, inner.max_margin);
    let renew_at = credentials
        .expires_at()
        .checked_sub(margin)
        .unwrap_or(credentials.expires_at());
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
