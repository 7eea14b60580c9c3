//! Issue 4: sessions that last — single-flight refresh in and across processes, a crash-safe
//! cache, `status` / `exec`, and no secret in any log.

use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use unleashlive_auth::cognito::AuthFlow;
use unleashlive_auth::{
    CognitoClient, CognitoRenewer, CognitoSessions, Error, Password, Session, SessionStore, SignIn,
};

use crate::util::standin::{CognitoStandIn, Running};
use crate::util::{Home, PASSWORD, PILOT, Pool, with};

/// Tokens that live one minute are inside the 5-minute margin: the next use refreshes.
async fn stale_session(running: &Running, store: &SessionStore) -> Session {
    running.set_lifetime(60);
    let cognito = CognitoClient::new(running.settings().resolve().unwrap()).await;
    let SignIn::Done(session) = cognito
        .sign_in(AuthFlow::Srp, PILOT, &Password::new(PASSWORD))
        .await
        .unwrap()
    else {
        panic!("challenge");
    };
    store.save("default", &session).unwrap();
    running.set_lifetime(3600);
    session
}

fn manager(running: &Running, store: &SessionStore) -> CognitoSessions {
    CognitoSessions::new(
        store.clone(),
        "default",
        CognitoRenewer::new(running.settings().resolve().unwrap()),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_callers_at_expiry_cause_exactly_one_refresh() {
    let running = CognitoStandIn::new(None)
        .with_user(PILOT, PASSWORD)
        .start()
        .await;
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
    let running = CognitoStandIn::new(None)
        .with_user(PILOT, PASSWORD)
        .start()
        .await;
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
    let running = Arc::new(
        CognitoStandIn::new(None)
            .with_user(PILOT, PASSWORD)
            .start()
            .await,
    );
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

#[tokio::test(flavor = "multi_thread")]
async fn a_process_killed_mid_write_never_leaves_a_broken_cache() {
    let running = CognitoStandIn::new(None)
        .with_user(PILOT, PASSWORD)
        .start()
        .await;
    running.keep_refresh_tokens();
    let home = Home::new();
    let store = SessionStore::new(home.cache_dir());
    stale_session(&running, &store).await;
    let env = running.env();
    let bin = env!("CARGO_BIN_EXE_ul-auth");
    let cache_dir = home.cache_dir();
    let home_dir = home.dir.path().to_owned();
    let kills = tokio::task::spawn_blocking(move || {
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut completed = 0;
        for _ in 0..100 {
            let mut child = std::process::Command::new(bin)
                .arg("refresh")
                .env_clear()
                .env("HOME", &home_dir)
                .env("UL_CACHE_DIR", &cache_dir)
                .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            // xorshift: a random moment in the first 60 ms of the process's life.
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            std::thread::sleep(Duration::from_micros(seed % 60_000));
            child.kill().unwrap(); // SIGKILL
            if child.wait().unwrap().success() {
                completed += 1;
            }
            let loaded = SessionStore::new(&cache_dir).load::<Session>("default");
            assert!(matches!(loaded, Ok(Some(_))), "after a kill: {loaded:?}");
        }
        completed
    })
    .await
    .unwrap();
    // Some runs were killed mid-flight (else the test proved nothing) and the refreshes
    // that did happen went through the cache.
    assert!(kills < 100, "every process finished before the kill");
    assert!(running.count("GetTokensFromRefreshToken") > 0);
}

#[tokio::test]
async fn status_shows_the_user_and_time_left_or_says_not_signed_in() {
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
    let pool = Pool::create().await;
    let home = Home::new();
    let env = with(&pool.env(), &[("UL_PASSWORD", PASSWORD)]);
    home.run(&["login", "--username", PILOT], &env, None)
        .expect_code(0);
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

#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_refresh_token_at_expiry_is_exit_3_sign_in_again() {
    let running = CognitoStandIn::new(None)
        .with_user(PILOT, PASSWORD)
        .start()
        .await;
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

/// Runs `ul-auth` inside a named kernel session keyring (joined by a tiny python wrapper),
/// so successive processes share a keychain as a desktop login session would.
#[cfg(all(feature = "keyring", target_os = "linux", target_arch = "x86_64"))]
pub(crate) fn run_in_keyring(
    home: &Home,
    keyring: &str,
    args: &[&str],
    env: &[(String, String)],
) -> crate::util::Run {
    const JOIN: &str = "import ctypes, os, sys\n\
libc = ctypes.CDLL(None, use_errno=True)\n\
if libc.syscall(250, 1, sys.argv[1].encode()) < 0: sys.exit('cannot join a session keyring')\n\
os.execv(sys.argv[2], sys.argv[2:])";
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let out = std::process::Command::new(python)
        .args(["-c", JOIN, keyring, env!("CARGO_BIN_EXE_ul-auth")])
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.dir.path())
        .env("UL_CACHE_DIR", home.cache_dir())
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    crate::util::Run(out)
}

#[cfg(all(feature = "keyring", target_os = "linux", target_arch = "x86_64"))]
#[tokio::test]
async fn with_the_keyring_feature_the_refresh_token_lives_in_the_keychain() {
    let pool = Pool::create().await;
    let home = Home::new();
    let env = with(&pool.env(), &[("UL_PASSWORD", PASSWORD)]);
    let keyring = format!("ul-auth-test-{}", std::process::id());
    run_in_keyring(&home, &keyring, &["login", "--username", PILOT], &env).expect_code(0);
    let cached: serde_json::Value =
        serde_json::from_slice(&std::fs::read(home.cache_file("default")).unwrap()).unwrap();
    assert_eq!(cached["keychain"], serde_json::json!(["refresh_token"]));
    assert!(
        cached["data"].get("refresh_token").is_none(),
        "not in the file"
    );
    assert!(cached["data"]["id_token"].is_string(), "the rest is");
    // Refresh reads it back from the keychain.
    run_in_keyring(&home, &keyring, &["refresh"], &env).expect_code(0);
    // moto has no RevokeToken: exit 4, the local session (and keychain entry) still goes.
    run_in_keyring(&home, &keyring, &["logout"], &env).expect_code(4);
    // Gone from the keychain too: a restored file can no longer refresh.
    std::fs::write(home.cache_file("default"), cached.to_string()).unwrap();
    std::fs::set_permissions(
        home.cache_file("default"),
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    let run = run_in_keyring(&home, &keyring, &["refresh"], &env);
    run.expect_code(3);
    assert!(run.stderr().contains("sign in again"), "{}", run.stderr());
}

#[cfg(feature = "keyring")]
#[tokio::test]
async fn without_a_keychain_the_refresh_token_falls_back_to_the_file() {
    // Processes started without a session keyring (as here) have no keychain to use.
    let pool = Pool::create().await;
    let home = Home::new();
    let env = with(&pool.env(), &[("UL_PASSWORD", PASSWORD)]);
    let run = home.run(&["login", "--username", PILOT], &env, None);
    run.expect_code(0);
    let cached: serde_json::Value =
        serde_json::from_slice(&std::fs::read(home.cache_file("default")).unwrap()).unwrap();
    if cached.get("keychain").is_none() {
        assert!(cached["data"]["refresh_token"].is_string());
        assert!(run.stderr().contains("no OS keychain"), "{}", run.stderr());
    } else {
        // This machine does give processes a keychain: then it must hold the token.
        assert!(cached["data"].get("refresh_token").is_none());
    }
    home.run(&["refresh"], &env, None).expect_code(0);
}
