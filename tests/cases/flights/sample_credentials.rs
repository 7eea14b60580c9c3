//! Which credential the `flights` sample uses: `UL_API_TOKEN` first, then the profile's stored
//! PAT, then the session; without any it exits 3, and a 401 makes it refresh once.

use serde_json::json;
use unleashlive_auth::credentials::pat;
use unleashlive_auth::{PersonalAccessToken, SessionStore};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{FLIGHTS, PAT, Pages, Sample, log};
use crate::util::standin::CognitoStandIn;
use crate::util::unleash::{assert_only_auth, run_sample, url_env};
use crate::util::{Home, with};

const STORED_PAT: &str = "ul_pat_0123456789abcdefSto2";

#[tokio::test(flavor = "multi_thread")]
async fn ul_api_token_is_used_first_then_the_stored_pat_then_the_session() {
    let s = Sample::new().await;
    s.serve(Pages::json(vec![(None, json!([log("a")]))])).await;
    s.home
        .run(
            &["pat", "set", "--token-stdin"],
            &s.env,
            Some(&format!("{STORED_PAT}\n")),
        )
        .expect_code(0);

    let env_pat = s.run_with(&["list"], &[("UL_API_TOKEN", PAT)]);
    let stored = s.run(&["list"]);
    let session_flag = s.run(&["list", "--session"]);
    s.home.run(&["pat", "forget"], &s.env, None).expect_code(0);
    let session = s.run(&["list"]);

    for out in [&env_pat, &stored, &session_flag, &session] {
        out.expect_code(0);
    }
    let requests = s.requests().await;
    assert_eq!(requests.len(), 4);
    assert_only_auth(&requests[0], "authorization", &format!("Bearer {PAT}"));
    assert_only_auth(
        &requests[1],
        "authorization",
        &format!("Bearer {STORED_PAT}"),
    );
    let token = s.id_token();
    assert_only_auth(&requests[2], "x-amz-cognito-security-token", &token);
    assert_only_auth(&requests[3], "x-amz-cognito-security-token", &token);
    assert_eq!(s.running.count("GetTokensFromRefreshToken"), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pat_stored_by_the_library_is_the_one_ul_auth_and_the_sample_use() {
    let running = CognitoStandIn::new(None).start().await;
    let api = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"items": []})))
        .mount(&api)
        .await;
    let home = Home::new();
    let mut env = running.env();
    env.extend(url_env(&api.uri()));
    let store = SessionStore::new(home.cache_dir());
    pat::save(&store, "default", &PersonalAccessToken::new(STORED_PAT)).unwrap();

    let status = home.run(&["pat", "status"], &env, None);
    let out = run_sample(&home, FLIGHTS, &["list"], &env);

    status.expect_code(0);
    assert!(
        status.stdout().contains("ul_pat_…Sto2"),
        "{}",
        status.stdout()
    );
    out.expect_code(0);
    let requests = api.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    assert_only_auth(
        &requests[0],
        "authorization",
        &format!("Bearer {STORED_PAT}"),
    );
    // No Cognito session was ever asked for.
    assert!(!home.cache_file("default").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn samples_without_a_session_exit_3_and_a_pat_goes_as_bearer() {
    let running = CognitoStandIn::new(None).start().await;
    let api = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&api)
        .await;
    let home = Home::new();
    let mut env = running.env();
    env.extend(url_env(&api.uri()));

    let out = run_sample(&home, FLIGHTS, &["list"], &env);
    out.expect_code(3);
    assert!(out.stderr().contains("login"), "{}", out.stderr());

    let pat = with(&env, &[("UL_API_TOKEN", "ul_pat_sample")]);
    run_sample(&home, FLIGHTS, &["list"], &pat).expect_code(0);
    let requests = api.received_requests().await.unwrap();
    assert_only_auth(&requests[0], "authorization", "Bearer ul_pat_sample");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_401_makes_the_sample_refresh_once_then_exit_3() {
    let s = Sample::new().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_string("Unauthorized"))
        .mount(&s.api)
        .await;

    let out = s.run(&["list"]);

    out.expect_code(3);
    assert!(out.stderr().contains("401"), "{}", out.stderr());
    assert_eq!(s.running.count("GetTokensFromRefreshToken"), 1);
    assert_eq!(s.requests().await.len(), 2);
}
