//! Signing out everywhere: GlobalSignOut revokes every refresh token of the user.

use super::client::CognitoClient;
use crate::error::Result;
use crate::session::Session;
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
