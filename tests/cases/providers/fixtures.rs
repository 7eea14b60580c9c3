//! What the library tests of the providers share: the UNITH exchange on wiremock, an injected
//! clock, the tokens and keys they use.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use serde_json::json;
use unleashlive_auth::providers::unith::{BEARER_LIFETIME, Unith};
use unleashlive_auth::providers::{self, Sessions, Token};
use unleashlive_auth::{Provider, ProviderToken, SecretKey, SessionStore};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockBuilder, MockServer, Request, ResponseTemplate};

use crate::util::identity::TestClock;
use crate::util::unleash::fast_http;

pub(crate) const BEARER: &str = "unith-bearer-F1rst-0a1b2c3d4e5f";

pub(crate) const EMAIL: &str = "owner@example.com";

/// 2027-01-15T08:00:00Z: where every test clock starts.
pub(crate) const NOW: u64 = 1_800_000_000;

pub(crate) fn start() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(NOW)
}

/// A wiremock server, a clock standing at [`NOW`], and a private cache directory.
pub(crate) struct Setup {
    pub(crate) server: MockServer,
    pub(crate) clock: Arc<TestClock>,
    pub(crate) dir: tempfile::TempDir,
}

impl Setup {
    pub(crate) async fn new() -> Setup {
        Setup {
            server: MockServer::start().await,
            clock: TestClock::at(start()),
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// UNITH on the mock server and the test clock, with `key` at hand (or none).
    pub(crate) fn unith(&self, key: Option<&str>) -> Unith {
        let unith = Unith::new(fast_http(), &self.server.uri())
            .unwrap()
            .with_clock(self.clock.clone());
        match key {
            Some(key) => unith.with_secret_key(SecretKey::new(key)),
            None => unith,
        }
    }

    pub(crate) fn store(&self) -> SessionStore {
        SessionStore::new(self.dir.path().join("cache")).with_keychain(false)
    }

    /// The profile `default` of `provider`, on the same clock as the provider.
    pub(crate) fn sessions<P: Provider>(&self, provider: P) -> Sessions<P> {
        providers::sessions(self.store(), "default", provider).with_clock(self.clock.clone())
    }

    pub(crate) async fn requests(&self) -> Vec<Request> {
        self.server.received_requests().await.unwrap()
    }

    /// How many requests went to `path`.
    pub(crate) async fn count(&self, wanted: &str) -> usize {
        self.requests()
            .await
            .iter()
            .filter(|r| r.url.path() == wanted)
            .count()
    }
}

/// Every value of header `name` on `request`.
pub(crate) fn values<'r>(request: &'r Request, name: &str) -> Vec<&'r str> {
    request
        .headers
        .get_all(name)
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect()
}

pub(crate) fn body(request: &Request) -> Value {
    serde_json::from_slice(&request.body).unwrap()
}

pub(crate) fn bearer_token() -> Token<Unith> {
    Token::new(ProviderToken::new(BEARER), start())
        .expiring(Some(start() + BEARER_LIFETIME))
        .for_account(EMAIL)
}

pub(crate) const KEY: &str = "sk-unith-S3cretKey-7f3a9c0e21";
pub(crate) const RENEWED: &str = "unith-bearer-S3cond-6a7b8c9d0e1f";

/// The documented UNITH exchange, for `key`, exactly.
pub(crate) fn exchange(key: &str) -> MockBuilder {
    Mock::given(method("POST"))
        .and(path("/auth/token"))
        .and(header("accept", "application/json"))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({"email": EMAIL, "secretKey": key})))
}

pub(crate) fn bearer_answer(token: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({ "token": token }))
}

/// The stored UNITH token of `setup`'s `default` profile, as a fresh process would read it.
pub(crate) fn stored_unith(setup: &Setup) -> Token<Unith> {
    setup
        .store()
        .load("default")
        .unwrap()
        .expect("a cached token")
}
