//! Answering the challenges Cognito asks a person: a new password, an MFA code, an MFA
//! method, setting up an authenticator app. Answering consumes the challenge.

use std::collections::BTreeMap;
use std::fmt;

use aws_sdk_cognitoidentityprovider::types::ChallengeNameType;

use super::client::CognitoClient;
use super::sign_in::{Challenge, ChallengeKind, SignIn};
use crate::error::{Error, Result};
use crate::secret::{ChallengeSession, Password, TotpSecret};

/// An MFA method a user can choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MfaMethod {
    /// An authenticator app (TOTP).
    Totp,
    /// A code by SMS.
    Sms,
    /// A code by e-mail.
    Email,
}

impl MfaMethod {
    /// Cognito's name for the method.
    pub fn as_str(self) -> &'static str {
        match self {
            MfaMethod::Totp => "SOFTWARE_TOKEN_MFA",
            MfaMethod::Sms => "SMS_MFA",
            MfaMethod::Email => "EMAIL_OTP",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        match name {
            "SOFTWARE_TOKEN_MFA" => Some(MfaMethod::Totp),
            "SMS_MFA" => Some(MfaMethod::Sms),
            "EMAIL_OTP" => Some(MfaMethod::Email),
            _ => None,
        }
    }
}

/// The answer to a [`Challenge`]. Its `Debug` names the kind of answer only: codes and
/// passwords never reach a log line or an error message.
#[non_exhaustive]
pub enum Answer {
    /// NEW_PASSWORD_REQUIRED: the new password and any required attributes
    /// (names without the `userAttributes.` prefix).
    NewPassword {
        /// The new password.
        password: Password,
        /// Values for [`Challenge::required_attributes`].
        attributes: BTreeMap<String, String>,
    },
    /// SOFTWARE_TOKEN_MFA, SMS_MFA, EMAIL_OTP, or MFA_SETUP (after
    /// [`CognitoClient::begin_totp_setup`]): the code.
    Code(String),
    /// SELECT_MFA_TYPE: the chosen method.
    SelectMfa(MfaMethod),
    /// SELECT_CHALLENGE (USER_AUTH): the chosen first factor, with the password when the
    /// factor is [`FirstFactor::Password`] or [`FirstFactor::PasswordSrp`].
    Choose {
        /// The chosen sign-in method.
        factor: FirstFactor,
        /// The password, for the password factors.
        password: Option<Password>,
    },
}

impl Answer {
    /// What kind of answer this is, without its value.
    fn kind(&self) -> &'static str {
        match self {
            Answer::NewPassword { .. } => "a new password",
            Answer::Code(_) => "a code",
            Answer::SelectMfa(_) => "an MFA method",
            Answer::Choose { .. } => "a sign-in method",
        }
    }
}

impl fmt::Debug for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Answer::SelectMfa(method) => f.debug_tuple("SelectMfa").field(method).finish(),
            Answer::Choose { factor, .. } => f
                .debug_struct("Choose")
                .field("factor", factor)
                .finish_non_exhaustive(),
            other => write!(f, "Answer({} [redacted])", other.kind()),
        }
    }
}

/// A first factor of choice-based sign-in (USER_AUTH).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FirstFactor {
    /// The password, sent over TLS.
    Password,
    /// The password, proven with SRP (never sent).
    PasswordSrp,
    /// A one-time code by e-mail.
    EmailOtp,
    /// A one-time code by SMS.
    SmsOtp,
}

impl FirstFactor {
    /// Cognito's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            FirstFactor::Password => "PASSWORD",
            FirstFactor::PasswordSrp => "PASSWORD_SRP",
            FirstFactor::EmailOtp => "EMAIL_OTP",
            FirstFactor::SmsOtp => "SMS_OTP",
        }
    }

    /// Whether this factor needs the password.
    pub fn needs_password(self) -> bool {
        matches!(self, FirstFactor::Password | FirstFactor::PasswordSrp)
    }
}

/// An authenticator-app secret to enrol, from MFA_SETUP.
#[derive(Debug)]
pub struct TotpSetup {
    secret: TotpSecret,
    account: String,
}

impl TotpSetup {
    /// The base32 secret to type into an authenticator app.
    pub fn secret(&self) -> &TotpSecret {
        &self.secret
    }

    /// `otpauth://totp/...` for a QR code or an app that takes links.
    pub fn otpauth_uri(&self, issuer: &str) -> String {
        format!(
            "otpauth://totp/{}:{}?secret={}&issuer={}",
            percent_encode(issuer),
            percent_encode(&self.account),
            self.secret.secret(),
            percent_encode(issuer)
        )
    }
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'@') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl Challenge {
    /// For NEW_PASSWORD_REQUIRED: the attributes the pool requires (e.g. `name`).
    pub fn required_attributes(&self) -> Vec<String> {
        self.parameters
            .get("requiredAttributes")
            .and_then(|json| serde_json::from_str::<Vec<String>>(json).ok())
            .unwrap_or_default()
            .into_iter()
            .map(|a| a.trim_start_matches("userAttributes.").to_owned())
            .collect()
    }

    /// For SELECT_MFA_TYPE / MFA_SETUP: the methods offered.
    pub fn mfa_choices(&self) -> Vec<MfaMethod> {
        ["MFAS_CAN_CHOOSE", "MFAS_CAN_SETUP"]
            .iter()
            .filter_map(|k| self.parameters.get(*k))
            .filter_map(|json| serde_json::from_str::<Vec<String>>(json).ok())
            .flatten()
            .filter_map(|name| MfaMethod::parse(&name))
            .collect()
    }

    /// Where a code was sent (a masked phone number or e-mail), when Cognito says.
    pub fn code_destination(&self) -> Option<&str> {
        self.parameters
            .get("CODE_DELIVERY_DESTINATION")
            .map(String::as_str)
    }
}

impl CognitoClient {
    /// Answers a challenge; the result is a session or the next challenge (chains such as
    /// new password → MFA setup work by answering again).
    ///
    /// # Errors
    /// [`Error::InvalidAnswer`] when the answer does not fit the challenge;
    /// [`Error::CodeMismatch`], [`Error::CodeExpired`], [`Error::InvalidPassword`],
    /// [`Error::SignInAgain`] (the challenge session expired), and the network errors of
    /// [`CognitoClient::sign_in`].
    pub async fn answer(&self, challenge: Challenge, answer: Answer) -> Result<SignIn> {
        let user = challenge.username.clone();
        let mut responses = vec![("USERNAME".to_owned(), user)];
        let name = match (&challenge.kind, answer) {
            (
                ChallengeKind::NewPasswordRequired,
                Answer::NewPassword {
                    password,
                    attributes,
                },
            ) => {
                let missing: Vec<String> = challenge
                    .required_attributes()
                    .into_iter()
                    .filter(|a| !attributes.contains_key(a))
                    .collect();
                if !missing.is_empty() {
                    return Err(Error::InvalidAnswer(format!(
                        "the pool requires these attributes with the new password: {}",
                        missing.join(", ")
                    )));
                }
                responses.push(("NEW_PASSWORD".to_owned(), password.secret().to_owned()));
                responses.extend(
                    attributes
                        .into_iter()
                        .map(|(k, v)| (format!("userAttributes.{k}"), v)),
                );
                ChallengeNameType::NewPasswordRequired
            }
            (ChallengeKind::SoftwareTokenMfa, Answer::Code(code)) => {
                responses.push(("SOFTWARE_TOKEN_MFA_CODE".to_owned(), clean_code(&code)?));
                ChallengeNameType::SoftwareTokenMfa
            }
            (ChallengeKind::SmsMfa, Answer::Code(code)) => {
                responses.push(("SMS_MFA_CODE".to_owned(), clean_code(&code)?));
                ChallengeNameType::SmsMfa
            }
            (ChallengeKind::EmailOtp, Answer::Code(code)) => {
                responses.push(("EMAIL_OTP_CODE".to_owned(), clean_code(&code)?));
                ChallengeNameType::EmailOtp
            }
            (ChallengeKind::SmsOtp, Answer::Code(code)) => {
                responses.push(("SMS_OTP_CODE".to_owned(), clean_code(&code)?));
                ChallengeNameType::SmsOtp
            }
            (ChallengeKind::SelectChallenge, Answer::Choose { factor, password }) => {
                return self.choose_first_factor(challenge, factor, password).await;
            }
            (ChallengeKind::SelectMfaType, Answer::SelectMfa(method)) => {
                responses.push(("ANSWER".to_owned(), method.as_str().to_owned()));
                ChallengeNameType::SelectMfaType
            }
            (ChallengeKind::MfaSetup, Answer::Code(code)) => {
                return self.finish_totp_setup(challenge, &clean_code(&code)?).await;
            }
            (kind, answer) => {
                return Err(Error::InvalidAnswer(format!(
                    "{} does not answer the {} challenge",
                    answer.kind(),
                    kind.as_str()
                )));
            }
        };
        self.respond(challenge, name, responses).await
    }

    /// MFA_SETUP, step 1: asks Cognito for a new authenticator secret (AssociateSoftwareToken).
    /// Show it to the user, then [`CognitoClient::answer`] with [`Answer::Code`].
    ///
    /// # Errors
    /// [`Error::InvalidAnswer`] for another challenge; Cognito and network errors.
    pub async fn begin_totp_setup(&self, challenge: &mut Challenge) -> Result<TotpSetup> {
        if challenge.kind != ChallengeKind::MfaSetup {
            return Err(Error::InvalidAnswer(format!(
                "{} is not an MFA setup challenge",
                challenge.kind.as_str()
            )));
        }
        let out = self
            .idp
            .associate_software_token()
            .set_session(challenge.session.as_ref().map(|s| s.secret().to_owned()))
            .send()
            .await
            .map_err(|e| self.map_error(e, None))?;
        let secret = out
            .secret_code
            .ok_or_else(|| Error::unexpected("AssociateSoftwareToken returned no secret"))?;
        challenge.session = out.session.map(ChallengeSession::new);
        challenge.totp_setup_started = true;
        Ok(TotpSetup {
            secret: TotpSecret::new(secret),
            account: challenge.username.clone(),
        })
    }

    async fn finish_totp_setup(&self, challenge: Challenge, code: &str) -> Result<SignIn> {
        if !challenge.totp_setup_started {
            return Err(Error::InvalidAnswer(
                "call begin_totp_setup before answering MFA_SETUP with a code".into(),
            ));
        }
        let out = self
            .idp
            .verify_software_token()
            .set_session(challenge.session.as_ref().map(|s| s.secret().to_owned()))
            .user_code(code)
            .friendly_device_name("ul-auth")
            .send()
            .await
            .map_err(|e| self.map_error(e, None))?;
        let mut challenge = challenge;
        challenge.session = out.session.map(ChallengeSession::new);
        let responses = vec![("USERNAME".to_owned(), challenge.username.clone())];
        self.respond(challenge, ChallengeNameType::MfaSetup, responses)
            .await
    }
}

/// Codes are digits; people paste them with spaces.
fn clean_code(code: &str) -> Result<String> {
    let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_alphanumeric()) || digits.len() > 16
    {
        return Err(Error::InvalidAnswer(
            "that is not a code (expected up to 16 digits or letters, e.g. 123456)".into(),
        ));
    }
    Ok(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn otpauth_uri_escapes_the_account_and_issuer() {
        let setup = TotpSetup {
            secret: TotpSecret::new("ABCDEF"),
            account: "pilot@example.com".into(),
        };
        assert_eq!(
            setup.otpauth_uri("Unleash Live"),
            "otpauth://totp/Unleash%20Live:pilot@example.com?secret=ABCDEF&issuer=Unleash%20Live"
        );
    }

    #[test]
    fn answers_never_show_their_code_or_password() {
        let shown = format!(
            "{:?} {:?}",
            Answer::Code("918273".into()),
            Answer::NewPassword {
                password: Password::new("Secret-Passw0rd!"),
                attributes: BTreeMap::new(),
            }
        );
        assert!(
            !shown.contains("918273") && !shown.contains("Secret-Passw0rd!"),
            "{shown}"
        );
        let err = clean_code("12;34-secret").unwrap_err().to_string();
        assert!(!err.contains("secret"), "{err}");
    }

    #[test]
    fn codes_lose_their_spaces_and_junk_is_refused() {
        assert_eq!(clean_code(" 123 456 ").unwrap(), "123456");
        assert!(clean_code("").is_err());
        assert!(clean_code("12;34").is_err());
    }
}
