//! Which sign-in flows an app client allows, found without touching any real account: each
//! flow is started for a made-up user name (`ul-auth-doctor-<random>@example.invalid`) and
//! Cognito's answer tells whether the flow itself is enabled. No password of anyone is sent.

use aws_sdk_cognitoidentityprovider::types::AuthFlowType;

use super::client::CognitoClient;
use super::srp::SrpClient;
use crate::error::{Cause, Error, Result};

/// What Cognito said about one flow.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FlowAnswer {
    /// The flow is enabled: Cognito went on to the user (unknown, refused, or a challenge).
    Allowed,
    /// The app client does not allow this flow (Cognito's message).
    NotAllowed(String),
    /// An answer that says neither (e.g. an emulator without the flow).
    Unknown(String),
}

/// The flows probed, by Cognito's names.
pub const PROBED_FLOWS: [&str; 3] = ["USER_SRP_AUTH", "USER_PASSWORD_AUTH", "USER_AUTH"];

impl CognitoClient {
    /// Starts each of [`PROBED_FLOWS`] for a user name that cannot exist and reports what
    /// Cognito answered. A challenge it starts is left unanswered.
    ///
    /// # Errors
    /// [`Error::UnknownClient`] (no such pool or app client), [`Error::Unreachable`],
    /// [`Error::Timeout`], [`Error::Throttled`]: the probe could not ask.
    pub async fn probe_flows(&self) -> Result<Vec<(&'static str, FlowAnswer)>> {
        let mut random = [0u8; 8];
        getrandom::fill(&mut random)
            .map_err(|e| Error::Srp(Cause::new(std::io::Error::other(e.to_string()))))?;
        let hex: String = random.iter().map(|b| format!("{b:02x}")).collect();
        let username = format!("ul-auth-doctor-{hex}@example.invalid");
        let mut answers = Vec::new();
        for flow in PROBED_FLOWS {
            let (kind, parameters) = match flow {
                "USER_SRP_AUTH" => {
                    let srp = SrpClient::generate().map_err(|e| Error::Srp(Cause::new(e)))?;
                    (
                        AuthFlowType::UserSrpAuth,
                        vec![("SRP_A", srp.large_a_hex())],
                    )
                }
                // A made-up password for a made-up user.
                "USER_PASSWORD_AUTH" => (
                    AuthFlowType::UserPasswordAuth,
                    vec![("PASSWORD", format!("Doctor-{hex}-1!"))],
                ),
                _ => (AuthFlowType::UserAuth, Vec::new()),
            };
            let answer = match self.initiate(kind, &username, parameters).await {
                Ok(_) => FlowAnswer::Allowed,
                Err(
                    Error::UserNotFound
                    | Error::IncorrectCredentials
                    | Error::NotAuthorized { .. }
                    | Error::UserNotConfirmed
                    | Error::UserDisabled
                    | Error::PasswordResetRequired,
                ) => FlowAnswer::Allowed,
                Err(Error::FlowNotEnabled { message, .. }) => FlowAnswer::NotAllowed(message),
                Err(
                    e @ (Error::UnknownClient { .. }
                    | Error::Unreachable { .. }
                    | Error::Timeout { .. }
                    | Error::Throttled { .. }),
                ) => return Err(e),
                Err(e) => FlowAnswer::Unknown(e.to_string()),
            };
            tracing::debug!(flow, ?answer, "flow probed");
            answers.push((flow, answer));
        }
        Ok(answers)
    }
}
