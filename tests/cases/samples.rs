//! Issue 7, the sample binaries end to end: `media-drive` and `flights` with the session
//! `ul-auth login` cached, against wiremock standing in for Unleash Live (and moto for S3).

use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::util::standin::{CognitoStandIn, Running};
use crate::util::unleash::{assert_no_auth, assert_only_auth, body, run_sample, url_env};
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

fn item(id: &str, name: &str) -> Value {
    json!({"id": id, "teamId": "team-7", "location": "team-7/root/f1", "mimeType": "image/jpeg",
           "name": name, "s3Path": format!("team-7/{id}/obj"), "type": "I",
           "createdAt": 1_735_689_600})
}

/// Media Drive: `get` answers the folder `f1`; `list` pages through three pages.
struct Drive;

impl Respond for Drive {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let sent = body(request);
        let query = sent["query"].as_str().unwrap();
        let data = if query.contains("get(") {
            json!({"get": {"id": sent["variables"]["id"], "location": "team-7/root",
                           "mimeType": "application/vnd.unleashlive.folder", "name": "Survey"}})
        } else {
            let (items, next) = match sent["variables"]["nextToken"]["pk"].as_str() {
                None => (
                    vec![item("a", "one.jpg"), item("b", "../../etc/passwd")],
                    json!({"pk": "2"}),
                ),
                Some("2") => (
                    vec![item("c", "three.jpg")],
                    json!({"pk": "3", "sk": {"x": 1}}),
                ),
                Some(_) => (vec![item("d", "four.jpg")], Value::Null),
            };
            json!({"list": {"items": items, "nextToken": next}})
        };
        ResponseTemplate::new(200).set_body_json(json!({ "data": data }))
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn media_drive_list_all_follows_next_token_across_three_pages_with_the_cached_session() {
    let s = Signed::new().await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(Drive)
        .mount(&s.api)
        .await;

    let out = s.run(
        MEDIA_DRIVE,
        &["list", "f1", "--all", "--type", "I", "--output", "json"],
    );

    out.expect_code(0);
    let items: Vec<Value> = serde_json::from_str(&out.stdout()).unwrap();
    let ids: Vec<&str> = items.iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["a", "b", "c", "d"]);
    let requests = s.requests().await;
    assert_eq!(requests.len(), 4, "get, then three pages");
    let token = s.id_token();
    for r in &requests {
        assert_only_auth(r, "authorization", &token);
    }
    assert_eq!(
        body(&requests[1])["variables"]["location"],
        "team-7/root/f1"
    );
    assert_eq!(body(&requests[1])["variables"]["type"], "I");
    assert_eq!(
        body(&requests[3])["variables"]["nextToken"],
        json!({"pk": "3", "sk": {"x": 1}})
    );

    let table = s.run(MEDIA_DRIVE, &["list", "f1", "--limit", "2"]);
    table.expect_code(0);
    assert!(table.stdout().starts_with("ID"), "{}", table.stdout());
    assert!(table.stdout().contains("one.jpg") && !table.stdout().contains("three.jpg"));
    assert_eq!(body(&s.requests().await[5])["variables"]["limit"], 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn media_drive_shows_graphql_errors_from_a_200_and_exits_non_zero() {
    let s = Signed::new().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"data": null, "errors": [{"message": "Item x not found in team-7"}]}),
        ))
        .mount(&s.api)
        .await;

    let out = s.run(MEDIA_DRIVE, &["get", "x\"}"]);

    out.expect_code(4);
    assert!(
        out.stderr().contains("Item x not found in team-7"),
        "{}",
        out.stderr()
    );
    assert_eq!(body(&s.requests().await[0])["variables"]["id"], "x\"}");
}

#[tokio::test(flavor = "multi_thread")]
async fn media_drive_download_writes_each_file_under_a_safe_name_and_a_404_leaves_none() {
    let s = Signed::new().await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(Drive)
        .mount(&s.api)
        .await;
    for id in ["a", "b", "c"] {
        Mock::given(method("GET"))
            .and(path(format!("/cdn/team-7/{id}/obj")))
            .respond_with(ResponseTemplate::new(200).set_body_string(format!("content of {id}")))
            .mount(&s.api)
            .await;
    }
    let out_dir = s.home.dir.path().join("out");
    let out_arg = out_dir.to_str().unwrap();

    let out = s.run(MEDIA_DRIVE, &["download", "f1", "--out", out_arg]);

    // d (four.jpg) has no CDN object: a 404 after the others are complete.
    out.expect_code(4);
    assert!(out.stderr().contains("404"), "{}", out.stderr());
    assert_eq!(
        std::fs::read_to_string(out_dir.join("one.jpg")).unwrap(),
        "content of a"
    );
    assert_eq!(
        std::fs::read_to_string(out_dir.join("passwd")).unwrap(),
        "content of b"
    );
    assert_eq!(
        std::fs::read_to_string(out_dir.join("three.jpg")).unwrap(),
        "content of c"
    );
    let mut names: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["one.jpg", "passwd", "three.jpg"],
        "nothing for the 404, nothing partial"
    );
    assert!(!s.home.dir.path().join("etc").exists());
    for r in s
        .requests()
        .await
        .iter()
        .filter(|r| r.url.path().starts_with("/cdn/"))
    {
        assert_no_auth(r);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn media_drive_move_rename_and_delete_send_their_mutations_and_report_them() {
    let s = Signed::new().await;
    for (op, data) in [
        ("rename(", json!({"rename": {"id": "i1"}})),
        (
            "move(",
            json!({"move": {"id": "i1", "parentId": "f2", "location": "team-7/f2"}}),
        ),
        (
            "delete(",
            json!({"delete": {"deleteItems": [{"id": "i1"}, {"id": "i2"}], "ownerId": "o"}}),
        ),
    ] {
        Mock::given(method("POST"))
            .and(wiremock::matchers::body_string_contains(op))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "data": data })))
            .mount(&s.api)
            .await;
    }

    let renamed = s.run(MEDIA_DRIVE, &["rename", "i1", "Site {A}"]);
    let moved = s.run(MEDIA_DRIVE, &["move", "i1", "--to", "f2"]);
    let deleted = s.run(MEDIA_DRIVE, &["delete", "i1", "i2", "--output", "json"]);

    renamed.expect_code(0);
    assert!(
        renamed.stdout().contains("renamed i1"),
        "{}",
        renamed.stdout()
    );
    moved.expect_code(0);
    assert!(moved.stdout().contains("moved i1 into f2"));
    deleted.expect_code(0);
    let json: Value = serde_json::from_str(&deleted.stdout()).unwrap();
    assert_eq!(json["deleteItems"], json!(["i1", "i2"]));
    let bodies: Vec<Value> = s.requests().await.iter().map(body).collect();
    assert_eq!(
        bodies[0]["variables"],
        json!({"id": "i1", "newName": "Site {A}"})
    );
    assert_eq!(bodies[1]["variables"], json!({"id": "i1", "to": "f2"}));
    assert_eq!(bodies[2]["variables"], json!({"id0": "i1", "id1": "i2"}));
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
    let api = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(Drive)
        .mount(&api)
        .await;
    let mut env = aws.env();
    env.extend(url_env(&api.uri()));
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
}
