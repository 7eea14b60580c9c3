//! What is sent: a [`Request`] (method, URL, body, headers) and the [`AuthHeader`] that
//! carries a credential. Neither shows a secret in `Debug`.

use std::time::Duration;

use http::{HeaderValue, Method};
use reqwest::Url;

use super::REQUEST_TIMEOUT;
use crate::error::{Error, Result};

/// One authentication header, ready for a request. Its value is marked sensitive, so it does
/// not show in `Debug` output (of this type or of the request that carries it).
#[derive(Debug, Clone)]
pub struct AuthHeader {
    name: &'static str,
    value: HeaderValue,
}

impl AuthHeader {
    /// A header from a name and a secret value.
    ///
    /// # Errors
    /// [`Error::InvalidToken`] when the value cannot be a header value (control characters).
    pub fn new(name: &'static str, value: &str) -> Result<Self> {
        let mut value = HeaderValue::from_str(value)
            .map_err(|_| Error::invalid_token("the credential holds characters a header cannot"))?;
        value.set_sensitive(true);
        Ok(AuthHeader { name, value })
    }

    /// The header name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The header value (sensitive).
    pub fn value(&self) -> &HeaderValue {
        &self.value
    }

    /// The secret part of the value, to scrub it from anything shown.
    pub(crate) fn secret(&self) -> &str {
        let raw = self.value.to_str().unwrap_or_default();
        raw.strip_prefix("Bearer ").unwrap_or(raw)
    }
}

/// One request to send; cloned for every attempt. Its body and secret headers never show in
/// `Debug` (a body may carry a secret, e.g. a key exchanged for a token).
#[derive(Clone)]
pub struct Request {
    pub(super) method: Method,
    pub(super) url: Url,
    pub(super) body: Option<zeroize::Zeroizing<Vec<u8>>>,
    pub(super) headers: Vec<(&'static str, &'static str)>,
    pub(super) secret_headers: Vec<AuthHeader>,
    pub(super) redactions: Vec<zeroize::Zeroizing<String>>,
    pub(super) retry_server_errors: bool,
    pub(super) total_timeout: Option<Duration>,
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

    /// A request that must not be repeated once the server may have acted on it (it changes
    /// an item, mints a token, sends an e-mail): a 5xx answer, or a connection that breaks
    /// once the request went out, is [`Error::OutcomeUnknown`], not retried. Connection
    /// failures before anything was sent and 429 (nothing was done) are still retried.
    pub fn not_repeatable(mut self) -> Self {
        self.retry_server_errors = false;
        self
    }

    /// A secret header besides the credential of [`HttpClient::send`](super::HttpClient) (e.g. a short-lived
    /// login token): sensitive, and blanked out of error excerpts.
    pub fn secret_header(mut self, header: AuthHeader) -> Self {
        self.secret_headers.push(header);
        self
    }

    /// A GET of `path` under `base` (`<base>/<path>`), each `/`-separated part of `path`
    /// percent-encoded outside RFC 3986's unreserved set, so a key holding `?`, `#`, `%` or
    /// spaces stays one path and a `+` reaches S3 as a plus, not a space.
    ///
    /// # Errors
    /// [`Error::Config`] when `base` is not a URL that can have a path;
    /// [`Error::UnexpectedResponse`] when `path` holds `.` or `..` parts.
    pub fn get_path(base: &str, path: &str) -> Result<Self> {
        let mut url = parse_url(base)?;
        if url.cannot_be_a_base() {
            return Err(Error::config("URL", format!("{base:?} cannot have a path")));
        }
        let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        if parts.iter().any(|p| *p == "." || *p == "..") {
            return Err(Error::unexpected(format!(
                "refusing the path {path:?}: it holds . or .. parts"
            )));
        }
        let mut full = url.path().trim_end_matches('/').to_owned();
        for part in parts {
            full.push('/');
            percent_encode_into(&mut full, part);
        }
        url.set_path(&full);
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

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The URL without its query, as shown in logs and errors.
    pub fn endpoint(&self) -> String {
        let mut url = self.url.clone();
        url.set_query(None);
        url.to_string()
    }
}

/// Appends `part` with every byte outside `A-Z a-z 0-9 - . _ ~` written as `%XX`.
pub(crate) fn percent_encode_into(out: &mut String, part: &str) {
    for byte in part.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
}

fn parse_url(url: &str) -> Result<Url> {
    Url::parse(url).map_err(|e| Error::config("URL", format!("{url:?} is not a URL: {e}")))
}

#[cfg(test)]
mod tests {
    use super::Request;

    #[test]
    fn each_key_segment_is_encoded_outside_the_unreserved_set() {
        let r = Request::get_path(
            "https://cdn.example/base/",
            "team 7/a+b&c=d;e,f$g!h'i(j)k*l@m:n%o?p#q/ü~x-y_z.jpg",
        )
        .unwrap();
        assert_eq!(
            r.url.as_str(),
            "https://cdn.example/base/team%207/a%2Bb%26c%3Dd%3Be%2Cf%24g%21h%27i%28j%29k%2Al%40m%3An%25o%3Fp%23q/%C3%BC~x-y_z.jpg"
        );
        assert!(Request::get_path("https://cdn.example", "a/../b").is_err());
        assert_eq!(
            Request::get_path("https://cdn.example", "/k/x.jpg")
                .unwrap()
                .url
                .as_str(),
            "https://cdn.example/k/x.jpg"
        );
    }
}
