//! Issue 15, production fidelity: the flights listing follows `nextToken` to the end and never
//! drops a page silently (library and `flights` sample), and the samples take a PAT from
//! `UL_API_TOKEN`, then the profile's stored PAT, then the Cognito session.

use std::collections::HashMap;

use serde_json::{Value, json};
use unleashlive_auth::api::flights::{Flights, Scope};
use unleashlive_auth::{
    Auth, CognitoRenewer, CognitoSessions, Error, PersonalAccessToken, SessionStore,
    credentials::pat,
};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::util::standin::{CognitoStandIn, Running};
use crate::util::unleash::{
    assert_no_auth, assert_only_auth, config, fast_http, names_in, run_sample, signed_in,
    stalling_server, url_env,
};
use crate::util::{Home, PASSWORD, PILOT, Run, with};

const FLIGHTS: &str = env!("CARGO_BIN_EXE_flights");
const FROM: &str = "1735689600000";
const TO: &str = "1738368000000";
const PAT: &str = "ul_pat_0123456789abcdefEnv1";
const STORED_PAT: &str = "ul_pat_0123456789abcdefSto2";

/// Answers a listing by the `nextToken` it is sent (`None`: the first page); a token it does
/// not know is a 404, so a wrong continuation shows.
struct Pages(HashMap<Option<String>, ResponseTemplate>);

impl Pages {
    fn new(pages: Vec<(Option<&str>, ResponseTemplate)>) -> Pages {
        Pages(
            pages
                .into_iter()
                .map(|(token, answer)| (token.map(str::to_owned), answer))
                .collect(),
        )
    }

    fn json(pages: Vec<(Option<&str>, Value)>) -> Pages {
        Pages::new(
            pages
                .into_iter()
                .map(|(t, body)| (t, ResponseTemplate::new(200).set_body_json(body)))
                .collect(),
        )
    }
}

impl Respond for Pages {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let token = request
            .url
            .query_pairs()
            .find(|(k, _)| k == "nextToken")
            .map(|(_, v)| v.into_owned());
        self.0
            .get(&token)
            .cloned()
            .unwrap_or_else(|| ResponseTemplate::new(404).set_body_string("unknown nextToken"))
    }
}

fn log(id: &str) -> Value {
    json!({"id": id, "s3Path": format!("team/{id}/DJIFlightRecord.txt"), "pilotName": "Ada"})
}

/// Three pages: a token with characters a query must encode, the second inside `{"data"}`,
/// the last with `nextToken: null`.
fn three_pages() -> Pages {
    Pages::json(vec![
        (
            None,
            json!({"items": [log("a"), log("b")], "nextToken": "t2/+ ="}),
        ),
        (
            Some("t2/+ ="),
            json!({"data": {"items": [log("c")], "nextToken": "t3"}}),
        ),
        (Some("t3"), json!({"items": [log("d")], "nextToken": null})),
    ])
}

/// Panics unless the requests are GETs of `path` with exactly `dateFrom`, `dateTo` and then
/// the given `nextToken`s, in that order.
fn assert_pages(requests: &[Request], want_path: &str, tokens: &[Option<&str>]) {
    assert_eq!(requests.len(), tokens.len(), "one request per page");
    for (request, token) in requests.iter().zip(tokens) {
        assert_eq!(request.method.as_str(), "GET");
        assert_eq!(request.url.path(), want_path);
        let query: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
        let mut want = vec![
            ("dateFrom".to_owned(), FROM.to_owned()),
            ("dateTo".to_owned(), TO.to_owned()),
        ];
        if let Some(token) = token {
            want.push(("nextToken".to_owned(), (*token).to_owned()));
        }
        assert_eq!(query, want, "{}", request.url);
    }
}

fn ids(logs: &[unleashlive_auth::api::flights::FlightLog]) -> Vec<&str> {
    logs.iter().map(|l| l.id.as_str()).collect()
}

/// The library against wiremock, with a signed-in Cognito session.
struct Lib {
    running: Running,
    api: MockServer,
    sessions: CognitoSessions,
    _dir: tempfile::TempDir,
}

impl Lib {
    async fn new() -> Lib {
        let running = CognitoStandIn::new(None)
            .with_user(PILOT, PASSWORD)
            .start()
            .await;
        let dir = tempfile::tempdir().unwrap();
        let store = SessionStore::new(dir.path());
        signed_in(&running, &store).await;
        let api = MockServer::start().await;
        let renewer = CognitoRenewer::new(config(&running, &api));
        Lib {
            sessions: CognitoSessions::new(store, "default", renewer),
            running,
            api,
            _dir: dir,
        }
    }

    async fn serve(&self, scope_path: &str, pages: Pages) {
        Mock::given(method("GET"))
            .and(path(scope_path))
            .respond_with(pages)
            .mount(&self.api)
            .await;
    }

    fn flights(&self, auth: Auth) -> Flights {
        Flights::new(fast_http(), auth, &config(&self.running, &self.api))
    }

    fn cognito(&self) -> Flights {
        self.flights(Auth::Cognito(self.sessions.clone()))
    }

    async fn id_token(&self) -> String {
        let session = self.sessions.current().await.unwrap();
        session.id_token().secret().to_owned()
    }

    async fn requests(&self) -> Vec<Request> {
        self.api.received_requests().await.unwrap()
    }
}

fn range() -> (i64, i64) {
    (FROM.parse().unwrap(), TO.parse().unwrap())
}

#[tokio::test]
async fn the_team_listing_follows_next_token_across_three_pages_with_the_same_query_and_header() {
    let s = Lib::new().await;
    s.serve("/v1/flights/team", three_pages()).await;
    let (from, to) = range();

    let listing = s.cognito().listing(Scope::Team, from, to).await.unwrap();

    assert_eq!(ids(&listing.logs), ["a", "b", "c", "d"]);
    assert!(listing.complete);
    assert_eq!(listing.pages, 3);
    assert_eq!(listing.unfollowed, None);
    let requests = s.requests().await;
    assert_pages(
        &requests,
        "/v1/flights/team",
        &[None, Some("t2/+ ="), Some("t3")],
    );
    let token = s.id_token().await;
    for r in &requests {
        assert_only_auth(r, "x-amz-cognito-security-token", &token);
    }
    // `list` gives the same logs when the listing is complete.
    let logs = s.cognito().list(Scope::Team, from, to).await.unwrap();
    assert_eq!(ids(&logs), ["a", "b", "c", "d"]);
}

#[tokio::test]
async fn the_company_listing_follows_next_token_too_with_a_pat_as_bearer() {
    let s = Lib::new().await;
    s.serve(
        "/v1/flights/company",
        Pages::json(vec![
            (None, json!({"items": [log("a")], "nextToken": "c2"})),
            (Some("c2"), json!([log("b")])),
        ]),
    )
    .await;
    let (from, to) = range();

    let listing = s
        .flights(Auth::Pat(PersonalAccessToken::new(PAT)))
        .listing(Scope::Company, from, to)
        .await
        .unwrap();

    assert_eq!(ids(&listing.logs), ["a", "b"]);
    assert!(listing.complete);
    let requests = s.requests().await;
    assert_pages(&requests, "/v1/flights/company", &[None, Some("c2")]);
    for r in &requests {
        assert_only_auth(r, "authorization", &format!("Bearer {PAT}"));
    }
}

#[tokio::test]
async fn the_same_next_token_twice_in_a_row_is_an_error_not_a_loop() {
    let s = Lib::new().await;
    s.serve(
        "/v1/flights/team",
        Pages::json(vec![
            (None, json!({"items": [log("a")], "nextToken": "same"})),
            (
                Some("same"),
                json!({"items": [log("b")], "nextToken": "same"}),
            ),
        ]),
    )
    .await;
    let (from, to) = range();

    let err = s
        .cognito()
        .listing(Scope::Team, from, to)
        .await
        .unwrap_err();

    assert!(matches!(err, Error::UnexpectedResponse { .. }), "{err:?}");
    assert!(
        err.to_string().contains("repeated its continuation token"),
        "{err}"
    );
    assert_pages(
        &s.requests().await,
        "/v1/flights/team",
        &[None, Some("same")],
    );
}

#[tokio::test]
async fn a_cycle_of_next_tokens_is_an_error_too() {
    let s = Lib::new().await;
    s.serve(
        "/v1/flights/team",
        Pages::json(vec![
            (None, json!({"items": [log("a")], "nextToken": "A"})),
            (Some("A"), json!({"items": [log("b")], "nextToken": "B"})),
            (Some("B"), json!({"items": [log("c")], "nextToken": "A"})),
        ]),
    )
    .await;
    let (from, to) = range();

    let err = s
        .cognito()
        .listing(Scope::Team, from, to)
        .await
        .unwrap_err();

    assert!(
        err.to_string().contains("repeated its continuation token"),
        "{err}"
    );
    assert_pages(
        &s.requests().await,
        "/v1/flights/team",
        &[None, Some("A"), Some("B")],
    );
}

#[tokio::test]
async fn an_object_next_token_marks_the_listing_incomplete_and_list_refuses_it() {
    let s = Lib::new().await;
    s.serve(
        "/v1/flights/team",
        Pages::json(vec![(
            None,
            json!({"items": [log("a")], "nextToken": {"pk": "team-7", "sk": "2025"}}),
        )]),
    )
    .await;
    let (from, to) = range();

    let listing = s.cognito().listing(Scope::Team, from, to).await.unwrap();
    let err = s.cognito().list(Scope::Team, from, to).await.unwrap_err();

    assert_eq!(ids(&listing.logs), ["a"]);
    assert!(!listing.complete);
    assert_eq!(listing.pages, 1);
    assert_eq!(listing.unfollowed.as_deref(), Some("nextToken"));
    assert!(matches!(err, Error::UnexpectedResponse { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("`nextToken`") && text.contains("incomplete"),
        "{text}"
    );
    // Nothing was sent for the object token.
    assert_pages(&s.requests().await, "/v1/flights/team", &[None, None]);
}

#[tokio::test]
async fn a_last_evaluated_key_after_followed_pages_marks_the_listing_incomplete() {
    let s = Lib::new().await;
    s.serve(
        "/v1/flights/team",
        Pages::json(vec![
            (None, json!({"items": [log("a")], "nextToken": "t2"})),
            (
                Some("t2"),
                json!({"items": [log("b")], "lastEvaluatedKey": {"id": "b"}}),
            ),
        ]),
    )
    .await;
    let (from, to) = range();

    let listing = s.cognito().listing(Scope::Team, from, to).await.unwrap();

    assert_eq!(ids(&listing.logs), ["a", "b"]);
    assert!(!listing.complete);
    assert_eq!(listing.pages, 2);
    assert_eq!(listing.unfollowed.as_deref(), Some("lastEvaluatedKey"));
    assert_pages(&s.requests().await, "/v1/flights/team", &[None, Some("t2")]);
}

#[tokio::test]
async fn a_500_on_page_2_fails_the_whole_listing() {
    let s = Lib::new().await;
    s.serve(
        "/v1/flights/team",
        Pages::new(vec![
            (
                None,
                ResponseTemplate::new(200)
                    .set_body_json(json!({"items": [log("a")], "nextToken": "t2"})),
            ),
            (
                Some("t2"),
                ResponseTemplate::new(500).set_body_string("upstream exploded"),
            ),
        ]),
    )
    .await;
    let (from, to) = range();

    let err = s
        .cognito()
        .listing(Scope::Team, from, to)
        .await
        .unwrap_err();

    assert!(
        matches!(
            err,
            Error::Http {
                status: 500,
                attempts: 3,
                ..
            }
        ),
        "{err:?}"
    );
    assert_pages(
        &s.requests().await,
        "/v1/flights/team",
        &[None, Some("t2"), Some("t2"), Some("t2")],
    );
}

#[tokio::test]
async fn truncated_json_on_page_2_is_a_clear_error() {
    let s = Lib::new().await;
    s.serve(
        "/v1/flights/team",
        Pages::new(vec![
            (
                None,
                ResponseTemplate::new(200)
                    .set_body_json(json!({"items": [log("a")], "nextToken": "t2"})),
            ),
            (
                Some("t2"),
                ResponseTemplate::new(200)
                    .set_body_raw(r#"{"items": [{"id": "b", "pilotN"#, "application/json"),
            ),
        ]),
    )
    .await;
    let (from, to) = range();

    let err = s
        .cognito()
        .listing(Scope::Team, from, to)
        .await
        .unwrap_err();

    assert!(matches!(err, Error::UnexpectedResponse { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("/v1/flights/team")
            && text.contains("page 2")
            && text.contains("invalid JSON"),
        "{text}"
    );
}

/// A home where the pilot signed in with `ul-auth login`, and wiremock for the API.
struct Sample {
    running: Running,
    api: MockServer,
    home: Home,
    env: Vec<(String, String)>,
}

impl Sample {
    async fn new() -> Sample {
        let running = CognitoStandIn::new(None)
            .with_user(PILOT, PASSWORD)
            .start()
            .await;
        let home = Home::new();
        home.run(
            &["login", "--username", PILOT],
            &with(&running.env(), &[("UL_PASSWORD", PASSWORD)]),
            None,
        )
        .expect_code(0);
        let api = MockServer::start().await;
        let mut env = running.env();
        env.extend(url_env(&api.uri()));
        Sample {
            running,
            api,
            home,
            env,
        }
    }

    async fn serve(&self, pages: Pages) {
        Mock::given(method("GET"))
            .and(path("/v1/flights/team"))
            .respond_with(pages)
            .mount(&self.api)
            .await;
    }

    fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[])
    }

    fn run_with(&self, args: &[&str], extra: &[(&str, &str)]) -> Run {
        run_sample(&self.home, FLIGHTS, args, &with(&self.env, extra))
    }

    fn list_json(&self) -> Run {
        self.run(&["list", "--from", FROM, "--to", TO, "--output", "json"])
    }

    fn id_token(&self) -> String {
        let out = self.home.run(&["token"], &self.env, None);
        out.expect_code(0);
        out.stdout().trim().to_owned()
    }

    async fn requests(&self) -> Vec<Request> {
        self.api.received_requests().await.unwrap()
    }

    async fn clear(&self) {
        self.api.reset().await;
    }
}

fn json_ids(listing: &Value) -> Vec<&str> {
    listing["logs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sample_prints_every_page_as_logs_and_complete_true_and_download_first_works() {
    let s = Sample::new().await;
    s.serve(three_pages()).await;
    Mock::given(method("GET"))
        .and(path("/flights-cdn/team/a/DJIFlightRecord.txt"))
        .respond_with(ResponseTemplate::new(200).set_body_string("log a"))
        .mount(&s.api)
        .await;

    let out = s.list_json();
    let out_dir = s.home.dir.path().join("logs");
    let download = s.run(&[
        "download",
        "--first",
        "--from",
        FROM,
        "--to",
        TO,
        "--out",
        out_dir.to_str().unwrap(),
    ]);

    out.expect_code(0);
    let listing: Value = serde_json::from_str(&out.stdout()).unwrap();
    assert_eq!(listing["complete"], json!(true));
    assert_eq!(json_ids(&listing), ["a", "b", "c", "d"]);
    let mut keys: Vec<&String> = listing.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["complete", "logs"], "always this shape");
    assert!(!out.stderr().contains("incomplete"), "{}", out.stderr());
    download.expect_code(0);
    assert_eq!(
        std::fs::read_to_string(out_dir.join("DJIFlightRecord.txt")).unwrap(),
        "log a"
    );
    let requests = s.requests().await;
    let (api, cdn): (Vec<Request>, Vec<Request>) = requests
        .into_iter()
        .partition(|r| r.url.path().starts_with("/v1/"));
    let tokens = [None, Some("t2/+ ="), Some("t3")];
    assert_pages(&api[..3], "/v1/flights/team", &tokens);
    assert_pages(&api[3..], "/v1/flights/team", &tokens);
    let token = s.id_token();
    for r in &api {
        assert_only_auth(r, "x-amz-cognito-security-token", &token);
    }
    assert_eq!(cdn.len(), 1);
    assert_no_auth(&cdn[0]);
    assert_eq!(
        s.running.count("GetTokensFromRefreshToken"),
        0,
        "one session for every page"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_incomplete_listing_says_so_on_stderr_and_in_json_and_text_still_shows_the_logs() {
    let s = Sample::new().await;
    s.serve(Pages::json(vec![
        (None, json!({"items": [log("a")], "nextToken": "t2"})),
        (
            Some("t2"),
            json!({"items": [log("b")], "lastEvaluatedKey": {"id": "b"}}),
        ),
    ]))
    .await;

    let json_out = s.list_json();
    let text_out = s.run(&["list", "--from", FROM, "--to", TO]);

    json_out.expect_code(0);
    let listing: Value = serde_json::from_str(&json_out.stdout()).unwrap();
    assert_eq!(listing["complete"], json!(false));
    assert_eq!(json_ids(&listing), ["a", "b"]);
    for out in [&json_out, &text_out] {
        let stderr = out.stderr();
        assert!(
            stderr.contains("incomplete")
                && stderr.contains("lastEvaluatedKey")
                && stderr.contains("--from/--to"),
            "{stderr}"
        );
    }
    text_out.expect_code(0);
    assert!(
        text_out.stdout().starts_with("START"),
        "{}",
        text_out.stdout()
    );
    assert!(!text_out.stdout().contains("incomplete"));
    assert!(text_out.stdout().contains("team/b/DJIFlightRecord.txt"));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_object_next_token_makes_the_sample_report_an_incomplete_listing() {
    let s = Sample::new().await;
    s.serve(Pages::json(vec![(
        None,
        json!({"data": {"items": [log("a")], "nextToken": {"pk": "p"}}}),
    )]))
    .await;

    let out = s.list_json();

    out.expect_code(0);
    let listing: Value = serde_json::from_str(&out.stdout()).unwrap();
    assert_eq!(listing["complete"], json!(false));
    assert_eq!(json_ids(&listing), ["a"]);
    out.expect_stderr("incomplete").expect_stderr("`nextToken`");
    assert_eq!(s.requests().await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_500_on_page_2_exits_4_and_prints_nothing_on_stdout() {
    let s = Sample::new().await;
    s.serve(Pages::new(vec![
        (
            None,
            ResponseTemplate::new(200)
                .set_body_json(json!({"items": [log("a")], "nextToken": "t2"})),
        ),
        (
            Some("t2"),
            ResponseTemplate::new(500).set_body_string("upstream exploded"),
        ),
    ]))
    .await;

    let json_out = s.list_json();

    json_out.expect_code(4);
    assert_eq!(json_out.stdout(), "");
    json_out
        .expect_stderr("500")
        .expect_stderr("upstream exploded");
    assert!(!json_out.stderr().contains("incomplete"));
    s.clear().await;
    s.serve(Pages::new(vec![
        (
            None,
            ResponseTemplate::new(200)
                .set_body_json(json!({"items": [log("a")], "nextToken": "t2"})),
        ),
        (
            Some("t2"),
            ResponseTemplate::new(200).set_body_raw(r#"{"items": [{"id""#, "application/json"),
        ),
    ]))
    .await;

    let truncated = s.run(&["list", "--from", FROM, "--to", TO]);

    truncated.expect_code(4);
    assert_eq!(truncated.stdout(), "");
    truncated
        .expect_stderr("page 2")
        .expect_stderr("invalid JSON");
}

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

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_during_a_download_removes_the_part_file_and_exits_130() {
    use std::time::{Duration, Instant};
    let cdn = stalling_server(10_000_000, b"the first bytes of a long log").await;
    let home = Home::new();
    let mut env = url_env("http://127.0.0.1:9");
    env.push(("UL_FLIGHTS_CDN_URL".into(), cdn));
    env.push(("UL_API_TOKEN".into(), PAT.into()));
    let out_dir = home.dir.path().join("logs");
    let out_file = tempfile::tempfile().unwrap();
    let err_file = tempfile::tempfile().unwrap();
    let mut child = std::process::Command::new(FLIGHTS)
        .args(["download", "--s3-path", "team/a/big.txt", "--out"])
        .arg(&out_dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.dir.path())
        .env("XDG_CONFIG_HOME", home.dir.path().join("config"))
        .env("UL_CACHE_DIR", home.cache_dir())
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(std::process::Stdio::null())
        .stdout(out_file.try_clone().unwrap())
        .stderr(err_file.try_clone().unwrap())
        .spawn()
        .expect("spawn flights");
    let parts = || {
        std::fs::read_dir(&out_dir).map_or(0, |entries| {
            entries
                .flatten()
                .filter(|e| e.file_name().to_string_lossy().ends_with(".part"))
                .count()
        })
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while parts() == 0 {
        assert!(child.try_wait().unwrap().is_none(), "flights ended early");
        assert!(Instant::now() < deadline, "no .part file within 30 s");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(200));

    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            panic!("flights still running 30 s after SIGINT");
        }
        std::thread::sleep(Duration::from_millis(20));
    };

    let stderr = {
        use std::io::{Read as _, Seek as _};
        let mut file = err_file;
        let mut text = String::new();
        file.rewind().unwrap();
        file.read_to_string(&mut text).unwrap();
        text
    };
    assert_eq!(status.code(), Some(130), "{status:?}: {stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert_eq!(
        names_in(&out_dir),
        Vec::<String>::new(),
        "no .part file left"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn flights_text_output_escapes_control_and_format_characters_and_json_keeps_them() {
    let api = MockServer::start().await;
    let hostile = json!({"id": "x", "s3Path": "team/x\u{7}/log\u{1b}[1A.txt",
        "pilotName": "Ada\u{1b}]0;owned\u{7}", "droneName": "M\u{202e}03",
        "flightStartDate": "2025\u{200b}-01-05"});
    Mock::given(method("GET"))
        .and(path("/v1/flights/team"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"items": [hostile]})))
        .mount(&api)
        .await;
    let home = Home::new();
    let env = with(&url_env(&api.uri()), &[("UL_API_TOKEN", PAT)]);

    let text = run_sample(&home, FLIGHTS, &["list", "--from", FROM, "--to", TO], &env);
    let json_out = run_sample(
        &home,
        FLIGHTS,
        &["list", "--from", FROM, "--to", TO, "--output", "json"],
        &env,
    );

    text.expect_code(0);
    let shown = text.stdout();
    for raw in ['\u{1b}', '\u{7}', '\u{202e}', '\u{200b}'] {
        assert!(!shown.contains(raw), "{raw:?} in {shown:?}");
    }
    for escaped in [
        "Ada\\u{1b}]0;owned\\u{7}",
        "M\\u{202e}03",
        "team/x\\u{7}/log\\u{1b}[1A.txt",
        "2025\\u{200b}-01-05",
    ] {
        assert!(shown.contains(escaped), "{escaped} not in {shown}");
    }
    json_out.expect_code(0);
    let listing: Value = serde_json::from_str(&json_out.stdout()).unwrap();
    assert_eq!(listing["logs"][0]["pilotName"], hostile["pilotName"]);
}
