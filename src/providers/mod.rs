//! Other token systems ("providers") on the same session machinery as Unleash Live.
//!
//! A provider says how a token is obtained, when it expires, how to renew it (if it can) and
//! which header carries it. Everything else is shared and written once: a provider's token is
//! a [`Token`], which the [`SessionStore`](crate::SessionStore) keeps (0600, atomic, locked,
//! secrets in the OS keychain with the `keyring` feature); a [`Sessions`] (the same
//! [`SessionManager`](crate::SessionManager) as for Cognito) hands it out and renews it single-flight; and
//! [`Auth::from`](crate::Auth) turns it into the provider's header on every request of the
//! [`HttpClient`](crate::transport::HttpClient).
//!
//! Adding a provider is one file: a type implementing [`Provider`] (its [`ProviderKind`], its
//! credential — a [`Token<Self>`](Token) —, the header it goes in (a [`HeaderStyle`]) and, if
//! its tokens can be renewed, [`Provider::renew`]), plus the calls that obtain a token in the
//! first place. Unleash Live's Cognito session is a provider on the same trait
//! ([`CognitoRenewer`](crate::CognitoRenewer)).
//!
//! ```no_run
//! use unleashlive_auth::providers::{self, unith::Unith};
//! use unleashlive_auth::{transport::HttpClient, Auth, SecretKey, SessionStore};
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

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::config::env;
use crate::error::{Error, Result};

mod token;
pub mod unith;
pub mod unleash;
pub mod unleashx;

pub use crate::credentials::provider::{HeaderStyle, Provider, Sessions, sessions};
#[allow(deprecated)]
pub use token::Renewal;
pub use token::Token;

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
    fn masking_keeps_the_prefix_and_the_last_four_only() {
        assert_eq!(
            masked("default:production.0123456789abWXYZ", "default:production."),
            "default:production.…WXYZ"
        );
        assert!(!masked("tiny1", "").contains("tiny1"));
    }
}
