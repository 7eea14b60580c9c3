//! The AWS side in moto: an identity pool that trusts a test user pool, an upload
//! bucket, admin clients for both, a settable clock, and the real aws CLI.
#![cfg(feature = "upload")]

use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use aws_sdk_cognitoidentity as ci;
use aws_sdk_s3 as s3;
use unleashlive_auth::clock::Clock;
use unleashlive_auth::{Config, Settings};

use super::{Pool, REGION, moto_url};

fn dummy_credentials() -> aws_credential_types::Credentials {
    aws_credential_types::Credentials::new("test", "test", None, None, "tests")
}

/// An identity-pool admin client for moto (signed with dummy credentials).
pub fn identity_admin() -> ci::Client {
    let conf = ci::Config::builder()
        .behavior_version(ci::config::BehaviorVersion::latest())
        .region(ci::config::Region::new(REGION))
        .endpoint_url(moto_url())
        .credentials_provider(dummy_credentials())
        .build();
    ci::Client::from_conf(conf)
}

/// An S3 admin client for moto: dummy credentials, path-style addressing.
pub fn s3_admin() -> s3::Client {
    let conf = s3::Config::builder()
        .behavior_version(s3::config::BehaviorVersion::latest())
        .region(s3::config::Region::new(REGION))
        .endpoint_url(moto_url())
        .credentials_provider(dummy_credentials())
        .force_path_style(true)
        .build();
    s3::Client::from_conf(conf)
}

/// A name no other test uses (tests share one moto server).
pub fn unique(prefix: &str) -> String {
    let mut b = [0u8; 6];
    getrandom::fill(&mut b).unwrap();
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{prefix}-{hex}")
}

/// A user pool with its users, an identity pool that trusts it, and an upload bucket.
pub struct Aws {
    pub pool: Pool,
    pub identity_pool_id: String,
    pub bucket: String,
}

impl Aws {
    pub async fn create() -> Aws {
        let pool = Pool::create().await;
        let provider = ci::types::CognitoIdentityProvider::builder()
            .provider_name(format!(
                "cognito-idp.{REGION}.amazonaws.com/{}",
                pool.pool_id
            ))
            .client_id(&pool.client_id)
            .build();
        let identity_pool_id = identity_admin()
            .create_identity_pool()
            .identity_pool_name(unique("unleash-live-test").replace('-', "_"))
            .allow_unauthenticated_identities(false)
            .cognito_identity_providers(provider)
            .send()
            .await
            .expect("create identity pool")
            .identity_pool_id
            .clone();
        let bucket = unique("ul-upload");
        s3_admin()
            .create_bucket()
            .bucket(&bucket)
            .create_bucket_configuration(
                s3::types::CreateBucketConfiguration::builder()
                    .location_constraint(s3::types::BucketLocationConstraint::ApSoutheast2)
                    .build(),
            )
            .send()
            .await
            .expect("create bucket");
        Aws {
            pool,
            identity_pool_id,
            bucket,
        }
    }

    /// Library settings: the user pool, the identity pool, the bucket, moto as the endpoint.
    pub fn settings(&self) -> Settings {
        let mut s = self.pool.settings();
        s.identity_pool_id = Some(self.identity_pool_id.clone());
        s.upload_bucket = Some(self.bucket.clone());
        s
    }

    pub fn config(&self) -> Config {
        self.settings().resolve().expect("valid test config")
    }

    /// Environment for the CLI.
    pub fn env(&self) -> Vec<(String, String)> {
        let mut env = self.pool.env();
        env.push(("UL_IDENTITY_POOL_ID".into(), self.identity_pool_id.clone()));
        env.push(("UL_UPLOAD_BUCKET".into(), self.bucket.clone()));
        env
    }
}

/// A clock that stands still until moved.
#[derive(Debug)]
pub struct TestClock(Mutex<SystemTime>);

impl TestClock {
    pub fn at(t: SystemTime) -> std::sync::Arc<TestClock> {
        std::sync::Arc::new(TestClock(Mutex::new(t)))
    }

    pub fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }
}

impl Clock for TestClock {
    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap()
    }
}

/// The real aws CLI (v1), run as `<python> -m awscli`; `scripts/test` installs it and exports
/// the `PYTHON` it installed it for. The interpreter is resolved to its real path first:
/// shims (pyenv) stop working in the cleared environment the tests run the CLI in.
pub fn aws_cli() -> Command {
    let python = super::emulator::python_exe();
    let out = Command::new(&python)
        .args(["-c", "import sys, awscli; print(sys.executable)"])
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "the aws CLI is not installed for {python} (./scripts/test installs it): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut cmd = Command::new(String::from_utf8_lossy(&out.stdout).trim());
    cmd.args(["-m", "awscli"]);
    cmd
}
