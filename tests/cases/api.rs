//! Issue 7, the library: the HTTP layer (retries, errors), `Auth` (one right header; a 401
//! renews a Cognito session once), GraphQL (`errors[]`), Media Drive, flights and safe
//! downloads. Media Drive's GraphQL runs against the validating stand-in
//! (`tests/standins/mediadrive.py`: every document is parsed, validated against the schema
//! and executed over an item store, as AppSync does); the REST API and the CDNs against
//! wiremock.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::{StreamExt as _, TryStreamExt as _};
use serde_json::{Value, json};
use unleashlive_auth::api::download::DownloadDir;
use unleashlive_auth::api::flights::{Flights, Scope};
use unleashlive_auth::api::graphql::{GraphqlClient, Literal, Operation, Selection};
use unleashlive_auth::api::http::{HttpClient, Retry};
use unleashlive_auth::api::media_drive::{ListOptions, MediaDrive, MediaItem};
use unleashlive_auth::{
    ApiKey, Auth, CognitoRenewer, CognitoSessions, Config, Error, ErrorClass, PersonalAccessToken,
    SessionStore,
};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::util::mediadrive::{MediaDriveStandIn, folder as md_folder, item as md_item};
use crate::util::standin::{CognitoStandIn, Running};
use crate::util::unleash::{
    assert_no_auth, assert_only_auth, assert_only_auth_recorded, config, config_at,
    cut_short_server, fast_http, names_in, signed_in, stalling_server,
};
use crate::util::{PASSWORD, PILOT};

struct Setup {
    running: Running,
    api: MockServer,
    sessions: CognitoSessions,
    _dir: tempfile::TempDir,
}

impl Setup {
    async fn new() -> Setup {
        let running = CognitoStandIn::new(None)
            .with_user(PILOT, PASSWORD)
            .start()
            .await;
        let dir = tempfile::tempdir().unwrap();
        let store = SessionStore::new(dir.path());
        signed_in(&running, &store).await;
        let api = MockServer::start().await;
        let renewer = CognitoRenewer::new(config(&running, &api));
        Setup {
            sessions: CognitoSessions::new(store, "default", renewer),
            running,
            api,
            _dir: dir,
        }
    }

    async fn id_token(&self) -> String {
        let session = self.sessions.current().await.unwrap();
        session.id_token().secret().to_owned()
    }

    /// A validating Media Drive stand-in that lets in only the pilot's current ID token.
    async fn standin(&self) -> MediaDriveStandIn {
        let md = MediaDriveStandIn::start();
        md.control(json!({"accept": [self.id_token().await]})).await;
        md
    }

    /// Media Drive with the pilot's session: GraphQL on the stand-in `md`, the CDN on
    /// wiremock.
    fn drive_on(&self, md: &MediaDriveStandIn) -> MediaDrive {
        self.drive_with(md, fast_http(), Auth::Cognito(self.sessions.clone()))
    }

    fn drive_with(&self, md: &MediaDriveStandIn, http: HttpClient, auth: Auth) -> MediaDrive {
        let cfg = config_at(&self.running, &self.api.uri(), &md.graphql_url());
        MediaDrive::new(http, auth, &cfg)
    }

    /// Media Drive with everything on wiremock (for what the stand-in cannot answer: the
    /// CDN, broken JSON).
    fn drive(&self) -> MediaDrive {
        MediaDrive::new(
            fast_http(),
            Auth::Cognito(self.sessions.clone()),
            &config(&self.running, &self.api),
        )
    }

    fn flights(&self, auth: Auth) -> Flights {
        Flights::new(fast_http(), auth, &config(&self.running, &self.api))
    }

    async fn requests(&self) -> Vec<Request> {
        self.api.received_requests().await.unwrap()
    }
}

/// A file for the CDN tests (never sent to a GraphQL server).
fn item(id: &str, name: &str) -> Value {
    json!({"id": id, "teamId": "team-7", "parentId": "p", "createdAt": 1_700_000_000,
           "ownerId": "o", "mimeType": "image/jpeg", "name": name, "location": "team-7/p",
           "s3Path": format!("team-7/{id}/{name}"), "type": "I"})
}

/// Folders `f` and `g` at "team-7"; images `i1` (oldest) .. `i7` in `f`, a video `v` in `f`,
/// and image `z` in `g`. Creation times are milliseconds.
fn store() -> Value {
    let mut items = vec![md_folder("f", "team-7"), md_folder("g", "team-7")];
    for n in 1..=7 {
        items.push(md_item(
            &format!("i{n}"),
            &format!("{n}.jpg"),
            "team-7/f",
            1_700_000_000_000 + n,
        ));
    }
    let mut video = md_item("v", "v.mp4", "team-7/f", 1_700_000_000_100);
    video["type"] = json!("V");
    video["mimeType"] = json!("video/mp4");
    items.push(video);
    items.push(md_item("z", "z.jpg", "team-7/g", 1_700_000_000_009));
    json!({ "items": items })
}

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

#[tokio::test]
async fn other_4xx_answers_are_not_retried() {
    let s = Setup::new().await;
    let md = s.standin().await;
    md.control(json!({"fail_status": 400})).await;

    let err = s.drive_on(&md).get("a").await.unwrap_err();

    assert!(
        matches!(
            err,
            Error::Http {
                status: 400,
                attempts: 1,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(md.requests().await.len(), 1);
}

#[tokio::test]
async fn a_500_forever_gives_up_after_the_attempt_bound_with_status_and_excerpt() {
    let s = Setup::new().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500).set_body_string("upstream\nexploded"))
        .mount(&s.api)
        .await;

    let err = s
        .flights(Auth::Cognito(s.sessions.clone()))
        .list(Scope::Team, 1, 2)
        .await
        .unwrap_err();

    assert!(
        matches!(
            err,
            Error::Http {
                status: 500,
                attempts: 3,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.class(), ErrorClass::Service);
    let text = err.to_string();
    assert!(
        text.contains("500") && text.contains("upstream exploded"),
        "{text}"
    );
    assert!(!text.contains(&s.id_token().await));
    assert_eq!(s.requests().await.len(), 3);
}

#[tokio::test]
async fn a_429_waits_for_retry_after() {
    let s = Setup::new().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&s.api)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&s.api)
        .await;
    let http = unleashlive_auth::api::http::HttpClient::builder()
        .retry(unleashlive_auth::api::http::Retry {
            max_attempts: 2,
            base_delay: std::time::Duration::from_millis(1),
            max_delay: std::time::Duration::from_secs(5),
        })
        .build()
        .unwrap();
    let flights = Flights::new(
        http,
        Auth::Cognito(s.sessions.clone()),
        &config(&s.running, &s.api),
    );
    let started = std::time::Instant::now();

    assert!(flights.list(Scope::Team, 1, 2).await.unwrap().is_empty());

    assert!(started.elapsed() >= std::time::Duration::from_millis(950));
}

#[tokio::test]
async fn a_401_renews_the_cognito_session_once_then_is_an_authentication_error() {
    let s = Setup::new().await;
    let md = MediaDriveStandIn::start();
    md.control(json!({"accept": ["a token nobody has"]})).await;
    let before = s.id_token().await;

    let err = s.drive_on(&md).get("a").await.unwrap_err();

    assert_eq!(err.class(), ErrorClass::Authentication, "{err:?}");
    assert!(err.to_string().contains("even after a refresh"), "{err}");
    assert_eq!(s.running.count("GetTokensFromRefreshToken"), 1);
    let requests = md.requests().await;
    let outcomes: Vec<&str> = requests.iter().map(|r| r.outcome.as_str()).collect();
    assert_eq!(outcomes, ["unauthorized", "unauthorized"]);
    assert_only_auth_recorded(&requests[0], "authorization", &before);
    let after = s.id_token().await;
    assert_ne!(before, after);
    assert_only_auth_recorded(&requests[1], "authorization", &after);
}

#[tokio::test]
async fn a_401_then_success_after_the_refresh_goes_through() {
    let s = Setup::new().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&s.api)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"items": []})))
        .mount(&s.api)
        .await;

    let logs = s
        .flights(Auth::Cognito(s.sessions.clone()))
        .list(Scope::Company, 1, 2)
        .await;

    assert!(logs.unwrap().is_empty());
    assert_eq!(s.running.count("GetTokensFromRefreshToken"), 1);
}

#[tokio::test]
async fn a_refused_pat_is_not_renewed_and_never_shown() {
    let s = Setup::new().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_string("bad token ul_pat_secret123"))
        .mount(&s.api)
        .await;

    let err = s
        .flights(Auth::Pat(PersonalAccessToken::new("ul_pat_secret123")))
        .list(Scope::Team, 1, 2)
        .await
        .unwrap_err();

    assert_eq!(err.class(), ErrorClass::Authentication);
    assert!(!err.to_string().contains("secret123"), "{err}");
    assert!(!format!("{err:?}").contains("secret123"));
    assert_eq!(s.requests().await.len(), 1);
    assert_eq!(s.running.count("GetTokensFromRefreshToken"), 0);
}

#[tokio::test]
async fn truncated_json_is_a_clear_error() {
    let s = Setup::new().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(r#"{"data": {"get": {"id": "a""#, "application/json"),
        )
        .mount(&s.api)
        .await;

    let err = s.drive().get("a").await.unwrap_err();

    assert!(matches!(err, Error::UnexpectedResponse { .. }), "{err:?}");
    assert!(err.to_string().contains("invalid JSON"), "{err}");
}

#[tokio::test]
async fn flights_lists_send_ms_dates_and_the_rest_header_and_accept_both_shapes() {
    let s = Setup::new().await;
    Mock::given(method("GET"))
        .and(path("/v1/flights/team"))
        .and(query_param("dateFrom", "1735689600000"))
        .and(query_param("dateTo", "1738368000000"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"items": [
            {"id": "f1", "s3Path": "logs/f1.txt", "flightDistance": "1234.5", "flightDuration": 600}]})))
        .mount(&s.api)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/flights/company"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": "f2", "flightDistance": 10, "flightDuration": "75.5", "missionIds": ["m"]}])))
        .mount(&s.api)
        .await;
    let flights = s.flights(Auth::Cognito(s.sessions.clone()));

    let team = flights
        .list(Scope::Team, 1_735_689_600_000, 1_738_368_000_000)
        .await
        .unwrap();
    let company = flights.list(Scope::Company, 1, 2).await.unwrap();

    assert_eq!(team[0].flight_distance, Some(1234.5));
    assert_eq!(company[0].flight_duration, Some(75.5));
    let token = s.id_token().await;
    for request in s.requests().await {
        assert_only_auth(&request, "x-amz-cognito-security-token", &token);
    }
}

#[tokio::test]
async fn a_pat_goes_as_a_bearer_token_and_an_api_key_as_x_api_key_on_every_client() {
    let s = Setup::new().await;
    let md = MediaDriveStandIn::start();
    md.control(store()).await;
    md.control(json!({"accept": ["Bearer ul_pat_abc"]})).await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&s.api)
        .await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"data": {"__typename": "Query"}})),
        )
        .mount(&s.api)
        .await;
    let pat = Auth::Pat(PersonalAccessToken::new("ul_pat_abc"));
    let drive = s.drive_with(&md, fast_http(), pat.clone());
    assert!(drive.get("i1").await.unwrap().is_some());
    assert_eq!(drive.rename("i1", "b").await.unwrap(), "i1");
    s.flights(pat).list(Scope::Team, 1, 2).await.unwrap();
    // Another GraphQL API that takes a legacy key (the stand-in, like Media Drive, takes
    // only `authorization`).
    let key = Auth::ApiKey(ApiKey::new("legacy-key"));
    let cfg = config(&s.running, &s.api);
    GraphqlClient::new(fast_http(), key, cfg.graphql_url.clone())
        .run::<Value>(&Operation::query("Typename", "__typename"))
        .await
        .unwrap();

    for r in &md.executed_requests().await {
        assert_only_auth_recorded(r, "authorization", "Bearer ul_pat_abc");
    }
    assert_eq!(md.stored("i1").await.unwrap()["name"], "b");
    let requests = s.requests().await;
    assert_only_auth(&requests[0], "authorization", "Bearer ul_pat_abc");
    assert_only_auth(&requests[1], "x-api-key", "legacy-key");
}

#[tokio::test]
async fn a_refused_pat_on_media_drive_is_not_renewed() {
    let s = Setup::new().await;
    let md = MediaDriveStandIn::start();
    md.control(json!({"accept": ["Bearer ul_pat_other"]})).await;

    let err = s
        .drive_with(
            &md,
            fast_http(),
            Auth::Pat(PersonalAccessToken::new("ul_pat_secret9")),
        )
        .get("a")
        .await
        .unwrap_err();

    assert_eq!(err.class(), ErrorClass::Authentication, "{err:?}");
    assert!(!err.to_string().contains("secret9"), "{err}");
    let requests = md.requests().await;
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].outcome, "unauthorized");
    assert_eq!(s.running.count("GetTokensFromRefreshToken"), 0);
}

#[tokio::test]
async fn downloads_come_from_the_cdn_without_credentials_into_a_safe_name() {
    let s = Setup::new().await;
    Mock::given(method("GET"))
        .and(path("/cdn/team-7/a%20b/evil.jpg"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(b"JPEGDATA".to_vec()))
        .mount(&s.api)
        .await;
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("deep");
    let mut evil = serde_json::from_value::<MediaItem>(item("a", "x")).unwrap();
    evil.name = Some("../../etc/passwd".into());
    evil.s3_path = Some("team-7/a b/evil.jpg".into());
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&seen);
    let progress = move |done: u64, _: Option<u64>| counter.store(done as usize, Ordering::SeqCst);

    let done = s
        .drive()
        .download(&evil, &DownloadDir::new(&target), Some(&progress))
        .await
        .unwrap();

    assert_eq!(done.path, target.join("passwd"));
    assert_eq!(std::fs::read(&done.path).unwrap(), b"JPEGDATA");
    assert_eq!(seen.load(Ordering::SeqCst), 8);
    let names: Vec<_> = std::fs::read_dir(&target)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["passwd"], "no temporary file left behind");
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 1);
    assert_no_auth(&s.requests().await[0]);
}

#[tokio::test]
async fn a_download_that_404s_leaves_no_file_and_says_so() {
    let s = Setup::new().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404).set_body_string("<html>NoSuchKey</html>"))
        .mount(&s.api)
        .await;
    let out = tempfile::tempdir().unwrap();
    let it = serde_json::from_value::<MediaItem>(item("a", "x.jpg")).unwrap();

    let err = s
        .drive()
        .download(&it, &DownloadDir::new(out.path()), None)
        .await
        .unwrap_err();

    assert!(matches!(err, Error::Http { status: 404, .. }), "{err:?}");
    assert!(err.to_string().contains("NoSuchKey"));
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);
    assert_eq!(s.requests().await.len(), 1, "a 404 is not retried");
}

#[tokio::test]
async fn a_download_cut_mid_body_leaves_no_file_at_the_target() {
    let s = Setup::new().await;
    let cdn = cut_short_server(1000, b"only part of it").await;
    let mut settings = s.running.settings();
    settings.flights_cdn_url = Some(cdn);
    let flights = Flights::new(
        fast_http(),
        Auth::Cognito(s.sessions.clone()),
        &settings.resolve().unwrap(),
    );
    let out = tempfile::tempdir().unwrap();

    let err = flights
        .download("logs/flight.txt", &DownloadDir::new(out.path()), None)
        .await
        .unwrap_err();

    assert_eq!(err.class(), ErrorClass::Service, "{err:?}");
    assert!(!out.path().join("flight.txt").exists());
    assert_eq!(
        std::fs::read_dir(out.path()).unwrap().count(),
        0,
        "no partial file either"
    );
}

/// Media Drive and flights with a PAT, both CDNs at `cdn` (`/cdn`, `/flights-cdn`).
fn cdn_clients(cdn: &str) -> (MediaDrive, Flights) {
    let mut config = Config::unleash_live();
    config.media_cdn_url = format!("{cdn}/cdn");
    config.flights_cdn_url = format!("{cdn}/flights-cdn");
    let auth = Auth::Pat(PersonalAccessToken::new("ul_pat_cdn"));
    (
        MediaDrive::new(fast_http(), auth.clone(), &config),
        Flights::new(fast_http(), auth, &config),
    )
}

#[tokio::test]
async fn a_download_never_replaces_a_file_and_items_of_one_name_get_numbered_names() {
    let cdn = MockServer::start().await;
    for id in ["a", "b", "c", "d", "e"] {
        Mock::given(method("GET"))
            .and(path(format!("/cdn/team-7/{id}/obj")))
            .respond_with(ResponseTemplate::new(200).set_body_string(format!("content {id}")))
            .mount(&cdn)
            .await;
    }
    let (drive, _) = cdn_clients(&cdn.uri());
    let named = |id: &str, name: &str| {
        let mut it = serde_json::from_value::<MediaItem>(item(id, name)).unwrap();
        it.s3_path = Some(format!("team-7/{id}/obj"));
        it
    };
    // a and b: one name; c: the name of a file already there; d: the name of a symbolic link
    // (to a file outside); e: a name that only a zero-width space sets apart.
    let items = [
        named("a", "same.jpg"),
        named("b", "same.jpg"),
        named("c", "mine.jpg"),
        named("d", "link.jpg"),
        named("e", "same\u{200b}.jpg"),
    ];
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("mine.jpg"), "my own").unwrap();
    let outside = dir.path().join("outside.txt");
    std::fs::write(&outside, "not yours").unwrap();
    std::os::unix::fs::symlink(&outside, out.join("link.jpg")).unwrap();

    let to = DownloadDir::new(&out);
    let mut done = Vec::new();
    for it in &items {
        done.push(drive.download(it, &to, None).await.unwrap());
    }

    let got: Vec<(String, &str, bool)> = done
        .iter()
        .map(|d| {
            let name = d.path.file_name().unwrap().to_str().unwrap().to_owned();
            (name, d.requested_name.as_str(), d.renamed())
        })
        .collect();
    assert_eq!(
        got,
        [
            ("same.jpg".to_owned(), "same.jpg", false),
            ("same (2).jpg".to_owned(), "same.jpg", true),
            ("mine (2).jpg".to_owned(), "mine.jpg", true),
            ("link (2).jpg".to_owned(), "link.jpg", true),
            ("same (3).jpg".to_owned(), "same.jpg", true),
        ]
    );
    for (d, id) in done.iter().zip(["a", "b", "c", "d", "e"]) {
        assert_eq!(
            std::fs::read_to_string(&d.path).unwrap(),
            format!("content {id}")
        );
    }
    assert_eq!(
        std::fs::read_to_string(out.join("mine.jpg")).unwrap(),
        "my own"
    );
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "not yours");

    // With overwrite, files from before are replaced (a link itself, not its target), and
    // two downloads of one run still never share a file.
    let again = DownloadDir::new(&out).overwrite(true);
    let mut replaced = Vec::new();
    for it in &items[..4] {
        let d = drive.download(it, &again, None).await.unwrap();
        replaced.push(d.path.file_name().unwrap().to_str().unwrap().to_owned());
    }
    assert_eq!(
        replaced,
        ["same.jpg", "same (2).jpg", "mine.jpg", "link.jpg"]
    );
    assert_eq!(
        std::fs::read_to_string(out.join("mine.jpg")).unwrap(),
        "content c"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("same (2).jpg")).unwrap(),
        "content b"
    );
    assert!(!out.join("link.jpg").is_symlink());
    assert_eq!(
        std::fs::read_to_string(out.join("link.jpg")).unwrap(),
        "content d"
    );
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "not yours");
    assert!(
        names_in(&out).iter().all(|n| !n.ends_with(".part")),
        "{:?}",
        names_in(&out)
    );
}

#[tokio::test]
async fn a_download_dropped_half_way_leaves_no_part_file() {
    let cdn = stalling_server(1_000_000, b"the first bytes").await;
    let (_, flights) = cdn_clients(&cdn);
    let dir = tempfile::tempdir().unwrap();
    let to = DownloadDir::new(dir.path());

    let part_seen = async {
        loop {
            if names_in(dir.path()).iter().any(|n| n.ends_with(".part")) {
                // Let the first bytes reach the file too.
                tokio::time::sleep(Duration::from_millis(100)).await;
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::select! {
        outcome = flights.download("logs/big.txt", &to, None) => {
            panic!("the download ended: {outcome:?}")
        }
        () = part_seen => {}
    }

    assert_eq!(names_in(dir.path()), Vec::<String>::new());
}

#[tokio::test]
async fn a_key_with_a_plus_and_a_space_is_fetched_percent_encoded_without_credentials() {
    let s = Setup::new().await;
    let md = s.standin().await;
    let mut plus = md_item("p1", "a+b c.jpg", "team-7/f", 1_700_000_000_000);
    plus["s3Path"] = json!("team-7/p 1/a+b c.jpg");
    md.control(json!({"items": [md_folder("f", "team-7"), plus]}))
        .await;
    Mock::given(method("GET"))
        .and(path("/cdn/team-7/p%201/a%2Bb%20c.jpg"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(b"PLUS".to_vec()))
        .mount(&s.api)
        .await;
    let drive = s.drive_on(&md);
    let out = tempfile::tempdir().unwrap();

    let listed: Vec<MediaItem> = drive
        .list("team-7/f", ListOptions::default())
        .try_collect()
        .await
        .unwrap();
    let done = drive
        .download(&listed[0], &DownloadDir::new(out.path()), None)
        .await
        .unwrap();

    assert_eq!(done.path, out.path().join("a+b c.jpg"));
    assert_eq!(std::fs::read(&done.path).unwrap(), b"PLUS");
    let requests = s.requests().await;
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].url.path(), "/cdn/team-7/p%201/a%2Bb%20c.jpg");
    assert_no_auth(&requests[0]);
}

#[cfg(feature = "upload")]
#[tokio::test(flavor = "multi_thread")]
async fn an_upload_of_17_mib_lands_in_s3_under_identity_uuid_name_with_the_folder_location() {
    use crate::util::identity::{Aws, s3_admin};
    use unleashlive_auth::cognito::AuthFlow;
    use unleashlive_auth::{CognitoClient, IdentityCredentials, Password, SignIn, Uploader};

    let aws = Aws::create().await;
    let dir = tempfile::tempdir().unwrap();
    let store = SessionStore::new(dir.path().join("cache"));
    let cognito = CognitoClient::new(aws.config()).await;
    let SignIn::Done(session) = cognito
        .sign_in(AuthFlow::Password, PILOT, &Password::new(PASSWORD))
        .await
        .unwrap()
    else {
        panic!("challenge")
    };
    store.save("default", &session).unwrap();
    let sessions = CognitoSessions::new(store, "default", CognitoRenewer::new(aws.config()));
    let md = MediaDriveStandIn::start();
    md.control(json!({"items": [md_folder("folder-9", "team-7/root")],
                      "accept": [session.id_token().secret()]}))
        .await;
    let mut settings = aws.settings();
    settings.graphql_url = Some(md.graphql_url());
    let drive = MediaDrive::new(
        fast_http(),
        Auth::Cognito(sessions.clone()),
        &settings.resolve().unwrap(),
    );
    let uploader = Uploader::new(&aws.config(), IdentityCredentials::new(sessions)).await;
    let folder = drive.get("folder-9").await.unwrap().unwrap();
    assert_eq!(md.executed_requests().await.len(), 1);
    let content: Vec<u8> = (0..17 * 1024 * 1024 + 3u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
        .collect();
    let file = dir.path().join("big survey.tif");
    std::fs::write(&file, &content).unwrap();

    let done = drive.upload(&uploader, &folder, &file, None).await.unwrap();

    let parts: Vec<&str> = done.key.split('/').collect();
    assert_eq!(parts.len(), 3, "{}", done.key);
    assert_eq!(parts[1].len(), 36);
    assert_eq!(parts[2], "big survey.tif");
    let object = s3_admin()
        .get_object()
        .bucket(&aws.bucket)
        .key(&done.key)
        .send()
        .await
        .unwrap();
    let metadata = object.metadata().unwrap().clone();
    assert_eq!(metadata["location"], "team-7/root/folder-9");
    assert_eq!(metadata["name"], "big survey.tif");
    let bytes = object.body.collect().await.unwrap().into_bytes();
    assert!(bytes.as_ref() == content.as_slice(), "the bytes differ");
}
