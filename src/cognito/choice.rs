//! Choice-based sign-in (USER_AUTH): a preferred first factor, or Cognito's list of
//! available ones answered with SELECT_CHALLENGE.

use aws_sdk_cognitoidentityprovider::types::{AuthFlowType, ChallengeNameType};

use super::challenge::FirstFactor;
use super::client::CognitoClient;
use super::sign_in::{Challenge, ChallengeKind, SignIn};
use super::srp::SrpClient;
use crate::error::{Cause, Error, Result};
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
        let mut parameters = Vec::new();
        let mut srp = None;
        if let Some(factor) = preferred {
            parameters.push(("PREFERRED_CHALLENGE", factor.as_str().to_owned()));
            match (factor, password) {
                (FirstFactor::Password, Some(p)) => {
                    parameters.push(("PASSWORD", p.secret().to_owned()));
                }
                (FirstFactor::PasswordSrp, Some(_)) => {
                    let client = SrpClient::generate().map_err(|e| Error::Srp(Cause::new(e)))?;
                    parameters.push(("SRP_A", client.large_a_hex()));
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
        let outcome = self
            .initiate(AuthFlowType::UserAuth, username, parameters)
            .await?;
        match (outcome, srp, password) {
            (SignIn::Challenge(c), Some(srp), Some(p))
                if c.kind == ChallengeKind::PasswordVerifier =>
            {
                self.answer_password_verifier(c, &srp, p).await
            }
            (SignIn::Challenge(c), _, _) if c.kind == ChallengeKind::SelectChallenge => {
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
                let client = SrpClient::generate().map_err(|e| Error::Srp(Cause::new(e)))?;
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
