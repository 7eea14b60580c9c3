//! `ul-auth doctor` against moto (user pool, JWKS, identity pool), the validating
//! Media Drive stand-in and wiremock (flights, analytics, an Unleash instance): all ok; a dead
//! endpoint fails its own row, by name; a schema that differs from what we send is reported;
//! nothing secret is ever shown.

use serde_json::{Value, json};
use wiremock::matchers::{header, method, path, path_regex, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::util::emulator::require;
use crate::util::identity::Aws;
use crate::util::mediadrive::{MediaDriveStandIn, folder, item};
use crate::util::{Home, PASSWORD, PILOT, Run, with};

const PAT: &str = "ul_pat_doctor0123456789abcdefWXYZ";
const UNLEASH_TOKEN: &str = "default:production.9f8e7d6c5b4a3210doctorTK";

struct World {
    aws: Aws,
    home: Home,
    drive: MediaDriveStandIn,
    api: MockServer,
}

impl World {
    /// The pilot signed in; Media Drive holds team-7/f1 with two images; flights and analytics
    /// answer; a second profile uses the Unleash provider and is signed in.
    async fn new(schema: &str, introspection: bool) -> World {
        let aws = Aws::create().await;
        let home = Home::new();
        home.run(
            &["login", "--username", PILOT],
            &with(&aws.env(), &[("UL_PASSWORD", PASSWORD)]),
            None,
        )
        .expect_code(0);
        let drive = MediaDriveStandIn::start_with(schema, introspection);
        drive
            .control(json!({"items": [
                folder("f1", "team-7"),
                item("a", "1.jpg", "team-7/f1", 1_700_000_000_000),
                item("b", "2.jpg", "team-7/f1", 1_700_000_001_000),
            ]}))
            .await;
        let api = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/v1/flights/team"))
            .respond_with(ResponseTemplate::new(200).set_body_json(
                json!({"items": [{"id": "log-1", "s3Path": "t/l.txt", "pilotName": "Ada"}]}),
            ))
            .mount(&api)
            .await;
        Mock::given(method("GET"))
            .and(path("/v1/job"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([{"id": "job-1"}])))
            .mount(&api)
            .await;
        let one_page = json!({"items": [], "nextToken": null});
        Mock::given(method("GET"))
            .and(path("/v1/task"))
            .and(query_param("limit", "1"))
            .respond_with(ResponseTemplate::new(200).set_body_json(one_page))
            .mount(&api)
            .await;
        Mock::given(method("GET"))
            .and(path("/v1/analytics/version"))
            .and(header("authorization", format!("Bearer {PAT}").as_str()))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!("1.0.1")))
            .mount(&api)
            .await;
        Mock::given(method("GET"))
            .and(path("/v1/analytics/devices"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!(["W1"])))
            .mount(&api)
            .await;
        Mock::given(method("GET"))
            .and(path_regex(r"^/v1/analytics/W1/\d+/\d+/1$"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "keys": ["class_name", "count", "timestamp"],
                "data": [["car", 3, "2020-08-17T06:16:45.000Z"]], "total_num_pages": 1})))
            .mount(&api)
            .await;
        Mock::given(method("GET"))
            .and(path("/api/client/features"))
            .and(header("authorization", UNLEASH_TOKEN))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"features": []})))
            .mount(&api)
            .await;
        let config = home.dir.path().join("config/unleashlive-auth");
        std::fs::create_dir_all(&config).unwrap();
        std::fs::write(
            config.join("config.toml"),
            format!(
                "[flags]\nprovider = \"unleash\"\nbase_url = \"{}\"\n",
                api.uri()
            ),
        )
        .unwrap();
        home.run(
            &["--profile", "flags", "login"],
            &[("UNLEASH_API_TOKEN".to_owned(), UNLEASH_TOKEN.to_owned())],
            None,
        )
        .expect_code(0);
        World {
            aws,
            home,
            drive,
            api,
        }
    }

    fn env(&self) -> Vec<(String, String)> {
        let mut env = self.aws.env();
        env.push(("UL_GRAPHQL_URL".into(), self.drive.graphql_url()));
        env.push(("UL_API_URL".into(), self.api.uri()));
        env.push(("UL_API_TOKEN".into(), PAT.into()));
        env
    }

    fn doctor(&self, args: &[&str], env: &[(String, String)]) -> (Run, Vec<Value>) {
        let mut all = vec!["doctor", "--output", "json"];
        all.extend_from_slice(args);
        let run = self.home.run(&all, env, None);
        let report: Value = serde_json::from_str(&run.stdout())
            .unwrap_or_else(|e| panic!("{e}: {}\n{}", run.stdout(), run.stderr()));
        let checks = report["checks"].as_array().expect("checks").clone();
        for check in &checks {
            let keys: Vec<&str> = check
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            assert_eq!(keys, ["detail", "ms", "name", "status"], "{check}");
        }
        (run, checks)
    }
}

fn row<'a>(checks: &'a [Value], name: &str) -> &'a Value {
    checks
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no {name} row in {checks:#?}"))
}

fn status(checks: &[Value], name: &str) -> String {
    row(checks, name)["status"].as_str().unwrap().to_owned()
}

const ALL: [&str; 13] = [
    "config",
    "cognito",
    "jwks",
    "refresh",
    "session",
    "identity",
    "graphql",
    "graphql-schema",
    "media-drive-folder",
    "flights",
    "jobs-tasks",
    "analytics",
    "provider:flags",
];

#[tokio::test(flavor = "multi_thread")]
async fn against_moto_and_the_stand_ins_every_check_is_ok() {
    require!(moto, python);
    let w = World::new("mediadrive.graphql", true).await;

    let (run, checks) = w.doctor(&["--refresh", "--folder", "f1"], &w.env());

    run.expect_code(0);
    let names: Vec<&str> = checks.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ALL);
    for check in &checks {
        assert_eq!(check["status"], "ok", "{check:#}");
    }
    let detail = |name| row(&checks, name)["detail"].as_str().unwrap().to_owned();
    assert!(
        detail("cognito").contains("USER_SRP_AUTH allowed"),
        "{}",
        detail("cognito")
    );
    // The stand-in's query type name is spelled nowhere in our code, like the real one's.
    assert!(
        detail("graphql").contains("with \"") && detail("graphql").contains("Root\""),
        "{}",
        detail("graphql")
    );
    assert!(
        detail("media-drive-folder").contains("location \"team-7\"")
            && detail("media-drive-folder").contains("2 items"),
        "{}",
        detail("media-drive-folder")
    );
    assert!(
        detail("flights").contains("items (a list of 1)"),
        "{}",
        detail("flights")
    );
    let jobs_tasks = detail("jobs-tasks");
    assert!(
        jobs_tasks.contains("a bare list of 1 items"),
        "{jobs_tasks}"
    );
    assert!(jobs_tasks.contains("nextToken (null)"), "{jobs_tasks}");
    assert!(detail("analytics").contains("1.0.1"));
    assert!(
        detail("analytics")
            .contains("columns class_name (a string), count (a number), timestamp (RFC 3339 text)"),
        "{}",
        detail("analytics")
    );
    // Both credentials at hand: the APIs are tried with the PAT too.
    for api in ["graphql", "flights", "jobs-tasks"] {
        assert!(
            detail(api).contains("the personal access token works too"),
            "{}",
            detail(api)
        );
    }
    // Every GraphQL document the doctor sent was valid against the schema.
    for request in w.drive.requests().await {
        assert_eq!(request.outcome, "executed", "{}", request.query());
    }

    if let Ok(path) = std::env::var("UL_DOCTOR_TRANSCRIPT") {
        let text = w
            .home
            .run(&["doctor", "--refresh", "--folder", "f1"], &w.env(), None);
        std::fs::write(path, text.stdout()).unwrap();
    }
    // Without --refresh and --folder those two rows are skipped, with how to run them.
    let (run, checks) = w.doctor(&[], &w.env());
    run.expect_code(0);
    assert_eq!(status(&checks, "refresh"), "skip");
    assert_eq!(status(&checks, "media-drive-folder"), "skip");
    assert!(
        row(&checks, "refresh")["detail"]
            .as_str()
            .unwrap()
            .contains("--refresh")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dead_endpoint_fails_its_own_row_by_name_and_exits_4() {
    require!(moto, python);
    let w = World::new("mediadrive.graphql", true).await;
    let dead = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/graphql", listener.local_addr().unwrap())
    };
    let mut env = w.env();
    env.retain(|(k, _)| k != "UL_GRAPHQL_URL");
    env.push(("UL_GRAPHQL_URL".into(), dead.clone()));

    let (run, checks) = w.doctor(&[], &env);

    run.expect_code(4);
    for failed in ["graphql", "graphql-schema"] {
        assert_eq!(status(&checks, failed), "fail");
        let detail = row(&checks, failed)["detail"].as_str().unwrap();
        assert!(
            detail.contains(&dead) && detail.contains("UL_GRAPHQL_URL"),
            "{detail}"
        );
    }
    for fine in [
        "config",
        "cognito",
        "jwks",
        "session",
        "identity",
        "flights",
        "jobs-tasks",
        "analytics",
    ] {
        assert_eq!(status(&checks, fine), "ok", "{fine}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn without_refresh_a_refused_session_is_reported_and_the_cache_is_left_alone() {
    require!(moto, python);
    let w = World::new("mediadrive.graphql", true).await;
    w.drive.control(json!({"accept": ["nobody"]})).await;
    let before = std::fs::read(w.home.cache_file("default")).unwrap();
    let mut env = w.env();
    env.retain(|(k, _)| k != "UL_API_TOKEN");

    let (run, checks) = w.doctor(&[], &env);

    run.expect_code(3);
    assert_eq!(status(&checks, "refresh"), "skip");
    for refused in ["graphql", "graphql-schema"] {
        assert_eq!(status(&checks, refused), "fail");
        let detail = row(&checks, refused)["detail"].as_str().unwrap();
        assert!(
            detail.contains("HTTP 401") && !detail.contains("after a refresh"),
            "{detail}"
        );
    }
    assert_eq!(
        std::fs::read(w.home.cache_file("default")).unwrap(),
        before,
        "the doctor renewed the cached session without --refresh"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_schema_that_differs_from_what_we_send_is_reported_as_what_differs() {
    require!(moto, python);
    let w = World::new("mediadrive-drifted.graphql", true).await;

    let (run, checks) = w.doctor(&[], &w.env());

    run.expect_code(4);
    assert_eq!(status(&checks, "graphql-schema"), "fail");
    let detail = row(&checks, "graphql-schema")["detail"].as_str().unwrap();
    assert!(
        detail.contains("rename has no argument newName (it has: item, name)"),
        "{detail}"
    );
    assert!(detail.contains("which has no field deviceId"), "{detail}");
    // An Int literal is a valid Float: the drifted `limit: Float` is not a difference.
    assert!(!detail.contains("limit is"), "{detail}");
    assert!(
        detail.contains("rename(item: "),
        "the declared signatures: {detail}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_without_introspection_skips_the_schema_row_saying_why() {
    require!(moto, python);
    let w = World::new("mediadrive.graphql", false).await;

    let (run, checks) = w.doctor(&[], &w.env());

    run.expect_code(0);
    assert_eq!(status(&checks, "graphql"), "ok");
    assert_eq!(status(&checks, "graphql-schema"), "skip");
    assert!(
        row(&checks, "graphql-schema")["detail"]
            .as_str()
            .unwrap()
            .contains("introspection")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn signed_out_and_without_a_token_the_rows_that_need_one_are_skipped() {
    require!(moto, python);
    let w = World::new("mediadrive.graphql", true).await;
    w.home.run(&["logout"], &w.aws.env(), None);
    let mut env = w.env();
    env.retain(|(k, _)| k != "UL_API_TOKEN");

    let (run, checks) = w.doctor(&[], &env);

    run.expect_code(0);
    for skipped in [
        "session",
        "identity",
        "graphql",
        "graphql-schema",
        "flights",
        "jobs-tasks",
        "analytics",
    ] {
        assert_eq!(status(&checks, skipped), "skip", "{skipped}");
    }
    assert_eq!(status(&checks, "cognito"), "ok");
    // Text output: one line per check and a summary.
    let text = w.home.run(&["doctor"], &env, None);
    text.expect_code(0);
    assert!(
        text.stdout().contains("[skip] session"),
        "{}",
        text.stdout()
    );
    assert!(text.stdout().contains("skipped"));
}

#[tokio::test(flavor = "multi_thread")]
async fn no_token_key_or_password_appears_at_any_log_level() {
    require!(moto, python);
    let w = World::new("mediadrive.graphql", true).await;
    let tokens = |home: &Home| -> Vec<String> {
        let cache = std::fs::read_to_string(home.cache_file("default")).unwrap();
        let session: Value = serde_json::from_str(&cache).unwrap();
        let found: Vec<String> = ["id_token", "access_token", "refresh_token"]
            .iter()
            .filter_map(|k| session["data"][k].as_str().map(str::to_owned))
            .collect();
        assert_eq!(found.len(), 3, "the cache layout changed: {cache}");
        found
    };
    let mut secrets = tokens(&w.home);
    let aws = w
        .home
        .run(&["credentials", "--format", "json"], &w.aws.env(), None);
    aws.expect_code(0);
    let aws: Value = serde_json::from_str(&aws.stdout()).unwrap();
    secrets.push(aws["secretAccessKey"].as_str().unwrap().to_owned());
    secrets.push(aws["sessionToken"].as_str().unwrap().to_owned());
    secrets.extend([
        PAT.to_owned(),
        PASSWORD.to_owned(),
        UNLEASH_TOKEN.to_owned(),
    ]);

    let mut env = w.env();
    env.push(("RUST_LOG".into(), "trace".into()));
    env.push(("UL_PASSWORD".into(), PASSWORD.into()));
    for output in ["json", "text"] {
        let run = w.home.run(
            &[
                "-vv",
                "doctor",
                "--refresh",
                "--folder",
                "f1",
                "--output",
                output,
            ],
            &env,
            None,
        );
        run.expect_code(0);
        let shown = format!("{}{}", run.stdout(), run.stderr());
        assert!(shown.len() > 1000, "trace logging is on: {shown}");
        // --refresh made new tokens: they must not show either.
        secrets.extend(tokens(&w.home));
        for secret in &secrets {
            assert!(
                !shown.contains(secret.as_str()),
                "a secret in the {output} output"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_that_cannot_be_sent_is_its_own_row_and_every_other_row_still_runs() {
    require!(moto, python);
    let w = World::new("mediadrive.graphql", true).await;
    let mut env = w.env();
    env.retain(|(k, _)| k != "UL_API_TOKEN");
    env.push(("UL_API_TOKEN".into(), "ul_pat_a\u{1}b".into()));

    let (run, checks) = w.doctor(&[], &env);

    run.expect_code(3);
    assert_eq!(status(&checks, "pat"), "fail");
    assert!(
        row(&checks, "pat")["detail"]
            .as_str()
            .unwrap()
            .contains("UL_API_TOKEN")
    );
    for fine in [
        "cognito", "jwks", "session", "identity", "graphql", "flights",
    ] {
        assert_eq!(status(&checks, fine), "ok", "{fine}");
    }
    assert_eq!(status(&checks, "analytics"), "skip");
}

#[tokio::test(flavor = "multi_thread")]
async fn on_another_providers_profile_the_session_rows_are_skipped_not_failed() {
    require!(moto, python);
    let w = World::new("mediadrive.graphql", true).await;

    let (run, checks) = w.doctor(&["--profile", "flags"], &w.env());

    run.expect_code(0);
    for skipped in ["session", "identity"] {
        assert_eq!(status(&checks, skipped), "skip", "{skipped}");
        let detail = row(&checks, skipped)["detail"].as_str().unwrap();
        assert!(
            detail.contains("unleash provider") && !detail.contains("remove"),
            "{detail}"
        );
    }
    assert_eq!(status(&checks, "provider:flags"), "ok");
    // The APIs were probed with the PAT at hand instead.
    assert_eq!(status(&checks, "graphql"), "ok");
}

#[tokio::test(flavor = "multi_thread")]
async fn server_text_in_the_report_is_escaped_for_the_terminal() {
    require!(moto, python);
    let w = World::new("mediadrive.graphql", true).await;
    // The doctor lists the field names of the first log as they came.
    Mock::given(method("GET"))
        .and(path("/v1/flights/team"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"items": [{"id": "log-1", "x\u{1b}]0;owned\u{7}\u{202e}gpj": 1}]}),
        ))
        .with_priority(1)
        .mount(&w.api)
        .await;

    let run = w.home.run(&["doctor"], &w.env(), None);

    run.expect_code(0);
    let shown = run.stdout();
    assert!(shown.contains("owned"), "{shown}");
    assert!(
        !shown.contains('\u{1b}') && !shown.contains('\u{202e}'),
        "{shown:?}"
    );
    assert!(shown.contains("\\u{1b}"), "{shown}");
}
