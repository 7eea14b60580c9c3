//! Signing out: `ul-auth logout` revokes this session's refresh token (or signs out everywhere
//! with `--global`), always removes the local session, and says so when the server kept the
//! token valid.

use unleashlive_auth::SessionStore;

use crate::util::emulator::require;
use crate::util::session::signed_in_on_moto;
use crate::util::standin::{CognitoStandIn, pilot, run_cli, signed_in};
use crate::util::{Home, PASSWORD, PILOT, with};

#[tokio::test(flavor = "multi_thread")]
async fn logout_global_signs_out_everywhere_and_the_old_session_cannot_refresh() {
    let running = pilot().await;
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
    require!(moto);
    // moto does not implement RevokeToken (HTTP 500).
    let (pool, home) = signed_in_on_moto().await;
    let env = with(&pool.env(), &[("UL_PASSWORD", PASSWORD)]);
    // A refresh token left valid on the server is an error (exit 4), not a warning.
    let run = home.run(&["logout"], &env, None);
    run.expect_code(4)
        .expect_stderr("could not revoke")
        .expect_stderr("stays valid until it expires");
    assert!(!home.cache_file("default").exists());
}

const AWS_JSON: &str = "application/x-amz-json-1.1";

#[tokio::test(flavor = "multi_thread")]
async fn logout_whose_revocation_fails_removes_the_session_and_exits_4() {
    let running = pilot().await;
    let home = Home::new();
    let store = SessionStore::new(home.cache_dir()).with_keychain(false);
    let session = signed_in(&running, &store).await;
    running.fail(
        "RevokeToken",
        500,
        AWS_JSON,
        r#"{"__type":"InternalErrorException","message":"Internal server error"}"#,
    );

    let (run, home) = run_cli(home, &running, &["logout"]).await;

    run.expect_code(4);
    run.expect_stderr("could not revoke the refresh token")
        .expect_stderr("stays valid until it expires")
        .expect_stderr("Removed the cached session");
    assert!(!home.cache_file("default").exists());
    let sent = running.bodies("RevokeToken");
    assert!(!sent.is_empty());
    assert_eq!(
        sent[0]["Token"].as_str(),
        Some(session.refresh_token().unwrap().secret())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn logout_whose_revocation_succeeds_exits_0() {
    let running = pilot().await;
    let home = Home::new();
    let store = SessionStore::new(home.cache_dir()).with_keychain(false);
    signed_in(&running, &store).await;

    let (run, home) = run_cli(home, &running, &["logout"]).await;

    run.expect_code(0);
    run.expect_stderr("Revoked this session's refresh token");
    assert!(!home.cache_file("default").exists());
}

#[tokio::test]
async fn logout_removes_the_session_even_where_the_server_cannot_revoke_it() {
    require!(moto);
    let (pool, home) = signed_in_on_moto().await;
    // moto has no RevokeToken: the session goes, and logout says the token lives on.
    home.run(&["logout"], &pool.env(), None)
        .expect_code(4)
        .expect_stderr("stays valid until it expires");
    assert!(!home.cache_file("default").exists());
    home.run(&["token"], &pool.env(), None).expect_code(3);
}
