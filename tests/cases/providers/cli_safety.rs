//! Every provider command keeps its secrets: none in trace logs, none over plain HTTP to another
//! machine.

use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::cli_fixtures::{
    API_TOKEN, BEARER, EMAIL, LOGIN_TOKEN, NEW_KEY, OTP, SECRET_KEY, UNLEASH_TOKEN, assert_absent,
    env, files_holding, mint_answers, unith_server, unleashx_server, with_key,
};
use crate::util::{Home, Run};

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
