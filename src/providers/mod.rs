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
//! [`HeaderStyle`] and, if its tokens can be renewed, [`Provider::renew`]), plus the calls
//! that obtain a token in the first place.
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

use std::future::Future;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::error::{Error, Result};
use crate::secret::ProviderToken;
use crate::transport::AuthHeader;

mod token;
pub mod unith;
pub mod unleash;
pub mod unleashx;

pub use token::{Renewal, Sessions, Token, sessions};

/// The token systems; a setting, so defined in [`crate::config`].
pub use crate::config::ProviderKind;

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
