//! Library sign-in against moto.

use unleashlive_auth::{ChallengeKind, CognitoClient, Error, Password, SignIn};

use crate::util::{DISABLED, IDENTITY_ID, INVITED, PASSWORD, PILOT, Pool, TEMP_PASSWORD};

#[tokio::test]
async fn password_sign_in_returns_the_seeded_custom_claims() {
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
