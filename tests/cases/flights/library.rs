//! The flights client: the listing follows `nextToken` to the end and never drops a page
//! silently; dates go as milliseconds and the REST header; both answer shapes are read.

use serde_json::json;
use unleashlive_auth::api::flights::{Flights, Scope};
use unleashlive_auth::{Auth, Error, PersonalAccessToken};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

use super::{FROM, PAT, Pages, TO, assert_pages, log, three_pages};
use crate::util::api::Setup;
use crate::util::unleash::{assert_only_auth, config, fast_http};

fn ids(logs: &[unleashlive_auth::api::flights::FlightLog]) -> Vec<&str> {
    logs.iter().map(|l| l.id.as_str()).collect()
}

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

    async fn serve(&self, scope_path: &str, pages: Pages) {
        Mock::given(method("GET"))
            .and(path(scope_path))
            .respond_with(pages)
            .mount(&self.api)
            .await;
    }

    fn flights(&self, auth: Auth) -> Flights {
        Flights::new(fast_http(), auth, &config(&self.running, &self.api))
    }

    fn cognito(&self) -> Flights {
        self.flights(Auth::Cognito(self.sessions.clone()))
    }
}

fn range() -> (i64, i64) {
    (FROM.parse().unwrap(), TO.parse().unwrap())
}

#[tokio::test]
async fn the_team_listing_follows_next_token_across_three_pages_with_the_same_query_and_header() {
    let s = Lib::new().await;
    s.serve("/v1/flights/team", three_pages()).await;
    let (from, to) = range();

    let listing = s.cognito().listing(Scope::Team, from, to).await.unwrap();

    assert_eq!(ids(&listing.logs), ["a", "b", "c", "d"]);
    assert!(listing.complete);
    assert_eq!(listing.pages, 3);
    assert_eq!(listing.unfollowed, None);
    let requests = s.requests().await;
    assert_pages(
        &requests,
        "/v1/flights/team",
        &[None, Some("t2/+ ="), Some("t3")],
    );
    let token = s.id_token().await;
    for r in &requests {
        assert_only_auth(r, "x-amz-cognito-security-token", &token);
    }
    // `list` gives the same logs when the listing is complete.
    let logs = s.cognito().list(Scope::Team, from, to).await.unwrap();
    assert_eq!(ids(&logs), ["a", "b", "c", "d"]);
}

#[tokio::test]
async fn the_company_listing_follows_next_token_too_with_a_pat_as_bearer() {
    let s = Lib::new().await;
    s.serve(
        "/v1/flights/company",
        Pages::json(vec![
            (None, json!({"items": [log("a")], "nextToken": "c2"})),
            (Some("c2"), json!([log("b")])),
        ]),
    )
    .await;
    let (from, to) = range();

    let listing = s
        .flights(Auth::Pat(PersonalAccessToken::new(PAT)))
        .listing(Scope::Company, from, to)
        .await
        .unwrap();

    assert_eq!(ids(&listing.logs), ["a", "b"]);
    assert!(listing.complete);
    let requests = s.requests().await;
    assert_pages(&requests, "/v1/flights/company", &[None, Some("c2")]);
    for r in &requests {
        assert_only_auth(r, "authorization", &format!("Bearer {PAT}"));
    }
}

#[tokio::test]
async fn the_same_next_token_twice_in_a_row_is_an_error_not_a_loop() {
    let s = Lib::new().await;
    s.serve(
        "/v1/flights/team",
        Pages::json(vec![
            (None, json!({"items": [log("a")], "nextToken": "same"})),
            (
                Some("same"),
                json!({"items": [log("b")], "nextToken": "same"}),
            ),
        ]),
    )
    .await;
    let (from, to) = range();

    let err = s
        .cognito()
        .listing(Scope::Team, from, to)
        .await
        .unwrap_err();

    assert!(matches!(err, Error::UnexpectedResponse { .. }), "{err:?}");
    assert!(
        err.to_string().contains("repeated its continuation token"),
        "{err}"
    );
    assert_pages(
        &s.requests().await,
        "/v1/flights/team",
        &[None, Some("same")],
    );
}

#[tokio::test]
async fn a_cycle_of_next_tokens_is_an_error_too() {
    let s = Lib::new().await;
    s.serve(
        "/v1/flights/team",
        Pages::json(vec![
            (None, json!({"items": [log("a")], "nextToken": "A"})),
            (Some("A"), json!({"items": [log("b")], "nextToken": "B"})),
            (Some("B"), json!({"items": [log("c")], "nextToken": "A"})),
        ]),
    )
    .await;
    let (from, to) = range();

    let err = s
        .cognito()
        .listing(Scope::Team, from, to)
        .await
        .unwrap_err();

    assert!(
        err.to_string().contains("repeated its continuation token"),
        "{err}"
    );
    assert_pages(
        &s.requests().await,
        "/v1/flights/team",
        &[None, Some("A"), Some("B")],
    );
}

#[tokio::test]
async fn an_object_next_token_marks_the_listing_incomplete_and_list_refuses_it() {
    let s = Lib::new().await;
    s.serve(
        "/v1/flights/team",
        Pages::json(vec![(
            None,
            json!({"items": [log("a")], "nextToken": {"pk": "team-7", "sk": "2025"}}),
        )]),
    )
    .await;
    let (from, to) = range();

    let listing = s.cognito().listing(Scope::Team, from, to).await.unwrap();
    let err = s.cognito().list(Scope::Team, from, to).await.unwrap_err();

    assert_eq!(ids(&listing.logs), ["a"]);
    assert!(!listing.complete);
    assert_eq!(listing.pages, 1);
    assert_eq!(listing.unfollowed.as_deref(), Some("nextToken"));
    assert!(matches!(err, Error::UnexpectedResponse { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("`nextToken`") && text.contains("incomplete"),
        "{text}"
    );
    // Nothing was sent for the object token.
    assert_pages(&s.requests().await, "/v1/flights/team", &[None, None]);
}

#[tokio::test]
async fn a_last_evaluated_key_after_followed_pages_marks_the_listing_incomplete() {
    let s = Lib::new().await;
    s.serve(
        "/v1/flights/team",
        Pages::json(vec![
            (None, json!({"items": [log("a")], "nextToken": "t2"})),
            (
                Some("t2"),
                json!({"items": [log("b")], "lastEvaluatedKey": {"id": "b"}}),
            ),
        ]),
    )
    .await;
    let (from, to) = range();

    let listing = s.cognito().listing(Scope::Team, from, to).await.unwrap();

    assert_eq!(ids(&listing.logs), ["a", "b"]);
    assert!(!listing.complete);
    assert_eq!(listing.pages, 2);
    assert_eq!(listing.unfollowed.as_deref(), Some("lastEvaluatedKey"));
    assert_pages(&s.requests().await, "/v1/flights/team", &[None, Some("t2")]);
}

#[tokio::test]
async fn a_500_on_page_2_fails_the_whole_listing() {
    let s = Lib::new().await;
    s.serve(
        "/v1/flights/team",
        Pages::new(vec![
            (
                None,
                ResponseTemplate::new(200)
                    .set_body_json(json!({"items": [log("a")], "nextToken": "t2"})),
            ),
            (
                Some("t2"),
                ResponseTemplate::new(500).set_body_string("upstream exploded"),
            ),
        ]),
    )
    .await;
    let (from, to) = range();

    let err = s
        .cognito()
        .listing(Scope::Team, from, to)
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
    assert_pages(
        &s.requests().await,
        "/v1/flights/team",
        &[None, Some("t2"), Some("t2"), Some("t2")],
    );
}

#[tokio::test]
async fn truncated_json_on_page_2_is_a_clear_error() {
    let s = Lib::new().await;
    s.serve(
        "/v1/flights/team",
        Pages::new(vec![
            (
                None,
                ResponseTemplate::new(200)
                    .set_body_json(json!({"items": [log("a")], "nextToken": "t2"})),
            ),
            (
                Some("t2"),
                ResponseTemplate::new(200)
                    .set_body_raw(r#"{"items": [{"id": "b", "pilotN"#, "application/json"),
            ),
        ]),
    )
    .await;
    let (from, to) = range();

    let err = s
        .cognito()
        .listing(Scope::Team, from, to)
        .await
        .unwrap_err();

    assert!(matches!(err, Error::UnexpectedResponse { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("/v1/flights/team")
            && text.contains("page 2")
            && text.contains("invalid JSON"),
        "{text}"
    );
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
