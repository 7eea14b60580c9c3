//! Issue 10: rotating refresh tokens, clock drift, RevokeToken on logout.

use std::time::Duration;

use unleashlive_auth::cognito::AuthFlow;
use unleashlive_auth::{
    CognitoClient, CognitoRenewer, CognitoSessions, Password, Session, SessionStore, SignIn,
};

use crate::util::standin::{CognitoStandIn, Running};
use crate::util::{Home, PASSWORD, PILOT, Pool, with};

async fn sign_in(running: &Running) -> Session {
    let cognito = CognitoClient::new(running.settings().resolve().unwrap()).await;
    match cognito
        .sign_in(AuthFlow::Srp, PILOT, &Password::new(PASSWORD))
        .await
        .unwrap()
    {
        SignIn::Done(session) => session,
        SignIn::Challenge(c) => panic!("challenge {}", c.kind().as_str()),
    }
}

fn refresh_tokens_sent(running: &Running) -> Vec<String> {
    running
        .bodies("GetTokensFromRefreshToken")
        .iter()
        .map(|b| b["RefreshToken"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn three_refreshes_in_a_row_each_spend_the_newest_token() {
    let running = CognitoStandIn::new(None)
        .with_user(PILOT, PASSWORD)
        .start()
        .await;
    running.set_grace(Duration::from_millis(300));
    let dir = tempfile::tempdir().unwrap();
    let store = SessionStore::new(dir.path());
    let first = sign_in(&running).await;
    store.save("default", &first).unwrap();
    let sessions = CognitoSessions::new(
        store.clone(),
        "default",
        CognitoRenewer::new(running.settings().resolve().unwrap()),
    );
    let mut expected = vec![first.refresh_token().unwrap().secret().to_owned()];
    for _ in 0..3 {
        let renewed = sessions.renew_now().await.unwrap();
        let on_disk: Session = store.load("default").unwrap().unwrap();
        assert_eq!(
            on_disk.refresh_token(),
            renewed.refresh_token(),
            "stored before use"
        );
        expected.push(renewed.refresh_token().unwrap().secret().to_owned());
    }
    assert_eq!(refresh_tokens_sent(&running), expected[..3]);
    // After the grace period the first token is dead.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let cognito = CognitoClient::new(running.settings().resolve().unwrap()).await;
    let err = cognito.refresh(&first).await.unwrap_err();
    assert!(
        matches!(err, unleashlive_auth::Error::SignInAgain { .. }),
        "{err:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rotated_token_lost_before_it_was_stored_is_recovered_within_the_grace_period() {
    let running = CognitoStandIn::new(None)
        .with_user(PILOT, PASSWORD)
        .start()
        .await;
    running.set_grace(Duration::from_secs(30));
    running.set_lifetime(60); // inside the refresh margin: the next use refreshes
    let home = Home::new();
    let store = SessionStore::new(home.cache_dir());
    let session = sign_in(&running).await;
    store.save("default", &session).unwrap();
    running.set_lifetime(3600);
    // A process received a rotated token and died before storing it.
    let cognito = CognitoClient::new(running.settings().resolve().unwrap()).await;
    drop(cognito.refresh(&session).await.unwrap());
    let env = running.env();
    let run = tokio::task::spawn_blocking(move || home.run(&["token"], &env, None))
        .await
        .unwrap();
    run.expect_code(0);
    assert_eq!(running.count("GetTokensFromRefreshToken"), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_clock_two_hours_off_neither_refreshes_every_call_nor_loops() {
    for offset in [-7200, 7200] {
        let running = CognitoStandIn::new(None)
            .with_user(PILOT, PASSWORD)
            .start()
            .await;
        running.set_clock_offset(offset);
        let home = Home::new();
        let env = with(&running.env(), &[("UL_PASSWORD", PASSWORD)]);
        let (home, runs) = tokio::task::spawn_blocking(move || {
            let login = home.run(&["login", "--username", PILOT], &env, None);
            let tokens: Vec<_> = (0..3).map(|_| home.run(&["token"], &env, None)).collect();
            let status = home.run(&["status", "--output", "json"], &env, None);
            (home, (login, tokens, status))
        })
        .await
        .unwrap();
        let (login, tokens, status) = runs;
        login.expect_code(0);
        for t in &tokens {
            t.expect_code(0);
        }
        assert_eq!(
            running.count("GetTokensFromRefreshToken"),
            0,
            "offset {offset}: a fresh session is not refreshed"
        );
        let status: serde_json::Value = serde_json::from_str(&status.stdout()).unwrap();
        let left = status["secondsLeft"].as_u64().unwrap();
        assert!(
            (3500..=3600).contains(&left),
            "offset {offset}: {left} s left"
        );
        drop(home);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn logout_revokes_this_sessions_refresh_token() {
    let running = CognitoStandIn::new(Some("logout-secret"))
        .with_user(PILOT, PASSWORD)
        .start()
        .await;
    let home = Home::new();
    let env = with(&running.env(), &[("UL_PASSWORD", PASSWORD)]);
    let run = tokio::task::spawn_blocking(move || {
        home.run(&["login", "--username", PILOT], &env, None)
            .expect_code(0);
        let copy = std::fs::read(home.cache_file("default")).unwrap();
        let logout = home.run(&["logout"], &env, None);
        assert!(!home.cache_file("default").exists());
        std::fs::write(home.cache_file("default"), &copy).unwrap();
        std::fs::set_permissions(
            home.cache_file("default"),
            std::os::unix::fs::PermissionsExt::from_mode(0o600),
        )
        .unwrap();
        (logout, home.run(&["refresh"], &env, None))
    })
    .await
    .unwrap();
    let (logout, refresh) = run;
    logout.expect_code(0);
    assert!(logout.stderr().contains("Revoked"), "{}", logout.stderr());
    let revoke = &running.bodies("RevokeToken")[0];
    assert_eq!(revoke["ClientSecret"], "logout-secret");
    assert!(
        revoke["Token"]
            .as_str()
            .unwrap()
            .starts_with("standin-refresh-")
    );
    refresh.expect_code(3);
    assert!(
        refresh.stderr().contains("sign in again"),
        "{}",
        refresh.stderr()
    );
}

#[tokio::test]
async fn logout_removes_the_local_session_even_when_revocation_fails() {
    // moto does not implement RevokeToken (HTTP 500).
    let pool = Pool::create().await;
    let home = Home::new();
    let env = with(&pool.env(), &[("UL_PASSWORD", PASSWORD)]);
    home.run(&["login", "--username", PILOT], &env, None)
        .expect_code(0);
    // A refresh token left valid on the server is an error (exit 4), not a warning.
    let run = home.run(&["logout"], &env, None);
    run.expect_code(4)
        .expect_stderr("could not revoke")
        .expect_stderr("stays valid until it expires");
    assert!(!home.cache_file("default").exists());
}

#[tokio::test]
async fn a_forgotten_password_is_reset_with_the_code_and_only_the_new_one_works() {
    let pool = Pool::create().await;
    let home = Home::new();
    let env = pool.env();
    let forgot = home.run(&["password", "forgot", "--username", PILOT], &env, None);
    forgot.expect_code(0);
    assert!(
        forgot.stderr().contains("code was sent"),
        "{}",
        forgot.stderr()
    );
    assert!(
        forgot.stderr().contains("password confirm"),
        "{}",
        forgot.stderr()
    );
    // moto checks codes that carry its own prefix; this one is not the code it sent.
    let wrong = home.run(
        &[
            "password",
            "confirm",
            "--username",
            PILOT,
            "--code",
            "moto-confirmation-code:000000",
            "--new-password-stdin",
        ],
        &env,
        Some("Reset-Passw0rd!\n"),
    );
    wrong.expect_code(3);
    assert!(
        wrong.stderr().contains("ask for a new one"),
        "{}",
        wrong.stderr()
    );
    home.run(
        &[
            "password",
            "confirm",
            "--username",
            PILOT,
            "--code",
            "123456",
            "--new-password-stdin",
        ],
        &env,
        Some("Reset-Passw0rd!\n"),
    )
    .expect_code(0);
    home.run(
        &["login", "--username", PILOT],
        &with(&env, &[("UL_PASSWORD", "Reset-Passw0rd!")]),
        None,
    )
    .expect_code(0);
    home.run(
        &["login", "--username", PILOT],
        &with(&env, &[("UL_PASSWORD", PASSWORD)]),
        None,
    )
    .expect_code(3);
}

#[tokio::test]
async fn a_signed_in_user_changes_the_password() {
    let pool = Pool::create().await;
    let home = Home::new();
    let env = with(&pool.env(), &[("UL_PASSWORD", PASSWORD)]);
    home.run(&["login", "--username", PILOT], &env, None)
        .expect_code(0);
    let wrong = home.run(
        &[
            "password",
            "change",
            "--password-stdin",
            "--new-password-stdin",
        ],
        &pool.env(),
        Some("Not-The-Passw0rd!\nChanged-Passw0rd!\n"),
    );
    // Real Cognito says "Incorrect username or password."; moto's message is the user name.
    wrong.expect_code(3);
    let run = home.run(
        &["password", "change", "--new-password-stdin"],
        &env,
        Some("Changed-Passw0rd!\n"),
    );
    run.expect_code(0);
    assert!(!run.stderr().contains("Changed-Passw0rd!"));
    home.run(
        &["login", "--username", PILOT],
        &with(&pool.env(), &[("UL_PASSWORD", "Changed-Passw0rd!")]),
        None,
    )
    .expect_code(0);
}

#[tokio::test]
async fn choice_based_sign_in_with_an_emailed_code() {
    use unleashlive_auth::ChallengeKind;
    use unleashlive_auth::cognito::{Answer, FirstFactor};
    let running = CognitoStandIn::new(Some("choice-secret"))
        .with_user(PILOT, PASSWORD)
        .start()
        .await;
    let cognito = CognitoClient::new(running.settings().resolve().unwrap()).await;
    // Preferred: straight to the code.
    let SignIn::Challenge(c) = cognito
        .sign_in_with_choice(PILOT, Some(FirstFactor::EmailOtp), None)
        .await
        .unwrap()
    else {
        panic!("expected the EMAIL_OTP challenge");
    };
    assert_eq!(c.kind(), &ChallengeKind::EmailOtp);
    assert_eq!(c.code_destination(), Some("p***@e***"));
    let wrong = cognito
        .answer(c, Answer::Code("000000x".into()))
        .await
        .unwrap_err();
    assert!(
        matches!(wrong, unleashlive_auth::Error::CodeMismatch),
        "{wrong:?}"
    );

    // No preference: SELECT_CHALLENGE lists the offer; the choice is answered.
    let SignIn::Challenge(c) = cognito
        .sign_in_with_choice(PILOT, None, None)
        .await
        .unwrap()
    else {
        panic!("expected SELECT_CHALLENGE");
    };
    assert_eq!(c.kind(), &ChallengeKind::SelectChallenge);
    assert_eq!(c.available_challenges(), ["EMAIL_OTP", "WEB_AUTHN"]);
    let not_offered = cognito
        .answer(
            c,
            Answer::Choose {
                factor: FirstFactor::SmsOtp,
                password: None,
            },
        )
        .await
        .unwrap_err();
    assert!(
        not_offered.to_string().contains("not offered"),
        "{not_offered}"
    );
    let SignIn::Challenge(c) = cognito
        .sign_in_with_choice(PILOT, None, None)
        .await
        .unwrap()
    else {
        panic!("expected SELECT_CHALLENGE");
    };
    let SignIn::Challenge(c) = cognito
        .answer(
            c,
            Answer::Choose {
                factor: FirstFactor::EmailOtp,
                password: None,
            },
        )
        .await
        .unwrap()
    else {
        panic!("expected EMAIL_OTP");
    };
    let code = running.email_code().unwrap();
    let SignIn::Done(session) = cognito.answer(c, Answer::Code(code)).await.unwrap() else {
        panic!("expected a session");
    };
    assert_eq!(session.claims().team_id.as_deref(), Some("team-7"));
    let select = running
        .bodies("RespondToAuthChallenge")
        .into_iter()
        .find(|b| b["ChallengeName"] == "SELECT_CHALLENGE")
        .unwrap();
    assert_eq!(select["ChallengeResponses"]["ANSWER"], "EMAIL_OTP");
    assert!(
        select["Session"].is_string(),
        "the challenge session is passed back"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn cli_user_auth_without_a_choice_and_a_terminal_names_the_choices() {
    let running = CognitoStandIn::new(None)
        .with_user(PILOT, PASSWORD)
        .start()
        .await;
    let home = Home::new();
    let env = with(&running.env(), &[("UL_AUTH_FLOW", "user-auth")]);
    let (home, run) = tokio::task::spawn_blocking(move || {
        let run = home.run(&["login", "--username", PILOT], &env, None);
        (home, run)
    })
    .await
    .unwrap();
    run.expect_code(3);
    assert!(run.stderr().contains("EMAIL_OTP"), "{}", run.stderr());
    assert!(run.stderr().contains("--prefer"), "{}", run.stderr());
    assert!(run.stderr().contains("WEB_AUTHN"), "{}", run.stderr());
    // With a preference and no code yet: told which flag carries the code.
    let env = with(&running.env(), &[("UL_AUTH_FLOW", "user-auth")]);
    let (home, run) = tokio::task::spawn_blocking(move || {
        let run = home.run(
            &["login", "--username", PILOT, "--prefer", "email-otp"],
            &env,
            None,
        );
        (home, run)
    })
    .await
    .unwrap();
    run.expect_code(3);
    assert!(run.stderr().contains("--code"), "{}", run.stderr());
    drop(home);
}

#[tokio::test(flavor = "multi_thread")]
async fn cli_user_auth_with_email_otp_reads_the_code_once_it_was_sent() {
    use std::io::Write;
    let running = CognitoStandIn::new(None)
        .with_user(PILOT, PASSWORD)
        .start()
        .await;
    let home = Home::new();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ul-auth"))
        .args([
            "login",
            "--username",
            PILOT,
            "--flow",
            "user-auth",
            "--prefer",
            "email-otp",
            "--code",
            "-",
        ])
        .env_clear()
        .env("HOME", home.dir.path())
        .env("UL_CACHE_DIR", home.cache_dir())
        .envs(running.env())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut code = None;
    for _ in 0..200 {
        code = running.email_code();
        if code.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let code = code.expect("the stand-in sent a code");
    writeln!(child.stdin.take().unwrap(), "{code}").unwrap();
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Signed in"));
    assert!(
        running.bodies("InitiateAuth")[0]["AuthParameters"]
            .get("PASSWORD")
            .is_none()
    );
    assert!(home.cache_file("default").exists());
}
