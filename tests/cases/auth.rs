//! `Auth`: one right header per API kind (a PAT as a bearer token, a legacy key as `x-api-key`,
//! the Cognito session as each API takes it); a 401 renews a Cognito session once, never a PAT.

use serde_json::{Value, json};
use unleashlive_auth::api::flights::Scope;
use unleashlive_auth::api::graphql::{GraphqlClient, Operation};
use unleashlive_auth::{ApiKey, Auth, ErrorClass, PersonalAccessToken};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::util::api::{Setup, store};
use crate::util::emulator::require;
use crate::util::mediadrive::MediaDriveStandIn;
use crate::util::unleash::{assert_only_auth, assert_only_auth_recorded, config, fast_http};

#[tokio::test]
async fn a_401_renews_the_cognito_session_once_then_is_an_authentication_error() {
    require!(python);
    let s = Setup::new().await;
    let md = MediaDriveStandIn::start();
    md.control(json!({"accept": ["a token nobody has"]})).await;
    let before = s.id_token().await;

    let err = s.drive_on(&md).get("a").await.unwrap_err();

    assert_eq!(err.class(), ErrorClass::Authentication, "{err:?}");
    assert!(err.to_string().contains("even after a refresh"), "{err}");
    assert_eq!(s.running.count("GetTokensFromRefreshToken"), 1);
    let requests = md.requests().await;
    let outcomes: Vec<&str> = requests.iter().map(|r| r.outcome.as_str()).collect();
    assert_eq!(outcomes, ["unauthorized", "unauthorized"]);
    assert_only_auth_recorded(&requests[0], "authorization", &before);
    let after = s.id_token().await;
    assert_ne!(before, after);
    assert_only_auth_recorded(&requests[1], "authorization", &after);
}

#[tokio::test]
async fn a_401_then_success_after_the_refresh_goes_through() {
    let s = Setup::new().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&s.api)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"items": []})))
        .mount(&s.api)
        .await;

    let logs = s
        .flights(Auth::Cognito(s.sessions.clone()))
        .list(Scope::Company, 1, 2)
        .await;

    assert!(logs.unwrap().is_empty());
    assert_eq!(s.running.count("GetTokensFromRefreshToken"), 1);
}

#[tokio::test]
async fn a_refused_pat_is_not_renewed_and_never_shown() {
    let s = Setup::new().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_string("bad token ul_pat_secret123"))
        .mount(&s.api)
        .await;

    let err = s
        .flights(Auth::Pat(PersonalAccessToken::new("ul_pat_secret123")))
        .list(Scope::Team, 1, 2)
        .await
        .unwrap_err();

    assert_eq!(err.class(), ErrorClass::Authentication);
    assert!(!err.to_string().contains("secret123"), "{err}");
    assert!(!format!("{err:?}").contains("secret123"));
    assert_eq!(s.requests().await.len(), 1);
    assert_eq!(s.running.count("GetTokensFromRefreshToken"), 0);
}

#[tokio::test]
async fn a_pat_goes_as_a_bearer_token_and_an_api_key_as_x_api_key_on_every_client() {
    require!(python);
    let s = Setup::new().await;
    let md = MediaDriveStandIn::start();
    md.control(store()).await;
    md.control(json!({"accept": ["Bearer ul_pat_abc"]})).await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&s.api)
        .await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"data": {"__typename": "Query"}})),
        )
        .mount(&s.api)
        .await;
    let pat = Auth::Pat(PersonalAccessToken::new("ul_pat_abc"));
    let drive = s.drive_with(&md, fast_http(), pat.clone());
    assert!(drive.get("i1").await.unwrap().is_some());
    assert_eq!(drive.rename("i1", "b").await.unwrap(), "i1");
    s.flights(pat).list(Scope::Team, 1, 2).await.unwrap();
    // Another GraphQL API that takes a legacy key (the stand-in, like Media Drive, takes
    // only `authorization`).
    let key = Auth::ApiKey(ApiKey::new("legacy-key"));
    let cfg = config(&s.running, &s.api);
    GraphqlClient::new(fast_http(), key, cfg.graphql_url().to_owned())
        .run::<Value>(&Operation::query("Typename", "__typename"))
        .await
        .unwrap();

    for r in &md.executed_requests().await {
        assert_only_auth_recorded(r, "authorization", "Bearer ul_pat_abc");
    }
    assert_eq!(md.stored("i1").await.unwrap()["name"], "b");
    let requests = s.requests().await;
    assert_only_auth(&requests[0], "authorization", "Bearer ul_pat_abc");
    assert_only_auth(&requests[1], "x-api-key", "legacy-key");
}

#[tokio::test]
async fn a_refused_pat_on_media_drive_is_not_renewed() {
    require!(python);
    let s = Setup::new().await;
    let md = MediaDriveStandIn::start();
    md.control(json!({"accept": ["Bearer ul_pat_other"]})).await;

    let err = s
        .drive_with(
            &md,
            fast_http(),
            Auth::Pat(PersonalAccessToken::new("ul_pat_secret9")),
        )
        .get("a")
        .await
        .unwrap_err();

    assert_eq!(err.class(), ErrorClass::Authentication, "{err:?}");
    assert!(!err.to_string().contains("secret9"), "{err}");
    let requests = md.requests().await;
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].outcome, "unauthorized");
    assert_eq!(s.running.count("GetTokensFromRefreshToken"), 0);
}
