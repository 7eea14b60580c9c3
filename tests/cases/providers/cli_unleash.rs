//! `ul-auth` with Unleash and UnleashX tokens, each service played by wiremock checking the
//! documented requests.

use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::cli_fixtures::{
    API_TOKEN, EMAIL, OTP, UNLEASH_TOKEN, assert_absent, env, mint_answers, unleashx_server,
};
use crate::util::Home;

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
