//! The options of a fetching [`JwksCache`], and the defaults they start from.

use std::sync::Arc;
use std::time::Duration;

use crate::clock::{self, SharedClock};
use crate::config::env;
use crate::error::{Cause, Error, Result};
use crate::token::jwks::{
    CONNECT_TIMEOUT, FETCH_TIMEOUT, JwksCache, JwksError, JwksFailure, Limits, MAX_JWKS_BYTES,
    MAX_KEY_AGE, MIN_REFETCH_INTERVAL,
};

impl JwksCache {
    /// Options for a cache that fetches from `url`.
    pub fn builder(url: impl Into<String>) -> JwksCacheBuilder {
        JwksCacheBuilder {
            url: url.into(),
            clock: clock::system(),
            min_refetch: MIN_REFETCH_INTERVAL,
            max_age: MAX_KEY_AGE,
            max_bytes: MAX_JWKS_BYTES,
            connect_timeout: CONNECT_TIMEOUT,
            timeout: FETCH_TIMEOUT,
        }
    }
}

/// Options of a fetching [`JwksCache`]; see [`JwksCache::builder`].
#[derive(Debug)]
pub struct JwksCacheBuilder {
    url: String,
    clock: SharedClock,
    min_refetch: Duration,
    max_bytes: usize,
    connect_timeout: Duration,
    timeout: Duration,
    max_age: Duration,
}

impl JwksCacheBuilder {
    /// The clock that paces refetches (default: the system clock).
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// At most one refetch per `interval` (default [`MIN_REFETCH_INTERVAL`]).
    pub fn min_refetch_interval(mut self, interval: Duration) -> Self {
        self.min_refetch = interval;
        self
    }

    /// How long fetched keys are trusted before they are fetched again (default
    /// [`MAX_KEY_AGE`]).
    pub fn max_key_age(mut self, age: Duration) -> Self {
        self.max_age = age;
        self
    }

    /// The largest document accepted (default [`MAX_JWKS_BYTES`]).
    pub fn max_bytes(mut self, max: usize) -> Self {
        self.max_bytes = max;
        self
    }

    /// Connect and total time limits of one fetch (defaults [`CONNECT_TIMEOUT`],
    /// [`FETCH_TIMEOUT`]).
    pub fn timeouts(mut self, connect: Duration, total: Duration) -> Self {
        self.connect_timeout = connect;
        self.timeout = total;
        self
    }

    /// The cache, empty until the first verification needs a key.
    ///
    /// # Errors
    /// [`Error::Config`] when the URL is not `http(s)://`; [`Error::Jwks`] when the HTTP
    /// client cannot be set up.
    pub fn build(self) -> Result<JwksCache> {
        if !(self.url.starts_with("https://") || self.url.starts_with("http://")) {
            return Err(Error::config(
                env::JWKS_URL,
                format!("{:?} is not an http(s) URL", self.url),
            ));
        }
        let client = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .timeout(self.timeout)
            // A key set is served in place; following redirects would only widen whom we trust.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("unleashlive-auth/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                Error::Jwks(JwksError {
                    source_name: self.url.clone(),
                    failure: JwksFailure::Setup(Cause::new(e)),
                })
            })?;
        Ok(JwksCache::with(
            self.url,
            Some(client),
            self.clock,
            Limits {
                min_refetch: self.min_refetch,
                max_age: Some(self.max_age),
                max_bytes: self.max_bytes,
                timeout: self.timeout,
            },
            Arc::from(Vec::new()),
        ))
    }
}
