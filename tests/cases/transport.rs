//! The HTTP layer: bounded retries (503, 429 with Retry-After, never other 4xx), clear errors
//! for a 500 or truncated JSON; a request that carries a credential follows no redirect off its
//! origin (reqwest alone strips only `Authorization`/`Cookie` on a host change; here every
//! credential kind and a POSTed secret key are redirected to another port, which must receive
//! nothing), and no API answer is read past its size cap.

use std::time::SystemTime;

use serde_json::json;
use unleashlive_auth::api::analytics::Analytics;
use unleashlive_auth::api::flights::{Flights, Scope};
use unleashlive_auth::api::media_drive::MediaDrive;
use unleashlive_auth::providers::Token;
use unleashlive_auth::providers::unith::Unith;
use unleashlive_auth::providers::unleashx::UnleashX;
use unleashlive_auth::{
    ApiKey, Auth, CognitoRenewer, CognitoSessions, Error, ErrorClass, PersonalAccessToken,
    ProviderToken, SecretKey, SessionStore,
};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::util::api::Setup;
use crate::util::emulator::require;
use crate::util::standin::{CognitoStandIn, pilot, signed_in};
use crate::util::unleash::{config, fast_http};

#[tokio::test]
async fn other_4xx_answers_are_not_retried() {
    require!(python);
    let s = Setup::new().await;
    let md = s.standin().await;
    md.control(json!({"fail_status": 400})).await;

    let err = s.drive_on(&md).get("a").await.unwrap_err();

    assert!(
        matches!(
            err,
            Error::Http {
                status: 400,
                attempts: 1,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(md.requests().await.len(), 1);
}

#[tokio::test]
async fn a_500_forever_gives_up_after_the_attempt_bound_with_status_and_excerpt() {
    let s = Setup::new().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500).set_body_string("upstream\nexploded"))
        .mount(&s.api)
        .await;

    let err = s
        .flights(Auth::Cognito(s.sessions.clone()))
        .list(Scope::Team, 1, 2)
        .await
        .unwrap_err();

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
    assert!(
        text.contains("500") && text.contains("upstream exploded"),
        "{text}"
    );
    assert!(!text.contains(&s.id_token().await));
    assert_eq!(s.requests().await.len(), 3);
}

#[tokio::test]
async fn a_429_waits_for_retry_after() {
    let s = Setup::new().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&s.api)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&s.api)
        .await;
    let http = unleashlive_auth::api::http::HttpClient::builder()
        .retry(unleashlive_auth::api::http::Retry {
            max_attempts: 2,
            base_delay: std::time::Duration::from_millis(1),
            max_delay: std::time::Duration::from_secs(5),
        })
        .build()
        .unwrap();
    let flights = Flights::new(
        http,
        Auth::Cognito(s.sessions.clone()),
        &config(&s.running, &s.api),
    );
    let started = std::time::Instant::now();

    assert!(flights.list(Scope::Team, 1, 2).await.unwrap().is_empty());

    assert!(started.elapsed() >= std::time::Duration::from_millis(950));
}

#[tokio::test]
async fn truncated_json_is_a_clear_error() {
    let s = Setup::new().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(r#"{"data": {"get": {"id": "a""#, "application/json"),
        )
        .mount(&s.api)
        .await;

    let err = s.drive().get("a").await.unwrap_err();

    assert!(matches!(err, Error::UnexpectedResponse { .. }), "{err:?}");
    assert!(err.to_string().contains("invalid JSON"), "{err}");
}

/// A server that answers every request with `status` pointing at `target` (same path).
async fn redirecting_to(target: &MockServer, status: u16) -> MockServer {
    let origin = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(
            ResponseTemplate::new(status)
                .insert_header("location", format!("{}/stolen", target.uri())),
        )
        .mount(&origin)
        .await;
    origin
}

fn assert_refused(err: &Error, origin: &MockServer, target: &MockServer) {
    let Error::RedirectRefused { from, to } = err else {
        panic!("expected a refused redirect, got {err:?}")
    };
    assert!(from.starts_with(&origin.uri()), "{from}");
    assert!(to.starts_with(&target.uri()), "{to}");
    let text = err.to_string();
    assert!(
        text.contains(&origin.uri()) && text.contains(&target.uri()),
        "{text}"
    );
}

async fn assert_untouched(target: &MockServer) {
    let got = target.received_requests().await.unwrap();
    assert!(
        got.is_empty(),
        "the other origin received {} requests",
        got.len()
    );
}

#[tokio::test]
async fn cognito_rest_and_graphql_headers_are_not_sent_across_a_redirect() {
    let running = pilot().await;
    let dir = tempfile::tempdir().unwrap();
    let store = SessionStore::new(dir.path());
    signed_in(&running, &store).await;
    let target = MockServer::start().await;
    for status in [302, 307, 308] {
        let origin = redirecting_to(&target, status).await;
        let cfg = config(&running, &origin);
        let sessions =
            CognitoSessions::new(store.clone(), "default", CognitoRenewer::new(cfg.clone()));
        let auth = Auth::Cognito(sessions);

        let rest = Flights::new(fast_http(), auth.clone(), &cfg)
            .list(Scope::Team, 1, 2)
            .await;
        assert_refused(&rest.unwrap_err(), &origin, &target);
        let graphql = MediaDrive::new(fast_http(), auth, &cfg).get("f1").await;
        assert_refused(&graphql.unwrap_err(), &origin, &target);
    }
    assert_untouched(&target).await;
}

#[tokio::test]
async fn a_pat_and_an_api_key_are_not_sent_across_a_redirect() {
    let target = MockServer::start().await;
    let origin = redirecting_to(&target, 307).await;
    let running = CognitoStandIn::new(None).start().await;
    let cfg = config(&running, &origin);
    for auth in [
        Auth::Pat(PersonalAccessToken::new("ul_pat_redirect0123456789abcd")),
        Auth::ApiKey(ApiKey::new("legacy-key-0123456789")),
    ] {
        let err = Analytics::new(fast_http(), auth, &cfg)
            .version()
            .await
            .unwrap_err();
        assert_refused(&err, &origin, &target);
    }
    assert_untouched(&target).await;
}

#[tokio::test]
async fn a_posted_unith_secret_key_and_an_unleashx_token_are_not_sent_across_a_redirect() {
    let target = MockServer::start().await;
    let origin = redirecting_to(&target, 307).await;

    let unith = Unith::new(fast_http(), &origin.uri())
        .unwrap()
        .with_secret_key(SecretKey::new("unith-secret-key-0123456789"));
    let err = unith
        .exchange("owner@example.com", false)
        .await
        .unwrap_err();
    assert_refused(&err, &origin, &target);

    let unleashx = UnleashX::new(fast_http(), &origin.uri()).unwrap();
    #[allow(clippy::disallowed_methods)] // the issue time only has to be plausible
    let token = Token::<UnleashX>::new(
        ProviderToken::new("ux-api-token-0123456789"),
        SystemTime::now(),
    )
    .issued_by(origin.uri());
    let err = unleashx.verify(&token).await.unwrap_err();
    assert_refused(&err, &origin, &target);
    assert_untouched(&target).await;
}

#[tokio::test]
async fn a_redirect_within_the_origin_is_followed_with_the_credential() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/analytics/version"))
        .respond_with(
            ResponseTemplate::new(308)
                .insert_header("location", format!("{}/v2/version", server.uri())),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/version"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!("2.0.0")))
        .mount(&server)
        .await;
    let running = CognitoStandIn::new(None).start().await;
    let cfg = config(&running, &server);
    let auth = Auth::Pat(PersonalAccessToken::new("ul_pat_sameorigin0123456789ab"));

    let version = Analytics::new(fast_http(), auth, &cfg)
        .version()
        .await
        .unwrap();

    assert_eq!(version, "2.0.0");
    let last = server.received_requests().await.unwrap().pop().unwrap();
    assert_eq!(last.url.path(), "/v2/version");
    assert_eq!(
        last.headers.get("authorization").unwrap(),
        "Bearer ul_pat_sameorigin0123456789ab"
    );
}

/// A server that answers once with `head` and then `body_bytes` zeros (chunked when no length).
async fn oversize_server(announce: Option<u64>, body_bytes: usize) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            let _ = socket.read(&mut buf).await;
            let head = match announce {
                Some(len) => format!("HTTP/1.1 200 OK\r\nContent-Length: {len}\r\n\r\n"),
                None => "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_owned(),
            };
            if socket.write_all(head.as_bytes()).await.is_err() {
                continue;
            }
            let chunk = vec![b' '; 64 * 1024];
            let mut sent = 0;
            while sent < body_bytes {
                let framed = match announce {
                    Some(_) => chunk.clone(),
                    None => [
                        format!("{:x}\r\n", chunk.len()).into_bytes(),
                        chunk.clone(),
                        b"\r\n".to_vec(),
                    ]
                    .concat(),
                };
                if socket.write_all(&framed).await.is_err() {
                    break;
                }
                sent += chunk.len();
            }
            let _ = socket.shutdown().await;
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn an_api_answer_past_the_size_cap_is_refused_whether_announced_or_streamed() {
    let running = CognitoStandIn::new(None).start().await;
    let auth = Auth::Pat(PersonalAccessToken::new("ul_pat_bounded0123456789abcd"));
    for (announce, bytes) in [(Some(1u64 << 40), 0), (None, 40 * 1024 * 1024)] {
        let url = oversize_server(announce, bytes).await;
        let mut settings = running.settings();
        settings.api_url = Some(url.clone());
        let cfg = settings.resolve().unwrap();
        let err = Analytics::new(fast_http(), auth.clone(), &cfg)
            .version()
            .await
            .unwrap_err();
        assert!(err.to_string().contains("more than 32 MiB"), "{err}");
    }
}
