//! The `tasks` sample end to end with the session `ul-auth login` cached (wiremock for the
//! REST API): every command's method, path (encoded ids), credential and body; listings over
//! three pages; a 2xx with `errors[]`; a create answered 5xx (sent once, exit 4); bad mission
//! and geofence files (each rule named with its JSON path, nothing sent); a delete without
//! `--yes` and no terminal (refused, nothing sent).

use serde_json::{Value, json};
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::util::api::{Pages, SampleHome};
use crate::util::unleash::{assert_only_auth, body, stalling_server, url_env};
use crate::util::{Home, Run};

const TASKS: &str = env!("CARGO_BIN_EXE_tasks");
const HOSTILE: &str = "a/../b?x#y";
const HOSTILE_ENCODED: &str = "a%2F..%2Fb%3Fx%23y";

/// A route with one waypoint, as the `mission` sample's files have it.
fn mission() -> Value {
    json!({"desc": "Pier 3", "name": "Bridge", "speed": 5, "route": [
        {"pole": "Pole1", "wo": "WO-1", "lat": -33.85, "lng": 151.21, "altitude": 40,
         "altEGM": 62.5, "si": "dist-10"}]})
}

fn corridor() -> Value {
    json!({"desc": "Line", "name": "Corridor", "speed": 4, "route": [
        {"lat": -33.85, "lng": 151.21, "altitude": 40, "si": "waypoint", "heading": 90,
         "pitch": -45, "speed": 3, "actions": [{"action": "TAKE_PHOTO"}]}]})
}

/// A manual flight's route: no `si`, speed per point optional.
fn manual_route() -> Value {
    json!({"name": "Manual", "desc": "Around the pier", "speed": 5, "route": [
        {"lat": -33.7377, "lng": 151.2288, "altitude": 30.0, "speed": 3.0},
        {"lat": -33.7383, "lng": 151.2293, "altitude": 30.0}]})
}

fn geofence() -> Value {
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
struct TasksSample(SampleHome);

impl std::ops::Deref for TasksSample {
    type Target = SampleHome;

    fn deref(&self) -> &SampleHome {
        &self.0
    }
}

impl TasksSample {
    async fn new() -> TasksSample {
        TasksSample(SampleHome::new().await)
    }

    fn run(&self, args: &[&str]) -> Run {
        self.run_exe(TASKS, args, &[])
    }

    /// Writes `value` as `name` in the home; returns its path.
    fn file(&self, name: &str, value: &Value) -> String {
        let file = self.home.dir.path().join(name);
        std::fs::write(&file, serde_json::to_vec_pretty(value).unwrap()).unwrap();
        file.to_str().unwrap().to_owned()
    }

    async fn answer(&self, answer: ResponseTemplate) {
        Mock::given(any())
            .respond_with(answer)
            .mount(&self.api)
            .await;
    }

    /// Panics unless exactly these calls were made, each with the session's ID token as the
    /// only credential: (method, raw path, query, JSON body or `None` for no body).
    async fn assert_calls(&self, want: &[(&str, &str, Option<&str>, Option<Value>)]) {
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

fn ok(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

fn json_out(run: &Run) -> Value {
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
        .respond_with(Pages::json(vec![
            (
                None,
                json!({"items": [{"id": "a"}, {"id": "b"}], "nextToken": "t2/+ ="}),
            ),
            (
                Some("t2/+ ="),
                json!({"data": {"items": [{"id": "c"}], "nextToken": "t3"}}),
            ),
            (
                Some("t3"),
                json!({"items": [{"id": "d"}], "nextToken": null}),
            ),
        ]))
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

#[tokio::test(flavor = "multi_thread")]
async fn a_2xx_answer_with_errors_is_a_service_failure_exit_4() {
    let s = TasksSample::new().await;
    s.answer(ok(json!({"errors": [{"message": "job quota reached"}]})))
        .await;

    let list = s.run(&["jobs", "list"]);
    let create = s.run(&["jobs", "create", "--title", "T", "--description", "D"]);

    for out in [&list, &create] {
        out.expect_code(4).expect_stderr("job quota reached");
        assert!(out.stdout().is_empty(), "{}", out.stdout());
    }
    s.assert_calls(&[
        ("GET", "/v1/job", None, None),
        (
            "POST",
            "/v1/job",
            None,
            Some(json!({"title": "T", "description": "D"})),
        ),
    ])
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_create_answered_5xx_is_sent_once_and_says_what_to_check_exit_4() {
    let s = TasksSample::new().await;
    s.answer(ResponseTemplate::new(502).set_body_string("bad gateway"))
        .await;
    let mission_file = s.file("mission.json", &mission());

    let job = s.run(&["jobs", "create", "--title", "T", "--description", "D"]);
    let task = s.run(&["tasks", "create-mission", &mission_file, "--job", "j-1"]);
    let upload = s.run(&["mission", "upload", &mission_file]);

    job.expect_code(4).expect_stderr("GET /v1/job");
    task.expect_code(4).expect_stderr("/v1/task/team");
    upload.expect_code(4).expect_stderr("list the missions");
    let paths: Vec<String> = s
        .requests()
        .await
        .iter()
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect();
    assert_eq!(
        paths,
        ["POST /v1/job", "POST /v1/task/mission", "POST /v1/mission"],
        "each sent once"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_mission_and_geofence_files_name_every_problem_by_json_path_and_send_nothing() {
    let s = TasksSample::new().await;
    s.answer(ok(json!({"id": "never"}))).await;
    let bad_mission = s.file(
        "bad-mission.json",
        &json!({"name": "M", "speed": -2, "route": [
            {"lat": -33.8, "lng": 151.2, "altitude": 40, "si": "waypoint"},
            {"lat": 95, "lng": 181, "si": "every-10"},
            {"lat": -33.8, "lng": 151.2, "altitude": 40, "si": "dist-x"}]}),
    );
    let mistyped = s.file(
        "mistyped.json",
        &json!({"name": "M", "speed": 5, "route": [
            {"lat": "north", "lng": 151.2, "altitude": [40], "si": "waypoint"}]}),
    );
    let no_name = s.file("no-name.json", &json!({"speed": 5, "route": []}));
    let bad_fence = s.file(
        "bad-fence.geojson",
        &json!({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"geofence": "keep-out"},
             "geometry": {"type": "Polygon",
                          "coordinates": [[[151, -33], [152, -33], [152, -34], [151, -34.5]]]}},
            {"type": "Feature", "geometry": {"type": "LineString",
                                             "coordinates": [[200, -33]]}}]}),
    );
    let only_exclusion = s.file(
        "exclusion.geojson",
        &json!({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"geofence": "exclusion"},
             "geometry": {"type": "Polygon",
                          "coordinates": [[[151, -33], [152, -33], [152, -34], [151, -33]]]}}]}),
    );
    let good_mission = s.file("mission.json", &mission());
    let good_route = s.file("manual.json", &manual_route());
    let truncated = s.home.dir.path().join("truncated.json");
    std::fs::write(&truncated, r#"{"name": "M", "route": [{"lat": 1"#).unwrap();

    let cases: [(Vec<&str>, &[&str]); 7] = [
        (
            vec!["mission", "upload", &bad_mission],
            &[
                "bad-mission.json",
                "speed: -2 is not a positive speed",
                "route[1].lat: 95 is not a latitude",
                "route[1].lng: 181 is not a longitude",
                "route[1]: no altitude",
                "route[1].si: \"every-10\" is not dist-N or waypoint",
                "route[2].si: \"dist-x\" is not dist-N or waypoint",
            ],
        ),
        (
            vec!["tasks", "create-corridor", &mistyped, "--job", "j"],
            &[
                "mistyped.json",
                "route[0].lat: \"north\" is not a number",
                "route[0].altitude: [40] is not a number",
            ],
        ),
        (
            vec!["tasks", "create-corridor", &no_name, "--job", "j"],
            &["no-name.json", "no name", "route: the route is empty"],
        ),
        (
            vec![
                "tasks",
                "create-mission",
                &good_mission,
                "--job",
                "j",
                "--geofence",
                &bad_fence,
            ],
            &[
                "bad-fence.geojson",
                "features[0].properties.geofence: \"keep-out\" is not inclusion or exclusion",
                "features[0].geometry.coordinates[0]",
                "not closed",
                "features[1].geometry.coordinates",
            ],
        ),
        (
            vec![
                "tasks",
                "create-geofenced",
                &good_route,
                "--geofence",
                &only_exclusion,
                "--job",
                "j",
            ],
            &["exclusion.geojson", "no inclusion zone"],
        ),
        (
            vec![
                "tasks",
                "create-geofenced",
                &bad_mission,
                "--geofence",
                &only_exclusion,
                "--job",
                "j",
            ],
            &["bad-mission.json", "route[1].lat: 95 is not a latitude"],
        ),
        (
            vec!["mission", "upload", truncated.to_str().unwrap()],
            &["truncated.json", "not JSON", "line 1"],
        ),
    ];
    for (args, needles) in cases {
        let out = s.run(&args);
        out.expect_code(2);
        for needle in needles {
            out.expect_stderr(needle);
        }
    }
    let none = s.run(&["mission", "upload", "/nonexistent/mission.json"]);
    none.expect_code(2).expect_stderr("does not exist");
    assert!(s.requests().await.is_empty(), "nothing sent");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_delete_without_yes_and_no_terminal_is_refused_and_nothing_is_sent() {
    let s = TasksSample::new().await;
    s.answer(ok(json!({}))).await;

    let job = s.run(&["jobs", "delete", "j-1"]);
    let task = s.run(&["tasks", "delete", "t-1"]);

    for (out, what) in [(&job, "delete job j-1"), (&task, "delete task t-1")] {
        out.expect_code(2)
            .expect_stderr(what)
            .expect_stderr("nothing sent")
            .expect_stderr("--yes");
    }
    assert!(s.requests().await.is_empty());
    s.clear().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_while_a_create_is_in_flight_says_it_may_have_been_made_and_what_to_check() {
    use std::time::{Duration, Instant};
    let api = stalling_server(1000, b"{\"id\":").await;
    let home = Home::new();
    let mut env = url_env(&api);
    env.push(("UL_API_TOKEN".into(), "ul_pat_0123456789abcdefCtrlC".into()));
    let err_file = tempfile::tempfile().unwrap();
    let mut child = home
        .command_of(
            TASKS,
            &["jobs", "create", "--title", "T", "--description", "D"],
            &env,
        )
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(err_file.try_clone().unwrap())
        .spawn()
        .expect("spawn tasks");
    std::thread::sleep(Duration::from_millis(1500));
    assert!(child.try_wait().unwrap().is_none(), "tasks ended early");

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
            panic!("tasks still running 30 s after SIGINT");
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
    assert!(
        stderr.contains("may have been made already")
            && stderr.contains("`tasks jobs list`")
            && !stderr.contains("download"),
        "{stderr}"
    );
}
