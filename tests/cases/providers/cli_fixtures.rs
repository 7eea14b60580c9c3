//! What the `ul-auth` tests of the providers share: the services on wiremock, the environment
//! that points the CLI at them, and checks that a secret is nowhere it must not be.

use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::util::Home;

pub(crate) const LOGIN_TOKEN: &str = "unleashx-login-token-5c4b3a29";

pub(crate) const OTP: &str = "482913";

pub(crate) const BEARER: &str = "unith-bearer-7f6e5d4c3b2a1908";

pub(crate) const SECRET_KEY: &str = "unith-secret-key-0d9f8e7a6b5c";

pub(crate) const EMAIL: &str = "owner@example.com";

pub(crate) fn env(
    server: &MockServer,
    provider: &str,
    extra: &[(&str, &str)],
) -> Vec<(String, String)> {
    let mut all = vec![
        ("UL_PROVIDER".to_owned(), provider.to_owned()),
        ("UL_BASE_URL".to_owned(), server.uri()),
    ];
    all.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    all
}

pub(crate) async fn requests_to(server: &MockServer, wanted: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path() == wanted)
        .collect()
}

/// Every file under the home that holds `secret`.
pub(crate) fn files_holding(home: &Home, secret: &str) -> Vec<std::path::PathBuf> {
    pub(crate) fn walk(dir: &std::path::Path, secret: &str, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, secret, out);
            } else if std::fs::read(&path)
                .is_ok_and(|bytes| String::from_utf8_lossy(&bytes).contains(secret))
            {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(home.dir.path(), secret, &mut out);
    out
}

pub(crate) fn assert_absent(what: &str, text: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(!text.contains(secret), "{what} shows {secret}:\n{text}");
    }
}

pub(crate) async fn unith_server(expected_exchanges: u64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/auth/token"))
        .and(header("accept", "application/json"))
        .and(header("content-type", "application/json"))
        .and(body_json(
            json!({ "email": EMAIL, "secretKey": SECRET_KEY }),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "token": BEARER })))
        .expect(expected_exchanges)
        .mount(&server)
        .await;
    server
}

pub(crate) fn with_key(e: &[(String, String)]) -> Vec<(String, String)> {
    let mut all = e.to_vec();
    all.push(("UNITH_SECRET_KEY".into(), SECRET_KEY.into()));
    all
}

pub(crate) async fn unleashx_server(code_requests: u64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/login"))
        .and(body_json(json!({ "username": EMAIL })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"message": "OTP sent"})))
        .expect(code_requests)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/login"))
        .and(body_json(json!({ "username": EMAIL, "otp": OTP })))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"auth": {"email": EMAIL}, "token": LOGIN_TOKEN, "message": "LOGGEDIN"}),
        ))
        .mount(&server)
        .await;
    server
}

pub(crate) async fn mint_answers(server: &MockServer, response: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path("/api/v1/global/generate-token"))
        .and(header("token", LOGIN_TOKEN))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({})))
        .respond_with(response)
        .mount(server)
        .await;
}

pub(crate) const NEW_KEY: &str = "unith-new-secret-key-1a2b3c4d";
pub(crate) const UNLEASH_TOKEN: &str = "default:production.4e1b9c0d7a2f5e8b3c6dQRST";
pub(crate) const API_TOKEN: &str =
    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
