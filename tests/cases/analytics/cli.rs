//! `ul-auth pat` and `ul-auth analytics`: exit codes, private token files, partial files that
//! resume only what they belong to, and escaped output.

use std::os::unix::fs::PermissionsExt as _;

use serde_json::{Value, json};
use unleashlive_auth::Error;
use unleashlive_auth::api::analytics::Analytics;
use unleashlive_auth::api::analytics::pull::{
    Devices, Format, PullSpec, partial_path, pull_to_file, sidecar_path,
};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{PAT, Pages, client, data_pages_requested, expected_csv, pat, spec};
use crate::util::unleash::assert_only_auth;
use crate::util::{Home, with};

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
        (&all, "devices W1 there, all here"),
        (&later, "to 2000 there, 2001 here"),
        (&jsonl, "format csv there, jsonl here"),
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
        stderr.contains("records another pull (to 2000 there, 3000 here)"),
        "{stderr}"
    );
    assert!(!stderr.contains("to continue"), "{stderr}");
    assert_eq!(std::fs::read(partial_path(&out)).unwrap(), partial);
}
