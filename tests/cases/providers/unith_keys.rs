//! UNITH in the library, its keys and `Auth`: rotation (delete, then generate, with the bearer)
//! and a bearer stamped on every request, renewed once on a 401 when a key is at hand.

use serde_json::json;
use unleashlive_auth::api::http::Request as ApiRequest;
use unleashlive_auth::{ApiKind, Auth, Error};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockBuilder, ResponseTemplate};

use super::fixtures::{
    BEARER, KEY, RENEWED, Setup, bearer_answer, bearer_token, exchange, stored_unith, values,
};
use crate::util::unleash::{assert_only_auth, fast_http};

const NEW_KEY: &str = "sk-unith-N3wKey-5b8d1f4a60";

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
