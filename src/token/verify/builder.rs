//! The options of a [`Verifier`], and the defaults they start from.

use std::time::Duration;

use crate::clock::{self, SharedClock};
use crate::config::{Config, env};
use crate::error::{Error, Result};
use crate::token::jwks::JwksCache;
use crate::token::verify::{DEFAULT_LEEWAY, Verifier};

impl Verifier {
    /// A verifier for `config`'s user pool: issuer [`Config::issuer`], keys from
    /// [`Config::jwks_url`], audience [`Config::client_id`].
    pub fn builder(config: &Config) -> VerifierBuilder {
        VerifierBuilder {
            issuer: config.issuer(),
            jwks_url: config.jwks_url(),
            client_ids: vec![config.client_id().to_owned()],
            leeway: DEFAULT_LEEWAY,
            required: Vec::new(),
            clock: None,
            jwks: None,
        }
    }
}

/// Options of a [`Verifier`]; see [`Verifier::builder`].
#[derive(Debug)]
pub struct VerifierBuilder {
    issuer: String,
    jwks_url: String,
    client_ids: Vec<String>,
    leeway: Duration,
    required: Vec<String>,
    clock: Option<SharedClock>,
    jwks: Option<JwksCache>,
}

impl VerifierBuilder {
    /// Replaces the allowed app clients (default: the config's client id).
    pub fn client_ids<I, S>(mut self, ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.client_ids = ids.into_iter().map(Into::into).collect();
        self
    }

    /// Allows one more app client.
    pub fn allow_client(mut self, id: impl Into<String>) -> Self {
        self.client_ids.push(id.into());
        self
    }

    /// How far `exp`, `nbf` and `iat` may be off (default [`DEFAULT_LEEWAY`]).
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// A claim every accepted token must have, not null (e.g. `custom:companyId`).
    pub fn require_claim(mut self, name: impl Into<String>) -> Self {
        self.required.push(name.into());
        self
    }

    /// The clock for `exp`, `nbf` and `iat` (default: the system clock).
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Uses this key cache (to share one between verifiers, or a [`JwksCache::fixed`] set)
    /// instead of one fetching from the config's JWKS URL.
    pub fn jwks(mut self, jwks: JwksCache) -> Self {
        self.jwks = Some(jwks);
        self
    }

    /// The verifier.
    ///
    /// # Errors
    /// [`Error::Config`] when no app client is allowed or the JWKS URL is not http(s);
    /// [`Error::Jwks`] when the HTTP client cannot be set up.
    pub fn build(self) -> Result<Verifier> {
        if self.client_ids.iter().all(String::is_empty) {
            return Err(Error::config(
                env::CLIENT_ID,
                "no app client id to check the audience against",
            ));
        }
        let clock = self.clock.unwrap_or_else(clock::system);
        let jwks = match self.jwks {
            Some(jwks) => jwks,
            None => JwksCache::builder(self.jwks_url)
                .clock(clock.clone())
                .build()?,
        };
        Ok(Verifier {
            issuer: self.issuer,
            client_ids: self.client_ids,
            leeway: i64::try_from(self.leeway.as_secs()).unwrap_or(i64::MAX),
            required: self.required,
            clock,
            jwks,
        })
    }
}
