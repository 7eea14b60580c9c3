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

mod token;
pub mod unith;
pub mod unleash;
pub mod unleashx;

pub use crate::credentials::provider::{HeaderStyle, Provider, Sessions, sessions};
#[allow(deprecated)]
pub use token::Renewal;
pub use token::Token;

/// The token systems; a setting, so defined in [`crate::config`].
pub use crate::config::ProviderKind;

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
    fn masking_keeps_the_prefix_and_the_last_four_only() {
        assert_eq!(
            masked("default:production.0123456789abWXYZ", "default:production."),
            "default:production.…WXYZ"
        );
        assert!(!masked("tiny1", "").contains("tiny1"));
    }
}
