//! Personal access tokens and the analytics API in the library: exact paths and headers, pulls
//! that stay in page order under concurrency, retries, resumable partial files and CSV quoting,
//! against wiremock serving generated pages.

use std::time::Duration;

use serde_json::{Value, json};
use unleashlive_auth::api::analytics::Analytics;
use unleashlive_auth::api::analytics::pull::{
    Devices, Format, PullSpec, partial_path, pull, pull_to_file, sidecar_path,
};
use unleashlive_auth::{ApiKey, Auth, Error, ErrorClass};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{KEYS, PAT, Pages, client, data_pages_requested, expected_csv, pat, spec};
use crate::util::emulator::require;
use crate::util::unleash::assert_only_auth;

async fn pull_csv(c: &Analytics, s: &PullSpec) -> Result<String, Error> {
    let mut out = Vec::new();
    pull(c, s, &mut out, |_| {}).await?;
    Ok(String::from_utf8(out).unwrap())
}

#[tokio::test]
async fn every_call_uses_its_exact_path_and_only_the_bearer_header() {
    let server = MockServer::start().await;
    for (p, body) in [
        ("/v1/analytics/version", json!("1.0.1")),
        ("/v1/analytics/devices", json!(["Wb8fabc31378ce07"])),
        (
            "/v1/analytics/sessions",
            json!(["1597644726430", 1_597_644_726_431_i64]),
        ),
    ] {
        Mock::given(method("GET"))
            .and(path(p))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path_regex(r"^/v1/analytics/tableau/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{"count": 3}])))
        .mount(&server)
        .await;
    Pages::new(1, 1).mount(&server).await;
    let c = client(&server, pat());
    assert_eq!(c.version().await.unwrap(), "1.0.1");
    assert_eq!(c.devices().await.unwrap(), ["Wb8fabc31378ce07"]);
    assert_eq!(
        c.sessions().await.unwrap(),
        ["1597644726430", "1597644726431"]
    );
    let page = c.data("dev 1/x?", 1_000, 2_000, 1).await.unwrap();
    assert_eq!(page.keys, KEYS);
    assert_eq!(page.total_num_pages, 1);
    let tableau = c.tableau("W1", 1_000, 2_000, 2).await.unwrap();
    assert_eq!(tableau.rows[0]["count"], json!(3));
    assert_eq!(tableau.total_num_pages, None);

    let requests = server.received_requests().await.unwrap();
    let paths: Vec<&str> = requests.iter().map(|r| r.url.path()).collect();
    assert_eq!(
        paths,
        [
            "/v1/analytics/version",
            "/v1/analytics/devices",
            "/v1/analytics/sessions",
            "/v1/analytics/dev%201%2Fx%3F/1000/2000/1",
            "/v1/analytics/tableau/W1/1000/2000/2",
        ]
    );
    for r in &requests {
        assert_only_auth(r, "authorization", &format!("Bearer {PAT}"));
    }
}

#[tokio::test]
async fn a_legacy_api_key_goes_in_x_api_key_alone() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/analytics/version"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"version": "1.0.2"})))
        .mount(&server)
        .await;
    let c = client(&server, Auth::ApiKey(ApiKey::new("legacy-key-1")));
    assert_eq!(c.version().await.unwrap(), "1.0.2");
    let requests = server.received_requests().await.unwrap();
    assert_only_auth(&requests[0], "x-api-key", "legacy-key-1");
}

#[tokio::test]
async fn a_pull_is_the_pages_in_order_even_when_they_answer_out_of_order() {
    require!(python);
    let server = MockServer::start().await;
    let mut pages = Pages::new(4, 4);
    // Page 4 answers first, then 3, then 2.
    pages.delays.insert(2, Duration::from_millis(400));
    pages.delays.insert(3, Duration::from_millis(300));
    pages.mount(&server).await;
    let started = std::time::Instant::now();
    let csv = pull_csv(&client(&server, pat()), &spec("W1", Format::Csv, 4))
        .await
        .unwrap();
    assert_eq!(csv, expected_csv(&["W1"], 4, 4));
    // One after the other would take 700 ms: pages 2-4 were in flight together.
    assert!(
        started.elapsed() < Duration::from_millis(650),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn values_with_commas_quotes_and_newlines_are_quoted_in_csv() {
    let server = MockServer::start().await;
    Pages::new(1, 3).mount(&server).await;
    let csv = pull_csv(&client(&server, pat()), &spec("W1", Format::Csv, 1))
        .await
        .unwrap();
    assert_eq!(
        csv,
        "class_name,count,device_id,frame_number,note\n\
         class-1,0,W1,100,plain\n\
         class-1,1,W1,101,\"a, b 1\"\n\
         class-1,2,W1,102,\"say \"\"hi\"\"\nbye\"\n"
    );
}

#[tokio::test]
async fn json_lines_are_objects_keyed_by_the_pages_keys() {
    let server = MockServer::start().await;
    Pages::new(2, 2).mount(&server).await;
    let text = pull_csv(&client(&server, pat()), &spec("W1", Format::Jsonl, 2))
        .await
        .unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[3]["frame_number"], json!(201));
    assert_eq!(lines[3]["device_id"], json!("W1"));
}

#[tokio::test]
async fn a_page_failing_twice_is_retried_and_the_pull_completes() {
    let server = MockServer::start().await;
    let pages = Pages::new(3, 2).mount(&server).await;
    pages.fail(2, 2);
    let csv = pull_csv(&client(&server, pat()), &spec("W1", Format::Csv, 2))
        .await
        .unwrap();
    assert_eq!(csv, expected_csv(&["W1"], 3, 2));
    assert_eq!(
        data_pages_requested(&server)
            .await
            .iter()
            .filter(|p| **p == 2)
            .count(),
        3
    );
}

#[tokio::test]
async fn a_page_failing_for_good_leaves_a_resumable_partial_that_resume_completes_once() {
    let server = MockServer::start().await;
    let pages = Pages::new(5, 3).mount(&server).await;
    pages.fail(3, u32::MAX);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("w1.csv");
    let c = client(&server, pat());
    let s = spec("W1", Format::Csv, 4);

    let err = pull_to_file(&c, &s, &out, false, |_| {}).await.unwrap_err();
    assert!(matches!(err, Error::Http { status: 500, .. }), "{err}");
    assert!(err.to_string().contains("/1000/2000/3"), "{err}");
    assert!(!out.exists(), "nothing at the final path");
    let partial = std::fs::read_to_string(partial_path(&out)).unwrap();
    assert_eq!(partial, expected_csv(&["W1"], 2, 3), "pages 1-2 only");
    assert!(sidecar_path(&out).exists());

    // Without --resume the partial pull is not overwritten.
    let refused = pull_to_file(&c, &s, &out, false, |_| {}).await.unwrap_err();
    assert!(refused.to_string().contains("resume it"), "{refused}");

    // A torn write after the checkpoint is cut off, not duplicated.
    let mut torn = partial.clone();
    torn.push_str("class-3,0,W1,30");
    std::fs::write(partial_path(&out), torn).unwrap();
    pages.fail(3, 0);
    server.reset().await;
    pages.clone().mount(&server).await;
    let done = pull_to_file(&c, &s, &out, true, |_| {}).await.unwrap();
    assert!(done.resumed);
    assert_eq!(done.rows, 15);
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        expected_csv(&["W1"], 5, 3)
    );
    assert!(!partial_path(&out).exists() && !sidecar_path(&out).exists());
    assert_eq!(
        data_pages_requested(&server).await,
        [3, 4, 5],
        "no page fetched twice"
    );
}

#[tokio::test]
async fn a_page_with_other_keys_is_an_error_not_a_misaligned_csv() {
    let server = MockServer::start().await;
    let mut pages = Pages::new(3, 1);
    pages.other_keys = Some(2);
    pages.mount(&server).await;
    let err = pull_csv(&client(&server, pat()), &spec("W1", Format::Csv, 2))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("page 2 of W1 has the columns"),
        "{err}"
    );
}

#[tokio::test]
async fn device_all_pulls_every_listed_device_in_turn() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/analytics/devices"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!(["A1", "B2"])))
        .mount(&server)
        .await;
    Pages::new(2, 2).mount(&server).await;
    let mut s = spec("x", Format::Csv, 3);
    s.devices = Devices::All;
    let csv = pull_csv(&client(&server, pat()), &s).await.unwrap();
    assert_eq!(csv, expected_csv(&["A1", "B2"], 2, 2));
}

#[tokio::test]
async fn a_refused_token_is_an_authentication_error_naming_the_likely_causes() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/analytics/version"))
        .respond_with(ResponseTemplate::new(401).set_body_string("Unauthorized"))
        .mount(&server)
        .await;
    let err = client(&server, pat()).version().await.unwrap_err();
    assert_eq!(err.class(), ErrorClass::Authentication);
    let text = err.to_string();
    for cause in ["expired", "revoked", "role"] {
        assert!(text.contains(cause), "{text}");
    }
    assert!(!text.contains(PAT));
}
