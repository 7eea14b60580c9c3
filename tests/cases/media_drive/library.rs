//! The Media Drive client against the validating stand-in (`tests/standins/mediadrive.py`: every
//! document is parsed, validated against the schema and executed over an item store, as AppSync
//! does): every operation, paging, hostile values, GraphQL errors, and what is retried.

use std::time::Duration;

use futures_util::{StreamExt as _, TryStreamExt as _};
use serde_json::{Value, json};
use unleashlive_auth::api::graphql::{GraphqlClient, Literal, Operation, Selection};
use unleashlive_auth::api::http::{HttpClient, Retry};
use unleashlive_auth::api::media_drive::{ListOptions, MediaItem};
use unleashlive_auth::{Auth, Error, ErrorClass};

use crate::util::api::{Setup, store};
use crate::util::emulator::require;
use crate::util::mediadrive::{folder as md_folder, item as md_item};
use crate::util::unleash::{assert_only_auth_recorded, fast_http};

fn ids(items: &[MediaItem]) -> Vec<&str> {
    items.iter().map(|i| i.id.as_str()).collect()
}

/// Panics unless `err` says the change may or may not have been made and how to check: with
/// `media-drive get <id>`.
fn assert_outcome_unknown(err: &Error, id: &str) {
    let Error::OutcomeUnknown { check, .. } = err else {
        panic!("not OutcomeUnknown: {err:?}")
    };
    let hint = format!("`media-drive get {id}`");
    assert!(check.contains(&hint), "{check}");
    let text = err.to_string();
    assert!(
        text.contains(&hint) && text.contains("may or may not have been made"),
        "{text}"
    );
    assert_eq!(err.class(), ErrorClass::Service);
}

/// Text that breaks out of a naively built document: quotes, braces, a block-string delimiter,
/// backslashes, escapes as text, real newlines, NUL, emoji, `$`, and an injected delete.
const HOSTILE_ID: &str = "id \"q\" {b} \"\"\" \\ \\\" \\u0041 \n\r\n\0 \u{1F600}\u{1D11E} $id \
    }) { delete(deleteItems: [{id: \"victim\"}]) { ownerId } } #";
const HOSTILE_NAME: &str = "name \"\"\"block\"\"\" \\n is no newline\nthis is one\t\0 NUL \
    \u{1F681} ${x} }) { delete(deleteItems: [{id: \"victim\"}]) { ownerId } } #";
const HOSTILE_FOLDER: &str = "folder \"}]) { x } \\ \u{1F4C1} \"\"\"";

#[test]
fn media_items_decode_leniently_keeping_unknown_fields() {
    let folder: MediaItem = serde_json::from_value(json!({
        "id": "f", "location": "team-7", "createdAt": "1700000000", "futureField": [1],
        "mimeType": "application/vnd.unleashlive.folder"}))
    .unwrap();
    assert!(folder.is_folder());
    assert_eq!(folder.created_at, Some(1_700_000_000));
    assert_eq!(folder.extra["futureField"], json!([1]));
    assert_eq!(folder.listing_location(), "team-7/f");
}

#[tokio::test]
async fn every_operation_executes_against_the_validating_schema_and_changes_the_store() {
    require!(python);
    let s = Setup::new().await;
    let md = s.standin().await;
    md.control(store()).await;
    let drive = s.drive_on(&md);

    let folder = drive.get("f").await.unwrap().unwrap();
    assert_eq!(
        (folder.id.as_str(), folder.name.as_deref()),
        ("f", Some("f"))
    );
    assert_eq!(folder.listing_location(), "team-7/f");
    assert_eq!(drive.get("nope").await.unwrap(), None);
    let options = ListOptions::default().limit(2).item_type("I");
    let page = drive
        .list_page(&folder.listing_location(), &options, None)
        .await
        .unwrap();
    assert_eq!(ids(&page.items), ["i7", "i6"]);
    assert_eq!(page.items[0].s3_path.as_deref(), Some("team-7/i7/7.jpg"));
    assert_eq!(page.next_token.as_ref().unwrap()["sk"], "i6");
    assert_eq!(drive.rename("i1", "New name").await.unwrap(), "i1");
    let moved = drive.move_items(&["i1", "i2"], "g").await.unwrap();
    let deleted = drive.delete(&["i3", "z"]).await.unwrap();

    assert_eq!(md.stored("i1").await.unwrap()["name"], "New name");
    assert_eq!(moved.len(), 2);
    for (m, id) in moved.iter().zip(["i1", "i2"]) {
        assert_eq!(m.id, id);
        assert_eq!(m.parent_id.as_deref(), Some("g"));
        assert_eq!(m.location.as_deref(), Some("team-7/g"));
        let stored = md.stored(id).await.unwrap();
        assert_eq!(
            (&stored["parentId"], &stored["location"]),
            (&json!("g"), &json!("team-7/g"))
        );
    }
    assert_eq!(deleted.delete_items, ["i3", "z"]);
    assert_eq!(deleted.owner_id.as_deref(), Some("owner-1"));
    assert!(md.stored("i3").await.is_none() && md.stored("z").await.is_none());
    assert_eq!(md.items().await.len(), 9);

    let requests = md.executed_requests().await;
    let kinds: Vec<Option<&str>> = requests.iter().map(|r| r.operation.as_deref()).collect();
    let (q, m) = (Some("query"), Some("mutation"));
    assert_eq!(kinds, [q, q, q, m, m, m]);
    let token = s.id_token().await;
    for r in &requests {
        assert_only_auth_recorded(r, "authorization", &token);
        assert_eq!(r.headers["content-type"], "application/json");
        assert!(!r.query().contains('$'), "{}", r.query());
        assert_eq!(r.variables(), &Value::Null, "no variables: {}", r.raw_body);
    }
    assert!(
        requests[4]
            .query()
            .contains(r#"move(moveItems: [{id: "i1"}, {id: "i2"}], to: {id: "g"})"#)
    );
}

#[tokio::test]
async fn list_pages_until_the_all_null_cursor_or_a_null_one_and_asks_for_nothing_after_it() {
    require!(python);
    let s = Setup::new().await;
    let md = s.standin().await;
    // A folder whose id holds a quote: its listing location goes out as a literal too.
    let mut seed = store();
    let items = seed["items"].as_array_mut().unwrap();
    items.push(md_folder("f\"1", "team-7"));
    for item in items.iter_mut() {
        if item["location"] == "team-7/f" {
            item["location"] = json!("team-7/f\"1");
            item["parentId"] = json!("f\"1");
        }
    }
    md.control(seed).await;
    let drive = s.drive_on(&md);
    let options = ListOptions::default().limit(2).item_type("I");
    let want = ["i7", "i6", "i5", "i4", "i3", "i2", "i1"];

    let all_null: Vec<MediaItem> = drive
        .list("team-7/f\"1", options.clone())
        .try_collect()
        .await
        .unwrap();

    assert_eq!(ids(&all_null), want);
    let requests = md.executed_requests().await;
    assert_eq!(
        requests.len(),
        4,
        "four pages, nothing after the all-null cursor"
    );
    assert!(
        !requests[0].query().contains("nextToken: "),
        "{}",
        requests[0].query()
    );
    for r in &requests {
        assert_eq!(r.operation.as_deref(), Some("query"));
        assert!(!r.query().contains('$'), "{}", r.query());
        assert!(
            r.query().contains(r#"location: "team-7/f\"1""#),
            "{}",
            r.query()
        );
    }
    for r in &requests[1..] {
        // The cursor goes back as it came, its null fields as null (the stand-in only takes
        // a cursor it issued, field for field).
        let q = r.query();
        assert!(
            q.contains("nextToken: {")
                && q.contains("teamIdType: null")
                && q.contains("searchName: null"),
            "{q}"
        );
    }

    md.control(json!({"last_token": "null"})).await;
    let null_last: Vec<MediaItem> = drive
        .list("team-7/f\"1", options)
        .try_collect()
        .await
        .unwrap();

    assert_eq!(ids(&null_last), want);
    assert_eq!(
        md.executed_requests().await.len(),
        8,
        "four more pages, then nothing"
    );
}

#[tokio::test]
async fn a_cursor_handed_out_twice_stops_the_listing_with_an_error_instead_of_looping() {
    require!(python);
    let s = Setup::new().await;
    let md = s.standin().await;
    md.control(store()).await;
    md.control(json!({"repeat_token": true})).await;
    let drive = s.drive_on(&md);

    let results: Vec<Result<MediaItem, Error>> = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        drive
            .list("team-7/f", ListOptions::default().limit(2))
            .collect(),
    )
    .await
    .expect("the listing never ended");

    let (ok, failed): (Vec<_>, Vec<_>) = results.into_iter().partition(Result::is_ok);
    assert_eq!(ok.len(), 2, "the first page");
    assert_eq!(failed.len(), 1);
    let err = failed.into_iter().next().unwrap().unwrap_err();
    assert!(matches!(err, Error::UnexpectedResponse { .. }), "{err:?}");
    assert!(err.to_string().contains("same nextToken twice"), "{err}");
    assert_eq!(md.executed_requests().await.len(), 2);
}

#[tokio::test]
async fn a_hostile_id_and_name_round_trip_exactly_and_never_change_the_document() {
    require!(python);
    let s = Setup::new().await;
    let md = s.standin().await;
    let mut seed = store();
    let items = seed["items"].as_array_mut().unwrap();
    items.push(md_item(
        HOSTILE_ID,
        "plain.jpg",
        "team-7/f",
        1_700_000_000_050,
    ));
    items.push(md_item(
        "victim",
        "victim.jpg",
        "team-7/g",
        1_700_000_000_060,
    ));
    items.push(md_folder(HOSTILE_FOLDER, "team-7"));
    md.control(seed).await;
    let drive = s.drive_on(&md);

    let got = drive.get(HOSTILE_ID).await.unwrap().unwrap();
    assert_eq!(got.id, HOSTILE_ID);
    assert_eq!(got.name.as_deref(), Some("plain.jpg"));
    assert_eq!(
        drive.rename(HOSTILE_ID, HOSTILE_NAME).await.unwrap(),
        HOSTILE_ID
    );
    assert_eq!(md.stored(HOSTILE_ID).await.unwrap()["name"], HOSTILE_NAME);
    let moved = drive
        .move_items(&[HOSTILE_ID, "i1"], HOSTILE_FOLDER)
        .await
        .unwrap();
    assert_eq!(moved[0].parent_id.as_deref(), Some(HOSTILE_FOLDER));
    let folder = drive.get(HOSTILE_FOLDER).await.unwrap().unwrap();
    // One item per page: the cursor, holding the hostile location and id, goes back too.
    let listed: Vec<MediaItem> = drive
        .list(&folder.listing_location(), ListOptions::default().limit(1))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids(&listed), [HOSTILE_ID, "i1"]);
    assert_eq!(listed[0].name.as_deref(), Some(HOSTILE_NAME));
    let deleted = drive.delete(&[HOSTILE_ID]).await.unwrap();
    assert_eq!(deleted.delete_items, [HOSTILE_ID]);

    assert!(md.stored(HOSTILE_ID).await.is_none());
    assert!(
        md.stored("victim").await.is_some(),
        "the injected delete never ran"
    );
    let requests = md.executed_requests().await;
    let kinds: Vec<Option<&str>> = requests.iter().map(|r| r.operation.as_deref()).collect();
    let (q, m) = (Some("query"), Some("mutation"));
    assert_eq!(kinds, [q, m, m, q, q, q, m]);
    for r in &requests {
        // Control characters go escaped: the June 2018 spec allows no raw NUL (nor a raw
        // newline) in a string; graphql-core, on the 2021 spec, lets a NUL pass unnoticed.
        assert!(!r.query().chars().any(char::is_control), "{:?}", r.query());
    }
    assert!(
        requests[5].query().contains("nextToken: {"),
        "{}",
        requests[5].query()
    );
}

#[tokio::test]
async fn errors_in_a_200_become_one_error_carrying_every_message() {
    require!(python);
    let s = Setup::new().await;
    let md = s.standin().await;
    md.control(store()).await;

    // A document the schema refuses twice over: AppSync's 200 with data null and errors[].
    const SELECTION: &[Selection] = &[Selection::Field("id"), Selection::Field("colour")];
    let refused = Operation::query("Refused", "get")
        .arg(
            "item",
            Literal::object([("id", Literal::string("i1"))]).unwrap(),
        )
        .arg("shade", 1_i64)
        .select(SELECTION);
    let err = GraphqlClient::new(
        fast_http(),
        Auth::Cognito(s.sessions.clone()),
        md.graphql_url(),
    )
    .run::<Value>(&refused)
    .await
    .unwrap_err();
    let Error::Graphql { messages } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(messages.len(), 2, "{messages:?}");
    let text = err.to_string();
    assert!(
        text.contains("Unknown argument 'shade'") && text.contains("Cannot query field 'colour'"),
        "{text}"
    );
    assert_eq!(err.class(), ErrorClass::Service);

    // A resolver's error on a mutation: an answer, so not "outcome unknown".
    let err = s.drive_on(&md).rename("nope", "x").await.unwrap_err();
    assert!(matches!(err, Error::Graphql { .. }), "{err:?}");
    assert!(err.to_string().contains("'nope' not found"), "{err}");
    let outcomes: Vec<String> = md.requests().await.into_iter().map(|r| r.outcome).collect();
    assert_eq!(outcomes, ["invalid", "executed"]);
}

#[tokio::test]
async fn a_mutation_whose_answer_is_lost_is_sent_once_and_its_outcome_is_unknown() {
    require!(python);
    let s = Setup::new().await;
    for (setting, status) in [
        (json!({"fail_after_mutation": 502}), Some(502)),
        (json!({"drop_after_mutation": true}), None),
    ] {
        let md = s.standin().await;
        md.control(store()).await;
        let drive = s.drive_on(&md);

        md.control(setting.clone()).await;
        let err = drive.rename("i1", "Renamed").await.unwrap_err();
        assert_outcome_unknown(&err, "i1");
        assert_eq!(
            md.stored("i1").await.unwrap()["name"],
            "Renamed",
            "{setting}"
        );
        assert_eq!(md.mutation_count().await, 1, "{setting}");

        md.control(setting.clone()).await;
        let err = drive.move_items(&["i2", "i3"], "g").await.unwrap_err();
        assert_outcome_unknown(&err, "i2");
        assert_eq!(md.stored("i3").await.unwrap()["parentId"], "g");
        assert_eq!(md.mutation_count().await, 2, "{setting}");

        md.control(setting.clone()).await;
        let err = drive.delete(&["i4", "i5"]).await.unwrap_err();
        assert_outcome_unknown(&err, "i4");
        assert!(md.stored("i4").await.is_none() && md.stored("i5").await.is_none());
        assert_eq!(md.mutation_count().await, 3, "{setting}");

        let requests = md.executed_requests().await;
        assert_eq!(requests.len(), 3, "{setting}: nothing sent twice");
        for r in &requests {
            assert_eq!(r.status, status, "{setting}");
        }
        // Looking the item up, as the error advises, is an ordinary query.
        assert_eq!(
            drive.get("i1").await.unwrap().unwrap().name.as_deref(),
            Some("Renamed")
        );
    }
}

#[tokio::test]
async fn queries_are_retried_on_503_and_a_mutation_that_met_one_is_not() {
    require!(python);
    let s = Setup::new().await;
    let md = s.standin().await;
    md.control(store()).await;
    md.control(json!({"fail_status": 503})).await;
    let drive = s.drive_on(&md);

    let err = drive.get("i1").await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Http {
                status: 503,
                attempts: 3,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        md.requests().await.len(),
        3,
        "every attempt fast_http allows"
    );

    let err = drive.rename("i1", "never").await.unwrap_err();
    assert_outcome_unknown(&err, "i1");
    assert_eq!(md.requests().await.len(), 4, "the mutation went once");
    assert_eq!(md.stored("i1").await.unwrap()["name"], "1.jpg");

    md.control(json!({"fail_status": null})).await;
    assert!(drive.get("i1").await.unwrap().is_some());
    let outcomes: Vec<String> = md.requests().await.into_iter().map(|r| r.outcome).collect();
    assert_eq!(
        outcomes,
        [
            "failed-status",
            "failed-status",
            "failed-status",
            "failed-status",
            "executed"
        ]
    );
}

#[tokio::test]
async fn a_query_answered_503_is_retried_until_it_executes() {
    require!(python);
    let s = Setup::new().await;
    let md = s.standin().await;
    md.control(store()).await;
    md.control(json!({"fail_status": 503})).await;
    // Slow enough retries that the 503s are cleared before the attempts run out.
    let http = HttpClient::builder()
        .retry(Retry {
            max_attempts: 4,
            base_delay: Duration::from_millis(400),
            max_delay: Duration::from_secs(2),
        })
        .build()
        .unwrap();
    let drive = s.drive_with(&md, http, Auth::Cognito(s.sessions.clone()));
    let clear = async {
        while md.requests().await.is_empty() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        md.control(json!({"fail_status": null})).await;
    };

    let (got, ()) = tokio::join!(drive.get("i1"), clear);

    assert_eq!(got.unwrap().unwrap().id, "i1");
    let outcomes: Vec<String> = md.requests().await.into_iter().map(|r| r.outcome).collect();
    let (last, before) = outcomes.split_last().unwrap();
    assert_eq!(last, "executed", "{outcomes:?}");
    assert!(
        !before.is_empty() && before.iter().all(|o| o == "failed-status"),
        "{outcomes:?}"
    );
}
