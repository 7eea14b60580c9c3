//! Issue 3: SRP, SECRET_HASH, challenges, MFA, refresh and sign-out.

use std::collections::BTreeMap;

use unleashlive_auth::cognito::{Answer, AuthFlow};
use unleashlive_auth::{ChallengeKind, CognitoClient, Error, Password, SignIn};

use crate::util::standin::CognitoStandIn;
use crate::util::{Home, INVITED, PASSWORD, PILOT, Pool, TEMP_PASSWORD, fresh_totp, totp, with};

const NEW_PASSWORD: &str = "Brand-New-Passw0rd!";

fn done(outcome: SignIn) -> unleashlive_auth::Session {
    match outcome {
        SignIn::Done(session) => session,
        SignIn::Challenge(c) => panic!(
            "expected a session, got the {} challenge",
            c.kind().as_str()
        ),
    }
}

fn challenge(outcome: SignIn) -> unleashlive_auth::Challenge {
    match outcome {
        SignIn::Challenge(c) => c,
        SignIn::Done(_) => panic!("expected a challenge"),
    }
}

#[tokio::test]
async fn srp_sign_in_proves_the_password_to_a_server_that_checks_it() {
    let running = CognitoStandIn::new(None)
        .with_user(PILOT, PASSWORD)
        .start()
        .await;
    let cognito = CognitoClient::new(running.settings().resolve().unwrap()).await;
    // Several sign-ins: each uses a fresh random `a`, so padding cases vary.
    for _ in 0..5 {
        let session = done(
            cognito
                .sign_in(AuthFlow::Srp, PILOT, &Password::new(PASSWORD))
                .await
                .unwrap(),
        );
        assert_eq!(session.claims().team_id.as_deref(), Some("team-7"));
    }
    let initiate = &running.bodies("InitiateAuth")[0];
    assert_eq!(initiate["AuthFlow"], "USER_SRP_AUTH");
    assert!(
        initiate["AuthParameters"].get("PASSWORD").is_none(),
        "the password never leaves"
    );
    let answer = &running.bodies("RespondToAuthChallenge")[0];
    assert_eq!(answer["ChallengeName"], "PASSWORD_VERIFIER");
    assert!(
        answer["ChallengeResponses"]["USERNAME"]
            .as_str()
            .unwrap()
            .starts_with("uid-")
    );
    let wrong = cognito
        .sign_in(AuthFlow::Srp, PILOT, &Password::new("Wrong-Passw0rd!"))
        .await
        .unwrap_err();
    assert!(matches!(wrong, Error::IncorrectCredentials), "{wrong:?}");
}

#[tokio::test]
async fn srp_with_a_client_secret_sends_secret_hashes_the_server_accepts() {
    let running = CognitoStandIn::new(Some("s3cr3t-client-secret"))
        .with_user(PILOT, PASSWORD)
        .start()
        .await;
    let cognito = CognitoClient::new(running.settings().resolve().unwrap()).await;
    done(
        cognito
            .sign_in(AuthFlow::Srp, PILOT, &Password::new(PASSWORD))
            .await
            .unwrap(),
    );

    // Without the secret the stand-in refuses, so the hash above was really checked.
    let mut settings = running.settings();
    settings.client_secret = None;
    let unhashed = CognitoClient::new(settings.resolve().unwrap()).await;
    let err = unhashed
        .sign_in(AuthFlow::Srp, PILOT, &Password::new(PASSWORD))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotAuthorized { .. }), "{err:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn cli_login_uses_srp_by_default() {
    let running = CognitoStandIn::new(None)
        .with_user(PILOT, PASSWORD)
        .start()
        .await;
    let home = Home::new();
    let env = with(&running.env(), &[("UL_PASSWORD", PASSWORD)]);
    let run = tokio::task::spawn_blocking(move || {
        let run = home.run(&["login", "--username", PILOT], &env, None);
        (run, home)
    })
    .await
    .unwrap();
    run.0.expect_code(0);
    assert_eq!(
        running.operations(),
        ["InitiateAuth", "RespondToAuthChallenge"]
    );
}

#[tokio::test]
async fn a_secret_block_that_is_not_base64_is_refused_clearly() {
    // moto's PASSWORD_VERIFIER carries a UUID as SECRET_BLOCK; real Cognito sends base64.
    let pool = Pool::create().await;
    let cognito = CognitoClient::new(pool.config()).await;
    let err = cognito
        .sign_in(AuthFlow::Srp, PILOT, &Password::new(PASSWORD))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Srp(_)), "{err:?}");
    assert!(err.to_string().to_lowercase().contains("secret"), "{err}");
}

#[tokio::test]
async fn an_invited_user_sets_a_new_password_and_only_it_works_afterwards() {
    let pool = Pool::create().await;
    let cognito = CognitoClient::new(pool.config()).await;
    let c = challenge(
        cognito
            .sign_in(AuthFlow::Password, INVITED, &Password::new(TEMP_PASSWORD))
            .await
            .unwrap(),
    );
    assert_eq!(c.kind(), &ChallengeKind::NewPasswordRequired);
    let wrong_answer = cognito
        .answer(c, Answer::Code("123456".into()))
        .await
        .unwrap_err();
    assert!(
        matches!(wrong_answer, Error::InvalidAnswer(_)),
        "{wrong_answer:?}"
    );

    let c = challenge(
        cognito
            .sign_in(AuthFlow::Password, INVITED, &Password::new(TEMP_PASSWORD))
            .await
            .unwrap(),
    );
    let session = done(
        cognito
            .answer(
                c,
                Answer::NewPassword {
                    password: Password::new(NEW_PASSWORD),
                    attributes: BTreeMap::new(),
                },
            )
            .await
            .unwrap(),
    );
    assert_eq!(session.claims().email.as_deref(), Some(INVITED));
    done(
        cognito
            .sign_in(AuthFlow::Password, INVITED, &Password::new(NEW_PASSWORD))
            .await
            .unwrap(),
    );
    let old = cognito
        .sign_in(AuthFlow::Password, INVITED, &Password::new(TEMP_PASSWORD))
        .await
        .unwrap_err();
    assert!(matches!(old, Error::IncorrectCredentials), "{old:?}");
}

#[tokio::test]
async fn cli_invited_user_without_a_terminal_names_the_flag_then_succeeds_with_it() {
    let pool = Pool::create().await;
    let home = Home::new();
    let env = pool.env();
    let run = home.run(
        &["login", "--username", INVITED, "--password-stdin"],
        &env,
        Some(&format!("{TEMP_PASSWORD}\n")),
    );
    run.expect_code(3);
    assert!(
        run.stderr().contains("--new-password-stdin"),
        "{}",
        run.stderr()
    );

    let run = home.run(
        &[
            "login",
            "--username",
            INVITED,
            "--password-stdin",
            "--new-password-stdin",
        ],
        &env,
        Some(&format!("{TEMP_PASSWORD}\n{NEW_PASSWORD}\n")),
    );
    run.expect_code(0);
    assert!(!run.stderr().contains(NEW_PASSWORD) && !run.stdout().contains(NEW_PASSWORD));
    assert!(!home.all_files_text().contains(NEW_PASSWORD));
    home.run(
        &["login", "--username", INVITED],
        &with(&env, &[("UL_PASSWORD", NEW_PASSWORD)]),
        None,
    )
    .expect_code(0);
}

#[tokio::test]
async fn totp_mfa_takes_the_right_code_and_refuses_a_wrong_one() {
    let pool = Pool::create().await;
    let secret = pool.add_totp_user("mfa@example.com").await;
    let cognito = CognitoClient::new(pool.config()).await;

    let c = challenge(
        cognito
            .sign_in(
                AuthFlow::Password,
                "mfa@example.com",
                &Password::new(PASSWORD),
            )
            .await
            .unwrap(),
    );
    assert_eq!(c.kind(), &ChallengeKind::SoftwareTokenMfa);
    #[allow(clippy::disallowed_methods)] // TOTP codes live on the wall clock (moto's too)
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    // A code from an hour ago is certainly wrong.
    let stale = totp(&secret, now - 3600);
    let err = cognito.answer(c, Answer::Code(stale)).await.unwrap_err();
    assert!(matches!(err, Error::CodeMismatch), "{err:?}");

    let c = challenge(
        cognito
            .sign_in(
                AuthFlow::Password,
                "mfa@example.com",
                &Password::new(PASSWORD),
            )
            .await
            .unwrap(),
    );
    let session = done(
        cognito
            .answer(c, Answer::Code(fresh_totp(&secret)))
            .await
            .unwrap(),
    );
    assert_eq!(session.claims().email.as_deref(), Some("mfa@example.com"));
}

#[tokio::test]
async fn cli_mfa_without_a_code_names_the_flag_and_with_a_wrong_code_exits_3() {
    let pool = Pool::create().await;
    let secret = pool.add_totp_user("mfa@example.com").await;
    let home = Home::new();
    let env = with(&pool.env(), &[("UL_PASSWORD", PASSWORD)]);
    let run = home.run(&["login", "--username", "mfa@example.com"], &env, None);
    run.expect_code(3);
    assert!(run.stderr().contains("--mfa-code"), "{}", run.stderr());
    let run = home.run(
        &[
            "login",
            "--username",
            "mfa@example.com",
            "--mfa-code",
            "000000",
        ],
        &env,
        None,
    );
    run.expect_code(3);
    assert!(run.stderr().contains("code is wrong"), "{}", run.stderr());
    let code = fresh_totp(&secret);
    let run = home.run(
        &["login", "--username", "mfa@example.com"],
        &with(&env, &[("UL_MFA_CODE", code.as_str())]),
        None,
    );
    run.expect_code(0);
}

#[tokio::test]
async fn a_confidential_client_signs_in_answers_a_challenge_and_refreshes() {
    let pool = Pool::create().await;
    let cognito = CognitoClient::new(pool.secret_settings().resolve().unwrap()).await;
    let c = challenge(
        cognito
            .sign_in(AuthFlow::Password, INVITED, &Password::new(TEMP_PASSWORD))
            .await
            .unwrap(),
    );
    let session = done(
        cognito
            .answer(
                c,
                Answer::NewPassword {
                    password: Password::new(NEW_PASSWORD),
                    attributes: BTreeMap::new(),
                },
            )
            .await
            .unwrap(),
    );
    // moto checks SECRET_HASH on REFRESH_TOKEN_AUTH (our fallback there).
    let refreshed = cognito.refresh(&session).await.unwrap();
    assert!(refreshed.uses_legacy_refresh());
    assert_eq!(refreshed.refresh_token(), session.refresh_token());
}

#[tokio::test]
async fn cli_refresh_gives_a_later_expiry_and_remembers_the_fallback() {
    let pool = Pool::create().await;
    let home = Home::new();
    let env = with(&pool.env(), &[("UL_PASSWORD", PASSWORD)]);
    home.run(&["login", "--username", PILOT], &env, None)
        .expect_code(0);
    let exp = |home: &Home| -> i64 {
        let claims: serde_json::Value =
            serde_json::from_str(&home.run(&["claims"], &env, None).stdout()).unwrap();
        claims["exp"].as_i64().unwrap()
    };
    let before = exp(&home);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    home.run(&["refresh"], &env, None).expect_code(0);
    assert!(exp(&home) > before);
    let cached: serde_json::Value =
        serde_json::from_slice(&std::fs::read(home.cache_file("default")).unwrap()).unwrap();
    assert_eq!(
        cached["data"]["legacy_refresh"], true,
        "moto lacks GetTokensFromRefreshToken"
    );
}

#[tokio::test]
async fn refresh_after_a_global_sign_out_says_sign_in_again() {
    let pool = Pool::create().await;
    let home = Home::new();
    let env = with(&pool.env(), &[("UL_PASSWORD", PASSWORD)]);
    home.run(&["login", "--username", PILOT], &env, None)
        .expect_code(0);
    pool.admin_sign_out(PILOT).await;
    let run = home.run(&["refresh"], &env, None);
    run.expect_code(3);
    assert!(run.stderr().contains("sign in again"), "{}", run.stderr());
}

#[tokio::test]
async fn refresh_uses_get_tokens_from_refresh_token_and_keeps_the_rotated_token() {
    let running = CognitoStandIn::new(Some("rotating-secret"))
        .with_user(PILOT, PASSWORD)
        .start()
        .await;
    let cognito = CognitoClient::new(running.settings().resolve().unwrap()).await;
    let first = done(
        cognito
            .sign_in(AuthFlow::Srp, PILOT, &Password::new(PASSWORD))
            .await
            .unwrap(),
    );
    let second = cognito.refresh(&first).await.unwrap();
    assert!(!second.uses_legacy_refresh());
    assert_ne!(second.refresh_token(), first.refresh_token(), "rotated");
    let third = cognito.refresh(&second).await.unwrap();
    assert_ne!(third.refresh_token(), second.refresh_token());
    let body = &running.bodies("GetTokensFromRefreshToken")[0];
    assert_eq!(body["ClientSecret"], "rotating-secret");
    assert!(body.get("SECRET_HASH").is_none());
    // The spent token is refused: sign in again.
    let err = cognito.refresh(&first).await.unwrap_err();
    assert!(matches!(err, Error::SignInAgain { .. }), "{err:?}");
    assert!(
        !running.operations().contains(&"InitiateAuth".to_owned())
            || running
                .bodies("InitiateAuth")
                .iter()
                .all(|b| b["AuthFlow"] != "REFRESH_TOKEN_AUTH")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn logout_global_signs_out_everywhere_and_the_old_session_cannot_refresh() {
    let running = CognitoStandIn::new(None)
        .with_user(PILOT, PASSWORD)
        .start()
        .await;
    let env = with(&running.env(), &[("UL_PASSWORD", PASSWORD)]);
    let home = Home::new();
    let (home, copy) = tokio::task::spawn_blocking(move || {
        home.run(&["login", "--username", PILOT], &env, None)
            .expect_code(0);
        let copy = std::fs::read(home.cache_file("default")).unwrap();
        home.run(&["logout", "--global"], &env, None).expect_code(0);
        assert!(!home.cache_file("default").exists());
        // Put the old session back: its refresh token must be dead.
        std::fs::write(home.cache_file("default"), &copy).unwrap();
        std::fs::set_permissions(
            home.cache_file("default"),
            std::os::unix::fs::PermissionsExt::from_mode(0o600),
        )
        .unwrap();
        let run = home.run(&["refresh"], &env, None);
        run.expect_code(3);
        assert!(run.stderr().contains("sign in again"), "{}", run.stderr());
        (home, copy)
    })
    .await
    .unwrap();
    drop((home, copy));
    assert_eq!(running.bodies("GlobalSignOut").len(), 1);
    assert!(running.bodies("GlobalSignOut")[0]["AccessToken"].is_string());
}

#[tokio::test]
async fn a_chain_of_srp_then_new_password_then_mfa_setup_ends_in_a_session() {
    // moto can do this chain too, but sends MFAS_CAN_SETUP as a JSON list where Cognito
    // sends a string, which the AWS SDK rightly refuses; the stand-in speaks like Cognito.
    let running = CognitoStandIn::new(Some("chain-secret"))
        .with_invited_user(INVITED, TEMP_PASSWORD)
        .start()
        .await;
    let cognito = CognitoClient::new(running.settings().resolve().unwrap()).await;
    let c = challenge(
        cognito
            .sign_in(AuthFlow::Srp, INVITED, &Password::new(TEMP_PASSWORD))
            .await
            .unwrap(),
    );
    assert_eq!(c.kind(), &ChallengeKind::NewPasswordRequired);
    let mut c = challenge(
        cognito
            .answer(
                c,
                Answer::NewPassword {
                    password: Password::new(NEW_PASSWORD),
                    attributes: BTreeMap::new(),
                },
            )
            .await
            .unwrap(),
    );
    assert_eq!(c.kind(), &ChallengeKind::MfaSetup);
    assert_eq!(
        c.mfa_choices(),
        [unleashlive_auth::cognito::MfaMethod::Totp]
    );
    let setup = cognito.begin_totp_setup(&mut c).await.unwrap();
    let uri = setup.otpauth_uri("Unleash Live");
    assert!(
        uri.starts_with("otpauth://totp/Unleash%20Live:uid-"),
        "{uri}"
    );
    let code = fresh_totp(setup.secret().secret());
    let session = done(cognito.answer(c, Answer::Code(code)).await.unwrap());
    assert_eq!(session.claims().team_id.as_deref(), Some("team-7"));
    assert_eq!(
        running.operations(),
        [
            "InitiateAuth",
            "RespondToAuthChallenge",
            "RespondToAuthChallenge",
            "AssociateSoftwareToken",
            "VerifySoftwareToken",
            "RespondToAuthChallenge"
        ]
    );
}

#[tokio::test]
async fn a_flow_the_client_refuses_names_the_flow_to_try() {
    let running = CognitoStandIn::new(None)
        .with_user(PILOT, PASSWORD)
        .start()
        .await;
    let cognito = CognitoClient::new(running.settings().resolve().unwrap()).await;
    let err = cognito
        .sign_in(AuthFlow::Password, PILOT, &Password::new(PASSWORD))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::FlowNotEnabled { .. }), "{err:?}");
    assert!(
        err.to_string().contains("try the USER_SRP_AUTH flow"),
        "{err}"
    );
}
