//! The user pool's signing keys (JWKS): fetched once, shared by every verification, refetched
//! when a token names a key the cache does not know — at most once per
//! [`MIN_REFETCH_INTERVAL`], so a flood of tokens with made-up `kid`s cannot become a flood of
//! requests to Cognito.
//!
//! Fetched keys are trusted for [`MAX_KEY_AGE`] at most: after that the set is fetched again
//! before the next verification, so a key removed from the pool stops being trusted, and if
//! the fetch fails, verification fails rather than trusting old keys.
//!
//! Only keys that can verify RS256 are kept (`kty` `RSA`, `use` absent or `sig`, `alg` absent or
//! `RS256`, 2048 to 8192 bits); anything else in the document is skipped.

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, SystemTime};

use crate::clock::{self, SharedClock};
use crate::error::{Cause, Error, Result};
use crate::token::verify::{Rejection, excerpt};

mod builder;
mod keys;

pub use builder::JwksCacheBuilder;
pub(crate) use keys::RsaKey;
use keys::parse_key_set;

pub use crate::error::token::{JwksError, JwksFailure};

/// Unknown `kid`s trigger at most one refetch per this interval.
pub const MIN_REFETCH_INTERVAL: Duration = Duration::from_secs(10);
/// Fetched keys older than this are fetched again before they are trusted.
pub const MAX_KEY_AGE: Duration = Duration::from_secs(3600);
/// A JWKS document larger than this is refused (Cognito's is about 1 KiB).
pub const MAX_JWKS_BYTES: usize = 64 * 1024;
/// Limit on establishing the connection to the JWKS endpoint.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Limit on the whole fetch, connection and body included.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// The pool's signing keys, shared by clones: cheap to clone, safe to use from many tasks.
#[derive(Clone)]
pub struct JwksCache {
    inner: Arc<Inner>,
}

struct Inner {
    source_name: String,
    /// `None` for a fixed key set that is never fetched.
    client: Option<reqwest::Client>,
    clock: SharedClock,
    min_refetch: Duration,
    max_bytes: usize,
    timeout: Duration,
    /// How long fetched keys are trusted (`None` for a fixed set).
    max_age: Option<Duration>,
    /// Read on every verification; replaced whole after a fetch.
    keys: RwLock<KeySet>,
    /// Held while fetching, so concurrent misses make one request between them.
    fetch: tokio::sync::Mutex<FetchState>,
}

/// How often, how long and how much a cache fetches.
struct Limits {
    min_refetch: Duration,
    max_age: Option<Duration>,
    max_bytes: usize,
    timeout: Duration,
}

/// The keys and when they were fetched (`None`: a fixed set, or nothing fetched yet).
struct KeySet {
    keys: Arc<[Arc<RsaKey>]>,
    fetched_at: Option<SystemTime>,
}

#[derive(Default)]
struct FetchState {
    last_attempt: Option<SystemTime>,
    last_error: Option<JwksError>,
}

impl fmt::Debug for JwksCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwksCache")
            .field("source", &self.inner.source_name)
            .field("keys", &self.snapshot().len())
            .finish_non_exhaustive()
    }
}

impl JwksCache {
    /// A cache that fetches from `url` (usually [`crate::Config::jwks_url`]), with the default
    /// limits. Set options with [`JwksCache::builder`].
    ///
    /// # Errors
    /// As [`JwksCacheBuilder::build`].
    pub fn new(url: impl Into<String>) -> Result<Self> {
        Self::builder(url).build()
    }

    /// A fixed key set from a JWKS document, never fetched (offline verification, tests).
    ///
    /// # Errors
    /// [`Error::Jwks`] when the document is oversize, malformed or has no RS256 key.
    pub fn fixed(jwks_json: &[u8]) -> Result<Self> {
        let source_name = "the given JWKS".to_owned();
        let fail = |failure| {
            Error::Jwks(JwksError {
                source_name: source_name.clone(),
                failure,
            })
        };
        if jwks_json.len() > MAX_JWKS_BYTES {
            return Err(fail(JwksFailure::TooLarge(MAX_JWKS_BYTES)));
        }
        let keys = parse_key_set(jwks_json).map_err(fail)?;
        Ok(JwksCache::with(
            source_name,
            None,
            clock::system(),
            Limits {
                min_refetch: MIN_REFETCH_INTERVAL,
                max_age: None,
                max_bytes: MAX_JWKS_BYTES,
                timeout: FETCH_TIMEOUT,
            },
            keys,
        ))
    }

    fn with(
        source_name: String,
        client: Option<reqwest::Client>,
        clock: SharedClock,
        limits: Limits,
        keys: Arc<[Arc<RsaKey>]>,
    ) -> Self {
        let Limits {
            min_refetch,
            max_age,
            max_bytes,
            timeout,
        } = limits;
        JwksCache {
            inner: Arc::new(Inner {
                source_name,
                client,
                clock,
                min_refetch,
                max_bytes,
                timeout,
                max_age,
                keys: RwLock::new(KeySet {
                    keys,
                    fetched_at: None,
                }),
                fetch: tokio::sync::Mutex::new(FetchState::default()),
            }),
        }
    }

    /// Where the keys come from.
    pub fn source_name(&self) -> &str {
        &self.inner.source_name
    }

    /// The `kid`s currently cached.
    pub fn kids(&self) -> Vec<String> {
        self.snapshot().iter().map(|k| k.kid.clone()).collect()
    }

    /// The keys that may be trusted now: none once fetched keys are older than the maximum
    /// age (they are fetched again before use).
    fn snapshot(&self) -> Arc<[Arc<RsaKey>]> {
        // The lock only guards an Arc swap, so a poisoned lock still holds a whole key set.
        let set = self
            .inner
            .keys
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        let stale = match (self.inner.max_age, set.fetched_at) {
            (Some(max), Some(at)) => self
                .inner
                .clock
                .now()
                .duration_since(at)
                // A clock that went backwards cannot vouch for the keys' age: fetch again.
                .map_or(true, |age| age > max),
            _ => false,
        };
        if stale {
            Arc::from(Vec::new())
        } else {
            Arc::clone(&set.keys)
        }
    }

    fn store(&self, keys: Arc<[Arc<RsaKey>]>) {
        *self
            .inner
            .keys
            .write()
            .unwrap_or_else(PoisonError::into_inner) = KeySet {
            keys,
            fetched_at: Some(self.inner.clock.now()),
        };
    }

    fn cached(&self, kid: &str) -> Option<Arc<RsaKey>> {
        self.snapshot().iter().find(|k| k.kid == kid).cloned()
    }

    /// Fetches the key set now, whatever is cached, and returns how many RS256 keys it holds
    /// (a fixed set is not fetched). For diagnostics: verification fetches by itself.
    ///
    /// # Errors
    /// [`Error::Jwks`] when the keys cannot be fetched or read.
    pub async fn fetch_now(&self) -> Result<usize> {
        let Some(client) = &self.inner.client else {
            return Ok(self.snapshot().len());
        };
        let mut state = self.inner.fetch.lock().await;
        state.last_attempt = Some(self.inner.clock.now());
        match self.fetch(client).await {
            Ok(keys) => {
                state.last_error = None;
                let count = keys.len();
                self.store(keys);
                Ok(count)
            }
            Err(failure) => {
                let error = JwksError {
                    source_name: self.inner.source_name.clone(),
                    failure,
                };
                state.last_error = Some(error.clone());
                Err(Error::Jwks(error))
            }
        }
    }

    /// The key named `kid`, fetching the key set when it is not cached and the last fetch is
    /// long enough ago.
    pub(crate) async fn key(&self, kid: &str) -> Result<Arc<RsaKey>> {
        if let Some(key) = self.cached(kid) {
            return Ok(key);
        }
        let unknown = || Error::TokenRejected(Rejection::UnknownKey { kid: excerpt(kid) });
        let Some(client) = &self.inner.client else {
            return Err(unknown());
        };
        let mut state = self.inner.fetch.lock().await;
        // Another task may have fetched while this one waited for the lock.
        if let Some(key) = self.cached(kid) {
            return Ok(key);
        }
        let now = self.inner.clock.now();
        if let Some(last) = state.last_attempt {
            // A clock that went backwards counts as "long ago": better one extra fetch than
            // no fetch until the clock catches up.
            let recent = now
                .duration_since(last)
                .is_ok_and(|since| since < self.inner.min_refetch);
            if recent {
                return Err(match &state.last_error {
                    Some(e) if self.snapshot().is_empty() => Error::Jwks(e.clone()),
                    _ => unknown(),
                });
            }
        }
        state.last_attempt = Some(now);
        tracing::debug!(url = %self.inner.source_name, "fetching the user pool's signing keys");
        match self.fetch(client).await {
            Ok(keys) => {
                state.last_error = None;
                self.store(keys);
            }
            Err(failure) => {
                let error = JwksError {
                    source_name: self.inner.source_name.clone(),
                    failure,
                };
                tracing::warn!(%error, "cannot fetch the user pool's signing keys");
                state.last_error = Some(error.clone());
                return Err(Error::Jwks(error));
            }
        }
        drop(state);
        self.cached(kid).ok_or_else(unknown)
    }

    async fn fetch(&self, client: &reqwest::Client) -> Result<Arc<[Arc<RsaKey>]>, JwksFailure> {
        let transport = |e: reqwest::Error| {
            if e.is_timeout() {
                JwksFailure::Timeout(self.inner.timeout)
            } else {
                JwksFailure::Unreachable(Cause::http(e))
            }
        };
        let mut response = client
            .get(&self.inner.source_name)
            .header(http::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(transport)?;
        let status = response.status();
        if !status.is_success() {
            return Err(JwksFailure::Status(status.as_u16()));
        }
        let max = self.inner.max_bytes;
        if response
            .content_length()
            .is_some_and(|len| len > max as u64)
        {
            return Err(JwksFailure::TooLarge(max));
        }
        // Read chunk by chunk so a server that lies about (or omits) the length still
        // cannot make us hold more than `max` bytes.
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport)? {
            if body.len() + chunk.len() > max {
                return Err(JwksFailure::TooLarge(max));
            }
            body.extend_from_slice(&chunk);
        }
        parse_key_set(&body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::jwks::keys::tests::key;

    #[tokio::test]
    async fn a_fixed_key_set_never_fetches_and_rejects_unknown_kids() {
        let doc = serde_json::json!({"keys": [key("k1")]}).to_string();
        let cache = JwksCache::fixed(doc.as_bytes()).unwrap();
        assert_eq!(cache.kids(), ["k1"]);
        assert!(cache.key("k1").await.is_ok());
        let err = cache.key("forged").await.map(|_| ()).unwrap_err();
        assert!(
            matches!(err, Error::TokenRejected(Rejection::UnknownKey { ref kid }) if kid == "forged"),
            "{err}"
        );
    }

    #[test]
    fn only_http_urls_are_accepted() {
        let err = JwksCache::new("file:///etc/passwd").unwrap_err();
        assert!(matches!(err, Error::Config { .. }), "{err}");
    }
}
