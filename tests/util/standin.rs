//! A stand-in for the parts of Cognito that moto does not emulate faithfully: the server side
//! of SRP (moto accepts any signature), GetTokensFromRefreshToken with rotation, and
//! GlobalSignOut without moto's region quirk. It speaks the AWS JSON 1.1 protocol on
//! loopback, so the real AWS SDK talks to it unchanged.
//!
//! The SRP maths here is written independently of `src/cognito/srp.rs` (another big-integer
//! crate, the server's formulas: v = g^x, B = k·v + g^b, S = (A·v^u)^b), so a shared mistake
//! cannot make the two agree.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use num_bigint::BigUint;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use unleashlive_auth::cognito::AuthFlow;
use unleashlive_auth::{Session, SessionStore};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use super::{Home, PASSWORD, PILOT, Run};

/// RFC 3526 group 15 (3072-bit MODP), typed in from the RFC.
const N_HEX: &str = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF";

fn n() -> BigUint {
    BigUint::parse_bytes(N_HEX.as_bytes(), 16).unwrap()
}

/// The bytes the JS helper hashes for a number: its hex, made even, with a 00 byte when the
/// top bit is set.
fn padded_bytes(x: &BigUint) -> Vec<u8> {
    let mut bytes = x.to_bytes_be();
    if bytes[0] & 0x80 != 0 {
        bytes.insert(0, 0);
    }
    bytes
}

fn sha(parts: &[&[u8]]) -> Vec<u8> {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().to_vec()
}

fn x_of(pool: &str, user_id: &str, password: &str, salt: &BigUint) -> BigUint {
    let inner = sha(&[
        pool.as_bytes(),
        user_id.as_bytes(),
        b":",
        password.as_bytes(),
    ]);
    BigUint::from_bytes_be(&sha(&[&padded_bytes(salt), &inner]))
}

fn random_bytes(n: usize) -> Vec<u8> {
    let mut b = vec![0u8; n];
    getrandom::fill(&mut b).unwrap();
    b
}

/// A JWT-shaped token (the stand-in's tokens are decoded, not verified, by the client).
pub fn fake_jwt(claims: &Value) -> String {
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","kid":"standin"}"#),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        URL_SAFE_NO_PAD.encode(b"not-a-real-signature")
    )
}

struct User {
    user_id: String,
    salt: BigUint,
    verifier: BigUint,
    /// Invited: must set a new password, then enrol an authenticator app.
    invited: bool,
}

/// The TOTP secret the stand-in hands out in MFA_SETUP (base32).
pub const STANDIN_TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

struct PendingSrp {
    user_id: String,
    a: BigUint,
    b: BigUint,
    big_b: BigUint,
    secret_block: Vec<u8>,
    /// The DEVICE_KEY sent with InitiateAuth, if any.
    device_key: Option<String>,
}

/// A device the stand-in remembers.
struct DeviceRecord {
    user_id: String,
    group_key: String,
    /// Set by ConfirmDevice.
    verifier: Option<(BigUint, BigUint)>,
}

/// The signature a client proving `verifier` must send.
fn expected_signature(
    pool: &str,
    user: &str,
    verifier: &BigUint,
    p: &PendingSrp,
    timestamp: &str,
) -> String {
    let n = n();
    let u = BigUint::from_bytes_be(&sha(&[&padded_bytes(&p.a), &padded_bytes(&p.big_b)]));
    let s = ((&p.a * verifier.modpow(&u, &n)) % &n).modpow(&p.b, &n);
    let hk = hkdf::Hkdf::<Sha256>::new(Some(&padded_bytes(&u)), &padded_bytes(&s));
    let mut key = [0u8; 16];
    hk.expand(b"Caldera Derived Key", &mut key).unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(pool.as_bytes());
    mac.update(user.as_bytes());
    mac.update(&p.secret_block);
    mac.update(timestamp.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

fn srp_b(verifier: &BigUint) -> (BigUint, BigUint) {
    let n = n();
    let k = BigUint::from_bytes_be(&sha(&[
        &padded_bytes(&n),
        &padded_bytes(&BigUint::from(2u32)),
    ]));
    let b = BigUint::from_bytes_be(&random_bytes(32));
    let big_b = (k * verifier + BigUint::from(2u32).modpow(&b, &n)) % &n;
    (b, big_b)
}

#[derive(Default)]
struct State {
    users: HashMap<String, User>,
    pending: HashMap<String, PendingSrp>,
    /// refresh token → user id
    refresh_tokens: HashMap<String, String>,
    /// access token → user id
    access_tokens: HashMap<String, String>,
    /// Every call: (operation, body).
    calls: Vec<(String, Value)>,
    /// challenge session → (user id, what it is for)
    sessions: HashMap<String, (String, &'static str)>,
    /// Lifetime of the ID and access tokens it issues.
    lifetime_secs: u64,
    /// Refresh tokens are spent and replaced on every refresh.
    keep_refresh_tokens: bool,
    /// Rotated (spent) refresh tokens → when they were spent; usable within `grace`.
    spent: HashMap<String, (String, std::time::Instant)>,
    grace: std::time::Duration,
    /// Seconds the stand-in's clock is ahead of the real one (negative: behind).
    clock_offset: i64,
    /// The last one-time code "e-mailed" (USER_AUTH).
    email_code: Option<String>,
    /// Device tracking on: sign-ins without a known device get NewDeviceMetadata.
    track_devices: bool,
    devices: HashMap<String, DeviceRecord>,
    /// Every answer waits this long (to hold a call in flight while others join it).
    delay: std::time::Duration,
    /// Operations answered with a canned failure instead: status, content type, body.
    faults: HashMap<String, (u16, &'static str, String)>,
    /// Unknown operations get this canned answer instead of AWS's UnknownOperationException
    /// (moto answers them with an HTML 500 page).
    unknown_operation_answer: Option<(u16, &'static str, String)>,
}

/// Operations the stand-in has (some only in part).
const KNOWN_OPERATIONS: &[&str] = &[
    "AssociateSoftwareToken",
    "ConfirmDevice",
    "ForgetDevice",
    "GetTokensFromRefreshToken",
    "GlobalSignOut",
    "InitiateAuth",
    "ListDevices",
    "RespondToAuthChallenge",
    "RevokeToken",
    "VerifySoftwareToken",
];

/// The page moto (Werkzeug) answers for an operation it does not implement.
pub const CRASH_PAGE: &str = "<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n<h1>Internal Server Error</h1>\n<p>The server encountered an internal error and was unable to complete your request. Either the server is overloaded or there is an error in the application.</p>\n";

/// One stand-in server.
#[derive(Clone)]
pub struct CognitoStandIn {
    pub pool_id: String,
    pub client_id: String,
    pub client_secret: Option<String>,
    state: Arc<Mutex<State>>,
}

pub struct Running {
    pub server: MockServer,
    pub standin: CognitoStandIn,
}

impl Running {
    pub fn url(&self) -> String {
        self.server.uri()
    }

    /// The operations called so far, in order.
    pub fn operations(&self) -> Vec<String> {
        self.standin
            .state
            .lock()
            .unwrap()
            .calls
            .iter()
            .map(|(op, _)| op.clone())
            .collect()
    }

    /// The bodies of every call of one operation.
    pub fn bodies(&self, op: &str) -> Vec<Value> {
        self.standin
            .state
            .lock()
            .unwrap()
            .calls
            .iter()
            .filter(|(o, _)| o == op)
            .map(|(_, b)| b.clone())
            .collect()
    }

    /// Tokens issued from now on live this long.
    pub fn set_lifetime(&self, secs: u64) {
        self.standin.state.lock().unwrap().lifetime_secs = secs;
    }

    /// Refreshes keep the refresh token instead of rotating it.
    pub fn keep_refresh_tokens(&self) {
        self.standin.state.lock().unwrap().keep_refresh_tokens = true;
    }

    /// Turns device tracking on (NewDeviceMetadata, DEVICE_SRP_AUTH).
    pub fn track_devices(&self) {
        self.standin.state.lock().unwrap().track_devices = true;
    }

    /// Forgets every device (as if forgotten from another machine).
    pub fn forget_all_devices(&self) {
        self.standin.state.lock().unwrap().devices.clear();
    }

    /// The one-time code the stand-in last "e-mailed".
    pub fn email_code(&self) -> Option<String> {
        self.standin.state.lock().unwrap().email_code.clone()
    }

    /// Rotated refresh tokens stay usable this long.
    pub fn set_grace(&self, grace: std::time::Duration) {
        self.standin.state.lock().unwrap().grace = grace;
    }

    /// The stand-in's clock runs this many seconds ahead of the real one (negative: behind).
    pub fn set_clock_offset(&self, secs: i64) {
        self.standin.state.lock().unwrap().clock_offset = secs;
    }

    /// Every answer from now on waits `delay` before it is sent.
    pub fn set_delay(&self, delay: std::time::Duration) {
        self.standin.state.lock().unwrap().delay = delay;
    }

    /// `op` is answered with `status`, `content_type` and `body` from now on.
    pub fn fail(&self, op: &str, status: u16, content_type: &'static str, body: &str) {
        self.standin
            .state
            .lock()
            .unwrap()
            .faults
            .insert(op.to_owned(), (status, content_type, body.to_owned()));
    }

    /// Operations the stand-in does not know get this answer from now on (as moto's crash
    /// page), instead of AWS's 400 UnknownOperationException.
    pub fn answer_unknown_operations_with(
        &self,
        status: u16,
        content_type: &'static str,
        body: &str,
    ) {
        self.standin.state.lock().unwrap().unknown_operation_answer =
            Some((status, content_type, body.to_owned()));
    }

    /// Revokes every refresh token (as an administrator's global sign-out does).
    pub fn revoke_all(&self) {
        let mut state = self.standin.state.lock().unwrap();
        state.refresh_tokens.clear();
        state.spent.clear();
    }

    /// How many times an operation was called.
    pub fn count(&self, op: &str) -> usize {
        self.bodies(op).len()
    }

    /// Library settings pointing at this stand-in.
    pub fn settings(&self) -> unleashlive_auth::Settings {
        let mut s = unleashlive_auth::Settings::default();
        s.region = Some("ap-southeast-2".into());
        s.user_pool_id = Some(self.standin.pool_id.clone());
        s.client_id = Some(self.standin.client_id.clone());
        s.client_secret = self
            .standin
            .client_secret
            .clone()
            .map(unleashlive_auth::ClientSecret::new);
        s.endpoint_url = Some(self.url());
        s
    }

    /// CLI environment pointing at this stand-in.
    pub fn env(&self) -> Vec<(String, String)> {
        let mut env = vec![
            ("UL_REGION".to_owned(), "ap-southeast-2".to_owned()),
            ("UL_USER_POOL_ID".to_owned(), self.standin.pool_id.clone()),
            ("UL_CLIENT_ID".to_owned(), self.standin.client_id.clone()),
            ("AWS_ENDPOINT_URL".to_owned(), self.url()),
        ];
        if let Some(secret) = &self.standin.client_secret {
            env.push(("UL_CLIENT_SECRET".to_owned(), secret.clone()));
        }
        env
    }
}

impl CognitoStandIn {
    pub fn new(client_secret: Option<&str>) -> Self {
        CognitoStandIn {
            pool_id: "ap-southeast-2_StandIn42".into(),
            client_id: "standinclient1".into(),
            client_secret: client_secret.map(str::to_owned),
            state: Arc::default(),
        }
    }

    /// A user whose SRP user id differs from the login name, as in pools that sign in by
    /// e-mail alias.
    pub fn with_user(self, username: &str, password: &str) -> Self {
        self.add_user(username, password, false)
    }

    /// An invited user: after the temporary password, a new password, then MFA setup.
    pub fn with_invited_user(self, username: &str, temporary_password: &str) -> Self {
        self.add_user(username, temporary_password, true)
    }

    fn add_user(self, username: &str, password: &str, invited: bool) -> Self {
        let salt = BigUint::from_bytes_be(&random_bytes(16));
        let user_id = format!("uid-{}", hex(&random_bytes(6)));
        let pool = self.pool_id.split_once('_').unwrap().1.to_owned();
        let x = x_of(&pool, &user_id, password, &salt);
        let verifier = BigUint::from(2u32).modpow(&x, &n());
        self.state.lock().unwrap().users.insert(
            username.to_owned(),
            User {
                user_id,
                salt,
                verifier,
                invited,
            },
        );
        self
    }

    pub async fn start(self) -> Running {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(self.clone())
            .mount(&server)
            .await;
        Running {
            server,
            standin: self,
        }
    }

    fn pool_name(&self) -> &str {
        self.pool_id.split_once('_').unwrap().1
    }

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

    fn tokens(&self, state: &mut State, user_id: &str, with_refresh: bool) -> Value {
        #[allow(clippy::disallowed_methods)] // token times as a real server issues them
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let lifetime = if state.lifetime_secs == 0 {
            3600
        } else {
            state.lifetime_secs
        };
        let iss = format!(
            "https://cognito-idp.ap-southeast-2.amazonaws.com/{}",
            self.pool_id
        );
        let jti = hex(&random_bytes(8));
        let id = fake_jwt(&json!({
            "sub": user_id, "cognito:username": user_id, "iss": iss, "aud": self.client_id,
            "token_use": "id", "iat": now, "auth_time": now, "exp": now + lifetime, "jti": jti,
            "custom:teamId": "team-7", "custom:companyId": "company-42",
        }));
        let access = fake_jwt(&json!({
            "sub": user_id, "username": user_id, "iss": iss, "client_id": self.client_id,
            "token_use": "access", "iat": now, "auth_time": now, "exp": now + lifetime, "jti": jti,
        }));
        state
            .access_tokens
            .insert(access.clone(), user_id.to_owned());
        let mut result = json!({
            "IdToken": id, "AccessToken": access, "ExpiresIn": lifetime, "TokenType": "Bearer",
        });
        if with_refresh {
            let refresh = format!("standin-refresh-{}", hex(&random_bytes(16)));
            state
                .refresh_tokens
                .insert(refresh.clone(), user_id.to_owned());
            result["RefreshToken"] = json!(refresh);
        }
        result
    }

    fn handle(&self, op: &str, body: &Value) -> ResponseTemplate {
        let mut state = self.state.lock().unwrap();
        state.calls.push((op.to_owned(), body.clone()));
        if let Some((status, content_type, body)) = state.faults.get(op) {
            return canned(*status, content_type, body);
        }
        if body["ClientId"]
            .as_str()
            .is_some_and(|c| c != self.client_id)
        {
            return error(
                "ResourceNotFoundException",
                "User pool client does not exist.",
            );
        }
        match op {
            "InitiateAuth" if body["AuthFlow"] == "USER_SRP_AUTH" => {
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
                let n = n();
                let k = BigUint::from_bytes_be(&sha(&[
                    &padded_bytes(&n),
                    &padded_bytes(&BigUint::from(2u32)),
                ]));
                let b = BigUint::from_bytes_be(&random_bytes(32));
                let big_b = (k * &user.verifier + BigUint::from(2u32).modpow(&b, &n)) % &n;
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
            "InitiateAuth" if body["AuthFlow"] == "USER_AUTH" => {
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
                    Some("EMAIL_OTP") => self.send_email_code(&mut state, &user_id),
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
            // Like a real app client that allows SRP only.
            "InitiateAuth" if body["AuthFlow"] == "USER_PASSWORD_AUTH" => error(
                "InvalidParameterException",
                "USER_PASSWORD_AUTH flow not enabled for this client",
            ),
            "RespondToAuthChallenge" if body["ChallengeName"] == "PASSWORD_VERIFIER" => {
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
                let want =
                    expected_signature(self.pool_name(), &p.user_id, &user.verifier, &p, timestamp);
                let echoed_block = r["PASSWORD_CLAIM_SECRET_BLOCK"].as_str()
                    == Some(&STANDARD.encode(&p.secret_block));
                if !echoed_block
                    || r["PASSWORD_CLAIM_SIGNATURE"].as_str() != Some(want.as_str())
                    || !plausible_timestamp(timestamp)
                {
                    return error("NotAuthorizedException", "Incorrect username or password.");
                }
                if user.invited {
                    return self.next_challenge(&mut state, &p.user_id, "NEW_PASSWORD_REQUIRED");
                }
                if let Some(key) = &p.device_key
                    && state.devices.get(key).is_some_and(|d| d.verifier.is_some())
                {
                    let session = hex(&random_bytes(24));
                    state
                        .sessions
                        .insert(session.clone(), (p.user_id.clone(), "DEVICE_SRP_AUTH"));
                    return ok(json!({
                        "ChallengeName": "DEVICE_SRP_AUTH",
                        "ChallengeParameters": { "USERNAME": p.user_id, "USER_ID_FOR_SRP": p.user_id },
                        "Session": session,
                    }));
                }
                let mut result = self.tokens(&mut state, &p.user_id, true);
                if state.track_devices {
                    // Signed in without a known device: offer to remember this one.
                    let key = format!("ap-southeast-2_{}", hex(&random_bytes(16)));
                    let group_key = format!("-{}", hex(&random_bytes(5)));
                    state.devices.insert(
                        key.clone(),
                        DeviceRecord {
                            user_id: p.user_id.clone(),
                            group_key: group_key.clone(),
                            verifier: None,
                        },
                    );
                    result["NewDeviceMetadata"] =
                        json!({ "DeviceKey": key, "DeviceGroupKey": group_key });
                }
                ok(json!({ "AuthenticationResult": result, "ChallengeParameters": {} }))
            }
            "RespondToAuthChallenge" if body["ChallengeName"] == "DEVICE_SRP_AUTH" => {
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
            "RespondToAuthChallenge" if body["ChallengeName"] == "DEVICE_PASSWORD_VERIFIER" => {
                let r = &body["ChallengeResponses"];
                let session = body["Session"].as_str().unwrap_or_default();
                let (Some((user_id, "DEVICE_PASSWORD_VERIFIER")), Some(p)) = (
                    state.sessions.remove(session),
                    state.pending.remove(session),
                ) else {
                    return error("NotAuthorizedException", "Invalid session for the user.");
                };
                // For devices the pending record holds the device key and its group key.
                let (device_key, group_key) =
                    (p.user_id.clone(), p.device_key.clone().unwrap_or_default());
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
                let result = self.tokens(&mut state, &user_id, true);
                ok(json!({ "AuthenticationResult": result, "ChallengeParameters": {} }))
            }
            "ConfirmDevice" => {
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
            "ListDevices" => {
                let token = body["AccessToken"].as_str().unwrap_or_default();
                let Some(user_id) = state.access_tokens.get(token).cloned() else {
                    return error("NotAuthorizedException", "Access Token has been revoked");
                };
                let devices: Vec<Value> = state
                    .devices
                    .iter()
                    .filter(|(_, d)| d.user_id == user_id && d.verifier.is_some())
                    .map(|(k, _)| json!({
                        "DeviceKey": k,
                        "DeviceAttributes": [{ "Name": "device_name", "Value": "stand-in device" }],
                        "DeviceLastAuthenticatedDate": 1_795_000_000,
                    }))
                    .collect();
                ok(json!({ "Devices": devices }))
            }
            "ForgetDevice" => {
                let key = body["DeviceKey"].as_str().unwrap_or_default();
                if state.devices.remove(key).is_none() {
                    return error("ResourceNotFoundException", "Device does not exist.");
                }
                ok(json!({}))
            }
            "RespondToAuthChallenge" => {
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
                        self.send_email_code(&mut state, &user_id)
                    }
                    "EMAIL_OTP" => {
                        if r["EMAIL_OTP_CODE"].as_str() != state.email_code.as_deref() {
                            return error(
                                "CodeMismatchException",
                                "Invalid code received for user",
                            );
                        }
                        state.email_code = None;
                        let result = self.tokens(&mut state, &user_id, true);
                        ok(json!({ "AuthenticationResult": result, "ChallengeParameters": {} }))
                    }
                    "NEW_PASSWORD_REQUIRED"
                        if r["NEW_PASSWORD"].as_str().is_some_and(|p| p.len() >= 8) =>
                    {
                        self.next_challenge(&mut state, &user_id, "MFA_SETUP")
                    }
                    "NEW_PASSWORD_REQUIRED" => error(
                        "InvalidPasswordException",
                        "Password does not conform to policy",
                    ),
                    "MFA_VERIFIED" | "MFA_SETUP" => {
                        let result = self.tokens(&mut state, &user_id, true);
                        ok(json!({ "AuthenticationResult": result, "ChallengeParameters": {} }))
                    }
                    _ => error("InvalidParameterException", "unexpected challenge"),
                }
            }
            "AssociateSoftwareToken" => {
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
            "VerifySoftwareToken" => {
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
                    .any(|t| super::totp(STANDIN_TOTP_SECRET, *t) == code);
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
            "GetTokensFromRefreshToken" => {
                if self.client_secret.as_deref() != body["ClientSecret"].as_str() {
                    return error("NotAuthorizedException", "Client secret does not match");
                }
                if let Some(key) = body["DeviceKey"].as_str()
                    && !state.devices.contains_key(key)
                {
                    return error("ResourceNotFoundException", "Device does not exist.");
                }
                let token = body["RefreshToken"].as_str().unwrap_or_default();
                let user_id = match state.refresh_tokens.get(token).cloned() {
                    Some(user_id) => user_id,
                    // A rotated token still works within the grace period.
                    None => match state.spent.get(token) {
                        Some((user_id, at)) if at.elapsed() < state.grace => user_id.clone(),
                        _ => {
                            return error(
                                "NotAuthorizedException",
                                "Refresh Token has been revoked",
                            );
                        }
                    },
                };
                if state.keep_refresh_tokens {
                    let result = self.tokens(&mut state, &user_id, false);
                    return ok(json!({ "AuthenticationResult": result }));
                }
                // Rotation: the old token is spent, a new one comes back.
                if state.refresh_tokens.remove(token).is_some() {
                    state.spent.insert(
                        token.to_owned(),
                        (user_id.clone(), std::time::Instant::now()),
                    );
                }
                let result = self.tokens(&mut state, &user_id, true);
                ok(json!({ "AuthenticationResult": result }))
            }
            "InitiateAuth" if body["AuthFlow"] == "REFRESH_TOKEN_AUTH" => {
                if state.keep_refresh_tokens {
                    return error(
                        "InvalidParameterException",
                        "the stand-in only rotates here",
                    );
                }
                // What Cognito answers on app clients with refresh-token rotation.
                error(
                    "NotAuthorizedException",
                    "REFRESH_TOKEN_AUTH is not allowed when refresh token rotation is enabled; use GetTokensFromRefreshToken",
                )
            }
            "RevokeToken" => {
                if self.client_secret.as_deref() != body["ClientSecret"].as_str() {
                    return error("NotAuthorizedException", "Client secret does not match");
                }
                let token = body["Token"].as_str().unwrap_or_default();
                if state.refresh_tokens.remove(token).is_none() {
                    return error("UnsupportedTokenTypeException", "not a refresh token");
                }
                ok(json!({}))
            }
            "GlobalSignOut" => {
                let token = body["AccessToken"].as_str().unwrap_or_default();
                let Some(user_id) = state.access_tokens.get(token).cloned() else {
                    return error("NotAuthorizedException", "Access Token has been revoked");
                };
                state.refresh_tokens.retain(|_, u| *u != user_id);
                state.access_tokens.retain(|_, u| *u != user_id);
                ok(json!({}))
            }
            _ if KNOWN_OPERATIONS.contains(&op) => error(
                "InvalidParameterException",
                &format!("the stand-in does not do this {op}"),
            ),
            _ => match &state.unknown_operation_answer {
                Some((status, content_type, body)) => canned(*status, content_type, body),
                // What AWS answers for an operation it does not have.
                None => error(
                    "UnknownOperationException",
                    &format!("the stand-in does not know {op}"),
                ),
            },
        }
    }
}

/// `Sun Nov 2 18:07:27 UTC 2026`: weekday, month, unpadded day, time, UTC, year.
fn plausible_timestamp(t: &str) -> bool {
    let parts: Vec<&str> = t.split(' ').collect();
    parts.len() == 6
        && ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].contains(&parts[0])
        && parts[1].len() == 3
        && !parts[2].starts_with('0')
        && parts[3].len() == 8
        && parts[4] == "UTC"
        && parts[5].len() == 4
}

impl CognitoStandIn {
    fn send_email_code(&self, state: &mut State, user_id: &str) -> ResponseTemplate {
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

    fn next_challenge(
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

impl Respond for CognitoStandIn {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let target = request
            .headers
            .get("x-amz-target")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let Some(op) = target.strip_prefix("AWSCognitoIdentityProviderService.") else {
            return error("UnknownOperationException", "no x-amz-target");
        };
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let delay = self.state.lock().unwrap().delay;
        self.handle(op, &body).set_delay(delay)
    }
}

fn ok(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("content-type", "application/x-amz-json-1.1")
        .set_body_string(body.to_string())
}

fn canned(status: u16, content_type: &str, body: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("content-type", content_type)
        .set_body_string(body)
}

fn error(code: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(400)
        .insert_header("content-type", "application/x-amz-json-1.1")
        .set_body_string(json!({ "__type": code, "message": message }).to_string())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[allow(dead_code)]
pub fn parameters(values: &[(&str, &str)]) -> BTreeMap<String, String> {
    values
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// The stand-in with the pilot as its one user, started.
pub async fn pilot() -> Running {
    CognitoStandIn::new(None)
        .with_user(PILOT, PASSWORD)
        .start()
        .await
}

/// Signs the pilot in on the stand-in (SRP) and caches the session as `default` in `store`.
pub async fn signed_in(running: &Running, store: &SessionStore) -> Session {
    let config = running.settings().resolve().unwrap();
    super::session::signed_in(config, AuthFlow::Srp, store).await
}

/// [`signed_in`] with tokens that live one minute, inside the 5-minute margin: the next use
/// refreshes.
pub async fn stale_session(running: &Running, store: &SessionStore) -> Session {
    running.set_lifetime(60);
    let session = signed_in(running, store).await;
    running.set_lifetime(3600);
    session
}

/// `ul-auth ARGS` against the stand-in, off the runtime that serves it.
pub async fn run_cli(home: Home, running: &Running, args: &'static [&'static str]) -> (Run, Home) {
    let env = running.env();
    tokio::task::spawn_blocking(move || (home.run(args, &env, None), home))
        .await
        .unwrap()
}
