//! Unleash and UnleashX in the library: the raw header, the API checks, 401 vs 403, no expiry;
//! OTP login, mint, verify and error codes; provider tokens in the shared store.

use std::os::unix::fs::PermissionsExt as _;
use std::time::Duration;

use serde_json::{Value, json};
use unleashlive_auth::api::http::Request as ApiRequest;
use unleashlive_auth::providers::Token;
use unleashlive_auth::providers::unith::{BEARER_LIFETIME, Unith};
use unleashlive_auth::providers::unleash::{Unleash, UnleashApi};
use unleashlive_auth::providers::unleashx::UnleashX;
use unleashlive_auth::{ApiKind, Auth, Error, ErrorClass, LoginToken, OneTimeCode};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockBuilder, ResponseTemplate};

use super::fixtures::{BEARER, EMAIL, Setup, bearer_token, body, start, values};
use crate::util::unleash::{assert_only_auth, fast_http};

const UNLEASH_RANDOM: &str = "9f1c2e7a5b3d4c6e8f0a1b2c3d4e5f60";

const USERNAME: &str = "pilot@example.com";

const LOGIN: &str = "uxlogin-L0ginT0ken-3c4d5e6f7a8b";

const API_TOKEN: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

fn unleash_token() -> String {
    format!("default:production.{UNLEASH_RANDOM}")
}

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

    // The library names the setting by its key; `ul-auth` adds the flag and the variable.
    assert!(
        matches!(&err, Error::Config { setting, .. } if setting == "base_url"),
        "{err:?}"
    );
    assert!(err.to_string().contains("`base_url`"), "{err}");
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
