//! Flight logs: list the team's or the company's logs (REST), download one from the flights
//! CDN.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::download::{DownloadProgress, Downloaded, download_to};
use super::http::{HttpClient, Request, transport_error};
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

    /// The logs of `scope` between `date_from` and `date_to` (Unix milliseconds, inclusive).
    ///
    /// # Errors
    /// [`Error::Service`] when the body holds `errors[]`; [`Error::UnexpectedResponse`] for a
    /// body that is neither a list nor `{"items": [...]}`; the errors of [`HttpClient::send`].
    pub async fn list(&self, scope: Scope, date_from: i64, date_to: i64) -> Result<Vec<FlightLog>> {
        let request = Request::get(&format!("{}{}", self.api_url, scope.path()))?
            .query("dateFrom", &date_from.to_string())
            .query("dateTo", &date_to.to_string());
        let endpoint = request.endpoint();
        let response = self
            .http
            .send(&request, Some((&self.auth, ApiKind::Rest)))
            .await?;
        let body = response
            .bytes()
            .await
            .map_err(|e| transport_error(&endpoint, &e))?;
        parse_logs(&body, &endpoint)
    }

    /// Downloads a log from the flights CDN (`<flights CDN>/<s3_path>`) into `dir`, named after
    /// the last part of `s3_path` (made safe).
    ///
    /// # Errors
    /// As [`download_to`]; [`Error::UnexpectedResponse`] for a path with `.` or `..` parts.
    pub async fn download(
        &self,
        s3_path: &str,
        dir: &Path,
        progress: Option<DownloadProgress<'_>>,
    ) -> Result<Downloaded> {
        let request = Request::get_path(&self.cdn_url, s3_path)?;
        // The CDN takes no credential (as Unleash Live's own samples call it).
        download_to(
            &self.http,
            &request,
            None,
            dir,
            s3_path,
            "flight-log",
            progress,
        )
        .await
    }
}

/// Accepts a bare list, `{"items": [...]}`, either inside `{"data": ...}`, and an empty body
/// (no logs); `errors[]` is a failure even with a 2xx status.
fn parse_logs(body: &[u8], endpoint: &str) -> Result<Vec<FlightLog>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Vec::new());
    }
    let invalid = |e: serde_json::Error| {
        Error::UnexpectedResponse(format!("{endpoint} answered with invalid JSON: {e}"))
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
    if let Some(data) = value.get_mut("data").map(Value::take) {
        value = data;
    }
    if let Some(items) = value.get_mut("items").map(Value::take) {
        value = items;
    }
    if !value.is_array() {
        return Err(Error::UnexpectedResponse(format!(
            "{endpoint} answered with neither a list of flight logs nor {{\"items\": [...]}}"
        )));
    }
    serde_json::from_value(value).map_err(invalid)
}

#[cfg(test)]
mod tests {
    use super::parse_logs;

    #[test]
    fn logs_arrive_bare_wrapped_or_empty_with_numbers_as_strings() {
        let bare = br#"[{"id":"a","flightDistance":"12.5","flightDuration":300,"extra":1}]"#;
        let logs = parse_logs(bare, "x").unwrap();
        assert_eq!(logs[0].flight_distance, Some(12.5));
        assert_eq!(logs[0].flight_duration, Some(300.0));
        assert!(logs[0].extra.contains_key("extra"));
        let wrapped = br#"{"items":[{"id":"b","takeOffLocation":{"lat":"-33.8","long":151.2}}]}"#;
        let logs = parse_logs(wrapped, "x").unwrap();
        assert_eq!(logs[0].take_off_location.as_ref().unwrap().lat, Some(-33.8));
        assert!(parse_logs(b"  ", "x").unwrap().is_empty());
        let err = parse_logs(br#"{"errors":[{"message":"boom"}]}"#, "x").unwrap_err();
        assert!(err.to_string().contains("boom"));
        assert!(parse_logs(br#"{"id":"#, "x").is_err());
    }
}
