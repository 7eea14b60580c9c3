//! A provider's token as the shared machinery sees it: stored by the
//! [`SessionStore`](crate::SessionStore), handed out and renewed by the
//! [`SessionManager`](crate::SessionManager).

use std::marker::PhantomData;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::Provider;
use crate::credentials::manager::Credential;
use crate::credentials::provider::ApiKind;
use crate::credentials::store::Persist;
use crate::error::{Error, Result};
use crate::secret::{ProviderToken, SecretKey};
use crate::transport::AuthHeader;

/// A provider's token as stored: the token, when it was issued and expires, whose it is, and
/// the secret that renews it when the user asked to remember one.
pub struct Token<P> {
    value: ProviderToken,
    issued_at: SystemTime,
    expires_at: Option<SystemTime>,
    account: Option<String>,
    secret_key: Option<SecretKey>,
    base_url: Option<String>,
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
            base_url: self.base_url.clone(),
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
            .field("base_url", &self.base_url)
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
            base_url: None,
            provider: PhantomData,
        }
    }

    /// The same token, noting the API (base URL) that issued it: it is never sent to another.
    #[must_use]
    pub fn issued_by(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// The base URL of the API that issued it (`None` for tokens stored before it was noted).
    pub fn base_url(&self) -> Option<&str> {
        self.base_url.as_deref()
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
    /// Refuses to use this token (or the secret remembered with it) with any API but the one
    /// that issued it.
    ///
    /// # Errors
    /// [`Error::Config`] naming both URLs when `base_url` is not the issuer's.
    pub fn ensure_issued_by(&self, base_url: &str) -> Result<()> {
        // A token stored before the issuer was noted came from the provider's public API; one
        // with neither (an Unleash token given without an instance) may go nowhere.
        let issuer = match &self.base_url {
            Some(issuer) => issuer.clone(),
            None => P::KIND.base_url(None).map_err(|_| Error::Config {
                setting: "base_url".into(),
                reason: format!(
                    "the cached {} does not say which server issued it, so it is not sent \
                     anywhere: sign in again with the base URL set",
                    P::KIND.token_name()
                ),
            })?,
        };
        match Some(issuer.as_str()) {
            Some(issuer) if issuer.trim_end_matches('/') != base_url.trim_end_matches('/') => {
                Err(Error::Config {
                    setting: "base_url".into(),
                    reason: format!(
                        "the cached {} was issued by {issuer}, and this run's base URL is \
                         {base_url}; it is never sent to another server: unset the base URL, or \
                         sign in again against {base_url}",
                        P::KIND.token_name()
                    ),
                })
            }
            _ => Ok(()),
        }
    }
}

impl<P: Provider<Credential = Token<P>>> Token<P> {
    /// The header this token goes in (the same for every kind of API).
    ///
    /// # Errors
    /// [`Error::InvalidToken`] for a token that cannot be a header value.
    pub fn header(&self) -> Result<AuthHeader> {
        P::header(self, ApiKind::Rest)
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
            "baseUrl": self.base_url,
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
        stored.base_url = record
            .get("baseUrl")
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

/// What adapted a provider to the [`SessionManager`](crate::SessionManager) before the manager took providers
/// directly: `SessionManager<Renewal<P>>` is `SessionManager<P>`.
#[deprecated(
    since = "0.2.0",
    note = "a provider is its own renewer: use `SessionManager<P>`"
)]
pub type Renewal<P> = P;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::{HeaderStyle, ProviderKind};

    struct Fake;
    impl Provider for Fake {
        const KIND: ProviderKind = ProviderKind::Unith;
        type Credential = Token<Self>;

        fn header(token: &Token<Self>, _: ApiKind) -> Result<AuthHeader> {
            HeaderStyle::Bearer.header(token.value())
        }
    }

    #[test]
    fn a_record_round_trips_and_debug_hides_every_secret() {
        let t: Token<Fake> = Token::new(ProviderToken::new("bearer-S3CRET"), UNIX_EPOCH)
            .expiring(Some(UNIX_EPOCH + Duration::from_secs(7 * 86_400)))
            .for_account("owner@example.com")
            .remembering(Some(SecretKey::new("key-S3CRET")))
            .issued_by("https://platform-api.unith.ai");
        let back = Token::<Fake>::from_record(t.to_record()).unwrap();
        assert_eq!(back.base_url(), Some("https://platform-api.unith.ai"));
        back.ensure_issued_by("https://platform-api.unith.ai/")
            .unwrap();
        let elsewhere = back
            .ensure_issued_by("https://unleash.example.com")
            .unwrap_err();
        assert!(
            elsewhere
                .to_string()
                .contains("https://unleash.example.com")
        );
        assert_eq!(back.value().secret(), "bearer-S3CRET");
        assert_eq!(back.remembered_secret().unwrap().secret(), "key-S3CRET");
        assert_eq!(back.account(), Some("owner@example.com"));
        assert_eq!(back.expires_at(), t.expires_at());
        assert!(!format!("{back:?}").contains("S3CRET"));
        let forgetful = back.remembering(None).to_record();
        assert!(forgetful.get("secretKey").is_none());
    }
}
