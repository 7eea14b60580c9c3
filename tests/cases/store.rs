//! The session cache is safe: a crash mid-write never leaves a broken cache; no symbolic link is
//! followed to the cache directory or to a cache, lock or temporary file; the directory and files
//! must be the current user's and private; signing in and out takes the profile's lock, as a
//! refresh does.

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use unleashlive_auth::credentials::pat;
use unleashlive_auth::{CognitoClient, PersonalAccessToken, Session, SessionStore};

use crate::util::emulator::require;
use crate::util::session::signed_in_on_moto;
use crate::util::standin::{Running, pilot, signed_in, stale_session};
use crate::util::{Home, PASSWORD, PILOT, with};

#[tokio::test(flavor = "multi_thread")]
async fn a_process_killed_mid_write_never_leaves_a_broken_cache() {
    require!(moto);
    let running = pilot().await;
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
async fn a_cache_file_readable_by_others_is_refused_with_the_fix() {
    require!(moto);
    let (pool, home) = signed_in_on_moto().await;
    let file = home.cache_file("default");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let run = home.run(&["token"], &pool.env(), None);
    run.expect_code(1);
    assert!(run.stderr().contains("chmod 600"), "{}", run.stderr());
    assert!(run.stdout().is_empty());
    assert!(file.exists(), "never deleted");
}

fn mode(path: &Path) -> u32 {
    fs::symlink_metadata(path).unwrap().permissions().mode() & 0o7777
}

fn set_mode(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

fn store(dir: &Path) -> SessionStore {
    SessionStore::new(dir).with_keychain(false)
}

fn token(value: &str) -> PersonalAccessToken {
    PersonalAccessToken::new(value)
}

/// Gives `path` to uid 65534 (nobody); `false` (and the test is skipped) when this process
/// may not, i.e. does not run as root.
fn give_away(path: &Path) -> bool {
    match std::os::unix::fs::chown(path, Some(65534), Some(65534)) {
        Ok(()) => true,
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            eprintln!("skipped: chown needs root ({e})");
            false
        }
        Err(e) => panic!("chown: {e}"),
    }
}

#[test]
fn a_symlinked_cache_dir_is_refused_and_its_target_keeps_its_mode() {
    let root = tempfile::tempdir().unwrap();
    let victim = root.path().join("etc");
    fs::create_dir(&victim).unwrap();
    set_mode(&victim, 0o755);
    let link = root.path().join("unleashlive-auth");
    symlink(&victim, &link).unwrap();
    let store = store(&link);

    let err = pat::save(&store, "default", &token("ul_pat_x"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("symbolic link"), "{err}");
    assert!(pat::load(&store, "default").is_err());
    assert!(store.lock("default").is_err());
    assert!(pat::remove(&store, "default").is_err());

    assert_eq!(mode(&victim), 0o755, "the target was not chmodded");
    assert_eq!(fs::read_dir(&victim).unwrap().count(), 0, "nothing written");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cli_refuses_a_symlinked_cache_dir_before_signing_in() {
    let running = pilot().await;
    let home = Home::new();
    let victim = home.dir.path().join("etc");
    fs::create_dir(&victim).unwrap();
    set_mode(&victim, 0o755);
    symlink(&victim, home.cache_dir()).unwrap();
    let env = with(&running.env(), &[("UL_PASSWORD", PASSWORD)]);

    let run = tokio::task::spawn_blocking(move || {
        let run = home.run(&["login", "--username", PILOT], &env, None);
        (run, home)
    });
    let (run, _home) = run.await.unwrap();

    run.expect_code(1);
    run.expect_stderr("is a symbolic link");
    assert_eq!(mode(&victim), 0o755);
    assert_eq!(fs::read_dir(&victim).unwrap().count(), 0);
    assert!(running.operations().is_empty(), "no password was sent");
}

#[test]
fn a_symlinked_cache_file_is_neither_read_nor_replaced_nor_removed() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    // A valid 0600 cache file of ours, elsewhere, and the profile's name linked to it.
    let other = pat::save(&store, "other", &token("ul_pat_other")).unwrap();
    let before = fs::read(&other).unwrap();
    let link = dir.path().join("default.pat.json");
    symlink(&other, &link).unwrap();

    let err = pat::load(&store, "default").unwrap_err().to_string();
    assert!(err.contains("symbolic link"), "{err}");
    let err = pat::save(&store, "default", &token("ul_pat_new"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("symbolic link"), "{err}");
    assert!(pat::remove(&store, "default").is_err());

    assert_eq!(
        fs::read(&other).unwrap(),
        before,
        "nothing written through it"
    );
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(store.stored_provider("default.pat").is_err());
}

#[test]
fn a_symlinked_lock_file_is_refused_and_nothing_is_created_through_it() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("cache");
    fs::create_dir(&dir).unwrap();
    set_mode(&dir, 0o700);
    let outside = root.path().join("created-through-the-link");
    symlink(&outside, dir.join(".default.lock")).unwrap();

    let err = store(&dir).lock("default").unwrap_err().to_string();

    assert!(err.contains("symbolic link"), "{err}");
    assert!(!outside.exists());
}

#[test]
fn a_cache_dir_others_may_write_is_refused_with_the_chmod_hint_and_left_as_it_is() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("cache");
    fs::create_dir(&dir).unwrap();
    let store = store(&dir);
    set_mode(&dir, 0o700);
    pat::save(&store, "default", &token("ul_pat_x")).unwrap();
    let hint = format!("chmod 700 {}", dir.display());
    for loose in [0o770, 0o707, 0o777, 0o1777] {
        set_mode(&dir, loose);
        for err in [
            pat::save(&store, "default", &token("ul_pat_y")).unwrap_err(),
            pat::load(&store, "default").unwrap_err(),
            store.lock("default").unwrap_err(),
        ] {
            let err = err.to_string();
            assert!(err.contains(&hint), "{loose:o}: {err}");
        }
        assert_eq!(mode(&dir), loose, "not chmodded");
    }
    // Others may list it: its files are 0600 themselves.
    set_mode(&dir, 0o755);
    let stored = pat::load(&store, "default").unwrap().unwrap();
    assert_eq!(stored.secret(), "ul_pat_x");
}

#[test]
fn a_cache_file_of_another_user_is_refused_and_left_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let path = pat::save(&store, "default", &token("ul_pat_x")).unwrap();
    if !give_away(&path) {
        return;
    }
    let err = pat::load(&store, "default").unwrap_err().to_string();
    assert!(err.contains("belongs to uid 65534"), "{err}");
    assert!(pat::save(&store, "default", &token("ul_pat_y")).is_err());
    assert!(pat::remove(&store, "default").is_err());
    assert!(path.exists());
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn a_cache_dir_of_another_user_is_refused() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("cache");
    fs::create_dir(&dir).unwrap();
    set_mode(&dir, 0o700);
    if !give_away(&dir) {
        return;
    }
    let store = store(&dir);
    let err = pat::save(&store, "default", &token("ul_pat_x"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("belongs to uid 65534"), "{err}");
    assert!(pat::load(&store, "default").is_err());
    assert_eq!(fs::read_dir(&dir).unwrap().count(), 0);
}

#[test]
fn the_cache_dir_the_store_creates_is_0700_and_its_files_0600() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("xdg").join("unleashlive-auth");
    let store = store(&dir);
    let path = pat::save(&store, "default", &token("ul_pat_x")).unwrap();
    drop(store.lock("default").unwrap());
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(&dir.join(".default.lock")), 0o600);
}

/// What a refresh in another process does while it holds the profile's lock: rotate the
/// refresh token and store the result.
async fn refresh_elsewhere(running: &Running, store: &SessionStore, session: &Session) -> Session {
    let cognito = CognitoClient::new(running.settings().resolve().unwrap()).await;
    let renewed = cognito.refresh(session).await.unwrap();
    store.save("default", &renewed).unwrap();
    renewed
}

async fn finish(child: std::process::Child) -> std::process::Output {
    tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn logout_waits_for_a_refresh_in_progress_and_revokes_what_it_stored() {
    let running = pilot().await;
    let home = Home::new();
    let store = store(&home.cache_dir());
    let first = signed_in(&running, &store).await;
    // A refresh in another process (credential_process, say) holds the lock.
    let lock = store.lock("default").unwrap();
    let mut child = home
        .command(&["logout"], &running.env())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(child.try_wait().unwrap().is_none(), "logout waits");
    assert!(running.bodies("RevokeToken").is_empty());

    let renewed = refresh_elsewhere(&running, &store, &first).await;
    drop(lock);
    let out = finish(child).await;

    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!home.cache_file("default").exists(), "not brought back");
    let revoked = running.bodies("RevokeToken");
    assert_eq!(revoked.len(), 1);
    assert_eq!(
        revoked[0]["Token"].as_str(),
        Some(renewed.refresh_token().unwrap().secret()),
        "the refresh token the refresh stored is the one revoked"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn login_waits_for_a_refresh_in_progress_and_is_not_overwritten_by_it() {
    let running = pilot().await;
    let home = Home::new();
    let store = store(&home.cache_dir());
    let first = signed_in(&running, &store).await;
    let lock = store.lock("default").unwrap();
    let env = with(&running.env(), &[("UL_PASSWORD", PASSWORD)]);
    let mut child = home
        .command(&["login", "--username", PILOT], &env)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Its sign-in completes; storing the session waits for the lock.
    for _ in 0..200 {
        if running.count("RespondToAuthChallenge") >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        running.count("RespondToAuthChallenge"),
        2,
        "the CLI signed in"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(child.try_wait().unwrap().is_none(), "login waits");

    let renewed = refresh_elsewhere(&running, &store, &first).await;
    drop(lock);
    let out = finish(child).await;

    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stored: Session = store.load("default").unwrap().unwrap();
    assert_ne!(stored.id_token().secret(), renewed.id_token().secret());
    assert_ne!(stored.id_token().secret(), first.id_token().secret());
}
