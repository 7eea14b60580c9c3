//! Other token systems ("providers") on the same session machinery as Unleash Live.
//!
//! A provider says how a token is obtained, when it expires, how to renew it (if it can) and
//! which header carries it. Everything else is shared and written once: a provider's token is
//! a [`Token`], which the [`SessionStore`](crate::SessionStore) keeps (0600, atomic, locked,
//! secrets in the OS keychain with the `keyring` feature); a [`Sessions`] (the same
//! [`SessionManager`] as for Cognito) hands it out and renews it single-flight; and
//! [`Auth::from`](crate::Auth) turns it into the provider's header on every request of the
//! [`HttpClient`](crate::api::http::HttpClient).
//!
//! Adding a provider is one file: a type implementing [`Provider`] (its [`ProviderKind`], its
//! [`HeaderStyle`] and, if its tokens can be renewed, [`Provider::renew`]), plus the calls
//! that obtain a token in the first place.
//!
//! ```no_run
//! use unleashlive_auth::providers::{self, unith::Unith};
//! use unleashlive_auth::{api::http::HttpClient, Auth, SecretKey, SessionStore};
//!
//! # async fn run() -> Result<(), unleashlive_auth::Error> {
//! let unith = Unith::new(HttpClient::new()?, "https://platform-api.unith.ai")?
//!     .with_secret_key(SecretKey::new(std::env::var("UNITH_SECRET_KEY").unwrap_or_default()));
//! let token = unith.exchange("owner@example.com", false).await?;
//! let store = SessionStore::new("/home/owner/.cache/unleashlive-auth");
//! let sessions = providers::sessions(store, "unith", unith);
//! sessions.replace(token)?;
//! let auth = Auth::from(sessions); // `Authorization: Bearer ...`, renewed after 7 days
//! # let _ = auth;
//! # Ok(()) }
//! ```

use std::future::Future;
use std::marker::PhantomData;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::auth::AuthHeader;
use crate::config::env;
use crate::error::{Error, Result};
use crate::manager::{Credential, Renew, SessionManager};
use crate::secret::{ProviderToken, SecretKey};
use crate::store::{Persist, SessionStore};

pub mod unith;
pub mod unleash;
pub mod unleashx;

/// The token systems this toolkit speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProviderKind {
    /// Unleash Live: Cognito sign-in or a personal access token (the default).
    UnleashLive,
    /// UNITH: e-mail + secret key exchanged for a 7-day bearer token.
    Unith,
    /// Unleash (feature flags): a static API token sent raw in `Authorization`.
    Unleash,
    /// UnleashX: an e-mailed one-time code, a login token, then a minted API token.
    UnleashX,
}

impl ProviderKind {
    /// Every provider, in the order `--help` lists them.
    pub const ALL: [ProviderKind; 4] = [
        ProviderKind::UnleashLive,
        ProviderKind::Unith,
        ProviderKind::Unleash,
        ProviderKind::UnleashX,
    ];

    /// The name used in settings (`provider = "unith"`) and in the cache file.
    pub const fn name(self) -> &'static str {
        match self {
            ProviderKind::UnleashLive => "unleash-live",
            ProviderKind::Unith => "unith",
            ProviderKind::Unleash => "unleash",
            ProviderKind::UnleashX => "unleashx",
        }
    }

    /// The service's name, for people.
    pub fn title(self) -> &'static str {
        match self {
            ProviderKind::UnleashLive => "Unleash Live",
            ProviderKind::Unith => "UNITH",
            ProviderKind::Unleash => "Unleash",
            ProviderKind::UnleashX => "UnleashX",
        }
    }

    /// What its token is called, for messages.
    pub fn token_name(self) -> &'static str {
        match self {
            ProviderKind::UnleashLive => "Unleash Live session",
            ProviderKind::Unith => "UNITH bearer token",
            ProviderKind::Unleash => "Unleash API token",
            ProviderKind::UnleashX => "UnleashX API token",
        }
    }

    /// The public API base, when the service has one (Unleash is self-hosted: none).
    pub fn default_base_url(self) -> Option<&'static str> {
        match self {
            ProviderKind::UnleashLive => Some("https://api.unleashlive.com"),
            ProviderKind::Unith => Some("https://platform-api.unith.ai"),
            ProviderKind::Unleash => None,
            ProviderKind::UnleashX => Some("https://www.tryunleashx.com"),
        }
    }

    /// The provider named `name`.
    ///
    /// # Errors
    /// [`Error::Config`] (naming `UL_PROVIDER`) for an unknown name, listing the known ones.
    pub fn parse(name: &str) -> Result<Self> {
        let wanted = name.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|p| p.name() == wanted)
            .ok_or_else(|| {
                let known: Vec<&str> = Self::ALL.iter().map(|p| p.name()).collect();
                Error::config(
                    env::PROVIDER,
                    format!("unknown provider {name:?}; known: {}", known.join(", ")),
                )
            })
    }

    /// The API base to use: `setting` (from `--base-url`, `UL_BASE_URL` or the profile's
    /// `base_url`) or the provider's default, without a trailing slash.
    ///
    /// # Errors
    /// [`Error::Config`] naming `UL_BASE_URL` when the setting is not an http(s) URL, or when
    /// it is missing for a provider without a default (Unleash).
    pub fn base_url(self, setting: Option<&str>) -> Result<String> {
        let url = match (
            setting.map(str::trim).filter(|s| !s.is_empty()),
            self.default_base_url(),
        ) {
            (Some(url), _) => url.to_owned(),
            (None, Some(default)) => default.to_owned(),
            (None, None) => {
                return Err(Error::config(
                    env::BASE_URL,
                    format!(
                        "the {} provider has no default API base: set it to your instance's URL \
                         with --base-url, UL_BASE_URL or base_url in the profile, e.g. \
                         https://unleash.example.com",
                        self.name()
                    ),
                ));
            }
        };
        crate::config::validate_url(env::BASE_URL, &url)?;
        Ok(url.trim_end_matches('/').to_owned())
    }
}

impl std::fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for ProviderKind {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

/// How a provider's token rides on a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderStyle {
    /// `Authorization: Bearer <token>`.
    Bearer,
    /// `<name>: <token>`, the token alone (Unleash: `authorization`; UnleashX: `token`).
    Raw(&'static str),
}

impl HeaderStyle {
    /// The header name.
    pub fn name(self) -> &'static str {
        match self {
            HeaderStyle::Bearer => "authorization",
            HeaderStyle::Raw(name) => name,
        }
    }

    /// The header carrying `token`.
    ///
    /// # Errors
    /// [`Error::InvalidToken`] for a token that cannot be a header value.
    pub fn header(self, token: &ProviderToken) -> Result<AuthHeader> {
        match self {
            HeaderStyle::Bearer => {
                AuthHeader::new("authorization", &format!("Bearer {}", token.secret()))
            }
            HeaderStyle::Raw(name) => AuthHeader::new(name, token.secret()),
        }
    }
}

/// One token system. Implementations hold what they need to renew (an HTTP client, a base
/// URL, a secret at hand); the storing, locking, single-flight renewal and header stamping are
/// shared.
pub trait Provider: Sized + Send + Sync + 'static {
    /// Which provider this is (its name in settings and in the cache file).
    const KIND: ProviderKind;
    /// The header its tokens go in.
    const HEADER: HeaderStyle;

    /// A fresh token to replace `current`. The default: these tokens cannot be renewed, so
    /// the user must sign in again.
    ///
    /// # Errors
    /// [`Error::SignInAgain`] when renewal needs the user; the service's errors.
    fn renew(&self, current: &Token<Self>) -> impl Future<Output = Result<Token<Self>>> + Send {
        let _ = current;
        std::future::ready(Err(Error::SignInAgain {
            reason: format!(
                "a {} cannot be renewed without you",
                Self::KIND.token_name()
            ),
        }))
    }

    /// Whether [`Provider::renew`] can work now without the user (used to decide whether a
    /// refused token is worth renewing once).
    fn can_renew(&self, current: &Token<Self>) -> bool {
        let _ = current;
        false
    }
}

/// A provider's token as stored: the token, when it was issued and expires, whose it is, and
/// the secret that renews it when the user asked to remember one.
pub struct Token<P> {
    value: ProviderToken,
    issued_at: SystemTime,
    expires_at: Option<SystemTime>,
    account: Option<String>,
    secret_key: Option<SecretKey>,
    provider: PhantomData<fn() -> P>,
}

impl<P> Clone for Token<P> {
    fn clone(&self) -> Self {
        Token {
            value: self.value.clone(),
            issued_at: self.issued_at,
            expires_at: self.expires_at,
            account: self.account.clone(),
            secret_key: self.secret_key.clone(),
            provider: PhantomData,
        }
    }
}

impl<P: Provider> std::fmt::Debug for Token<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token")
            .field("provider", &P::KIND.name())
            .field("value", &self.value)
            .field("issued_at", &self.issued_at)
            .field("expires_at", &self.expires_at)
            .field("account", &self.account)
            .field("secret_key", &self.secret_key)
            .finish()
    }
}

impl<P> Token<P> {
    /// A token issued at `issued_at`, never expiring until [`Token::expiring`] says otherwise.
    pub fn new(value: ProviderToken, issued_at: SystemTime) -> Self {
        Token {
            value,
            issued_at,
            expires_at: None,
            account: None,
            secret_key: None,
            provider: PhantomData,
        }
    }

    /// The same token with an expiry (`None` = never).
    #[must_use]
    pub fn expiring(mut self, at: Option<SystemTime>) -> Self {
        self.expires_at = at;
        self
    }

    /// The same token, noting the account it belongs to (an e-mail or username).
    #[must_use]
    pub fn for_account(mut self, account: impl Into<String>) -> Self {
        self.account = Some(account.into());
        self
    }

    /// The same token, remembering (or forgetting, with `None`) the secret that renews it.
    #[must_use]
    pub fn remembering(mut self, secret_key: Option<SecretKey>) -> Self {
        self.secret_key = secret_key;
        self
    }

    /// The token itself.
    pub fn value(&self) -> &ProviderToken {
        &self.value
    }

    /// When it was obtained.
    pub fn issued_at(&self) -> SystemTime {
        self.issued_at
    }

    /// When it stops working; `None` = never (or unknown).
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.expires_at
    }

    /// The account it belongs to, when known.
    pub fn account(&self) -> Option<&str> {
        self.account.as_deref()
    }

    /// The remembered secret that renews it (only after `login --remember`).
    pub fn remembered_secret(&self) -> Option<&SecretKey> {
        self.secret_key.as_ref()
    }

    /// Time left before expiry at `now` (`None` = never expires; zero once expired).
    pub fn time_left(&self, now: SystemTime) -> Option<Duration> {
        self.expires_at
            .map(|at| at.duration_since(now).unwrap_or(Duration::ZERO))
    }
}

impl<P: Provider> Token<P> {
    /// The header this token goes in.
    ///
    /// # Errors
    /// [`Error::InvalidToken`] for a token that cannot be a header value.
    pub fn header(&self) -> Result<AuthHeader> {
        P::HEADER.header(&self.value)
    }
}

fn unix(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

impl<P: Provider> Persist for Token<P> {
    const PROVIDER: &'static str = P::KIND.name();
    const KEYCHAIN_FIELDS: &'static [&'static str] = &["token", "secretKey"];

    fn to_record(&self) -> Value {
        let mut record = json!({
            "token": self.value.secret(),
            "issuedAt": unix(self.issued_at),
            "expiresAt": self.expires_at.map(unix),
            "account": self.account,
        });
        if let (Some(key), Some(obj)) = (&self.secret_key, record.as_object_mut()) {
            obj.insert("secretKey".into(), Value::String(key.secret().to_owned()));
        }
        record
    }

    fn from_record(record: Value) -> Result<Self> {
        let token = record
            .get("token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                Error::invalid_token(format!(
                    "no {} in the stored entry (its keychain entry may be gone); sign in again",
                    P::KIND.token_name()
                ))
            })?;
        let time = |field: &str| {
            record
                .get(field)
                .and_then(Value::as_u64)
                .map(|s| UNIX_EPOCH + Duration::from_secs(s))
        };
        let issued_at = time("issuedAt")
            .ok_or_else(|| Error::invalid_token("no issue time in the stored entry"))?;
        let mut stored = Token::new(ProviderToken::new(token), issued_at)
            .expiring(time("expiresAt"))
            .remembering(
                record
                    .get("secretKey")
                    .and_then(Value::as_str)
                    .filter(|k| !k.is_empty())
                    .map(SecretKey::new),
            );
        stored.account = record
            .get("account")
            .and_then(Value::as_str)
            .map(str::to_owned);
        Ok(stored)
    }
}

impl<P: Provider> Credential for Token<P> {
    fn expires_at(&self) -> Option<SystemTime> {
        self.expires_at
    }
}

/// Adapts a [`Provider`] to the [`SessionManager`]'s [`Renew`].
#[derive(Debug)]
pub struct Renewal<P>(pub P);

impl<P: Provider> Renew for Renewal<P> {
    type Credential = Token<P>;

    fn renew(&self, current: &Token<P>) -> impl Future<Output = Result<Token<P>>> + Send {
        self.0.renew(current)
    }
}

/// A provider's tokens for one profile, renewed (when the provider can) before they expire.
pub type Sessions<P> = SessionManager<Renewal<P>>;

/// The session manager of `provider` for `profile` in `store`.
pub fn sessions<P: Provider>(
    store: SessionStore,
    profile: impl Into<String>,
    provider: P,
) -> Sessions<P> {
    SessionManager::new(store, profile, Renewal(provider))
}

/// `prefix…last4`: enough to tell tokens apart, never enough to use one. A token with fewer
/// than 12 characters after `prefix` shows nothing of itself.
pub fn masked(token: &str, prefix: &str) -> String {
    let rest = token.strip_prefix(prefix).unwrap_or(token);
    let chars: Vec<char> = rest.chars().collect();
    if chars.len() < 12 {
        return format!("{prefix}… (too short to show more)");
    }
    let last4: String = chars[chars.len() - 4..].iter().collect();
    format!("{prefix}…{last4}")
}

/// The `exp` of a token that is a JWT, read without verifying it (to know when to renew);
/// `None` for an opaque token.
pub(crate) fn jwt_expiry(token: &str) -> Option<SystemTime> {
    if token.split('.').count() != 3 {
        return None;
    }
    let payload = crate::token::unverified::decode_payload_unverified(token).ok()?;
    payload
        .get("exp")
        .and_then(Value::as_u64)
        .map(|s| UNIX_EPOCH + Duration::from_secs(s))
}

/// Reads a provider's JSON error body: `{"error": true, "message": "CODE"}` or
/// `{"message": "..."}`, else `None`.
pub(crate) fn error_message(body: &Value) -> Option<&str> {
    body.get("message")
        .or_else(|| body.get("error").filter(|e| e.is_string()))
        .and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fake;
    impl Provider for Fake {
        const KIND: ProviderKind = ProviderKind::Unith;
        const HEADER: HeaderStyle = HeaderStyle::Bearer;
    }

    #[test]
    fn names_parse_back_and_unknown_names_list_the_known_ones() {
        for p in ProviderKind::ALL {
            assert_eq!(ProviderKind::parse(p.name()).unwrap(), p);
        }
        let err = ProviderKind::parse("okta").unwrap_err().to_string();
        assert!(
            err.contains("UL_PROVIDER") && err.contains("unleashx"),
            "{err}"
        );
    }

    #[test]
    fn unleash_has_no_default_base_and_names_the_setting() {
        let err = ProviderKind::Unleash
            .base_url(None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("UL_BASE_URL") && err.contains("--base-url"),
            "{err}"
        );
        assert_eq!(
            ProviderKind::Unith.base_url(None).unwrap(),
            "https://platform-api.unith.ai"
        );
        assert_eq!(
            ProviderKind::Unleash
                .base_url(Some("https://flags.example/"))
                .unwrap(),
            "https://flags.example"
        );
        assert!(ProviderKind::Unith.base_url(Some("not a url")).is_err());
    }

    #[test]
    fn a_record_round_trips_and_debug_hides_every_secret() {
        let t: Token<Fake> = Token::new(ProviderToken::new("bearer-S3CRET"), UNIX_EPOCH)
            .expiring(Some(UNIX_EPOCH + Duration::from_secs(7 * 86_400)))
            .for_account("owner@example.com")
            .remembering(Some(SecretKey::new("key-S3CRET")));
        let back = Token::<Fake>::from_record(t.to_record()).unwrap();
        assert_eq!(back.value().secret(), "bearer-S3CRET");
        assert_eq!(back.remembered_secret().unwrap().secret(), "key-S3CRET");
        assert_eq!(back.account(), Some("owner@example.com"));
        assert_eq!(back.expires_at(), t.expires_at());
        assert!(!format!("{back:?}").contains("S3CRET"));
        let forgetful = back.remembering(None).to_record();
        assert!(forgetful.get("secretKey").is_none());
    }

    #[test]
    fn headers_follow_the_style() {
        let token = ProviderToken::new("abc");
        let h = HeaderStyle::Bearer.header(&token).unwrap();
        assert_eq!(
            (h.name(), h.value().to_str().unwrap()),
            ("authorization", "Bearer abc")
        );
        let h = HeaderStyle::Raw("token").header(&token).unwrap();
        assert_eq!((h.name(), h.value().to_str().unwrap()), ("token", "abc"));
    }

    #[test]
    fn masking_keeps_the_prefix_and_the_last_four_only() {
        assert_eq!(
            masked("default:production.0123456789abWXYZ", "default:production."),
            "default:production.…WXYZ"
        );
        assert!(!masked("tiny1", "").contains("tiny1"));
    }
}
