//! AWS credentials from the identity pool, in the library: the provider, renewal with a third of
//! their life left, and refusals as typed errors.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::{Value, json};
use unleashlive_auth::clock::{Clock, SystemClock};
use unleashlive_auth::cognito::AuthFlow;
use unleashlive_auth::{
    Error, ErrorClass, IdentityClient, IdentityCredentials, Session, SessionStore,
};
use wiremock::matchers::{header, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::manager;
use crate::util::REGION;
use crate::util::emulator::require;
use crate::util::identity::{Aws, TestClock};
use crate::util::session::signed_in;

#[tokio::test]
async fn a_signed_in_user_gets_aws_credentials_from_the_identity_pool() {
    require!(moto);
    let aws = Aws::create().await;
    let dir = tempfile::tempdir().unwrap();
    let store = SessionStore::new(dir.path());
    signed_in(aws.config(), AuthFlow::Password, &store).await;
    let credentials = IdentityCredentials::new(manager(&aws, &store))
        .credentials()
        .await
        .unwrap();
    assert!(!credentials.access_key_id().is_empty());
    assert!(!credentials.secret_access_key().secret().is_empty());
    assert!(!credentials.session_token().secret().is_empty());
    assert!(credentials.identity_id().contains(':'), "<region>:<uuid>");
    let left = credentials
        .expires_at()
        .duration_since(SystemClock.now())
        .unwrap();
    assert!(
        left > Duration::from_secs(60) && left <= Duration::from_secs(90),
        "moto's credentials live 90 s: {left:?}"
    );
    let shown = format!("{credentials:?}");
    assert!(!shown.contains(credentials.secret_access_key().secret()));
    assert!(!shown.contains(credentials.session_token().secret()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn credentials_are_renewed_with_a_third_of_their_life_left_once_for_all_callers() {
    require!(moto);
    let aws = Aws::create().await;
    let dir = tempfile::tempdir().unwrap();
    let store = SessionStore::new(dir.path());
    signed_in(aws.config(), AuthFlow::Password, &store).await;
    let clock = TestClock::at(SystemClock.now());
    let provider = IdentityCredentials::builder(manager(&aws, &store))
        .clock(clock.clone())
        .build();
    let first = provider.credentials().await.unwrap();
    // 55 s into a 90 s life: more than a third left, so no call.
    clock.advance(Duration::from_secs(55));
    let cached = provider.credentials().await.unwrap();
    assert_eq!(cached.expires_at(), first.expires_at());
    // 65 s: less than a third left. moto stamps each answer with its own clock, so every
    // GetCredentialsForIdentity call yields a distinct expiry.
    clock.advance(Duration::from_secs(10));
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let provider = provider.clone();
            tokio::spawn(async move { provider.credentials().await })
        })
        .collect();
    let mut expiries = BTreeSet::new();
    let mut identities = BTreeSet::new();
    for task in tasks {
        let renewed = task.await.unwrap().unwrap();
        expiries.insert(renewed.expires_at());
        identities.insert(renewed.identity_id().to_owned());
    }
    assert_eq!(expiries.len(), 1, "one renewal served all 50 callers");
    assert!(
        *expiries.first().unwrap() > first.expires_at(),
        "the renewal asked the identity pool again"
    );
    // moto answers GetId with a new random id each time: the same id means GetId was not
    // asked again.
    assert_eq!(
        identities.into_iter().collect::<Vec<_>>(),
        [first.identity_id().to_owned()]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_provider_takes_a_refreshed_id_token_from_the_session_manager() {
    require!(moto);
    let aws = Aws::create().await;
    let dir = tempfile::tempdir().unwrap();
    let store = SessionStore::new(dir.path());
    let original = signed_in(aws.config(), AuthFlow::Password, &store).await;
    // 3400 s later the hour-long session is inside the manager's 5-minute margin.
    let clock = TestClock::at(SystemClock.now());
    clock.advance(Duration::from_secs(3400));
    let sessions = manager(&aws, &store).with_clock(clock);
    IdentityCredentials::new(sessions)
        .credentials()
        .await
        .unwrap();
    let stored: Session = store.load("default").unwrap().unwrap();
    assert_ne!(
        stored.id_token(),
        original.id_token(),
        "the session was refreshed before its ID token went to the identity pool"
    );
}

/// An identity pool stand-in that answers `target` with an AWS JSON error.
fn fault(target: &str, kind: &str, message: &str) -> Mock {
    Mock::given(method("POST"))
        .and(header(
            "x-amz-target",
            format!("AWSCognitoIdentityService.{target}").as_str(),
        ))
        .respond_with(
            ResponseTemplate::new(400)
                .insert_header("content-type", "application/x-amz-json-1.1")
                .set_body_string(json!({ "__type": kind, "message": message }).to_string()),
        )
}

#[tokio::test]
async fn identity_pool_refusals_arrive_as_typed_errors_with_the_logins_map_on_the_wire() {
    require!(moto);
    let aws = Aws::create().await;
    let dir = tempfile::tempdir().unwrap();
    let store = SessionStore::new(dir.path());
    let session = signed_in(aws.config(), AuthFlow::Password, &store).await;
    let server = MockServer::start().await;
    let config = aws.settings().endpoint_url(server.uri()).resolve().unwrap();
    let client = IdentityClient::new(config).await;

    fault(
        "GetId",
        "ResourceNotFoundException",
        "IdentityPool 'x' not found.",
    )
    .mount(&server)
    .await;
    let err = client.credentials(&session).await.unwrap_err();
    assert!(matches!(err, Error::UnknownIdentityPool { .. }), "{err:?}");
    assert!(err.to_string().contains("identity pool"), "{err}");
    // The Logins map names the user pool and carries the ID token.
    let requests = server.received_requests().await.unwrap();
    let body: Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert_eq!(body["IdentityPoolId"], aws.identity_pool_id.as_str());
    let provider = format!("cognito-idp.{REGION}.amazonaws.com/{}", aws.pool.pool_id);
    assert_eq!(body["Logins"][&provider], session.id_token().secret());

    server.reset().await;
    Mock::given(method("POST"))
        .and(header("x-amz-target", "AWSCognitoIdentityService.GetId"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/x-amz-json-1.1")
                .set_body_string(r#"{"IdentityId":"ap-southeast-2:abc"}"#),
        )
        .mount(&server)
        .await;
    fault(
        "GetCredentialsForIdentity",
        "NotAuthorizedException",
        "Invalid login token. Token expired: 1446742058 >= 1446727732",
    )
    .mount(&server)
    .await;
    let err = client.credentials(&session).await.unwrap_err();
    assert!(matches!(err, Error::TokenExpired { .. }), "{err:?}");
    assert_eq!(err.class(), ErrorClass::Authentication);

    server.reset().await;
    fault("GetId", "TooManyRequestsException", "Rate exceeded")
        .mount(&server)
        .await;
    let err = client.credentials(&session).await.unwrap_err();
    assert!(matches!(err, Error::Throttled { .. }), "{err:?}");
    assert_eq!(err.class(), ErrorClass::Service);
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        3,
        "throttling is retried, a bounded number of times"
    );
}

#[tokio::test]
async fn an_expired_id_token_is_refused_without_asking_the_identity_pool() {
    require!(moto);
    let aws = Aws::create().await;
    let dir = tempfile::tempdir().unwrap();
    let store = SessionStore::new(dir.path());
    let session = signed_in(aws.config(), AuthFlow::Password, &store).await;
    let server = MockServer::start().await;
    let config = aws.settings().endpoint_url(server.uri()).resolve().unwrap();
    let clock = TestClock::at(session.expires_at());
    clock.advance(Duration::from_secs(1));
    let err = IdentityClient::with_clock(config, clock)
        .await
        .credentials(&session)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::TokenExpired { .. }), "{err:?}");
    assert!(server.received_requests().await.unwrap().is_empty());
}
