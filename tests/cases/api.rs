//! Issue 7, the library: the HTTP layer (retries, errors), `Auth` (one right header; a 401
//! renews a Cognito session once), GraphQL (`variables`, `errors[]`), Media Drive, flights
//! and safe downloads, against wiremock standing in for Unleash Live.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures_util::TryStreamExt as _;
use serde_json::{Value, json};
use unleashlive_auth::api::flights::{Flights, Scope};
use unleashlive_auth::api::graphql::{GraphqlClient, Operation};
use unleashlive_auth::api::media_drive::{ListOptions, MediaDrive, MediaItem};
use unleashlive_auth::{
    ApiKey, Auth, CognitoRenewer, CognitoSessions, Error, ErrorClass, PersonalAccessToken,
    SessionStore,
};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::util::standin::{CognitoStandIn, Running};
use crate::util::unleash::{
    assert_no_auth, assert_only_auth, body, config, cut_short_server, fast_http, signed_in,
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

fn item(id: &str, name: &str) -> Value {
    json!({"id": id, "teamId": "team-7", "parentId": "p", "createdAt": 1_700_000_000,
           "ownerId": "o", "mimeType": "image/jpeg", "name": name, "location": "team-7/p",
           "s3Path": format!("team-7/{id}/{name}"), "type": "I"})
}

#[tokio::test]
async fn get_sends_the_raw_id_token_and_an_id_with_quotes_and_braces_only_in_variables() {
    let s = Setup::new().await;
    let id = r#"evil"} ) { delete(deleteItems: [{id: "x"}]) { ownerId } #"#;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"data": {"get": {
            "id": id, "location": "team-7", "createdAt": "1700000000", "futureField": [1],
            "mimeType": "application/vnd.unleashlive.folder"}}})),
        )
        .mount(&s.api)
        .await;

    let folder = s.drive().get(id).await.unwrap().unwrap();

    assert_eq!(folder.id, id);
    assert!(folder.is_folder());
    assert_eq!(folder.created_at, Some(1_700_000_000));
    assert_eq!(folder.extra["futureField"], json!([1]));
    assert_eq!(folder.listing_location(), format!("team-7/{id}"));
    let requests = s.requests().await;
    assert_eq!(requests.len(), 1);
    assert_only_auth(&requests[0], "authorization", &s.id_token().await);
    let sent = body(&requests[0]);
    assert_eq!(sent["variables"], json!({ "id": id }));
    assert!(!sent["query"].as_str().unwrap().contains("evil"));
}

/// Answers each list call with the page its `nextToken` asks for.
struct Pages;

impl Respond for Pages {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let token = &body(request)["variables"]["nextToken"];
        let (items, next) = match token["pk"].as_str() {
            None => (
                vec![item("a", "1.jpg"), item("b", "2.jpg")],
                json!({"pk": "p2", "sk": 5}),
            ),
            Some("p2") => (vec![item("c", "3.jpg")], json!({"pk": "p3", "sk": null})),
            Some("p3") => (vec![item("d", "4.jpg")], Value::Null),
            Some(other) => panic!("unexpected token {other}"),
        };
        ResponseTemplate::new(200)
            .set_body_json(json!({"data": {"list": {"items": items, "nextToken": next}}}))
    }
}

#[tokio::test]
async fn list_follows_next_token_objects_across_three_pages_passing_them_back_as_given() {
    let s = Setup::new().await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(Pages)
        .mount(&s.api)
        .await;
    let drive = s.drive();
    let options = ListOptions::default().limit(2).item_type("I");

    let items: Vec<MediaItem> = drive
        .list("team-7/f\"1", options)
        .try_collect()
        .await
        .unwrap();

    let ids: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["a", "b", "c", "d"]);
    let bodies: Vec<Value> = s.requests().await.iter().map(body).collect();
    assert_eq!(bodies.len(), 3);
    assert_eq!(
        bodies[0]["variables"],
        json!({"location": "team-7/f\"1", "limit": 2, "type": "I"})
    );
    assert_eq!(
        bodies[1]["variables"]["nextToken"],
        json!({"pk": "p2", "sk": 5})
    );
    assert_eq!(
        bodies[2]["variables"]["nextToken"],
        json!({"pk": "p3", "sk": null})
    );
}

#[tokio::test]
async fn errors_in_a_200_become_one_error_carrying_every_message() {
    let s = Setup::new().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"data": null, "errors": [
            {"message": "Not Authorized to access get", "errorType": "Unauthorized"},
            {"message": "second problem"}]})),
        )
        .mount(&s.api)
        .await;

    let err = s.drive().get("x").await.unwrap_err();

    let Error::Graphql { messages } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(messages.len(), 2);
    let text = err.to_string();
    assert!(
        text.contains("Not Authorized to access get") && text.contains("second problem"),
        "{text}"
    );
}

#[tokio::test]
async fn rename_move_and_delete_send_their_ids_as_variables_and_decode_the_answers() {
    let s = Setup::new().await;
    let reply = |data: Value| ResponseTemplate::new(200).set_body_json(json!({ "data": data }));
    for (op, data) in [
        ("rename(", json!({"rename": {"id": "i\"1"}})),
        (
            "move(",
            json!({"move": [{"id": "i\"1", "parentId": "f2", "location": "team-7/f2"}]}),
        ),
        (
            "delete(",
            json!({"delete": {"deleteItems": [{"id": "a"}, {"id": "b}"}], "ownerId": "o"}}),
        ),
    ] {
        Mock::given(method("POST"))
            .and(wiremock::matchers::body_string_contains(op))
            .respond_with(reply(data))
            .mount(&s.api)
            .await;
    }
    let drive = s.drive();

    assert_eq!(drive.rename("i\"1", "new {name}").await.unwrap(), "i\"1");
    let moved = drive.move_item("i\"1", "f2").await.unwrap();
    assert_eq!(moved[0].parent_id.as_deref(), Some("f2"));
    let deleted = drive.delete(&["a", "b}"]).await.unwrap();
    assert_eq!(deleted.delete_items, ["a", "b}"]);

    let bodies: Vec<Value> = s.requests().await.iter().map(body).collect();
    assert_eq!(
        bodies[0]["variables"],
        json!({"id": "i\"1", "newName": "new {name}"})
    );
    assert_eq!(bodies[1]["variables"], json!({"id": "i\"1", "to": "f2"}));
    assert_eq!(bodies[2]["variables"], json!({"id0": "a", "id1": "b}"}));
    for b in &bodies {
        assert!(b["query"].as_str().unwrap().starts_with("mutation"), "{b}");
    }
}

#[tokio::test]
async fn two_503s_then_a_200_succeed_after_retries() {
    let s = Setup::new().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&s.api)
        .await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"data": {"get": item("a", "x")}})),
        )
        .mount(&s.api)
        .await;

    let got = s.drive().get("a").await.unwrap().unwrap();

    assert_eq!(got.id, "a");
    assert_eq!(s.requests().await.len(), 3);
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
async fn other_4xx_answers_are_not_retried() {
    let s = Setup::new().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_string("bad query"))
        .mount(&s.api)
        .await;

    let err = s.drive().get("a").await.unwrap_err();

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
    assert_eq!(s.requests().await.len(), 1);
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
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"errors": [{"message": "Unauthorized"}]})),
        )
        .mount(&s.api)
        .await;
    let before = s.id_token().await;

    let err = s.drive().get("a").await.unwrap_err();

    assert_eq!(err.class(), ErrorClass::Authentication, "{err:?}");
    assert!(err.to_string().contains("even after a refresh"), "{err}");
    assert_eq!(s.running.count("GetTokensFromRefreshToken"), 1);
    let requests = s.requests().await;
    assert_eq!(requests.len(), 2);
    assert_only_auth(&requests[0], "authorization", &before);
    let after = s.id_token().await;
    assert_ne!(before, after);
    assert_only_auth(&requests[1], "authorization", &after);
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

    assert!(matches!(err, Error::UnexpectedResponse(_)), "{err:?}");
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
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"data": {"rename": {"id": "a"}}})),
        )
        .mount(&s.api)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&s.api)
        .await;
    let cfg = config(&s.running, &s.api);
    let pat = Auth::Pat(PersonalAccessToken::new("ul_pat_abc"));
    MediaDrive::new(fast_http(), pat.clone(), &cfg)
        .rename("a", "b")
        .await
        .unwrap();
    s.flights(pat).list(Scope::Team, 1, 2).await.unwrap();
    let key = Auth::ApiKey(ApiKey::new("legacy-key"));
    GraphqlClient::new(fast_http(), key, cfg.graphql_url.clone())
        .run::<Value>(&Operation::query("Version", "version").select(&[]))
        .await
        .unwrap();

    let requests = s.requests().await;
    assert_only_auth(&requests[0], "authorization", "Bearer ul_pat_abc");
    assert_only_auth(&requests[1], "authorization", "Bearer ul_pat_abc");
    assert_only_auth(&requests[2], "x-api-key", "legacy-key");
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
        .download(&evil, &target, Some(&progress))
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

    let err = s.drive().download(&it, out.path(), None).await.unwrap_err();

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
        .download("logs/flight.txt", out.path(), None)
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
    let drive = MediaDrive::new(fast_http(), Auth::Cognito(sessions.clone()), &aws.config());
    let uploader = Uploader::new(&aws.config(), IdentityCredentials::new(sessions)).await;
    let folder: MediaItem =
        serde_json::from_value(json!({"id": "folder-9", "location": "team-7/root"})).unwrap();
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
