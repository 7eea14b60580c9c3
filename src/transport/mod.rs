//! HTTP transport shared by every client (Unleash Live's APIs, the other providers): rustls,
//! connect and read time limits, bounded retries with exponential backoff and jitter, errors
//! that carry the status and a short body excerpt (never a header or a token), and a tracing
//! span per request. It knows headers ([`AuthHeader`]), not credentials: stamping a request
//! with an [`Auth`](crate::api::auth::Auth) and renewing after a 401 is
//! [`HttpClient::send`](crate::api::http), one layer up.
//!
//! Retried: connection failures, 429 and 5xx (after `Retry-After` when the server sends one;
//! 5xx not for requests marked [`Request::not_repeatable`]). Never retried: any other status —
//! a 4xx will not get better by asking again. A request marked not repeatable that got a 5xx,
//! or whose connection broke once it was sent, fails with
//! [`Error::OutcomeUnknown`]: it may have been carried out.

use std::time::Duration;

use reqwest::{Response, StatusCode};
use tracing::Instrument as _;

use crate::error::{Cause, Error, Result};

#[cfg(feature = "cognito")]
pub(crate) mod aws_sdk;
mod redirect;
mod request;

use redirect::{no_downgrade, policy, refused_redirect, same_origin};

pub(crate) use request::percent_encode_into;
pub use request::{AuthHeader, Request};

/// Limit on establishing a connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Limit on waiting for the next bytes of a response (a stalled download fails after this).
pub const READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Limit on one whole API call, body included (downloads have none; see [`Request::streamed`]).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// Attempts per request, the first included.
pub const MAX_ATTEMPTS: u32 = 4;
/// The delay before the first retry; it doubles on each retry.
pub const BASE_DELAY: Duration = Duration::from_millis(300);
/// No single delay (backoff or `Retry-After`) is longer than this.
pub const MAX_DELAY: Duration = Duration::from_secs(10);
/// Characters of a failed response's body kept in the error.
pub const EXCERPT_CHARS: usize = 200;

/// How often and how patiently failed requests are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    /// Attempts per request, the first included (at least 1).
    pub max_attempts: u32,
    /// The delay before the first retry, doubled on each further retry, with jitter.
    pub base_delay: Duration,
    /// The longest single delay.
    pub max_delay: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            max_attempts: MAX_ATTEMPTS,
            base_delay: BASE_DELAY,
            max_delay: MAX_DELAY,
        }
    }
}

impl Retry {
    /// The delay before retry number `retry` (1 = the first): `base · 2^(retry-1)`, capped,
    /// then a random point in its upper half so that many clients do not retry in step.
    fn backoff(&self, retry: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << retry.saturating_sub(1).min(16));
        let full = exp.min(self.max_delay);
        let mut b = [0u8; 4];
        let fraction = match getrandom::fill(&mut b) {
            Ok(()) => f64::from(u32::from_le_bytes(b)) / f64::from(u32::MAX),
            Err(_) => 1.0,
        };
        full.mul_f64(0.5 + fraction / 2.0)
    }
}

/// Redirects followed per request, at most.
pub const MAX_REDIRECTS: usize = 10;

/// The shared HTTP client. Cheap to clone; clones share connections.
///
/// Redirects: a request that carries a credential (a credential header, a secret header, a
/// secret in its body) follows a redirect only within its origin (same scheme, host and port);
/// reqwest itself would strip only `Authorization` and `Cookie` when the host changes, so
/// `x-amz-cognito-security-token`, `x-api-key`, a `token` header or a POSTed secret key would
/// follow a redirect anywhere. A request without one (a CDN download) may follow a redirect to
/// another host, never from https to http. A refused redirect is
/// [`Error::RedirectRefused`], naming both URLs.
#[derive(Debug, Clone)]
pub struct HttpClient {
    /// For requests with a credential: same-origin redirects only.
    client: reqwest::Client,
    /// For requests without one: no downgrade to http.
    open: reqwest::Client,
    retry: Retry,
}

/// Options of an [`HttpClient`]; see [`HttpClient::builder`].
#[derive(Debug, Clone)]
pub struct HttpClientBuilder {
    connect_timeout: Duration,
    read_timeout: Duration,
    retry: Retry,
}

impl HttpClientBuilder {
    /// The connect limit (default [`CONNECT_TIMEOUT`]).
    pub fn connect_timeout(mut self, limit: Duration) -> Self {
        self.connect_timeout = limit;
        self
    }

    /// The limit on waiting for more bytes (default [`READ_TIMEOUT`]).
    pub fn read_timeout(mut self, limit: Duration) -> Self {
        self.read_timeout = limit;
        self
    }

    /// The retry policy (tests use millisecond delays).
    pub fn retry(mut self, retry: Retry) -> Self {
        self.retry = retry;
        self
    }

    /// The client.
    ///
    /// # Errors
    /// [`Error::Config`] when the TLS stack cannot be set up.
    pub fn build(self) -> Result<HttpClient> {
        let build = |redirects| {
            reqwest::Client::builder()
                .connect_timeout(self.connect_timeout)
                .read_timeout(self.read_timeout)
                .user_agent(concat!("unleashlive-auth/", env!("CARGO_PKG_VERSION")))
                .redirect(redirects)
                .build()
                .map_err(|e| Error::config("HTTP client", error_chain(&e)))
        };
        Ok(HttpClient {
            client: build(policy(same_origin))?,
            open: build(policy(no_downgrade))?,
            retry: Retry {
                max_attempts: self.retry.max_attempts.max(1),
                ..self.retry
            },
        })
    }
}

impl HttpClient {
    /// A client with the default limits and retries.
    ///
    /// # Errors
    /// As [`HttpClientBuilder::build`].
    pub fn new() -> Result<Self> {
        Self::builder().build()
    }

    /// Options for a client.
    pub fn builder() -> HttpClientBuilder {
        HttpClientBuilder {
            connect_timeout: CONNECT_TIMEOUT,
            read_timeout: READ_TIMEOUT,
            retry: Retry::default(),
        }
    }

    /// Sends `request` with no credential but its own secret headers, retrying as the
    /// module explains, and returns a 2xx response whose body is not read yet.
    ///
    /// # Errors
    /// [`Error::Http`] for a non-2xx answer (after retries for 429/5xx), its excerpt blanked
    /// of the request's secrets; [`Error::Unreachable`] / [`Error::Timeout`] for the network.
    pub async fn fetch(&self, request: &Request) -> Result<Response> {
        let endpoint = request.endpoint();
        let span = tracing::info_span!("http", method = %request.method, url = %endpoint);
        async {
            let (response, attempts) = self.attempts(request, None, &endpoint).await?;
            if response.status().is_success() {
                return Ok(response);
            }
            Err(failure(response, request, None, endpoint, attempts).await)
        }
        .instrument(span)
        .await
    }

    /// Sends until an answer that is not to be retried, or the attempts run out.
    pub(crate) async fn attempts(
        &self,
        request: &Request,
        header: Option<&AuthHeader>,
        endpoint: &str,
    ) -> Result<(Response, u32)> {
        let mut attempt = 1;
        let carries_secret = header.is_some()
            || !request.secret_headers.is_empty()
            || !request.redactions.is_empty();
        let client = if carries_secret {
            &self.client
        } else {
            &self.open
        };
        loop {
            let mut builder = client.request(request.method.clone(), request.url.clone());
            if let Some(limit) = request.total_timeout {
                builder = builder.timeout(limit);
            }
            if let Some(header) = header {
                builder = builder.header(header.name(), header.value().clone());
            }
            for header in &request.secret_headers {
                builder = builder.header(header.name(), header.value().clone());
            }
            for (name, value) in &request.headers {
                builder = builder.header(*name, *value);
            }
            if let Some(body) = &request.body {
                builder = builder
                    .header(http::header::CONTENT_TYPE, "application/json")
                    .body(body.to_vec());
            }
            let last = attempt >= self.retry.max_attempts;
            match builder.send().await {
                Ok(response) => {
                    let status = response.status();
                    tracing::debug!(attempt, status = status.as_u16(), "answer");
                    let retryable = status == StatusCode::TOO_MANY_REQUESTS
                        || (status.is_server_error() && request.retry_server_errors);
                    if !retryable || last {
                        return Ok((response, attempt));
                    }
                    let delay = retry_after(&response).map_or_else(
                        || self.retry.backoff(attempt),
                        |d| d.min(self.retry.max_delay),
                    );
                    tracing::warn!(attempt, status = status.as_u16(), ?delay, "retrying");
                    tokio::time::sleep(delay).await;
                }
                Err(e) if e.is_connect() && !last => {
                    let delay = self.retry.backoff(attempt);
                    // The span names the endpoint; the URL's query may be signed.
                    let e = e.without_url();
                    tracing::warn!(attempt, error = %error_chain(&e), ?delay, "cannot connect; retrying");
                    tokio::time::sleep(delay).await;
                }
                // Past the connect phase the request may have reached the server.
                Err(e) if !request.retry_server_errors && !e.is_connect() && !e.is_redirect() => {
                    return Err(Error::OutcomeUnknown {
                        endpoint: endpoint.to_owned(),
                        reason: "the connection failed after sending".into(),
                        check: crate::error::DEFAULT_CHECK.into(),
                        source: Some(Cause::http(e)),
                    });
                }
                Err(e) => return Err(transport_error(endpoint, e)),
            }
            attempt += 1;
        }
    }
}

/// Maps a failure to send or to read a body; the HTTP client's error, without its URL, is
/// the source.
pub(crate) fn transport_error(endpoint: &str, e: reqwest::Error) -> Error {
    if let Some(refused) = refused_redirect(&e) {
        return refused;
    }
    if e.is_timeout() {
        return Error::Timeout {
            endpoint: endpoint.to_owned(),
            reason: "no answer within the time limit".into(),
        };
    }
    let reason = if e.is_connect() {
        "cannot connect"
    } else if e.is_body() || e.is_decode() {
        "the answer could not be read"
    } else {
        "the request could not be sent"
    };
    Error::unreachable(endpoint, reason, Some(Cause::http(e)))
}

fn retry_after(response: &Response) -> Option<Duration> {
    let value = response.headers().get(http::header::RETRY_AFTER)?;
    value
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// The error for a non-2xx answer: its status and an excerpt blanked of every secret the
/// request carried (`credential`, its secret headers, secrets in its body).
pub(crate) async fn failure(
    response: Response,
    request: &Request,
    credential: Option<&AuthHeader>,
    endpoint: String,
    attempts: u32,
) -> Error {
    let status = response.status().as_u16();
    let secrets = credential
        .into_iter()
        .chain(&request.secret_headers)
        .map(AuthHeader::secret)
        .chain(request.redactions.iter().map(|s| s.as_str()));
    let excerpt = excerpt(response, secrets).await;
    if !request.retry_server_errors && status >= 500 {
        return Error::OutcomeUnknown {
            endpoint,
            reason: format!("the server answered HTTP {status}: {excerpt}"),
            check: crate::error::DEFAULT_CHECK.into(),
            source: None,
        };
    }
    Error::Http {
        endpoint,
        status,
        attempts,
        excerpt,
    }
}

/// The first [`EXCERPT_CHARS`] characters of the body, on one line, with the credential (if
/// a server ever echoes it) blanked out.
async fn excerpt<'a>(mut response: Response, secrets: impl Iterator<Item = &'a str>) -> String {
    let mut body = Vec::new();
    while body.len() < 4 * EXCERPT_CHARS {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            _ => break,
        }
    }
    let mut text = String::from_utf8_lossy(&body).into_owned();
    for secret in secrets.filter(|s| !s.is_empty()) {
        text = text.replace(secret, "[redacted]");
    }
    let text: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut out: String = words.join(" ").chars().take(EXCERPT_CHARS).collect();
    if out.is_empty() {
        out.push_str("(empty body)");
    }
    out
}

/// The largest API answer read (a file download streams and has no such limit).
pub const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// Reads a whole API answer, at most [`MAX_BODY_BYTES`]: a server that sends (or announces)
/// more is refused before it can fill the memory.
pub(crate) async fn read_body(response: Response, endpoint: &str) -> Result<Vec<u8>> {
    read_body_capped(response, endpoint, MAX_BODY_BYTES).await
}

async fn read_body_capped(mut response: Response, endpoint: &str, max: usize) -> Result<Vec<u8>> {
    let too_large = || {
        Error::unexpected(format!(
            "{endpoint} answered with more than {} MiB; refusing to read an API answer that \
             large",
            max / (1024 * 1024)
        ))
    };
    if response
        .content_length()
        .is_some_and(|len| len > max as u64)
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| transport_error(endpoint, e))?
    {
        if body.len() + chunk.len() > max {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Reads a whole (API-sized) body and parses it as JSON.
pub(crate) async fn read_json<T: serde::de::DeserializeOwned>(
    response: Response,
    endpoint: &str,
) -> Result<T> {
    let body = read_body(response, endpoint).await?;
    serde_json::from_slice(&body)
        .map_err(|e| Error::unexpected_because(format!("{endpoint} answered with invalid JSON"), e))
}

pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_stays_in_the_upper_half_and_is_capped() {
        let retry = Retry {
            max_attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
        };
        for _ in 0..50 {
            let first = retry.backoff(1);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            let second = retry.backoff(2);
            assert!(second >= Duration::from_millis(100) && second <= Duration::from_millis(200));
            assert!(retry.backoff(9) <= Duration::from_millis(350));
        }
    }

    #[test]
    fn credentials_stay_on_their_origin_and_nothing_leaves_https() {
        let url = |u: &str| reqwest::Url::parse(u).unwrap();
        let api = url("https://api.example/v1/x");
        assert!(same_origin(&api, &url("https://api.example/v2/y")));
        for other in [
            "https://evil.example/v1/x",
            "https://api.example:8443/v1/x",
            "http://api.example/v1/x",
        ] {
            assert!(!same_origin(&api, &url(other)), "{other}");
        }
        assert!(no_downgrade(&api, &url("https://s3.example/k")));
        assert!(!no_downgrade(&api, &url("http://s3.example/k")));
        assert!(no_downgrade(
            &url("http://127.0.0.1:1/a"),
            &url("http://127.0.0.1:2/b")
        ));
    }

    #[test]
    fn query_values_are_encoded_and_hidden_from_the_endpoint() {
        let r = Request::get("https://api.example/v1/x")
            .unwrap()
            .query("a", "b&c=d");
        assert_eq!(r.url.query(), Some("a=b%26c%3Dd"));
        assert_eq!(r.endpoint(), "https://api.example/v1/x");
    }
}
