//! Password self-service: forgotten passwords (a code by e-mail or SMS) and changing a known
//! password.

use tracing::Instrument as _;

use super::client::CognitoClient;
use crate::cognito::session::Session;
use crate::error::Result;
use crate::secret::Password;

/// Where Cognito sent a code.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CodeDelivery {
    /// The masked destination, e.g. `p***@e***`.
    pub destination: Option<String>,
    /// `EMAIL` or `SMS`.
    pub medium: Option<String>,
}

impl CognitoClient {
    /// ForgotPassword: Cognito sends a confirmation code to the user's verified e-mail or
    /// phone.
    ///
    /// # Errors
    /// [`crate::Error::UserNotFound`], [`crate::Error::Throttled`] (Cognito limits code
    /// requests), [`crate::Error::UnknownClient`], and network errors.
    pub async fn forgot_password(&self, username: &str) -> Result<CodeDelivery> {
        let span = tracing::info_span!("forgot_password", username);
        let out = self
            .idp
            .forgot_password()
            .client_id(self.config.client_id())
            .username(username)
            .set_secret_hash(self.secret_hash_for(username))
            .send()
            .instrument(span)
            .await
            .map_err(|e| self.map_error(e, None))?;
        let details = out.code_delivery_details();
        Ok(CodeDelivery {
            destination: details.and_then(|d| d.destination()).map(str::to_owned),
            medium: details
                .and_then(|d| d.delivery_medium())
                .map(|m| m.as_str().to_owned()),
        })
    }

    /// ConfirmForgotPassword: sets a new password with the code from
    /// [`CognitoClient::forgot_password`].
    ///
    /// # Errors
    /// [`crate::Error::CodeMismatch`], [`crate::Error::CodeExpired`],
    /// [`crate::Error::InvalidPassword`] (the pool's policy), and network errors.
    pub async fn confirm_forgot_password(
        &self,
        username: &str,
        code: &str,
        new_password: &Password,
    ) -> Result<()> {
        let span = tracing::info_span!("confirm_forgot_password", username);
        self.idp
            .confirm_forgot_password()
            .client_id(self.config.client_id())
            .username(username)
            .confirmation_code(code.trim())
            .password(new_password.secret())
            .set_secret_hash(self.secret_hash_for(username))
            .send()
            .instrument(span)
            .await
            .map_err(|e| self.map_error(e, None))?;
        Ok(())
    }

    /// ChangePassword for the signed-in user.
    ///
    /// # Errors
    /// [`crate::Error::IncorrectCredentials`] when the current password is wrong,
    /// [`crate::Error::InvalidPassword`], [`crate::Error::SignInAgain`] for an expired
    /// session, and network errors.
    pub async fn change_password(
        &self,
        session: &Session,
        current: &Password,
        new_password: &Password,
    ) -> Result<()> {
        let span = tracing::info_span!("change_password", user = session.username());
        self.idp
            .change_password()
            .access_token(session.access_token().secret())
            .previous_password(current.secret())
            .proposed_password(new_password.secret())
            .send()
            .instrument(span)
            .await
            .map_err(|e| self.map_error(e, None))?;
        Ok(())
    }
}
