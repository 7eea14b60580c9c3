//! The `tasks` sample's failures and refusals: a 2xx with `errors[]`, a create answered 5xx
//! (sent once, exit 4), bad mission and geofence files (every rule named by its JSON path,
//! nothing sent), a delete without `--yes` and no terminal, Ctrl-C during a create.

use serde_json::json;
use wiremock::ResponseTemplate;

use super::{TASKS, TasksSample, manual_route, mission, ok};
use crate::util::Home;
use crate::util::unleash::{interrupt, stalling_server, url_env};

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
    use std::time::Duration;
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

    let (status, stderr) = interrupt(&mut child, err_file);
    assert_eq!(status.code(), Some(130), "{status:?}: {stderr}");
    assert!(
        stderr.contains("may have been made already")
            && stderr.contains("`tasks jobs list`")
            && !stderr.contains("download"),
        "{stderr}"
    );
}
