//! Remembered devices: offering one after a sign-in, ConfirmDevice, ListDevices, ForgetDevice,
//! and the device's own SRP round (DEVICE_SRP_AUTH, DEVICE_PASSWORD_VERIFIER).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use num_bigint::BigUint;
use serde_json::{Value, json};
use wiremock::ResponseTemplate;

use super::srp::{expected_signature, srp_b};
use super::{CognitoStandIn, DeviceRecord, PendingSrp, State, error, hex, ok, random_bytes};

/// After the password round: the DEVICE_SRP_AUTH challenge when the sign-in named a confirmed
/// device.
pub(super) fn remembered_device_challenge(
    state: &mut State,
    p: &PendingSrp,
) -> Option<ResponseTemplate> {
    let key = p.device_key.as_ref()?;
    if state.devices.get(key).is_none_or(|d| d.verifier.is_none()) {
        return None;
    }
    let session = hex(&random_bytes(24));
    state
        .sessions
        .insert(session.clone(), (p.user_id.clone(), "DEVICE_SRP_AUTH"));
    Some(ok(json!({
        "ChallengeName": "DEVICE_SRP_AUTH",
        "ChallengeParameters": { "USERNAME": p.user_id, "USER_ID_FOR_SRP": p.user_id },
        "Session": session,
    })))
}

/// Signed in without a known device: offer to remember this one (when tracking is on).
pub(super) fn offer_device(state: &mut State, user_id: &str, result: &mut Value) {
    if !state.track_devices {
        return;
    }
    let key = format!("ap-southeast-2_{}", hex(&random_bytes(16)));
    let group_key = format!("-{}", hex(&random_bytes(5)));
    state.devices.insert(
        key.clone(),
        DeviceRecord {
            user_id: user_id.to_owned(),
            group_key: group_key.clone(),
            verifier: None,
        },
    );
    result["NewDeviceMetadata"] = json!({ "DeviceKey": key, "DeviceGroupKey": group_key });
}

/// RespondToAuthChallenge DEVICE_SRP_AUTH: the server's half of the device's SRP round.
pub(super) fn device_srp_auth(state: &mut State, body: &Value) -> ResponseTemplate {
    let r = &body["ChallengeResponses"];
    let Some((user_id, "DEVICE_SRP_AUTH")) = body["Session"]
        .as_str()
        .and_then(|s| state.sessions.remove(s))
    else {
        return error("NotAuthorizedException", "Invalid session for the user.");
    };
    let key = r["DEVICE_KEY"].as_str().unwrap_or_default().to_owned();
    let Some(DeviceRecord {
        verifier: Some((verifier, salt)),
        group_key,
        ..
    }) = state.devices.get(&key)
    else {
        return error("ResourceNotFoundException", "Device does not exist.");
    };
    let (salt, group_key) = (salt.clone(), group_key.clone());
    let Some(a) = r["SRP_A"]
        .as_str()
        .and_then(|h| BigUint::parse_bytes(h.as_bytes(), 16))
    else {
        return error("InvalidParameterException", "SRP_A is not hex");
    };
    let (b, big_b) = srp_b(verifier);
    let secret_block = random_bytes(64);
    let session = hex(&random_bytes(24));
    let params = json!({
        "SRP_B": big_b.to_str_radix(16),
        "SALT": salt.to_str_radix(16),
        "SECRET_BLOCK": STANDARD.encode(&secret_block),
        "USERNAME": user_id,
        "DEVICE_KEY": key,
    });
    state.pending.insert(
        session.clone(),
        PendingSrp {
            user_id: key,
            a,
            b,
            big_b,
            secret_block,
            device_key: Some(group_key),
        },
    );
    state
        .sessions
        .insert(session.clone(), (user_id, "DEVICE_PASSWORD_VERIFIER"));
    ok(
        json!({ "ChallengeName": "DEVICE_PASSWORD_VERIFIER", "ChallengeParameters": params, "Session": session }),
    )
}

impl CognitoStandIn {
    /// RespondToAuthChallenge DEVICE_PASSWORD_VERIFIER: checks the device's signature.
    pub(super) fn device_password_verifier(
        &self,
        state: &mut State,
        body: &Value,
    ) -> ResponseTemplate {
        let r = &body["ChallengeResponses"];
        let session = body["Session"].as_str().unwrap_or_default();
        let (Some((user_id, "DEVICE_PASSWORD_VERIFIER")), Some(p)) = (
            state.sessions.remove(session),
            state.pending.remove(session),
        ) else {
            return error("NotAuthorizedException", "Invalid session for the user.");
        };
        // For devices the pending record holds the device key and its group key.
        let (device_key, group_key) = (p.user_id.clone(), p.device_key.clone().unwrap_or_default());
        let Some(DeviceRecord {
            verifier: Some((verifier, _)),
            ..
        }) = state.devices.get(&device_key)
        else {
            return error("ResourceNotFoundException", "Device does not exist.");
        };
        let timestamp = r["TIMESTAMP"].as_str().unwrap_or_default();
        let want = expected_signature(&group_key, &device_key, verifier, &p, timestamp);
        if r["PASSWORD_CLAIM_SIGNATURE"].as_str() != Some(want.as_str())
            || r["DEVICE_KEY"].as_str() != Some(device_key.as_str())
        {
            return error("NotAuthorizedException", "Incorrect device signature.");
        }
        let result = self.tokens(state, &user_id, true);
        ok(json!({ "AuthenticationResult": result, "ChallengeParameters": {} }))
    }
}

/// ConfirmDevice: stores the device's verifier and salt.
pub(super) fn confirm_device(state: &mut State, body: &Value) -> ResponseTemplate {
    let token = body["AccessToken"].as_str().unwrap_or_default();
    let Some(user_id) = state.access_tokens.get(token).cloned() else {
        return error("NotAuthorizedException", "Access Token has been revoked");
    };
    let key = body["DeviceKey"].as_str().unwrap_or_default();
    let config = &body["DeviceSecretVerifierConfig"];
    let decode = |v: &Value| {
        v.as_str()
            .and_then(|s| STANDARD.decode(s).ok())
            .map(|b| BigUint::from_bytes_be(&b))
    };
    let (Some(verifier), Some(salt)) =
        (decode(&config["PasswordVerifier"]), decode(&config["Salt"]))
    else {
        return error(
            "InvalidParameterException",
            "bad DeviceSecretVerifierConfig",
        );
    };
    match state.devices.get_mut(key) {
        Some(d) if d.user_id == user_id => d.verifier = Some((verifier, salt)),
        _ => return error("ResourceNotFoundException", "Device does not exist."),
    }
    ok(json!({ "UserConfirmationNecessary": false }))
}

/// ListDevices: the access token's user's confirmed devices.
pub(super) fn list_devices(state: &State, body: &Value) -> ResponseTemplate {
    let token = body["AccessToken"].as_str().unwrap_or_default();
    let Some(user_id) = state.access_tokens.get(token).cloned() else {
        return error("NotAuthorizedException", "Access Token has been revoked");
    };
    let devices: Vec<Value> = state
        .devices
        .iter()
        .filter(|(_, d)| d.user_id == user_id && d.verifier.is_some())
        .map(|(k, _)| {
            json!({
                "DeviceKey": k,
                "DeviceAttributes": [{ "Name": "device_name", "Value": "stand-in device" }],
                "DeviceLastAuthenticatedDate": 1_795_000_000,
            })
        })
        .collect();
    ok(json!({ "Devices": devices }))
}

/// ForgetDevice.
pub(super) fn forget_device(state: &mut State, body: &Value) -> ResponseTemplate {
    let key = body["DeviceKey"].as_str().unwrap_or_default();
    if state.devices.remove(key).is_none() {
        return error("ResourceNotFoundException", "Device does not exist.");
    }
    ok(json!({}))
}
