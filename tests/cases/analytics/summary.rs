//! `analytics summary`: the accumulator (timestamps as ISO-8601 text or ms, UTC day
//! boundaries, float counts, each error) and the CLI over pages of two devices.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use unleashlive_auth::api::analytics::parse_page;
use unleashlive_auth::api::analytics::pull::Devices;
use unleashlive_auth::api::analytics::summary::{Count, Fetched, Summary, summarize};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use super::{PAT, client, pat};
use crate::util::{Home, with};

/// The documented columns, in the documented order.
const KEYS: [&str; 8] = [
    "class_name",
    "count",
    "device_id",
    "frame_number",
    "model_id",
    "session_id",
    "source_file_name",
    "timestamp",
];

/// 2024-05-01T00:00:00Z in Unix ms.
const MAY_1: i64 = 1_714_521_600_000;
const DAY: i64 = 86_400_000;

fn full_row(class: &str, count: Value, device: &str, timestamp: Value) -> Value {
    json!([class, count, device, 7, "m1", "s1", "a.mp4", timestamp])
}

fn page_of(rows: Vec<Value>) -> Value {
    json!({"keys": KEYS, "data": rows, "total_num_pages": 1})
}

fn add(summary: &mut Summary, body: Value) -> unleashlive_auth::Result<()> {
    summary.add_page(&parse_page(body, "W1", 2).unwrap(), "W1", 2)
}

#[test]
fn iso_and_millisecond_timestamps_fall_on_their_utc_day() {
    let mut s = Summary::new();
    let rows = vec![
        // The last millisecond of 05-01 in UTC, written with an offset that is 05-02 locally.
        full_row(
            "person",
            json!(1),
            "W1",
            json!("2024-05-02T09:59:59.999+10:00"),
        ),
        full_row("person", json!(2), "W1", json!(MAY_1 + DAY)),
        full_row(
            "person",
            json!(4),
            "W1",
            json!(format!("{}", MAY_1 + DAY - 1)),
        ),
        full_row("car", json!("3"), "W1", json!("2024-05-01T00:00:00.000Z")),
    ];
    add(&mut s, page_of(rows)).unwrap();
    assert_eq!(s.rows(), 4);
    assert_eq!(
        s.to_json(),
        json!({"classes": [
            {"class": "person", "total": 7, "perDay": {"2024-05-01": 5, "2024-05-02": 2}},
            {"class": "car", "total": 3, "perDay": {"2024-05-01": 3}},
        ]})
    );
}

#[test]
fn a_float_count_makes_only_that_classs_numbers_floats_and_ties_sort_by_name() {
    let mut s = Summary::new();
    let rows = vec![
        full_row("b-float", json!(1.5), "W1", json!(MAY_1)),
        full_row("b-float", json!(1), "W1", json!(MAY_1 + DAY)),
        full_row("a-int", json!(2), "W1", json!(MAY_1)),
        full_row("z-int", json!(2), "W1", json!(MAY_1)),
        full_row("a-int", json!(0.5), "W1", json!(MAY_1)),
    ];
    add(&mut s, page_of(rows)).unwrap();
    // Exact text: integers stay integers, floats are floats.
    assert_eq!(
        serde_json::to_string(&s).unwrap(),
        r#"{"classes":[{"class":"a-int","total":2.5,"perDay":{"2024-05-01":2.5}},{"class":"b-float","total":2.5,"perDay":{"2024-05-01":1.5,"2024-05-02":1.0}},{"class":"z-int","total":2,"perDay":{"2024-05-01":2}}]}"#
    );
    assert_eq!(s.classes()[2].total, Count::Int(2));
}

#[test]
fn each_bad_page_is_an_error_naming_the_column_page_and_value() {
    let cases = [
        (
            json!({"keys": ["class_name", "timestamp"], "data": [["a", 1]], "total_num_pages": 1}),
            vec!["page 2 of W1", "no `count` column", "class_name, timestamp"],
        ),
        (
            page_of(vec![full_row("a", json!("many"), "W1", json!(MAY_1))]),
            vec![
                "page 2 of W1",
                "row 1",
                "`count`",
                "\"many\"",
                "not a number",
            ],
        ),
        (
            page_of(vec![
                full_row("a", json!(1), "W1", json!(MAY_1)),
                full_row("a", json!(1), "W1", json!("yesterday")),
            ]),
            vec![
                "page 2 of W1",
                "row 2",
                "`timestamp`",
                "\"yesterday\"",
                "ISO-8601",
            ],
        ),
        (
            page_of(vec![full_row("a", json!(1), "W1", json!(null))]),
            vec!["`timestamp` is null"],
        ),
        (
            page_of(vec![json!([7, 1, "W1", 7, "m", "s", "f", MAY_1])]),
            vec!["`class_name` is 7, not text"],
        ),
    ];
    for (body, needles) in cases {
        let err = add(&mut Summary::new(), body).unwrap_err().to_string();
        for needle in needles {
            assert!(err.contains(needle), "{needle:?} not in {err}");
        }
    }
    // A page without rows needs no columns.
    let empty = json!({"keys": [], "data": [], "total_num_pages": 0});
    add(&mut Summary::new(), empty).unwrap();
}

/// Pages of the documented columns: `W1` has 3 pages, `W2` 2. Page `p` holds a `person` row
/// of count `p` at the last millisecond of day `p` (ISO text) and a `car` row of count `10p`
/// at midnight of day `p + 1` (ms number), day 1 being 2024-05-01.
struct TwoDevices {
    delay: Duration,
}

impl Respond for TwoDevices {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let parts: Vec<&str> = request.url.path().split('/').collect();
        let (device, page) = (parts[3], parts[6].parse::<i64>().unwrap());
        let total = if device == "W1" { 3 } else { 2 };
        let end_of_day = format!("2024-05-0{page}T23:59:59.999Z");
        let rows = vec![
            full_row("person", json!(page), device, json!(end_of_day)),
            full_row("car", json!(10 * page), device, json!(MAY_1 + page * DAY)),
        ];
        let body = json!({"keys": KEYS, "data": rows, "total_num_pages": total});
        ResponseTemplate::new(200)
            .set_body_json(body)
            .set_delay(self.delay)
    }
}

async fn two_devices() -> MockServer {
    two_devices_after(Duration::ZERO).await
}

async fn two_devices_after(delay: Duration) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/analytics/devices"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!(["W1", "W2"])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/v1/analytics/W[12]/\d+/\d+/\d+$"))
        .respond_with(TwoDevices { delay })
        .mount(&server)
        .await;
    server
}

fn summary_args<'a>(device: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "analytics",
        "summary",
        "--device",
        device,
        "--from",
        "2024-05-01",
        "--to",
        "2024-05-05",
    ];
    args.extend_from_slice(extra);
    args
}

const TWO_DEVICES_JSON: &str = r#"{"classes":[{"class":"car","total":90,"perDay":{"2024-05-02":20,"2024-05-03":40,"2024-05-04":30}},{"class":"person","total":9,"perDay":{"2024-05-01":2,"2024-05-02":4,"2024-05-03":3}}]}"#;

#[tokio::test(flavor = "multi_thread")]
async fn cli_summary_of_all_devices_fetches_each_page_once_first_pages_first() {
    let server = two_devices().await;
    let home = Home::new();
    let env = with(
        &[("UL_API_URL".into(), server.uri())],
        &[("UL_API_TOKEN", PAT)],
    );
    let run = home.run(
        &summary_args("all", &["--output", "json", "--concurrency", "3"]),
        &env,
        None,
    );
    run.expect_code(0);
    assert_eq!(run.stdout().trim_end(), TWO_DEVICES_JSON);

    let requests = server.received_requests().await.unwrap();
    let pages: Vec<String> = requests.iter().map(|r| r.url.path().to_owned()).collect();
    assert_eq!(pages[0], "/v1/analytics/devices");
    let from_to = format!("{MAY_1}/{}", MAY_1 + 4 * DAY);
    let mut firsts = pages[1..3].to_vec();
    firsts.sort();
    assert_eq!(
        firsts,
        [
            format!("/v1/analytics/W1/{from_to}/1"),
            format!("/v1/analytics/W2/{from_to}/1")
        ]
    );
    let mut rest = pages[3..].to_vec();
    rest.sort();
    assert_eq!(
        rest,
        [
            format!("/v1/analytics/W1/{from_to}/2"),
            format!("/v1/analytics/W1/{from_to}/3"),
            format!("/v1/analytics/W2/{from_to}/2"),
        ]
    );
    assert!(!run.stderr().contains(PAT));
}

#[tokio::test(flavor = "multi_thread")]
async fn cli_summary_text_has_the_range_then_a_sparkline_per_class() {
    let server = two_devices().await;
    let home = Home::new();
    let env = with(
        &[("UL_API_URL".into(), server.uri())],
        &[("UL_API_TOKEN", PAT)],
    );
    let run = home.run(&summary_args("W1", &[]), &env, None);
    run.expect_code(0);
    // W1 alone: person 1, 2, 3 on 05-01..03; car 10, 20, 30 on 05-02..04.
    let want = "2024-05-01 to 2024-05-04 (UTC, 4 days), device W1; one mark per day, ▁ to █ \
                scaled per class, a space for none:\n\
                car     60   ▃▆█\n\
                person   6  ▃▆█ \n";
    assert_eq!(run.stdout(), want);
    // Only W1's pages, no device list.
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 3);
    assert!(requests.iter().all(|r| r.url.path().contains("/W1/")));
}

#[tokio::test(flavor = "multi_thread")]
async fn cli_summary_without_a_credential_exits_3_and_a_bad_range_2() {
    let server = two_devices().await;
    let home = Home::new();
    let env = vec![("UL_API_URL".to_owned(), server.uri())];
    home.run(&summary_args("W1", &[]), &env, None)
        .expect_code(3)
        .expect_stderr("no analytics credential");
    let env = with(&env, &[("UL_API_TOKEN", PAT)]);
    let args = [
        "analytics",
        "summary",
        "--device",
        "W1",
        "--from",
        "2024-05-02",
        "--to",
        "2024-05-01",
    ];
    home.run(&args, &env, None)
        .expect_code(2)
        .expect_stderr("after --to");
    let missing = ["analytics", "summary", "--device", "W1"];
    home.run(&missing, &env, None).expect_code(2);
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn summarize_fetches_first_pages_then_the_rest_at_most_concurrency_at_once() {
    // Every page takes 400 ms. At 2 at once: the two first pages (400 ms), then W1's pages 2
    // and 3 and W2's page 2 (800 ms more). All at once would take 800 ms.
    let server = two_devices_after(Duration::from_millis(400)).await;
    let c = client(&server, pat());
    let devices = Devices::List(vec!["W1".into(), "W2".into()]);
    let mut seen: Vec<Fetched> = Vec::new();
    let started = Instant::now();
    let summary = summarize(&c, &devices, MAY_1, MAY_1 + 4 * DAY, 2, |f| {
        seen.push(f.clone());
    })
    .await
    .unwrap();
    let took = started.elapsed();
    // Never more than 2 at once (all at once would end near 800 ms). Only a lower bound: a
    // slow machine can make it later, never earlier.
    assert!(took >= Duration::from_millis(1150), "{took:?}");
    assert_eq!(serde_json::to_string(&summary).unwrap(), TWO_DEVICES_JSON);
    let pages: Vec<(u64, u64, u64)> = seen
        .iter()
        .map(|f| (f.pages, f.total_pages, f.rows))
        .collect();
    // The page counts are known once both first pages are in: 3 + 2.
    assert_eq!(pages[1..], [(2, 5, 4), (3, 5, 6), (4, 5, 8), (5, 5, 10)]);
    assert_eq!(pages[0].0, 1);
}
