//! The refresh falls back to REFRESH_TOKEN_AUTH only where the endpoint says it does not know
//! GetTokensFromRefreshToken, never on a server error or an error page. (On moto, which answers
//! the operation with an HTML 500 page as it does every operation it lacks, the fallback is
//! still chosen: `refresh::rotation::cli_refresh_gives_a_later_expiry_and_remembers_the_fallback`.)

use unleashlive_auth::{CognitoClient, ErrorClass, Session, SessionStore};

use crate::util::Home;
use crate::util::standin::{CRASH_PAGE, Running, pilot, run_cli, signed_in};

const AWS_JSON: &str = "application/x-amz-json-1.1";

/// How many times the refresh fell back to REFRESH_TOKEN_AUTH.
fn fallbacks(running: &Running) -> usize {
    running
        .bodies("InitiateAuth")
        .iter()
        .filter(|b| b["AuthFlow"] == "REFRESH_TOKEN_AUTH")
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_refresh_fallback_is_not_chosen_on_a_server_error_or_an_error_page() {
    let answers: [(u16, &str, &str); 5] = [
        (500, "text/html; charset=utf-8", CRASH_PAGE),
        (
            502,
            "text/html",
            "<html><body><h1>502 Bad Gateway</h1></body></html>",
        ),
        (503, AWS_JSON, ""),
        (500, AWS_JSON, r#"{"message":"Internal server error"}"#),
        (
            500,
            AWS_JSON,
            r#"{"__type":"InternalErrorException","message":"boom"}"#,
        ),
    ];
    for (status, content_type, body) in answers {
        // The endpoint answers an unknown operation as AWS does (400 UnknownOperation).
        let running = pilot().await;
        let store = SessionStore::new(tempfile::tempdir().unwrap().keep()).with_keychain(false);
        let session = signed_in(&running, &store).await;
        running.fail("GetTokensFromRefreshToken", status, content_type, body);
        let cognito = CognitoClient::new(running.settings().resolve().unwrap()).await;

        let err = cognito.refresh(&session).await.unwrap_err();

        assert_eq!(err.class(), ErrorClass::Service, "{status} {body:?}: {err}");
        assert_eq!(fallbacks(&running), 0, "{status} {body:?}: fell back");
        let _ = std::fs::remove_dir_all(store.dir());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refresh_answered_with_an_error_page_exits_4_and_keeps_the_session() {
    let running = pilot().await;
    let home = Home::new();
    let store = SessionStore::new(home.cache_dir()).with_keychain(false);
    let session = signed_in(&running, &store).await;
    running.fail(
        "GetTokensFromRefreshToken",
        502,
        "text/html",
        "<html><body>Bad Gateway</body></html>",
    );

    let (run, _home) = run_cli(home, &running, &["refresh"]).await;

    run.expect_code(4);
    assert_eq!(fallbacks(&running), 0);
    let stored: Session = store.load("default").unwrap().unwrap();
    assert_eq!(stored.id_token().secret(), session.id_token().secret());
    assert!(!stored.uses_legacy_refresh());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_refresh_falls_back_where_the_endpoint_does_not_know_the_operation() {
    // AWS's own answer for an unknown operation.
    let running = pilot().await;
    let store = SessionStore::new(tempfile::tempdir().unwrap().keep()).with_keychain(false);
    let session = signed_in(&running, &store).await;
    running.fail(
        "GetTokensFromRefreshToken",
        400,
        AWS_JSON,
        r#"{"__type":"com.amazon.coral.service#UnknownOperationException"}"#,
    );
    let cognito = CognitoClient::new(running.settings().resolve().unwrap()).await;
    let _ = cognito.refresh(&session).await;
    assert_eq!(fallbacks(&running), 1);

    // An emulator that answers every operation it lacks with the same crash page (moto).
    let running = pilot().await;
    let session = signed_in(&running, &store).await;
    running.answer_unknown_operations_with(500, "text/html; charset=utf-8", CRASH_PAGE);
    running.fail(
        "GetTokensFromRefreshToken",
        500,
        "text/html; charset=utf-8",
        CRASH_PAGE,
    );
    let cognito = CognitoClient::new(running.settings().resolve().unwrap()).await;
    let _ = cognito.refresh(&session).await;
    assert_eq!(fallbacks(&running), 1);

    // The same page for this operation, but another answer for an unknown one: an outage.
    let running = pilot().await;
    let session = signed_in(&running, &store).await;
    running.answer_unknown_operations_with(500, "text/html", "<html>another page</html>");
    running.fail(
        "GetTokensFromRefreshToken",
        500,
        "text/html; charset=utf-8",
        CRASH_PAGE,
    );
    let cognito = CognitoClient::new(running.settings().resolve().unwrap()).await;
    assert!(cognito.refresh(&session).await.is_err());
    assert_eq!(fallbacks(&running), 0);
    let _ = std::fs::remove_dir_all(store.dir());
}
