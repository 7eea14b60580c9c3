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

use crate::api::download::{DownloadDir, DownloadProgress, Downloaded, download_to};
use crate::api::http::{HttpClient, Request};
use crate::api::lenient;

use crate::api::auth::{ApiKind, Auth};
pub use crate::api::listing::MAX_PAGES;
use crate::api::listing::{NEXT_TOKEN, Next, parse_page};
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
            api_url: config.api_url().trim_end_matches('/').to_owned(),
            cdn_url: config.flights_cdn_url().to_owned(),
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
        Err(Error::unexpected(format!(
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
            let page = parse_page(&body, &endpoint, pages, logs.len(), "flight logs")?;
            let items = serde_json::from_value::<Vec<FlightLog>>(Value::Array(page.items))
                .map_err(|e| {
                    Error::unexpected_because(
                        format!("{endpoint} answered page {pages} with an unexpected flight log"),
                        e,
                    )
                })?;
            logs.extend(items);
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
                return Err(Error::unexpected(format!(
                    "{endpoint} repeated its continuation token on page {pages} (a nextToken \
                     already followed): following it would never end"
                )));
            }
            if pages >= MAX_PAGES {
                return Err(Error::unexpected(format!(
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
