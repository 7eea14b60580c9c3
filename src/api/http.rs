//! The one HTTP client every API client shares: rustls, connect and read time limits, bounded
//! retries with exponential backoff and jitter, errors that carry the status and a short body
//! excerpt (never a header or a token), and a tracing span per request.
//!
//! Retried: connection failures, 429 and 5xx (after `Retry-After` when the server sends one).
//! Never retried: any other status — a 4xx will not get better by asking again. A 401 with a
//! credential that can be renewed (a Cognito session) is renewed once and the request sent
//! again; a second 401 is an authentication error.

use std::time::Duration;

use http::Method;
use reqwest::{Response, StatusCode, Url};
use tracing::Instrument as _;

use crate::auth::{ApiKind, Auth, AuthHeader};
use crate::error::{Error, Result};

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

/// One request to send; cloned for every attempt. Its body and secret headers never show in
/// `Debug` (a body may carry a secret, e.g. a key exchanged for a token).
#[derive(Clone)]
pub struct Request {
    method: Method,
    url: Url,
    body: Option<zeroize::Zeroizing<Vec<u8>>>,
    headers: Vec<(&'static str, &'static str)>,
    secret_headers: Vec<AuthHeader>,
    redactions: Vec<zeroize::Zeroizing<String>>,
    retry_server_errors: bool,
    total_timeout: Option<Duration>,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("endpoint", &self.endpoint())
            .field(
                "body",
                &self.body.as_ref().map(|b| format!("[{} bytes]", b.len())),
            )
            .field("headers", &self.headers)
            .field("secret_headers", &self.secret_headers)
            .finish_non_exhaustive()
    }
}

impl Request {
    /// A request of any method to `url`, without a body.
    ///
    /// # Errors
    /// [`Error::Config`] when `url` is not a URL.
    pub fn new(method: Method, url: &str) -> Result<Self> {
        Ok(Self::to(method, parse_url(url)?))
    }

    fn to(method: Method, url: Url) -> Self {
        Request {
            method,
            url,
            body: None,
            headers: Vec::new(),
            secret_headers: Vec::new(),
            redactions: Vec::new(),
            retry_server_errors: true,
            total_timeout: Some(REQUEST_TIMEOUT),
        }
    }

    /// A GET of `url`.
    ///
    /// # Errors
    /// [`Error::Config`] when `url` is not a URL.
    pub fn get(url: &str) -> Result<Self> {
        Self::new(Method::GET, url)
    }

    /// `body` as JSON (`content-type: application/json`). The body may hold a secret: it is
    /// zeroized when the request is dropped and never shown.
    pub fn json(mut self, body: &serde_json::Value) -> Self {
        self.body = Some(zeroize::Zeroizing::new(body.to_string().into_bytes()));
        self
    }

    /// A fixed, non-secret header (e.g. `accept: application/json`).
    pub fn header(mut self, name: &'static str, value: &'static str) -> Self {
        self.headers.push((name, value));
        self
    }

    /// A secret sent in the body (e.g. a key exchanged for a token): blanked out of error
    /// excerpts, in case the server echoes the request.
    pub fn redact(mut self, secret: &str) -> Self {
        if !secret.is_empty() {
            self.redactions
                .push(zeroize::Zeroizing::new(secret.to_owned()));
        }
        self
    }

    /// A request that must not be repeated once the server may have acted on it (it mints a
    /// token, sends an e-mail): a 5xx answer is returned, not retried. Connection failures
    /// (nothing was sent) and 429 (nothing was done) are still retried.
    pub fn not_repeatable(mut self) -> Self {
        self.retry_server_errors = false;
        self
    }

    /// A secret header besides the credential of [`HttpClient::send`] (e.g. a short-lived
    /// login token): sensitive, and blanked out of error excerpts.
    pub fn secret_header(mut self, header: AuthHeader) -> Self {
        self.secret_headers.push(header);
        self
    }

    /// A GET of `path` under `base` (`<base>/<path>`), each `/`-separated part of `path`
    /// percent-encoded, so a key holding `?`, `#` or spaces stays one path.
    ///
    /// # Errors
    /// [`Error::Config`] when `base` is not a URL that can have a path;
    /// [`Error::UnexpectedResponse`] when `path` holds `.` or `..` parts.
    pub fn get_path(base: &str, path: &str) -> Result<Self> {
        let mut url = parse_url(base)?;
        let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        if parts.iter().any(|p| *p == "." || *p == "..") {
            return Err(Error::UnexpectedResponse(format!(
                "refusing the path {path:?}: it holds . or .. parts"
            )));
        }
        url.path_segments_mut()
            .map_err(|()| Error::config("URL", format!("{base:?} cannot have a path")))?
            .pop_if_empty()
            .extend(parts);
        Ok(Self::to(Method::GET, url))
    }

    /// A POST of `body` as JSON to `url`.
    ///
    /// # Errors
    /// [`Error::Config`] when `url` is not a URL.
    pub fn post_json(url: &str, body: &serde_json::Value) -> Result<Self> {
        Ok(Self::new(Method::POST, url)?.json(body))
    }

    /// Adds a query parameter (encoded here, so any value is safe).
    pub fn query(mut self, name: &str, value: &str) -> Self {
        self.url.query_pairs_mut().append_pair(name, value);
        self
    }

    /// No limit on the whole call, for bodies read as a stream (downloads): only the connect
    /// and read limits apply, so a large file on a slow line still arrives.
    pub fn streamed(mut self) -> Self {
        self.total_timeout = None;
        self
    }

    /// The URL without its query, as shown in logs and errors.
    pub fn endpoint(&self) -> String {
        let mut url = self.url.clone();
        url.set_query(None);
        url.to_string()
    }
}

fn parse_url(url: &str) -> Result<Url> {
    Url::parse(url).map_err(|e| Error::config("URL", format!("{url:?} is not a URL: {e}")))
}

/// The shared HTTP client. Cheap to clone; clones share connections.
#[derive(Debug, Clone)]
pub struct HttpClient {
    client: reqwest::Client,
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
        let client = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .read_timeout(self.read_timeout)
            .user_agent(concat!("unleashlive-auth/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::config("HTTP client", error_chain(&e)))?;
        Ok(HttpClient {
            client,
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

    /// Sends `request` with the header `auth` gives for `kind` (or none), retrying as the
    /// module explains, and returns a 2xx response whose body is not read yet.
    ///
    /// # Errors
    /// [`Error::Http`] for a non-2xx answer (after retries for 429/5xx);
    /// [`Error::NotAuthorized`] when the credential is refused (after one renewal for a
    /// Cognito session); [`Error::Unreachable`] / [`Error::Timeout`] for the network; the
    /// errors of [`Auth::header`] and [`Auth::renew`].
    pub async fn send(
        &self,
        request: &Request,
        auth: Option<(&Auth, ApiKind)>,
    ) -> Result<Response> {
        let endpoint = request.endpoint();
        let span = tracing::info_span!("http", method = %request.method, url = %endpoint);
        async {
            let mut header = match auth {
                Some((auth, kind)) => Some(auth.header(kind).await?),
                None => None,
            };
            let mut renewed = false;
            loop {
                let (response, attempts) =
                    self.attempts(request, header.as_ref(), &endpoint).await?;
                let status = response.status();
                if status.is_success() {
                    return Ok(response);
                }
                let refused = matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN);
                if let Some((auth, kind)) = auth
                    && status == StatusCode::UNAUTHORIZED
                    && auth.renews()
                    && !renewed
                {
                    tracing::info!("credential refused (401); renewing it once");
                    renewed = true;
                    auth.renew().await?;
                    header = Some(auth.header(kind).await?);
                    continue;
                }
                let secrets = header
                    .iter()
                    .chain(&request.secret_headers)
                    .map(AuthHeader::secret)
                    .chain(request.redactions.iter().map(|s| s.as_str()));
                let excerpt = excerpt(response, secrets).await;
                if let (true, Some((auth, _))) = (refused, auth) {
                    let again = if renewed { " even after a refresh" } else { "" };
                    return Err(Error::NotAuthorized {
                        message: format!(
                            "{endpoint} refused the {} (HTTP {}){again}: {excerpt}",
                            auth.kind_name(),
                            status.as_u16()
                        ),
                    });
                }
                return Err(Error::Http {
                    endpoint,
                    status: status.as_u16(),
                    attempts,
                    excerpt,
                });
            }
        }
        .instrument(span)
        .await
    }

    /// Sends until an answer that is not to be retried, or the attempts run out.
    async fn attempts(
        &self,
        request: &Request,
        header: Option<&AuthHeader>,
        endpoint: &str,
    ) -> Result<(Response, u32)> {
        let mut attempt = 1;
        loop {
            let mut builder = self
                .client
                .request(request.method.clone(), request.url.clone());
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
                    tracing::warn!(attempt, error = %error_chain(&e), ?delay, "cannot connect; retrying");
                    tokio::time::sleep(delay).await;
                }
                Err(e) => return Err(transport_error(endpoint, &e)),
            }
            attempt += 1;
        }
    }
}

/// Maps a failure to send or to read a body.
pub(crate) fn transport_error(endpoint: &str, e: &reqwest::Error) -> Error {
    if e.is_timeout() {
        Error::Timeout {
            endpoint: endpoint.to_owned(),
            reason: "no answer within the time limit".into(),
        }
    } else {
        Error::Unreachable {
            endpoint: endpoint.to_owned(),
            reason: error_chain(e),
        }
    }
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

/// Reads a whole (API-sized) body and parses it as JSON.
pub(crate) async fn read_json<T: serde::de::DeserializeOwned>(
    response: Response,
    endpoint: &str,
) -> Result<T> {
    let body = response
        .bytes()
        .await
        .map_err(|e| transport_error(endpoint, &e))?;
    serde_json::from_slice(&body).map_err(|e| {
        Error::UnexpectedResponse(format!("{endpoint} answered with invalid JSON: {e}"))
    })
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
    fn query_values_are_encoded_and_hidden_from_the_endpoint() {
        let r = Request::get("https://api.example/v1/x")
            .unwrap()
            .query("a", "b&c=d");
        assert_eq!(r.url.query(), Some("a=b%26c%3Dd"));
        assert_eq!(r.endpoint(), "https://api.example/v1/x");
    }
}
