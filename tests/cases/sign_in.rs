//! Signing in with the library and `ul-auth login`: the password and SRP flows (SRP against
//! the Cognito stand-in, which checks the proof), SECRET_HASH for a confidential client, and each
//! refusal with its own error.

use unleashlive_auth::cognito::AuthFlow;
use unleashlive_auth::{ChallengeKind, CognitoClient, Error, Password, SignIn};

use crate::util::emulator::require;
use crate::util::session::done;
use crate::util::standin::{CognitoStandIn, pilot};
use crate::util::{
    DISABLED, Home, IDENTITY_ID, INVITED, PASSWORD, PILOT, Pool, TEMP_PASSWORD, with,
};

#[tokio::test]
async fn password_sign_in_returns_the_seeded_custom_claims() {
    require!(moto);
    let pool = Pool::create().await;
    let cognito = CognitoClient::new(pool.config()).await;
    let outcome = cognito
        .sign_in_with_password(PILOT, &Password::new(PASSWORD))
        .await
        .unwrap();
    let SignIn::Done(session) = outcome else {
        panic!("expected a session, got {outcome:?}");
    };
    let c = session.claims();
    assert_eq!(c.identity_id.as_deref(), Some(IDENTITY_ID));
    assert_eq!(c.company_id.as_deref(), Some("company-42"));
    assert_eq!(c.team_id.as_deref(), Some("team-7"));
    assert_eq!(c.email.as_deref(), Some(PILOT));
    assert_eq!(c.aud, pool.client_id);
    assert!(c.iss.ends_with(&pool.pool_id));
    assert!(session.refresh_token().is_some());
    assert_eq!(session.username(), PILOT);
    assert!(!format!("{session:?}").contains(session.id_token().secret()));
}

#[tokio::test]
async fn a_temporary_password_yields_the_typed_new_password_challenge() {
    require!(moto);
    let pool = Pool::create().await;
    let cognito = CognitoClient::new(pool.config()).await;
    let outcome = cognito
        .sign_in_with_password(INVITED, &Password::new(TEMP_PASSWORD))
        .await
        .unwrap();
    let SignIn::Challenge(challenge) = outcome else {
        panic!("expected a challenge");
    };
    assert_eq!(challenge.kind(), &ChallengeKind::NewPasswordRequired);
    assert!(challenge.has_session());
}

#[tokio::test]
async fn each_refusal_is_its_own_error() {
    require!(moto);
    let pool = Pool::create().await;
    let cognito = CognitoClient::new(pool.config()).await;
    let wrong = cognito
        .sign_in_with_password(PILOT, &Password::new("Wrong-Passw0rd!"))
        .await
        .unwrap_err();
    assert!(matches!(wrong, Error::IncorrectCredentials), "{wrong:?}");
    let unknown = cognito
        .sign_in_with_password("nobody@example.com", &Password::new(PASSWORD))
        .await
        .unwrap_err();
    assert!(matches!(unknown, Error::UserNotFound), "{unknown:?}");
    let disabled = cognito
        .sign_in_with_password(DISABLED, &Password::new(PASSWORD))
        .await
        .unwrap_err();
    assert!(matches!(disabled, Error::UserDisabled), "{disabled:?}");

    let mut settings = pool.settings();
    settings.client_id = Some("nosuchclient1".into());
    let other = CognitoClient::new(settings.resolve().unwrap()).await;
    let client = other
        .sign_in_with_password(PILOT, &Password::new(PASSWORD))
        .await
        .unwrap_err();
    assert!(matches!(client, Error::UnknownClient { .. }), "{client:?}");
}

#[tokio::test]
async fn a_confidential_client_signs_in_with_its_secret_hash() {
    require!(moto);
    let pool = Pool::create().await;
    let mut settings = pool.settings();
    settings.client_id = Some(pool.secret_client_id.clone());
    settings.client_secret = Some(unleashlive_auth::ClientSecret::new(
        pool.secret_client_secret.clone(),
    ));
    let cognito = CognitoClient::new(settings.resolve().unwrap()).await;
    let outcome = cognito
        .sign_in_with_password(PILOT, &Password::new(PASSWORD))
        .await
        .unwrap();
    assert!(matches!(outcome, SignIn::Done(_)));
}

#[tokio::test]
async fn srp_sign_in_proves_the_password_to_a_server_that_checks_it() {
    let running = pilot().await;
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
    let running = pilot().await;
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
    require!(moto);
    // moto's PASSWORD_VERIFIER carries a UUID as SECRET_BLOCK; real Cognito sends base64.
    let pool = Pool::create().await;
    let cognito = CognitoClient::new(pool.config()).await;
    let err = cognito
        .sign_in(AuthFlow::Srp, PILOT, &Password::new(PASSWORD))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Srp(_)), "{err:?}");
    // The cause (the SRP step's own error) names the field.
    let cause = std::error::Error::source(&err).expect("the SRP error as its cause");
    assert!(cause.to_string().contains("SECRET_BLOCK"), "{cause}");
}

#[tokio::test]
async fn a_flow_the_client_refuses_names_the_flow_to_try() {
    let running = pilot().await;
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
