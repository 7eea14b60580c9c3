//! Refreshing a session: GetTokensFromRefreshToken (rotation-aware), falling back to
//! REFRESH_TOKEN_AUTH only where the endpoint does not implement it.

use aws_sdk_cognitoidentityprovider::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cognitoidentityprovider::types::AuthFlowType;
use tracing::Instrument as _;

use super::client::CognitoClient;
use crate::error::{Error, Result};
use crate::secret::{AccessToken, IdToken, RefreshToken};
use crate::session::Session;

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
                .client_id(&self.config.client_id)
                .refresh_token(refresh_token.secret());
            if let Some(secret) = &self.config.client_secret {
                request = request.client_secret(secret.secret());
            }
            if let Some(device) = session.device() {
                request = request.device_key(device.key());
            }
            match request.send().instrument(span.clone()).await {
                Ok(out) => {
                    let result = out.authentication_result.ok_or_else(|| {
                        Error::UnexpectedResponse(
                            "GetTokensFromRefreshToken returned no tokens".into(),
                        )
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
                Err(e) if not_implemented(&e) => {
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
            .client_id(&self.config.client_id)
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
        let result = out.authentication_result.ok_or_else(|| {
            Error::UnexpectedResponse("REFRESH_TOKEN_AUTH returned no tokens".into())
        })?;
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

/// An emulator or proxy that does not know the operation (moto answers HTTP 500 with an
/// HTML page; others say UnknownOperation / NotImplemented). Real Cognito errors carry a
/// code and are not treated as "not implemented".
fn not_implemented<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> bool {
    let SdkError::ServiceError(service) = err else {
        return false;
    };
    match service.err().code() {
        None => true,
        Some(code) => matches!(
            code,
            "UnknownOperationException"
                | "NotImplemented"
                | "NotImplementedException"
                | "InvalidAction"
        ),
    }
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
        return Err(Error::UnexpectedResponse(
            "the refresh returned no ID or access token".into(),
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

/// Renews Cognito sessions for a [`crate::SessionManager`]. The AWS SDK client is built on
/// first use only, so handing out a still-valid token never pays for it.
#[derive(Debug)]
pub struct CognitoRenewer {
    config: crate::Config,
    client: tokio::sync::OnceCell<CognitoClient>,
}

impl CognitoRenewer {
    /// A renewer for the pool and app client of `config`.
    pub fn new(config: crate::Config) -> Self {
        CognitoRenewer {
            config,
            client: tokio::sync::OnceCell::new(),
        }
    }

    /// The Cognito client, built on first use.
    pub async fn client(&self) -> &CognitoClient {
        self.client
            .get_or_init(|| CognitoClient::new(self.config.clone()))
            .await
    }
}

impl crate::manager::Renew for CognitoRenewer {
    type Credential = Session;

    async fn renew(&self, current: &Session) -> Result<Session> {
        self.client().await.refresh(current).await
    }
}

impl crate::manager::Credential for Session {
    fn expires_at(&self) -> Option<std::time::SystemTime> {
        Some(Session::expires_at(self))
    }
}
