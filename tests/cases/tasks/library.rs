//! The jobs and tasks clients against a wiremock stand-in: the exact method, path
//! (encoded ids), credential header and JSON body of every call; listings followed to the
//! end; changes sent once.

use serde_json::{Value, json};
use unleashlive_auth::api::missions::{Geofence, Mission};
use unleashlive_auth::api::tasks::{
    GeofencedFlight, JobUpdate, Jobs, ManualWaypoint, NewJob, NewTask, TaskScope, TaskUpdate, Tasks,
};
use unleashlive_auth::{
    Auth, CredentialChoice, Error, PersonalAccessToken, SessionStore, UnleashLive,
};
use wiremock::matchers::any;
use wiremock::{Mock, Request, ResponseTemplate};

use crate::util::api::{Pages, Setup};
use crate::util::unleash::{assert_only_auth, config, fast_http};

const PAT: &str = "ul_pat_tasks_test";
const HOSTILE: &str = "a/../b?x#y";
const HOSTILE_ENCODED: &str = "a%2F..%2Fb%3Fx%23y";

/// The shared signed-in fixture ([`Setup`]), with this file's helpers.
struct Lib(Setup);

impl std::ops::Deref for Lib {
    type Target = Setup;

    fn deref(&self) -> &Setup {
        &self.0
    }
}

impl Lib {
    async fn new() -> Lib {
        Lib(Setup::new().await)
    }

    /// Every request answered with `answer`.
    async fn answer(&self, answer: ResponseTemplate) {
        Mock::given(any())
            .respond_with(answer)
            .mount(&self.api)
            .await;
    }

    fn cognito(&self) -> Auth {
        Auth::Cognito(self.sessions.clone())
    }

    fn jobs(&self, auth: Auth) -> Jobs {
        Jobs::new(fast_http(), auth, &config(&self.running, &self.api))
    }

    fn tasks(&self, auth: Auth) -> Tasks {
        Tasks::new(fast_http(), auth, &config(&self.running, &self.api))
    }

    /// Panics unless exactly these calls were made, each with the session's ID token as the
    /// only credential: (method, raw path, JSON body or `None` for no body).
    async fn assert_calls(&self, want: &[(&str, &str, Option<Value>)]) {
        let token = self.id_token().await;
        let requests = self.requests().await;
        assert_eq!(requests.len(), want.len(), "{requests:?}");
        for (request, (method, path, body)) in requests.iter().zip(want) {
            assert_eq!(request.method.as_str(), *method, "{}", request.url);
            assert_eq!(request.url.path(), *path);
            assert_eq!(request.url.query(), None, "{}", request.url);
            assert_only_auth(request, "x-amz-cognito-security-token", &token);
            match body {
                Some(body) => {
                    assert_eq!(
                        &serde_json::from_slice::<Value>(&request.body).unwrap(),
                        body
                    );
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

/// Panics unless the requests are GETs of `path` with `limit` and then the `nextToken`s.
fn assert_pages(requests: &[Request], path: &str, limit: &str, tokens: &[Option<&str>]) {
    assert_eq!(requests.len(), tokens.len(), "one request per page");
    for (request, token) in requests.iter().zip(tokens) {
        assert_eq!(request.method.as_str(), "GET");
        assert_eq!(request.url.path(), path);
        let query: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
        let mut want = vec![("limit".to_owned(), limit.to_owned())];
        if let Some(token) = token {
            want.push(("nextToken".to_owned(), (*token).to_owned()));
        }
        assert_eq!(query, want, "{}", request.url);
    }
}

#[tokio::test]
async fn the_team_task_listing_follows_next_token_across_three_pages_with_a_pat_as_bearer() {
    let s = Lib::new().await;
    Mock::given(any())
        .respond_with(super::three_pages(json!({"id": "d", "lat": "-33.5"})))
        .mount(&s.api)
        .await;
    let auth = Auth::Pat(PersonalAccessToken::new(PAT));

    let tasks = s.tasks(auth).list(TaskScope::Team, Some(2)).await.unwrap();

    let ids: Vec<&str> = tasks.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["a", "b", "c", "d"]);
    assert_eq!(tasks[3].lat, Some(-33.5));
    let requests = s.requests().await;
    assert_pages(
        &requests,
        "/v1/task/team",
        "2",
        &[None, Some("t2/+ ="), Some("t3")],
    );
    for r in &requests {
        assert_only_auth(r, "authorization", &format!("Bearer {PAT}"));
    }
}

#[tokio::test]
async fn a_repeated_next_token_is_an_error_not_a_loop() {
    let s = Lib::new().await;
    Mock::given(any())
        .respond_with(Pages::json(vec![
            (None, json!({"items": [{"id": "a"}], "nextToken": "A"})),
            (Some("A"), json!({"items": [{"id": "b"}], "nextToken": "B"})),
            (Some("B"), json!({"items": [{"id": "c"}], "nextToken": "A"})),
        ]))
        .mount(&s.api)
        .await;

    let err = s
        .tasks(s.cognito())
        .list(TaskScope::Company, Some(1))
        .await
        .unwrap_err();

    assert!(matches!(err, Error::UnexpectedResponse { .. }), "{err:?}");
    assert!(
        err.to_string().contains("repeated its continuation token"),
        "{err}"
    );
    assert_pages(
        &s.requests().await,
        "/v1/task/company",
        "1",
        &[None, Some("A"), Some("B")],
    );
}

#[tokio::test]
async fn a_2xx_answer_with_errors_is_a_service_error() {
    let s = Lib::new().await;
    s.answer(ok(json!({"errors": [{"message": "job not found"}]})))
        .await;

    let err = s.jobs(s.cognito()).list().await.unwrap_err();
    let on_create = s
        .jobs(s.cognito())
        .create(&NewJob::new("T", "D"))
        .await
        .unwrap_err();

    for err in [err, on_create] {
        assert!(matches!(err, Error::Service { .. }), "{err:?}");
        assert!(err.to_string().contains("job not found"), "{err}");
    }
    s.assert_calls(&[
        ("GET", "/v1/job", None),
        (
            "POST",
            "/v1/job",
            Some(json!({"title": "T", "description": "D"})),
        ),
    ])
    .await;
}

#[tokio::test]
async fn a_5xx_after_a_create_is_sent_once_and_its_outcome_unknown() {
    let s = Lib::new().await;
    s.answer(ResponseTemplate::new(503).set_body_string("busy"))
        .await;
    let task = NewTask::new("Pier 3", "bearings", "job-1", -33.5, 151.25).user("u-9");

    let err = s.tasks(s.cognito()).create(&task).await.unwrap_err();

    assert!(matches!(err, Error::OutcomeUnknown { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("HTTP 503") && text.contains("GET /v1/task/team"),
        "{text}"
    );
    s.assert_calls(&[(
        "POST",
        "/v1/task",
        Some(
            json!({"title": "Pier 3", "description": "bearings", "jobId": "job-1",
                    "type": "FLIGHT_REQUEST", "lat": -33.5, "lng": 151.25, "userId": "u-9"}),
        ),
    )])
    .await;
}

#[tokio::test]
async fn a_data_wrapper_is_unwrapped_and_unknown_fields_are_kept() {
    let s = Lib::new().await;
    s.answer(ok(
        json!({"data": {"id": "j-1", "title": "T", "updatedAt": 1700000000000_i64,
                                "pk": "JOB#j-1"}}),
    ))
    .await;

    let job = s.jobs(s.cognito()).get("j-1").await.unwrap();

    assert_eq!(job.id, "j-1");
    assert_eq!(job.title.as_deref(), Some("T"));
    assert_eq!(job.updated_at, Some(1_700_000_000_000));
    assert_eq!(job.extra["pk"], "JOB#j-1");
    s.assert_calls(&[("GET", "/v1/job/j-1", None)]).await;
}

#[tokio::test]
async fn a_hostile_id_stays_one_encoded_segment_in_every_job_call() {
    let s = Lib::new().await;
    s.answer(ok(json!({"id": HOSTILE}))).await;
    let jobs = s.jobs(s.cognito());

    jobs.get(HOSTILE).await.unwrap();
    jobs.update(HOSTILE, &JobUpdate::default().title("New"))
        .await
        .unwrap();
    jobs.assign(HOSTILE, "pilot-7").await.unwrap();
    jobs.delete(HOSTILE).await.unwrap();

    let at = format!("/v1/job/{HOSTILE_ENCODED}");
    let assign = format!("{at}/task");
    s.assert_calls(&[
        ("GET", &at, None),
        ("PATCH", &at, Some(json!({"title": "New"}))),
        ("PATCH", &assign, Some(json!({"assignedId": "pilot-7"}))),
        ("DELETE", &at, None),
    ])
    .await;
}

#[tokio::test]
async fn every_other_job_and_task_call_has_its_method_path_and_body() {
    let s = Lib::new().await;
    s.answer(ok(json!([{"id": "x"}]))).await;
    let (jobs, tasks) = (s.jobs(s.cognito()), s.tasks(s.cognito()));

    assert_eq!(jobs.team().await.unwrap()[0].id, "x");
    assert_eq!(
        tasks.list(TaskScope::Assigned, None).await.unwrap()[0].id,
        "x"
    );
    s.assert_calls(&[("GET", "/v1/job/team", None), ("GET", "/v1/task", None)])
        .await;
    s.api.reset().await;
    s.answer(ok(json!({"id": "t-1"}))).await;
    let job = NewJob::new("T", "D").users(["u1", "u2"]).status("OPEN");
    assert_eq!(jobs.create(&job).await.unwrap().id, "t-1");
    assert_eq!(tasks.get(HOSTILE).await.unwrap().id, "t-1");
    tasks
        .update(HOSTILE, &TaskUpdate::default().status("DONE"))
        .await
        .unwrap();
    tasks.delete(HOSTILE).await.unwrap();

    let at = format!("/v1/task/{HOSTILE_ENCODED}");
    s.assert_calls(&[
        (
            "POST",
            "/v1/job",
            Some(
                json!({"title": "T", "description": "D", "userIds": ["u1", "u2"],
                        "status": "OPEN"}),
            ),
        ),
        ("GET", &at, None),
        ("PATCH", &at, Some(json!({"status": "DONE"}))),
        ("DELETE", &at, None),
    ])
    .await;
}

#[tokio::test]
async fn missions_go_top_level_beside_the_tasks_own_fields_and_upload_as_the_body() {
    let s = Lib::new().await;
    s.answer(ok(json!({"id": "m-1"}))).await;
    let tasks = s.tasks(s.cognito());
    let mission = json!({"name": "M", "desc": "d", "speed": 5,
                         "route": [{"lat": 1.5, "lng": 2.5, "altitude": 30, "si": "waypoint"}]});
    let typed = Mission::from_value(mission.clone()).unwrap();
    let fence = json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"geofence": "inclusion"},
         "geometry": {"type": "Polygon",
                      "coordinates": [[[2, 1], [3, 1], [3, 2], [2, 1]]]}}]});
    let geofence = Geofence::from_value(fence.clone()).unwrap();

    tasks
        .create_from_mission("job-1", &typed, Some(&geofence))
        .await
        .unwrap();
    tasks.create_corridor("job-1", &typed).await.unwrap();
    let route = vec![ManualWaypoint::new(1.5, 2.5, 40.0).speed(3.0)];
    let flight = GeofencedFlight::new("G", "gd", "job-1", geofence, 3.0, route).max_distance(100.0);
    tasks.create_geofenced(&flight).await.unwrap();
    assert_eq!(tasks.upload_mission(&typed).await.unwrap().id, "m-1");

    let with = |extra: Value| {
        let mut body = mission.clone();
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        Some(body)
    };
    s.assert_calls(&[
        (
            "POST",
            "/v1/task/mission",
            with(json!({"jobId": "job-1", "type": "FLIGHT_REQUEST",
                        "context": {"geojson": fence}})),
        ),
        (
            "POST",
            "/v1/task/mission-corridor",
            with(json!({"jobId": "job-1"})),
        ),
        (
            "POST",
            "/v1/task/mission",
            Some(json!({"name": "G", "desc": "gd", "jobId": "job-1",
                        "type": "FLIGHT_REQUEST_MANUAL",
                        "context": {"geojson": fence, "maxDistance": 100.0}, "speed": 3.0,
                        "isSmartInspect": false,
                        "route": [{"lat": 1.5, "lng": 2.5, "altitude": 40.0, "speed": 3.0}]})),
        ),
        ("POST", "/v1/mission", Some(mission.clone())),
    ])
    .await;
}

#[tokio::test]
async fn a_mission_that_would_override_the_job_is_refused_before_anything_is_sent() {
    let s = Lib::new().await;
    s.answer(ok(json!({"id": "t"}))).await;
    let tasks = s.tasks(s.cognito());
    let route = json!([{"lat": 1.5, "lng": 2.5, "altitude": 30, "si": "waypoint"}]);
    let with = |field: &str| {
        Mission::from_value(json!({"name": "M", "speed": 5, "route": route, field: "x"})).unwrap()
    };

    let err = tasks
        .create_from_mission("job-1", &with("jobId"), None)
        .await
        .unwrap_err();
    let corridor = tasks
        .create_corridor("job-1", &with("type"))
        .await
        .unwrap_err();

    assert!(matches!(err, Error::Config { .. }), "{err:?}");
    assert!(err.to_string().contains("`jobId`"), "{err}");
    assert!(corridor.to_string().contains("`type`"), "{corridor}");
    assert!(s.requests().await.is_empty());
}

#[tokio::test]
async fn a_2xx_upload_answer_without_the_mission_is_an_unknown_outcome_sent_once() {
    let s = Lib::new().await;
    s.answer(ResponseTemplate::new(200).set_body_string("<html>ok</html>"))
        .await;
    let tasks = s.tasks(s.cognito());
    let mission = json!({"name": "M", "speed": 5,
                         "route": [{"lat": 1.5, "lng": 2.5, "altitude": 30, "si": "dist-10"}]});
    let typed = Mission::from_value(mission.clone()).unwrap();

    let unreadable = tasks.upload_mission(&typed).await.unwrap_err();
    s.api.reset().await;
    s.answer(ok(json!({"name": "M"}))).await;
    let without_id = tasks.upload_mission(&typed).await.unwrap_err();

    for err in [unreadable, without_id] {
        assert!(matches!(err, Error::OutcomeUnknown { .. }), "{err:?}");
        assert!(err.to_string().contains("list the missions"), "{err}");
    }
    s.assert_calls(&[("POST", "/v1/mission", Some(mission.clone()))])
        .await;
}

#[tokio::test]
async fn unleash_live_hands_out_jobs_and_tasks_clients_with_its_credential() {
    let s = Lib::new().await;
    s.answer(ok(json!([]))).await;
    let ul = UnleashLive::builder()
        .config(config(&s.running, &s.api))
        .store(SessionStore::in_memory())
        .credential(CredentialChoice::Pat(PersonalAccessToken::new(PAT)))
        .http(fast_http())
        .build()
        .await
        .unwrap();

    assert!(ul.jobs().list().await.unwrap().is_empty());
    assert!(
        ul.tasks()
            .list(TaskScope::Assigned, None)
            .await
            .unwrap()
            .is_empty()
    );

    let sent = s.requests().await;
    let paths: Vec<&str> = sent.iter().map(|r| r.url.path()).collect();
    assert_eq!(paths, ["/v1/job", "/v1/task"]);
    for request in &sent {
        assert_only_auth(request, "authorization", &format!("Bearer {PAT}"));
    }
}

#[tokio::test]
async fn a_token_beside_the_data_envelope_is_followed_and_an_unknown_sign_of_more_is_an_error() {
    let s = Lib::new().await;
    Mock::given(any())
        .respond_with(Pages::json(vec![
            (None, json!({"data": [{"id": "a"}], "nextToken": "t2"})),
            (
                Some("t2"),
                json!({"data": {"items": [{"id": "b", "status": 2,
                                           "createdAt": "2025-10-09T00:00:00Z"}]},
                       "lastEvaluatedKey": {"id": "b"}}),
            ),
        ]))
        .mount(&s.api)
        .await;

    let err = s
        .tasks(s.cognito())
        .list(TaskScope::Team, None)
        .await
        .unwrap_err();

    assert!(matches!(err, Error::UnexpectedResponse { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("`lastEvaluatedKey`") && text.contains("incomplete"),
        "{text}"
    );
    assert_eq!(
        s.requests().await.len(),
        2,
        "the token beside `data` was followed"
    );
}

#[tokio::test]
async fn odd_field_forms_are_kept_and_errors_of_any_shape_fail_without_showing_the_pat() {
    let s = Lib::new().await;
    s.answer(ok(
        json!([{"id": 7, "status": 2, "createdAt": "2025-10-09T00:00:00Z",
                        "title": {"en": "Survey"}}]),
    ))
    .await;
    let jobs = s.jobs(Auth::Pat(PersonalAccessToken::new(PAT)));

    let listed = jobs.list().await.unwrap();
    s.api.reset().await;
    s.answer(ok(
        json!({"errors": {"message": format!("token {PAT} refused")}, "id": "x"}),
    ))
    .await;
    let refused = jobs.get("x").await.unwrap_err();

    assert_eq!(listed[0].id, "7");
    assert_eq!(listed[0].status.as_deref(), Some("2"));
    assert_eq!(listed[0].created_at, None);
    assert_eq!(listed[0].extra["createdAt"], "2025-10-09T00:00:00Z");
    assert_eq!(listed[0].extra["title"], json!({"en": "Survey"}));
    let shown = serde_json::to_value(&listed[0]).unwrap();
    assert_eq!(
        shown["createdAt"], "2025-10-09T00:00:00Z",
        "written back once"
    );
    assert!(matches!(refused, Error::Service { .. }), "{refused:?}");
    let text = refused.to_string();
    assert!(text.contains("[redacted]") && !text.contains(PAT), "{text}");
}
