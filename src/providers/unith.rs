//! UNITH (digital humans): the account's e-mail and secret key are exchanged for a bearer
//! token that lives 7 days (`Authorization: Bearer`).
//!
//! `POST <base>/auth/token` with `{"email", "secretKey"}` → `{"token"}`; the same call renews.
//! With a valid bearer, `DELETE /user/delete-secret-key` then `PUT /user/generate-secret-key`
//! replace the secret key ([`Unith::rotate`]).

use std::time::Duration;

use http::Method;
use serde_json::{Value, json};

use super::{HeaderStyle, Provider, ProviderKind, Token, jwt_expiry};
use crate::clock::SharedClock;
use crate::credentials::ApiKind;
use crate::error::{Error, Result};
use crate::secret::{ProviderToken, SecretKey};
use crate::transport::{AuthHeader, HttpClient, Request, read_json};

/// How the reason of an [`Error::SignInAgain`] says a renewal lacked the secret key (a program
/// may say where its users give one).
pub const NO_KEY_TO_RENEW: &str = "no secret key is at hand to renew it";

/// The name an [`Error::Config`] gives the UNITH secret key when none was given.
pub const SECRET_KEY_SETTING: &str = "secret_key";

/// How long a bearer lives when it does not say so itself (it is not a JWT).
pub const BEARER_LIFETIME: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// The UNITH API, with the secret key at hand (if any) for renewals.
#[derive(Debug, Clone)]
pub struct Unith {
    http: HttpClient,
    base: String,
    secret_key: Option<SecretKey>,
    clock: SharedClock,
}

impl Provider for Unith {
    const KIND: ProviderKind = ProviderKind::Unith;
    type Credential = Token<Self>;

    fn header(token: &Token<Self>, _: ApiKind) -> Result<AuthHeader> {
        HeaderStyle::Bearer.header(token.value())
    }

    /// A new exchange with the secret key at hand (else the remembered one), for the same
    /// e-mail; a remembered key stays remembered.
    async fn renew(&self, current: &Token<Self>) -> Result<Token<Self>> {
        // The remembered key goes only to the server that issued the token.
        current.ensure_issued_by(&self.base)?;
        let email = current.account().ok_or_else(|| Error::SignInAgain {
            reason: "the cached UNITH token does not say which e-mail it belongs to".into(),
        })?;
        let key = self
            .secret_key
            .as_ref()
            .or(current.remembered_secret())
            .ok_or_else(|| Error::SignInAgain {
                reason: format!(
                    "the UNITH bearer token is expiring or has expired, and {NO_KEY_TO_RENEW} \
                     (give the key, or remember it when signing in)"
                ),
            })?;
        let token = self.exchange_with(email, key).await?;
        // A remembered key stays remembered; if a key at hand just worked, it is the one to
        // remember (the stored one may be stale after a rotation elsewhere).
        let remembered = current.remembered_secret().map(|_| key.clone());
        Ok(token.remembering(remembered))
    }

    fn can_renew(&self, current: &Token<Self>) -> bool {
        current.account().is_some()
            && (self.secret_key.is_some() || current.remembered_secret().is_some())
    }
}

impl Unith {
    /// The API at `base` (e.g. `https://platform-api.unith.ai`).
    ///
    /// # Errors
    /// [`Error::Config`] when `base` is not an http(s) URL.
    pub fn new(http: HttpClient, base: &str) -> Result<Self> {
        Ok(Unith {
            http,
            base: ProviderKind::Unith.base_url(Some(base))?,
            secret_key: None,
            clock: crate::clock::system(),
        })
    }

    /// The secret key at hand (from the environment or just typed): used by
    /// [`Unith::exchange`] and by renewals, never stored by this.
    #[must_use]
    pub fn with_secret_key(mut self, key: SecretKey) -> Self {
        self.secret_key = Some(key).filter(|k| !k.secret().is_empty());
        self
    }

    /// The same client on an injected clock (tests: a bearer's 7 days pass in a moment).
    #[must_use]
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// Whether a secret key is at hand.
    pub fn has_secret_key(&self) -> bool {
        self.secret_key.is_some()
    }

    /// Exchanges `email` and the secret key at hand for a bearer token. With `remember`, the
    /// key is kept with the token so that it can be renewed later without it.
    ///
    /// # Errors
    /// [`Error::Config`] when no secret key is at hand; [`Error::NotAuthorized`] when UNITH
    /// refuses the e-mail or key (401); [`Error::Http`] for other statuses after retries;
    /// [`Error::UnexpectedResponse`] for an answer without a token.
    pub async fn exchange(&self, email: &str, remember: bool) -> Result<Token<Self>> {
        let key = self
            .secret_key
            .as_ref()
            .ok_or_else(|| Error::config(SECRET_KEY_SETTING, "no UNITH secret key was given"))?;
        let token = self.exchange_with(email, key).await?;
        Ok(token.remembering(remember.then(|| key.clone())))
    }

    async fn exchange_with(&self, email: &str, key: &SecretKey) -> Result<Token<Self>> {
        let request = Request::new(Method::POST, &format!("{}/auth/token", self.base))?
            .header("accept", "application/json")
            .json(&json!({ "email": email, "secretKey": key.secret() }))
            .redact(key.secret());
        let endpoint = request.endpoint();
        let response = self.http.fetch(&request).await.map_err(refused)?;
        let body: Value = read_json(response, &endpoint).await?;
        let token = body
            .get("token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| Error::unexpected(format!("{endpoint} answered without a token")))?;
        let issued = self.clock.now();
        let expires = jwt_expiry(token).unwrap_or(issued + BEARER_LIFETIME);
        Ok(Token::new(ProviderToken::new(token), issued)
            .expiring(Some(expires))
            .for_account(email)
            .issued_by(&self.base))
    }

    /// Replaces the account's secret key: deletes the current one, then generates a new one,
    /// both with `bearer`. Every user of the old key stops working.
    ///
    /// # Errors
    /// [`Error::NotAuthorized`] when the bearer is refused; [`Error::Service`] when the old
    /// key was deleted but no new one could be generated (run it again: the account has no
    /// key meanwhile); [`Error::UnexpectedResponse`] for a new key in an unknown shape.
    pub async fn rotate(&self, bearer: &Token<Self>) -> Result<SecretKey> {
        bearer.ensure_issued_by(&self.base)?;
        let header = bearer.header()?;
        let delete = Request::new(
            Method::DELETE,
            &format!("{}/user/delete-secret-key", self.base),
        )?
        .header("accept", "application/json")
        .secret_header(header.clone());
        match self.http.fetch(&delete).await {
            Ok(_) => {}
            // Nothing to delete (an earlier rotation stopped half-way): go on and generate.
            Err(Error::Http { status: 404, .. }) => {
                tracing::info!("no secret key to delete; generating a new one");
            }
            Err(e) => return Err(bearer_refused(e)),
        }
        let generate = Request::new(
            Method::PUT,
            &format!("{}/user/generate-secret-key", self.base),
        )?
        .header("accept", "application/json")
        .secret_header(header)
        // A retried PUT could replace the key it just made, unseen.
        .not_repeatable();
        let endpoint = generate.endpoint();
        let generated = async {
            let response = self.http.fetch(&generate).await?;
            let bytes = crate::transport::read_body(response, &endpoint).await?;
            new_key(&bytes).ok_or_else(|| {
                Error::unexpected(format!(
                    "{endpoint} answered in an unknown shape (not a JSON string or an object \
                     with one string); the new key may exist: rotate again to get one you can \
                     read"
                ))
            })
        }
        .await;
        generated.map_err(|e| Error::Service {
            code: "rotation incomplete".into(),
            message: format!(
                "the old secret key was deleted but no new one was obtained ({}); the account \
                 has no usable secret key until a rotation of the secret key succeeds",
                bearer_refused(e)
            ),
            source: None,
        })
    }
}

/// The new key from a `generate-secret-key` answer: a JSON string, an object with exactly
/// one string field (at any depth of single-field objects), or a bare line of text.
fn new_key(body: &[u8]) -> Option<SecretKey> {
    fn one_string(v: &Value) -> Option<&str> {
        match v {
            Value::String(s) => Some(s),
            Value::Object(o) => {
                let strings: Vec<&str> = o.values().filter_map(Value::as_str).collect();
                match (strings.as_slice(), o.len()) {
                    ([s], _) => Some(s),
                    ([], 1) => o.values().next().and_then(one_string),
                    _ => None,
                }
            }
            _ => None,
        }
    }
    let key = match serde_json::from_slice::<Value>(body) {
        Ok(value) => one_string(&value)?.to_owned(),
        Err(_) => {
            let text = std::str::from_utf8(body).ok()?.trim();
            if text.is_empty() || text.contains(char::is_whitespace) {
                return None;
            }
            text.to_owned()
        }
    };
    (!key.trim().is_empty()).then(|| SecretKey::new(key.trim()))
}

/// A 401 from the exchange: the e-mail or the key is wrong.
fn refused(e: Error) -> Error {
    match e {
        Error::Http { status: 401, .. } => Error::NotAuthorized {
            message: "UNITH: e-mail or secret key invalid (HTTP 401)".into(),
        },
        other => other,
    }
}

/// A 401/403 on a call made with the bearer.
fn bearer_refused(e: Error) -> Error {
    match e {
        Error::Http {
            status: status @ (401 | 403),
            ..
        } => Error::NotAuthorized {
            message: format!("UNITH refused the bearer token (HTTP {status}); sign in again"),
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::new_key;

    #[test]
    fn a_new_key_is_read_from_each_accepted_shape() {
        for body in [
            &br#""k-123""#[..],
            br#"{"secretKey":"k-123"}"#,
            br#"{"data":{"key":"k-123"}}"#,
            br#"{"key":"k-123","created":1700000000}"#,
            b"k-123\n",
        ] {
            assert_eq!(
                new_key(body).map(|k| k.secret().to_owned()).as_deref(),
                Some("k-123"),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        for body in [
            &br#"{"a":"x","b":"y"}"#[..],
            br#"[]"#,
            br#""""#,
            b"two words",
            b"",
        ] {
            assert!(new_key(body).is_none(), "{}", String::from_utf8_lossy(body));
        }
    }
}
