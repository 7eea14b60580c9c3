//! The `tasks` sample end to end with the session `ul-auth login` cached (wiremock for the
//! REST API): every command's method, path (encoded ids), credential and body, and listings
//! over three pages (here); failures and refusals (`refusals.rs`).

mod refusals;

use serde_json::{Value, json};
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::util::Run;
use crate::util::api::SampleHome;
use crate::util::unleash::{assert_only_auth, body};

pub(super) const TASKS: &str = env!("CARGO_BIN_EXE_tasks");
pub(super) const HOSTILE: &str = "a/../b?x#y";
pub(super) const HOSTILE_ENCODED: &str = "a%2F..%2Fb%3Fx%23y";

/// A route with one waypoint, as the `mission` sample's files have it.
pub(super) fn mission() -> Value {
    json!({"desc": "Pier 3", "name": "Bridge", "speed": 5, "route": [
        {"pole": "Pole1", "wo": "WO-1", "lat": -33.85, "lng": 151.21, "altitude": 40,
         "altEGM": 62.5, "si": "dist-10"}]})
}

pub(super) fn corridor() -> Value {
    json!({"desc": "Line", "name": "Corridor", "speed": 4, "route": [
        {"lat": -33.85, "lng": 151.21, "altitude": 40, "si": "waypoint", "heading": 90,
         "pitch": -45, "speed": 3, "actions": [{"action": "TAKE_PHOTO"}]}]})
}

/// A manual flight's route: no `si`, speed per point optional.
pub(super) fn manual_route() -> Value {
    json!({"name": "Manual", "desc": "Around the pier", "speed": 5, "route": [
        {"lat": -33.7377, "lng": 151.2288, "altitude": 30.0, "speed": 3.0},
        {"lat": -33.7383, "lng": 151.2293, "altitude": 30.0}]})
}

pub(super) fn geofence() -> Value {
    json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"geofence": "inclusion", "name": "site"},
         "geometry": {"type": "Polygon", "coordinates": [[
             [151.228, -33.737, 0], [151.231, -33.737, 0], [151.231, -33.739, 0],
             [151.228, -33.737, 0]]]}},
        {"type": "Feature", "properties": {"geofence": "exclusion"},
         "geometry": {"type": "Polygon", "coordinates": [[
             [151.229, -33.738], [151.230, -33.738], [151.230, -33.7385], [151.229, -33.738]]]}},
        {"type": "Feature", "properties": {"name": "power line"},
         "geometry": {"type": "LineString",
                      "coordinates": [[151.228, -33.738, 20], [151.231, -33.738, 20]]}}]})
}

/// The signed-in home, the sample, and files written into the home.
pub(super) struct TasksSample(SampleHome);

impl std::ops::Deref for TasksSample {
    type Target = SampleHome;

    fn deref(&self) -> &SampleHome {
        &self.0
    }
}

impl TasksSample {
    pub(super) async fn new() -> TasksSample {
        TasksSample(SampleHome::new().await)
    }

    pub(super) fn run(&self, args: &[&str]) -> Run {
        self.run_exe(TASKS, args, &[])
    }

    /// Writes `value` as `name` in the home; returns its path.
    pub(super) fn file(&self, name: &str, value: &Value) -> String {
        let file = self.home.dir.path().join(name);
        std::fs::write(&file, serde_json::to_vec_pretty(value).unwrap()).unwrap();
        file.to_str().unwrap().to_owned()
    }

    pub(super) async fn answer(&self, answer: ResponseTemplate) {
        Mock::given(any())
            .respond_with(answer)
            .mount(&self.api)
            .await;
    }

    /// Panics unless exactly these calls were made, each with the session's ID token as the
    /// only credential: (method, raw path, query, JSON body or `None` for no body).
    pub(super) async fn assert_calls(&self, want: &[(&str, &str, Option<&str>, Option<Value>)]) {
        let token = self.id_token();
        let requests = self.requests().await;
        let seen: Vec<String> = requests
            .iter()
            .map(|r| format!("{} {}", r.method, r.url))
            .collect();
        assert_eq!(requests.len(), want.len(), "{seen:#?}");
        for (request, (method, path, query, sent)) in requests.iter().zip(want) {
            assert_eq!(request.method.as_str(), *method, "{}", request.url);
            assert_eq!(request.url.path(), *path);
            assert_eq!(request.url.query(), *query, "{}", request.url);
            assert_only_auth(request, "x-amz-cognito-security-token", &token);
            match sent {
                Some(sent) => {
                    assert_eq!(&body(request), sent, "{}", request.url);
                    assert_eq!(request.headers["content-type"], "application/json");
                }
                None => assert!(request.body.is_empty(), "a body on {}", request.url),
            }
        }
    }
}

pub(super) fn ok(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

pub(super) fn json_out(run: &Run) -> Value {
    run.expect_code(0);
    serde_json::from_str(&run.stdout()).unwrap_or_else(|e| panic!("{e}: {}", run.stdout()))
}

#[tokio::test(flavor = "multi_thread")]
async fn every_job_command_sends_its_call_and_prints_a_table_or_json() {
    let s = TasksSample::new().await;
    for listing in ["/v1/job", "/v1/job/team"] {
        Mock::given(method("GET"))
            .and(path(listing))
            .respond_with(ok(
                json!([{"id": "j-1", "title": "Survey\u{1b}[2J", "status": "OPEN",
                                     "assignedId": "u-7", "pk": "kept"}]),
            ))
            .mount(&s.api)
            .await;
    }
    s.answer(ok(json!({"id": HOSTILE, "title": "Survey"})))
        .await;

    let list = s.run(&["jobs", "list"]);
    let team = json_out(&s.run(&["--output", "json", "jobs", "team"]));
    let get = json_out(&s.run(&["--output", "json", "jobs", "get", HOSTILE]));
    let create = s.run(&[
        "jobs",
        "create",
        "--title",
        "Survey",
        "--description",
        "North span",
        "--user",
        "u-1",
        "--user",
        "u-2",
        "--status",
        "OPEN",
    ]);
    let update = json_out(&s.run(&[
        "--output", "json", "jobs", "update", HOSTILE, "--title", "Renamed",
    ]));
    let delete = s.run(&["jobs", "delete", HOSTILE, "--yes"]);
    let assign = s.run(&["jobs", "assign", HOSTILE, "--user", "u-9"]);

    list.expect_code(0);
    let table = list.stdout();
    assert!(table.starts_with("ID "), "{table}");
    assert!(table.contains("j-1") && table.contains("u-7"), "{table}");
    assert!(
        !table.contains('\u{1b}'),
        "control characters escaped: {table:?}"
    );
    assert_eq!(team["jobs"][0]["pk"], "kept", "unknown fields kept");
    assert_eq!(get["id"], HOSTILE);
    create.expect_code(0);
    assert_eq!(create.stdout().trim(), format!("created job {HOSTILE}"));
    assert_eq!(update["id"], HOSTILE);
    delete.expect_code(0);
    assert_eq!(delete.stdout().trim(), format!("deleted job {HOSTILE}"));
    assign.expect_code(0);
    let at = format!("/v1/job/{HOSTILE_ENCODED}");
    s.assert_calls(&[
        ("GET", "/v1/job", None, None),
        ("GET", "/v1/job/team", None, None),
        ("GET", &at, None, None),
        (
            "POST",
            "/v1/job",
            None,
            Some(json!({"title": "Survey", "description": "North span",
                        "userIds": ["u-1", "u-2"], "status": "OPEN"})),
        ),
        ("PATCH", &at, None, Some(json!({"title": "Renamed"}))),
        ("DELETE", &at, None, None),
        (
            "PATCH",
            &format!("{at}/task"),
            None,
            Some(json!({"assignedId": "u-9"})),
        ),
    ])
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_task_and_mission_command_sends_its_call_with_the_files_as_given() {
    let s = TasksSample::new().await;
    for listing in ["/v1/task", "/v1/task/team", "/v1/task/company"] {
        Mock::given(method("GET"))
            .and(path(listing))
            .respond_with(ok(json!({"items": [{"id": "t-1", "type": "FLIGHT_REQUEST",
                                               "name": "From a mission", "jobId": "j-1"}]})))
            .mount(&s.api)
            .await;
    }
    s.answer(ok(json!({"data": {"id": "t-2", "type": "FLIGHT_REQUEST"}})))
        .await;
    let mission_file = s.file("mission.json", &mission());
    let corridor_file = s.file("corridor.json", &corridor());
    let manual_file = s.file("manual.json", &manual_route());
    let fence_file = s.file("fence.geojson", &geofence());

    let assigned = s.run(&["tasks", "list"]);
    let team = json_out(&s.run(&["--output", "json", "tasks", "team"]));
    let company = s.run(&["tasks", "company", "--page-size", "25"]);
    let get = json_out(&s.run(&["--output", "json", "tasks", "get", HOSTILE]));
    let runs = [
        s.run(&[
            "tasks",
            "create",
            "--job",
            "j-1",
            "--title",
            "Pier 3",
            "--description",
            "Bearings",
            "--lat",
            "-33.85",
            "--lng",
            "151.21",
            "--user",
            "u-1",
        ]),
        s.run(&[
            "tasks",
            "create-mission",
            &mission_file,
            "--job",
            "j-1",
            "--geofence",
            &fence_file,
        ]),
        s.run(&["tasks", "create-corridor", &corridor_file, "--job", "j-1"]),
        s.run(&[
            "tasks",
            "create-geofenced",
            &manual_file,
            "--geofence",
            &fence_file,
            "--job",
            "j-1",
            "--max-distance",
            "500",
            "--smart-inspect",
        ]),
        s.run(&[
            "tasks",
            "update",
            HOSTILE,
            "--status",
            "DONE",
            "--description",
            "d",
        ]),
        s.run(&["tasks", "delete", HOSTILE, "--yes"]),
        s.run(&["mission", "upload", &mission_file]),
    ];

    assigned.expect_code(0);
    assert!(
        assigned.stdout().contains("From a mission"),
        "name shown as the title"
    );
    assert_eq!(team["tasks"][0]["name"], "From a mission");
    company.expect_code(0);
    assert_eq!(get["id"], "t-2", "the {{data}} envelope is unwrapped");
    for run in &runs[..4] {
        run.expect_code(0);
        assert_eq!(run.stdout().trim(), "created task t-2");
    }
    runs[4].expect_code(0);
    runs[5].expect_code(0);
    runs[6].expect_code(0);
    assert_eq!(runs[6].stdout().trim(), "uploaded mission t-2");

    let at = format!("/v1/task/{HOSTILE_ENCODED}");
    let with = |mut base: Value, extra: Value| {
        base.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        Some(base)
    };
    let manual = json!({"name": "Manual", "desc": "Around the pier", "jobId": "j-1",
        "type": "FLIGHT_REQUEST_MANUAL", "context": {"geojson": geofence(), "maxDistance": 500.0},
        "speed": 5.0, "isSmartInspect": true, "route": [
            {"lat": -33.7377, "lng": 151.2288, "altitude": 30.0, "speed": 3.0},
            {"lat": -33.7383, "lng": 151.2293, "altitude": 30.0}]});
    s.assert_calls(&[
        ("GET", "/v1/task", None, None),
        ("GET", "/v1/task/team", None, None),
        ("GET", "/v1/task/company", Some("limit=25"), None),
        ("GET", &at, None, None),
        (
            "POST",
            "/v1/task",
            None,
            Some(
                json!({"title": "Pier 3", "description": "Bearings", "jobId": "j-1",
                        "type": "FLIGHT_REQUEST", "lat": -33.85, "lng": 151.21,
                        "userId": "u-1"}),
            ),
        ),
        (
            "POST",
            "/v1/task/mission",
            None,
            with(
                mission(),
                json!({"jobId": "j-1", "type": "FLIGHT_REQUEST",
                       "context": {"geojson": geofence()}}),
            ),
        ),
        (
            "POST",
            "/v1/task/mission-corridor",
            None,
            with(corridor(), json!({"jobId": "j-1"})),
        ),
        ("POST", "/v1/task/mission", None, Some(manual)),
        (
            "PATCH",
            &at,
            None,
            Some(json!({"description": "d", "status": "DONE"})),
        ),
        ("DELETE", &at, None, None),
        ("POST", "/v1/mission", None, Some(mission())),
    ])
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_listing_follows_next_token_over_three_pages() {
    let s = TasksSample::new().await;
    Mock::given(method("GET"))
        .and(path("/v1/task/team"))
        .respond_with(super::three_pages(json!({"id": "d"})))
        .mount(&s.api)
        .await;

    let out = json_out(&s.run(&["--output", "json", "tasks", "team", "--page-size", "2"]));

    let ids: Vec<&str> = out["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["a", "b", "c", "d"]);
    s.assert_calls(&[
        ("GET", "/v1/task/team", Some("limit=2"), None),
        (
            "GET",
            "/v1/task/team",
            Some("limit=2&nextToken=t2%2F%2B+%3D"),
            None,
        ),
        ("GET", "/v1/task/team", Some("limit=2&nextToken=t3"), None),
    ])
    .await;
}
