//! The challenges after the first round: choosing a challenge, e-mailed codes, a new password
//! for invited users, and authenticator-app setup (AssociateSoftwareToken,
//! VerifySoftwareToken, MFA_SETUP).

use serde_json::{Value, json};
use wiremock::ResponseTemplate;

use super::{CognitoStandIn, STANDIN_TOTP_SECRET, State, error, hex, ok, random_bytes};

impl CognitoStandIn {
    /// RespondToAuthChallenge for every challenge but the SRP ones.
    pub(super) fn respond_to_challenge(&self, state: &mut State, body: &Value) -> ResponseTemplate {
        let name = body["ChallengeName"].as_str().unwrap_or_default();
        let Some((user_id, step)) = body["Session"]
            .as_str()
            .and_then(|s| state.sessions.remove(s))
        else {
            return error(
                "NotAuthorizedException",
                "Invalid session for the user, session is expired.",
            );
        };
        let r = &body["ChallengeResponses"];
        if name != step || r["USERNAME"].as_str() != Some(user_id.as_str()) {
            return error("InvalidParameterException", "wrong challenge answered");
        }
        match step {
            "SELECT_CHALLENGE" if r["ANSWER"] == "EMAIL_OTP" => {
                self.send_email_code(state, &user_id)
            }
            "EMAIL_OTP" => {
                if r["EMAIL_OTP_CODE"].as_str() != state.email_code.as_deref() {
                    return error("CodeMismatchException", "Invalid code received for user");
                }
                state.email_code = None;
                let result = self.tokens(state, &user_id, true);
                ok(json!({ "AuthenticationResult": result, "ChallengeParameters": {} }))
            }
            "NEW_PASSWORD_REQUIRED" if r["NEW_PASSWORD"].as_str().is_some_and(|p| p.len() >= 8) => {
                self.next_challenge(state, &user_id, "MFA_SETUP")
            }
            "NEW_PASSWORD_REQUIRED" => error(
                "InvalidPasswordException",
                "Password does not conform to policy",
            ),
            "MFA_VERIFIED" | "MFA_SETUP" => {
                let result = self.tokens(state, &user_id, true);
                ok(json!({ "AuthenticationResult": result, "ChallengeParameters": {} }))
            }
            _ => error("InvalidParameterException", "unexpected challenge"),
        }
    }

    /// Sends a fresh one-time code (the stand-in keeps it for the test) and asks for it.
    pub(super) fn send_email_code(&self, state: &mut State, user_id: &str) -> ResponseTemplate {
        let code = format!(
            "{:06}",
            u32::from_be_bytes(random_bytes(4).try_into().unwrap()) % 1_000_000
        );
        state.email_code = Some(code);
        let session = hex(&random_bytes(24));
        state
            .sessions
            .insert(session.clone(), (user_id.to_owned(), "EMAIL_OTP"));
        ok(json!({
            "ChallengeName": "EMAIL_OTP",
            "ChallengeParameters": {
                "USER_ID_FOR_SRP": user_id,
                "CODE_DELIVERY_DESTINATION": "p***@e***",
                "CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL",
            },
            "Session": session,
        }))
    }

    /// Opens the challenge `name` for `user_id`.
    pub(super) fn next_challenge(
        &self,
        state: &mut State,
        user_id: &str,
        name: &'static str,
    ) -> ResponseTemplate {
        let session = hex(&random_bytes(24));
        state
            .sessions
            .insert(session.clone(), (user_id.to_owned(), name));
        // Real Cognito sends list-valued parameters as JSON text inside the string map.
        let params = match name {
            "NEW_PASSWORD_REQUIRED" => json!({
                "USER_ID_FOR_SRP": user_id,
                "requiredAttributes": "[]",
                "userAttributes": "{\"email\":\"invited@example.com\"}",
            }),
            _ => json!({ "MFAS_CAN_SETUP": "[\"SOFTWARE_TOKEN_MFA\"]" }),
        };
        ok(json!({ "ChallengeName": name, "ChallengeParameters": params, "Session": session }))
    }
}

/// AssociateSoftwareToken during MFA_SETUP: hands out the stand-in's TOTP secret.
pub(super) fn associate_software_token(state: &mut State, body: &Value) -> ResponseTemplate {
    let Some((user_id, "MFA_SETUP")) = body["Session"]
        .as_str()
        .and_then(|s| state.sessions.remove(s))
    else {
        return error("NotAuthorizedException", "Invalid session");
    };
    let session = hex(&random_bytes(24));
    state
        .sessions
        .insert(session.clone(), (user_id, "ASSOCIATED"));
    ok(json!({ "SecretCode": STANDIN_TOTP_SECRET, "Session": session }))
}

/// VerifySoftwareToken: accepts a code of the previous, current or next 30-second step.
pub(super) fn verify_software_token(state: &mut State, body: &Value) -> ResponseTemplate {
    let Some((user_id, "ASSOCIATED")) = body["Session"]
        .as_str()
        .and_then(|s| state.sessions.remove(s))
    else {
        return error("NotAuthorizedException", "Invalid session");
    };
    #[allow(clippy::disallowed_methods)] // TOTP codes live on the wall clock
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let code = body["UserCode"].as_str().unwrap_or_default();
    let valid = [now - 30, now, now + 30]
        .iter()
        .any(|t| crate::util::totp(STANDIN_TOTP_SECRET, *t) == code);
    if !valid {
        return error("EnableSoftwareTokenMFAException", "Code mismatch");
    }
    let session = hex(&random_bytes(24));
    // The setup challenge is answered with this session.
    state
        .sessions
        .insert(session.clone(), (user_id, "MFA_SETUP"));
    ok(json!({ "Status": "SUCCESS", "Session": session }))
}
