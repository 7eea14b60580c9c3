//! Secrets stay out of the process list. Every secret flag takes `-` for standard input and has a
//! variable; a value typed on the command line still works but warns once, without the value,
//! that other users can read it.

use serde_json::json;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::util::emulator::require;
use crate::util::unleash::assert_only_auth;
use crate::util::{Home, PASSWORD, PILOT, Pool, Run, fresh_totp, with};

const EXPOSED: &str = "on the command line, where every user of this machine can read it";

/// Panics unless stderr warns exactly once about a secret in argv, names `variable` and the
/// `-` form, and never shows `value`.
fn assert_warned_once(run: &Run, variable: &str, dash: &str, value: &str) {
    let stderr = run.stderr();
    assert_eq!(stderr.matches(EXPOSED).count(), 1, "{stderr}");
    assert!(stderr.contains(variable), "{variable}: {stderr}");
    assert!(stderr.contains(dash), "{dash}: {stderr}");
    assert!(!stderr.contains(value), "the value is shown: {stderr}");
}

fn assert_not_warned(run: &Run) {
    assert!(!run.stderr().contains(EXPOSED), "{}", run.stderr());
}

#[test]
fn each_secret_flag_given_a_value_warns_once_naming_its_variable_and_stdin_form() {
    let home = Home::new();
    // Nothing here reaches a server: each run stops at a missing password or a local check.
    let nowhere = vec![
        (
            "AWS_ENDPOINT_URL".to_owned(),
            "http://127.0.0.1:9".to_owned(),
        ),
        ("UL_USERNAME".to_owned(), PILOT.to_owned()),
    ];
    let cases: [(&[&str], &str, &str, &str); 6] = [
        (
            &["--client-secret", "cs-8f7e6d", "login"],
            "UL_CLIENT_SECRET",
            "`--client-secret -`",
            "cs-8f7e6d",
        ),
        (
            &["login", "--mfa-code", "314159"],
            "UL_MFA_CODE",
            "`--mfa-code -`",
            "314159",
        ),
        (
            &["login", "--code", "271828"],
            "UL_OTP_CODE",
            "`--code -`",
            "271828",
        ),
        (
            &["login", "--otp", "161803"],
            "UNLEASHX_OTP",
            "`--otp -`",
            "161803",
        ),
        (
            &["password", "confirm", "--code", "141421"],
            "UL_RESET_CODE",
            "`--code -`",
            "141421",
        ),
        (
            &["verify", "not-a-jwt-5e6f7a"],
            "UL_VERIFY_TOKEN",
            "`verify -`",
            "not-a-jwt-5e6f7a",
        ),
    ];
    for (args, variable, dash, value) in cases {
        let run = home.run(args, &nowhere, None);
        assert_ne!(run.code(), 0, "{args:?}");
        assert_warned_once(&run, variable, dash, value);
    }
    // The same values from their variables, or `-`, say nothing of the kind.
    let from_env = with(
        &nowhere,
        &[
            ("UL_CLIENT_SECRET", "cs-8f7e6d"),
            ("UL_MFA_CODE", "314159"),
            ("UL_OTP_CODE", "271828"),
            ("UNLEASHX_OTP", "161803"),
        ],
    );
    let run = home.run(&["login"], &from_env, None);
    run.expect_code(3);
    assert_not_warned(&run);
    let run = home.run(&["login", "--mfa-code", "-", "--code", "-"], &nowhere, None);
    run.expect_code(3);
    assert_not_warned(&run);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_api_key_from_stdin_or_its_variable_is_sent_and_only_the_argv_form_warns() {
    const KEY: &str = "legacy-key-9c8b7a";
    let server = MockServer::start().await;
    Mock::given(path("/v1/analytics/version"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"version": "1.0.2"})))
        .mount(&server)
        .await;
    let home = Home::new();
    let env = vec![("UL_API_URL".to_owned(), server.uri())];
    let stdin = home.run(
        &["analytics", "--api-key", "-", "version"],
        &env,
        Some(&format!("{KEY}\n")),
    );
    stdin.expect_code(0);
    assert_not_warned(&stdin);
    let variable = home.run(
        &["analytics", "version"],
        &with(&env, &[("UL_API_KEY", KEY)]),
        None,
    );
    variable.expect_code(0);
    assert_not_warned(&variable);
    let argv = home.run(&["analytics", "--api-key", KEY, "version"], &env, None);
    argv.expect_code(0);
    assert_warned_once(&argv, "UL_API_KEY", "`--api-key -`", KEY);
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 3);
    for request in &requests {
        assert_only_auth(request, "x-api-key", KEY);
    }
}

#[tokio::test]
async fn password_confirm_reads_the_reset_code_from_stdin_then_the_new_password() {
    require!(moto);
    let pool = Pool::create().await;
    let home = Home::new();
    let env = pool.env();
    home.run(&["password", "forgot", "--username", PILOT], &env, None)
        .expect_code(0)
        .expect_stderr("--code -");
    // Without a code or a terminal: how to give it, without a code on the command line.
    let none = home.run(
        &[
            "password",
            "confirm",
            "--username",
            PILOT,
            "--new-password-stdin",
        ],
        &env,
        Some("Reset-Passw0rd!\n"),
    );
    none.expect_code(3);
    none.expect_stderr("UL_RESET_CODE")
        .expect_stderr("--code -");
    // moto takes any code without its own prefix.
    let confirm = home.run(
        &[
            "password",
            "confirm",
            "--username",
            PILOT,
            "--code",
            "-",
            "--new-password-stdin",
        ],
        &env,
        Some("123456\nReset-Passw0rd!\n"),
    );
    confirm.expect_code(0);
    assert_not_warned(&confirm);
    home.run(
        &["login", "--username", PILOT],
        &with(&env, &[("UL_PASSWORD", "Reset-Passw0rd!")]),
        None,
    )
    .expect_code(0);
    let from_env = home.run(
        &[
            "password",
            "confirm",
            "--username",
            PILOT,
            "--new-password-stdin",
        ],
        &with(&env, &[("UL_RESET_CODE", "654321")]),
        Some("Again-Passw0rd!\n"),
    );
    from_env.expect_code(0);
    assert_not_warned(&from_env);
}

#[tokio::test]
async fn the_mfa_code_and_the_client_secret_come_from_stdin_in_turn() {
    require!(moto);
    let pool = Pool::create().await;
    let secret = pool.add_totp_user("mfa@example.com").await;
    let home = Home::new();
    let run = home.run(
        &[
            "login",
            "--username",
            "mfa@example.com",
            "--password-stdin",
            "--mfa-code",
            "-",
        ],
        &pool.env(),
        Some(&format!("{PASSWORD}\n{}\n", fresh_totp(&secret))),
    );
    run.expect_code(0);
    assert_not_warned(&run);

    // A confidential client: its secret first, then the password.
    let env = with(
        &pool.env(),
        &[("UL_CLIENT_ID", pool.secret_client_id.as_str())],
    );
    let run = home.run(
        &[
            "--profile",
            "confidential",
            "--client-secret",
            "-",
            "login",
            "--username",
            PILOT,
            "--password-stdin",
        ],
        &env,
        Some(&format!("{}\n{PASSWORD}\n", pool.secret_client_secret)),
    );
    run.expect_code(0);
    assert_not_warned(&run);
}

#[tokio::test]
async fn verify_takes_the_token_from_its_variable() {
    require!(moto);
    let pool = Pool::create().await;
    let signed_in = Home::new();
    signed_in
        .run(
            &["login", "--username", PILOT],
            &with(&pool.env(), &[("UL_PASSWORD", PASSWORD)]),
            None,
        )
        .expect_code(0);
    let token = signed_in.run(&["token"], &pool.env(), None).stdout();
    // A home with no session: the token can only come from the variable.
    let run = Home::new().run(
        &["verify"],
        &with(&pool.env(), &[("UL_VERIFY_TOKEN", token.trim())]),
        None,
    );
    run.expect_code(0);
    assert!(
        run.stdout().contains("\"token_use\": \"id\""),
        "{}",
        run.stdout()
    );
    assert_not_warned(&run);
}

#[test]
fn password_confirm_never_waits_at_a_prompt_with_the_reset_code_in_argv() {
    let home = Home::new();
    let env = vec![(
        "AWS_ENDPOINT_URL".to_owned(),
        "http://127.0.0.1:9".to_owned(),
    )];
    for args in [
        &[
            "password",
            "confirm",
            "--username",
            "u@example.com",
            "--code",
            "141421",
        ][..],
        &[
            "password",
            "confirm",
            "--username",
            "u@example.com",
            "--code=141421",
        ],
    ] {
        let run = home.run(args, &env, Some("New-Passw0rd!\n"));
        run.expect_code(2);
        run.expect_stderr("waits for the new password");
        run.expect_stderr("UL_RESET_CODE");
        assert!(!run.stderr().contains("141421"), "{}", run.stderr());
    }
}
