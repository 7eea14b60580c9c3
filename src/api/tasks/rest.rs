//! What the jobs, tasks and missions calls share: ids as single path segments, one call sent
//! with the REST header (mutations at most once), lenient answers (`{data: ...}` unwrapped,
//! `errors[]` a failure even with a 2xx), and listings followed page after page.

use std::collections::HashSet;

use http::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::api::auth::{ApiKind, Auth};
use crate::api::http::{HttpClient, Request};
use crate::api::listing::{MAX_PAGES, NEXT_TOKEN, Next, check_errors, parse_page};
use crate::config::Config;
use crate::error::{Cause, Error, Result};
use crate::transport::read_body;

/// The REST API, one credential: what [`Jobs`](super::Jobs) and [`Tasks`](super::Tasks)
/// share. Cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct Rest {
    http: HttpClient,
    auth: Auth,
    api_url: String,
}

/// A call that changes something: sent at most once, and how to check after an unknown
/// outcome.
pub(crate) struct Change<'a> {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) check: &'a str,
}

impl Rest {
    pub(crate) fn new(http: HttpClient, auth: Auth, config: &Config) -> Self {
        Rest {
            http,
            auth,
            api_url: config.api_url().trim_end_matches('/').to_owned(),
        }
    }

    fn request(&self, method: Method, path: &str) -> Result<Request> {
        Request::new(method, &format!("{}{path}", self.api_url))
    }

    /// GETs one item (`id` required).
    pub(crate) async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        let request = self.request(Method::GET, path)?;
        let endpoint = request.endpoint();
        let answer = self.answer(&request).await?;
        serde_json::from_value(answer).map_err(|e| {
            Error::unexpected_because(format!("{endpoint} answered with an unexpected shape"), e)
        })
    }

    /// Sends a change with `body` (if any), once, and returns its answer (unwrapped; `null`
    /// for an empty body).
    ///
    /// A 5xx or a connection lost after sending is [`Error::OutcomeUnknown`] naming
    /// `change.check`, as is a 2xx answer that cannot be read; a 2xx with `errors[]` is
    /// [`Error::Service`].
    pub(crate) async fn change(&self, change: Change<'_>, body: Option<&Value>) -> Result<Value> {
        let mut request = self.request(change.method, &change.path)?.not_repeatable();
        if let Some(body) = body {
            request = request.json(body);
        }
        let endpoint = request.endpoint();
        let response = self
            .http
            .send(&request, Some((&self.auth, ApiKind::Rest)))
            .await
            .map_err(|e| e.with_check(change.check))?;
        // Past a 2xx the change was most likely made: an answer that cannot be read must not
        // invite a second attempt.
        let read = match read_body(response, &endpoint).await {
            Ok(body) => unwrap_answer(&body, &endpoint),
            Err(e) => Err(e),
        };
        match read {
            Err(e @ Error::Service { .. }) => Err(e),
            Err(e) => Err(Error::OutcomeUnknown {
                endpoint,
                reason: "it answered 2xx, but its answer could not be read".into(),
                check: change.check.to_owned(),
                source: Some(Cause::new(e)),
            }),
            Ok(answer) => Ok(answer),
        }
    }

    /// As [`Rest::change`], decoding an answer that must name the item (`id`).
    pub(crate) async fn create<T: DeserializeOwned>(
        &self,
        change: Change<'_>,
        body: &impl Serialize,
    ) -> Result<T> {
        let check = change.check.to_owned();
        let body = serde_json::to_value(body)
            .map_err(|e| Error::config("request body", format!("cannot be JSON: {e}")))?;
        let endpoint = format!("{}{}", self.api_url, change.path);
        let answer = self.change(change, Some(&body)).await?;
        serde_json::from_value(answer).map_err(|e| Error::OutcomeUnknown {
            endpoint,
            reason: "it answered 2xx, but not with the item it made (no `id`)".into(),
            check,
            source: Some(Cause::new(e)),
        })
    }

    /// Sends `request` and reads its answer: `errors[]` is [`Error::Service`]; a
    /// `{"data": ...}` envelope is unwrapped; an empty body is `null`.
    async fn answer(&self, request: &Request) -> Result<Value> {
        let endpoint = request.endpoint();
        let response = self
            .http
            .send(request, Some((&self.auth, ApiKind::Rest)))
            .await?;
        let body = read_body(response, &endpoint).await?;
        unwrap_answer(&body, &endpoint)
    }

    /// Every item of a listing at `path`, `?limit=N` if given, following a string
    /// `nextToken` to the end.
    pub(crate) async fn list<T: DeserializeOwned>(
        &self,
        path: &str,
        limit: Option<u32>,
    ) -> Result<Vec<T>> {
        let mut first = self.request(Method::GET, path)?;
        if let Some(limit) = limit {
            first = first.query("limit", &limit.to_string());
        }
        let endpoint = first.endpoint();
        let mut items = Vec::new();
        let mut followed = HashSet::new();
        let mut token: Option<String> = None;
        for page in 1..=MAX_PAGES {
            let request = match &token {
                None => first.clone(),
                Some(token) => first.clone().query(NEXT_TOKEN, token),
            };
            let response = self
                .http
                .send(&request, Some((&self.auth, ApiKind::Rest)))
                .await?;
            let body = read_body(response, &endpoint).await?;
            let answer = parse_page(&body, &endpoint, page, items.len(), "items")?;
            items.extend(
                serde_json::from_value::<Vec<T>>(Value::Array(answer.items)).map_err(|e| {
                    Error::unexpected_because(
                        format!("{endpoint} answered page {page} with an unexpected item"),
                        e,
                    )
                })?,
            );
            let next = match answer.next {
                Next::Done => return Ok(items),
                Next::Token(token) => token,
                Next::Unfollowed(field) => {
                    return Err(Error::unexpected(format!(
                        "{endpoint} says on page {page} that there is more (`{field}`) in a \
                         form this version cannot follow: the listing is incomplete"
                    )));
                }
            };
            if !followed.insert(next.clone()) {
                return Err(Error::unexpected(format!(
                    "{endpoint} repeated its continuation token on page {page} (a nextToken \
                     already followed): following it would never end"
                )));
            }
            token = Some(next);
        }
        Err(Error::unexpected(format!(
            "{endpoint} still had more after {MAX_PAGES} pages: the listing is incomplete"
        )))
    }
}

/// The answer of a call, `{"data": ...}` unwrapped; `errors[]` is a failure.
fn unwrap_answer(body: &[u8], endpoint: &str) -> Result<Value> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    let mut value: Value = serde_json::from_slice(body).map_err(|e| {
        Error::unexpected_because(format!("{endpoint} answered with invalid JSON"), e)
    })?;
    check_errors(&value, endpoint)?;
    if let Some(data) = value.get_mut("data").map(Value::take) {
        return Ok(data);
    }
    Ok(value)
}

/// `id` as one path segment: every byte outside `A-Z a-z 0-9 - . _ ~` written `%XX`, so
/// `/`, `?` and `#` cannot leave the segment.
///
/// # Errors
/// [`Error::Config`] for an empty id, `.` or `..` (a URL would drop or climb them).
pub(crate) fn segment(what: &'static str, id: &str) -> Result<String> {
    if matches!(id, "" | "." | "..") {
        return Err(Error::config(what, format!("{id:?} is not an id")));
    }
    let mut out = String::with_capacity(id.len());
    crate::transport::percent_encode_into(&mut out, id);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{segment, unwrap_answer};

    #[test]
    fn a_hostile_id_stays_one_segment_and_empty_or_dot_ids_are_refused() {
        assert_eq!(
            segment("job id", "a/../b?x#y").unwrap(),
            "a%2F..%2Fb%3Fx%23y"
        );
        assert_eq!(segment("job id", "j-1_2.3~").unwrap(), "j-1_2.3~");
        assert_eq!(segment("job id", "ü %").unwrap(), "%C3%BC%20%25");
        for bad in ["", ".", ".."] {
            assert!(segment("job id", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn answers_are_unwrapped_and_errors_fail_even_with_a_2xx() {
        let a = unwrap_answer(br#"{"data":{"id":"j"}}"#, "x").unwrap();
        assert_eq!(a, json!({"id": "j"}));
        assert_eq!(unwrap_answer(b" \n", "x").unwrap(), json!(null));
        let e = unwrap_answer(br#"{"errors":[{"message":"no"},{"code":7}]}"#, "x").unwrap_err();
        assert!(e.to_string().contains("no; {\"code\":7}"), "{e}");
        assert!(unwrap_answer(br#"{"errors":[],"id":"j"}"#, "x").is_ok());
        assert!(unwrap_answer(b"{", "x").is_err());
    }
}
