//! Issue 7, the sample binaries end to end: `media-drive` and `flights` with the session
//! `ul-auth login` cached. `media-drive` talks GraphQL to the validating Media Drive stand-in
//! (`tests/standins/mediadrive.py`: documents parsed, validated against the schema and
//! executed over an item store); the REST API and the CDNs are wiremock, S3 is moto.

use std::time::Duration;

use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::util::mediadrive::{MediaDriveStandIn, Recorded, folder as md_folder, item as md_item};
use crate::util::standin::{CognitoStandIn, Running};
use crate::util::unleash::{
    assert_no_auth, assert_only_auth, assert_only_auth_recorded, run_sample, url_env, url_env_at,
};
use crate::util::{Home, PASSWORD, PILOT, Run, with};

const MEDIA_DRIVE: &str = env!("CARGO_BIN_EXE_media-drive");
const FLIGHTS: &str = env!("CARGO_BIN_EXE_flights");

struct Signed {
    running: Running,
    api: MockServer,
    home: Home,
    env: Vec<(String, String)>,
}

impl Signed {
    /// The pilot signed in with `ul-auth login`; the samples will find that session.
    async fn new() -> Signed {
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
        Signed {
            running,
            api,
            home,
            env,
        }
    }

    fn run(&self, exe: &str, args: &[&str]) -> Run {
        run_sample(&self.home, exe, args, &self.env)
    }

    fn id_token(&self) -> String {
        let out = self.home.run(&["token"], &self.env, None);
        out.expect_code(0);
        out.stdout().trim().to_owned()
    }

    async fn requests(&self) -> Vec<Request> {
        self.api.received_requests().await.unwrap()
    }
}

/// The pilot signed in with `ul-auth login`, for `media-drive`: GraphQL on the validating
/// stand-in (seeded with [`drive_store`], letting in only the pilot's ID token), the CDN on
/// wiremock.
struct OnStandIn {
    running: Running,
    md: MediaDriveStandIn,
    cdn: MockServer,
    home: Home,
    env: Vec<(String, String)>,
}

impl OnStandIn {
    async fn new() -> OnStandIn {
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
        let md = MediaDriveStandIn::start();
        let cdn = MockServer::start().await;
        let mut env = running.env();
        env.extend(url_env_at(&cdn.uri(), &md.graphql_url()));
        let s = OnStandIn {
            running,
            md,
            cdn,
            home,
            env,
        };
        s.seed(drive_store()).await;
        s
    }

    /// Replaces the store with `store` (`{"items": [...]}`), lets in only the pilot's current
    /// ID token, and forgets the requests so far.
    async fn seed(&self, store: Value) {
        self.md.reset().await;
        self.md.control(store).await;
        self.md.control(json!({"accept": [self.id_token()]})).await;
    }

    fn run(&self, args: &[&str]) -> Run {
        run_sample(&self.home, MEDIA_DRIVE, args, &self.env)
    }

    /// Runs `media-drive`; kills it and fails the test when it is still running after
    /// `limit` (a listing that pages forever).
    fn run_within(&self, limit: Duration, args: &[&str]) -> Run {
        let home = self.home.dir.path();
        let out_file = tempfile::tempfile().unwrap();
        let err_file = tempfile::tempfile().unwrap();
        let mut child = std::process::Command::new(MEDIA_DRIVE)
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home)
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("UL_CACHE_DIR", self.home.cache_dir())
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .current_dir(home)
            .stdin(std::process::Stdio::null())
            .stdout(out_file.try_clone().unwrap())
            .stderr(err_file.try_clone().unwrap())
            .spawn()
            .expect("spawn media-drive");
        let deadline = std::time::Instant::now() + limit;
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if std::time::Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("media-drive {args:?} still running after {limit:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let read = |mut file: std::fs::File| {
            use std::io::{Read as _, Seek as _};
            let mut bytes = Vec::new();
            file.rewind().unwrap();
            file.read_to_end(&mut bytes).unwrap();
            bytes
        };
        Run(std::process::Output {
            status,
            stdout: read(out_file),
            stderr: read(err_file),
        })
    }

    fn id_token(&self) -> String {
        let out = self.home.run(&["token"], &self.env, None);
        out.expect_code(0);
        out.stdout().trim().to_owned()
    }
}

/// Folder `root` at "team-7" holding folders `f1` and `f2`; images `a` (newest) .. `e` in
/// `f1`, named `<id>.jpg`, and an older video `v`; image `victim` in `f2`.
fn drive_store() -> Value {
    let mut items = vec![
        md_folder("root", "team-7"),
        md_folder("f1", "team-7/root"),
        md_folder("f2", "team-7/root"),
    ];
    for (n, id) in (0_i64..).zip(["a", "b", "c", "d", "e"]) {
        items.push(md_item(
            id,
            &format!("{id}.jpg"),
            "team-7/root/f1",
            1_735_689_600_000 - n,
        ));
    }
    let mut video = md_item("v", "v.mp4", "team-7/root/f1", 1_735_689_000_000);
    video["type"] = json!("V");
    video["mimeType"] = json!("video/mp4");
    items.push(video);
    items.push(md_item(
        "victim",
        "victim.jpg",
        "team-7/root/f2",
        1_735_689_600_000,
    ));
    json!({ "items": items })
}

/// Panics unless every request was executed, carried only the pilot's ID token, and
/// declared no variable.
async fn assert_executed_with(s: &OnStandIn, token: &str) -> Vec<Recorded> {
    let requests = s.md.executed_requests().await;
    for r in &requests {
        assert_only_auth_recorded(r, "authorization", token);
        assert!(!r.query().contains('$'), "{}", r.query());
    }
    requests
}

fn kinds(requests: &[Recorded]) -> Vec<&str> {
    requests
        .iter()
        .map(|r| r.operation.as_deref().unwrap_or("-"))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn media_drive_get_list_rename_move_and_delete_execute_against_the_schema() {
    let s = OnStandIn::new().await;

    let got = s.run(&["get", "f1"]);
    let page = s.run(&["list", "f1", "--limit", "2"]);
    let renamed = s.run(&["rename", "a", "Site {A}"]);
    let moved = s.run(&["move", "a", "b", "--to", "f2"]);
    let deleted = s.run(&["delete", "c", "d", "--output", "json"]);

    got.expect_code(0);
    assert_eq!(
        got.stdout(),
        "id        f1\nname      f1\nlocation  team-7/root\nlists at  team-7/root/f1\n"
    );
    page.expect_code(0);
    let table = page.stdout();
    assert!(table.starts_with("ID"), "{table}");
    assert!(
        table.contains("a.jpg") && table.contains("b.jpg") && !table.contains("c.jpg"),
        "{table}"
    );
    renamed.expect_code(0);
    assert_eq!(renamed.stdout(), "renamed a to \"Site {A}\"\n");
    assert_eq!(s.md.stored("a").await.unwrap()["name"], "Site {A}");
    moved.expect_code(0);
    assert_eq!(moved.stdout(), "moved a b into f2\n");
    for id in ["a", "b"] {
        let item = s.md.stored(id).await.unwrap();
        assert_eq!(item["parentId"], "f2");
        assert_eq!(item["location"], "team-7/root/f2");
    }
    deleted.expect_code(0);
    let json: Value = serde_json::from_str(&deleted.stdout()).unwrap();
    assert_eq!(json["deleteItems"], json!(["c", "d"]));
    assert!(s.md.stored("c").await.is_none() && s.md.stored("d").await.is_none());
    assert!(s.md.stored("e").await.is_some());

    let requests = assert_executed_with(&s, &s.id_token()).await;
    assert_eq!(
        kinds(&requests),
        [
            "query", "query", "query", "mutation", "mutation", "mutation"
        ]
    );
    assert!(
        requests[2]
            .query()
            .contains(r#"location: "team-7/root/f1", limit: 2"#)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn media_drive_list_all_pages_to_the_last_cursor_and_asks_for_nothing_after_it() {
    let s = OnStandIn::new().await;
    let args = [
        "list", "f1", "--all", "--type", "I", "--limit", "2", "--output", "json",
    ];
    let listed_ids = |out: &Run| -> Vec<String> {
        out.expect_code(0);
        let items: Vec<Value> = serde_json::from_str(&out.stdout()).unwrap();
        items
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_owned())
            .collect()
    };

    // The last page's cursor has every field null (the stand-in's default).
    let all_null = s.run(&args);

    assert_eq!(listed_ids(&all_null), ["a", "b", "c", "d", "e"]);
    let requests = assert_executed_with(&s, &s.id_token()).await;
    assert_eq!(requests.len(), 4, "get, then three pages and nothing more");
    assert!(!requests[1].query().contains("nextToken: "));
    for r in &requests[1..] {
        assert!(r.query().contains(r#"type: "I""#), "{}", r.query());
    }
    for r in &requests[2..] {
        assert!(r.query().contains("nextToken: {"), "{}", r.query());
        assert!(
            r.query().contains("searchNameCreatedAt: null"),
            "{}",
            r.query()
        );
    }

    // The last page's cursor is null.
    s.md.control(json!({"last_token": "null"})).await;
    let null_last = s.run(&args);

    assert_eq!(listed_ids(&null_last), ["a", "b", "c", "d", "e"]);
    assert_eq!(s.md.executed_requests().await.len(), 8);
}

#[tokio::test(flavor = "multi_thread")]
async fn media_drive_list_all_stops_with_a_message_when_a_cursor_comes_back_twice() {
    let s = OnStandIn::new().await;
    s.md.control(json!({"repeat_token": true})).await;

    let out = s.run_within(
        Duration::from_secs(60),
        &["list", "f1", "--all", "--limit", "2"],
    );

    out.expect_code(4);
    assert!(
        out.stderr().contains("same nextToken twice"),
        "{}",
        out.stderr()
    );
    assert_eq!(
        s.md.executed_requests().await.len(),
        3,
        "get, then two pages"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn media_drive_shows_graphql_errors_from_a_200_and_exits_4() {
    let s = OnStandIn::new().await;

    let out = s.run(&["rename", "x\"}", "new name"]);

    out.expect_code(4);
    let stderr = out.stderr();
    assert!(stderr.contains("item 'x\"}' not found"), "{stderr}");
    assert!(
        !stderr.contains("outcome is unknown"),
        "an answer: {stderr}"
    );
    let requests = assert_executed_with(&s, &s.id_token()).await;
    assert_eq!(kinds(&requests), ["mutation"]);
    assert_eq!(
        s.md.items().await,
        drive_store()["items"].as_array().unwrap().clone()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn media_drive_download_writes_each_file_under_a_safe_name_and_a_404_leaves_none() {
    let s = OnStandIn::new().await;
    let mut items = vec![md_folder("root", "team-7"), md_folder("f1", "team-7/root")];
    for (n, (id, name, key)) in (0_i64..).zip([
        ("a", "one.jpg", "team-7/a/obj"),
        ("b", "../../etc/passwd", "team-7/b/obj"),
        ("c", "a+b c.jpg", "team-7/c/a+b c.jpg"),
        ("d", "four.jpg", "team-7/d/obj"),
    ]) {
        let mut item = md_item(id, name, "team-7/root/f1", 1_735_689_600_000 - n);
        item["s3Path"] = json!(key);
        items.push(item);
    }
    s.seed(json!({ "items": items })).await;
    for (key, id) in [
        ("team-7/a/obj", "a"),
        ("team-7/b/obj", "b"),
        ("team-7/c/a%2Bb%20c.jpg", "c"),
    ] {
        Mock::given(method("GET"))
            .and(path(format!("/cdn/{key}")))
            .respond_with(ResponseTemplate::new(200).set_body_string(format!("content of {id}")))
            .mount(&s.cdn)
            .await;
    }
    let out_dir = s.home.dir.path().join("out");

    let out = s.run(&["download", "f1", "--out", out_dir.to_str().unwrap()]);

    // d (four.jpg, the oldest, so the last) has no CDN object: a 404 after the others.
    out.expect_code(4);
    assert!(out.stderr().contains("404"), "{}", out.stderr());
    for (name, id) in [("one.jpg", "a"), ("passwd", "b"), ("a+b c.jpg", "c")] {
        assert_eq!(
            std::fs::read_to_string(out_dir.join(name)).unwrap(),
            format!("content of {id}")
        );
    }
    let mut names: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["a+b c.jpg", "one.jpg", "passwd"],
        "nothing for the 404, nothing partial"
    );
    assert!(!s.home.dir.path().join("etc").exists());
    let cdn = s.cdn.received_requests().await.unwrap();
    let paths: Vec<&str> = cdn.iter().map(|r| r.url.path()).collect();
    assert_eq!(
        paths,
        [
            "/cdn/team-7/a/obj",
            "/cdn/team-7/b/obj",
            "/cdn/team-7/c/a%2Bb%20c.jpg",
            "/cdn/team-7/d/obj"
        ]
    );
    for r in &cdn {
        assert_no_auth(r);
    }
    assert_eq!(
        kinds(&assert_executed_with(&s, &s.id_token()).await),
        ["query", "query"]
    );
}

/// Quotes, braces, a block-string delimiter, backslashes, escapes as text, newlines, emoji,
/// `$` and an injected delete (no NUL: a command line cannot carry one).
const HOSTILE_ID: &str = "id \"q\" {b} \"\"\" \\ \\\" \\u0041 \n\r\n \u{1F600} $id \
    }) { delete(deleteItems: [{id: \"victim\"}]) { ownerId } } #";
const HOSTILE_NAME: &str = "name \"\"\"block\"\"\" \\n is no newline\nthis is one\t \
    \u{1F681} ${x} }) { delete(deleteItems: [{id: \"victim\"}]) { ownerId } } #";

#[tokio::test(flavor = "multi_thread")]
async fn media_drive_hostile_ids_and_names_round_trip_exactly() {
    let s = OnStandIn::new().await;
    let mut store = drive_store();
    store["items"].as_array_mut().unwrap().push(md_item(
        HOSTILE_ID,
        "plain.jpg",
        "team-7/root/f1",
        1,
    ));
    s.seed(store).await;

    let got = s.run(&["get", HOSTILE_ID, "--output", "json"]);
    let renamed = s.run(&["rename", HOSTILE_ID, HOSTILE_NAME]);
    renamed.expect_code(0);
    assert_eq!(s.md.stored(HOSTILE_ID).await.unwrap()["name"], HOSTILE_NAME);
    let listed = s.run(&["list", "f1", "--all", "--output", "json"]);
    let moved = s.run(&["move", HOSTILE_ID, "--to", "f2"]);
    let deleted = s.run(&["delete", HOSTILE_ID, "--output", "json"]);

    got.expect_code(0);
    let item: Value = serde_json::from_str(&got.stdout()).unwrap();
    assert_eq!(item["id"], HOSTILE_ID);
    assert_eq!(item["name"], "plain.jpg");
    listed.expect_code(0);
    let items: Vec<Value> = serde_json::from_str(&listed.stdout()).unwrap();
    let found = items
        .iter()
        .find(|i| i["id"] == HOSTILE_ID)
        .expect("listed");
    assert_eq!(
        found["name"], HOSTILE_NAME,
        "the stored name comes back exactly"
    );
    moved.expect_code(0);
    deleted.expect_code(0);
    let json: Value = serde_json::from_str(&deleted.stdout()).unwrap();
    assert_eq!(json["deleteItems"], json!([HOSTILE_ID]));
    assert!(s.md.stored(HOSTILE_ID).await.is_none());
    assert!(
        s.md.stored("victim").await.is_some(),
        "the injected delete never ran"
    );
    let requests = s.md.executed_requests().await;
    assert_eq!(
        kinds(&requests),
        [
            "query", "mutation", "query", "query", "mutation", "mutation"
        ]
    );
    for r in &requests {
        assert!(!r.query().chars().any(char::is_control), "{:?}", r.query());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn media_drive_mutations_whose_answer_is_lost_exit_4_with_the_get_hint_and_go_once() {
    let s = OnStandIn::new().await;
    for (setting, status) in [
        (json!({"fail_after_mutation": 502}), Some(502)),
        (json!({"drop_after_mutation": true}), None),
    ] {
        s.seed(drive_store()).await;
        let runs: [(&[&str], &str); 3] = [
            (&["rename", "a", "Renamed"], "a"),
            (&["move", "b", "c", "--to", "f2"], "b"),
            (&["delete", "d"], "d"),
        ];
        for (n, (args, id)) in (1..).zip(runs) {
            s.md.control(setting.clone()).await;

            let out = s.run(args);

            out.expect_code(4);
            let stderr = out.stderr();
            assert!(
                stderr.contains(&format!("`media-drive get {id}`"))
                    && stderr.contains("may or may not have been made"),
                "{setting} {args:?}: {stderr}"
            );
            assert_eq!(
                s.md.mutation_count().await,
                n,
                "{setting} {args:?}: sent once"
            );
        }
        assert_eq!(s.md.stored("a").await.unwrap()["name"], "Renamed");
        assert_eq!(s.md.stored("c").await.unwrap()["parentId"], "f2");
        assert!(s.md.stored("d").await.is_none());
        let requests = assert_executed_with(&s, &s.id_token()).await;
        assert!(requests.iter().all(|r| r.status == status), "{setting}");

        // What the hint says to run is an ordinary query.
        let check = s.run(&["get", "a"]);
        check.expect_code(0);
        assert!(
            check.stdout().contains("name      Renamed"),
            "{}",
            check.stdout()
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn media_drive_without_a_session_exits_3_and_sends_a_pat_as_bearer() {
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
    let s = Signed::new().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_string("Unauthorized"))
        .mount(&s.api)
        .await;

    let out = s.run(FLIGHTS, &["list"]);

    out.expect_code(3);
    assert!(out.stderr().contains("401"), "{}", out.stderr());
    assert_eq!(s.running.count("GetTokensFromRefreshToken"), 1);
    assert_eq!(s.requests().await.len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn flights_list_sends_rfc3339_dates_as_ms_and_download_first_fetches_its_log() {
    let s = Signed::new().await;
    Mock::given(method("GET"))
        .and(path("/v1/flights/company"))
        .and(query_param("dateFrom", "1735689600000"))
        .and(query_param("dateTo", "1738332000000"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"items": [
            {"id": "f1", "s3Path": "company/f1/DJIFlightRecord_2025-01-05.txt",
             "pilotName": "Ada", "droneName": "M30T", "flightStartDate": "2025-01-05T01:02:03Z",
             "flightDuration": "1260", "flightDistance": 5400}]})))
        .mount(&s.api)
        .await;
    Mock::given(method("GET"))
        .and(path(
            "/flights-cdn/company/f1/DJIFlightRecord_2025-01-05.txt",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_string("log bytes"))
        .mount(&s.api)
        .await;
    let range = [
        "--company",
        "--from",
        "2025-01-01",
        "--to",
        "2025-01-31T14:00:00Z",
    ];

    let list = s.run(FLIGHTS, &[&["list"][..], &range].concat());
    let out_dir = s.home.dir.path().join("logs");
    let download_args = [
        &["download", "--first", "--out", out_dir.to_str().unwrap()][..],
        &range,
    ]
    .concat();
    let download = s.run(FLIGHTS, &download_args);

    list.expect_code(0);
    assert!(
        list.stdout().contains("Ada") && list.stdout().contains("21.0"),
        "{}",
        list.stdout()
    );
    download.expect_code(0);
    let file = out_dir.join("DJIFlightRecord_2025-01-05.txt");
    assert_eq!(std::fs::read_to_string(file).unwrap(), "log bytes");
    let token = s.id_token();
    for r in s.requests().await {
        if r.url.path().starts_with("/v1/") {
            assert_only_auth(&r, "x-amz-cognito-security-token", &token);
        } else {
            assert_no_auth(&r);
        }
    }
}

#[cfg(feature = "upload")]
#[tokio::test(flavor = "multi_thread")]
async fn media_drive_upload_lands_in_s3_with_the_folder_location_and_name() {
    use crate::util::identity::{Aws, s3_admin};

    let aws = Aws::create().await;
    let home = Home::new();
    home.run(
        &["login", "--username", PILOT],
        &with(&aws.env(), &[("UL_PASSWORD", PASSWORD)]),
        None,
    )
    .expect_code(0);
    let md = MediaDriveStandIn::start();
    md.control(drive_store()).await;
    let mut env = aws.env();
    env.extend(url_env_at("http://127.0.0.1:9", &md.graphql_url()));
    let file = home.dir.path().join("DJI_0042.JPG");
    std::fs::write(&file, b"jpeg bytes").unwrap();

    let out = run_sample(
        &home,
        MEDIA_DRIVE,
        &[
            "upload",
            file.to_str().unwrap(),
            "--folder",
            "f1",
            "--output",
            "json",
        ],
        &env,
    );

    out.expect_code(0);
    let done: Value = serde_json::from_str(&out.stdout()).unwrap();
    let key = done["key"].as_str().unwrap();
    assert!(key.ends_with("/DJI_0042.JPG"), "{key}");
    let object = s3_admin()
        .get_object()
        .bucket(&aws.bucket)
        .key(key)
        .send()
        .await
        .unwrap();
    let metadata = object.metadata().unwrap().clone();
    assert_eq!(metadata["location"], "team-7/root/f1");
    assert_eq!(metadata["name"], "DJI_0042.JPG");
    assert_eq!(
        object.body.collect().await.unwrap().into_bytes().as_ref(),
        b"jpeg bytes"
    );
    let requests = md.executed_requests().await;
    assert_eq!(kinds(&requests), ["query"], "the folder's get");
    let token = home.run(&["token"], &env, None);
    token.expect_code(0);
    assert_only_auth_recorded(&requests[0], "authorization", token.stdout().trim());
}

/// Folder `f1` holding `a` "one.jpg", `b` and `c` both "dup.jpg", and `d` named with a
/// right-to-left override, in that (listing) order; each on the CDN as `team-7/<id>/obj`.
async fn colliding_folder(s: &OnStandIn) {
    let mut items = vec![md_folder("root", "team-7"), md_folder("f1", "team-7/root")];
    for (n, (id, name)) in (0_i64..).zip([
        ("a", "one.jpg"),
        ("b", "dup.jpg"),
        ("c", "dup.jpg"),
        ("d", "invoice\u{202e}gpj.exe"),
    ]) {
        let mut item = md_item(id, name, "team-7/root/f1", 1_735_689_600_000 - n);
        item["s3Path"] = json!(format!("team-7/{id}/obj"));
        items.push(item);
        Mock::given(method("GET"))
            .and(path(format!("/cdn/team-7/{id}/obj")))
            .respond_with(ResponseTemplate::new(200).set_body_string(format!("content of {id}")))
            .mount(&s.cdn)
            .await;
    }
    s.seed(json!({ "items": items })).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn media_drive_download_never_overwrites_and_numbers_colliding_names_saying_which() {
    let s = OnStandIn::new().await;
    colliding_folder(&s).await;
    let out_dir = s.home.dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    std::fs::write(out_dir.join("one.jpg"), "my own photo").unwrap();
    let out = out_dir.to_str().unwrap();

    let first = s.run(&["download", "f1", "--out", out, "--output", "json"]);

    first.expect_code(0);
    let entries: Vec<Value> = serde_json::from_str(&first.stdout()).unwrap();
    let summary: Vec<(&str, String, &str, bool)> = entries
        .iter()
        .map(|e| {
            let path = std::path::Path::new(e["path"].as_str().unwrap());
            (
                e["id"].as_str().unwrap(),
                path.file_name().unwrap().to_str().unwrap().to_owned(),
                e["requestedName"].as_str().unwrap(),
                e["renamed"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("a", "one (2).jpg".to_owned(), "one.jpg", true),
            ("b", "dup.jpg".to_owned(), "dup.jpg", false),
            ("c", "dup (2).jpg".to_owned(), "dup.jpg", true),
            ("d", "invoicegpj.exe".to_owned(), "invoicegpj.exe", false),
        ]
    );
    assert_eq!(
        std::fs::read_to_string(out_dir.join("one.jpg")).unwrap(),
        "my own photo"
    );
    for (name, id) in [("one (2).jpg", "a"), ("dup.jpg", "b"), ("dup (2).jpg", "c")] {
        assert_eq!(
            std::fs::read_to_string(out_dir.join(name)).unwrap(),
            format!("content of {id}")
        );
    }

    // Text output says which was renamed; --overwrite replaces files from before, yet two
    // items of one name still get two files.
    let second = s.run(&["download", "f1", "--out", out, "--overwrite"]);

    second.expect_code(0);
    let lines: Vec<String> = second.stdout().lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert!(lines[0].ends_with("one.jpg  12 B"), "{lines:?}");
    assert!(
        lines[2].ends_with("dup (2).jpg  12 B  (dup.jpg was taken)"),
        "{lines:?}"
    );
    assert_eq!(
        std::fs::read_to_string(out_dir.join("one.jpg")).unwrap(),
        "content of a"
    );
    let mut names: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "dup (2).jpg",
            "dup.jpg",
            "invoicegpj.exe",
            "one (2).jpg",
            "one.jpg"
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn media_drive_text_output_escapes_control_and_format_characters_from_the_service() {
    let s = OnStandIn::new().await;
    let mut items = vec![md_folder("root", "team-7"), md_folder("f1", "team-7/root")];
    let mut red = md_item(
        "red\u{1b}[31m",
        "\u{1b}]0;owned\u{7}x.jpg",
        "team-7/root/f1",
        2,
    );
    red["s3Path"] = json!("team-7/red/obj");
    items.push(red);
    items.push(md_item(
        "rlo",
        "cod\u{202e}gpj.exe\u{200b}",
        "team-7/root/f1",
        1,
    ));
    s.seed(json!({ "items": items })).await;

    let listed = s.run(&["list", "f1"]);
    let got = s.run(&["get", "red\u{1b}[31m"]);
    let json_out = s.run(&["list", "f1", "--output", "json"]);

    listed.expect_code(0);
    got.expect_code(0);
    for out in [&listed, &got] {
        let text = out.stdout();
        for raw in ['\u{1b}', '\u{7}', '\u{202e}', '\u{200b}'] {
            assert!(!text.contains(raw), "{raw:?} in {text:?}");
        }
        assert!(text.contains("\\u{1b}]0;owned\\u{7}x.jpg"), "{text}");
        assert!(text.contains("red\\u{1b}[31m"), "{text}");
    }
    assert!(listed.stdout().contains("cod\\u{202e}gpj.exe\\u{200b}"));
    json_out.expect_code(0);
    let items: Vec<Value> = serde_json::from_str(&json_out.stdout()).unwrap();
    assert_eq!(
        items[0]["name"], "\u{1b}]0;owned\u{7}x.jpg",
        "JSON keeps the name"
    );
}

#[test]
fn sample_login_names_an_endpoint_override_before_the_password_goes_there() {
    let home = Home::new();
    let env: Vec<(String, String)> = [
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
        ("UL_USERNAME", "pilot@example.com"),
        ("UL_PASSWORD", "not-sent-anywhere"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();

    let out = run_sample(&home, MEDIA_DRIVE, &["login"], &env);

    assert_ne!(out.code(), 0);
    let first = out.stderr().lines().next().unwrap_or_default().to_owned();
    assert!(
        first.contains("redirected to http://127.0.0.1:9"),
        "{}",
        out.stderr()
    );
}
