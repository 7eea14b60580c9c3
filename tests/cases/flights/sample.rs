//! The `flights` sample end to end with the session `ul-auth login` cached (wiremock for the REST
//! API and the CDN): every page, incomplete listings said as such, and which credential it uses.

use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use super::{FLIGHTS, FROM, PAT, Pages, Sample, TO, assert_pages, log, three_pages};
use crate::util::unleash::{
    assert_no_auth, assert_only_auth, interrupt, names_in, run_sample, stalling_server, url_env,
};
use crate::util::{Home, with};

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
    let mut child = home
        .command_of(
            FLIGHTS,
            &["download", "--s3-path", "team/a/big.txt", "--out"],
            &env,
        )
        .arg(&out_dir)
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

    let (status, stderr) = interrupt(&mut child, err_file);
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

#[tokio::test(flavor = "multi_thread")]
async fn flights_list_sends_rfc3339_dates_as_ms_and_download_first_fetches_its_log() {
    let s = Sample::new().await;
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

    let list = s.run(&[&["list"][..], &range].concat());
    let out_dir = s.home.dir.path().join("logs");
    let download_args = [
        &["download", "--first", "--out", out_dir.to_str().unwrap()][..],
        &range,
    ]
    .concat();
    let download = s.run(&download_args);

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
