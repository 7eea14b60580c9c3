//! The key-set cache and its rate-limited refetch, counted on a local HTTP server.

use super::{
    KeyServer, NOW, TestClock, config, header, id_claims, jwk, jwks, moto_key, other_key,
    rejection, rs256,
};
use crate::util::emulator::require;
use std::time::Duration;
use unleashlive_auth::token::jwks::JwksFailure;
use unleashlive_auth::token::{JwksCache, Rejection, Verifier};
use unleashlive_auth::{Error, ErrorClass};
use wiremock::ResponseTemplate;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_flood_of_unknown_kids_costs_one_refetch_per_ten_seconds() {
    require!(python);
    let keys = KeyServer::serving(jwks(&[jwk(moto_key(), "dummy")])).await;
    let clock = TestClock::at(NOW);
    let verifier = keys.verifier(&clock);
    let good = rs256(moto_key(), &header("dummy"), &id_claims());
    verifier.verify_id_token(&good).await.unwrap();
    assert_eq!(keys.requests().await, 1);

    let forged: Vec<String> = (0..50)
        .map(|i| rs256(other_key(), &header(&format!("forged-{i}")), &id_claims()))
        .collect();
    let flood = |tokens: Vec<String>| {
        let verifier = verifier.clone();
        async move {
            let tasks: Vec<_> = tokens
                .into_iter()
                .map(|t| {
                    let v = verifier.clone();
                    tokio::spawn(async move { v.verify_id_token(&t).await.map(|_| ()) })
                })
                .collect();
            for task in tasks {
                assert!(matches!(
                    rejection(task.await.unwrap()),
                    Rejection::UnknownKey { .. }
                ));
            }
        }
    };
    // Inside the first fetch's window: no refetch at all.
    flood(forged.clone()).await;
    assert_eq!(keys.requests().await, 1);
    clock.advance(11);
    flood(forged.clone()).await;
    assert_eq!(keys.requests().await, 2, "fifty misses, one refetch");
    clock.advance(9);
    flood(forged.clone()).await;
    // Known keys never wait for, or cause, a fetch.
    verifier.verify_id_token(&good).await.unwrap();
    assert_eq!(keys.requests().await, 2);
    clock.advance(2);
    flood(forged).await;
    assert_eq!(keys.requests().await, 3);
}

#[tokio::test]
async fn a_rotated_key_is_found_by_the_refetch() {
    require!(python);
    let keys = KeyServer::serving(jwks(&[jwk(moto_key(), "dummy")])).await;
    let clock = TestClock::at(NOW);
    let verifier = keys.verifier(&clock);
    let old = rs256(moto_key(), &header("dummy"), &id_claims());
    verifier.verify_id_token(&old).await.unwrap();

    keys.serve(ResponseTemplate::new(200).set_body_string(jwks(&[
        jwk(moto_key(), "dummy"),
        jwk(other_key(), "rotated"),
    ])))
    .await;
    clock.advance(11);
    let new = rs256(other_key(), &header("rotated"), &id_claims());
    assert_eq!(
        verifier.verify_id_token(&new).await.unwrap().sub,
        "5b0c7f3e"
    );
    assert_eq!(verifier.jwks().kids(), ["dummy", "rotated"]);
    verifier.verify_id_token(&old).await.unwrap();
    assert_eq!(keys.requests().await, 1, "counted since the reset");
}

#[tokio::test]
async fn a_key_removed_from_the_pool_stops_being_trusted_after_the_maximum_age() {
    require!(python);
    let keys = KeyServer::serving(jwks(&[jwk(moto_key(), "dummy")])).await;
    let clock = TestClock::at(NOW);
    let cache = JwksCache::builder(keys.url())
        .clock(clock.clone())
        .max_key_age(std::time::Duration::from_secs(60))
        .build()
        .unwrap();
    let verifier = Verifier::builder(&config())
        .jwks(cache)
        .clock(clock.clone())
        .build()
        .unwrap();
    let old = rs256(moto_key(), &header("dummy"), &id_claims());
    verifier.verify_id_token(&old).await.unwrap();

    // The pool drops the key; within the maximum age the cached one still verifies.
    keys.serve(ResponseTemplate::new(200).set_body_string(jwks(&[jwk(other_key(), "rotated")])))
        .await;
    clock.advance(30);
    verifier.verify_id_token(&old).await.unwrap();
    assert_eq!(keys.requests().await, 0);

    // Past it, the set is fetched again before use, and the removed key is no longer trusted.
    clock.advance(31);
    assert!(matches!(
        rejection(verifier.verify_id_token(&old).await),
        Rejection::UnknownKey { .. }
    ));
    assert_eq!(keys.requests().await, 1);
    assert_eq!(verifier.jwks().kids(), ["rotated"]);

    // Old keys are not trusted when the refetch fails either: the failure is reported.
    keys.serve(ResponseTemplate::new(503)).await;
    clock.advance(61);
    let new = rs256(other_key(), &header("rotated"), &id_claims());
    assert!(matches!(
        verifier.verify_id_token(&new).await,
        Err(Error::Jwks(_))
    ));
}

#[tokio::test]
async fn key_set_failures_are_service_errors_that_say_what_went_wrong() {
    require!(python);
    let clock = TestClock::at(NOW);
    let token = rs256(moto_key(), &header("dummy"), &id_claims());
    let cases = [
        (ResponseTemplate::new(503), JwksFailure::Status(503)),
        (
            ResponseTemplate::new(302).insert_header("location", "http://example.com/jwks.json"),
            JwksFailure::Status(302),
        ),
        (
            ResponseTemplate::new(200).set_body_string("<html>maintenance</html>"),
            JwksFailure::NotJson,
        ),
        (
            ResponseTemplate::new(200).set_body_string(r#"{"keys": []}"#),
            JwksFailure::NoUsableKey,
        ),
        (
            ResponseTemplate::new(200).set_body_string(" ".repeat(70 * 1024)),
            JwksFailure::TooLarge(64 * 1024),
        ),
    ];
    let keys = KeyServer::serving(String::new()).await;
    for (response, want) in cases {
        keys.serve(response).await;
        let verifier = keys.verifier(&clock);
        let err = verifier.verify_id_token(&token).await.unwrap_err();
        assert_eq!(err.class(), ErrorClass::Service);
        let Error::Jwks(jwks) = &err else {
            panic!("expected a key-set error, got {err:?}");
        };
        assert_eq!(jwks.failure, want, "{err}");
        assert!(err.to_string().contains(&keys.url()), "{err}");
        // The failure is remembered: no second request inside the window.
        let again = verifier.verify_id_token(&token).await.unwrap_err();
        assert!(matches!(again, Error::Jwks(_)), "{again}");
        assert_eq!(keys.requests().await, 1);
    }

    // A server that never answers in time.
    keys.serve(
        ResponseTemplate::new(200)
            .set_body_string(jwks(&[jwk(moto_key(), "dummy")]))
            .set_delay(Duration::from_secs(5)),
    )
    .await;
    let slow = JwksCache::builder(keys.url())
        .timeouts(Duration::from_millis(500), Duration::from_millis(500))
        .build()
        .unwrap();
    let verifier = Verifier::builder(&config())
        .jwks(slow)
        .clock(clock.clone())
        .build()
        .unwrap();
    let err = verifier.verify_id_token(&token).await.unwrap_err();
    assert!(
        matches!(&err, Error::Jwks(e) if e.failure == JwksFailure::Timeout(Duration::from_millis(500))),
        "{err}"
    );

    // Nobody listening.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let verifier = Verifier::builder(&config())
        .jwks(JwksCache::new(format!("http://127.0.0.1:{closed}/jwks.json")).unwrap())
        .clock(clock.clone())
        .build()
        .unwrap();
    let err = verifier.verify_id_token(&token).await.unwrap_err();
    assert!(
        matches!(&err, Error::Jwks(e) if matches!(e.failure, JwksFailure::Unreachable(_))),
        "{err}"
    );
}
