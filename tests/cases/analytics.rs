//! Issue 8: personal access tokens and the analytics API — exact paths and headers, pulls that
//! stay in page order under concurrency, retries, resumable partial files, CSV quoting, and the
//! `ul-auth pat` / `ul-auth analytics` commands — against wiremock serving generated pages.

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use unleashlive_auth::api::analytics::Analytics;
use unleashlive_auth::api::analytics_pull::{
    Devices, Format, PullSpec, partial_path, pull, pull_to_file, sidecar_path,
};
use unleashlive_auth::{ApiKey, Auth, Error, ErrorClass, PersonalAccessToken, Settings};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::util::unleash::{assert_only_auth, fast_http};
use crate::util::{Home, with};

const PAT: &str = "ul_pat_T0psecretT0psecret9Qz7";
const KEYS: [&str; 5] = ["class_name", "count", "device_id", "frame_number", "note"];

/// The values of row `i` of `page`: some notes hold commas, quotes and line breaks.
fn row(device: &str, page: u64, i: usize) -> Vec<Value> {
    let note = match i % 3 {
        0 => "plain".to_owned(),
        1 => format!("a, b {page}"),
        _ => "say \"hi\"\nbye".to_owned(),
    };
    vec![
        json!(format!("class-{page}")),
        json!(i),
        json!(device),
        json!(page * 100 + i as u64),
        json!(note),
    ]
}

/// Generated pages of `rows` rows, `total` pages per device; per-page delays and failures.
#[derive(Clone)]
struct Pages {
    total: u64,
    rows: usize,
    delays: HashMap<u64, Duration>,
    /// Failures (HTTP 500) still to give per page; `u32::MAX` = until changed.
    failures: Arc<Mutex<HashMap<u64, u32>>>,
    /// A page answered with other keys.
    other_keys: Option<u64>,
}

impl Pages {
    fn new(total: u64, rows: usize) -> Self {
        Pages {
            total,
            rows,
            delays: HashMap::new(),
            failures: Arc::default(),
            other_keys: None,
        }
    }

    async fn mount(self, server: &MockServer) -> Self {
        Mock::given(method("GET"))
            .and(path_regex(r"^/v1/analytics/[^/]+/\d+/\d+/\d+$"))
            .respond_with(self.clone())
            .mount(server)
            .await;
        self
    }

    fn fail(&self, page: u64, times: u32) {
        self.failures.lock().unwrap().insert(page, times);
    }
}

impl Respond for Pages {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let parts: Vec<&str> = request.url.path().split('/').collect();
        let (device, page) = (parts[3].to_owned(), parts[6].parse::<u64>().unwrap());
        if let Some(left) = self.failures.lock().unwrap().get_mut(&page)
            && *left > 0
        {
            *left = left.saturating_sub(u32::from(*left != u32::MAX));
            return ResponseTemplate::new(500).set_body_string("boom");
        }
        let keys: Vec<&str> = if self.other_keys == Some(page) {
            vec!["renamed"; KEYS.len()]
        } else {
            KEYS.to_vec()
        };
        let data: Vec<Vec<Value>> = (0..self.rows).map(|i| row(&device, page, i)).collect();
        let body = json!({"keys": keys, "data": data, "total_num_pages": self.total});
        ResponseTemplate::new(200)
            .set_body_json(body)
            .set_delay(self.delays.get(&page).copied().unwrap_or_default())
    }
}

/// A CSV field written independently of the crate's writer.
fn field(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// The CSV of pages 1..=total of each device, in order, with one header.
fn expected_csv(devices: &[&str], total: u64, rows: usize) -> String {
    let mut out = format!("{}\n", KEYS.join(","));
    for device in devices {
        for page in 1..=total {
            for i in 0..rows {
                let line: Vec<String> = row(device, page, i).iter().map(field).collect();
                out.push_str(&line.join(","));
                out.push('\n');
            }
        }
    }
    out
}

fn client(server: &MockServer, auth: Auth) -> Analytics {
    let config = Settings::default().api_url(server.uri()).resolve().unwrap();
    Analytics::new(fast_http(), auth, &config)
}

fn pat() -> Auth {
    Auth::Pat(PersonalAccessToken::new(PAT))
}

fn spec(device: &str, format: Format, concurrency: usize) -> PullSpec {
    PullSpec {
        devices: Devices::List(vec![device.to_owned()]),
        from_ms: 1_000,
        to_ms: 2_000,
        format,
        concurrency,
    }
}

async fn pull_csv(c: &Analytics, s: &PullSpec) -> Result<String, Error> {
    let mut out = Vec::new();
    pull(c, s, &mut out, |_| {}).await?;
    Ok(String::from_utf8(out).unwrap())
}

async fn data_pages_requested(server: &MockServer) -> Vec<u64> {
    let requests = server.received_requests().await.unwrap();
    requests
        .iter()
        .filter_map(|r| r.url.path().rsplit('/').next()?.parse().ok())
        .collect()
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
    assert!(refused.to_string().contains("--resume"), "{refused}");

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

fn api_env(server: &MockServer) -> Vec<(String, String)> {
    vec![("UL_API_URL".into(), server.uri())]
}

#[tokio::test(flavor = "multi_thread")]
async fn cli_exits_3_on_401_with_the_causes_and_never_shows_the_token() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/analytics/version"))
        .respond_with(ResponseTemplate::new(403).set_body_string("Forbidden"))
        .mount(&server)
        .await;
    let home = Home::new();
    let env = with(&api_env(&server), &[("UL_API_TOKEN", PAT)]);
    let run = home.run(&["analytics", "version"], &env, None);
    run.expect_code(3);
    let shown = format!("{}{}", run.stdout(), run.stderr());
    assert!(
        shown.contains("expired") && shown.contains("revoked"),
        "{shown}"
    );
    assert!(!shown.contains(PAT));
}

#[tokio::test(flavor = "multi_thread")]
async fn pat_set_then_status_shows_prefix_and_last_four_only_in_a_0600_file() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/analytics/devices"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!(["W1", "W2"])))
        .mount(&server)
        .await;
    let home = Home::new();
    let env = api_env(&server);
    let set = home.run(
        &["pat", "set", "--token-stdin"],
        &env,
        Some(&format!("{PAT}\n")),
    );
    set.expect_code(0);
    let status = home.run(&["pat", "status"], &env, None);
    status.expect_code(0);
    assert!(
        status.stdout().contains("ul_pat_…9Qz7"),
        "{}",
        status.stdout()
    );
    let file = home.cache_dir().join("default.pat.json");
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    // The stored token does not replace the Cognito session file of the profile.
    assert!(!home.cache_file("default").exists());

    // The analytics commands use it.
    let devices = home.run(&["--output", "json", "analytics", "devices"], &env, None);
    devices.expect_code(0);
    assert_eq!(
        serde_json::from_str::<Value>(&devices.stdout()).unwrap(),
        json!(["W1", "W2"])
    );
    let requests = server.received_requests().await.unwrap();
    assert_only_auth(&requests[0], "authorization", &format!("Bearer {PAT}"));

    for run in [&set, &status, &devices] {
        assert!(!run.stdout().contains(PAT) && !run.stderr().contains(PAT));
    }
    home.run(&["pat", "forget"], &env, None).expect_code(0);
    home.run(&["pat", "status"], &env, None).expect_code(3);
}

#[tokio::test(flavor = "multi_thread")]
async fn cli_pull_writes_the_file_and_warns_about_an_unprefixed_token_without_showing_it() {
    let server = MockServer::start().await;
    Pages::new(3, 2).mount(&server).await;
    let home = Home::new();
    let env = with(
        &api_env(&server),
        &[("UL_API_TOKEN", "legacy-looking-token-42")],
    );
    let out = home.dir.path().join("out.csv");
    let run = home.run(
        &[
            "analytics",
            "pull",
            "--device",
            "W1",
            "--from",
            "1970-01-01T00:00:01Z",
            "--to",
            "2000",
            "--out",
            out.to_str().unwrap(),
        ],
        &env,
        None,
    );
    run.expect_code(0);
    assert!(
        run.stderr().contains("does not start with ul_pat_"),
        "{}",
        run.stderr()
    );
    assert!(!run.stderr().contains("legacy-looking-token-42"));
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        expected_csv(&["W1"], 3, 2)
    );
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests[0].url.path(), "/v1/analytics/W1/1000/2000/1");
}

#[tokio::test(flavor = "multi_thread")]
async fn cli_pull_that_fails_exits_4_keeps_a_partial_and_resume_finishes_it() {
    let server = MockServer::start().await;
    let pages = Pages::new(4, 2).mount(&server).await;
    pages.fail(3, u32::MAX);
    let home = Home::new();
    let env = with(&api_env(&server), &[("UL_API_TOKEN", PAT)]);
    let out = home.dir.path().join("pull.jsonl");
    let out_s = out.to_str().unwrap();
    let args = [
        "analytics",
        "pull",
        "--device",
        "W1",
        "--from",
        "1000",
        "--to",
        "2000",
        "--format",
        "jsonl",
        "--out",
        out_s,
    ];
    let failed = home.run(&args, &env, None);
    failed.expect_code(4);
    assert!(failed.stderr().contains("--resume"), "{}", failed.stderr());
    assert!(!out.exists());
    let partial = std::fs::read_to_string(partial_path(&out)).unwrap();
    assert_eq!(partial.lines().count(), 4, "pages 1-2");

    pages.fail(3, 0);
    let resumed = home.run(&[&args[..], &["--resume"]].concat(), &env, None);
    resumed.expect_code(0);
    let lines: Vec<Value> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let frames: Vec<i64> = lines
        .iter()
        .map(|l| l["frame_number"].as_i64().unwrap())
        .collect();
    assert_eq!(frames, [100, 101, 200, 201, 300, 301, 400, 401]);
}

/// A pull of `W1` (4 pages of 3 rows) into `dir/w1.csv` that failed on page 3, leaving the
/// partial file (pages 1-2) and its checkpoint; page 3 answers again afterwards.
async fn stopped_pull(server: &MockServer, dir: &std::path::Path) -> (Analytics, PullSpec) {
    let pages = Pages::new(4, 3).mount(server).await;
    pages.fail(3, u32::MAX);
    let c = client(server, pat());
    let s = spec("W1", Format::Csv, 1);
    pull_to_file(&c, &s, &dir.join("w1.csv"), false, |_| {})
        .await
        .unwrap_err();
    pages.fail(3, 0);
    (c, s)
}

#[tokio::test]
async fn a_resume_refuses_a_partial_shorter_than_its_checkpoint_and_leaves_it_alone() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("w1.csv");
    let (c, s) = stopped_pull(&server, dir.path()).await;
    let partial = std::fs::read(partial_path(&out)).unwrap();
    // The last row lost (a copy cut short, a crash before the data reached the disk).
    let short = &partial[..partial.len() - 5];
    std::fs::write(partial_path(&out), short).unwrap();
    let fetched = data_pages_requested(&server).await.len();

    let err = pull_to_file(&c, &s, &out, true, |_| {}).await.unwrap_err();

    assert!(matches!(err, Error::File { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("shorter than") && text.contains(&partial.len().to_string()),
        "{text}"
    );
    assert_eq!(
        std::fs::read(partial_path(&out)).unwrap(),
        short,
        "not padded"
    );
    assert!(sidecar_path(&out).exists() && !out.exists());
    assert_eq!(
        data_pages_requested(&server).await.len(),
        fetched,
        "nothing fetched"
    );
}

#[tokio::test]
async fn a_resume_refuses_a_checkpoint_that_disagrees_with_the_command_or_the_partial() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/analytics/devices"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!(["W1"])))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("w1.csv");
    let (c, s) = stopped_pull(&server, dir.path()).await;
    let partial = std::fs::read_to_string(partial_path(&out)).unwrap();
    let sidecar = std::fs::read(sidecar_path(&out)).unwrap();
    let fetched = data_pages_requested(&server).await.len();

    let mut all = s.clone();
    all.devices = Devices::All;
    let mut later = s.clone();
    later.to_ms += 1;
    let mut jsonl = s.clone();
    jsonl.format = Format::Jsonl;
    for (other, says) in [
        (&all, "--device W1 there, all here"),
        (&later, "--to 2000 there, 2001 here"),
        (&jsonl, "--format csv there, jsonl here"),
    ] {
        let err = pull_to_file(&c, other, &out, true, |_| {})
            .await
            .unwrap_err();
        assert!(err.to_string().contains(says), "{err}");
    }

    // The partial's header is not the columns the checkpoint records.
    let renamed = partial.replacen("class_name", "CLASS_NAME", 1);
    std::fs::write(partial_path(&out), &renamed).unwrap();
    let err = pull_to_file(&c, &s, &out, true, |_| {}).await.unwrap_err();
    assert!(err.to_string().contains("CSV header"), "{err}");
    assert_eq!(
        std::fs::read_to_string(partial_path(&out)).unwrap(),
        renamed
    );

    assert_eq!(
        data_pages_requested(&server).await.len(),
        fetched,
        "nothing fetched"
    );
    assert_eq!(
        std::fs::read(sidecar_path(&out)).unwrap(),
        sidecar,
        "unchanged"
    );
    // What was refused is still there to resume with the right command.
    std::fs::write(partial_path(&out), &partial).unwrap();
    let done = pull_to_file(&c, &s, &out, true, |_| {}).await.unwrap();
    assert!(done.resumed);
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        expected_csv(&["W1"], 4, 3)
    );
}

#[tokio::test]
async fn a_fifo_at_the_checkpoint_or_partial_path_is_refused_at_once_not_waited_on() {
    let server = MockServer::start().await;
    Pages::new(2, 2).mount(&server).await;
    let c = client(&server, pat());
    let s = spec("W1", Format::Csv, 1);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("w1.csv");
    let mkfifo = |path: &std::path::Path| {
        let status = std::process::Command::new("mkfifo")
            .arg(path)
            .status()
            .unwrap();
        assert!(status.success());
    };

    for (at, resume) in [(sidecar_path(&out), true), (partial_path(&out), false)] {
        mkfifo(&at);
        let outcome = tokio::time::timeout(
            std::time::Duration::from_secs(20),
            pull_to_file(&c, &s, &out, resume, |_| {}),
        )
        .await
        .expect("the pull waited on a FIFO");
        let err = outcome.unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
        std::fs::remove_file(&at).unwrap();
    }
}

#[tokio::test]
async fn symlinks_at_the_partial_or_checkpoint_paths_are_refused_and_nothing_goes_through_them() {
    use std::os::unix::fs::symlink;
    let server = MockServer::start().await;
    Pages::new(2, 2).mount(&server).await;
    let c = client(&server, pat());
    let s = spec("W1", Format::Csv, 1);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("w1.csv");
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "precious").unwrap();
    let refused = |err: Error, at: std::path::PathBuf| {
        assert!(matches!(err, Error::File { .. }), "{err:?}");
        let text = err.to_string();
        assert!(
            text.contains("symbolic link") && text.contains(at.to_str().unwrap()),
            "{text}"
        );
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        assert!(!out.exists());
    };
    let tmp = dir.path().join("w1.csv.partial.json.tmp");

    // A fresh pull: the partial file is a link.
    symlink(&victim, partial_path(&out)).unwrap();
    refused(
        pull_to_file(&c, &s, &out, false, |_| {}).await.unwrap_err(),
        partial_path(&out),
    );
    assert!(
        data_pages_requested(&server).await.is_empty(),
        "nothing fetched"
    );
    std::fs::remove_file(partial_path(&out)).unwrap();

    // The checkpoint's temporary file is a link.
    symlink(&victim, &tmp).unwrap();
    refused(
        pull_to_file(&c, &s, &out, false, |_| {}).await.unwrap_err(),
        tmp.clone(),
    );
    std::fs::remove_file(&tmp).unwrap();
    std::fs::remove_file(partial_path(&out)).unwrap();

    // The checkpoint is a link.
    symlink(&victim, sidecar_path(&out)).unwrap();
    refused(
        pull_to_file(&c, &s, &out, true, |_| {}).await.unwrap_err(),
        sidecar_path(&out),
    );
    std::fs::remove_file(sidecar_path(&out)).unwrap();

    // A resume whose partial file was replaced by a link to another file.
    server.reset().await;
    let pages = Pages::new(3, 2).mount(&server).await;
    pages.fail(3, u32::MAX);
    pull_to_file(&c, &s, &out, false, |_| {}).await.unwrap_err();
    let moved = dir.path().join("moved.csv");
    std::fs::rename(partial_path(&out), &moved).unwrap();
    let kept = std::fs::read(&moved).unwrap();
    symlink(&moved, partial_path(&out)).unwrap();
    pages.fail(3, 0);
    refused(
        pull_to_file(&c, &s, &out, true, |_| {}).await.unwrap_err(),
        partial_path(&out),
    );
    assert_eq!(std::fs::read(&moved).unwrap(), kept);
}

#[tokio::test(flavor = "multi_thread")]
async fn cli_text_output_escapes_control_and_format_characters_and_json_keeps_them() {
    let server = MockServer::start().await;
    let devices = json!(["W1\u{1b}]0;owned\u{7}", "cod\u{202e}gpj.exe", "plain"]);
    Mock::given(path("/v1/analytics/devices"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&devices))
        .mount(&server)
        .await;
    Mock::given(path("/v1/analytics/version"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!("1.0\u{1b}[2J")))
        .mount(&server)
        .await;
    let home = Home::new();
    let env = with(&api_env(&server), &[("UL_API_TOKEN", PAT)]);

    let text = home.run(&["analytics", "devices"], &env, None);
    let version = home.run(&["analytics", "version"], &env, None);
    let json_out = home.run(&["--output", "json", "analytics", "devices"], &env, None);

    text.expect_code(0);
    assert_eq!(
        text.stdout(),
        "W1\\u{1b}]0;owned\\u{7}\ncod\\u{202e}gpj.exe\nplain\n"
    );
    version.expect_code(0);
    assert_eq!(version.stdout(), "1.0\\u{1b}[2J\n");
    json_out.expect_code(0);
    assert_eq!(
        serde_json::from_str::<Value>(&json_out.stdout()).unwrap(),
        devices
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn cli_resume_of_another_pull_exits_2_naming_what_differs_without_the_resume_hint() {
    let server = MockServer::start().await;
    let pages = Pages::new(4, 2).mount(&server).await;
    pages.fail(3, u32::MAX);
    let home = Home::new();
    let env = with(&api_env(&server), &[("UL_API_TOKEN", PAT)]);
    let out = home.dir.path().join("pull.csv");
    let args = |to: &'static str| {
        let mut args = vec!["analytics", "pull", "--device", "W1", "--from", "1000"];
        args.extend(["--to", to, "--out", out.to_str().unwrap(), "--resume"]);
        args.into_iter().map(str::to_owned).collect::<Vec<_>>()
    };
    let run = |args: Vec<String>| {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        home.run(&refs, &env, None)
    };
    run(args("2000")).expect_code(4);
    let partial = std::fs::read(partial_path(&out)).unwrap();
    pages.fail(3, 0);

    let other = run(args("3000"));

    other.expect_code(2);
    let stderr = other.stderr();
    assert!(
        stderr.contains("records another pull (--to 2000 there, 3000 here)"),
        "{stderr}"
    );
    assert!(!stderr.contains("to continue"), "{stderr}");
    assert_eq!(std::fs::read(partial_path(&out)).unwrap(), partial);
}
