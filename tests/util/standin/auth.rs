//! Signing in: InitiateAuth (USER_SRP_AUTH, USER_AUTH) with its SECRET_HASH check, and the
//! PASSWORD_VERIFIER answer that checks the client's SRP signature.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use num_bigint::BigUint;
use serde_json::{Value, json};
use sha2::Sha256;
use wiremock::ResponseTemplate;

use super::devices::{offer_device, remembered_device_challenge};
use super::srp::{expected_signature, plausible_timestamp, srp_b};
use super::{CognitoStandIn, PendingSrp, State, error, hex, ok, random_bytes};

impl CognitoStandIn {
    fn expected_hash(&self, username: &str) -> Option<String> {
        self.client_secret.as_ref().map(|secret| {
            let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
            mac.update(username.as_bytes());
            mac.update(self.client_id.as_bytes());
            STANDARD.encode(mac.finalize().into_bytes())
        })
    }

    /// The refusal to send when SECRET_HASH is missing or wrong.
    fn hash_refusal(&self, params: &Value, username: &str) -> Option<ResponseTemplate> {
        match self.expected_hash(username) {
            None => None,
            Some(want) if params["SECRET_HASH"].as_str() == Some(want.as_str()) => None,
            Some(_) => Some(error(
                "NotAuthorizedException",
                "Client secret hash does not match for the client",
            )),
        }
    }

    /// InitiateAuth USER_SRP_AUTH: the server's half of the password's SRP round.
    pub(super) fn initiate_srp(&self, state: &mut State, body: &Value) -> ResponseTemplate {
        let params = &body["AuthParameters"];
        let username = params["USERNAME"].as_str().unwrap_or_default();
        let Some(user) = state.users.get(username) else {
            return error("UserNotFoundException", "User does not exist.");
        };
        if let Some(refusal) = self.hash_refusal(params, username) {
            return refusal;
        }
        let Some(a) = params["SRP_A"]
            .as_str()
            .and_then(|h| BigUint::parse_bytes(h.as_bytes(), 16))
        else {
            return error("InvalidParameterException", "SRP_A is not hex");
        };
        let (b, big_b) = srp_b(&user.verifier);
        let secret_block = random_bytes(96);
        let session = hex(&random_bytes(24));
        let params = json!({
            "SALT": user.salt.to_str_radix(16),
            "SRP_B": big_b.to_str_radix(16),
            "SECRET_BLOCK": STANDARD.encode(&secret_block),
            "USER_ID_FOR_SRP": user.user_id,
            "USERNAME": user.user_id,
        });
        let user_id = user.user_id.clone();
        let device_key = body["AuthParameters"]["DEVICE_KEY"]
            .as_str()
            .map(str::to_owned);
        if let Some(key) = &device_key
            && !state.devices.contains_key(key)
        {
            return error("ResourceNotFoundException", "Device does not exist.");
        }
        state.pending.insert(
            session.clone(),
            PendingSrp {
                user_id,
                a,
                b,
                big_b,
                secret_block,
                device_key,
            },
        );
        ok(json!({
            "ChallengeName": "PASSWORD_VERIFIER",
            "ChallengeParameters": params,
            "Session": session,
        }))
    }

    /// InitiateAuth USER_AUTH: an e-mailed code when preferred, else the choice of challenges.
    pub(super) fn initiate_user_auth(&self, state: &mut State, body: &Value) -> ResponseTemplate {
        let params = &body["AuthParameters"];
        let username = params["USERNAME"].as_str().unwrap_or_default();
        let Some(user) = state.users.get(username) else {
            return error("UserNotFoundException", "User does not exist.");
        };
        if let Some(refusal) = self.hash_refusal(params, username) {
            return refusal;
        }
        let user_id = user.user_id.clone();
        match params["PREFERRED_CHALLENGE"].as_str() {
            Some("EMAIL_OTP") => self.send_email_code(state, &user_id),
            Some(other) => error(
                "InvalidParameterException",
                &format!("the stand-in offers no {other} as a preference"),
            ),
            None => {
                let session = hex(&random_bytes(24));
                state
                    .sessions
                    .insert(session.clone(), (user_id.clone(), "SELECT_CHALLENGE"));
                ok(json!({
                    "ChallengeName": "SELECT_CHALLENGE",
                    "ChallengeParameters": { "USER_ID_FOR_SRP": user_id },
                    "AvailableChallenges": ["EMAIL_OTP", "WEB_AUTHN"],
                    "Session": session,
                }))
            }
        }
    }

    /// RespondToAuthChallenge PASSWORD_VERIFIER: checks the SRP signature, then hands out
    /// tokens or the next challenge (new password for the invited, the remembered device's
    /// own round).
    pub(super) fn password_verifier(&self, state: &mut State, body: &Value) -> ResponseTemplate {
        let r = &body["ChallengeResponses"];
        let Some(p) = body["Session"]
            .as_str()
            .and_then(|s| state.pending.remove(s))
        else {
            return error("NotAuthorizedException", "Invalid session for the user.");
        };
        if r["USERNAME"].as_str() != Some(p.user_id.as_str()) {
            return error("NotAuthorizedException", "USERNAME is not USER_ID_FOR_SRP");
        }
        if let Some(refusal) = self.hash_refusal(r, &p.user_id) {
            return refusal;
        }
        let user = state
            .users
            .values()
            .find(|u| u.user_id == p.user_id)
            .unwrap();
        let timestamp = r["TIMESTAMP"].as_str().unwrap_or_default();
        let want = expected_signature(self.pool_name(), &p.user_id, &user.verifier, &p, timestamp);
        let echoed_block =
            r["PASSWORD_CLAIM_SECRET_BLOCK"].as_str() == Some(&STANDARD.encode(&p.secret_block));
        if !echoed_block
            || r["PASSWORD_CLAIM_SIGNATURE"].as_str() != Some(want.as_str())
            || !plausible_timestamp(timestamp)
        {
            return error("NotAuthorizedException", "Incorrect username or password.");
        }
        if user.invited {
            return self.next_challenge(state, &p.user_id, "NEW_PASSWORD_REQUIRED");
        }
        if let Some(challenge) = remembered_device_challenge(state, &p) {
            return challenge;
        }
        let mut result = self.tokens(state, &p.user_id, true);
        offer_device(state, &p.user_id, &mut result);
        ok(json!({ "AuthenticationResult": result, "ChallengeParameters": {} }))
    }
}
