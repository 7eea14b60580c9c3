//! Flights: the library's listing and the `flights` sample.

mod library;
mod sample;
mod sample_credentials;

use std::collections::HashMap;

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::util::standin::{Running, pilot};
use crate::util::unleash::{run_sample, url_env};
use crate::util::{Home, Run, with};

pub(crate) const FLIGHTS: &str = env!("CARGO_BIN_EXE_flights");

pub(crate) const TO: &str = "1738368000000";

pub(crate) const FROM: &str = "1735689600000";

/// Answers a listing by the `nextToken` it is sent (`None`: the first page); a token it does
/// not know is a 404, so a wrong continuation shows.
pub(crate) struct Pages(HashMap<Option<String>, ResponseTemplate>);

impl Pages {
    pub(crate) fn new(pages: Vec<(Option<&str>, ResponseTemplate)>) -> Pages {
        Pages(
            pages
                .into_iter()
                .map(|(token, answer)| (token.map(str::to_owned), answer))
                .collect(),
        )
    }

    pub(crate) fn json(pages: Vec<(Option<&str>, Value)>) -> Pages {
        Pages::new(
            pages
                .into_iter()
                .map(|(t, body)| (t, ResponseTemplate::new(200).set_body_json(body)))
                .collect(),
        )
    }
}

impl Respond for Pages {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let token = request
            .url
            .query_pairs()
            .find(|(k, _)| k == "nextToken")
            .map(|(_, v)| v.into_owned());
        self.0
            .get(&token)
            .cloned()
            .unwrap_or_else(|| ResponseTemplate::new(404).set_body_string("unknown nextToken"))
    }
}

pub(crate) fn log(id: &str) -> Value {
    json!({"id": id, "s3Path": format!("team/{id}/DJIFlightRecord.txt"), "pilotName": "Ada"})
}

/// Three pages: a token with characters a query must encode, the second inside `{"data"}`,
/// the last with `nextToken: null`.
pub(crate) fn three_pages() -> Pages {
    Pages::json(vec![
        (
            None,
            json!({"items": [log("a"), log("b")], "nextToken": "t2/+ ="}),
        ),
        (
            Some("t2/+ ="),
            json!({"data": {"items": [log("c")], "nextToken": "t3"}}),
        ),
        (Some("t3"), json!({"items": [log("d")], "nextToken": null})),
    ])
}

/// Panics unless the requests are GETs of `path` with exactly `dateFrom`, `dateTo` and then
/// the given `nextToken`s, in that order.
pub(crate) fn assert_pages(requests: &[Request], want_path: &str, tokens: &[Option<&str>]) {
    assert_eq!(requests.len(), tokens.len(), "one request per page");
    for (request, token) in requests.iter().zip(tokens) {
        assert_eq!(request.method.as_str(), "GET");
        assert_eq!(request.url.path(), want_path);
        let query: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
        let mut want = vec![
            ("dateFrom".to_owned(), FROM.to_owned()),
            ("dateTo".to_owned(), TO.to_owned()),
        ];
        if let Some(token) = token {
            want.push(("nextToken".to_owned(), (*token).to_owned()));
        }
        assert_eq!(query, want, "{}", request.url);
    }
}

/// A home where the pilot signed in with `ul-auth login`, and wiremock for the API.
pub(crate) struct Sample {
    pub(crate) running: Running,
    pub(crate) api: MockServer,
    pub(crate) home: Home,
    pub(crate) env: Vec<(String, String)>,
}

impl Sample {
    pub(crate) async fn new() -> Sample {
        let running = pilot().await;
        let home = Home::new();
        home.login(&running.env());
        let api = MockServer::start().await;
        let mut env = running.env();
        env.extend(url_env(&api.uri()));
        Sample {
            running,
            api,
            home,
            env,
        }
    }

    pub(crate) async fn serve(&self, pages: Pages) {
        Mock::given(method("GET"))
            .and(path("/v1/flights/team"))
            .respond_with(pages)
            .mount(&self.api)
            .await;
    }

    pub(crate) fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[])
    }

    pub(crate) fn run_with(&self, args: &[&str], extra: &[(&str, &str)]) -> Run {
        run_sample(&self.home, FLIGHTS, args, &with(&self.env, extra))
    }

    pub(crate) fn list_json(&self) -> Run {
        self.run(&["list", "--from", FROM, "--to", TO, "--output", "json"])
    }

    pub(crate) fn id_token(&self) -> String {
        let out = self.home.run(&["token"], &self.env, None);
        out.expect_code(0);
        out.stdout().trim().to_owned()
    }

    pub(crate) async fn requests(&self) -> Vec<Request> {
        self.api.received_requests().await.unwrap()
    }

    pub(crate) async fn clear(&self) {
        self.api.reset().await;
    }
}

pub(crate) const PAT: &str = "ul_pat_0123456789abcdefEnv1";
