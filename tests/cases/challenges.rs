//! Challenges are outcomes, not errors: a new password for an invited user, TOTP MFA, MFA setup,
//! choice-based sign-in with an emailed code, in the library and in `ul-auth login`.

use std::collections::BTreeMap;
use std::time::Duration;

use unleashlive_auth::cognito::{Answer, AuthFlow};
use unleashlive_auth::{ChallengeKind, CognitoClient, Error, Password, SignIn};

use crate::util::emulator::require;
use crate::util::session::{challenge, done};
use crate::util::standin::{CognitoStandIn, pilot};
use crate::util::{Home, INVITED, PASSWORD, PILOT, Pool, TEMP_PASSWORD, fresh_totp, totp, with};

const NEW_PASSWORD: &str = "Brand-New-Passw0rd!";

#[tokio::test]
async fn an_invited_user_sets_a_new_password_and_only_it_works_afterwards() {
    require!(moto);
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
    require!(moto);
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
    require!(moto);
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
    require!(moto);
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
    require!(moto);
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
    let running = pilot().await;
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
    let running = pilot().await;
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
