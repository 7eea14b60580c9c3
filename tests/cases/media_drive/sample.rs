//! The `media-drive` sample end to end with the session `ul-auth login` cached: GraphQL on the
//! validating stand-in, the CDN on wiremock.

use std::time::Duration;

use serde_json::{Value, json};

use super::{MEDIA_DRIVE, OnStandIn, assert_executed_with, drive_store, kinds};
use crate::util::emulator::require;
use crate::util::mediadrive::{folder as md_folder, item as md_item};
use crate::util::unleash::run_sample;
use crate::util::{Home, Run};

#[tokio::test(flavor = "multi_thread")]
async fn media_drive_get_list_rename_move_and_delete_execute_against_the_schema() {
    require!(python);
    let s = OnStandIn::new().await;

    let got = s.run(&["get", "f1"]);
    let page = s.run(&["list", "f1", "--limit", "2"]);
    let renamed = s.run(&["rename", "a", "Site {A}"]);
    let moved = s.run(&["move", "a", "b", "--to", "f2"]);
    let deleted = s.run(&["delete", "c", "d", "--output", "json"]);

    got.expect_code(0);
    assert_eq!(
        got.stdout(),
        "id        f1\nname      f1\nlocation  team-7/root\nlists at  team-7/root/f1\n"
    );
    page.expect_code(0);
    let table = page.stdout();
    assert!(table.starts_with("ID"), "{table}");
    assert!(
        table.contains("a.jpg") && table.contains("b.jpg") && !table.contains("c.jpg"),
        "{table}"
    );
    renamed.expect_code(0);
    assert_eq!(renamed.stdout(), "renamed a to \"Site {A}\"\n");
    assert_eq!(s.md.stored("a").await.unwrap()["name"], "Site {A}");
    moved.expect_code(0);
    assert_eq!(moved.stdout(), "moved a b into f2\n");
    for id in ["a", "b"] {
        let item = s.md.stored(id).await.unwrap();
        assert_eq!(item["parentId"], "f2");
        assert_eq!(item["location"], "team-7/root/f2");
    }
    deleted.expect_code(0);
    let json: Value = serde_json::from_str(&deleted.stdout()).unwrap();
    assert_eq!(json["deleteItems"], json!(["c", "d"]));
    assert!(s.md.stored("c").await.is_none() && s.md.stored("d").await.is_none());
    assert!(s.md.stored("e").await.is_some());

    let requests = assert_executed_with(&s, &s.id_token()).await;
    assert_eq!(
        kinds(&requests),
        [
            "query", "query", "query", "mutation", "mutation", "mutation"
        ]
    );
    assert!(
        requests[2]
            .query()
            .contains(r#"location: "team-7/root/f1", limit: 2"#)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn media_drive_list_all_pages_to_the_last_cursor_and_asks_for_nothing_after_it() {
    require!(python);
    let s = OnStandIn::new().await;
    let args = [
        "list", "f1", "--all", "--type", "I", "--limit", "2", "--output", "json",
    ];
    let listed_ids = |out: &Run| -> Vec<String> {
        out.expect_code(0);
        let items: Vec<Value> = serde_json::from_str(&out.stdout()).unwrap();
        items
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_owned())
            .collect()
    };

    // The last page's cursor has every field null (the stand-in's default).
    let all_null = s.run(&args);

    assert_eq!(listed_ids(&all_null), ["a", "b", "c", "d", "e"]);
    let requests = assert_executed_with(&s, &s.id_token()).await;
    assert_eq!(requests.len(), 4, "get, then three pages and nothing more");
    assert!(!requests[1].query().contains("nextToken: "));
    for r in &requests[1..] {
        assert!(r.query().contains(r#"type: "I""#), "{}", r.query());
    }
    for r in &requests[2..] {
        assert!(r.query().contains("nextToken: {"), "{}", r.query());
        assert!(
            r.query().contains("searchNameCreatedAt: null"),
            "{}",
            r.query()
        );
    }

    // The last page's cursor is null.
    s.md.control(json!({"last_token": "null"})).await;
    let null_last = s.run(&args);

    assert_eq!(listed_ids(&null_last), ["a", "b", "c", "d", "e"]);
    assert_eq!(s.md.executed_requests().await.len(), 8);
}

#[tokio::test(flavor = "multi_thread")]
async fn media_drive_list_all_stops_with_a_message_when_a_cursor_comes_back_twice() {
    require!(python);
    let s = OnStandIn::new().await;
    s.md.control(json!({"repeat_token": true})).await;

    let out = s.run_within(
        Duration::from_secs(60),
        &["list", "f1", "--all", "--limit", "2"],
    );

    out.expect_code(4);
    assert!(
        out.stderr().contains("same nextToken twice"),
        "{}",
        out.stderr()
    );
    assert_eq!(
        s.md.executed_requests().await.len(),
        3,
        "get, then two pages"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn media_drive_shows_graphql_errors_from_a_200_and_exits_4() {
    require!(python);
    let s = OnStandIn::new().await;

    let out = s.run(&["rename", "x\"}", "new name"]);

    out.expect_code(4);
    let stderr = out.stderr();
    assert!(stderr.contains("item 'x\"}' not found"), "{stderr}");
    assert!(
        !stderr.contains("outcome is unknown"),
        "an answer: {stderr}"
    );
    let requests = assert_executed_with(&s, &s.id_token()).await;
    assert_eq!(kinds(&requests), ["mutation"]);
    assert_eq!(
        s.md.items().await,
        drive_store()["items"].as_array().unwrap().clone()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn media_drive_mutations_whose_answer_is_lost_exit_4_with_the_get_hint_and_go_once() {
    require!(python);
    let s = OnStandIn::new().await;
    for (setting, status) in [
        (json!({"fail_after_mutation": 502}), Some(502)),
        (json!({"drop_after_mutation": true}), None),
    ] {
        s.seed(drive_store()).await;
        let runs: [(&[&str], &str); 3] = [
            (&["rename", "a", "Renamed"], "a"),
            (&["move", "b", "c", "--to", "f2"], "b"),
            (&["delete", "d"], "d"),
        ];
        for (n, (args, id)) in (1..).zip(runs) {
            s.md.control(setting.clone()).await;

            let out = s.run(args);

            out.expect_code(4);
            let stderr = out.stderr();
            assert!(
                stderr.contains(&format!("`media-drive get {id}`"))
                    && stderr.contains("may or may not have been made"),
                "{setting} {args:?}: {stderr}"
            );
            assert_eq!(
                s.md.mutation_count().await,
                n,
                "{setting} {args:?}: sent once"
            );
        }
        assert_eq!(s.md.stored("a").await.unwrap()["name"], "Renamed");
        assert_eq!(s.md.stored("c").await.unwrap()["parentId"], "f2");
        assert!(s.md.stored("d").await.is_none());
        let requests = assert_executed_with(&s, &s.id_token()).await;
        assert!(requests.iter().all(|r| r.status == status), "{setting}");

        // What the hint says to run is an ordinary query.
        let check = s.run(&["get", "a"]);
        check.expect_code(0);
        assert!(
            check.stdout().contains("name      Renamed"),
            "{}",
            check.stdout()
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn media_drive_text_output_escapes_control_and_format_characters_from_the_service() {
    require!(python);
    let s = OnStandIn::new().await;
    let mut items = vec![md_folder("root", "team-7"), md_folder("f1", "team-7/root")];
    let mut red = md_item(
        "red\u{1b}[31m",
        "\u{1b}]0;owned\u{7}x.jpg",
        "team-7/root/f1",
        2,
    );
    red["s3Path"] = json!("team-7/red/obj");
    items.push(red);
    items.push(md_item(
        "rlo",
        "cod\u{202e}gpj.exe\u{200b}",
        "team-7/root/f1",
        1,
    ));
    s.seed(json!({ "items": items })).await;

    let listed = s.run(&["list", "f1"]);
    let got = s.run(&["get", "red\u{1b}[31m"]);
    let json_out = s.run(&["list", "f1", "--output", "json"]);

    listed.expect_code(0);
    got.expect_code(0);
    for out in [&listed, &got] {
        let text = out.stdout();
        for raw in ['\u{1b}', '\u{7}', '\u{202e}', '\u{200b}'] {
            assert!(!text.contains(raw), "{raw:?} in {text:?}");
        }
        assert!(text.contains("\\u{1b}]0;owned\\u{7}x.jpg"), "{text}");
        assert!(text.contains("red\\u{1b}[31m"), "{text}");
    }
    assert!(listed.stdout().contains("cod\\u{202e}gpj.exe\\u{200b}"));
    json_out.expect_code(0);
    let items: Vec<Value> = serde_json::from_str(&json_out.stdout()).unwrap();
    assert_eq!(
        items[0]["name"], "\u{1b}]0;owned\u{7}x.jpg",
        "JSON keeps the name"
    );
}

#[test]
fn sample_login_names_an_endpoint_override_before_the_password_goes_there() {
    let home = Home::new();
    let env: Vec<(String, String)> = [
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
        ("UL_USERNAME", "pilot@example.com"),
        ("UL_PASSWORD", "not-sent-anywhere"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();

    let out = run_sample(&home, MEDIA_DRIVE, &["login"], &env);

    assert_ne!(out.code(), 0);
    let first = out.stderr().lines().next().unwrap_or_default().to_owned();
    assert!(
        first.contains("redirected to http://127.0.0.1:9"),
        "{}",
        out.stderr()
    );
}

/// Quotes, braces, a block-string delimiter, backslashes, escapes as text, newlines, emoji,
/// `$` and an injected delete (no NUL: a command line cannot carry one).
const HOSTILE_ID: &str = "id \"q\" {b} \"\"\" \\ \\\" \\u0041 \n\r\n \u{1F600} $id \
    }) { delete(deleteItems: [{id: \"victim\"}]) { ownerId } } #";
const HOSTILE_NAME: &str = "name \"\"\"block\"\"\" \\n is no newline\nthis is one\t \
    \u{1F681} ${x} }) { delete(deleteItems: [{id: \"victim\"}]) { ownerId } } #";

#[tokio::test(flavor = "multi_thread")]
async fn media_drive_hostile_ids_and_names_round_trip_exactly() {
    require!(python);
    let s = OnStandIn::new().await;
    let mut store = drive_store();
    store["items"].as_array_mut().unwrap().push(md_item(
        HOSTILE_ID,
        "plain.jpg",
        "team-7/root/f1",
        1,
    ));
    s.seed(store).await;

    let got = s.run(&["get", HOSTILE_ID, "--output", "json"]);
    let renamed = s.run(&["rename", HOSTILE_ID, HOSTILE_NAME]);
    renamed.expect_code(0);
    assert_eq!(s.md.stored(HOSTILE_ID).await.unwrap()["name"], HOSTILE_NAME);
    let listed = s.run(&["list", "f1", "--all", "--output", "json"]);
    let moved = s.run(&["move", HOSTILE_ID, "--to", "f2"]);
    let deleted = s.run(&["delete", HOSTILE_ID, "--output", "json"]);

    got.expect_code(0);
    let item: Value = serde_json::from_str(&got.stdout()).unwrap();
    assert_eq!(item["id"], HOSTILE_ID);
    assert_eq!(item["name"], "plain.jpg");
    listed.expect_code(0);
    let items: Vec<Value> = serde_json::from_str(&listed.stdout()).unwrap();
    let found = items
        .iter()
        .find(|i| i["id"] == HOSTILE_ID)
        .expect("listed");
    assert_eq!(
        found["name"], HOSTILE_NAME,
        "the stored name comes back exactly"
    );
    moved.expect_code(0);
    deleted.expect_code(0);
    let json: Value = serde_json::from_str(&deleted.stdout()).unwrap();
    assert_eq!(json["deleteItems"], json!([HOSTILE_ID]));
    assert!(s.md.stored(HOSTILE_ID).await.is_none());
    assert!(
        s.md.stored("victim").await.is_some(),
        "the injected delete never ran"
    );
    let requests = s.md.executed_requests().await;
    assert_eq!(
        kinds(&requests),
        [
            "query", "mutation", "query", "query", "mutation", "mutation"
        ]
    );
    for r in &requests {
        assert!(!r.query().chars().any(char::is_control), "{:?}", r.query());
    }
}
