//! The Media Drive stand-in's paging, failure controls and lifetime.

use std::time::Duration;

use serde_json::{Value, json};

use super::standin_fixtures::{TOKEN, ids, list_document, post_raw, query, seed};
use crate::util::emulator::require;
use crate::util::mediadrive::{MediaDriveStandIn, graphql_body};

#[tokio::test]
async fn paging_to_the_end_takes_issued_cursors_back_field_for_field() {
    require!(python);
    let s = MediaDriveStandIn::start();
    s.control(seed()).await;

    let first = query(&s, &list_document("team-7/f", 2, None)).await;
    let first = first.data()["list"].clone();
    let second = query(&s, &list_document("team-7/f", 2, Some(&first["nextToken"]))).await;
    let second = second.data()["list"].clone();
    let third = query(
        &s,
        &list_document("team-7/f", 2, Some(&second["nextToken"])),
    )
    .await;
    let third = third.data()["list"].clone();

    assert_eq!(ids(&first), ["e", "d"]);
    assert_eq!(ids(&second), ["c", "b"]);
    assert_eq!(ids(&third), ["a"]);
    assert_eq!(second["nextToken"]["sk"], "b");
    let all_null = third["nextToken"].as_object().expect("an object");
    assert_eq!(all_null.len(), 10);
    assert!(all_null.values().all(Value::is_null), "{all_null:?}");

    // Ascending order pages the other way.
    let asc = query(
        &s,
        r#"query { list(sort: asc, location: "team-7/f", limit: 10) { items { id } } }"#,
    )
    .await;
    assert_eq!(ids(&asc.data()["list"]), ["a", "b", "c", "d", "e", "v"]);
    // Without a limit, 20 a page; without a type, everything at the location.
    let all = query(
        &s,
        r#"query { list(location: "team-7/f") { items { id } nextToken { pk } } }"#,
    )
    .await;
    assert_eq!(ids(&all.data()["list"]), ["v", "e", "d", "c", "b", "a"]);

    // A cursor with a changed field, one with its null fields left out, or the all-null one
    // of the last page: "invalid nextToken".
    let mut forged = first["nextToken"].clone();
    forged["sk"] = json!("c");
    let mut trimmed = first["nextToken"].clone();
    trimmed.as_object_mut().unwrap().retain(|_, v| !v.is_null());
    for token in [forged, trimmed, third["nextToken"].clone()] {
        let refused = query(&s, &list_document("team-7/f", 2, Some(&token))).await;
        assert_eq!(refused.status, 200);
        assert_eq!(
            refused.json["data"]["list"],
            Value::Null,
            "{}",
            refused.text
        );
        assert_eq!(refused.json["errors"][0]["message"], "invalid nextToken");
        assert_eq!(refused.json["errors"][0]["path"], json!(["list"]));
    }
    // An issued cursor is only good for the listing it came from.
    let elsewhere = query(&s, &list_document("team-7/g", 2, Some(&first["nextToken"]))).await;
    assert_eq!(elsewhere.json["errors"][0]["message"], "invalid nextToken");

    // A cursor is checked against its input type before anything runs: createdAt is an
    // integer, not a string.
    let mut as_text = first["nextToken"].clone();
    as_text["createdAt"] = json!("1700000000003");
    let text_literal = query(&s, &list_document("team-7/f", 2, Some(&as_text))).await;
    assert!(
        text_literal.validation_errors()[0].contains("Validation error of type WrongType"),
        "{}",
        text_literal.text
    );
}

#[tokio::test]
async fn the_last_page_token_can_be_null_and_a_repeated_token_can_be_asked_for() {
    require!(python);
    let s = MediaDriveStandIn::start();
    s.control(seed()).await;
    s.control(json!({"last_token": "null"})).await;
    let only = query(&s, &list_document("team-7/f", 10, None)).await;
    assert_eq!(ids(&only.data()["list"]).len(), 5);
    assert_eq!(only.data()["list"]["nextToken"], Value::Null);

    s.control(json!({"repeat_token": true})).await;
    let first = query(&s, &list_document("team-7/f", 2, None)).await;
    let first = first.data()["list"].clone();
    let second = query(&s, &list_document("team-7/f", 2, Some(&first["nextToken"]))).await;
    let second = second.data()["list"].clone();
    let third = query(
        &s,
        &list_document("team-7/f", 2, Some(&second["nextToken"])),
    )
    .await;
    let third = third.data()["list"].clone();
    assert_eq!(ids(&second), ["c", "b"]);
    assert_eq!(first["nextToken"]["sk"], "d");
    assert_eq!(second["nextToken"], first["nextToken"]);
    assert_eq!(third["nextToken"], first["nextToken"]);

    s.reset().await;
    assert!(s.items().await.is_empty());
    assert!(s.requests().await.is_empty());
    let empty = query(&s, &list_document("team-7/f", 2, None)).await;
    assert_eq!(ids(&empty.data()["list"]), Vec::<&str>::new());
    assert!(empty.data()["list"]["nextToken"]["pk"].is_null());
}

#[tokio::test]
async fn a_mutation_answered_with_a_failure_status_was_still_committed() {
    require!(python);
    let s = MediaDriveStandIn::start();
    s.control(seed()).await;
    s.control(json!({"fail_after_mutation": 502})).await;

    // Queries are not affected.
    let got = query(&s, r#"query { get(item: {id: "a"}) { name } }"#).await;
    assert_eq!(got.data()["get"]["name"], "a.jpg");
    let renamed = query(
        &s,
        r#"mutation { rename(item: {id: "a"}, newName: "b2") { id } }"#,
    )
    .await;
    assert_eq!(renamed.status, 502);
    assert!(
        renamed.json.is_null(),
        "a short text, not JSON: {}",
        renamed.text
    );
    assert_eq!(s.stored("a").await.unwrap()["name"], "b2");

    // Once only.
    let again = query(
        &s,
        r#"mutation { rename(item: {id: "a"}, newName: "b3") { id } }"#,
    )
    .await;
    assert_eq!(again.data()["rename"]["id"], "a");
    let statuses: Vec<Option<u16>> = s.requests().await.into_iter().map(|r| r.status).collect();
    assert_eq!(statuses, [Some(200), Some(502), Some(200)]);
}

#[tokio::test]
async fn a_mutation_can_be_committed_and_its_connection_dropped_unanswered() {
    require!(python);
    let s = MediaDriveStandIn::start();
    s.control(seed()).await;
    s.control(json!({"drop_after_mutation": true})).await;

    let sent = reqwest::Client::new()
        .post(s.graphql_url())
        .header("authorization", TOKEN)
        .header("content-type", "application/json")
        .body(
            graphql_body(
                r#"mutation { move(moveItems: [{id: "a"}], to: {id: "g"}) { id } }"#,
                None,
            )
            .to_string(),
        )
        .send()
        .await;
    assert!(sent.is_err(), "answered: {sent:?}");
    assert_eq!(s.stored("a").await.unwrap()["parentId"], "g");
    let requests = s.requests().await;
    assert_eq!(requests[0].outcome, "executed");
    assert_eq!(requests[0].status, None);

    let next = query(
        &s,
        r#"mutation { move(moveItems: [{id: "b"}], to: {id: "g"}) { id } }"#,
    )
    .await;
    assert_eq!(next.data()["move"], json!([{"id": "b"}]));
}

#[tokio::test]
async fn fail_status_answers_every_request_before_looking_at_it_until_cleared() {
    require!(python);
    let s = MediaDriveStandIn::start();
    s.control(json!({"fail_status": 503})).await;
    let failed = post_raw(&s.graphql_url(), &[], "not even json").await;
    assert_eq!(failed.status, 503);
    assert_eq!(failed.json, json!({"message": "upstream failure"}));
    let failed = query(&s, "{ __typename }").await;
    assert_eq!(failed.status, 503);
    s.control(json!({"fail_status": null})).await;
    assert_eq!(query(&s, "{ __typename }").await.status, 200);
    let outcomes: Vec<String> = s.requests().await.into_iter().map(|r| r.outcome).collect();
    assert_eq!(outcomes, ["failed-status", "failed-status", "executed"]);
}

#[tokio::test]
async fn resolver_errors_come_in_errors_with_the_data_graphql_gives() {
    require!(python);
    let s = MediaDriveStandIn::start();
    s.control(seed()).await;
    let unknown = query(
        &s,
        r#"mutation { rename(item: {id: "nope"}, newName: "x") { id } }"#,
    )
    .await;
    assert_eq!(unknown.status, 200);
    assert_eq!(unknown.json["data"], json!({"rename": null}));
    assert!(
        unknown.json["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("'nope'"),
        "{}",
        unknown.text
    );
    let no_target = query(
        &s,
        r#"mutation { move(moveItems: [{id: "a"}], to: {id: "nope"}) { id } }"#,
    )
    .await;
    assert_eq!(
        no_target.json["data"],
        json!({"move": null}),
        "{}",
        no_target.text
    );
    // Nothing moved, nothing deleted when one id is unknown.
    let partly = query(
        &s,
        r#"mutation { delete(deleteItems: [{id: "a"}, {id: "nope"}]) { ownerId } }"#,
    )
    .await;
    assert_eq!(
        partly.json["data"],
        json!({"delete": null}),
        "{}",
        partly.text
    );
    assert_eq!(s.stored("a").await.unwrap()["parentId"], "f");
}

#[tokio::test]
async fn control_refuses_unknown_settings_and_bad_values() {
    require!(python);
    let s = MediaDriveStandIn::start();
    let url = format!("{}/_control", s.base_url());
    for bad in [
        json!({"acept": []}),
        json!({"last_token": "none"}),
        json!({"items": [{"name": "no id"}]}),
        json!({"fail_status": "502"}),
        json!([1]),
    ] {
        let refused = post_raw(&url, &[], bad.to_string()).await;
        assert_eq!(refused.status, 400, "{bad}: {}", refused.text);
    }
    assert!(
        s.requests().await.is_empty(),
        "control calls are not recorded"
    );
}

fn port_refuses(port: u16) -> bool {
    std::net::TcpStream::connect_timeout(
        &std::net::SocketAddr::from(([127, 0, 0, 1], port)),
        Duration::from_secs(2),
    )
    .is_err()
}

#[tokio::test]
async fn the_stand_in_exits_by_itself_when_its_stdin_closes() {
    require!(python);
    let s = MediaDriveStandIn::start();
    let port = s.port();
    assert!(!port_refuses(port));
    let status = s
        .close_stdin_and_wait(Duration::from_secs(10))
        .expect("still running 10 s after its stdin closed");
    assert!(status.success(), "{status:?}");
    assert!(port_refuses(port), "port {port} still answers");

    let dropped = MediaDriveStandIn::start();
    let port = dropped.port();
    drop(dropped);
    assert!(port_refuses(port), "port {port} still answers after drop");
}

#[test]
fn a_bad_schema_fails_the_start_with_the_servers_stderr() {
    require!(python);
    let panic = std::panic::catch_unwind(|| MediaDriveStandIn::start_with("README.md", true))
        .expect_err("started with a non-schema");
    let text = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        text.contains("exited before printing its PORT line"),
        "{text}"
    );
    assert!(text.contains("Syntax Error"), "{text}");
}
