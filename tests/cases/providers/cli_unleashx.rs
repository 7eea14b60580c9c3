//! `ul-auth login` with UnleashX: the emailed code, mint, and each error code.

use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::cli_fixtures::{
    API_TOKEN, EMAIL, LOGIN_TOKEN, OTP, assert_absent, env, mint_answers, requests_to,
    unleashx_server,
};
use crate::util::Home;

#[tokio::test(flavor = "multi_thread")]
async fn unleashx_without_a_terminal_sends_the_code_and_exits_3_naming_otp() {
    let server = unleashx_server(1).await;
    let home = Home::new();
    let out = home.run(
        &["login", "--username", EMAIL],
        &env(&server, "unleashx", &[]),
        None,
    );
    out.expect_code(3);
    out.expect_stderr("--otp");
    out.expect_stderr("UNLEASHX_OTP");
    assert!(!home.cache_file("default").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn unleashx_with_the_code_logs_in_mints_with_the_login_token_and_keeps_only_the_api_token() {
    let server = unleashx_server(0).await;
    mint_answers(
        &server,
        ResponseTemplate::new(200).set_body_json(
            json!({"message": "API token generated successfully", "token": API_TOKEN}),
        ),
    )
    .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/global/verify"))
        .and(header("token", API_TOKEN))
        .and(body_json(json!({})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"message": "VALID"})))
        .expect(1)
        .mount(&server)
        .await;
    let home = Home::new();
    let e = env(&server, "unleashx", &[("UNLEASHX_USERNAME", EMAIL)]);

    let login = home.run(
        &["login"],
        &env(
            &server,
            "unleashx",
            &[("UNLEASHX_USERNAME", EMAIL), ("UNLEASHX_OTP", OTP)],
        ),
        None,
    );
    login.expect_code(0);
    login.expect_stderr("minted a new API token");
    assert_eq!(requests_to(&server, "/api/login").await.len(), 1);

    let header = home.run(&["header"], &e, None);
    assert_eq!(header.stdout(), format!("token: {API_TOKEN}\n"));
    home.run(&["check"], &e, None).expect_code(0);
    let files = home.all_files_text();
    assert!(files.contains(API_TOKEN));
    assert_absent("the files", &files, &[LOGIN_TOKEN, OTP]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unleashx_error_in_a_200_is_exit_3_without_the_code_and_any_verify_answer_will_do() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/login"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"error": true, "message": format!("wrong code {OTP} for {EMAIL}")}),
        ))
        .mount(&server)
        .await;
    let home = Home::new();
    let e = env(&server, "unleashx", &[("UNLEASHX_USERNAME", EMAIL)]);
    let out = home.run(&["login", "--otp", OTP], &e, None);
    out.expect_code(3);
    out.expect_stderr("wrong code [redacted]");
    assert_absent("stderr", &out.stderr(), &[OTP]);

    // `check` takes any 2xx answer of verify (its body is not documented).
    let server = unleashx_server(0).await;
    mint_answers(
        &server,
        ResponseTemplate::new(200).set_body_json(json!({"token": API_TOKEN})),
    )
    .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/global/verify"))
        .respond_with(ResponseTemplate::new(200).set_body_string("OK"))
        .mount(&server)
        .await;
    let home = Home::new();
    let e = env(&server, "unleashx", &[("UNLEASHX_USERNAME", EMAIL)]);
    home.run(&["login", "--otp", OTP], &e, None).expect_code(0);
    home.run(&["check"], &e, None).expect_code(0);
}

#[tokio::test(flavor = "multi_thread")]
async fn unleashx_takes_the_code_from_stdin_with_otp_dash_and_warns_only_for_a_typed_code() {
    let server = unleashx_server(0).await;
    mint_answers(
        &server,
        ResponseTemplate::new(200).set_body_json(json!({"token": API_TOKEN})),
    )
    .await;
    let e = env(&server, "unleashx", &[("UNLEASHX_USERNAME", EMAIL)]);
    let home = Home::new();
    let login = home.run(&["login", "--otp", "-"], &e, Some(&format!("{OTP}\n")));
    login.expect_code(0);
    assert!(
        !login.stderr().contains("command line"),
        "{}",
        login.stderr()
    );
    assert!(home.all_files_text().contains(API_TOKEN));

    let home = Home::new();
    let typed = home.run(&["login", "--otp", OTP], &e, None);
    typed.expect_code(0);
    typed
        .expect_stderr("--otp is on the command line")
        .expect_stderr("UNLEASHX_OTP")
        .expect_stderr("`--otp -`");
    assert_absent("stderr", &typed.stderr(), &[OTP]);
}

#[tokio::test(flavor = "multi_thread")]
async fn each_unleashx_error_code_is_a_clear_exit_3() {
    for (status, code, says) in [
        (401, "SESSIONEXPIRED", "expired"),
        (
            401,
            "INVALID_LOGIN_TOKEN",
            "does not accept the login token",
        ),
        (400, "LOGIN_TOKEN_REQUIRED", "got none"),
    ] {
        let server = unleashx_server(0).await;
        mint_answers(
            &server,
            ResponseTemplate::new(status).set_body_json(json!({"error": true, "message": code})),
        )
        .await;
        let home = Home::new();
        let out = home.run(
            &["login", "--username", EMAIL, "--otp", OTP],
            &env(&server, "unleashx", &[]),
            None,
        );
        out.expect_code(3);
        assert!(
            out.stderr().contains(code) && out.stderr().contains(says),
            "{}",
            out.stderr()
        );
        assert_absent("stderr", &out.stderr(), &[LOGIN_TOKEN]);
        assert!(!home.cache_file("default").exists());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_mint_or_code_request_is_not_repeated_and_an_empty_code_answer_is_fine() {
    let server = unleashx_server(0).await;
    mint_answers(
        &server,
        ResponseTemplate::new(502).set_body_string("bad gateway"),
    )
    .await;
    let home = Home::new();
    let e = env(&server, "unleashx", &[("UNLEASHX_USERNAME", EMAIL)]);
    let out = home.run(&["login", "--otp", OTP], &e, None);
    out.expect_code(4);
    // Each attempt could mint another never-expiring token: one attempt only.
    assert_eq!(
        requests_to(&server, "/api/v1/global/generate-token")
            .await
            .len(),
        1
    );

    let quiet = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/login"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&quiet)
        .await;
    let out = home.run(
        &["login"],
        &env(&quiet, "unleashx", &[("UNLEASHX_USERNAME", EMAIL)]),
        None,
    );
    out.expect_code(3);
    out.expect_stderr("--otp");
}
