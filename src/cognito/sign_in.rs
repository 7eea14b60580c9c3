//! InitiateAuth and what comes back: a session, or a challenge for the caller to answer.

use std::collections::BTreeMap;

use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, AuthenticationResultType, ChallengeNameType,
};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::client::CognitoClient;
use crate::error::{Error, Result};
use crate::secret::{AccessToken, ChallengeSession, ClientSecret, IdToken, Password, RefreshToken};
use crate::session::Session;

/// The outcome of a sign-in step: challenges are outcomes, not errors.
#[derive(Debug)]
#[must_use]
#[allow(
    clippy::large_enum_variant,
    reason = "made once per sign-in and moved out at once; a box would buy nothing"
)]
pub enum SignIn {
    /// Signed in.
    Done(Session),
    /// Cognito wants more before it hands out tokens.
    Challenge(Challenge),
}

/// What Cognito asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChallengeKind {
    /// An invited user must choose a new password.
    NewPasswordRequired,
    /// A code from an authenticator app.
    SoftwareTokenMfa,
    /// A code sent by SMS.
    SmsMfa,
    /// A code sent by e-mail.
    EmailOtp,
    /// The user must choose between MFA methods.
    SelectMfaType,
    /// The user must set up MFA first.
    MfaSetup,
    /// SRP: prove knowledge of the password.
    PasswordVerifier,
    /// A remembered device must authenticate.
    DeviceSrpAuth,
    /// A remembered device must prove its password.
    DevicePasswordVerifier,
    /// The user must choose a sign-in method (USER_AUTH).
    SelectChallenge,
    /// A Lambda-defined custom challenge.
    CustomChallenge,
    /// Anything this version does not know.
    Other(String),
}

impl ChallengeKind {
    fn from_sdk(name: &ChallengeNameType) -> Self {
        match name {
            ChallengeNameType::NewPasswordRequired => Self::NewPasswordRequired,
            ChallengeNameType::SoftwareTokenMfa => Self::SoftwareTokenMfa,
            ChallengeNameType::SmsMfa => Self::SmsMfa,
            ChallengeNameType::EmailOtp => Self::EmailOtp,
            ChallengeNameType::SelectMfaType => Self::SelectMfaType,
            ChallengeNameType::MfaSetup => Self::MfaSetup,
            ChallengeNameType::PasswordVerifier => Self::PasswordVerifier,
            ChallengeNameType::DeviceSrpAuth => Self::DeviceSrpAuth,
            ChallengeNameType::DevicePasswordVerifier => Self::DevicePasswordVerifier,
            ChallengeNameType::SelectChallenge => Self::SelectChallenge,
            ChallengeNameType::CustomChallenge => Self::CustomChallenge,
            other => Self::Other(other.as_str().to_owned()),
        }
    }

    /// Cognito's name for it, e.g. `NEW_PASSWORD_REQUIRED`.
    pub fn as_str(&self) -> &str {
        match self {
            Self::NewPasswordRequired => "NEW_PASSWORD_REQUIRED",
            Self::SoftwareTokenMfa => "SOFTWARE_TOKEN_MFA",
            Self::SmsMfa => "SMS_MFA",
            Self::EmailOtp => "EMAIL_OTP",
            Self::SelectMfaType => "SELECT_MFA_TYPE",
            Self::MfaSetup => "MFA_SETUP",
            Self::PasswordVerifier => "PASSWORD_VERIFIER",
            Self::DeviceSrpAuth => "DEVICE_SRP_AUTH",
            Self::DevicePasswordVerifier => "DEVICE_PASSWORD_VERIFIER",
            Self::SelectChallenge => "SELECT_CHALLENGE",
            Self::CustomChallenge => "CUSTOM_CHALLENGE",
            Self::Other(name) => name,
        }
    }
}

/// A challenge Cognito asked the user to answer.
#[derive(Debug)]
pub struct Challenge {
    kind: ChallengeKind,
    username: String,
    session: Option<ChallengeSession>,
    parameters: BTreeMap<String, String>,
}

impl Challenge {
    /// What is asked.
    pub fn kind(&self) -> &ChallengeKind {
        &self.kind
    }

    /// The user name the challenge is for.
    pub fn username(&self) -> &str {
        &self.username
    }

    /// Cognito's challenge parameters (e.g. `CODE_DELIVERY_DESTINATION`), never secret.
    pub fn parameters(&self) -> &BTreeMap<String, String> {
        &self.parameters
    }

    /// Whether Cognito attached a challenge session to answer with.
    pub fn has_session(&self) -> bool {
        self.session.is_some()
    }
}

/// `SECRET_HASH` = base64(HMAC-SHA256(client secret, username + client id)), required by
/// app clients that have a secret.
pub fn secret_hash(secret: &ClientSecret, username: &str, client_id: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.secret().as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(username.as_bytes());
    mac.update(client_id.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

impl CognitoClient {
    /// Signs in with USER_PASSWORD_AUTH (the password is sent to Cognito over TLS).
    ///
    /// # Errors
    /// [`Error::IncorrectCredentials`], [`Error::UserNotFound`], [`Error::UserDisabled`],
    /// [`Error::UserNotConfirmed`], [`Error::PasswordResetRequired`],
    /// [`Error::FlowNotEnabled`], [`Error::UnknownClient`], [`Error::Throttled`],
    /// [`Error::Unreachable`] / [`Error::Timeout`], or [`Error::InvalidToken`] when the
    /// returned tokens are malformed.
    pub async fn sign_in_with_password(
        &self,
        username: &str,
        password: &Password,
    ) -> Result<SignIn> {
        const FLOW: &str = "USER_PASSWORD_AUTH";
        let span = tracing::info_span!("initiate_auth", flow = FLOW, username);
        let _enter = span.enter();
        let mut request = self
            .idp
            .initiate_auth()
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .client_id(&self.config.client_id)
            .auth_parameters("USERNAME", username)
            .auth_parameters("PASSWORD", password.secret());
        if let Some(secret) = &self.config.client_secret {
            request = request.auth_parameters(
                "SECRET_HASH",
                secret_hash(secret, username, &self.config.client_id),
            );
        }
        let out = request
            .send()
            .await
            .map_err(|e| self.map_error(e, Some(FLOW)))?;
        tracing::debug!(challenge = ?out.challenge_name(), "InitiateAuth answered");
        self.outcome(
            username,
            out.authentication_result,
            out.challenge_name,
            out.session,
            out.challenge_parameters,
        )
    }

    /// Turns an InitiateAuth / RespondToAuthChallenge answer into a [`SignIn`].
    pub(crate) fn outcome(
        &self,
        username: &str,
        result: Option<AuthenticationResultType>,
        challenge: Option<ChallengeNameType>,
        session: Option<String>,
        parameters: Option<std::collections::HashMap<String, String>>,
    ) -> Result<SignIn> {
        if let Some(result) = result {
            let (Some(id), Some(access)) = (result.id_token, result.access_token) else {
                return Err(Error::UnexpectedResponse(
                    "Cognito signed the user in but returned no ID or access token".into(),
                ));
            };
            let session = Session::from_tokens(
                IdToken::new(id),
                AccessToken::new(access),
                result.refresh_token.map(RefreshToken::new),
            )?;
            return Ok(SignIn::Done(session));
        }
        let Some(name) = challenge else {
            return Err(Error::UnexpectedResponse(
                "Cognito returned neither tokens nor a challenge".into(),
            ));
        };
        let parameters: BTreeMap<String, String> =
            parameters.unwrap_or_default().into_iter().collect();
        let username = parameters
            .get("USER_ID_FOR_SRP")
            .cloned()
            .unwrap_or_else(|| username.to_owned());
        Ok(SignIn::Challenge(Challenge {
            kind: ChallengeKind::from_sdk(&name),
            username,
            session: session.map(ChallengeSession::new),
            parameters,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_hash_matches_an_independent_hmac() {
        // python3 -c "import hmac,hashlib,base64;print(base64.b64encode(hmac.new(b'sekret',
        //   b'pilot@example.com'+b'client123',hashlib.sha256).digest()).decode())"
        let got = secret_hash(
            &ClientSecret::new("sekret"),
            "pilot@example.com",
            "client123",
        );
        assert_eq!(got, "uVjNtgJoL8db2Z3yquNBVdV+QCLiqQc448Aila2l4uo=");
    }
}
