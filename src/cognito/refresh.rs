//! Refreshing a session: GetTokensFromRefreshToken (rotation-aware), falling back to
//! REFRESH_TOKEN_AUTH only where the endpoint does not implement it.
//!
//! The fallback is chosen only on an answer that says the operation is unknown, never on a
//! server error or an error page: on an app client with refresh-token rotation
//! REFRESH_TOKEN_AUTH is refused, so a fallback taken during an outage would tell the user to
//! sign in again, and the choice is remembered for the profile.

use aws_sdk_cognitoidentityprovider::config::http::HttpResponse;
use aws_sdk_cognitoidentityprovider::config::retry::RetryConfig;
use aws_sdk_cognitoidentityprovider::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cognitoidentityprovider::operation::get_tokens_from_refresh_token::GetTokensFromRefreshTokenError;
use aws_sdk_cognitoidentityprovider::types::AuthFlowType;
use tracing::Instrument as _;

use super::client::CognitoClient;
use crate::cognito::session::Session;
use crate::error::{Error, Result};
use crate::secret::{AccessToken, IdToken, RefreshToken};

impl CognitoClient {
    /// New ID and access tokens for a session. When Cognito rotates refresh tokens, the new
    /// refresh token replaces the old one in the returned session (store it before use).
    ///
    /// # Errors
    /// [`Error::SignInAgain`] when the session has no refresh token or Cognito refuses it
    /// (expired, revoked, signed out); the network errors of [`CognitoClient::sign_in`].
    pub async fn refresh(&self, session: &Session) -> Result<Session> {
        match self.refresh_once(session).await {
            // The device was forgotten elsewhere: drop it and try once more without it.
            Err(Error::DeviceNotFound) if session.device().is_some() => {
                tracing::info!("Cognito no longer knows the remembered device; dropping it");
                let mut without = session.clone();
                without.set_device(None);
                self.refresh_once(&without).await
            }
            other => other,
        }
    }

    async fn refresh_once(&self, session: &Session) -> Result<Session> {
        let Some(refresh_token) = session.refresh_token() else {
            return Err(Error::SignInAgain {
                reason: "the session has no refresh token".into(),
            });
        };
        let span = tracing::info_span!("refresh", user = session.username());
        if !session.uses_legacy_refresh() {
            let mut request = self
                .idp
                .get_tokens_from_refresh_token()
                .client_id(self.config.client_id())
                .refresh_token(refresh_token.secret());
            if let Some(secret) = &self.config.client_secret() {
                request = request.client_secret(secret.secret());
            }
            if let Some(device) = session.device() {
                request = request.device_key(device.key());
            }
            match request.send().instrument(span.clone()).await {
                Ok(out) => {
                    let result = out.authentication_result.ok_or_else(|| {
                        Error::unexpected("GetTokensFromRefreshToken returned no tokens")
                    })?;
                    return renewed(
                        self.clock.now(),
                        session,
                        result.id_token,
                        result.access_token,
                        result.refresh_token,
                        false,
                    );
                }
                Err(e) if self.lacks_get_tokens(&e).await => {
                    tracing::info!(
                        "the endpoint does not implement GetTokensFromRefreshToken; \
                         falling back to REFRESH_TOKEN_AUTH"
                    );
                }
                Err(e) => return Err(self.refresh_error(e)),
            }
        }
        let mut request = self
            .idp
            .initiate_auth()
            .auth_flow(AuthFlowType::RefreshTokenAuth)
            .client_id(self.config.client_id())
            .auth_parameters("REFRESH_TOKEN", refresh_token.secret());
        if let Some(hash) = self.secret_hash_for(session.username()) {
            request = request.auth_parameters("SECRET_HASH", hash);
        }
        if let Some(device) = session.device() {
            request = request.auth_parameters("DEVICE_KEY", device.key());
        }
        let out = request
            .send()
            .instrument(span.clone())
            .await
            .map_err(|e| self.refresh_error(e))?;
        let result = out
            .authentication_result
            .ok_or_else(|| Error::unexpected("REFRESH_TOKEN_AUTH returned no tokens"))?;
        renewed(
            self.clock.now(),
            session,
            result.id_token,
            result.access_token,
            result.refresh_token,
            true,
        )
    }

    fn refresh_error<E>(&self, err: SdkError<E>) -> Error
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        match self.map_error(err, Some("REFRESH_TOKEN_AUTH")) {
            Error::NotAuthorized { message } => Error::SignInAgain { reason: message },
            Error::UserNotFound | Error::UserDisabled => Error::SignInAgain {
                reason: "the user no longer exists or is disabled".into(),
            },
            other => other,
        }
    }
}

impl CognitoClient {
    /// Whether a failed GetTokensFromRefreshToken means the endpoint does not have the
    /// operation. An answer without a Cognito error (an HTML page, a crash, a bare 5xx) says
    /// nothing by itself; on an endpoint that is not AWS's own (an emulator: moto answers
    /// every operation it lacks with the same HTML 500 page) it counts only when an operation
    /// that cannot exist gets exactly the same answer.
    async fn lacks_get_tokens(&self, err: &SdkError<GetTokensFromRefreshTokenError>) -> bool {
        let SdkError::ServiceError(service) = err else {
            return false;
        };
        let raw = service.raw();
        let verdict = judge(
            raw.status().as_u16(),
            raw.headers().get("content-type"),
            raw.body().bytes().unwrap_or_default(),
            service.err().code(),
            service.err().message(),
        );
        match verdict {
            Verdict::Unknown => true,
            Verdict::Failed => false,
            Verdict::Unclear if is_aws_endpoint(self.config.endpoint_url()) => false,
            Verdict::Unclear => self.answers_like_no_operation(service.raw()).await,
        }
    }

    /// Sends an operation no endpoint has (no retries, placeholder values, no secret) and
    /// compares its answer with `seen`: same status, same body.
    async fn answers_like_no_operation(&self, seen: &HttpResponse) -> bool {
        let probe = self
            .idp
            .get_tokens_from_refresh_token()
            .client_id(self.config.client_id())
            .refresh_token("ul-auth-probe")
            .customize()
            .config_override(
                aws_sdk_cognitoidentityprovider::config::Builder::default()
                    .retry_config(RetryConfig::disabled()),
            )
            .mutate_request(|request| {
                request
                    .headers_mut()
                    .insert("x-amz-target", NO_SUCH_OPERATION);
            })
            .send()
            .await;
        let same = match &probe {
            Err(SdkError::ServiceError(answer)) => {
                let answer = answer.raw();
                answer.status() == seen.status()
                    && answer.body().bytes().is_some()
                    && answer.body().bytes() == seen.body().bytes()
            }
            _ => false,
        };
        tracing::debug!(
            same,
            status = seen.status().as_u16(),
            "GetTokensFromRefreshToken failed without a Cognito error; compared with an \
             operation that does not exist"
        );
        same
    }
}

/// The target of the probe in [`CognitoClient::answers_like_no_operation`].
const NO_SUCH_OPERATION: &str = "AWSCognitoIdentityProviderService.UlAuthProbeNoSuchOperation";

/// What a failed call says about its operation.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    /// The endpoint says it does not know it.
    Unknown,
    /// A Cognito error about the call itself: the operation exists.
    Failed,
    /// Nothing Cognito would say (an HTML page, a crash, a bare status).
    Unclear,
}

/// Error codes that name an unknown operation (AWS JSON protocols, emulators).
const UNKNOWN_OPERATION_CODES: &[&str] = &[
    "UnknownOperationException",
    "UnknownOperation",
    "InvalidAction",
    "NotImplemented",
    "NotImplementedException",
];

/// What an error answer (status, content type, body, and the error code and message the SDK
/// read from it) says about the operation.
fn judge(
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
    code: Option<&str>,
    message: Option<&str>,
) -> Verdict {
    // A gateway that cannot reach the service (502, 503, 504) says nothing about the
    // operation, however like an emulator's page its answer looks: never a reason to fall back.
    if matches!(status, 502..=504) {
        return Verdict::Failed;
    }
    let html = content_type.is_some_and(|t| t.to_ascii_lowercase().contains("html"))
        || body.trim_ascii_start().starts_with(b"<");
    if html {
        return Verdict::Unclear;
    }
    if let Some(code) = code {
        return if status < 500 && UNKNOWN_OPERATION_CODES.contains(&code) {
            Verdict::Unknown
        } else {
            Verdict::Failed
        };
    }
    let says_unknown = message.is_some_and(|m| {
        let m = m.to_ascii_lowercase();
        [
            "unknown operation",
            "unknownoperation",
            "not implemented",
            "unknown action",
        ]
        .iter()
        .any(|phrase| m.contains(phrase))
    });
    match status {
        400 | 404 if says_unknown => Verdict::Unknown,
        _ => Verdict::Unclear,
    }
}

/// AWS's own Cognito endpoint (the default, or an explicit `*.amazonaws.com` URL), which has
/// GetTokensFromRefreshToken: an unclear failure there is a failure.
fn is_aws_endpoint(endpoint_url: Option<&str>) -> bool {
    let Some(url) = endpoint_url else {
        return true;
    };
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        .is_some_and(|host| host.ends_with(".amazonaws.com") || host.ends_with(".amazonaws.com.cn"))
}

fn renewed(
    received_at: std::time::SystemTime,
    old: &Session,
    id: Option<String>,
    access: Option<String>,
    refresh: Option<String>,
    legacy: bool,
) -> Result<Session> {
    let (Some(id), Some(access)) = (id, access) else {
        return Err(Error::unexpected(
            "the refresh returned no ID or access token",
        ));
    };
    // Without rotation Cognito returns no refresh token: keep the one we have.
    let refresh = refresh
        .map(RefreshToken::new)
        .or_else(|| old.refresh_token().cloned());
    let mut session = Session::received(
        IdToken::new(id),
        AccessToken::new(access),
        refresh,
        received_at,
    )?;
    session.set_legacy_refresh(legacy);
    session.set_device(old.device().cloned());
    Ok(session)
}

#[cfg(test)]
mod tests {
    use super::*;

    const JSON: Option<&str> = Some("application/x-amz-json-1.1");
    const PAGE: &[u8] = b"<!doctype html>\n<title>500 Internal Server Error</title>";

    #[test]
    fn only_an_answer_naming_an_unknown_operation_counts_as_one() {
        let unknown = br#"{"__type":"UnknownOperationException"}"#;
        let code = Some("UnknownOperationException");
        assert_eq!(judge(400, JSON, unknown, code, None), Verdict::Unknown);
        assert_eq!(
            judge(400, JSON, b"{}", Some("InvalidAction"), None),
            Verdict::Unknown
        );
        let said = Some("Unknown operation GetTokensFromRefreshToken");
        assert_eq!(judge(404, JSON, b"{}", None, said), Verdict::Unknown);
        // A server error is never "unknown", whatever it names.
        assert_eq!(judge(500, JSON, unknown, code, None), Verdict::Failed);
        assert_eq!(judge(503, JSON, b"{}", None, said), Verdict::Failed);
        let internal = Some("InternalErrorException");
        assert_eq!(judge(500, JSON, b"{}", internal, None), Verdict::Failed);
        let refused = Some("NotAuthorizedException");
        assert_eq!(judge(400, JSON, b"{}", refused, None), Verdict::Failed);
    }

    #[test]
    fn an_error_page_or_a_bare_status_says_nothing_by_itself() {
        let html = Some("text/html; charset=utf-8");
        assert_eq!(judge(500, html, PAGE, None, None), Verdict::Unclear);
        assert_eq!(judge(404, None, PAGE, None, None), Verdict::Unclear);
        // Even an HTML page that the SDK read a code from.
        let code = Some("UnknownOperationException");
        assert_eq!(judge(400, html, PAGE, code, None), Verdict::Unclear);
        assert_eq!(judge(502, None, b"", None, None), Verdict::Failed);
        assert_eq!(
            judge(503, Some("text/html"), b"<html>down</html>", None, None),
            Verdict::Failed
        );
    }

    #[test]
    fn only_endpoints_other_than_aws_get_the_comparison() {
        assert!(is_aws_endpoint(None));
        assert!(is_aws_endpoint(Some(
            "https://cognito-idp.ap-southeast-2.amazonaws.com"
        )));
        assert!(is_aws_endpoint(Some(
            "https://cognito-idp.cn-north-1.amazonaws.com.cn/"
        )));
        assert!(!is_aws_endpoint(Some("http://127.0.0.1:5133")));
        assert!(!is_aws_endpoint(Some("https://amazonaws.com.evil.example")));
    }
}
