//! The one entry point, `UnleashLive`: built from explicit parts, it signs in with SRP into
//! its store and hands out API clients that share its credential; an in-memory store writes
//! nothing to disk.

use serde_json::json;
use unleashlive_auth::api::flights::Scope;
use unleashlive_auth::credentials::pat;
use unleashlive_auth::{
    CredentialChoice, CredentialSource, Error, Password, PersonalAccessToken, SessionStore, SignIn,
    UnleashLive,
};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::util::standin::CognitoStandIn;
use crate::util::unleash::{assert_only_auth, config, fast_http};
use crate::util::{PASSWORD, PILOT};

const PAT: &str = "ul_pat_0123456789abcdefClient1";

async fn flights_answer(api: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/v1/flights/team"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"items": []})))
        .mount(api)
        .await;
}

#[tokio::test]
async fn it_signs_in_with_srp_into_an_in_memory_store_and_calls_an_api_with_the_id_token() {
    let running = CognitoStandIn::new(None)
        .with_user(PILOT, PASSWORD)
        .start()
        .await;
    let api = MockServer::start().await;
    flights_answer(&api).await;
    let ul = UnleashLive::builder()
        .config(config(&running, &api))
        .store(SessionStore::in_memory())
        .credential(CredentialChoice::Session)
        .http(fast_http())
        .build()
        .await
        .unwrap();
    assert!(!ul.is_signed_in().unwrap());
    assert_eq!(ul.credential_source(), CredentialSource::Session);

    let SignIn::Done(session) = ul.sign_in(PILOT, &Password::new(PASSWORD)).await.unwrap() else {
        panic!("the stand-in asked for a challenge");
    };
    assert!(ul.is_signed_in().unwrap());
    // The sign-in went through SRP, the default, never sending the password.
    let ops = running.operations();
    assert!(ops.iter().any(|op| op.ends_with("InitiateAuth")), "{ops:?}");
    assert!(
        running.bodies("InitiateAuth")[0]["AuthFlow"] == "USER_SRP_AUTH",
        "{:?}",
        running.bodies("InitiateAuth")
    );

    let listing = ul.flights().listing(Scope::Team, 0, 1).await.unwrap();
    assert!(listing.complete && listing.logs.is_empty());
    let sent = api.received_requests().await.unwrap();
    assert_eq!(sent.len(), 1);
    assert_only_auth(
        &sent[0],
        "x-amz-cognito-security-token",
        session.id_token().secret(),
    );
    // A clone shares the store: the session is there too, and nothing reached the disk.
    assert!(ul.clone().is_signed_in().unwrap());
    assert!(ul.store().is_in_memory());
    assert!(!ul.store().dir().exists());
}

#[tokio::test]
async fn a_given_pat_is_the_bearer_of_every_api_client() {
    let running = CognitoStandIn::new(None).start().await;
    let api = MockServer::start().await;
    flights_answer(&api).await;
    Mock::given(method("GET"))
        .and(path("/v1/analytics/version"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!("1.0.1")))
        .mount(&api)
        .await;
    let ul = UnleashLive::builder()
        .config(config(&running, &api))
        .store(SessionStore::in_memory())
        .credential(CredentialChoice::Pat(PersonalAccessToken::new(PAT)))
        .http(fast_http())
        .build()
        .await
        .unwrap();
    assert_eq!(ul.credential_source(), CredentialSource::Given);
    ul.flights().listing(Scope::Team, 0, 1).await.unwrap();
    assert_eq!(ul.analytics().version().await.unwrap(), "1.0.1");
    let sent = api.received_requests().await.unwrap();
    assert_eq!(sent.len(), 2);
    for request in &sent {
        assert_only_auth(request, "authorization", &format!("Bearer {PAT}"));
    }
    // No Cognito call was made.
    assert!(
        running.operations().is_empty(),
        "{:?}",
        running.operations()
    );
}

#[tokio::test]
async fn with_the_session_chosen_analytics_still_takes_the_profiles_stored_pat() {
    let running = CognitoStandIn::new(None).start().await;
    let api = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/analytics/version"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!("1.0.1")))
        .mount(&api)
        .await;
    let store = SessionStore::in_memory();
    pat::save(&store, "ops", &PersonalAccessToken::new(PAT)).unwrap();
    let ul = UnleashLive::builder()
        .profile("ops")
        .config(config(&running, &api))
        .store(store)
        .credential(CredentialChoice::Session)
        .http(fast_http())
        .build()
        .await
        .unwrap();
    assert_eq!(ul.credential_source(), CredentialSource::Session);
    assert_eq!(ul.profile(), "ops");
    ul.analytics().version().await.unwrap();
    let sent = api.received_requests().await.unwrap();
    assert_only_auth(&sent[0], "authorization", &format!("Bearer {PAT}"));
}

#[tokio::test]
async fn without_a_session_an_api_call_says_so_and_sends_nothing() {
    let running = CognitoStandIn::new(None).start().await;
    let api = MockServer::start().await;
    flights_answer(&api).await;
    let ul = UnleashLive::builder()
        .config(config(&running, &api))
        .store(SessionStore::in_memory())
        .credential(CredentialChoice::Session)
        .build()
        .await
        .unwrap();
    let err = ul.flights().listing(Scope::Team, 0, 1).await.unwrap_err();
    assert!(matches!(err, Error::NotSignedIn { .. }), "{err:?}");
    assert!(api.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_profile_name_that_cannot_name_a_file_is_refused() {
    let err = UnleashLive::builder()
        .profile("../etc/passwd")
        .store(SessionStore::in_memory())
        .build()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
}

#[tokio::test]
async fn a_sign_in_never_replaces_another_providers_credential() {
    use unleashlive_auth::providers::{Token, unith::Unith};
    let running = CognitoStandIn::new(None)
        .with_user(PILOT, PASSWORD)
        .start()
        .await;
    let api = MockServer::start().await;
    let store = SessionStore::in_memory();
    let unith = Token::<Unith>::new(
        unleashlive_auth::ProviderToken::new("unith-bearer"),
        std::time::UNIX_EPOCH,
    );
    store.save("default", &unith).unwrap();
    let ul = UnleashLive::builder()
        .config(config(&running, &api))
        .store(store.clone())
        .credential(CredentialChoice::Session)
        .build()
        .await
        .unwrap();
    let err = ul
        .sign_in(PILOT, &Password::new(PASSWORD))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Config { setting, .. } if setting == "provider"),
        "{err:?}"
    );
    assert_eq!(
        store.stored_provider("default").unwrap().as_deref(),
        Some("unith")
    );
    let kept: Token<Unith> = store.load("default").unwrap().unwrap();
    assert_eq!(kept.value().secret(), "unith-bearer");
}

#[tokio::test]
async fn a_profile_of_another_provider_is_refused() {
    let err = UnleashLive::builder()
        .profile("flags")
        .overrides(unleashlive_auth::Settings::default().provider("unith"))
        .store(SessionStore::in_memory())
        .build()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Config { setting, .. } if setting == "provider"),
        "{err:?}"
    );
    assert!(err.to_string().contains("unith"), "{err}");
}
