//! Flight logs: list the team's or the company's logs (REST), download one from the flights
//! CDN.
//!
//! The team listing is paginated and the docs do not name its continuation field. A listing
//! follows a string `nextToken` (sent back as the `nextToken` query parameter, as Unleash
//! Live's task listings take it) to the end, and reports any other sign of "more"
//! ([`FlightListing::unfollowed`]) instead of dropping the rest silently.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::download::{DownloadDir, DownloadProgress, Downloaded, download_to};
use super::http::{HttpClient, Request};
use super::lenient;
use crate::auth::{ApiKind, Auth};
use crate::config::Config;
use crate::error::{Error, Result};

/// Whose flight logs to list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Scope {
    /// The caller's team (`GET /v1/flights/team`).
    #[default]
    Team,
    /// The whole company (`GET /v1/flights/company`).
    Company,
}

impl Scope {
    fn path(self) -> &'static str {
        match self {
            Scope::Team => "/v1/flights/team",
            Scope::Company => "/v1/flights/company",
        }
    }
}

/// Where a flight took off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Location {
    /// Latitude.
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    pub lat: Option<f64>,
    /// Longitude.
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    pub long: Option<f64>,
}

/// One flight log file. Only `id` is required; numbers may arrive as strings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FlightLog {
    /// The log id.
    pub id: String,
    /// The key of the log on the flights CDN.
    #[serde(default)]
    pub s3_path: Option<String>,
    /// The file name.
    #[serde(default)]
    pub name: Option<String>,
    /// The team.
    #[serde(default)]
    pub team_id: Option<String>,
    /// The team's name.
    #[serde(default)]
    pub team_name: Option<String>,
    /// The company.
    #[serde(default)]
    pub company_id: Option<String>,
    /// Who uploaded it.
    #[serde(default)]
    pub owner_id: Option<String>,
    /// The device.
    #[serde(default)]
    pub device_id: Option<String>,
    /// The pilot.
    #[serde(default)]
    pub pilot_name: Option<String>,
    /// The log format (`afl`, `djiv4`, `djiv5`).
    #[serde(default)]
    pub version: Option<String>,
    /// Take-off (ISO 8601).
    #[serde(default)]
    pub flight_start_date: Option<String>,
    /// Landing (ISO 8601).
    #[serde(default)]
    pub flight_end_date: Option<String>,
    /// Duration, as the service reports it.
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    pub flight_duration: Option<f64>,
    /// Distance, as the service reports it.
    #[serde(default, deserialize_with = "lenient::opt_f64")]
    pub flight_distance: Option<f64>,
    /// Where it took off.
    #[serde(default)]
    pub take_off_location: Option<Location>,
    /// The drone's name.
    #[serde(default)]
    pub drone_name: Option<String>,
    /// The drone's serial number.
    #[serde(default)]
    pub device_serial: Option<String>,
    /// Whether it has comments.
    #[serde(default)]
    pub has_comments: Option<bool>,
    /// Missions it belongs to.
    #[serde(default)]
    pub mission_ids: Option<Vec<String>>,
    /// Tasks it belongs to.
    #[serde(default)]
    pub task_ids: Option<Vec<String>>,
    /// Jobs it belongs to.
    #[serde(default)]
    pub job_ids: Option<Vec<String>>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// The most pages one listing follows; more is an error, never a silent cut.
pub const MAX_PAGES: u32 = 10_000;

/// The answer of [`Flights::listing`]: the logs, and whether they are all of them.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct FlightListing {
    /// The logs, in the order the pages gave them.
    pub logs: Vec<FlightLog>,
    /// `true` when the service said there was nothing more; `false` when it said there was
    /// more in a form this version cannot follow ([`FlightListing::unfollowed`]).
    pub complete: bool,
    /// How many pages were fetched.
    pub pages: u32,
    /// When incomplete: the answer field that said there was more (`lastEvaluatedKey`,
    /// `cursor`, `hasMore`, a `nextToken` that is not a string, ...).
    pub unfollowed: Option<String>,
}

/// The flights client. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Flights {
    http: HttpClient,
    auth: Auth,
    api_url: String,
    cdn_url: String,
}

impl Flights {
    /// A client for the REST API and flights CDN of `config`, with `auth`.
    pub fn new(http: HttpClient, auth: Auth, config: &Config) -> Self {
        Flights {
            http,
            auth,
            api_url: config.api_url.trim_end_matches('/').to_owned(),
            cdn_url: config.flights_cdn_url.clone(),
        }
    }

    /// Every log of `scope` between `date_from` and `date_to` (Unix milliseconds, inclusive),
    /// or an error: never a part of them. Use [`Flights::listing`] to keep the logs of a
    /// listing that cannot be followed to its end.
    ///
    /// # Errors
    /// [`Error::UnexpectedResponse`] when the listing is incomplete (a continuation field this
    /// version cannot follow, named in the message); the errors of [`Flights::listing`].
    pub async fn list(&self, scope: Scope, date_from: i64, date_to: i64) -> Result<Vec<FlightLog>> {
        let listing = self.listing(scope, date_from, date_to).await?;
        if listing.complete {
            return Ok(listing.logs);
        }
        Err(Error::UnexpectedResponse(format!(
            "{}{} answered page {} with `{}`, a continuation this version cannot follow: the \
             listing is incomplete; narrow the date range",
            self.api_url,
            scope.path(),
            listing.pages,
            listing.unfollowed.as_deref().unwrap_or("?"),
        )))
    }

    /// The logs of `scope` between `date_from` and `date_to` (Unix milliseconds, inclusive),
    /// page after page: while an answer holds a non-empty string `nextToken`, the same URL is
    /// asked again with `nextToken=<it>` added to the query. An answer that says there is more
    /// in a form this version cannot follow (see [`FlightListing::unfollowed`]) ends the
    /// listing, marked incomplete, with the logs received so far.
    ///
    /// # Errors
    /// [`Error::Service`] when a body holds `errors[]`; [`Error::UnexpectedResponse`] for a
    /// body that is neither a list nor `{"items": [...]}` (or is not JSON), for a `nextToken`
    /// already followed (it would page forever) and for more than [`MAX_PAGES`] pages; the errors of [`HttpClient::send`]. An error on any page fails the whole listing.
    pub async fn listing(
        &self,
        scope: Scope,
        date_from: i64,
        date_to: i64,
    ) -> Result<FlightListing> {
        let first = Request::get(&format!("{}{}", self.api_url, scope.path()))?
            .query("dateFrom", &date_from.to_string())
            .query("dateTo", &date_to.to_string());
        let endpoint = first.endpoint();
        let mut logs = Vec::new();
        let mut sent: Option<String> = None;
        let mut followed = HashSet::new();
        let mut pages: u32 = 0;
        loop {
            let request = match &sent {
                None => first.clone(),
                Some(token) => first.clone().query(NEXT_TOKEN, token),
            };
            pages += 1;
            let response = self
                .http
                .send(&request, Some((&self.auth, ApiKind::Rest)))
                .await?;
            let body = crate::transport::read_body(response, &endpoint).await?;
            let page = parse_page_after(&body, &endpoint, pages, logs.len())?;
            logs.extend(page.logs);
            let token = match page.next {
                Next::Done => {
                    return Ok(FlightListing {
                        logs,
                        complete: true,
                        pages,
                        unfollowed: None,
                    });
                }
                Next::Unfollowed(field) => {
                    tracing::info!(
                        %endpoint,
                        page = pages,
                        field,
                        "the listing says there is more in a form this version cannot follow"
                    );
                    return Ok(FlightListing {
                        logs,
                        complete: false,
                        pages,
                        unfollowed: Some(field),
                    });
                }
                Next::Token(token) => token,
            };
            if !followed.insert(token.clone()) {
                return Err(Error::UnexpectedResponse(format!(
                    "{endpoint} repeated its continuation token on page {pages} (a nextToken \
                     already followed): following it would never end"
                )));
            }
            if pages >= MAX_PAGES {
                return Err(Error::UnexpectedResponse(format!(
                    "{endpoint} still had more after {MAX_PAGES} pages; narrow the date range"
                )));
            }
            tracing::debug!(%endpoint, page = pages, "following nextToken");
            sent = Some(token);
        }
    }

    /// Downloads a log from the flights CDN (`<flights CDN>/<s3_path>`) into `to`, named after
    /// the last part of `s3_path` (made safe), never replacing a file unless `to` says so (see
    /// [`DownloadDir`]).
    ///
    /// # Errors
    /// As [`download_to`]; [`Error::UnexpectedResponse`] for a path with `.` or `..` parts.
    pub async fn download(
        &self,
        s3_path: &str,
        to: &DownloadDir,
        progress: Option<DownloadProgress<'_>>,
    ) -> Result<Downloaded> {
        let request = Request::get_path(&self.cdn_url, s3_path)?;
        // The CDN takes no credential (as Unleash Live's own samples call it).
        download_to(
            &self.http,
            &request,
            None,
            to,
            s3_path,
            "flight-log",
            progress,
        )
        .await
    }
}

/// The query parameter (and answer field) that carries the continuation token.
const NEXT_TOKEN: &str = "nextToken";

/// Fields of an answer object that are known not to say anything about more pages.
const NOT_CONTINUATION: [&str; 4] = ["items", "data", "errors", NEXT_TOKEN];

/// Parts of a field name (lower case, without `_` and `-`) that may announce more pages in a
/// form this version cannot follow (`lastEvaluatedKey`, `next_cursor`, `hasMore`,
/// `pageToken`, `offset`, ...). The continuation field is not documented, so any of them
/// marks the listing incomplete rather than letting a page drop silently.
const MAY_CONTINUE: [&str; 8] = [
    "next", "cursor", "token", "key", "more", "page", "offset", "continu",
];

/// Count fields: a total larger than the logs received means pages were not followed.
const TOTALS: [&str; 4] = ["total", "count", "totalcount", "totalitems"];

/// One page of a listing.
#[derive(Debug)]
struct Page {
    logs: Vec<FlightLog>,
    next: Next,
}

/// What comes after a page.
#[derive(Debug, PartialEq)]
enum Next {
    /// Nothing: the listing is complete.
    Done,
    /// Ask again with `nextToken=<it>`.
    Token(String),
    /// More, in this field, which cannot be followed.
    Unfollowed(String),
}

/// Accepts a bare list, `{"items": [...]}`, either inside `{"data": ...}`, and an empty body
/// (no logs); `errors[]` is a failure even with a 2xx status. The continuation is looked for
/// in the unwrapped answer, then in the `{"data": ...}` envelope around it.
#[cfg(test)]
fn parse_page(body: &[u8], endpoint: &str, page: u32) -> Result<Page> {
    parse_page_after(body, endpoint, page, 0)
}

/// As [`parse_page`], `seen` logs having come on the earlier pages.
fn parse_page_after(body: &[u8], endpoint: &str, page: u32, seen: usize) -> Result<Page> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Page {
            logs: Vec::new(),
            next: Next::Done,
        });
    }
    let invalid = |e: serde_json::Error| {
        Error::UnexpectedResponse(format!(
            "{endpoint} answered page {page} of the listing with invalid JSON: {e}"
        ))
    };
    let mut value: Value = serde_json::from_slice(body).map_err(invalid)?;
    if let Some(errors) = value
        .get("errors")
        .and_then(Value::as_array)
        .filter(|e| !e.is_empty())
    {
        let messages: Vec<String> = errors
            .iter()
            .map(|e| match e.get("message").and_then(Value::as_str) {
                Some(m) => m.to_owned(),
                None => e.to_string(),
            })
            .collect();
        return Err(Error::Service {
            code: "errors".into(),
            message: messages.join("; "),
        });
    }
    let envelope = match value.get_mut("data").map(Value::take) {
        Some(data) => Some(std::mem::replace(&mut value, data)),
        None => None,
    };
    let answer = value.clone();
    if let Some(items) = value.get_mut("items").map(Value::take) {
        value = items;
    }
    let received = seen + value.as_array().map_or(0, Vec::len);
    let next = [Some(&answer), envelope.as_ref()]
        .into_iter()
        .flatten()
        .find_map(|object| continuation(object, received))
        .unwrap_or(Next::Done);
    if !value.is_array() {
        return Err(Error::UnexpectedResponse(format!(
            "{endpoint} answered page {page} of the listing with neither a list of flight logs \
             nor {{\"items\": [...]}}"
        )));
    }
    let logs = serde_json::from_value(value).map_err(invalid)?;
    Ok(Page { logs, next })
}

/// The continuation an answer object carries, `None` when it carries none. `received` is the
/// number of logs so far, for totals.
fn continuation(answer: &Value, received: usize) -> Option<Next> {
    let object = answer.as_object()?;
    let set = |v: &&Value| !matches!(v, Value::Null | Value::Bool(false)) && v.as_str() != Some("");
    if let Some(token) = object.get(NEXT_TOKEN).filter(set) {
        return Some(match token.as_str() {
            Some(token) => Next::Token(token.to_owned()),
            None => Next::Unfollowed(NEXT_TOKEN.to_owned()),
        });
    }
    object
        .iter()
        .filter(|(name, value)| !NOT_CONTINUATION.contains(&name.as_str()) && set(value))
        .find(|(name, value)| {
            let plain: String = name
                .chars()
                .filter(|c| !matches!(c, '_' | '-'))
                .flat_map(char::to_lowercase)
                .collect();
            if TOTALS.contains(&plain.as_str()) {
                return value.as_u64().is_some_and(|total| total > received as u64);
            }
            MAY_CONTINUE.iter().any(|part| plain.contains(part))
        })
        .map(|(name, _)| Next::Unfollowed(name.clone()))
}

#[cfg(test)]
mod tests {
    use super::{Next, parse_page};

    fn logs(body: &[u8]) -> Vec<super::FlightLog> {
        parse_page(body, "x", 1).unwrap().logs
    }

    fn next(body: &str) -> Next {
        parse_page(body.as_bytes(), "x", 1).unwrap().next
    }

    #[test]
    fn logs_arrive_bare_wrapped_or_empty_with_numbers_as_strings() {
        let bare = br#"[{"id":"a","flightDistance":"12.5","flightDuration":300,"extra":1}]"#;
        let logs_ = logs(bare);
        assert_eq!(logs_[0].flight_distance, Some(12.5));
        assert_eq!(logs_[0].flight_duration, Some(300.0));
        assert!(logs_[0].extra.contains_key("extra"));
        let wrapped = br#"{"items":[{"id":"b","takeOffLocation":{"lat":"-33.8","long":151.2}}]}"#;
        let logs_ = logs(wrapped);
        assert_eq!(
            logs_[0].take_off_location.as_ref().unwrap().lat,
            Some(-33.8)
        );
        assert!(logs(b"  ").is_empty());
        assert_eq!(logs(br#"{"data":{"items":[{"id":"c"}]}}"#)[0].id, "c");
        let err = parse_page(br#"{"errors":[{"message":"boom"}]}"#, "x", 1).unwrap_err();
        assert!(err.to_string().contains("boom"));
        let err = parse_page(br#"{"id":"#, "x", 2).unwrap_err();
        assert!(err.to_string().contains("page 2"), "{err}");
        assert!(parse_page(br#"{"logs":[]}"#, "x", 1).is_err());
    }

    #[test]
    fn only_a_non_empty_string_next_token_is_followed() {
        assert_eq!(
            next(r#"{"items":[],"nextToken":"t2"}"#),
            Next::Token("t2".into())
        );
        assert_eq!(
            next(r#"{"data":{"items":[],"nextToken":"t3"}}"#),
            Next::Token("t3".into())
        );
        for done in [
            "[]",
            r#"{"items":[]}"#,
            r#"{"items":[],"nextToken":null}"#,
            r#"{"items":[],"nextToken":""}"#,
            r#"{"items":[],"hasMore":false,"lastEvaluatedKey":null,"cursor":""}"#,
            r#"{"items":[{"id":"a"}],"total":1,"version":"2"}"#,
        ] {
            assert_eq!(next(done), Next::Done, "{done}");
        }
    }

    #[test]
    fn any_other_sign_of_more_is_named_not_dropped() {
        for (body, field) in [
            (r#"{"items":[],"nextToken":{"pk":"a"}}"#, "nextToken"),
            (r#"{"items":[],"nextToken":7}"#, "nextToken"),
            (
                r#"{"items":[],"lastEvaluatedKey":{"id":"a"}}"#,
                "lastEvaluatedKey",
            ),
            (
                r#"{"items":[],"LastEvaluatedKey":{"id":"a"}}"#,
                "LastEvaluatedKey",
            ),
            (r#"{"items":[],"nextPageToken":"p"}"#, "nextPageToken"),
            (r#"{"items":[],"cursor":"c"}"#, "cursor"),
            (r#"{"items":[],"next":"https://x/2"}"#, "next"),
            (r#"{"items":[],"hasMore":true}"#, "hasMore"),
            (r#"{"items":[],"more":true}"#, "more"),
            (r#"{"items":[],"next_token":"t2"}"#, "next_token"),
            (r#"{"items":[],"nextCursor":"c"}"#, "nextCursor"),
            (r#"{"items":[],"paginationToken":"p"}"#, "paginationToken"),
            (r#"{"items":[],"lastKey":{"id":"a"}}"#, "lastKey"),
            (r#"{"items":[{"id":"a"}],"total":250,"page":1}"#, "page"),
            (r#"{"items":[{"id":"a"}],"total":250}"#, "total"),
            // Outside the `data` envelope counts too.
            (r#"{"data":[],"hasMore":true}"#, "hasMore"),
        ] {
            assert_eq!(next(body), Next::Unfollowed(field.into()), "{body}");
        }
        // A string nextToken is followed even when another field also says "more".
        assert_eq!(
            next(r#"{"items":[],"nextToken":"t","hasMore":true}"#),
            Next::Token("t".into())
        );
    }
}
