//! Single-flight renewal: however many callers, in one process or several, meet an expired
//! session, one refresh runs and every caller gets its answer.

use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use unleashlive_auth::cognito::AuthFlow;
use unleashlive_auth::{
    CognitoClient, CognitoRenewer, CognitoSessions, Error, Password, Session, SessionStore, SignIn,
};

use crate::util::standin::{Running, pilot, stale_session};
use crate::util::{Home, PASSWORD, PILOT};

fn manager(running: &Running, store: &SessionStore) -> CognitoSessions {
    CognitoSessions::new(
        store.clone(),
        "default",
        CognitoRenewer::new(running.settings().resolve().unwrap()),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_callers_at_expiry_cause_exactly_one_refresh() {
    let running = pilot().await;
    let dir = tempfile::tempdir().unwrap();
    let store = SessionStore::new(dir.path());
    let old = stale_session(&running, &store).await;
    let sessions = manager(&running, &store);
    let tasks: Vec<_> = (0..1000)
        .map(|_| {
            let sessions = sessions.clone();
            tokio::spawn(async move { sessions.current().await })
        })
        .collect();
    let mut tokens = std::collections::BTreeSet::new();
    for task in tasks {
        let session = task.await.unwrap().unwrap();
        tokens.insert(session.id_token().secret().to_owned());
    }
    assert_eq!(running.count("GetTokensFromRefreshToken"), 1);
    assert_eq!(tokens.len(), 1, "everybody got the one new token");
    assert!(!tokens.contains(old.id_token().secret()));
    // The rotated refresh token reached the disk before anybody got the new token.
    let stored: Session = store.load("default").unwrap().unwrap();
    assert_eq!(stored.id_token().secret(), tokens.first().unwrap());
    assert_ne!(stored.refresh_token(), old.refresh_token());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failed_refresh_reaches_every_waiter_and_the_next_call_tries_again() {
    let running = pilot().await;
    let dir = tempfile::tempdir().unwrap();
    let store = SessionStore::new(dir.path());
    running.set_lifetime(1);
    let cognito = CognitoClient::new(running.settings().resolve().unwrap()).await;
    let SignIn::Done(session) = cognito
        .sign_in(AuthFlow::Srp, PILOT, &Password::new(PASSWORD))
        .await
        .unwrap()
    else {
        panic!("challenge");
    };
    store.save("default", &session).unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await; // now really expired
    running.revoke_all();
    // The failing refresh stays in flight long enough for all 50 callers to join it (else a
    // caller arriving after the failure rightly tries again, and there are two calls).
    running.set_delay(Duration::from_millis(300));
    let sessions = manager(&running, &store);
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let sessions = sessions.clone();
            tokio::spawn(async move { sessions.current().await })
        })
        .collect();
    for task in tasks {
        let err = task.await.unwrap().unwrap_err();
        assert!(matches!(err, Error::SignInAgain { .. }), "{err:?}");
    }
    assert_eq!(running.count("GetTokensFromRefreshToken"), 1);
    // Not poisoned: the next call asks again.
    assert!(sessions.current().await.is_err());
    assert_eq!(running.count("GetTokensFromRefreshToken"), 2);
    // The good-looking cached session was not destroyed by the failure.
    assert!(store.load::<Session>("default").unwrap().is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn two_processes_at_expiry_refresh_once_and_both_succeed() {
    let running = Arc::new(pilot().await);
    let home = Home::new();
    let store = SessionStore::new(home.cache_dir());
    stale_session(&running, &store).await;
    let env = running.env();
    let bin = env!("CARGO_BIN_EXE_ul-auth");
    let children: Vec<_> = (0..2)
        .map(|_| {
            std::process::Command::new(bin)
                .arg("token")
                .env_clear()
                .env("HOME", home.dir.path())
                .env("UL_CACHE_DIR", home.cache_dir())
                .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs = tokio::task::spawn_blocking(move || {
        children
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    for o in &outputs {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    assert_eq!(
        outputs[0].stdout, outputs[1].stdout,
        "both print the one new token"
    );
    assert_eq!(running.count("GetTokensFromRefreshToken"), 1);
}
