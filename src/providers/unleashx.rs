//! UnleashX: sign in with a one-time code sent by e-mail, which gives a login token; the login
//! token mints an API token (`token: <API token>`), which never expires. Each mint makes a new
//! API token; none can be shown again.
//!
//! `POST /api/login {"username"}` sends the code; `POST /api/login {"username", "otp"}` →
//! `{"token": <login token>, "message": "LOGGEDIN"}`; `POST /api/v1/global/generate-token` with
//! `token: <login token>` → `{"token": <API token>}`; `POST /api/v1/global/verify` checks one.

use std::time::SystemTime;

use http::Method;
use serde_json::{Value, json};

use super::{HeaderStyle, Provider, ProviderKind, Token, error_message};
use crate::credentials::ApiKind;
use crate::error::{Error, Result};
use crate::secret::{LoginToken, OneTimeCode, ProviderToken};
use crate::transport::{AuthHeader, HttpClient, Request};

/// The UnleashX API.
#[derive(Debug, Clone)]
pub struct UnleashX {
    http: HttpClient,
    base: String,
}

impl Provider for UnleashX {
    const KIND: ProviderKind = ProviderKind::UnleashX;
    type Credential = Token<Self>;

    fn header(token: &Token<Self>, _: ApiKind) -> Result<AuthHeader> {
        HeaderStyle::Raw("token").header(token.value())
    }
}

impl UnleashX {
    /// The API at `base` (e.g. `https://www.tryunleashx.com`).
    ///
    /// # Errors
    /// [`Error::Config`] when `base` is not an http(s) URL.
    pub fn new(http: HttpClient, base: &str) -> Result<Self> {
        Ok(UnleashX {
            http,
            base: ProviderKind::UnleashX.base_url(Some(base))?,
        })
    }

    /// Asks UnleashX to e-mail a one-time code to `username`.
    ///
    /// # Errors
    /// The service's refusal ([`Error::NotAuthorized`] with its code), or
    /// [`Error::Http`] and the network errors of [`HttpClient::send`].
    pub async fn request_code(&self, username: &str) -> Result<()> {
        // Not repeated after a 5xx: each attempt may e-mail another code. The answer's body
        // is not documented: anything but an explicit error means the code is on its way.
        self.send(
            "/api/login",
            &json!({ "username": username }),
            Call::not_repeatable(),
        )
        .await
        .map(drop)
    }

    /// Signs in with the code; the login token only serves to [`UnleashX::mint`].
    ///
    /// # Errors
    /// [`Error::NotAuthorized`] when the code is refused; [`Error::UnexpectedResponse`]
    /// without a login token in the answer.
    pub async fn login(&self, username: &str, code: &OneTimeCode) -> Result<LoginToken> {
        let body = self
            .send(
                "/api/login",
                &json!({ "username": username, "otp": code.secret().trim() }),
                Call::json().redacting(code.secret().trim()),
            )
            .await?;
        token_field(&body, "/api/login").map(LoginToken::new)
    }

    /// Mints a new API token with a login token (every call makes another one).
    ///
    /// # Errors
    /// [`Error::SignInAgain`] for `SESSIONEXPIRED` / `INVALID_LOGIN_TOKEN`,
    /// [`Error::NotAuthorized`] for `LOGIN_TOKEN_REQUIRED`; [`Error::UnexpectedResponse`]
    /// without a token in the answer.
    pub async fn mint(
        &self,
        login: &LoginToken,
        username: &str,
        now: SystemTime,
    ) -> Result<Token<Self>> {
        let header = AuthHeader::new("token", login.secret())?;
        let path = "/api/v1/global/generate-token";
        // Not repeated after a 5xx: each attempt may mint another never-expiring token.
        let body = self
            .send(path, &json!({}), Call::not_repeatable().with(header))
            .await?;
        let token = token_field(&body, path)?;
        let token = Token::new(ProviderToken::new(token), now)
            .for_account(username)
            .issued_by(&self.base);
        token.header()?;
        Ok(token)
    }

    /// Checks an API token with `POST /api/v1/global/verify`.
    ///
    /// # Errors
    /// As [`UnleashX::mint`] (a refused API token is [`Error::NotAuthorized`]).
    pub async fn verify(&self, token: &Token<Self>) -> Result<()> {
        token.ensure_issued_by(&self.base)?;
        self.send(
            "/api/v1/global/verify",
            &json!({}),
            Call::api_token_check().with(token.header()?),
        )
        .await
        .map(drop)
    }

    async fn send(&self, path: &str, body: &Value, call: Call) -> Result<Value> {
        let mut request = Request::new(Method::POST, &format!("{}{path}", self.base))?
            .header("accept", "application/json")
            .json(body);
        if let Some(header) = &call.header {
            request = request.secret_header(header.clone());
        }
        if let Some(secret) = &call.redact {
            request = request.redact(secret);
        }
        if !call.repeatable {
            request = request.not_repeatable();
        }
        let endpoint = request.endpoint();
        let response = self
            .http
            .fetch(&request)
            .await
            .map_err(|e| explained(e, call.api_token))?;
        let bytes = crate::transport::read_body(response, &endpoint).await?;
        let body: Value = match serde_json::from_slice(&bytes) {
            Ok(body) => body,
            Err(_) if !call.needs_json => Value::Null,
            Err(e) => {
                return Err(Error::unexpected_because(
                    format!("{endpoint} answered with invalid JSON"),
                    e,
                ));
            }
        };
        // Some errors come back as 200 with {"error": true, "message": CODE}.
        if body.get("error").and_then(Value::as_bool) == Some(true) {
            let mut message = error_message(&body).unwrap_or("(no message)").to_owned();
            let secrets = call.header.iter().map(AuthHeader::secret);
            for secret in secrets.chain(call.redact.as_deref().map(String::as_str)) {
                if !secret.is_empty() {
                    message = message.replace(secret, "[redacted]");
                }
            }
            return Err(
                by_code(&message, 200, call.api_token).unwrap_or(Error::NotAuthorized {
                    message: format!("{endpoint} refused the request: {message}"),
                }),
            );
        }
        Ok(body)
    }
}

/// How one call is made.
struct Call {
    header: Option<AuthHeader>,
    redact: Option<zeroize::Zeroizing<String>>,
    repeatable: bool,
    needs_json: bool,
    /// The header carries the API token (not a login token): errors speak of it.
    api_token: bool,
}

impl Call {
    /// An idempotent call whose answer must be JSON.
    fn json() -> Self {
        Call {
            header: None,
            redact: None,
            repeatable: true,
            needs_json: true,
            api_token: false,
        }
    }

    /// A call with an effect each time (an e-mail, a token): never repeated after a 5xx. Its
    /// answer need not be JSON unless it is read (minting reads it).
    fn not_repeatable() -> Self {
        Call {
            repeatable: false,
            needs_json: false,
            ..Call::json()
        }
    }

    /// A check of the API token: any 2xx answer will do, and refusals speak of that token.
    fn api_token_check() -> Self {
        Call {
            needs_json: false,
            api_token: true,
            ..Call::json()
        }
    }

    fn with(mut self, header: AuthHeader) -> Self {
        self.header = Some(header);
        self
    }

    fn redacting(mut self, secret: &str) -> Self {
        self.redact = Some(zeroize::Zeroizing::new(secret.to_owned()));
        self
    }
}

fn token_field(body: &Value, path: &str) -> Result<String> {
    body.get("token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| Error::unexpected(format!("{path} answered without a token")))
}

/// The documented error codes, each as the error a person can act on.
fn by_code(code: &str, status: u16, api_token: bool) -> Option<Error> {
    if api_token
        && matches!(
            code,
            "SESSIONEXPIRED" | "INVALID_LOGIN_TOKEN" | "LOGIN_TOKEN_REQUIRED"
        )
    {
        return Some(Error::NotAuthorized {
            message: format!(
                "UnleashX refused the stored API token ({code}, HTTP {status}): it may have \
                 been deleted in the web app; signing in again mints a new one"
            ),
        });
    }
    Some(match code {
        "SESSIONEXPIRED" => Error::SignInAgain {
            reason: format!(
                "the UnleashX login session has expired (SESSIONEXPIRED, HTTP {status}); log in \
                 again for a new code"
            ),
        },
        "INVALID_LOGIN_TOKEN" => Error::SignInAgain {
            reason: format!(
                "UnleashX does not accept the login token (INVALID_LOGIN_TOKEN, HTTP {status}); \
                 log in again for a new code"
            ),
        },
        "LOGIN_TOKEN_REQUIRED" => Error::NotAuthorized {
            message: format!(
                "UnleashX wants a login token and got none (LOGIN_TOKEN_REQUIRED, HTTP \
                 {status}); log in again"
            ),
        },
        _ => return None,
    })
}

/// Maps an error status to the documented code in its body, or to a plain refusal.
fn explained(e: Error, api_token: bool) -> Error {
    match e {
        Error::Http {
            status: status @ (400 | 401 | 403),
            excerpt,
            endpoint,
            ..
        } => {
            let code = serde_json::from_str::<Value>(&excerpt)
                .ok()
                .and_then(|v| error_message(&v).map(str::to_owned));
            if let Some(error) = code.as_deref().and_then(|c| by_code(c, status, api_token)) {
                return error;
            }
            Error::NotAuthorized {
                message: format!(
                    "{endpoint} refused the request (HTTP {status}): {}",
                    code.unwrap_or(excerpt)
                ),
            }
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_codes_become_clear_authentication_errors() {
        for (code, needle) in [
            ("SESSIONEXPIRED", "expired"),
            ("INVALID_LOGIN_TOKEN", "does not accept"),
            ("LOGIN_TOKEN_REQUIRED", "got none"),
        ] {
            let e = explained(
                Error::Http {
                    endpoint: "https://x/api".into(),
                    status: 401,
                    attempts: 1,
                    excerpt: format!(r#"{{"error": true, "message": "{code}"}}"#),
                },
                false,
            );
            assert_eq!(e.class(), crate::ErrorClass::Authentication);
            assert!(
                e.to_string().contains(needle) && e.to_string().contains(code),
                "{e}"
            );
        }
        let other = explained(
            Error::Http {
                endpoint: "https://x/api/login".into(),
                status: 400,
                attempts: 1,
                excerpt: r#"{"message":"INVALID_OTP"}"#.into(),
            },
            false,
        );
        assert!(other.to_string().contains("INVALID_OTP"), "{other}");
        // The same codes from a check of the API token speak of that token, not a login.
        let api = explained(
            Error::Http {
                endpoint: "https://x/api/v1/global/verify".into(),
                status: 401,
                attempts: 1,
                excerpt: r#"{"error": true, "message": "INVALID_LOGIN_TOKEN"}"#.into(),
            },
            true,
        );
        assert!(api.to_string().contains("stored API token"), "{api}");
    }
}
