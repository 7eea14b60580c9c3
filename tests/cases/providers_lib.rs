//! The providers, the library: UNITH (the exchange, cached and single-flight renewal on an
//! injected clock, remembered keys, rotation, `Auth`), Unleash (the raw header, the API checks,
//! 401 vs 403, no expiry), UnleashX (OTP login, mint, verify, error codes) and their tokens in
//! the shared store — against wiremock asserting the method, path, headers and body of
//! `PROVIDERS.md` and serving its response shapes.

use std::os::unix::fs::PermissionsExt as _;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures_util::future::join_all;
use serde_json::{Value, json};
use unleashlive_auth::api::http::Request as ApiRequest;
use unleashlive_auth::providers::unith::{BEARER_LIFETIME, Unith};
use unleashlive_auth::providers::unleash::{Unleash, UnleashApi};
use unleashlive_auth::providers::unleashx::UnleashX;
use unleashlive_auth::providers::{self, Sessions, Token};
use unleashlive_auth::{
    ApiKind, Auth, Error, ErrorClass, LoginToken, OneTimeCode, Provider, ProviderToken, SecretKey,
    SessionStore,
};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockBuilder, MockServer, Request, ResponseTemplate};

use crate::util::identity::TestClock;
use crate::util::unleash::{assert_only_auth, fast_http};

const EMAIL: &str = "owner@example.com";
const KEY: &str = "sk-unith-S3cretKey-7f3a9c0e21";
const NEW_KEY: &str = "sk-unith-N3wKey-5b8d1f4a60";
const BEARER: &str = "unith-bearer-F1rst-0a1b2c3d4e5f";
const RENEWED: &str = "unith-bearer-S3cond-6a7b8c9d0e1f";
/// 2027-01-15T08:00:00Z: where every test clock starts.
const NOW: u64 = 1_800_000_000;

const UNLEASH_RANDOM: &str = "9f1c2e7a5b3d4c6e8f0a1b2c3d4e5f60";
const USERNAME: &str = "pilot@example.com";
const LOGIN: &str = "uxlogin-L0ginT0ken-3c4d5e6f7a8b";
const API_TOKEN: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

fn start() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(NOW)
}

fn unleash_token() -> String {
    format!("default:production.{UNLEASH_RANDOM}")
}

/// A JWT-shaped bearer (base64url header and payload, any signature) expiring at `exp`.
fn jwt_expiring_at(exp: u64) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(json!({"sub": EMAIL, "exp": exp}).to_string());
    format!("{header}.{payload}.c2lnbmF0dXJl")
}

/// A wiremock server, a clock standing at [`NOW`], and a private cache directory.
struct Setup {
    server: MockServer,
    clock: Arc<TestClock>,
    dir: tempfile::TempDir,
}

impl Setup {
    async fn new() -> Setup {
        Setup {
            server: MockServer::start().await,
            clock: TestClock::at(start()),
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// UNITH on the mock server and the test clock, with `key` at hand (or none).
    fn unith(&self, key: Option<&str>) -> Unith {
        let unith = Unith::new(fast_http(), &self.server.uri())
            .unwrap()
            .with_clock(self.clock.clone());
        match key {
            Some(key) => unith.with_secret_key(SecretKey::new(key)),
            None => unith,
        }
    }

    fn store(&self) -> SessionStore {
        SessionStore::new(self.dir.path().join("cache")).with_keychain(false)
    }

    /// The profile `default` of `provider`, on the same clock as the provider.
    fn sessions<P: Provider>(&self, provider: P) -> Sessions<P> {
        providers::sessions(self.store(), "default", provider).with_clock(self.clock.clone())
    }

    async fn requests(&self) -> Vec<Request> {
        self.server.received_requests().await.unwrap()
    }

    /// How many requests went to `path`.
    async fn count(&self, wanted: &str) -> usize {
        self.requests()
            .await
            .iter()
            .filter(|r| r.url.path() == wanted)
            .count()
    }
}

/// The documented UNITH exchange, for `key`, exactly.
fn exchange(key: &str) -> MockBuilder {
    Mock::given(method("POST"))
        .and(path("/auth/token"))
        .and(header("accept", "application/json"))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({"email": EMAIL, "secretKey": key})))
}

fn bearer_answer(token: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({ "token": token }))
}

/// Every value of header `name` on `request`.
fn values<'r>(request: &'r Request, name: &str) -> Vec<&'r str> {
    request
        .headers
        .get_all(name)
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect()
}

fn body(request: &Request) -> Value {
    serde_json::from_slice(&request.body).unwrap()
}

/// The stored UNITH token of `setup`'s `default` profile, as a fresh process would read it.
fn stored_unith(setup: &Setup) -> Token<Unith> {
    setup
        .store()
        .load("default")
        .unwrap()
        .expect("a cached token")
}

// ---------------------------------------------------------------- UNITH

/// The first exchange answers BEARER, exactly one more answers RENEWED.
async fn first_then_renewed(s: &Setup) {
    exchange(KEY)
        .respond_with(bearer_answer(BEARER))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&s.server)
        .await;
    exchange(KEY)
        .respond_with(bearer_answer(RENEWED))
        .expect(1)
        .with_priority(2)
        .mount(&s.server)
        .await;
}

#[tokio::test]
async fn unith_exchange_posts_email_and_key_as_documented_and_an_opaque_bearer_lives_7_days() {
    let s = Setup::new().await;
    exchange(KEY)
        .respond_with(bearer_answer(BEARER))
        .expect(1)
        .mount(&s.server)
        .await;

    let token = s.unith(Some(KEY)).exchange(EMAIL, false).await.unwrap();

    assert_eq!(token.value().secret(), BEARER);
    assert_eq!(token.account(), Some(EMAIL));
    assert_eq!(token.issued_at(), start());
    assert_eq!(
        token.expires_at(),
        Some(start() + Duration::from_secs(7 * 24 * 3600))
    );
    assert!(token.remembered_secret().is_none());
    let header = token.header().unwrap();
    assert_eq!(
        (header.name(), header.value().to_str().unwrap()),
        ("authorization", format!("Bearer {BEARER}").as_str())
    );
    let requests = s.requests().await;
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!((r.method.as_str(), r.url.path()), ("POST", "/auth/token"));
    assert_eq!(values(r, "accept"), ["application/json"]);
    assert_eq!(values(r, "content-type"), ["application/json"]);
    assert_eq!(body(r), json!({"email": EMAIL, "secretKey": KEY}));
    assert!(r.headers.get("authorization").is_none());
    s.server.verify().await;
}

#[tokio::test]
async fn a_jwt_bearer_expires_at_its_own_exp_not_after_7_days() {
    let s = Setup::new().await;
    let exp = NOW + 3 * 3600;
    let jwt = jwt_expiring_at(exp);
    exchange(KEY)
        .respond_with(bearer_answer(&jwt))
        .expect(1)
        .mount(&s.server)
        .await;

    let token = s.unith(Some(KEY)).exchange(EMAIL, false).await.unwrap();

    assert_eq!(token.value().secret(), jwt);
    assert_eq!(token.issued_at(), start());
    assert_eq!(
        token.expires_at(),
        Some(UNIX_EPOCH + Duration::from_secs(exp))
    );
}

#[tokio::test]
async fn a_second_current_is_served_from_the_cache_with_one_exchange_in_all() {
    let s = Setup::new().await;
    exchange(KEY)
        .respond_with(bearer_answer(BEARER))
        .expect(1)
        .mount(&s.server)
        .await;
    let unith = s.unith(Some(KEY));
    let token = unith.exchange(EMAIL, false).await.unwrap();
    s.sessions(unith.clone()).replace(token).unwrap();

    // Another manager on the same store, as the next process would build it.
    let sessions = s.sessions(unith);
    let first = sessions.current().await.unwrap();
    s.clock.advance(Duration::from_secs(24 * 3600));
    let second = sessions.current().await.unwrap();

    assert_eq!(first.value().secret(), BEARER);
    assert_eq!(second.value().secret(), BEARER);
    assert_eq!(s.count("/auth/token").await, 1);
    s.server.verify().await;
}

#[tokio::test]
async fn seven_days_later_100_concurrent_callers_share_exactly_one_renewal() {
    let s = Setup::new().await;
    first_then_renewed(&s).await;
    let unith = s.unith(Some(KEY));
    let sessions = s.sessions(unith.clone());
    sessions
        .replace(unith.exchange(EMAIL, false).await.unwrap())
        .unwrap();

    // Six minutes before expiry: still outside the 5-minute margin, no renewal.
    s.clock
        .advance(BEARER_LIFETIME - Duration::from_secs(6 * 60));
    assert_eq!(sessions.current().await.unwrap().value().secret(), BEARER);
    assert_eq!(s.count("/auth/token").await, 1);

    // Four minutes before expiry: inside the margin.
    s.clock.advance(Duration::from_secs(2 * 60));
    let renewal_time = start() + BEARER_LIFETIME - Duration::from_secs(4 * 60);
    let callers = (0..100).map(|_| {
        let sessions = sessions.clone();
        async move { sessions.current().await }
    });
    let tokens = join_all(callers).await;

    assert_eq!(tokens.len(), 100);
    for token in tokens {
        let token = token.unwrap();
        assert_eq!(token.value().secret(), RENEWED);
        assert_eq!(token.expires_at(), Some(renewal_time + BEARER_LIFETIME));
    }
    assert_eq!(s.count("/auth/token").await, 2);
    assert_eq!(stored_unith(&s).value().secret(), RENEWED);
    s.server.verify().await;
}

#[tokio::test]
async fn renewal_without_a_key_at_hand_or_remembered_says_sign_in_again_and_sends_nothing() {
    let s = Setup::new().await;
    exchange(KEY)
        .respond_with(bearer_answer(BEARER))
        .mount(&s.server)
        .await;
    let token = s.unith(Some(KEY)).exchange(EMAIL, false).await.unwrap();
    let sessions = s.sessions(s.unith(None));
    sessions.replace(token).unwrap();
    assert!(!Auth::from(sessions.clone()).renews());
    s.clock.advance(BEARER_LIFETIME);

    let err = sessions.current().await.unwrap_err();
    let forced = sessions.renew_now().await.unwrap_err();

    for err in [err, forced] {
        assert!(matches!(err, Error::SignInAgain { .. }), "{err:?}");
        assert_eq!(err.class(), ErrorClass::Authentication);
        assert!(err.to_string().contains("UNITH_SECRET_KEY"), "{err}");
    }
    assert_eq!(s.requests().await.len(), 1, "only the first exchange");
}

#[tokio::test]
async fn a_remembered_key_renews_without_one_at_hand_and_stays_remembered() {
    let s = Setup::new().await;
    first_then_renewed(&s).await;
    let token = s.unith(Some(KEY)).exchange(EMAIL, true).await.unwrap();
    assert_eq!(token.remembered_secret().map(SecretKey::secret), Some(KEY));
    let sessions = s.sessions(s.unith(None));
    sessions.replace(token).unwrap();
    assert!(Auth::from(sessions.clone()).renews());
    s.clock.advance(BEARER_LIFETIME);

    let renewed = sessions.current().await.unwrap();

    assert_eq!(renewed.value().secret(), RENEWED);
    assert_eq!(
        renewed.remembered_secret().map(SecretKey::secret),
        Some(KEY)
    );
    let stored = stored_unith(&s);
    assert_eq!(stored.value().secret(), RENEWED);
    assert_eq!(stored.remembered_secret().map(SecretKey::secret), Some(KEY));
    let requests = s.requests().await;
    assert_eq!(requests.len(), 2);
    assert_eq!(
        body(&requests[1]),
        json!({"email": EMAIL, "secretKey": KEY})
    );
    s.server.verify().await;
}

#[tokio::test]
async fn a_401_from_the_exchange_says_email_or_key_invalid_and_never_shows_the_key() {
    let s = Setup::new().await;
    Mock::given(method("POST"))
        .and(path("/auth/token"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"detail": format!("invalid secret key {KEY}")})),
        )
        .mount(&s.server)
        .await;

    let err = s.unith(Some(KEY)).exchange(EMAIL, false).await.unwrap_err();

    assert!(matches!(err, Error::NotAuthorized { .. }), "{err:?}");
    assert_eq!(err.class(), ErrorClass::Authentication);
    let text = err.to_string();
    assert!(text.contains("e-mail or secret key invalid"), "{text}");
    assert!(!text.contains(KEY), "{text}");
    assert!(!format!("{err:?}").contains(KEY));
    assert_eq!(s.requests().await.len(), 1, "a 401 is not retried");
}

#[tokio::test]
async fn a_500_from_the_exchange_is_an_http_error_after_3_attempts() {
    let s = Setup::new().await;
    Mock::given(method("POST"))
        .and(path("/auth/token"))
        .respond_with(ResponseTemplate::new(500).set_body_string("internal\nserver error"))
        .expect(3)
        .mount(&s.server)
        .await;

    let err = s.unith(Some(KEY)).exchange(EMAIL, false).await.unwrap_err();

    assert!(
        matches!(
            err,
            Error::Http {
                status: 500,
                attempts: 3,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.class(), ErrorClass::Service);
    let text = err.to_string();
    assert!(text.contains("internal server error"), "{text}");
    assert!(!text.contains(KEY), "{text}");
    assert_eq!(s.requests().await.len(), 3);
    s.server.verify().await;
}

/// An error page echoing the request it refused (as FastAPI's 422 `input` does) must not
/// carry the secret key, which travels in the body, into the error text.
#[tokio::test]
async fn an_error_page_echoing_the_exchange_body_never_shows_the_key() {
    let s = Setup::new().await;
    Mock::given(method("POST"))
        .and(path("/auth/token"))
        .respond_with(ResponseTemplate::new(422).set_body_json(json!({"detail": [{
            "type": "value_error", "loc": ["body"], "msg": "invalid",
            "input": {"email": EMAIL, "secretKey": KEY}
        }]})))
        .mount(&s.server)
        .await;

    let err = s.unith(Some(KEY)).exchange(EMAIL, false).await.unwrap_err();

    assert!(matches!(err, Error::Http { status: 422, .. }), "{err:?}");
    assert!(!err.to_string().contains(KEY), "{err}");
}

fn bearer_token() -> Token<Unith> {
    Token::new(ProviderToken::new(BEARER), start())
        .expiring(Some(start() + BEARER_LIFETIME))
        .for_account(EMAIL)
}

fn delete_key() -> MockBuilder {
    Mock::given(method("DELETE"))
        .and(path("/user/delete-secret-key"))
        .and(header("authorization", format!("Bearer {BEARER}").as_str()))
}

fn generate_key() -> MockBuilder {
    Mock::given(method("PUT"))
        .and(path("/user/generate-secret-key"))
        .and(header("authorization", format!("Bearer {BEARER}").as_str()))
}

#[tokio::test]
async fn rotate_deletes_then_generates_with_the_bearer_and_returns_the_new_key() {
    let s = Setup::new().await;
    delete_key()
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"message": "deleted"})))
        .expect(1)
        .mount(&s.server)
        .await;
    generate_key()
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "secretKey": NEW_KEY })))
        .expect(1)
        .mount(&s.server)
        .await;

    let key = s
        .unith(None)
        .rotate(&bearer_token().issued_by(s.server.uri()))
        .await
        .unwrap();

    assert_eq!(key.secret(), NEW_KEY);
    let requests = s.requests().await;
    let calls: Vec<(&str, &str)> = requests
        .iter()
        .map(|r| (r.method.as_str(), r.url.path()))
        .collect();
    assert_eq!(
        calls,
        [
            ("DELETE", "/user/delete-secret-key"),
            ("PUT", "/user/generate-secret-key")
        ]
    );
    for r in &requests {
        assert_eq!(values(r, "authorization"), [format!("Bearer {BEARER}")]);
    }
    s.server.verify().await;
}

#[tokio::test]
async fn a_generate_failing_after_the_delete_says_the_old_key_is_gone_without_the_bearer() {
    let s = Setup::new().await;
    delete_key()
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&s.server)
        .await;
    generate_key()
        .respond_with(
            ResponseTemplate::new(500).set_body_string(format!("failed for Bearer {BEARER}")),
        )
        .mount(&s.server)
        .await;

    let err = s
        .unith(None)
        .rotate(&bearer_token().issued_by(s.server.uri()))
        .await
        .unwrap_err();

    let text = err.to_string();
    assert!(text.contains("old secret key was deleted"), "{text}");
    assert!(!text.contains(BEARER), "{text}");
    assert!(!format!("{err:?}").contains(BEARER));
    assert_eq!(s.count("/user/delete-secret-key").await, 1);
    // Generating is not repeated after a 5xx: a retry could replace a key nobody saw.
    assert_eq!(s.count("/user/generate-secret-key").await, 1);
}

#[tokio::test]
async fn a_delete_answering_404_still_generates_a_new_key() {
    let s = Setup::new().await;
    delete_key()
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"detail": "no key"})))
        .expect(1)
        .mount(&s.server)
        .await;
    generate_key()
        .respond_with(ResponseTemplate::new(200).set_body_json(json!(NEW_KEY)))
        .expect(1)
        .mount(&s.server)
        .await;

    let key = s
        .unith(None)
        .rotate(&bearer_token().issued_by(s.server.uri()))
        .await
        .unwrap();

    assert_eq!(key.secret(), NEW_KEY);
    s.server.verify().await;
}

#[tokio::test]
async fn a_refused_bearer_stops_rotation_before_anything_is_generated() {
    let s = Setup::new().await;
    delete_key()
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&s.server)
        .await;
    generate_key()
        .respond_with(ResponseTemplate::new(200).set_body_json(json!(NEW_KEY)))
        .expect(0)
        .mount(&s.server)
        .await;

    let err = s
        .unith(None)
        .rotate(&bearer_token().issued_by(s.server.uri()))
        .await
        .unwrap_err();

    assert!(matches!(err, Error::NotAuthorized { .. }), "{err:?}");
    assert!(!err.to_string().contains(BEARER), "{err}");
    s.server.verify().await;
}

#[tokio::test]
async fn auth_from_unith_sessions_stamps_the_bearer_on_every_request() {
    let s = Setup::new().await;
    Mock::given(method("GET"))
        .and(path("/v1/things"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&s.server)
        .await;
    let sessions = s.sessions(s.unith(None));
    sessions
        .replace(bearer_token().issued_by(s.server.uri()))
        .unwrap();
    let auth = Auth::from(sessions);
    let request = ApiRequest::get(&format!("{}/v1/things", s.server.uri())).unwrap();

    for kind in [ApiKind::Graphql, ApiKind::Rest, ApiKind::Analytics] {
        fast_http()
            .send(&request, Some((&auth, kind)))
            .await
            .unwrap();
    }

    let requests = s.requests().await;
    assert_eq!(requests.len(), 3);
    for r in &requests {
        assert_only_auth(r, "authorization", &format!("Bearer {BEARER}"));
    }
    assert_eq!(auth.kind_name(), "UNITH bearer token");
}

#[tokio::test]
async fn a_401_with_a_key_at_hand_renews_once_and_the_retry_carries_the_new_bearer() {
    let s = Setup::new().await;
    Mock::given(method("GET"))
        .and(path("/v1/things"))
        .and(header("authorization", format!("Bearer {BEARER}").as_str()))
        .respond_with(ResponseTemplate::new(401))
        .mount(&s.server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/things"))
        .and(header(
            "authorization",
            format!("Bearer {RENEWED}").as_str(),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&s.server)
        .await;
    exchange(KEY)
        .respond_with(bearer_answer(RENEWED))
        .expect(1)
        .mount(&s.server)
        .await;
    let sessions = s.sessions(s.unith(Some(KEY)));
    sessions
        .replace(bearer_token().issued_by(s.server.uri()))
        .unwrap();
    let auth = Auth::from(sessions);
    let request = ApiRequest::get(&format!("{}/v1/things", s.server.uri())).unwrap();

    let response = fast_http()
        .send(&request, Some((&auth, ApiKind::Rest)))
        .await
        .unwrap();

    assert_eq!(response.status().as_u16(), 200);
    let requests = s.requests().await;
    let calls: Vec<(&str, &str)> = requests
        .iter()
        .map(|r| (r.method.as_str(), r.url.path()))
        .collect();
    assert_eq!(
        calls,
        [
            ("GET", "/v1/things"),
            ("POST", "/auth/token"),
            ("GET", "/v1/things")
        ]
    );
    assert_only_auth(&requests[0], "authorization", &format!("Bearer {BEARER}"));
    assert_only_auth(&requests[2], "authorization", &format!("Bearer {RENEWED}"));
    assert_eq!(stored_unith(&s).value().secret(), RENEWED);
    s.server.verify().await;
}

#[tokio::test]
async fn a_401_without_a_key_is_not_renewed_and_never_shows_the_bearer() {
    let s = Setup::new().await;
    Mock::given(method("GET"))
        .and(path("/v1/things"))
        .respond_with(ResponseTemplate::new(401).set_body_string(format!("bad token {BEARER}")))
        .mount(&s.server)
        .await;
    let sessions = s.sessions(s.unith(None));
    sessions
        .replace(bearer_token().issued_by(s.server.uri()))
        .unwrap();
    let auth = Auth::from(sessions);
    let request = ApiRequest::get(&format!("{}/v1/things", s.server.uri())).unwrap();

    let err = fast_http()
        .send(&request, Some((&auth, ApiKind::Rest)))
        .await
        .unwrap_err();

    assert!(matches!(err, Error::NotAuthorized { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("UNITH bearer token"), "{text}");
    assert!(!text.contains(BEARER), "{text}");
    assert_eq!(s.requests().await.len(), 1);
    assert_eq!(s.count("/auth/token").await, 0);
}

// ---------------------------------------------------------------- Unleash

fn unleash(s: &Setup) -> Unleash {
    Unleash::new(fast_http(), Some(&s.server.uri())).unwrap()
}

#[tokio::test]
async fn an_unleash_token_goes_raw_in_authorization_through_auth() {
    let s = Setup::new().await;
    Mock::given(method("GET"))
        .and(path("/api/client/features"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"features": []})))
        .mount(&s.server)
        .await;
    let token = Unleash::token(&format!("  {}\n", unleash_token()), start()).unwrap();
    let header = token.header().unwrap();
    assert_eq!(
        (header.name(), header.value().to_str().unwrap()),
        ("authorization", unleash_token().as_str())
    );
    let sessions = s.sessions(unleash(&s));
    sessions.replace(token).unwrap();
    let auth = Auth::from(sessions);
    let request = ApiRequest::get(&format!("{}/api/client/features", s.server.uri())).unwrap();

    fast_http()
        .send(&request, Some((&auth, ApiKind::Rest)))
        .await
        .unwrap();

    let requests = s.requests().await;
    assert_eq!(requests.len(), 1);
    assert_only_auth(&requests[0], "authorization", &unleash_token());
}

#[tokio::test]
async fn check_calls_each_apis_documented_path_with_the_raw_token() {
    let s = Setup::new().await;
    let apis = [
        (UnleashApi::Client, "/api/client/features"),
        (UnleashApi::Frontend, "/api/frontend"),
        (UnleashApi::Admin, "/api/admin/projects"),
    ];
    for (_, p) in apis {
        Mock::given(method("GET"))
            .and(path(p))
            .and(header("authorization", unleash_token().as_str()))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
            .expect(1)
            .mount(&s.server)
            .await;
    }
    let token = Unleash::token(&unleash_token(), start())
        .unwrap()
        .issued_by(s.server.uri());

    for (api, _) in apis {
        unleash(&s).check(&token, api).await.unwrap();
    }

    let requests = s.requests().await;
    let paths: Vec<&str> = requests.iter().map(|r| r.url.path()).collect();
    assert_eq!(
        paths,
        [
            "/api/client/features",
            "/api/frontend",
            "/api/admin/projects"
        ]
    );
    for r in &requests {
        assert_eq!(r.method.as_str(), "GET");
        assert_only_auth(r, "authorization", &unleash_token());
    }
    s.server.verify().await;
}

#[tokio::test]
async fn a_401_and_a_403_are_explained_differently_without_the_tokens_secret() {
    let s = Setup::new().await;
    let echo = format!("refused {}", unleash_token());
    Mock::given(method("GET"))
        .and(path("/api/client/features"))
        .respond_with(ResponseTemplate::new(401).set_body_string(echo.clone()))
        .mount(&s.server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/admin/projects"))
        .respond_with(ResponseTemplate::new(403).set_body_string(echo))
        .mount(&s.server)
        .await;
    let token = Unleash::token(&unleash_token(), start())
        .unwrap()
        .issued_by(s.server.uri());

    let unknown = unleash(&s)
        .check(&token, UnleashApi::Client)
        .await
        .unwrap_err();
    let forbidden = unleash(&s)
        .check(&token, UnleashApi::Admin)
        .await
        .unwrap_err();

    for err in [&unknown, &forbidden] {
        assert!(matches!(err, Error::NotAuthorized { .. }), "{err:?}");
        assert_eq!(err.class(), ErrorClass::Authentication);
        assert!(!err.to_string().contains(UNLEASH_RANDOM), "{err}");
        assert!(!format!("{err:?}").contains(UNLEASH_RANDOM));
    }
    let (unknown, forbidden) = (unknown.to_string(), forbidden.to_string());
    assert_ne!(unknown, forbidden);
    assert!(unknown.contains("401"), "{unknown}");
    assert!(
        forbidden.contains("403") && forbidden.contains("kind or scope"),
        "{forbidden}"
    );
    assert!(!unknown.contains("kind or scope"), "{unknown}");
    assert_eq!(s.requests().await.len(), 2, "neither is retried");
}

#[tokio::test]
async fn without_a_base_url_check_names_the_setting_and_sends_nothing() {
    let s = Setup::new().await;
    let token = Unleash::token(&unleash_token(), start())
        .unwrap()
        .issued_by(s.server.uri());

    let err = Unleash::new(fast_http(), None)
        .unwrap()
        .check(&token, UnleashApi::Client)
        .await
        .unwrap_err();

    assert!(matches!(err, Error::Config { .. }), "{err:?}");
    assert!(err.to_string().contains("UL_BASE_URL"), "{err}");
    assert!(!err.to_string().contains(UNLEASH_RANDOM), "{err}");
    assert!(s.requests().await.is_empty());
}

#[tokio::test]
async fn unleash_tokens_never_expire_and_cannot_be_renewed_from_here() {
    let s = Setup::new().await;
    let token = Unleash::token(&unleash_token(), start())
        .unwrap()
        .issued_by(s.server.uri());
    assert_eq!(token.expires_at(), None);
    assert_eq!(token.time_left(start()), None);
    let sessions = s.sessions(unleash(&s));
    sessions.replace(token).unwrap();
    assert!(!Auth::from(sessions.clone()).renews());
    s.clock.advance(Duration::from_secs(10 * 365 * 24 * 3600));

    let current = sessions.current().await.unwrap();
    let err = sessions.renew_now().await.unwrap_err();

    assert_eq!(current.value().secret(), unleash_token());
    assert!(matches!(err, Error::SignInAgain { .. }), "{err:?}");
    assert_eq!(err.class(), ErrorClass::Authentication);
    assert!(s.requests().await.is_empty());
}

// ---------------------------------------------------------------- UnleashX

fn unleashx(s: &Setup) -> UnleashX {
    UnleashX::new(fast_http(), &s.server.uri()).unwrap()
}

fn mint_call() -> MockBuilder {
    Mock::given(method("POST"))
        .and(path("/api/v1/global/generate-token"))
        .and(header("token", LOGIN))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({})))
}

#[tokio::test]
async fn unleashx_code_login_mint_and_verify_send_the_documented_requests() {
    let s = Setup::new().await;
    Mock::given(method("POST"))
        .and(path("/api/login"))
        .and(body_json(json!({"username": USERNAME})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"message": "OTP_SENT"})))
        .expect(1)
        .mount(&s.server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/login"))
        .and(body_json(json!({"username": USERNAME, "otp": "123456"})))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"auth": {}, "token": LOGIN, "message": "LOGGEDIN"})),
        )
        .expect(1)
        .mount(&s.server)
        .await;
    mint_call()
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"message": "API token generated successfully", "token": API_TOKEN}),
        ))
        .expect(1)
        .mount(&s.server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/global/verify"))
        .and(header("token", API_TOKEN))
        .and(body_json(json!({})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"message": "VALID"})))
        .expect(1)
        .mount(&s.server)
        .await;
    let ux = unleashx(&s);

    ux.request_code(USERNAME).await.unwrap();
    let login = ux
        .login(USERNAME, &OneTimeCode::new("123456"))
        .await
        .unwrap();
    let token = ux.mint(&login, USERNAME, start()).await.unwrap();
    ux.verify(&token).await.unwrap();

    assert_eq!(login.secret(), LOGIN);
    assert_eq!(token.value().secret(), API_TOKEN);
    assert_eq!(token.account(), Some(USERNAME));
    assert_eq!(token.expires_at(), None);
    let header = token.header().unwrap();
    assert_eq!(
        (header.name(), header.value().to_str().unwrap()),
        ("token", API_TOKEN)
    );
    let requests = s.requests().await;
    let calls: Vec<(&str, &str)> = requests
        .iter()
        .map(|r| (r.method.as_str(), r.url.path()))
        .collect();
    assert_eq!(
        calls,
        [
            ("POST", "/api/login"),
            ("POST", "/api/login"),
            ("POST", "/api/v1/global/generate-token"),
            ("POST", "/api/v1/global/verify"),
        ]
    );
    assert_eq!(body(&requests[0]), json!({"username": USERNAME}));
    assert_eq!(
        body(&requests[1]),
        json!({"username": USERNAME, "otp": "123456"})
    );
    for r in &requests[..2] {
        assert!(r.headers.get("token").is_none());
    }
    assert_eq!(values(&requests[2], "token"), [LOGIN]);
    assert_eq!(values(&requests[2], "content-type"), ["application/json"]);
    assert_eq!(body(&requests[2]), json!({}));
    assert_eq!(values(&requests[3], "token"), [API_TOKEN]);
    assert_eq!(body(&requests[3]), json!({}));
    assert_eq!(requests[3].url.query(), None);
    for r in &requests {
        assert!(r.headers.get("authorization").is_none());
    }
    s.server.verify().await;
}

#[tokio::test]
async fn each_documented_mint_error_is_an_authentication_error_naming_its_code() {
    let s = Setup::new().await;
    let cases = [
        (400, "LOGIN_TOKEN_REQUIRED", false),
        (401, "INVALID_LOGIN_TOKEN", true),
        (401, "SESSIONEXPIRED", true),
        // Some errors come back as a 200 holding `"error": true`.
        (200, "SESSIONEXPIRED", true),
    ];
    for (status, code, sign_in_again) in cases {
        s.server.reset().await;
        Mock::given(method("POST"))
            .and(path("/api/v1/global/generate-token"))
            .respond_with(
                ResponseTemplate::new(status)
                    .set_body_json(json!({"error": true, "message": code, "token": LOGIN})),
            )
            .expect(1)
            .mount(&s.server)
            .await;

        let err = unleashx(&s)
            .mint(&LoginToken::new(LOGIN), USERNAME, start())
            .await
            .unwrap_err();

        assert_eq!(err.class(), ErrorClass::Authentication, "{status} {err:?}");
        if sign_in_again {
            assert!(matches!(err, Error::SignInAgain { .. }), "{status} {err:?}");
        } else {
            assert!(
                matches!(err, Error::NotAuthorized { .. }),
                "{status} {err:?}"
            );
        }
        let text = err.to_string();
        assert!(text.contains(code), "{status}: {text}");
        assert!(text.contains("log in again"), "{status}: {text}");
        assert!(!text.contains(LOGIN), "{status}: {text}");
        assert!(!format!("{err:?}").contains(LOGIN));
        s.server.verify().await;
    }
}

// ---------------------------------------------------------------- the store

#[tokio::test]
async fn a_provider_token_is_stored_0600_under_its_provider_and_refused_as_another() {
    let s = Setup::new().await;
    let store = s.store();
    let token = bearer_token();

    let file = store.save("work", &token).unwrap();

    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let envelope: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(envelope["provider"], "unith");
    assert_eq!(envelope["data"]["token"], BEARER);
    assert_eq!(envelope["data"]["account"], EMAIL);
    assert!(envelope["data"].get("secretKey").is_none(), "{envelope}");
    let back: Token<Unith> = store.load("work").unwrap().unwrap();
    assert_eq!(back.value().secret(), BEARER);
    assert_eq!(back.expires_at(), Some(start() + BEARER_LIFETIME));
    let as_unleash = store.load::<Token<Unleash>>("work").unwrap_err();
    let as_unleashx = store.load::<Token<UnleashX>>("work").unwrap_err();
    for (err, other) in [(as_unleash, "unleash"), (as_unleashx, "unleashx")] {
        let Error::Cache { path, reason, .. } = &err else {
            panic!("{err:?}");
        };
        assert_eq!(path, &file);
        assert!(
            reason.contains("unith") && reason.contains(&format!("not {other}")),
            "{reason}"
        );
    }
}
