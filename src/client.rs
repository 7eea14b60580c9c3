//! The one entry point: [`UnleashLive`], built from a profile the way `ul-auth` resolves it, or
//! from explicit parts with [`UnleashLive::builder`]. It hands out every API client over one
//! HTTP client and one self-refreshing credential.

use std::sync::Arc;

use crate::CognitoSessions;
use crate::api::analytics::Analytics;
use crate::api::auth::Auth;
use crate::api::flights::Flights;
use crate::api::http::HttpClient;
use crate::api::media_drive::MediaDrive;
use crate::api::tasks::{Jobs, Tasks};
use crate::aws::identity::IdentityCredentials;
use crate::clock::SharedClock;
use crate::cognito::{AuthFlow, CognitoClient, CognitoRenewer, Session, SignIn};
use crate::config::ProviderKind;
use crate::config::{self, Config, Profile, Settings};
use crate::credentials::pat;
use crate::credentials::store::SessionStore;
use crate::error::{Error, Result};
use crate::secret::{ApiKey, Password, PersonalAccessToken};

/// The environment variable a personal access token is read from (as the official samples).
pub const PAT_ENV: &str = pat::ENV_VAR;

/// Which credential the API calls of a client use.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub enum CredentialChoice {
    /// The first found: a personal access token in [`PAT_ENV`], the PAT stored for the
    /// profile, the profile's Cognito session (the default).
    #[default]
    Auto,
    /// The profile's Cognito session, even when a PAT is at hand.
    Session,
    /// This personal access token (`Authorization: Bearer ul_pat_…` on every API).
    Pat(PersonalAccessToken),
    /// This legacy API key (`x-api-key` on every API).
    ApiKey(ApiKey),
}

/// Where the credential of a client came from, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CredentialSource {
    /// The profile's Cognito session.
    Session,
    /// A personal access token from the environment ([`PAT_ENV`]).
    PatFromEnv,
    /// The personal access token stored for the profile.
    StoredPat,
    /// A token or key given to the builder.
    Given,
}

/// Unleash Live for one profile: its settings, its cached self-refreshing session, the
/// credential its API calls use, and one HTTP client. Cheap to clone; clones share all of it.
///
/// ```no_run
/// # async fn run() -> Result<(), unleashlive_auth::Error> {
/// let ul = unleashlive_auth::UnleashLive::from_profile("default").await?;
/// let team = unleashlive_auth::api::flights::Scope::Team;
/// let listing = ul.flights().listing(team, 1_700_000_000_000, 1_700_086_400_000).await?;
/// println!("{} flight logs", listing.logs.len());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct UnleashLive {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: Config,
    profile: String,
    store: SessionStore,
    http: HttpClient,
    sessions: CognitoSessions,
    auth: Auth,
    source: CredentialSource,
    /// The PAT at hand (given, from the environment or stored), for the analytics API, which
    /// takes no Cognito session.
    pat: Option<PersonalAccessToken>,
    clock: Option<SharedClock>,
    aws: std::sync::OnceLock<IdentityCredentials>,
}

impl UnleashLive {
    /// The client for `profile` as `ul-auth --profile <profile>` sees it: settings from the
    /// environment over the profile's table in the config file over the production defaults,
    /// the same session cache, and the credential chosen by [`CredentialChoice::Auto`].
    ///
    /// # Errors
    /// [`crate::Error::Config`] for an invalid profile name, config file or setting;
    /// [`crate::Error::Cache`] for an unusable cache directory or stored PAT.
    pub async fn from_profile(profile: &str) -> Result<UnleashLive> {
        Self::builder().profile(profile).build().await
    }

    /// A builder, for everything explicit: settings, store, HTTP client, clock, credential.
    pub fn builder() -> UnleashLiveBuilder {
        UnleashLiveBuilder::default()
    }

    /// The settings in use.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The profile whose session this client uses.
    pub fn profile(&self) -> &str {
        &self.inner.profile
    }

    /// The store the session lives in.
    pub fn store(&self) -> &SessionStore {
        &self.inner.store
    }

    /// The shared HTTP client.
    pub fn http(&self) -> &HttpClient {
        &self.inner.http
    }

    /// The profile's Cognito sessions, refreshed before they expire.
    pub fn sessions(&self) -> &CognitoSessions {
        &self.inner.sessions
    }

    /// The credential the API clients use.
    pub fn auth(&self) -> &Auth {
        &self.inner.auth
    }

    /// Where that credential came from.
    pub fn credential_source(&self) -> CredentialSource {
        self.inner.source
    }

    /// Whether the profile has a cached Cognito session (it may need a refresh to be used).
    ///
    /// # Errors
    /// [`crate::Error::Cache`] for an unusable cache file.
    pub fn is_signed_in(&self) -> Result<bool> {
        Ok(self.inner.sessions.cached()?.is_some())
    }

    /// A Cognito client for this configuration (sign-in, challenges, devices, password).
    pub async fn cognito(&self) -> CognitoClient {
        CognitoClient::new(self.inner.config.clone()).await
    }

    /// Signs in with SRP (the password never leaves the machine) and, when Cognito asks for
    /// nothing more, stores the session for the profile. A challenge (MFA, a new password) is
    /// returned for the caller to answer with [`UnleashLive::cognito`]; store the session it
    /// ends with through [`UnleashLive::signed_in`].
    ///
    /// # Errors
    /// The errors of [`CognitoClient::sign_in`] and of storing the session.
    pub async fn sign_in(&self, username: &str, password: &Password) -> Result<SignIn> {
        let outcome = self
            .cognito()
            .await
            .sign_in(AuthFlow::Srp, username, password)
            .await?;
        if let SignIn::Done(session) = &outcome {
            // Storing takes the profile's lock, which blocks: not on the runtime's thread.
            let (client, session) = (self.clone(), session.clone());
            tokio::task::spawn_blocking(move || client.signed_in(session))
                .await
                .map_err(|e| {
                    Error::cache_because(self.store().dir(), "storing the session failed", e)
                })??;
        }
        Ok(outcome)
    }

    /// Stores `session` as the profile's session (after a challenge was answered). It takes
    /// the profile's lock and blocks until it has it: in async code call it through
    /// `tokio::task::spawn_blocking`.
    ///
    /// # Errors
    /// [`crate::Error::Config`] when the profile's entry holds another provider's credential
    /// (it is left as it is); [`crate::Error::Cache`] when the store cannot be written.
    pub fn signed_in(&self, session: Session) -> Result<()> {
        let locked = self.inner.sessions.lock()?;
        match self.inner.store.stored_provider(&self.inner.profile)? {
            Some(stored) if stored != ProviderKind::UnleashLive.name() => Err(Error::config(
                "provider",
                format!(
                    "profile {} holds a credential of the {stored} provider; it is not replaced \
                     by an Unleash Live session (use another profile, or remove that one first)",
                    self.inner.profile
                ),
            )),
            _ => locked.replace(session),
        }
    }

    /// The Media Drive client (GraphQL).
    pub fn media_drive(&self) -> MediaDrive {
        MediaDrive::new(self.http().clone(), self.auth().clone(), self.config())
    }

    /// The flights client (REST).
    pub fn flights(&self) -> Flights {
        Flights::new(self.http().clone(), self.auth().clone(), self.config())
    }

    /// The jobs client (REST).
    pub fn jobs(&self) -> Jobs {
        Jobs::new(self.http().clone(), self.auth().clone(), self.config())
    }

    /// The tasks and mission-upload client (REST).
    pub fn tasks(&self) -> Tasks {
        Tasks::new(self.http().clone(), self.auth().clone(), self.config())
    }

    /// The analytics client. The analytics API takes a personal access token or an API key,
    /// never a Cognito session: this uses the client's PAT or key when it has one (given,
    /// from the environment with [`CredentialChoice::Auto`], or stored for the profile), else
    /// the client's credential, which the API will refuse with an error saying so.
    pub fn analytics(&self) -> Analytics {
        let auth = match (&self.inner.auth, &self.inner.pat) {
            (Auth::Pat(_) | Auth::ApiKey(_), _) | (_, None) => self.auth().clone(),
            (_, Some(token)) => Auth::Pat(token.clone()),
        };
        Analytics::new(self.http().clone(), auth, self.config())
    }

    /// Identity-pool AWS credentials of the signed-in user, for any AWS SDK client
    /// (`ProvideCredentials`), renewed before they expire. One provider per client: every call
    /// shares its cache.
    pub fn aws_credentials(&self) -> IdentityCredentials {
        self.inner
            .aws
            .get_or_init(|| {
                let builder = IdentityCredentials::builder(self.inner.sessions.clone())
                    .identity_cache(self.inner.store.clone());
                match &self.inner.clock {
                    Some(clock) => builder.clock(clock.clone()),
                    None => builder,
                }
                .build()
            })
            .clone()
    }

    /// The Media Drive uploader (S3 with the identity-pool credentials).
    #[cfg(feature = "upload")]
    pub async fn uploader(&self) -> crate::aws::upload::Uploader {
        crate::aws::upload::Uploader::new(self.config(), self.aws_credentials()).await
    }
}

/// Builds an [`UnleashLive`] from explicit parts; what is not given is resolved as
/// [`UnleashLive::from_profile`] does.
#[derive(Debug, Default)]
#[must_use]
pub struct UnleashLiveBuilder {
    profile: Option<String>,
    config: Option<Config>,
    overrides: Option<Settings>,
    resolved: Option<Profile>,
    store: Option<SessionStore>,
    http: Option<HttpClient>,
    clock: Option<SharedClock>,
    credential: CredentialChoice,
}

impl UnleashLiveBuilder {
    /// The profile (default `default`): its session in the store and, unless
    /// [`UnleashLiveBuilder::config`] is given, its table in the config file.
    pub fn profile(mut self, profile: impl Into<String>) -> Self {
        self.profile = Some(profile.into());
        self
    }

    /// These settings, instead of the environment and the config file. Without
    /// [`UnleashLiveBuilder::store`] the profile is still read for its cache directory.
    pub fn config(mut self, config: Config) -> Self {
        self.config = Some(config);
        self
    }

    /// Settings that win over the environment and the config file (what `ul-auth`'s flags
    /// do). Ignored with [`UnleashLiveBuilder::config`] and [`UnleashLiveBuilder::resolved`]
    /// (whose profile was resolved with its own overrides).
    pub fn overrides(mut self, settings: Settings) -> Self {
        self.overrides = Some(settings);
        self
    }

    /// This profile, already resolved (e.g. with a program's own flags as overrides): its
    /// name, settings and cache directory, so nothing resolves it a second time.
    pub fn resolved(mut self, profile: Profile) -> Self {
        self.profile = Some(profile.name().to_owned());
        self.resolved = Some(profile);
        self
    }

    /// This store, instead of the cache directory the settings name (e.g.
    /// [`SessionStore::in_memory`]).
    pub fn store(mut self, store: SessionStore) -> Self {
        self.store = Some(store);
        self
    }

    /// This HTTP client, instead of a new one with the default time limits.
    pub fn http(mut self, http: HttpClient) -> Self {
        self.http = Some(http);
        self
    }

    /// This clock, for every expiry decision (tests).
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Which credential the API calls use (default [`CredentialChoice::Auto`]).
    pub fn credential(mut self, credential: CredentialChoice) -> Self {
        self.credential = credential;
        self
    }

    /// The client.
    ///
    /// # Errors
    /// [`crate::Error::Config`] for an invalid profile name, config file or setting;
    /// [`crate::Error::Cache`] for an unusable cache directory or stored PAT; the errors of
    /// [`HttpClient::new`].
    pub async fn build(self) -> Result<UnleashLive> {
        let profile = self.profile.unwrap_or_else(|| "default".to_owned());
        config::validate_profile(&profile)?;
        let (config, store) = match (self.config, self.store) {
            (Some(config), Some(store)) => (config, store),
            (config, store) => {
                let resolved = match self.resolved {
                    Some(resolved) => resolved,
                    None => Profile::resolve(&profile, self.overrides.unwrap_or_default())?,
                };
                let provider = resolved.provider()?;
                if provider != ProviderKind::UnleashLive {
                    return Err(Error::config(
                        "provider",
                        format!(
                            "profile {profile} uses the {provider} provider; UnleashLive serves \
                             Unleash Live profiles (for {provider}, use its sessions in \
                             `unleashlive_auth::providers`)"
                        ),
                    ));
                }
                let store = match store {
                    Some(store) => store,
                    None => SessionStore::new(resolved.cache_dir()?),
                };
                let config = match config {
                    Some(config) => config,
                    None => resolved.config()?.clone(),
                };
                (config, store)
            }
        };
        let http = match self.http {
            Some(http) => http,
            None => HttpClient::new()?,
        };
        let mut sessions = CognitoSessions::new(
            store.clone(),
            profile.clone(),
            CognitoRenewer::new(config.clone()),
        );
        if let Some(clock) = &self.clock {
            sessions = sessions.with_clock(clock.clone());
        }
        let (pat, source) = choose_pat(self.credential.clone(), &store, &profile)?;
        let auth = match (&self.credential, &pat) {
            (CredentialChoice::ApiKey(key), _) => Auth::ApiKey(key.clone()),
            (CredentialChoice::Session, _) | (_, None) => Auth::Cognito(sessions.clone()),
            (_, Some(token)) => Auth::Pat(token.clone()),
        };

        Ok(UnleashLive {
            inner: Arc::new(Inner {
                config,
                profile,
                store,
                http,
                sessions,
                auth,
                source,
                pat,
                clock: self.clock,
                aws: std::sync::OnceLock::new(),
            }),
        })
    }
}

/// The PAT at hand for `choice`, and where the client's credential comes from.
fn choose_pat(
    choice: CredentialChoice,
    store: &SessionStore,
    profile: &str,
) -> Result<(Option<PersonalAccessToken>, CredentialSource)> {
    Ok(match choice {
        CredentialChoice::Pat(token) => (Some(token), CredentialSource::Given),
        CredentialChoice::ApiKey(_) => (None, CredentialSource::Given),
        // With the session chosen, the PAT stored for the profile still serves the analytics
        // API (the environment is not read: the choice was explicit).
        CredentialChoice::Session => (pat::load(store, profile)?, CredentialSource::Session),
        CredentialChoice::Auto => match pat_at_hand(store, profile)? {
            Some((token, source)) => (Some(token), source),
            None => (None, CredentialSource::Session),
        },
    })
}

/// A PAT in the environment, else the one stored for the profile.
fn pat_at_hand(
    store: &SessionStore,
    profile: &str,
) -> Result<Option<(PersonalAccessToken, CredentialSource)>> {
    if let Ok(token) = std::env::var(PAT_ENV)
        && !token.trim().is_empty()
    {
        return Ok(Some((
            PersonalAccessToken::new(token.trim()),
            CredentialSource::PatFromEnv,
        )));
    }
    Ok(pat::load(store, profile)?.map(|token| (token, CredentialSource::StoredPat)))
}
