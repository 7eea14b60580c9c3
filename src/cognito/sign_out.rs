//! Signing out everywhere: GlobalSignOut revokes every refresh token of the user.

use super::client::CognitoClient;
use crate::cognito::session::Session;
use crate::error::Result;
use tracing::Instrument as _;

impl CognitoClient {
    /// GlobalSignOut with the session's access token: every refresh token the user holds,
    /// on every device, stops working.
    ///
    /// # Errors
    /// [`crate::Error::SignInAgain`] when the access token is already expired or revoked;
    /// the network errors of [`CognitoClient::sign_in`].
    pub async fn global_sign_out(&self, session: &Session) -> Result<()> {
        let span = tracing::info_span!("global_sign_out", user = session.username());
        self.idp
            .global_sign_out()
            .access_token(session.access_token().secret())
            .send()
            .instrument(span.clone())
            .await
            .map_err(|e| self.map_error(e, None))?;
        Ok(())
    }
}

impl CognitoClient {
    /// RevokeToken: this session's refresh token (and the tokens issued from it) stops
    /// working; the user's other sessions stay signed in.
    ///
    /// # Errors
    /// [`crate::Error::SignInAgain`] when there is no refresh token to revoke; Cognito and
    /// network errors.
    pub async fn revoke(&self, session: &Session) -> Result<()> {
        let Some(refresh_token) = session.refresh_token() else {
            return Err(crate::Error::SignInAgain {
                reason: "the session has no refresh token to revoke".into(),
            });
        };
        let span = tracing::info_span!("revoke_token", user = session.username());
        self.idp
            .revoke_token()
            .client_id(self.config.client_id())
            .token(refresh_token.secret())
            .set_client_secret(
                self.config
                    .client_secret()
                    .as_ref()
                    .map(|s| s.secret().to_owned()),
            )
            .send()
            .instrument(span)
            .await
            .map_err(|e| self.map_error(e, None))?;
        Ok(())
    }
}
