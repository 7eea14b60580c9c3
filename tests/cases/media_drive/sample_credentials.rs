//! Which credential the `media-drive` sample uses: the session, a PAT from `UL_API_TOKEN` or the
//! profile, and one refresh on a 401.

use serde_json::json;
use unleashlive_auth::credentials::pat;
use unleashlive_auth::{PersonalAccessToken, SessionStore};
use wiremock::MockServer;

use super::{MEDIA_DRIVE, OnStandIn, drive_store};
use crate::util::emulator::require;
use crate::util::mediadrive::MediaDriveStandIn;
use crate::util::standin::CognitoStandIn;
use crate::util::unleash::{assert_only_auth_recorded, run_sample, url_env, url_env_at};
use crate::util::{Home, with};

#[tokio::test(flavor = "multi_thread")]
async fn media_drive_without_a_session_exits_3_and_sends_a_pat_as_bearer() {
    require!(python);
    let running = CognitoStandIn::new(None).start().await;
    let md = MediaDriveStandIn::start();
    md.control(drive_store()).await;
    md.control(json!({"accept": ["Bearer ul_pat_sample"]}))
        .await;
    let home = Home::new();
    let mut env = running.env();
    env.extend(url_env_at("http://127.0.0.1:9", &md.graphql_url()));

    let none = run_sample(&home, MEDIA_DRIVE, &["get", "f1"], &env);
    none.expect_code(3);
    assert!(none.stderr().contains("login"), "{}", none.stderr());
    assert!(md.requests().await.is_empty());

    let pat = with(&env, &[("UL_API_TOKEN", "ul_pat_sample")]);
    let got = run_sample(&home, MEDIA_DRIVE, &["get", "f1"], &pat);
    let renamed = run_sample(&home, MEDIA_DRIVE, &["rename", "a", "by PAT"], &pat);

    got.expect_code(0);
    assert!(
        got.stdout().contains("lists at  team-7/root/f1"),
        "{}",
        got.stdout()
    );
    renamed.expect_code(0);
    assert_eq!(md.stored("a").await.unwrap()["name"], "by PAT");
    let requests = md.executed_requests().await;
    assert_eq!(requests.len(), 2);
    for r in &requests {
        assert_only_auth_recorded(r, "authorization", "Bearer ul_pat_sample");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn media_drive_uses_the_stored_pat_for_every_call_and_names_it_when_refused() {
    require!(python);
    let running = CognitoStandIn::new(None).start().await;
    let md = MediaDriveStandIn::start();
    md.control(drive_store()).await;
    md.control(json!({"accept": ["Bearer ul_pat_stored0123456789abcd"]}))
        .await;
    let home = Home::new();
    let mut env = running.env();
    env.extend(url_env_at("http://127.0.0.1:9", &md.graphql_url()));
    home.run(
        &["pat", "set", "--token-stdin"],
        &env,
        Some("ul_pat_stored0123456789abcd\n"),
    )
    .expect_code(0);

    for args in [
        &["get", "f1"][..],
        &["list", "f1", "--all"],
        &["rename", "a", "by stored PAT"],
    ] {
        run_sample(&home, MEDIA_DRIVE, args, &env).expect_code(0);
    }

    assert_eq!(md.stored("a").await.unwrap()["name"], "by stored PAT");
    let requests = md.executed_requests().await;
    assert!(requests.len() >= 3);
    for r in &requests {
        assert_only_auth_recorded(r, "authorization", "Bearer ul_pat_stored0123456789abcd");
    }
    // Refused: exit 3, and the message says which token was used and how to use the session.
    md.control(json!({"accept": ["nobody"]})).await;
    let refused = run_sample(&home, MEDIA_DRIVE, &["get", "f1"], &env);
    refused.expect_code(3);
    refused.expect_stderr("stored for profile default");
    refused.expect_stderr("--session");
}

#[tokio::test(flavor = "multi_thread")]
async fn media_drive_refused_with_401_refreshes_once_then_exits_3() {
    require!(python);
    let s = OnStandIn::new().await;
    let before = s.id_token();
    s.md.control(json!({"accept": ["a token nobody has"]}))
        .await;

    let out = s.run(&["get", "f1"]);

    out.expect_code(3);
    assert!(out.stderr().contains("401"), "{}", out.stderr());
    assert_eq!(s.running.count("GetTokensFromRefreshToken"), 1);
    let requests = s.md.requests().await;
    let outcomes: Vec<&str> = requests.iter().map(|r| r.outcome.as_str()).collect();
    assert_eq!(outcomes, ["unauthorized", "unauthorized"]);
    assert_only_auth_recorded(&requests[0], "authorization", &before);
    let after = s.id_token();
    assert_ne!(before, after);
    assert_only_auth_recorded(&requests[1], "authorization", &after);
}

const PAT: &str = "ul_pat_0123456789abcdefEnv1";

const STORED_PAT: &str = "ul_pat_0123456789abcdefSto2";

#[cfg(feature = "upload")]
#[tokio::test(flavor = "multi_thread")]
async fn media_drive_upload_with_a_pat_says_which_was_chosen_and_how_to_use_the_session() {
    let running = CognitoStandIn::new(None).start().await;
    let api = MockServer::start().await;
    let home = Home::new();
    let mut env = running.env();
    env.extend(url_env(&api.uri()));
    let file = home.dir.path().join("DJI_0042.JPG");
    std::fs::write(&file, b"jpeg bytes").unwrap();
    let upload = ["upload", file.to_str().unwrap(), "--folder", "f1"];
    let media_drive = env!("CARGO_BIN_EXE_media-drive");

    let from_env = run_sample(
        &home,
        media_drive,
        &upload,
        &with(&env, &[("UL_API_TOKEN", PAT)]),
    );
    pat::save(
        &SessionStore::new(home.cache_dir()),
        "default",
        &PersonalAccessToken::new(STORED_PAT),
    )
    .unwrap();
    let from_store = run_sample(&home, media_drive, &upload, &env);

    from_env
        .expect_code(2)
        .expect_stderr("personal access token in UL_API_TOKEN")
        .expect_stderr("--session");
    from_store
        .expect_code(2)
        .expect_stderr("personal access token stored for profile default")
        .expect_stderr("--session")
        .expect_stderr("pat forget");
    for out in [&from_env, &from_store] {
        assert!(
            !out.stderr().contains("0123456789abcdef"),
            "{}",
            out.stderr()
        );
    }
    assert!(api.received_requests().await.unwrap().is_empty());
}
