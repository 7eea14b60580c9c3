//! `Destination::open("s3://...")` with the standard AWS chain, which reads the process's
//! environment: each case runs in a child of this test binary with exactly the variables it
//! names (no AWS profile, no instance metadata), since a test may not change its own.

use std::path::Path;
use std::process::Command;

use unleashlive_auth::api::analytics::destination::Destination;
use unleashlive_auth::{Error, ErrorClass};

use super::destination::bucket;
use crate::util::emulator::require;
use crate::util::{REGION, moto_url};

/// Set in the child: the `#[ignore]`d cases below do nothing without it.
const CHILD: &str = "UL_TEST_DESTINATION_CHILD";

/// Runs the ignored test `name` of this file in a child whose environment is `vars` only,
/// plus a `HOME` with no AWS files and the instance metadata service turned off.
fn run_child(name: &str, vars: &[(&str, &str)]) {
    let home = tempfile::tempdir().unwrap();
    let module = module_path!().split_once("::").unwrap().1;
    let test = format!("{module}::{name}");
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            &test,
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env_clear()
        .env("HOME", home.path())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", home.path().join("no-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            home.path().join("no-credentials"),
        )
        .env(CHILD, "1")
        .envs(vars.iter().copied())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "{test} in a child:\n{stdout}\n{stderr}"
    );
}

fn is_child() -> bool {
    std::env::var_os(CHILD).is_some()
}

#[test]
fn without_credentials_open_says_how_to_set_them() {
    run_child("child_open_without_credentials", &[("AWS_REGION", REGION)]);
}

#[tokio::test]
#[ignore = "runs in a child process (without_credentials_open_says_how_to_set_them)"]
async fn child_open_without_credentials() {
    if !is_child() {
        return;
    }
    let err = Destination::open("s3://some-bucket/datasets/")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
    assert_eq!(err.class(), ErrorClass::Usage);
    let message = err.to_string();
    for hint in [
        "AWS credentials",
        "AWS_ACCESS_KEY_ID",
        "AWS_PROFILE",
        "aws configure",
    ] {
        assert!(message.contains(hint), "{hint}: {message}");
    }
}

#[test]
fn without_a_region_open_says_how_to_set_one() {
    run_child(
        "child_open_without_a_region",
        &[
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
        ],
    );
}

#[tokio::test]
#[ignore = "runs in a child process (without_a_region_open_says_how_to_set_one)"]
async fn child_open_without_a_region() {
    if !is_child() {
        return;
    }
    let err = Destination::open("s3://some-bucket/datasets/")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
    let message = err.to_string();
    for hint in ["AWS region", "AWS_REGION", "AWS_PROFILE", "aws configure"] {
        assert!(message.contains(hint), "{hint}: {message}");
    }
}

#[tokio::test]
async fn the_standard_chain_and_aws_endpoint_url_reach_moto() {
    require!(moto);
    let bucket = bucket().await;
    let url = moto_url();
    run_child(
        "child_open_from_the_environment",
        &[
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
            ("AWS_REGION", REGION),
            ("AWS_ENDPOINT_URL", &url),
            ("UL_TEST_DESTINATION_BUCKET", &bucket),
        ],
    );
    let got = crate::util::identity::s3_admin()
        .get_object()
        .bucket(&bucket)
        .key("from-env/device=W1/part-0.parquet")
        .send()
        .await
        .unwrap();
    assert_eq!(
        &got.body.collect().await.unwrap().to_vec()[..],
        b"PAR1 env PAR1"
    );
}

#[tokio::test]
#[ignore = "runs in a child process (the_standard_chain_and_aws_endpoint_url_reach_moto)"]
async fn child_open_from_the_environment() {
    if !is_child() {
        return;
    }
    let bucket = std::env::var("UL_TEST_DESTINATION_BUCKET").unwrap();
    let dest = Destination::open(&format!("s3://{bucket}/from-env"))
        .await
        .unwrap();
    assert_eq!(dest.describe(), format!("s3://{bucket}/from-env/"));
    let file = dest.scratch_dir().join("part.tmp");
    std::fs::write(&file, b"PAR1 env PAR1").unwrap();
    dest.publish(&file, "device=W1/part-0.parquet")
        .await
        .unwrap();
    dest.write("_ul_pull.json", b"{}").await.unwrap();
    assert_eq!(
        dest.list().await.unwrap(),
        ["_ul_pull.json", "device=W1/part-0.parquet"]
    );
    let scratch = dest.scratch_dir().to_owned();
    drop(dest);
    assert!(
        !Path::new(&scratch).exists(),
        "the scratch directory goes with the destination"
    );
}

#[tokio::test]
async fn a_bucket_that_does_not_exist_is_a_config_error_at_open() {
    require!(moto);
    let url = moto_url();
    run_child(
        "child_open_a_missing_bucket",
        &[
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
            ("AWS_REGION", REGION),
            ("AWS_ENDPOINT_URL_S3", &url),
        ],
    );
}

#[tokio::test]
#[ignore = "runs in a child process (a_bucket_that_does_not_exist_is_a_config_error_at_open)"]
async fn child_open_a_missing_bucket() {
    if !is_child() {
        return;
    }
    let err = Destination::open("s3://no-such-bucket-ul-test/x/")
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Config { .. }) && err.to_string().contains("does not exist"),
        "{err:?}"
    );
}
