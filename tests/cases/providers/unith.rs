//! UNITH in the library: the exchange, cached and single-flight renewal on an injected clock,
//! remembered keys, rotation and `Auth`, against wiremock asserting the requests of
//! `PROVIDERS.md`.

use std::time::{Duration, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures_util::future::join_all;
use serde_json::json;
use unleashlive_auth::providers::unith::{self, BEARER_LIFETIME};
use unleashlive_auth::{Auth, Error, ErrorClass, SecretKey};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use super::fixtures::{
    BEARER, EMAIL, KEY, NOW, RENEWED, Setup, bearer_answer, body, exchange, start, stored_unith,
    values,
};

/// A JWT-shaped bearer (base64url header and payload, any signature) expiring at `exp`.
fn jwt_expiring_at(exp: u64) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(json!({"sub": EMAIL, "exp": exp}).to_string());
    format!("{header}.{payload}.c2lnbmF0dXJl")
}

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
        assert!(err.to_string().contains(unith::NO_KEY_TO_RENEW), "{err}");
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
