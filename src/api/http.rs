//! The one HTTP client every API client shares, with the credential each API takes: the
//! transport ([`crate::transport`]: time limits, bounded retries, errors with a short excerpt)
//! plus [`HttpClient::send`], which stamps a request with an [`Auth`]'s header.
//!
//! A 401 with a credential that can be renewed (a Cognito session, a UNITH bearer with its key
//! at hand) is renewed once and the request sent again; a second 401 is an authentication
//! error.

use reqwest::{Response, StatusCode};
use tracing::Instrument as _;

use crate::api::auth::{ApiKind, Auth};
use crate::error::{Error, Result};
use crate::transport::failure;
pub use crate::transport::{
    BASE_DELAY, CONNECT_TIMEOUT, EXCERPT_CHARS, HttpClient, HttpClientBuilder, MAX_ATTEMPTS,
    MAX_DELAY, READ_TIMEOUT, REQUEST_TIMEOUT, Request, Retry,
};
pub(crate) use crate::transport::{read_json, transport_error};

impl HttpClient {
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
        let span = tracing::info_span!("http", method = %request.method(), url = %endpoint);
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
                let failure = failure(
                    response,
                    request,
                    header.as_ref(),
                    endpoint.clone(),
                    attempts,
                )
                .await;
                if let (true, Some((auth, _)), Error::Http { excerpt, .. }) =
                    (refused, auth, &failure)
                {
                    let again = if renewed { " even after a refresh" } else { "" };
                    return Err(Error::NotAuthorized {
                        message: format!(
                            "{endpoint} refused the {} (HTTP {}){again}: {excerpt}",
                            auth.kind_name(),
                            status.as_u16()
                        ),
                    });
                }
                return Err(failure);
            }
        }
        .instrument(span)
        .await
    }
}
