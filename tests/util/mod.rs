//! Shared test fixtures: a fresh Unleash-Live-shaped user pool in the local moto server, and the
//! one way to run `ul-auth` or a sample binary with a clean environment and a private home
//! ([`Home::command_of`]).
//!
//! The rest, by what it stands in for: [`session`] (the pilot signed in, with the library or
//! `ul-auth login`), [`standin`] (Cognito where moto falls short), [`mediadrive`] (the Media
//! Drive GraphQL stand-in), [`unleash`] (the REST API and CDNs on wiremock), [`api`] (the API
//! clients over both), [`identity`] (the identity pool and S3 in moto), [`emulator`] (skipping
//! a test when moto is not running).

#![allow(dead_code)]

pub mod api;
pub mod emulator;
pub mod identity;
pub mod mediadrive;
pub mod session;
pub mod standin;
pub mod unleash;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use aws_sdk_cognitoidentityprovider as idp;
use idp::config::{BehaviorVersion, Credentials, Region};
use idp::types::{AttributeType, ExplicitAuthFlowsType, MessageActionType, SchemaAttributeType};
use unleashlive_auth::{Config, Settings};

pub const REGION: &str = "ap-southeast-2";
pub const PASSWORD: &str = "Pilot-Passw0rd!";
pub const TEMP_PASSWORD: &str = "Temp-Passw0rd!";
pub const IDENTITY_ID: &str = "ap-southeast-2:11111111-2222-3333-4444-555555555555";
pub const PILOT: &str = "pilot@example.com";
pub const INVITED: &str = "invited@example.com";
pub const DISABLED: &str = "disabled@example.com";

/// The moto server `scripts/test` started; a test that calls this starts with
/// `require!(moto)` ([`emulator`]).
pub fn moto_url() -> String {
    std::env::var("UL_TEST_MOTO_URL")
        .expect("UL_TEST_MOTO_URL (a test using moto starts with `require!(moto)`)")
}

/// An admin client for moto (signed with dummy credentials, as moto expects).
pub fn admin() -> idp::Client {
    let conf = idp::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .endpoint_url(moto_url())
        .credentials_provider(Credentials::new("test", "test", None, None, "tests"))
        .build();
    idp::Client::from_conf(conf)
}

/// A fresh user pool: custom attributes, a public and a confidential app client, and users.
#[derive(Debug, Clone)]
pub struct Pool {
    pub pool_id: String,
    pub client_id: String,
    pub secret_client_id: String,
    pub secret_client_secret: String,
}

impl Pool {
    pub async fn create() -> Pool {
        let admin = admin();
        let schema = ["identityId", "companyId", "teamId"].map(|name| {
            SchemaAttributeType::builder()
                .name(name)
                .attribute_data_type(idp::types::AttributeDataType::String)
                .mutable(true)
                .build()
        });
        let pool = admin
            .create_user_pool()
            .pool_name("unleash-live-test")
            .set_schema(Some(schema.to_vec()))
            .send()
            .await
            .expect("create user pool");
        let pool_id = pool.user_pool().and_then(|p| p.id()).unwrap().to_owned();
        let flows = vec![
            ExplicitAuthFlowsType::AllowUserPasswordAuth,
            ExplicitAuthFlowsType::AllowUserSrpAuth,
            ExplicitAuthFlowsType::AllowRefreshTokenAuth,
        ];
        // moto puts email into the ID token only for attributes the client may read.
        let read: Vec<String> = [
            "email",
            "email_verified",
            "custom:identityId",
            "custom:companyId",
            "custom:teamId",
        ]
        .map(String::from)
        .to_vec();
        let public = admin
            .create_user_pool_client()
            .user_pool_id(&pool_id)
            .client_name("public")
            .set_explicit_auth_flows(Some(flows.clone()))
            .set_read_attributes(Some(read.clone()))
            .send()
            .await
            .expect("create client");
        let confidential = admin
            .create_user_pool_client()
            .user_pool_id(&pool_id)
            .client_name("confidential")
            .generate_secret(true)
            .set_explicit_auth_flows(Some(flows))
            .set_read_attributes(Some(read))
            .send()
            .await
            .expect("create secret client");
        let public = public.user_pool_client().unwrap();
        let confidential = confidential.user_pool_client().unwrap();
        let pool = Pool {
            pool_id,
            client_id: public.client_id().unwrap().to_owned(),
            secret_client_id: confidential.client_id().unwrap().to_owned(),
            secret_client_secret: confidential.client_secret().unwrap().to_owned(),
        };
        pool.add_user(PILOT, Some(PASSWORD)).await;
        pool.add_user(INVITED, None).await;
        pool.add_user(DISABLED, Some(PASSWORD)).await;
        admin
            .admin_disable_user()
            .user_pool_id(&pool.pool_id)
            .username(DISABLED)
            .send()
            .await
            .expect("disable user");
        pool
    }

    /// Creates a user with the Unleash Live custom attributes; `password` = permanent
    /// password, `None` = the temporary password (NEW_PASSWORD_REQUIRED on first sign-in).
    pub async fn add_user(&self, username: &str, password: Option<&str>) {
        let admin = admin();
        let attr = |n: &str, v: &str| AttributeType::builder().name(n).value(v).build().unwrap();
        admin
            .admin_create_user()
            .user_pool_id(&self.pool_id)
            .username(username)
            .message_action(MessageActionType::Suppress)
            .temporary_password(TEMP_PASSWORD)
            .user_attributes(attr("email", username))
            .user_attributes(attr("email_verified", "true"))
            .user_attributes(attr("custom:identityId", IDENTITY_ID))
            .user_attributes(attr("custom:companyId", "company-42"))
            .user_attributes(attr("custom:teamId", "team-7"))
            .send()
            .await
            .expect("create user");
        if let Some(password) = password {
            admin
                .admin_set_user_password()
                .user_pool_id(&self.pool_id)
                .username(username)
                .password(password)
                .permanent(true)
                .send()
                .await
                .expect("set password");
        }
    }

    /// Library settings for this pool.
    pub fn settings(&self) -> Settings {
        let mut s = Settings::default();
        s.region = Some(REGION.into());
        s.user_pool_id = Some(self.pool_id.clone());
        s.client_id = Some(self.client_id.clone());
        s.endpoint_url = Some(moto_url());
        s
    }

    pub fn config(&self) -> Config {
        self.settings().resolve().expect("valid test config")
    }

    /// Environment for the CLI pointed at this pool.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("UL_REGION".into(), REGION.into()),
            ("UL_USER_POOL_ID".into(), self.pool_id.clone()),
            ("UL_CLIENT_ID".into(), self.client_id.clone()),
            ("AWS_ENDPOINT_URL".into(), moto_url()),
            // moto cannot check SRP (see ../shared/testing/README.md); SRP is tested
            // against the stand-in.
            ("UL_AUTH_FLOW".into(), "password".into()),
        ]
    }
}

/// A private home for one CLI run: its own HOME, config and cache directories.
pub struct Home {
    pub dir: tempfile::TempDir,
}

impl Home {
    pub fn new() -> Home {
        Home {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn cache_dir(&self) -> PathBuf {
        self.dir.path().join("cache")
    }

    pub fn cache_file(&self, profile: &str) -> PathBuf {
        self.cache_dir().join(format!("{profile}.json"))
    }

    /// `ul-auth ARGS` with only the given environment (plus PATH and this home), not started.
    pub fn command(&self, args: &[&str], env: &[(String, String)]) -> Command {
        self.command_of(env!("CARGO_BIN_EXE_ul-auth"), args, env)
    }

    /// The binary `exe` with `args`, a clean environment (only `env`, PATH, and this home as
    /// HOME, config and cache directory), not started.
    pub fn command_of(&self, exe: &str, args: &[&str], env: &[(String, String)]) -> Command {
        let mut cmd = Command::new(exe);
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env("UL_CACHE_DIR", self.cache_dir())
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        cmd
    }

    /// `ul-auth ARGS` with only the given environment (plus PATH and this home).
    pub fn run(&self, args: &[&str], env: &[(String, String)], stdin: Option<&str>) -> Run {
        Run::of(self.command(args, env), stdin)
    }

    /// `ul-auth ARGS` inside the named kernel session keyring `keyring` (joined by a tiny
    /// python wrapper), so successive runs share a keychain as a desktop login session would.
    #[cfg(all(feature = "keyring", target_os = "linux", target_arch = "x86_64"))]
    pub fn run_in_keyring(&self, keyring: &str, args: &[&str], env: &[(String, String)]) -> Run {
        const JOIN: &str = "import ctypes, os, sys\n\
libc = ctypes.CDLL(None, use_errno=True)\n\
if libc.syscall(250, 1, sys.argv[1].encode()) < 0: sys.exit('cannot join a session keyring')\n\
os.execv(sys.argv[2], sys.argv[2:])";
        let ul_auth = env!("CARGO_BIN_EXE_ul-auth");
        let python = emulator::python_exe();
        let mut cmd = self.command_of(&python, &["-c", JOIN, keyring, ul_auth], env);
        cmd.args(args);
        Run::of(cmd, None)
    }

    /// Every file under this home, as text (to scan for leaked secrets).
    pub fn all_files_text(&self) -> String {
        fn walk(dir: &Path, out: &mut String) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, out);
                } else if let Ok(bytes) = std::fs::read(&path) {
                    out.push_str(&String::from_utf8_lossy(&bytes));
                }
            }
        }
        let mut out = String::new();
        walk(self.dir.path(), &mut out);
        out
    }
}

/// The result of one CLI run.
pub struct Run(pub Output);

impl Run {
    /// Runs `cmd` to the end, `stdin` (if any) on its standard input, capturing both streams.
    pub fn of(mut cmd: Command, stdin: Option<&str>) -> Run {
        cmd.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn");
        if let Some(input) = stdin {
            // A child that exits before reading its input (a usage error) closes the pipe
            // first: that is its answer, not a failure of the test.
            let written = child.stdin.take().unwrap().write_all(input.as_bytes());
            if let Err(e) = written
                && e.kind() != std::io::ErrorKind::BrokenPipe
            {
                panic!("writing the child's input: {e}");
            }
        }
        Run(child.wait_with_output().expect("wait for the child"))
    }

    pub fn code(&self) -> i32 {
        self.0.status.code().expect("exit code")
    }
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }
    /// Panics with stderr when it does not say `needle`.
    pub fn expect_stderr(&self, needle: &str) -> &Self {
        let stderr = self.stderr();
        assert!(
            stderr.contains(needle),
            "stderr lacks {needle:?}:\n{stderr}"
        );
        self
    }

    /// Panics with both streams when the exit code is not `want`.
    pub fn expect_code(&self, want: i32) -> &Self {
        assert_eq!(
            self.code(),
            want,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout(),
            self.stderr()
        );
        self
    }
}

pub fn with(env: &[(String, String)], extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut all = env.to_vec();
    all.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    all
}

/// RFC 6238 TOTP (SHA-1, 6 digits, 30 s) of a base32 secret at `unix` seconds.
pub fn totp(secret_b32: &str, unix: u64) -> String {
    use hmac::{Hmac, Mac};
    let key = base32_decode(secret_b32);
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(&key).unwrap();
    mac.update(&(unix / 30).to_be_bytes());
    let h = mac.finalize().into_bytes();
    let o = usize::from(h[19] & 15);
    let v = u32::from_be_bytes([h[o] & 0x7f, h[o + 1], h[o + 2], h[o + 3]]);
    format!("{:06}", v % 1_000_000)
}

fn base32_decode(s: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut bits = 0u64;
    let mut n = 0;
    let mut out = Vec::new();
    for c in s.trim_end_matches('=').bytes() {
        let v = ALPHABET
            .iter()
            .position(|&a| a == c.to_ascii_uppercase())
            .expect("base32") as u64;
        bits = (bits << 5) | v;
        n += 5;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    out
}

/// A TOTP code that stays valid for at least a few seconds (waits out a window's end).
pub fn fresh_totp(secret_b32: &str) -> String {
    #[allow(clippy::disallowed_methods)] // TOTP codes live on the wall clock (moto's too)
    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
    };
    if now() % 30 >= 26 {
        std::thread::sleep(std::time::Duration::from_secs(30 - now() % 30));
    }
    totp(secret_b32, now())
}

impl Pool {
    /// A user with TOTP MFA set up and preferred; returns its base32 secret.
    pub async fn add_totp_user(&self, username: &str) -> String {
        self.add_user(username, Some(PASSWORD)).await;
        let admin = admin();
        let auth = admin
            .initiate_auth()
            .client_id(&self.client_id)
            .auth_flow(idp::types::AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", username)
            .auth_parameters("PASSWORD", PASSWORD)
            .send()
            .await
            .expect("sign in to enrol TOTP");
        let access = auth
            .authentication_result()
            .unwrap()
            .access_token()
            .unwrap()
            .to_owned();
        let secret = admin
            .associate_software_token()
            .access_token(&access)
            .send()
            .await
            .expect("associate software token")
            .secret_code()
            .unwrap()
            .to_owned();
        admin
            .verify_software_token()
            .access_token(&access)
            .user_code(fresh_totp(&secret))
            .send()
            .await
            .expect("verify software token");
        admin
            .admin_set_user_mfa_preference()
            .user_pool_id(&self.pool_id)
            .username(username)
            .software_token_mfa_settings(
                idp::types::SoftwareTokenMfaSettingsType::builder()
                    .enabled(true)
                    .preferred_mfa(true)
                    .build(),
            )
            .send()
            .await
            .expect("prefer TOTP");
        secret
    }

    /// Revokes every refresh token of a user (AdminUserGlobalSignOut).
    pub async fn admin_sign_out(&self, username: &str) {
        admin()
            .admin_user_global_sign_out()
            .user_pool_id(&self.pool_id)
            .username(username)
            .send()
            .await
            .expect("admin global sign-out");
    }

    /// Settings for the confidential (secret) client.
    pub fn secret_settings(&self) -> Settings {
        let mut s = self.settings();
        s.client_id = Some(self.secret_client_id.clone());
        s.client_secret = Some(unleashlive_auth::ClientSecret::new(
            self.secret_client_secret.clone(),
        ));
        s
    }
}
