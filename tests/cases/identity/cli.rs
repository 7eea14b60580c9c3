//! `ul-auth credentials` and `exec` with identity-pool credentials, and the real aws CLI using
//! `ul-auth` as its credential process.

use std::process::Stdio;

use aws_sdk_s3::primitives::ByteStream;
use serde_json::Value;

use crate::util::emulator::require;
use crate::util::identity::{Aws, aws_cli, s3_admin};
use crate::util::{Home, PASSWORD, PILOT, REGION, moto_url, with};

/// `ul-auth` signed in against `aws`, in a fresh home.
fn cli_signed_in(aws: &Aws) -> (Home, Vec<(String, String)>) {
    let home = Home::new();
    let env = aws.env();
    home.login(&env);
    (home, env)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_aws_cli_signs_s3_calls_with_ul_auth_as_its_credential_process() {
    require!(moto, python);
    let aws = Aws::create().await;
    s3_admin()
        .put_object()
        .bucket(&aws.bucket)
        .key("listed-by-the-aws-cli.txt")
        .content_type("text/plain")
        .body(ByteStream::from_static(b"hello"))
        .send()
        .await
        .unwrap();
    let bucket = aws.bucket.clone();
    let out = tokio::task::spawn_blocking(move || {
        let (home, env) = cli_signed_in(&aws);
        let aws_config = home.dir.path().join("aws-config");
        let aws_credentials = home.dir.path().join("aws-credentials");
        std::fs::write(
            &aws_config,
            format!(
                "[profile unleash]\n\
                 credential_process = {} credentials --format credential-process\n\
                 region = {REGION}\n\
                 s3 =\n    addressing_style = path\n",
                env!("CARGO_BIN_EXE_ul-auth")
            ),
        )
        .unwrap();
        std::fs::write(&aws_credentials, "").unwrap();
        // Only the profile can supply credentials: no AWS_* keys, an empty credentials file,
        // no instance metadata.
        aws_cli()
            .args(["s3api", "list-objects-v2", "--bucket", &bucket])
            .args(["--endpoint-url", &moto_url(), "--output", "json"])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home.dir.path())
            .env("UL_CACHE_DIR", home.cache_dir())
            .env("AWS_CONFIG_FILE", &aws_config)
            .env("AWS_SHARED_CREDENTIALS_FILE", &aws_credentials)
            .env("AWS_PROFILE", "unleash")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .envs(env)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "aws s3api failed\n--- stdout\n{stdout}\n--- stderr\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listing: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(listing["Contents"][0]["Key"], "listed-by-the-aws-cli.txt");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cli_prints_credentials_in_each_format_and_exec_exports_them() {
    require!(moto);
    let aws = Aws::create().await;
    tokio::task::spawn_blocking(move || {
        let nobody = Home::new();
        let run = nobody.run(&["credentials"], &aws.env(), None);
        run.expect_code(3);
        assert!(run.stdout().is_empty());

        let (home, env) = cli_signed_in(&aws);
        let run = home.run(
            &["credentials", "--format", "credential-process"],
            &env,
            None,
        );
        run.expect_code(0);
        assert!(
            run.stderr().contains("custom:identityId"),
            "moto's GetId never matches the claim, and that is reported: {}",
            run.stderr()
        );
        let process: Value = serde_json::from_str(&run.stdout()).unwrap();
        assert_eq!(process["Version"], 1);
        let secret = process["SecretAccessKey"].as_str().unwrap().to_owned();
        let token = process["SessionToken"].as_str().unwrap().to_owned();
        assert!(
            process["AccessKeyId"]
                .as_str()
                .is_some_and(|k| !k.is_empty())
        );
        let expiration = process["Expiration"].as_str().unwrap();
        assert!(
            expiration.len() == 20 && expiration.ends_with('Z') && &expiration[10..11] == "T",
            "RFC 3339: {expiration}"
        );

        let json_of = |home: &Home| -> Value {
            let run = home.run(&["credentials", "--format", "json"], &env, None);
            run.expect_code(0);
            serde_json::from_str(&run.stdout()).unwrap()
        };
        let json = json_of(&home);
        for field in [
            "accessKeyId",
            "secretAccessKey",
            "sessionToken",
            "expiresAt",
            "identityId",
        ] {
            assert!(json[field].is_string(), "{field}: {json}");
        }
        assert_eq!(json["region"], REGION);
        assert_eq!(
            json_of(&home)["identityId"],
            json["identityId"],
            "the identity id is remembered: moto's GetId would answer a new one"
        );

        let run = home.run(&["credentials", "--format", "env"], &env, None);
        run.expect_code(0);
        for line in run.stdout().lines() {
            assert!(line.starts_with("export AWS_"), "{line}");
        }
        let check = format!(
            "{}\ntest \"$AWS_SECRET_ACCESS_KEY\" = '{secret}' && test \"$AWS_SESSION_TOKEN\" = \
             '{token}' && test \"$AWS_REGION\" = {REGION} && test -n \"$AWS_ACCESS_KEY_ID\"",
            run.stdout()
        );
        let evaluated = std::process::Command::new("sh")
            .args(["-c", &check])
            .env_clear()
            .status()
            .unwrap();
        assert!(evaluated.success(), "the env lines set the variables");

        let script = format!(
            "test \"$AWS_SECRET_ACCESS_KEY\" = '{secret}' && test \"$AWS_SESSION_TOKEN\" = \
             '{token}' && test \"$AWS_REGION\" = {REGION} && test -n \"$AWS_ACCESS_KEY_ID\" \
             && test \"$AWS_ACCESS_KEY_ID\" != AKIAPARENT && test -z \"${{AWS_PROFILE:-}}\" \
             && test -n \"$AWS_CREDENTIAL_EXPIRATION\" && test -z \"${{UL_PASSWORD:-}}\" \
             && test -n \"$UL_ID_TOKEN\" && exit 7"
        );
        // The parent's AWS profile and keys, and the password ul-auth could have read, stay
        // out of the command's environment.
        let parent = with(
            &env,
            &[
                ("AWS_PROFILE", "parents-profile"),
                ("AWS_ACCESS_KEY_ID", "AKIAPARENT"),
                ("UL_PASSWORD", PASSWORD),
            ],
        );
        let run = home.run(&["exec", "--", "sh", "-c", &script], &parent, None);
        run.expect_code(7);
        for out in [run.stdout(), run.stderr()] {
            assert!(!out.contains(&secret) && !out.contains(&token));
        }
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn exec_without_identity_pool_credentials_runs_nothing_unless_no_aws_and_then_no_aws_at_all()
{
    require!(moto);
    let aws = Aws::create().await;
    tokio::task::spawn_blocking(move || {
        let (home, env) = cli_signed_in(&aws);
        let env = with(
            &env,
            &[
                (
                    "UL_IDENTITY_POOL_ID",
                    "ap-southeast-2:00000000-0000-0000-0000-000000000000",
                ),
                // What the command must not run under instead.
                ("AWS_PROFILE", "parents-profile"),
                ("AWS_ACCESS_KEY_ID", "AKIAPARENT"),
                ("AWS_SECRET_ACCESS_KEY", "parent-secret"),
                ("AWS_SESSION_TOKEN", "parent-session"),
                ("AWS_CREDENTIAL_EXPIRATION", "2099-01-01T00:00:00Z"),
            ],
        );
        let marker = home.dir.path().join("ran");
        let touch = format!("touch '{}'", marker.display());
        let run = home.run(&["exec", "--", "sh", "-c", &touch], &env, None);
        // The identity pool's failure, with its class's exit code (4: it cannot be reached).
        run.expect_code(4);
        run.expect_stderr("--no-aws")
            .expect_stderr("UL_IDENTITY_POOL_ID");
        assert!(!marker.exists(), "the command ran");

        let run = home.run(
            &[
                "exec",
                "--no-aws",
                "--",
                "sh",
                "-c",
                "env | grep '^AWS_' | grep -v '^AWS_ENDPOINT_URL='; test -n \"$UL_ID_TOKEN\" \
                 && exit 5",
            ],
            &env,
            None,
        );
        run.expect_code(5);
        assert_eq!(run.stdout(), "", "AWS variables left");
        // The identity pool was not asked: its failure is not even mentioned.
        assert!(!run.stderr().contains("identity"), "{}", run.stderr());

        let run = home.run(&["credentials"], &env, None);
        run.expect_code(4);
        assert!(
            run.stderr().contains("UL_IDENTITY_POOL_ID"),
            "{}",
            run.stderr()
        );
        assert!(run.stdout().is_empty());
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn trace_logs_of_the_credential_commands_hold_no_secret() {
    require!(moto);
    let aws = Aws::create().await;
    tokio::task::spawn_blocking(move || {
        let home = Home::new();
        let env = with(
            &aws.env(),
            &[("RUST_LOG", "trace"), ("UL_PASSWORD", PASSWORD)],
        );
        // (command, prints AWS credentials on stdout by design, run)
        let mut runs = Vec::new();
        let mut record = |name: &str, own_stdout: bool, args: &[&str]| {
            let run = home.run(args, &env, None);
            run.expect_code(0);
            runs.push((name.to_owned(), own_stdout, run.stdout(), run.stderr()));
        };
        record("login", false, &["login", "--username", PILOT]);
        record("credential-process", true, &["credentials"]);
        record("env", true, &["credentials", "--format", "env"]);
        record("json", true, &["credentials", "--format", "json"]);
        record("exec", false, &["exec", "--", "true"]);
        record(
            "exec -vv",
            false,
            &["-vv", "exec", "--", "sh", "-c", "exit 0"],
        );

        let json: Value = serde_json::from_str(&runs[3].2).unwrap();
        let aws_secrets = [
            json["secretAccessKey"].as_str().unwrap().to_owned(),
            json["sessionToken"].as_str().unwrap().to_owned(),
        ];
        let cached: Value =
            serde_json::from_slice(&std::fs::read(home.cache_file("default")).unwrap()).unwrap();
        let tokens: Vec<String> = ["id_token", "access_token", "refresh_token"]
            .iter()
            .filter_map(|k| cached["data"][k].as_str().map(str::to_owned))
            .collect();
        assert_eq!(tokens.len(), 3);
        let traced = runs.iter().filter(|r| r.3.contains("TRACE")).count();
        assert!(traced >= 5, "trace logging reached the commands ({traced})");
        let mut every_secret: Vec<String> = aws_secrets.to_vec();
        every_secret.extend(tokens.iter().cloned());
        every_secret.push(PASSWORD.to_owned());
        for (name, own_stdout, stdout, stderr) in &runs {
            for secret in &every_secret {
                assert!(
                    !stderr.contains(secret.as_str()),
                    "{name}: a secret in stderr"
                );
            }
            for secret in &tokens {
                assert!(
                    !stdout.contains(secret.as_str()),
                    "{name}: a token in stdout"
                );
            }
            if !own_stdout {
                for secret in &aws_secrets {
                    assert!(
                        !stdout.contains(secret.as_str()),
                        "{name}: AWS secret in stdout"
                    );
                }
            }
        }
    })
    .await
    .unwrap();
}

#[test]
fn help_explains_the_aws_config_recipe() {
    let home = Home::new();
    let run = home.run(&["credentials", "--help"], &[], None);
    run.expect_code(0);
    let mut help = run.stdout();
    help.push_str(&run.stderr());
    for needle in [
        "~/.aws/config",
        "credential_process = ul-auth",
        "--format credential-process",
        "ul-auth exec --",
    ] {
        assert!(help.contains(needle), "{needle}: {help}");
    }
}
