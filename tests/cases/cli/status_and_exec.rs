//! `ul-auth status` and `exec` with a Cognito session, and no secret in the logs of any
//! command.

use crate::util::emulator::require;
use crate::util::session::signed_in_on_moto;
use crate::util::standin::CognitoStandIn;
use crate::util::{Home, PASSWORD, PILOT, Pool, with};

#[tokio::test]
async fn status_shows_the_user_and_time_left_or_says_not_signed_in() {
    require!(moto);
    let pool = Pool::create().await;
    let home = Home::new();
    let run = home.run(&["status"], &pool.env(), None);
    run.expect_code(3);
    assert!(run.stdout().contains("Not signed in"), "{}", run.stdout());
    let env = with(&pool.env(), &[("UL_PASSWORD", PASSWORD)]);
    home.run(&["login", "--username", PILOT], &env, None)
        .expect_code(0);
    let run = home.run(&["status"], &env, None);
    run.expect_code(0);
    for needle in [
        "Profile:   default",
        PILOT,
        "team-7",
        "company-42",
        "min left",
    ] {
        assert!(run.stdout().contains(needle), "{needle}: {}", run.stdout());
    }
    let run = home.run(&["status", "--output", "json"], &env, None);
    let json: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    assert_eq!(json["signedIn"], true);
    assert!(json["secondsLeft"].as_u64().unwrap() > 3000);
}

#[tokio::test]
async fn exec_passes_tokens_in_the_environment_and_the_exit_code_through() {
    require!(moto);
    let (pool, home) = signed_in_on_moto().await;
    let env = with(&pool.env(), &[("UL_PASSWORD", PASSWORD)]);
    let token = home.run(&["token"], &env, None).stdout().trim().to_owned();
    let script = format!(
        "test \"$UL_ID_TOKEN\" = '{token}' && test -n \"$UL_ACCESS_TOKEN\" && test \"$UL_TOKEN\" = '{token}' && test \"$UL_AUTH_HEADER\" = 'x-amz-cognito-security-token: {token}' && exit 7"
    );
    // This pool has no identity pool: the tokens alone are wanted.
    let run = home.run(&["exec", "--no-aws", "--", "sh", "-c", &script], &env, None);
    run.expect_code(7);
    assert!(!run.stdout().contains(&token) && !run.stderr().contains(&token));
    home.run(
        &["exec", "--no-aws", "--", "sh", "-c", "exit 0"],
        &env,
        None,
    )
    .expect_code(0);
    let missing = home.run(
        &["exec", "--no-aws", "--", "no-such-command-ul-auth"],
        &env,
        None,
    );
    missing.expect_code(127);
    assert!(
        missing.stderr().contains("cannot run"),
        "{}",
        missing.stderr()
    );
    let killed = home.run(
        &["exec", "--no-aws", "--", "sh", "-c", "kill -9 $$"],
        &env,
        None,
    );
    killed.expect_code(128 + 9);
}

/// Every secret a run used, read back from the cache after sign-in.
fn cached_secrets(home: &Home) -> Vec<String> {
    let cached: serde_json::Value =
        serde_json::from_slice(&std::fs::read(home.cache_file("default")).unwrap()).unwrap();
    ["id_token", "access_token", "refresh_token"]
        .iter()
        .filter_map(|k| cached["data"][k].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn trace_logs_of_the_whole_cli_matrix_hold_no_secret() {
    require!(moto);
    let pool = Pool::create().await;
    let totp_secret = pool.add_totp_user("mfa@example.com").await;
    let running = CognitoStandIn::new(Some("standin-client-secret-value"))
        .with_user(PILOT, PASSWORD)
        .start()
        .await;
    let wrong = "Wr0ng-Trace-Passw0rd!";
    let moto_env = with(
        &pool.env(),
        &[("RUST_LOG", "trace"), ("UL_PASSWORD", PASSWORD)],
    );
    let standin_env = with(
        &running.env(),
        &[("RUST_LOG", "trace"), ("UL_PASSWORD", PASSWORD)],
    );

    let outputs = tokio::task::spawn_blocking(move || {
        let mut seen: Vec<(String, String, String)> = Vec::new(); // (command, stdout, stderr)
        let mut secrets = vec![
            PASSWORD.to_owned(),
            wrong.to_owned(),
            totp_secret.clone(),
            "standin-client-secret-value".to_owned(),
        ];
        let mut record = |name: &str, run: crate::util::Run| {
            seen.push((name.to_owned(), run.stdout(), run.stderr()));
        };
        // moto: password flow, MFA, status, claims, refresh, exec, logout.
        let home = Home::new();
        record(
            "login",
            home.run(&["-vv", "login", "--username", PILOT], &moto_env, None),
        );
        secrets.extend(cached_secrets(&home));
        record("status", home.run(&["status"], &moto_env, None));
        record("claims", home.run(&["claims"], &moto_env, None));
        record("refresh", home.run(&["refresh"], &moto_env, None));
        secrets.extend(cached_secrets(&home));
        record("exec", home.run(&["exec", "--", "true"], &moto_env, None));
        record(
            "wrong password",
            home.run(
                &["login", "--username", PILOT],
                &with(
                    &pool.env(),
                    &[("RUST_LOG", "trace"), ("UL_PASSWORD", wrong)],
                ),
                None,
            ),
        );
        let mfa_home = Home::new();
        let code = crate::util::fresh_totp(&totp_secret);
        record(
            "mfa login",
            mfa_home.run(
                &[
                    "login",
                    "--username",
                    "mfa@example.com",
                    "--mfa-code",
                    &code,
                ],
                &moto_env,
                None,
            ),
        );
        secrets.extend(cached_secrets(&mfa_home));
        record("logout", home.run(&["logout"], &moto_env, None));
        // stand-in: SRP with a client secret, rotation, global sign-out.
        let srp_home = Home::new();
        record(
            "srp login",
            srp_home.run(&["login", "--username", PILOT], &standin_env, None),
        );
        secrets.extend(cached_secrets(&srp_home));
        record(
            "srp refresh",
            srp_home.run(&["refresh"], &standin_env, None),
        );
        secrets.extend(cached_secrets(&srp_home));
        record(
            "logout --global",
            srp_home.run(&["logout", "--global"], &standin_env, None),
        );
        (seen, secrets)
    })
    .await
    .unwrap();
    let (seen, secrets) = outputs;
    assert!(secrets.len() >= 10, "the matrix produced its secrets");
    let traced = seen
        .iter()
        .filter(|(_, _, err)| err.contains("TRACE"))
        .count();
    assert!(
        traced >= 6,
        "trace logging reached the network commands ({traced})"
    );
    for (command, stdout, stderr) in &seen {
        for secret in &secrets {
            assert!(
                !stderr.contains(secret.as_str()),
                "{command}: a secret in stderr"
            );
            assert!(
                !stdout.contains(secret.as_str()),
                "{command}: a secret in stdout"
            );
        }
    }
}
