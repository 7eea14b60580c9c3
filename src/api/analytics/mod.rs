//! The analytics API (read-only): `version`, `devices`, `sessions`, and the detection data of
//! a device between two instants, page by page, in its size-optimised (`keys` + rows) and its
//! Tableau (self-describing objects) forms.
//!
//! It takes a personal access token (`Authorization: Bearer`) or a legacy API key
//! (`x-api-key`), never a Cognito session. Path timestamps are Unix milliseconds (UTC); pages
//! start at 1. A page is never reduced to its `data`: `keys` and `total_num_pages` are what
//! make the rows readable and the pull finite.

use std::collections::BTreeMap;

use reqwest::Url;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::http::{HttpClient, Request, read_json};
use crate::api::auth::{ApiKind, Auth};
use crate::config::{Config, Setting};
use crate::error::{Error, Result};

#[cfg(feature = "parquet")]
pub mod dataset;
pub mod destination;
pub mod pull;
mod resume;
mod sink;
pub mod summary;
#[cfg(feature = "parquet")]
pub mod typed;

/// What a refused analytics credential most often means, appended to the 401/403 error.
pub const REFUSED_HINT: &str = "the token may have expired or been revoked (create a new one in \
     the web app: Profile → Developers), or its role may be too low for this call; a legacy \
     key is an API key (sent as x-api-key), not a personal access token";

/// One page of the size-optimised format: column names and rows of values in that order.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct AnalyticsPage {
    /// Column names, in the order of every row's values.
    pub keys: Vec<String>,
    /// Rows; each has exactly one value per key.
    pub rows: Vec<Vec<Value>>,
    /// How many pages the whole range has (0 when it holds no data).
    pub total_num_pages: u64,
    /// Fields this version does not know.
    pub extra: BTreeMap<String, Value>,
}

impl AnalyticsPage {
    /// The rows as objects keyed by [`AnalyticsPage::keys`].
    pub fn records(&self) -> impl Iterator<Item = Map<String, Value>> + '_ {
        self.rows.iter().map(|row| {
            self.keys
                .iter()
                .cloned()
                .zip(row.iter().cloned())
                .collect::<Map<String, Value>>()
        })
    }
}

/// One page of the Tableau format: self-describing rows.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct TableauPage {
    /// The rows, each an object.
    pub rows: Vec<Map<String, Value>>,
    /// How many pages the range has, when the service says (a bare array does not).
    pub total_num_pages: Option<u64>,
}

#[derive(Deserialize)]
struct RawPage {
    #[serde(default)]
    keys: Option<Vec<String>>,
    #[serde(default)]
    data: Option<Vec<Vec<Value>>>,
    #[serde(default, deserialize_with = "super::lenient::opt_i64")]
    total_num_pages: Option<i64>,
    #[serde(flatten)]
    extra: BTreeMap<String, Value>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawTableau {
    Rows(Vec<Map<String, Value>>),
    Paged {
        #[serde(default)]
        data: Vec<Map<String, Value>>,
        #[serde(default, deserialize_with = "super::lenient::opt_i64")]
        total_num_pages: Option<i64>,
    },
}

/// The analytics client. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Analytics {
    http: HttpClient,
    auth: Auth,
    api_url: String,
}

impl Analytics {
    /// A client for the analytics API under `config.api_url()`, with `auth` (a PAT or an API
    /// key).
    pub fn new(http: HttpClient, auth: Auth, config: &Config) -> Self {
        Analytics {
            http,
            auth,
            api_url: config.api_url().trim_end_matches('/').to_owned(),
        }
    }

    /// The API's version string (a cheap way to check a token).
    ///
    /// # Errors
    /// [`Error::NotAuthorized`] (with [`REFUSED_HINT`]) when the credential is refused;
    /// [`Error::UnexpectedResponse`] for a body that is not JSON; the errors of
    /// [`HttpClient::send`].
    pub async fn version(&self) -> Result<String> {
        Ok(match self.get(&["version"]).await? {
            Value::String(s) => s,
            Value::Object(o) if o.get("version").is_some_and(Value::is_string) => o
                .get("version")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            other => other.to_string(),
        })
    }

    /// The ids of the devices with analytics data.
    ///
    /// # Errors
    /// As [`Analytics::version`]; [`Error::UnexpectedResponse`] when the body is not a list.
    pub async fn devices(&self) -> Result<Vec<String>> {
        let value = self.get(&["devices"]).await?;
        string_list(value, "devices")
    }

    /// The ids of the analytics sessions (ms timestamps, as strings).
    ///
    /// # Errors
    /// As [`Analytics::devices`].
    pub async fn sessions(&self) -> Result<Vec<String>> {
        let value = self.get(&["sessions"]).await?;
        string_list(value, "sessions")
    }

    /// Page `page` (from 1) of `device`'s data between `from_ms` and `to_ms`.
    ///
    /// # Errors
    /// As [`Analytics::version`]; [`Error::UnexpectedResponse`] when the page has no `keys`
    /// or `total_num_pages`, or a row whose length differs from `keys`;
    /// [`Error::Config`] for a device id of `.`, `..` or nothing.
    pub async fn data(
        &self,
        device: &str,
        from_ms: i64,
        to_ms: i64,
        page: u64,
    ) -> Result<AnalyticsPage> {
        let (from, to, page_s) = (from_ms.to_string(), to_ms.to_string(), page.to_string());
        let value = self
            .get(&[check_device(device)?, &from, &to, &page_s])
            .await?;
        parse_page(value, device, page)
    }

    /// Page `page` (from 1) of `device`'s data in the Tableau format.
    ///
    /// # Errors
    /// As [`Analytics::data`]; [`Error::UnexpectedResponse`] when the body is neither a list
    /// of objects nor `{data, total_num_pages}`.
    pub async fn tableau(
        &self,
        device: &str,
        from_ms: i64,
        to_ms: i64,
        page: u64,
    ) -> Result<TableauPage> {
        let (from, to, page_s) = (from_ms.to_string(), to_ms.to_string(), page.to_string());
        let value = self
            .get(&["tableau", check_device(device)?, &from, &to, &page_s])
            .await?;
        let raw: RawTableau = serde_json::from_value(value).map_err(|e| {
            Error::unexpected_because(
                format!(
                    "tableau page {page} of {device}: neither a list of objects nor \
                     {{data, total_num_pages}}"
                ),
                e,
            )
        })?;
        Ok(match raw {
            RawTableau::Rows(rows) => TableauPage {
                rows,
                total_num_pages: None,
            },
            RawTableau::Paged {
                data,
                total_num_pages,
            } => TableauPage {
                rows: data,
                total_num_pages: total_num_pages.map(|n| u64::try_from(n).unwrap_or(0)),
            },
        })
    }

    /// GET `/v1/analytics/<segments...>`, each segment percent-encoded as one path segment.
    async fn get(&self, segments: &[&str]) -> Result<Value> {
        let mut url = Url::parse(&self.api_url).map_err(|e| {
            Error::config(
                Setting::ApiUrl,
                format!("{:?} is not a URL: {e}", self.api_url),
            )
        })?;
        url.path_segments_mut()
            .map_err(|()| Error::config(Setting::ApiUrl, "it cannot have a path"))?
            .pop_if_empty()
            .extend(["v1", "analytics"])
            .extend(segments);
        let request = Request::get(url.as_str())?;
        let endpoint = request.endpoint();
        // Boxed: the HTTP future is deep, and pulls nest it further; unboxed, callers' async
        // bodies hit the compiler's layout depth limit.
        let response = Box::pin(
            self.http
                .send(&request, Some((&self.auth, ApiKind::Analytics))),
        )
        .await
        .map_err(|e| match e {
            Error::NotAuthorized { message } => Error::NotAuthorized {
                message: format!("{message}; {REFUSED_HINT}"),
            },
            other => other,
        })?;
        read_json(response, &endpoint).await
    }
}

/// A device id usable as one path segment: `.` and `..` would be folded away by URL
/// normalisation and silently ask for another path.
fn check_device(device: &str) -> Result<&str> {
    if device.is_empty() || device == "." || device == ".." {
        return Err(Error::config(
            "device",
            format!("{device:?} is not a device id"),
        ));
    }
    Ok(device)
}

/// Parses a size-optimised page, checking that every row fits `keys`.
///
/// # Errors
/// [`Error::UnexpectedResponse`] for a body without `keys`/`total_num_pages` (when it has
/// rows) or a row whose length differs from `keys`.
pub fn parse_page(value: Value, device: &str, page: u64) -> Result<AnalyticsPage> {
    let what = || format!("analytics page {page} of {device}");
    let raw: RawPage =
        serde_json::from_value(value).map_err(|e| Error::unexpected_because(what(), e))?;
    let rows = raw.data.unwrap_or_default();
    let keys = match raw.keys {
        Some(keys) => keys,
        None if rows.is_empty() => Vec::new(),
        None => {
            return Err(Error::unexpected(format!("{}: rows without keys", what())));
        }
    };
    let total = match raw.total_num_pages {
        Some(n) => u64::try_from(n).unwrap_or(0),
        None => {
            return Err(Error::unexpected(format!("{}: no total_num_pages", what())));
        }
    };
    if let Some((i, row)) = rows.iter().enumerate().find(|(_, r)| r.len() != keys.len()) {
        return Err(Error::unexpected(format!(
            "{}: row {} has {} values for {} keys",
            what(),
            i + 1,
            row.len(),
            keys.len()
        )));
    }
    Ok(AnalyticsPage {
        keys,
        rows,
        total_num_pages: total,
        extra: raw.extra,
    })
}

fn string_list(value: Value, what: &str) -> Result<Vec<String>> {
    let Value::Array(items) = value else {
        return Err(Error::unexpected(format!(
            "analytics {what}: expected a list, found {}",
            super::lenient::kind_of(&value)
        )));
    };
    items
        .into_iter()
        .map(|v| match v {
            Value::String(s) => Ok(s),
            // Session ids are ms timestamps: tolerate them as numbers.
            Value::Number(n) => Ok(n.to_string()),
            other => Err(Error::unexpected(format!(
                "analytics {what}: expected ids, found {}",
                super::lenient::kind_of(&other)
            ))),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_page_zips_rows_with_keys_in_the_servers_order() {
        let page = parse_page(
            json!({"keys": ["b", "a"], "data": [[1, "x"]], "total_num_pages": "3", "more": 1}),
            "d",
            1,
        )
        .unwrap();
        assert_eq!(page.total_num_pages, 3);
        let rec: Vec<_> = page.records().collect();
        assert_eq!(rec[0]["b"], json!(1));
        assert_eq!(rec[0]["a"], json!("x"));
        assert_eq!(page.extra["more"], json!(1));
    }

    #[test]
    fn a_row_that_does_not_fit_the_keys_is_refused() {
        let err = parse_page(
            json!({"keys": ["a"], "data": [[1, 2]], "total_num_pages": 1}),
            "d",
            1,
        )
        .unwrap_err();
        assert!(err.to_string().contains("2 values for 1 keys"), "{err}");
    }

    #[test]
    fn dot_device_ids_are_refused() {
        assert!(check_device("..").is_err());
        assert!(check_device("").is_err());
        assert!(check_device("a/b").is_ok());
    }
}
