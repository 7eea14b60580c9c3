//! InitiateAuth and what comes back: a session, or a challenge for the caller to answer.

use std::collections::BTreeMap;
use tracing::Instrument as _;

use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, AuthenticationResultType, ChallengeNameType,
};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::client::CognitoClient;
use super::srp::{self, SrpClient};
use crate::clock;
use crate::cognito::session::Session;
use crate::error::{Cause, Error, Result};
use crate::secret::{AccessToken, ChallengeSession, ClientSecret, IdToken, Password, RefreshToken};

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
    /// A one-time code by SMS as the first factor (USER_AUTH).
    SmsOtp,
    /// A passkey (USER_AUTH); not usable from a terminal.
    WebAuthn,
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
            ChallengeNameType::SmsOtp => Self::SmsOtp,
            ChallengeNameType::WebAuthn => Self::WebAuthn,
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
            Self::SmsOtp => "SMS_OTP",
            Self::WebAuthn => "WEB_AUTHN",
            Self::CustomChallenge => "CUSTOM_CHALLENGE",
            Self::Other(name) => name,
        }
    }
}

/// A challenge Cognito asked the user to answer.
#[derive(Debug)]
pub struct Challenge {
    pub(crate) kind: ChallengeKind,
    pub(crate) username: String,
    pub(crate) session: Option<ChallengeSession>,
    pub(crate) parameters: BTreeMap<String, String>,
    pub(crate) totp_setup_started: bool,
    /// USER_AUTH: the first factors Cognito offers (`AvailableChallenges`).
    pub(crate) available: Vec<String>,
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

    /// A challenge parameter the answer cannot do without.
    ///
    /// # Errors
    /// [`Error::UnexpectedResponse`] naming the challenge and the missing parameter.
    pub(crate) fn required(&self, name: &str) -> Result<&str> {
        self.parameters
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| {
                Error::unexpected(format!("{} challenge without {name}", self.kind.as_str()))
            })
    }

    /// Cognito's challenge parameters (e.g. `CODE_DELIVERY_DESTINATION`), never secret.
    pub fn parameters(&self) -> &BTreeMap<String, String> {
        &self.parameters
    }

    /// USER_AUTH's SELECT_CHALLENGE: the sign-in methods offered (e.g. `PASSWORD`,
    /// `PASSWORD_SRP`, `EMAIL_OTP`, `SMS_OTP`, `WEB_AUTHN`).
    pub fn available_challenges(&self) -> &[String] {
        &self.available
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

/// How the password is proven to Cognito.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AuthFlow {
    /// USER_SRP_AUTH: the password never leaves this machine (what the official samples use).
    #[default]
    Srp,
    /// USER_PASSWORD_AUTH: the password is sent to Cognito over TLS.
    Password,
}

impl AuthFlow {
    /// Cognito's name for the flow.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthFlow::Srp => "USER_SRP_AUTH",
            AuthFlow::Password => "USER_PASSWORD_AUTH",
        }
    }

    fn other(self) -> AuthFlow {
        match self {
            AuthFlow::Srp => AuthFlow::Password,
            AuthFlow::Password => AuthFlow::Srp,
        }
    }
}

impl CognitoClient {
    /// Signs in with `flow`. SRP's PASSWORD_VERIFIER step is answered here; any other
    /// challenge comes back as [`SignIn::Challenge`] for the caller to answer.
    ///
    /// # Errors
    /// [`Error::IncorrectCredentials`], [`Error::UserNotFound`], [`Error::UserDisabled`],
    /// [`Error::UserNotConfirmed`], [`Error::PasswordResetRequired`],
    /// [`Error::FlowNotEnabled`] (naming the flow to try instead), [`Error::UnknownClient`],
    /// [`Error::Throttled`], [`Error::Unreachable`] / [`Error::Timeout`], [`Error::Srp`] for
    /// unusable SRP values from the server, or [`Error::InvalidToken`] when the returned
    /// tokens are malformed.
    pub async fn sign_in(
        &self,
        flow: AuthFlow,
        username: &str,
        password: &Password,
    ) -> Result<SignIn> {
        let attempt = |client: CognitoClient| async move {
            match flow {
                AuthFlow::Srp => client.sign_in_with_srp(username, password).await,
                AuthFlow::Password => client.sign_in_with_password(username, password).await,
            }
        };
        let result = match attempt(self.clone()).await {
            // The device was forgotten elsewhere: sign in once more without it (a new device
            // may then be offered and confirmed).
            Err(Error::DeviceNotFound) if self.device.is_some() => {
                tracing::info!(
                    "Cognito no longer knows the remembered device; signing in without it"
                );
                attempt(self.clone().with_device(None)).await
            }
            other => other,
        };
        result.map_err(|e| match e {
            Error::FlowNotEnabled {
                flow: refused,
                message,
            } => Error::FlowNotEnabled {
                flow: refused,
                message: format!("{message}; try the {} flow instead", flow.other().as_str()),
            },
            other => other,
        })
    }

    /// Signs in with USER_PASSWORD_AUTH (the password is sent to Cognito over TLS).
    ///
    /// # Errors
    /// As [`CognitoClient::sign_in`].
    pub async fn sign_in_with_password(
        &self,
        username: &str,
        password: &Password,
    ) -> Result<SignIn> {
        let outcome = self
            .initiate(
                AuthFlowType::UserPasswordAuth,
                username,
                vec![("PASSWORD", password.secret().to_owned())],
            )
            .await?;
        self.settle(outcome).await
    }

    /// Signs in with USER_SRP_AUTH: the password never leaves this machine.
    ///
    /// # Errors
    /// As [`CognitoClient::sign_in`].
    pub async fn sign_in_with_srp(&self, username: &str, password: &Password) -> Result<SignIn> {
        let srp = SrpClient::generate().map_err(|e| Error::Srp(Cause::new(e)))?;
        let step = self
            .initiate(
                AuthFlowType::UserSrpAuth,
                username,
                vec![("SRP_A", srp.large_a_hex())],
            )
            .await?;
        match step {
            SignIn::Challenge(c) if c.kind == ChallengeKind::PasswordVerifier => {
                self.answer_password_verifier(c, &srp, password).await
            }
            other => Ok(other),
        }
    }

    /// InitiateAuth with USERNAME, SECRET_HASH and DEVICE_KEY added to `parameters`; the
    /// answer as a [`SignIn`] (before the device step), with USER_AUTH's offered challenges.
    pub(crate) async fn initiate(
        &self,
        flow: AuthFlowType,
        username: &str,
        parameters: Vec<(&str, String)>,
    ) -> Result<SignIn> {
        let span = tracing::info_span!("initiate_auth", flow = flow.as_str(), username);
        let mut request = self
            .idp
            .initiate_auth()
            .auth_flow(flow.clone())
            .client_id(self.config.client_id())
            .auth_parameters("USERNAME", username);
        for (name, value) in parameters {
            request = request.auth_parameters(name, value);
        }
        if let Some(hash) = self.secret_hash_for(username) {
            request = request.auth_parameters("SECRET_HASH", hash);
        }
        if let Some(device) = &self.device {
            request = request.auth_parameters("DEVICE_KEY", device.key());
        }
        let out = request
            .send()
            .instrument(span)
            .await
            .map_err(|e| self.map_error(e, Some(flow.as_str())))?;
        tracing::debug!(challenge = ?out.challenge_name(), "InitiateAuth answered");
        let available: Vec<String> = out
            .available_challenges()
            .iter()
            .map(|c| c.as_str().to_owned())
            .collect();
        let mut outcome = self.outcome(
            username,
            out.authentication_result,
            out.challenge_name,
            out.session,
            out.challenge_parameters,
        )?;
        if let SignIn::Challenge(c) = &mut outcome {
            c.available = available;
        }
        Ok(outcome)
    }

    pub(crate) async fn answer_password_verifier(
        &self,
        challenge: Challenge,
        srp: &SrpClient,
        password: &Password,
    ) -> Result<SignIn> {
        let user_id = challenge.required("USER_ID_FOR_SRP")?.to_owned();
        let secret_block = challenge.required("SECRET_BLOCK")?.to_owned();
        let timestamp = srp::cognito_timestamp(clock::unix_seconds(self.clock.now()));
        let claim = srp
            .password_claim(&srp::ClaimInput {
                pool_name: self.config.pool_name(),
                user_id: &user_id,
                password: password.secret(),
                srp_b_hex: challenge.required("SRP_B")?,
                salt_hex: challenge.required("SALT")?,
                secret_block_b64: &secret_block,
                timestamp: &timestamp,
            })
            .map_err(|e| Error::Srp(Cause::new(e)))?;
        let responses = vec![
            ("USERNAME".to_owned(), user_id),
            ("PASSWORD_CLAIM_SECRET_BLOCK".to_owned(), secret_block),
            ("PASSWORD_CLAIM_SIGNATURE".to_owned(), claim.signature),
            ("TIMESTAMP".to_owned(), timestamp),
        ];
        self.respond(challenge, ChallengeNameType::PasswordVerifier, responses)
            .await
    }

    /// `SECRET_HASH` for `username` when the app client has a secret.
    pub(crate) fn secret_hash_for(&self, username: &str) -> Option<String> {
        self.config
            .client_secret()
            .as_ref()
            .map(|secret| secret_hash(secret, username, self.config.client_id()))
    }

    /// RespondToAuthChallenge; adds SECRET_HASH when the client has a secret.
    pub(crate) async fn respond(
        &self,
        challenge: Challenge,
        name: ChallengeNameType,
        responses: Vec<(String, String)>,
    ) -> Result<SignIn> {
        let outcome = self.respond_raw(challenge, name, responses).await?;
        self.settle(outcome).await
    }

    /// RespondToAuthChallenge without the device step (used by the device step itself).
    pub(crate) async fn respond_raw(
        &self,
        challenge: Challenge,
        name: ChallengeNameType,
        mut responses: Vec<(String, String)>,
    ) -> Result<SignIn> {
        if let Some(device) = &self.device {
            responses.push(("DEVICE_KEY".to_owned(), device.key().to_owned()));
        }
        let span = tracing::info_span!("respond_to_auth_challenge", challenge = name.as_str());
        let username = challenge.username.clone();
        if let Some(hash) = self.secret_hash_for(&username) {
            responses.push(("SECRET_HASH".to_owned(), hash));
        }
        let out = self
            .idp
            .respond_to_auth_challenge()
            .client_id(self.config.client_id())
            .challenge_name(name)
            .set_session(challenge.session.as_ref().map(|s| s.secret().to_owned()))
            .set_challenge_responses(Some(responses.into_iter().collect()))
            .send()
            .instrument(span.clone())
            .await
            .map_err(|e| self.map_error(e, None))?;
        tracing::debug!(next = ?out.challenge_name(), "RespondToAuthChallenge answered");
        self.outcome(
            &username,
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
                return Err(Error::unexpected(
                    "Cognito signed the user in but returned no ID or access token",
                ));
            };
            let mut session = Session::received(
                IdToken::new(id),
                AccessToken::new(access),
                result.refresh_token.map(RefreshToken::new),
                self.clock.now(),
            )?;
            session.new_device = result
                .new_device_metadata
                .and_then(|m| Some((m.device_key?, m.device_group_key?)));
            return Ok(SignIn::Done(session));
        }
        let Some(name) = challenge else {
            return Err(Error::unexpected(
                "Cognito returned neither tokens nor a challenge",
            ));
        };
        let parameters: BTreeMap<String, String> =
            parameters.unwrap_or_default().into_iter().collect();
        // Cognito's own user id (e.g. a UUID when signing in with an e-mail alias) is what
        // every later answer and SECRET_HASH must name.
        let username = parameters
            .get("USER_ID_FOR_SRP")
            .cloned()
            .unwrap_or_else(|| username.to_owned());
        Ok(SignIn::Challenge(Challenge {
            kind: ChallengeKind::from_sdk(&name),
            username,
            session: session.map(ChallengeSession::new),
            parameters,
            totp_setup_started: false,
            available: Vec::new(),
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
