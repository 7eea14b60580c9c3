//! Refreshing a Cognito session: GetTokensFromRefreshToken with rotated refresh tokens, a lost
//! rotation recovered, clock drift, and a revoked refresh token meaning "sign in again".

use std::time::Duration;

use unleashlive_auth::cognito::AuthFlow;
use unleashlive_auth::{
    CognitoClient, CognitoRenewer, CognitoSessions, Error, Password, Session, SessionStore, SignIn,
};

use crate::util::emulator::require;
use crate::util::session::done;
use crate::util::session::signed_in_on_moto;
use crate::util::standin::{CognitoStandIn, Running, pilot, stale_session};
use crate::util::{Home, PASSWORD, PILOT, with};

#[tokio::test]
async fn cli_refresh_gives_a_later_expiry_and_remembers_the_fallback() {
    require!(moto);
    let (pool, home) = signed_in_on_moto().await;
    let env = with(&pool.env(), &[("UL_PASSWORD", PASSWORD)]);
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
    require!(moto);
    let (pool, home) = signed_in_on_moto().await;
    let env = with(&pool.env(), &[("UL_PASSWORD", PASSWORD)]);
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
    let running = pilot().await;
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
    let running = pilot().await;
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
        let running = pilot().await;
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
async fn a_revoked_refresh_token_at_expiry_is_exit_3_sign_in_again() {
    let running = pilot().await;
    let home = Home::new();
    let store = SessionStore::new(home.cache_dir());
    stale_session(&running, &store).await;
    running.set_lifetime(1);
    let home = tokio::task::spawn_blocking({
        let env = running.env();
        move || {
            // Stale but not expired yet: a failed refresh still hands out the valid token
            // only when the failure is the service's fault, not a revoked token.
            std::thread::sleep(Duration::from_millis(10));
            (home.run(&["token"], &env, None), home)
        }
    });
    let (first, home) = home.await.unwrap();
    first.expect_code(0);
    running.revoke_all();
    // Expire the cached session by waiting out its one-second lifetime.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let env = running.env();
    let run = tokio::task::spawn_blocking(move || home.run(&["token"], &env, None))
        .await
        .unwrap();
    run.expect_code(3);
    assert!(run.stderr().contains("sign in again"), "{}", run.stderr());
    assert!(run.stdout().is_empty());
}
