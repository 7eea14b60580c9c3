//! `ul-auth` with UNITH, the service played by wiremock checking the documented requests.

use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::cli_fixtures::{
    BEARER, EMAIL, NEW_KEY, SECRET_KEY, assert_absent, env, files_holding, requests_to,
    unith_server, with_key,
};
use crate::util::Home;

/// Sets the cached credential's expiry (unix seconds) to make time pass.
fn set_expiry(home: &Home, profile: &str, unix: u64) {
    let file = home.cache_file(profile);
    let mut cached: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    cached["data"]["expiresAt"] = json!(unix);
    std::fs::write(&file, serde_json::to_vec(&cached).unwrap()).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn unith_login_exchanges_once_and_token_and_header_use_the_cache() {
    let server = unith_server(1).await;
    let home = Home::new();
    let e = env(&server, "unith", &[("UNITH_EMAIL", EMAIL)]);

    let login = home.run(
        &["login", "--secret-key-stdin"],
        &e,
        Some(&format!("{SECRET_KEY}\n")),
    );
    login.expect_code(0);
    assert!(
        login
            .stderr()
            .contains("Signed in to UNITH as owner@example.com")
    );

    let token = home.run(&["token"], &e, None);
    token.expect_code(0);
    assert_eq!(token.stdout(), format!("{BEARER}\n"));
    let again = home.run(&["token"], &e, None);
    assert_eq!(
        again.stdout(),
        token.stdout(),
        "the second token comes from the cache"
    );
    let header = home.run(&["header"], &e, None);
    assert_eq!(header.stdout(), format!("authorization: Bearer {BEARER}\n"));

    // Without --remember the key is nowhere on disk; the bearer only in the cache entry.
    assert_absent("the files", &home.all_files_text(), &[SECRET_KEY]);
    let status = home.run(&["status", "--output", "json"], &e, None);
    status.expect_code(0);
    let status: Value = serde_json::from_str(&status.stdout()).unwrap();
    assert_eq!(status["account"], EMAIL);
    assert_eq!(status["renewable"], false);
    let left = status["secondsLeft"].as_u64().unwrap();
    assert!((7 * 86_400 - 120..=7 * 86_400).contains(&left), "{left}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_unith_bearer_without_a_key_at_hand_says_sign_in_again() {
    let server = unith_server(2).await;
    let home = Home::new();
    let e = env(&server, "unith", &[("UNITH_EMAIL", EMAIL)]);
    home.run(&["login"], &with_key(&e), None).expect_code(0);

    // Four minutes left: inside the renewal margin but still valid, so it is handed out
    // (with a warning), not refused.
    #[allow(clippy::disallowed_methods)] // the CLI under test reads the wall clock
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    set_expiry(&home, "default", now + 240);
    let last_minutes = home.run(&["token"], &e, None);
    last_minutes.expect_code(0);
    assert_eq!(last_minutes.stdout(), format!("{BEARER}\n"));
    last_minutes.expect_stderr("UNITH_SECRET_KEY");

    set_expiry(&home, "default", 1_000);
    let token = home.run(&["token"], &e, None);
    token.expect_code(3);
    token.expect_stderr("sign in again");
    token.expect_stderr("UNITH_SECRET_KEY");

    // Signing in again needs only the key: the e-mail comes from the cached token.
    let no_email = env(&server, "unith", &[]);
    home.run(&["login"], &with_key(&no_email), None)
        .expect_code(0);
    home.run(&["token"], &no_email, None).expect_code(0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_remembered_unith_key_renews_an_expired_bearer_exactly_once() {
    let server = unith_server(2).await;
    let home = Home::new();
    let e = env(&server, "unith", &[("UNITH_EMAIL", EMAIL)]);
    home.run(&["login", "--remember"], &with_key(&e), None)
        .expect_code(0);
    set_expiry(&home, "default", 1_000);

    // No key in the environment now: the remembered one renews.
    home.run(&["token"], &e, None).expect_code(0);
    home.run(&["token"], &e, None).expect_code(0);
    let status: Value =
        serde_json::from_str(&home.run(&["status", "--output", "json"], &e, None).stdout())
            .unwrap();
    assert_eq!(status["renewable"], true);
    assert!(status["secondsLeft"].as_u64().unwrap() > 6 * 86_400);
    assert_eq!(requests_to(&server, "/auth/token").await.len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_and_its_remembered_key_never_go_to_another_base_url() {
    let server = unith_server(1).await;
    let home = Home::new();
    let e = env(&server, "unith", &[("UNITH_EMAIL", EMAIL)]);
    home.run(&["login", "--remember"], &with_key(&e), None)
        .expect_code(0);
    set_expiry(&home, "default", 1_000);
    // Another service's URL exported for another tool: the renewal must not POST the
    // remembered secret key there, nor the bearer.
    let other = MockServer::start().await;
    let elsewhere = env(&other, "unith", &[]);

    for command in [&["token"][..], &["refresh"], &["secret-key", "rotate"]] {
        let out = home.run(command, &elsewhere, None);
        out.expect_code(2);
        out.expect_stderr(&other.uri());
        out.expect_stderr(&server.uri());
    }

    assert!(other.received_requests().await.unwrap().is_empty());
    assert_eq!(requests_to(&server, "/auth/token").await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_unith_key_exits_3_and_a_failing_server_exits_4_after_retries() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/auth/token"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"message": "Unauthorized"})))
        .mount(&server)
        .await;
    let home = Home::new();
    let e = with_key(&env(&server, "unith", &[("UNITH_EMAIL", EMAIL)]));
    let refused = home.run(&["login"], &e, None);
    refused.expect_code(3);
    refused.expect_stderr("e-mail or secret key invalid");
    assert!(!home.cache_file("default").exists());

    let failing = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/auth/token"))
        .respond_with(ResponseTemplate::new(500).set_body_string("internal error"))
        .expect(4)
        .mount(&failing)
        .await;
    let e = with_key(&env(&failing, "unith", &[("UNITH_EMAIL", EMAIL)]));
    let out = home.run(&["login"], &e, None);
    out.expect_code(4);
    out.expect_stderr("HTTP 500 after 4 attempts");
}

#[tokio::test(flavor = "multi_thread")]
async fn secret_key_rotate_deletes_then_generates_prints_the_key_once_and_replaces_the_remembered_one()
 {
    let server = unith_server(1).await;
    Mock::given(method("DELETE"))
        .and(path("/user/delete-secret-key"))
        .and(header("authorization", format!("Bearer {BEARER}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"message": "deleted"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/user/generate-secret-key"))
        .and(header("authorization", format!("Bearer {BEARER}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "secretKey": NEW_KEY })))
        .expect(1)
        .mount(&server)
        .await;
    let home = Home::new();
    let e = env(&server, "unith", &[("UNITH_EMAIL", EMAIL)]);
    home.run(&["login", "--remember"], &with_key(&e), None)
        .expect_code(0);
    assert_eq!(
        files_holding(&home, SECRET_KEY),
        [home.cache_file("default")]
    );

    let out = home.run(&["secret-key", "rotate"], &e, None);
    out.expect_code(0);
    assert_eq!(out.stdout(), format!("{NEW_KEY}\n"));
    out.expect_stderr("shown only this once");
    assert_absent("stderr", &out.stderr(), &[NEW_KEY, SECRET_KEY, BEARER]);

    let order: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.method.to_string())
        .collect();
    assert_eq!(order, ["POST", "DELETE", "PUT"]);
    let files = home.all_files_text();
    assert!(files.contains(NEW_KEY) && !files.contains(SECRET_KEY));
}

/// With the keyring feature, the bearer and a remembered UNITH key live in the OS keychain
/// (a named kernel session keyring here), and renewal reads the key back from it.
#[cfg(all(feature = "keyring", target_os = "linux", target_arch = "x86_64"))]
#[tokio::test(flavor = "multi_thread")]
async fn with_the_keyring_feature_a_remembered_unith_key_lives_in_the_keychain() {
    crate::util::emulator::require!(python);
    let server = unith_server(3).await;
    let home = Home::new();
    let e = env(&server, "unith", &[("UNITH_EMAIL", EMAIL)]);
    let keyring = format!("ul-auth-provider-test-{}", std::process::id());
    home.run_in_keyring(&keyring, &["login", "--remember"], &with_key(&e))
        .expect_code(0);

    let cached: Value =
        serde_json::from_slice(&std::fs::read(home.cache_file("default")).unwrap()).unwrap();
    assert_eq!(cached["keychain"], json!(["token", "secretKey"]));
    assert_absent("the files", &home.all_files_text(), &[SECRET_KEY, BEARER]);

    set_expiry(&home, "default", 1_000);
    let token = home.run_in_keyring(&keyring, &["token"], &e);
    token.expect_code(0);
    assert_eq!(token.stdout(), format!("{BEARER}\n"));
    assert_eq!(
        requests_to(&server, "/auth/token").await.len(),
        2,
        "renewed with the keychain's key"
    );
    // Logging in again without --remember forgets the key in the keychain too: even a file
    // that names it again finds nothing there.
    home.run_in_keyring(&keyring, &["login"], &with_key(&e))
        .expect_code(0);
    let mut cached: Value =
        serde_json::from_slice(&std::fs::read(home.cache_file("default")).unwrap()).unwrap();
    assert_eq!(cached["keychain"], json!(["token"]));
    cached["keychain"] = json!(["token", "secretKey"]);
    cached["data"]["expiresAt"] = json!(1_000);
    std::fs::write(home.cache_file("default"), cached.to_string()).unwrap();
    home.run_in_keyring(&keyring, &["token"], &e).expect_code(3);
    home.run_in_keyring(&keyring, &["logout"], &e)
        .expect_code(0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_unith_token_stored_before_its_issuer_was_noted_keeps_its_key_at_home() {
    let server = unith_server(1).await;
    let home = Home::new();
    let e = env(&server, "unith", &[("UNITH_EMAIL", EMAIL)]);
    home.run(&["login", "--remember"], &with_key(&e), None)
        .expect_code(0);
    // As an earlier version wrote it: no baseUrl, and about to expire.
    let file = home.cache_file("default");
    let mut cached: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    cached["data"].as_object_mut().unwrap().remove("baseUrl");
    cached["data"]["expiresAt"] = json!(1_000);
    std::fs::write(&file, serde_json::to_vec(&cached).unwrap()).unwrap();
    let elsewhere = MockServer::start().await;

    let out = home.run(&["token"], &env(&elsewhere, "unith", &[]), None);

    out.expect_code(2);
    out.expect_stderr("https://platform-api.unith.ai");
    assert!(elsewhere.received_requests().await.unwrap().is_empty());
}
