//! Choice-based sign-in (USER_AUTH): a preferred first factor, or Cognito's list of
//! available ones answered with SELECT_CHALLENGE.

use aws_sdk_cognitoidentityprovider::types::{AuthFlowType, ChallengeNameType};
use tracing::Instrument as _;

use super::challenge::FirstFactor;
use super::client::CognitoClient;
use super::sign_in::{Challenge, ChallengeKind, SignIn};
use super::srp::SrpClient;
use crate::error::{Error, Result};
use crate::secret::Password;

impl CognitoClient {
    /// Signs in with USER_AUTH. With `preferred`, Cognito goes straight to that factor (the
    /// password ones need `password`; the code ones come back as an [`ChallengeKind::EmailOtp`]
    /// / [`ChallengeKind::SmsOtp`] challenge). Without, a [`ChallengeKind::SelectChallenge`]
    /// lists [`Challenge::available_challenges`]; answer it with
    /// [`crate::cognito::Answer::Choose`].
    ///
    /// # Errors
    /// [`Error::InvalidAnswer`] when a password factor is preferred without a password; the
    /// errors of [`CognitoClient::sign_in`].
    pub async fn sign_in_with_choice(
        &self,
        username: &str,
        preferred: Option<FirstFactor>,
        password: Option<&Password>,
    ) -> Result<SignIn> {
        const FLOW: &str = "USER_AUTH";
        let span = tracing::info_span!("initiate_auth", flow = FLOW, username);
        let mut request = self
            .idp
            .initiate_auth()
            .auth_flow(AuthFlowType::UserAuth)
            .client_id(&self.config.client_id)
            .auth_parameters("USERNAME", username);
        if let Some(hash) = self.secret_hash_for(username) {
            request = request.auth_parameters("SECRET_HASH", hash);
        }
        if let Some(device) = &self.device {
            request = request.auth_parameters("DEVICE_KEY", device.key());
        }
        let mut srp = None;
        if let Some(factor) = preferred {
            request = request.auth_parameters("PREFERRED_CHALLENGE", factor.as_str());
            match (factor, password) {
                (FirstFactor::Password, Some(p)) => {
                    request = request.auth_parameters("PASSWORD", p.secret());
                }
                (FirstFactor::PasswordSrp, Some(_)) => {
                    let client = SrpClient::generate().map_err(|e| Error::Srp(e.to_string()))?;
                    request = request.auth_parameters("SRP_A", client.large_a_hex());
                    srp = Some(client);
                }
                (f, None) if f.needs_password() => {
                    return Err(Error::InvalidAnswer(format!(
                        "signing in with {} needs the password",
                        f.as_str()
                    )));
                }
                _ => {}
            }
        }
        let out = request
            .send()
            .instrument(span)
            .await
            .map_err(|e| self.map_error(e, Some(FLOW)))?;
        let available: Vec<String> = out
            .available_challenges()
            .iter()
            .map(|c| c.as_str().to_owned())
            .collect();
        let outcome = self.outcome(
            username,
            out.authentication_result,
            out.challenge_name,
            out.session,
            out.challenge_parameters,
        )?;
        match (outcome, srp, password) {
            (SignIn::Challenge(c), Some(srp), Some(p))
                if c.kind == ChallengeKind::PasswordVerifier =>
            {
                self.answer_password_verifier(c, &srp, p).await
            }
            (SignIn::Challenge(mut c), _, _) if c.kind == ChallengeKind::SelectChallenge => {
                c.available = available;
                Ok(SignIn::Challenge(c))
            }
            (other, _, _) => self.settle(other).await,
        }
    }

    /// SELECT_CHALLENGE answered with a first factor.
    pub(crate) async fn choose_first_factor(
        &self,
        challenge: Challenge,
        factor: FirstFactor,
        password: Option<Password>,
    ) -> Result<SignIn> {
        if !challenge.available.is_empty()
            && !challenge.available.iter().any(|a| a == factor.as_str())
        {
            return Err(Error::InvalidAnswer(format!(
                "{} is not offered; choose one of {}",
                factor.as_str(),
                challenge.available.join(", ")
            )));
        }
        let mut responses = vec![
            ("USERNAME".to_owned(), challenge.username.clone()),
            ("ANSWER".to_owned(), factor.as_str().to_owned()),
        ];
        let srp = match (factor, &password) {
            (f, None) if f.needs_password() => {
                return Err(Error::InvalidAnswer(format!(
                    "signing in with {} needs the password",
                    f.as_str()
                )));
            }
            (FirstFactor::Password, Some(p)) => {
                responses.push(("PASSWORD".to_owned(), p.secret().to_owned()));
                None
            }
            (FirstFactor::PasswordSrp, Some(_)) => {
                let client = SrpClient::generate().map_err(|e| Error::Srp(e.to_string()))?;
                responses.push(("SRP_A".to_owned(), client.large_a_hex()));
                Some(client)
            }
            _ => None,
        };
        let next = self
            .respond(challenge, ChallengeNameType::SelectChallenge, responses)
            .await?;
        match (next, srp, password) {
            (SignIn::Challenge(c), Some(srp), Some(p))
                if c.kind == ChallengeKind::PasswordVerifier =>
            {
                self.answer_password_verifier(c, &srp, &p).await
            }
            (other, _, _) => Ok(other),
        }
    }
}
