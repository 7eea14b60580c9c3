//! The OS keychain (cargo feature `keyring`): the refresh token lives there when one answers,
//! and in the private cache file when none does.

use crate::util::emulator::require;
use crate::util::{Home, PASSWORD, PILOT, Pool, with};

#[cfg(all(feature = "keyring", target_os = "linux", target_arch = "x86_64"))]
#[tokio::test]
async fn with_the_keyring_feature_the_refresh_token_lives_in_the_keychain() {
    require!(moto, python);
    let pool = Pool::create().await;
    let home = Home::new();
    let env = with(&pool.env(), &[("UL_PASSWORD", PASSWORD)]);
    let keyring = format!("ul-auth-test-{}", std::process::id());
    home.run_in_keyring(&keyring, &["login", "--username", PILOT], &env)
        .expect_code(0);
    let cached: serde_json::Value =
        serde_json::from_slice(&std::fs::read(home.cache_file("default")).unwrap()).unwrap();
    assert_eq!(cached["keychain"], serde_json::json!(["refresh_token"]));
    assert!(
        cached["data"].get("refresh_token").is_none(),
        "not in the file"
    );
    assert!(cached["data"]["id_token"].is_string(), "the rest is");
    // Refresh reads it back from the keychain.
    home.run_in_keyring(&keyring, &["refresh"], &env)
        .expect_code(0);
    // moto has no RevokeToken: exit 4, the local session (and keychain entry) still goes.
    home.run_in_keyring(&keyring, &["logout"], &env)
        .expect_code(4);
    // Gone from the keychain too: a restored file can no longer refresh.
    std::fs::write(home.cache_file("default"), cached.to_string()).unwrap();
    std::fs::set_permissions(
        home.cache_file("default"),
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    let run = home.run_in_keyring(&keyring, &["refresh"], &env);
    run.expect_code(3);
    assert!(run.stderr().contains("sign in again"), "{}", run.stderr());
}

#[tokio::test]
async fn without_a_keychain_the_refresh_token_falls_back_to_the_file() {
    require!(moto);
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
