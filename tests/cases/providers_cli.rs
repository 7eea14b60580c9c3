//! `ul-auth` with the other token systems (UNITH, Unleash, UnleashX), each service played by a
//! local HTTP server that checks the documented method, path, headers and body.

use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::util::{Home, Run};

const EMAIL: &str = "owner@example.com";
const SECRET_KEY: &str = "unith-secret-key-0d9f8e7a6b5c";
const BEARER: &str = "unith-bearer-7f6e5d4c3b2a1908";
const NEW_KEY: &str = "unith-new-secret-key-1a2b3c4d";
const UNLEASH_TOKEN: &str = "default:production.4e1b9c0d7a2f5e8b3c6dQRST";
const OTP: &str = "482913";
const LOGIN_TOKEN: &str = "unleashx-login-token-5c4b3a29";
const API_TOKEN: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

fn env(server: &MockServer, provider: &str, extra: &[(&str, &str)]) -> Vec<(String, String)> {
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

async fn requests_to(server: &MockServer, wanted: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path() == wanted)
        .collect()
}

/// Sets the cached credential's expiry (unix seconds) to make time pass.
fn set_expiry(home: &Home, profile: &str, unix: u64) {
    let file = home.cache_file(profile);
    let mut cached: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    cached["data"]["expiresAt"] = json!(unix);
    std::fs::write(&file, serde_json::to_vec(&cached).unwrap()).unwrap();
}

/// Every file under the home that holds `secret`.
fn files_holding(home: &Home, secret: &str) -> Vec<std::path::PathBuf> {
    fn walk(dir: &std::path::Path, secret: &str, out: &mut Vec<std::path::PathBuf>) {
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

fn assert_absent(what: &str, text: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(!text.contains(secret), "{what} shows {secret}:\n{text}");
    }
}

// ---------------------------------------------------------------- UNITH

async fn unith_server(expected_exchanges: u64) -> MockServer {
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

fn with_key(e: &[(String, String)]) -> Vec<(String, String)> {
    let mut all = e.to_vec();
    all.push(("UNITH_SECRET_KEY".into(), SECRET_KEY.into()));
    all
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

// ---------------------------------------------------------------- Unleash

#[tokio::test(flavor = "multi_thread")]
async fn unleash_tokens_go_raw_in_authorization_and_check_explains_401_and_403() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/client/features"))
        .and(header("authorization", UNLEASH_TOKEN))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"version": 2, "features": []})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/admin/projects"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({"message": "forbidden"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/frontend"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"message": "unauthorized"})))
        .mount(&server)
        .await;
    let home = Home::new();
    let e = env(&server, "unleash", &[]);
    let login = home.run(
        &["login"],
        &env(&server, "unleash", &[("UNLEASH_API_TOKEN", UNLEASH_TOKEN)]),
        None,
    );
    login.expect_code(0);

    let header = home.run(&["header"], &e, None);
    assert_eq!(header.stdout(), format!("authorization: {UNLEASH_TOKEN}\n"));
    home.run(&["check"], &e, None).expect_code(0);

    let forbidden = home.run(&["check", "--api", "admin"], &e, None);
    forbidden.expect_code(3);
    forbidden.expect_stderr("HTTP 403");
    forbidden.expect_stderr("kind or scope");
    let unknown = home.run(&["check", "--api", "frontend"], &e, None);
    unknown.expect_code(3);
    unknown.expect_stderr("HTTP 401");
    unknown.expect_stderr("does not know it");
    for out in [&forbidden, &unknown] {
        assert_absent("stderr", &out.stderr(), &["4e1b9c0d7a2f5e8b3c6dQRST"]);
    }

    let status = home.run(&["status"], &e, None);
    status.expect_code(0);
    assert!(
        status.stdout().contains("default:production.…QRST"),
        "{}",
        status.stdout()
    );
    assert!(
        status
            .stdout()
            .contains("project default, environment production")
    );
    assert_absent("status", &status.stdout(), &["4e1b9c0d7a2f5e8b3c6d"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn unleash_without_a_base_url_names_the_setting_and_the_profile_can_choose_the_provider() {
    let home = Home::new();
    let token_env = vec![("UNLEASH_API_TOKEN".to_owned(), UNLEASH_TOKEN.to_owned())];
    let config = home.dir.path().join("config/unleashlive-auth");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.toml"),
        "[flags]\nprovider = \"unleash\"\n",
    )
    .unwrap();

    // The token is bound to its instance, so login needs the URL...
    let login = home.run(&["--profile", "flags", "login"], &token_env, None);
    login.expect_code(2);
    login.expect_stderr("UL_BASE_URL");
    std::fs::write(
        config.join("config.toml"),
        "[flags]\nprovider = \"unleash\"\nbase_url = \"https://unleash.example.invalid\"\n",
    )
    .unwrap();
    home.run(&["--profile", "flags", "login"], &token_env, None)
        .expect_code(0);
    // ...and every call needs it again (here it is gone from the profile).
    std::fs::write(
        config.join("config.toml"),
        "[flags]\nprovider = \"unleash\"\n",
    )
    .unwrap();
    let check = home.run(&["--profile", "flags", "check"], &[], None);
    check.expect_code(2);
    check.expect_stderr("UL_BASE_URL");
    check.expect_stderr("--base-url");

    // The same profile's cache is not an Unleash Live session: a clear pointer, not a crash.
    let wrong = home.run(
        &["--profile", "flags", "--provider", "unleash-live", "token"],
        &[],
        None,
    );
    wrong.expect_stderr("--provider unleash");

    // An empty variable is not a choice: the profile's provider still applies.
    home.run(
        &["--profile", "flags", "status"],
        &[("UL_PROVIDER".into(), String::new())],
        None,
    )
    .expect_code(0);
    // A never-expiring token has nothing to renew: no "sign in again".
    let refresh = home.run(&["--profile", "flags", "refresh"], &[], None);
    refresh.expect_code(0);
    refresh.expect_stderr("Nothing to renew");

    // Signing in or out with another provider would destroy this token: refused, with the
    // command that does remove it.
    for args in [
        &["--profile", "flags", "--provider", "unith", "logout"][..],
        &["--profile", "flags", "--provider", "unleash-live", "logout"],
        &[
            "--profile",
            "flags",
            "--provider",
            "unleashx",
            "login",
            "--otp",
            "1",
        ],
    ] {
        let refused = home.run(args, &[], None);
        refused.expect_code(2);
        refused.expect_stderr("--provider unleash logout");
    }
    assert!(home.all_files_text().contains(UNLEASH_TOKEN));
}

#[tokio::test(flavor = "multi_thread")]
async fn exec_gives_the_command_the_token_the_header_and_the_customary_variable() {
    let server = MockServer::start().await;
    let home = Home::new();
    let e = env(&server, "unleash", &[("UNLEASH_API_TOKEN", UNLEASH_TOKEN)]);
    home.run(&["login"], &e, None).expect_code(0);
    let e = env(&server, "unleash", &[]);
    let out = home.run(
        &[
            "exec",
            "--",
            "sh",
            "-c",
            r#"printf '%s|%s|%s' "$UL_TOKEN" "$UL_AUTH_HEADER" "$UNLEASH_API_TOKEN"; exit 7"#,
        ],
        &e,
        None,
    );
    out.expect_code(7);
    assert_eq!(
        out.stdout(),
        format!("{UNLEASH_TOKEN}|authorization: {UNLEASH_TOKEN}|{UNLEASH_TOKEN}")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn exec_removes_the_secrets_ul_auth_reads_unless_kept_and_aws_ones_only_with_no_aws() {
    let server = MockServer::start().await;
    let home = Home::new();
    home.run(
        &["login"],
        &env(&server, "unleash", &[("UNLEASH_API_TOKEN", UNLEASH_TOKEN)]),
        None,
    )
    .expect_code(0);
    let secrets = [
        ("UL_PASSWORD", "pw-0a1b2c"),
        ("UL_CLIENT_SECRET", "cs-1b2c3d"),
        ("UNITH_SECRET_KEY", "uk-2c3d4e"),
        ("UL_API_KEY", "ak-3d4e5f"),
        ("UL_API_TOKEN", "ul_pat_4e5f6a"),
        ("UL_MFA_CODE", "501234"),
        ("UL_OTP_CODE", "612345"),
        ("UNLEASHX_OTP", "723456"),
        ("UL_RESET_CODE", "834567"),
        ("UL_VERIFY_TOKEN", "vt-5f6a7b"),
        ("UNLEASH_API_TOKEN", "other:token.6a7b8c"),
    ];
    let aws = [
        ("AWS_PROFILE", "parents-profile"),
        ("AWS_ACCESS_KEY_ID", "AKIAPARENT"),
        ("AWS_SECRET_ACCESS_KEY", "parent-secret-7b8c9d"),
        ("AWS_SESSION_TOKEN", "parent-session-8c9d0e"),
    ];
    let mut extra: Vec<(&str, &str)> = secrets.to_vec();
    extra.extend(aws);
    let e = env(&server, "unleash", &extra);
    let child_env = |flags: &[&str]| -> String {
        let mut args = vec!["exec"];
        args.extend(flags);
        args.extend(["--", "sh", "-c", "env"]);
        let run = home.run(&args, &e, None);
        run.expect_code(0);
        run.stdout()
    };

    let plain = child_env(&[]);
    assert_absent("the child's environment", &plain, &secrets.map(|(_, v)| v));
    // The one secret exec hands out on purpose: the stored token, not the inherited one.
    assert!(
        plain.contains(&format!("UNLEASH_API_TOKEN={UNLEASH_TOKEN}\n")),
        "{plain}"
    );
    // This provider gives no AWS credentials, so ours stay.
    for (name, value) in aws {
        assert!(
            plain.contains(&format!("{name}={value}\n")),
            "{name}: {plain}"
        );
    }

    let kept = child_env(&["--keep-env", "UL_PASSWORD", "--keep-env", "UL_API_KEY"]);
    assert!(kept.contains("UL_PASSWORD=pw-0a1b2c\n") && kept.contains("UL_API_KEY=ak-3d4e5f\n"));
    assert_absent(
        "the child's environment",
        &kept,
        &["cs-1b2c3d", "uk-2c3d4e"],
    );

    let no_aws = child_env(&["--no-aws"]);
    assert_absent(
        "the child's environment",
        &no_aws,
        &[
            "AWS_PROFILE=",
            "AWS_ACCESS_KEY_ID=",
            "AWS_SECRET_ACCESS_KEY=",
            "AWS_SESSION_TOKEN=",
        ],
    );
    assert!(
        no_aws.contains(&format!("UL_TOKEN={UNLEASH_TOKEN}\n")),
        "{no_aws}"
    );
}

// ---------------------------------------------------------------- UnleashX

async fn unleashx_server(code_requests: u64) -> MockServer {
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

async fn mint_answers(server: &MockServer, response: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path("/api/v1/global/generate-token"))
        .and(header("token", LOGIN_TOKEN))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({})))
        .respond_with(response)
        .mount(server)
        .await;
}

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

// ---------------------------------------------------------------- secrets

/// Every command of every provider at trace level: no secret in any output but the one the
/// command exists to print, and in no file but the cache entry meant to hold it.
#[tokio::test(flavor = "multi_thread")]
async fn trace_logs_of_every_provider_command_hold_no_secret() {
    let trace = [("RUST_LOG", "trace")];
    let all_secrets = [
        SECRET_KEY,
        BEARER,
        UNLEASH_TOKEN,
        OTP,
        LOGIN_TOKEN,
        API_TOKEN,
        NEW_KEY,
    ];
    let check = |run: &Run, printed: &[&str]| {
        let others: Vec<&str> = all_secrets
            .iter()
            .copied()
            .filter(|s| !printed.contains(s))
            .collect();
        assert_absent("stderr", &run.stderr(), &all_secrets);
        assert_absent("stdout", &run.stdout(), &others);
    };

    // UNITH, key not remembered: login, check and refresh each exchange it.
    let server = unith_server(3).await;
    let home = Home::new();
    let mut e = env(&server, "unith", &[("UNITH_EMAIL", EMAIL)]);
    e.extend(
        trace
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    for args in [
        &["-vv", "login"][..],
        &["-vv", "status"],
        &["-vv", "check"],
        &["-vv", "refresh"],
    ] {
        let run = home.run(args, &with_key(&e), None);
        run.expect_code(0);
        check(&run, &[]);
    }
    for args in [&["-vv", "token"][..], &["-vv", "header"]] {
        let run = home.run(args, &e, None);
        run.expect_code(0);
        check(&run, &[BEARER]);
    }
    assert_absent("the files", &home.all_files_text(), &[SECRET_KEY]);
    assert_eq!(files_holding(&home, BEARER), [home.cache_file("default")]);

    // UNITH, key remembered, then rotated: the new key is printed once, on stdout only.
    let server = unith_server(1).await;
    Mock::given(method("DELETE"))
        .and(path("/user/delete-secret-key"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/user/generate-secret-key"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!(NEW_KEY)))
        .mount(&server)
        .await;
    let home = Home::new();
    let mut e = env(&server, "unith", &[("UNITH_EMAIL", EMAIL)]);
    e.extend(
        trace
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    let run = home.run(&["-vv", "login", "--remember"], &with_key(&e), None);
    run.expect_code(0);
    check(&run, &[]);
    let run = home.run(&["-vv", "secret-key", "rotate"], &e, None);
    run.expect_code(0);
    check(&run, &[NEW_KEY]);
    let run = home.run(&["-vv", "exec", "--", "true"], &e, None);
    run.expect_code(0);
    check(&run, &[]);
    assert_eq!(files_holding(&home, NEW_KEY), [home.cache_file("default")]);
    let run = home.run(&["-vv", "logout"], &e, None);
    run.expect_code(0);
    check(&run, &[]);
    assert_absent(
        "the files",
        &home.all_files_text(),
        &[NEW_KEY, BEARER, SECRET_KEY],
    );

    // Unleash.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(403))
        .mount(&server)
        .await;
    let home = Home::new();
    let mut e = env(&server, "unleash", &[]);
    e.extend(
        trace
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    let run = home.run(
        &["-vv", "login", "--token-stdin"],
        &e,
        Some(&format!("{UNLEASH_TOKEN}\n")),
    );
    run.expect_code(0);
    check(&run, &[]);
    for args in [
        &["-vv", "status"][..],
        &["-vv", "check", "--api", "admin"],
        &["-vv", "exec", "--", "true"],
    ] {
        check(&home.run(args, &e, None), &[]);
    }
    for args in [&["-vv", "token"][..], &["-vv", "header"]] {
        check(&home.run(args, &e, None), &[UNLEASH_TOKEN]);
    }
    assert_eq!(
        files_holding(&home, UNLEASH_TOKEN),
        [home.cache_file("default")]
    );

    // UnleashX.
    let server = unleashx_server(1).await;
    mint_answers(
        &server,
        ResponseTemplate::new(200).set_body_json(json!({"token": API_TOKEN})),
    )
    .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/global/verify"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(
                json!({"error": true, "message": format!("INVALID token {API_TOKEN}")}),
            ),
        )
        .mount(&server)
        .await;
    let home = Home::new();
    let mut e = env(&server, "unleashx", &[("UNLEASHX_USERNAME", EMAIL)]);
    e.extend(
        trace
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    check(&home.run(&["-vv", "login"], &e, None), &[]);
    let run = home.run(&["-vv", "login", "--otp", OTP], &e, None);
    run.expect_code(0);
    check(&run, &[]);
    check(&home.run(&["-vv", "status"], &e, None), &[]);
    // A refused API token: the error names the code, never the token.
    check(&home.run(&["-vv", "check"], &e, None), &[]);
    for args in [&["-vv", "token"][..], &["-vv", "header"]] {
        check(&home.run(args, &e, None), &[API_TOKEN]);
    }
    assert_absent("the files", &home.all_files_text(), &[LOGIN_TOKEN, OTP]);
    assert_eq!(
        files_holding(&home, API_TOKEN),
        [home.cache_file("default")]
    );
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

/// With the keyring feature, the bearer and a remembered UNITH key live in the OS keychain
/// (a named kernel session keyring here), and renewal reads the key back from it.
#[cfg(all(feature = "keyring", target_os = "linux", target_arch = "x86_64"))]
#[tokio::test(flavor = "multi_thread")]
async fn with_the_keyring_feature_a_remembered_unith_key_lives_in_the_keychain() {
    use super::sessions::run_in_keyring;
    let server = unith_server(3).await;
    let home = Home::new();
    let e = env(&server, "unith", &[("UNITH_EMAIL", EMAIL)]);
    let keyring = format!("ul-auth-provider-test-{}", std::process::id());
    run_in_keyring(&home, &keyring, &["login", "--remember"], &with_key(&e)).expect_code(0);

    let cached: Value =
        serde_json::from_slice(&std::fs::read(home.cache_file("default")).unwrap()).unwrap();
    assert_eq!(cached["keychain"], json!(["token", "secretKey"]));
    assert_absent("the files", &home.all_files_text(), &[SECRET_KEY, BEARER]);

    set_expiry(&home, "default", 1_000);
    let token = run_in_keyring(&home, &keyring, &["token"], &e);
    token.expect_code(0);
    assert_eq!(token.stdout(), format!("{BEARER}\n"));
    assert_eq!(
        requests_to(&server, "/auth/token").await.len(),
        2,
        "renewed with the keychain's key"
    );
    // Logging in again without --remember forgets the key in the keychain too: even a file
    // that names it again finds nothing there.
    run_in_keyring(&home, &keyring, &["login"], &with_key(&e)).expect_code(0);
    let mut cached: Value =
        serde_json::from_slice(&std::fs::read(home.cache_file("default")).unwrap()).unwrap();
    assert_eq!(cached["keychain"], json!(["token"]));
    cached["keychain"] = json!(["token", "secretKey"]);
    cached["data"]["expiresAt"] = json!(1_000);
    std::fs::write(home.cache_file("default"), cached.to_string()).unwrap();
    run_in_keyring(&home, &keyring, &["token"], &e).expect_code(3);
    run_in_keyring(&home, &keyring, &["logout"], &e).expect_code(0);
}

#[tokio::test(flavor = "multi_thread")]
async fn plain_http_to_another_machine_is_refused_before_anything_is_sent() {
    let home = Home::new();
    let e = vec![
        ("UL_PROVIDER".to_owned(), "unith".to_owned()),
        (
            "UL_BASE_URL".to_owned(),
            "http://platform-api.example.com".to_owned(),
        ),
        ("UNITH_EMAIL".to_owned(), EMAIL.to_owned()),
    ];
    let out = home.run(&["login"], &with_key(&e), None);
    out.expect_code(2);
    out.expect_stderr("--allow-http");
    let unleash = vec![
        ("UL_PROVIDER".to_owned(), "unleash".to_owned()),
        (
            "UL_BASE_URL".to_owned(),
            "http://flags.example.com".to_owned(),
        ),
        ("UNLEASH_API_TOKEN".to_owned(), UNLEASH_TOKEN.to_owned()),
    ];
    for command in [&["login"][..], &["check"]] {
        let out = home.run(command, &unleash, None);
        out.expect_code(2);
        out.expect_stderr("--allow-http");
    }
    let out = home.run(
        &[
            "--api-url",
            "http://api.example.com",
            "login",
            "--username",
            "x@example.com",
        ],
        &[("UL_PASSWORD".to_owned(), "not-sent".to_owned())],
        None,
    );
    out.expect_code(2);
    out.expect_stderr("UL_API_URL");
}

#[tokio::test(flavor = "multi_thread")]
async fn unleash_and_unleashx_tokens_are_checked_only_where_they_were_issued() {
    let elsewhere = MockServer::start().await;

    let unleash = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/client/features"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"features": []})))
        .mount(&unleash)
        .await;
    let home = Home::new();
    let e = env(&unleash, "unleash", &[("UNLEASH_API_TOKEN", UNLEASH_TOKEN)]);
    home.run(&["login"], &e, None).expect_code(0);
    home.run(&["check"], &e, None).expect_code(0);
    let out = home.run(&["check"], &env(&elsewhere, "unleash", &[]), None);
    out.expect_code(2);
    out.expect_stderr(&unleash.uri());
    // Without an instance URL there is nothing to bind the token to: login refuses.
    let out = home.run(
        &["--profile", "nobase", "login"],
        &[
            ("UL_PROVIDER".to_owned(), "unleash".to_owned()),
            ("UNLEASH_API_TOKEN".to_owned(), UNLEASH_TOKEN.to_owned()),
        ],
        None,
    );
    out.expect_code(2);
    out.expect_stderr("UL_BASE_URL");

    let unleashx = unleashx_server(0).await;
    mint_answers(
        &unleashx,
        ResponseTemplate::new(200).set_body_json(json!({"token": API_TOKEN})),
    )
    .await;
    let home = Home::new();
    let e = env(&unleashx, "unleashx", &[("UNLEASHX_USERNAME", EMAIL)]);
    home.run(&["login", "--otp", OTP], &e, None).expect_code(0);
    let out = home.run(&["check"], &env(&elsewhere, "unleashx", &[]), None);
    out.expect_code(2);
    out.expect_stderr(&unleashx.uri());

    assert!(elsewhere.received_requests().await.unwrap().is_empty());
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
