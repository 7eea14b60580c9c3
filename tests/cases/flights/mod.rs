//! Flights: the library's listing and the `flights` sample.

mod library;
mod sample;
mod sample_credentials;

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, Request};

use crate::util::Run;
pub(crate) use crate::util::api::Pages;
use crate::util::api::SampleHome;

pub(crate) const FLIGHTS: &str = env!("CARGO_BIN_EXE_flights");

pub(crate) const TO: &str = "1738368000000";

pub(crate) const FROM: &str = "1735689600000";

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

/// The signed-in home ([`SampleHome`]) with the `flights` helpers.
pub(crate) struct Sample(SampleHome);

impl std::ops::Deref for Sample {
    type Target = SampleHome;

    fn deref(&self) -> &SampleHome {
        &self.0
    }
}

impl Sample {
    pub(crate) async fn new() -> Sample {
        Sample(SampleHome::new().await)
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
        self.run_exe(FLIGHTS, args, extra)
    }

    pub(crate) fn list_json(&self) -> Run {
        self.run(&["list", "--from", FROM, "--to", TO, "--output", "json"])
    }
}

pub(crate) const PAT: &str = "ul_pat_0123456789abcdefEnv1";
