//! `ul-auth login`, `token`, `header` and settings end to end against moto.

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use crate::util::emulator::require;
use crate::util::session::signed_in_on_moto;
use crate::util::{
    DISABLED, Home, IDENTITY_ID, INVITED, PASSWORD, PILOT, Pool, TEMP_PASSWORD, with,
};

/// An independent decode: split, base64url, JSON.
fn payload_of(token: &str) -> Value {
    let segment = token.split('.').nth(1).expect("payload segment");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(segment).unwrap()).unwrap()
}

#[tokio::test]
async fn login_prints_who_and_until_when_and_caches_a_private_session() {
    require!(moto);
    let pool = Pool::create().await;
    let home = Home::new();
    let run = home.run(
        &["login", "--output", "json"],
        &with(
            &pool.env(),
            &[("UL_USERNAME", PILOT), ("UL_PASSWORD", PASSWORD)],
        ),
        None,
    );
    run.expect_code(0);
    let out: Value = serde_json::from_str(&run.stdout()).unwrap();
    assert_eq!(out["username"], PILOT);
    assert_eq!(out["email"], PILOT);
    assert_eq!(out["identityId"], IDENTITY_ID);
    assert_eq!(out["companyId"], "company-42");
    assert_eq!(out["teamId"], "team-7");
    assert!(out["sub"].as_str().is_some_and(|s| !s.is_empty()));
    assert!(out["expiresAt"].as_str().unwrap().ends_with('Z'));
    let keys: Vec<&str> = out
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys.len(), 7, "no tokens in login output: {keys:?}");

    let file = home.cache_file("default");
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let dir_mode = std::fs::metadata(home.cache_dir())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(dir_mode, 0o700);
    let cached: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(cached["format"], "unleashlive-auth/session");
    assert!(cached["data"]["refresh_token"].is_string());
    assert!(!home.all_files_text().contains(PASSWORD));

    let text = home.run(
        &["login", "--username", PILOT, "--password-stdin"],
        &pool.env(),
        Some(PASSWORD),
    );
    text.expect_code(0);
    assert!(
        text.stdout().contains("Signed in as pilot@example.com"),
        "{}",
        text.stdout()
    );
    assert!(text.stdout().contains("valid until"), "{}", text.stdout());
}

#[tokio::test]
async fn claims_equal_an_independent_decode_of_the_token() {
    require!(moto);
    let (pool, home) = signed_in_on_moto().await;
    for kind in ["id", "access"] {
        let token = home.run(&["token", "--kind", kind], &pool.env(), None);
        token.expect_code(0);
        let claims = home.run(&["claims", "--kind", kind], &pool.env(), None);
        claims.expect_code(0);
        let printed: Value = serde_json::from_str(&claims.stdout()).unwrap();
        assert_eq!(printed, payload_of(token.stdout().trim_end()));
    }
    let id: Value =
        serde_json::from_str(&home.run(&["claims"], &pool.env(), None).stdout()).unwrap();
    assert_eq!(id["custom:teamId"], "team-7");
    assert_eq!(id["token_use"], "id");
}

#[tokio::test]
async fn token_and_header_print_exactly_one_line() {
    require!(moto);
    let (pool, home) = signed_in_on_moto().await;
    let token = home.run(&["token"], &pool.env(), None);
    token.expect_code(0);
    let out = token.stdout();
    assert_eq!(out.lines().count(), 1);
    assert!(out.ends_with('\n'));
    let id_token = out.trim_end();
    assert_eq!(payload_of(id_token)["token_use"], "id");

    let graphql = home.run(&["header", "graphql"], &pool.env(), None);
    graphql.expect_code(0);
    assert_eq!(graphql.stdout(), format!("authorization: {id_token}\n"));
    let rest = home.run(&["header", "rest"], &pool.env(), None);
    rest.expect_code(0);
    assert_eq!(
        rest.stdout(),
        format!("x-amz-cognito-security-token: {id_token}\n")
    );
    assert!(rest.stderr().is_empty(), "{}", rest.stderr());
}

#[tokio::test]
async fn wrong_password_is_exit_3_and_the_password_appears_nowhere() {
    require!(moto);
    let pool = Pool::create().await;
    let home = Home::new();
    let secret = "Wr0ng-but-Secret-Passw0rd!";
    let run = home.run(
        &["-vv", "login", "--username", PILOT],
        &with(&pool.env(), &[("UL_PASSWORD", secret)]),
        None,
    );
    run.expect_code(3);
    assert!(
        run.stderr().contains("incorrect username or password"),
        "{}",
        run.stderr()
    );
    assert!(!run.stdout().contains(secret));
    assert!(!run.stderr().contains(secret));
    assert!(!home.all_files_text().contains(secret));
    assert!(!home.cache_file("default").exists());
}

#[tokio::test]
async fn unknown_user_disabled_user_and_wrong_client_are_exit_3_with_their_reason() {
    require!(moto);
    let pool = Pool::create().await;
    let home = Home::new();
    let env = with(&pool.env(), &[("UL_PASSWORD", PASSWORD)]);
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);
    let cases: [Case; 3] = [
        (
            &["login", "--username", "nobody@example.com"],
            &[],
            "no such user",
        ),
        (&["login", "--username", DISABLED], &[], "disabled"),
        (
            &["login", "--username", PILOT],
            &[("UL_CLIENT_ID", "nosuchclient1")],
            "unknown app client",
        ),
    ];
    for (args, extra, says) in cases {
        let run = home.run(args, &with(&env, extra), None);
        run.expect_code(3);
        assert!(run.stderr().contains(says), "{args:?}: {}", run.stderr());
    }
}

#[tokio::test]
async fn an_invited_user_is_told_about_the_new_password_challenge() {
    require!(moto);
    let pool = Pool::create().await;
    let home = Home::new();
    let run = home.run(
        &["login", "--username", INVITED],
        &with(&pool.env(), &[("UL_PASSWORD", TEMP_PASSWORD)]),
        None,
    );
    run.expect_code(3);
    assert!(
        run.stderr().contains("NEW_PASSWORD_REQUIRED"),
        "{}",
        run.stderr()
    );
    assert!(run.stderr().contains("new password"), "{}", run.stderr());
}

#[test]
fn endpoint_down_is_exit_4_within_the_timeout() {
    // A port nothing listens on: bind, read the port, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let home = Home::new();
    let env = vec![
        ("UL_REGION".to_owned(), "ap-southeast-2".to_owned()),
        (
            "UL_USER_POOL_ID".to_owned(),
            "ap-southeast-2_Example".to_owned(),
        ),
        ("UL_CLIENT_ID".to_owned(), "client1".to_owned()),
        (
            "AWS_ENDPOINT_URL".to_owned(),
            format!("http://127.0.0.1:{port}"),
        ),
        ("UL_USERNAME".to_owned(), PILOT.to_owned()),
        ("UL_PASSWORD".to_owned(), PASSWORD.to_owned()),
    ];
    let started = Instant::now();
    let run = home.run(&["login"], &env, None);
    run.expect_code(4);
    assert!(run.stderr().contains("cannot reach"), "{}", run.stderr());
    // The documented bound on one call, retries included, plus process start-up slack.
    assert!(started.elapsed() < Duration::from_secs(25 + 10));
}

#[tokio::test]
async fn commands_without_a_session_say_not_signed_in() {
    require!(moto);
    let pool = Pool::create().await;
    let home = Home::new();
    for args in [&["token"][..], &["header", "rest"], &["claims"]] {
        let run = home.run(args, &pool.env(), None);
        run.expect_code(3);
        assert!(run.stderr().contains("not signed in"), "{}", run.stderr());
        assert!(run.stdout().is_empty());
    }
}

#[tokio::test]
async fn profiles_keep_separate_sessions_and_read_the_config_file() {
    require!(moto);
    let pool = Pool::create().await;
    let home = Home::new();
    let config_dir = home.dir.path().join("config").join("unleashlive-auth");
    std::fs::create_dir_all(&config_dir).unwrap();
    std::fs::write(
        config_dir.join("config.toml"),
        format!(
            "[staging]\nregion = \"ap-southeast-2\"\nuser_pool_id = \"{}\"\nclient_id = \"{}\"\n",
            pool.pool_id, pool.client_id
        ),
    )
    .unwrap();
    let env = vec![
        ("AWS_ENDPOINT_URL".to_owned(), crate::util::moto_url()),
        ("UL_PASSWORD".to_owned(), PASSWORD.to_owned()),
        ("UL_AUTH_FLOW".to_owned(), "password".to_owned()),
    ];
    home.run(
        &["--profile", "staging", "login", "--username", PILOT],
        &env,
        None,
    )
    .expect_code(0);
    assert!(home.cache_file("staging").exists());
    assert!(!home.cache_file("default").exists());
    home.run(&["--profile", "staging", "token"], &env, None)
        .expect_code(0);
}

#[test]
fn invalid_settings_fail_early_naming_the_setting() {
    let home = Home::new();
    let env = vec![
        ("UL_USER_POOL_ID".to_owned(), "us-east-1_abc".to_owned()),
        ("UL_USERNAME".to_owned(), PILOT.to_owned()),
        ("UL_PASSWORD".to_owned(), PASSWORD.to_owned()),
    ];
    let run = home.run(&["login"], &env, None);
    run.expect_code(2);
    assert!(run.stderr().contains("UL_USER_POOL_ID"), "{}", run.stderr());
}

#[test]
fn help_explains_the_credentials_and_exit_codes() {
    let home = Home::new();
    let run = home.run(&["--help"], &[], None);
    run.expect_code(0);
    let help = run.stdout();
    for needle in [
        "UL_PASSWORD",
        "--password-stdin",
        "UL_USERNAME",
        "Exit codes",
        "cloud.unleashlive.com",
    ] {
        assert!(help.contains(needle), "--help lacks {needle}");
    }
}

#[test]
fn without_a_password_and_a_terminal_login_says_how_to_give_one() {
    let home = Home::new();
    let env = vec![("UL_USERNAME".to_owned(), PILOT.to_owned())];
    let run = home.run(&["login"], &env, None);
    run.expect_code(3);
    assert!(run.stderr().contains("UL_PASSWORD"), "{}", run.stderr());
}

#[test]
fn login_names_an_endpoint_override_and_where_it_came_from_before_reading_the_password() {
    let home = Home::new();
    let username = [("UL_USERNAME".to_owned(), PILOT.to_owned())];
    let redirected = "ul-auth: note: Cognito is redirected to";
    // No password anywhere: each run stops where the password would be read, so the note comes
    // first or not at all.
    let from_variable = home.run(
        &["login"],
        &with(&username, &[("AWS_ENDPOINT_URL", "http://127.0.0.1:9")]),
        None,
    );
    from_variable.expect_code(3);
    let stderr = from_variable.stderr();
    let note = stderr.lines().next().unwrap_or_default();
    assert!(
        note.starts_with(redirected)
            && note.contains("http://127.0.0.1:9 by AWS_ENDPOINT_URL")
            && note.contains("cognito-idp.ap-southeast-2.amazonaws.com"),
        "{stderr}"
    );
    assert!(
        stderr.contains("UL_PASSWORD"),
        "then the password: {stderr}"
    );

    let from_flag = home.run(
        &["--endpoint-url", "http://127.0.0.1:8", "login"],
        &with(&username, &[("AWS_ENDPOINT_URL", "http://127.0.0.1:9")]),
        None,
    );
    from_flag.expect_stderr("redirected to http://127.0.0.1:8 by --endpoint-url");

    let file = home.dir.path().join("localstack.toml");
    std::fs::write(&file, "[dev]\nendpoint_url = \"http://localhost:4566\"\n").unwrap();
    let from_file = home.run(
        &[
            "--config",
            file.to_str().unwrap(),
            "--profile",
            "dev",
            "login",
        ],
        &username,
        None,
    );
    from_file.expect_stderr(&format!(
        "redirected to http://localhost:4566 by endpoint_url in [dev] of {}",
        file.display()
    ));

    let production = home.run(&["login"], &username, None);
    production.expect_code(3);
    assert!(
        !production.stderr().contains("redirected"),
        "{}",
        production.stderr()
    );
}

#[test]
fn the_sdks_own_endpoint_variable_and_profile_setting_cannot_redirect_the_sign_in() {
    // A listener that would receive the sign-in if the AWS SDK followed them.
    let trap = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    trap.set_nonblocking(true).unwrap();
    let url = format!("http://{}", trap.local_addr().unwrap());
    let home = Home::new();
    let aws_config = home.dir.path().join("aws-config");
    std::fs::write(&aws_config, format!("[default]\nendpoint_url = {url}\n")).unwrap();
    // A region without Cognito: with no endpoint setting of ours the sign-in reaches nothing.
    let env: Vec<(String, String)> = [
        ("UL_REGION", "zz-nowhere-1"),
        ("UL_USER_POOL_ID", "zz-nowhere-1_Example"),
        ("UL_CLIENT_ID", "client1"),
        ("UL_USERNAME", PILOT),
        ("UL_PASSWORD", PASSWORD),
        ("UL_AUTH_FLOW", "password"),
        ("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER", url.as_str()),
        ("AWS_CONFIG_FILE", aws_config.to_str().unwrap()),
    ]
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .to_vec();
    let run = home.run(&["login"], &env, None);
    run.expect_code(4);
    assert!(!run.stderr().contains("redirected"), "{}", run.stderr());
    assert!(
        matches!(trap.accept(), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "the sign-in went to the endpoint only the AWS SDK knew of"
    );
}
