//! Errors keep their causes: the underlying I/O, JSON and transport errors are reachable
//! through `source()`, and no secret is among them.

use std::error::Error as StdError;
use std::os::unix::fs::PermissionsExt as _;

use unleashlive_auth::api::analytics::Analytics;
use unleashlive_auth::api::http::Request;
use unleashlive_auth::token::jwks::JwksCache;
use unleashlive_auth::{
    Auth, CognitoClient, Error, Password, PersonalAccessToken, Session, SessionStore, Settings,
};

use crate::util::unleash::fast_http;

fn reaches_io_error(err: &Error) -> bool {
    let mut source = err.source();
    while let Some(e) = source {
        if e.is::<std::io::Error>() {
            return true;
        }
        source = e.source();
    }
    false
}

/// A port nobody listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[test]
fn a_truncated_cache_file_is_a_cache_error_whose_source_is_the_json_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let file = dir.path().join("default.json");
    std::fs::write(&file, br#"{"format": "unleashlive-auth/session", "vers"#).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();

    let err = SessionStore::new(dir.path())
        .load::<Session>("default")
        .unwrap_err();

    assert!(matches!(err, Error::Cache { .. }), "{err:?}");
    let json = err
        .source()
        .and_then(|s| s.downcast_ref::<serde_json::Error>())
        .unwrap_or_else(|| panic!("no JSON error under {err:?}"));
    assert!(json.is_eof(), "{json}");
    let shown = unleashlive_auth::error::chain(&err);
    assert!(
        shown.starts_with(&format!(
            "session cache {}: is not a session cache file",
            file.display()
        )) && shown.ends_with(&json.to_string()),
        "{shown}"
    );
}

#[tokio::test]
async fn a_refused_connection_to_an_api_reaches_the_io_error_and_names_no_credential() {
    let config = Settings::default()
        .api_url(format!("http://127.0.0.1:{}", closed_port()))
        .resolve()
        .unwrap();
    let pat = "ul_pat_never-shown-4d5e6f";
    let analytics = Analytics::new(
        fast_http(),
        Auth::Pat(PersonalAccessToken::new(pat)),
        &config,
    );

    let err = analytics.version().await.unwrap_err();

    assert!(matches!(err, Error::Unreachable { .. }), "{err:?}");
    assert!(reaches_io_error(&err), "{err:?}");
    let shown = unleashlive_auth::error::chain(&err);
    assert!(shown.contains("cannot connect"), "{shown}");
    assert!(
        !shown.contains(pat) && !format!("{err:?}").contains(pat),
        "{shown}"
    );
}

#[tokio::test]
async fn a_refused_connection_to_the_key_set_reaches_the_io_error() {
    let url = format!("http://127.0.0.1:{}/jwks.json", closed_port());
    let err = JwksCache::new(url.clone())
        .unwrap()
        .fetch_now()
        .await
        .unwrap_err();

    let Error::Jwks(jwks) = &err else {
        panic!("not a key-set error: {err:?}");
    };
    assert!(err.to_string().contains(&url), "{err}");
    assert_eq!(jwks.to_string(), "cannot reach it");
    assert!(reaches_io_error(&err), "{err:?}");
}

#[tokio::test]
async fn a_refused_connection_to_cognito_reaches_the_io_error_without_the_password() {
    let config = Settings::default()
        .endpoint_url(format!("http://127.0.0.1:{}", closed_port()))
        .resolve()
        .unwrap();
    let password = Password::new("pw-never-in-an-error-9f8e7d");
    let client = CognitoClient::new(config).await;

    let err = client
        .sign_in_with_password("pilot@example.com", &password)
        .await
        .unwrap_err();

    assert!(matches!(err, Error::Unreachable { .. }), "{err:?}");
    assert!(reaches_io_error(&err), "{err:?}");
    let shown = unleashlive_auth::error::chain(&err);
    assert!(!shown.contains("pw-never-in-an-error"), "{shown}");
    assert!(
        !format!("{err:?}").contains("pw-never-in-an-error"),
        "{err:?}"
    );
}

#[tokio::test]
async fn the_transport_error_kept_as_a_cause_names_no_query_of_the_url() {
    let url = format!("http://127.0.0.1:{}/media/a.jpg", closed_port());
    let signed = Request::get(&url)
        .unwrap()
        .query("X-Amz-Signature", "sig-never-shown-123");

    let err = fast_http().send(&signed, None).await.unwrap_err();

    assert!(reaches_io_error(&err), "{err:?}");
    let shown = unleashlive_auth::error::chain(&err);
    assert!(shown.contains(&url), "{shown}");
    assert!(!shown.contains("sig-never-shown"), "{shown}");
    assert!(!format!("{err:?}").contains("sig-never-shown"), "{err:?}");
}
