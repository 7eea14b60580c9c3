//! A stand-in for the parts of Cognito that moto does not emulate faithfully: the server side
//! of SRP (moto accepts any signature), GetTokensFromRefreshToken with rotation, and
//! GlobalSignOut without moto's region quirk. It speaks the AWS JSON 1.1 protocol on
//! loopback, so the real AWS SDK talks to it unchanged.
//!
//! The SRP maths here is written independently of `src/cognito/srp.rs` (another big-integer
//! crate, the server's formulas: v = g^x, B = k·v + g^b, S = (A·v^u)^b), so a shared mistake
//! cannot make the two agree.
//!
//! Here: the state, the builder and the dispatch of each operation to its answer; `srp` the
//! server's SRP maths, `auth` the sign-in round, `challenges` the challenges after it,
//! `devices` remembered devices, `tokens` minting, refreshing and revoking tokens, `running`
//! what a test does with a running stand-in.

mod auth;
mod challenges;
mod devices;
mod running;
mod srp;
mod tokens;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use num_bigint::BigUint;
use serde_json::{Value, json};
use unleashlive_auth::cognito::AuthFlow;
use unleashlive_auth::{Session, SessionStore};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use super::{Home, PASSWORD, PILOT, Run};
use srp::{n, x_of};

#[allow(unused_imports)] // for tests that need a token of their own
pub use tokens::fake_jwt;

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
    /// `Some` until the stand-in is dropped.
    server: Option<MockServer>,
    pub standin: CognitoStandIn,
}

impl Drop for Running {
    /// wiremock's `MockServer` checks its mocks when dropped, with a blocking executor; on a
    /// test runtime's thread that has (rarely, after a thousand concurrent callers) waited
    /// forever for the server's state. It is dropped on a thread of its own instead, waiting
    /// five seconds at most: the stand-in mounts no expectation, so nothing is lost.
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            let (done, dropped) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                drop(server);
                let _ = done.send(());
            });
            let _ = dropped.recv_timeout(std::time::Duration::from_secs(5));
        }
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
            server: Some(server),
            standin: self,
        }
    }

    fn pool_name(&self) -> &str {
        self.pool_id.split_once('_').unwrap().1
    }

    /// Records the call, then answers it: a canned fault, a wrong client, or the operation's
    /// own answer.
    fn handle(&self, op: &str, body: &Value) -> ResponseTemplate {
        let mut guard = self.state.lock().unwrap();
        let state = &mut *guard;
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
            "InitiateAuth" => match body["AuthFlow"].as_str().unwrap_or_default() {
                "USER_SRP_AUTH" => self.initiate_srp(state, body),
                "USER_AUTH" => self.initiate_user_auth(state, body),
                // Like a real app client that allows SRP only.
                "USER_PASSWORD_AUTH" => error(
                    "InvalidParameterException",
                    "USER_PASSWORD_AUTH flow not enabled for this client",
                ),
                "REFRESH_TOKEN_AUTH" => tokens::refresh_token_auth(state),
                _ => not_done(op),
            },
            "RespondToAuthChallenge" => match body["ChallengeName"].as_str().unwrap_or_default() {
                "PASSWORD_VERIFIER" => self.password_verifier(state, body),
                "DEVICE_SRP_AUTH" => devices::device_srp_auth(state, body),
                "DEVICE_PASSWORD_VERIFIER" => self.device_password_verifier(state, body),
                _ => self.respond_to_challenge(state, body),
            },
            "ConfirmDevice" => devices::confirm_device(state, body),
            "ListDevices" => devices::list_devices(state, body),
            "ForgetDevice" => devices::forget_device(state, body),
            "AssociateSoftwareToken" => challenges::associate_software_token(state, body),
            "VerifySoftwareToken" => challenges::verify_software_token(state, body),
            "GetTokensFromRefreshToken" => self.get_tokens_from_refresh_token(state, body),
            "RevokeToken" => self.revoke_token(state, body),
            "GlobalSignOut" => tokens::global_sign_out(state, body),
            _ => unknown_operation(state, op),
        }
    }
}

/// An operation the stand-in has, asked for something it does not do.
fn not_done(op: &str) -> ResponseTemplate {
    error(
        "InvalidParameterException",
        &format!("the stand-in does not do this {op}"),
    )
}

/// An operation the stand-in does not have.
fn unknown_operation(state: &State, op: &str) -> ResponseTemplate {
    match &state.unknown_operation_answer {
        Some((status, content_type, body)) => canned(*status, content_type, body),
        // What AWS answers for an operation it does not have.
        None => error(
            "UnknownOperationException",
            &format!("the stand-in does not know {op}"),
        ),
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

fn random_bytes(n: usize) -> Vec<u8> {
    let mut b = vec![0u8; n];
    getrandom::fill(&mut b).unwrap();
    b
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
