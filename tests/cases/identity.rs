//! Issue 6: AWS credentials from the identity pool — the library provider, `ul-auth
//! credentials` / `exec` (and the real aws CLI using them), and Media Drive uploads to S3.
#![cfg(feature = "upload")]

use std::collections::BTreeSet;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_s3::primitives::ByteStream;
use serde_json::{Value, json};
use unleashlive_auth::clock::{Clock, SystemClock};
use unleashlive_auth::cognito::AuthFlow;
use unleashlive_auth::{
    CognitoClient, CognitoRenewer, CognitoSessions, Error, ErrorClass, IdentityClient,
    IdentityCredentials, Password, Session, SessionStore, SignIn, Upload, Uploader,
};
use wiremock::matchers::{header, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::util::identity::{Aws, TestClock, aws_cli, s3_admin};
use crate::util::{Home, PASSWORD, PILOT, REGION, moto_url, with};

/// Signs the pilot in with the library and caches the session as profile `default`.
async fn signed_in(aws: &Aws, store: &SessionStore) -> Session {
    let cognito = CognitoClient::new(aws.config()).await;
    let SignIn::Done(session) = cognito
        .sign_in(AuthFlow::Password, PILOT, &Password::new(PASSWORD))
        .await
        .unwrap()
    else {
        panic!("challenge");
    };
    store.save("default", &session).unwrap();
    session
}

fn manager(aws: &Aws, store: &SessionStore) -> CognitoSessions {
    CognitoSessions::new(store.clone(), "default", CognitoRenewer::new(aws.config()))
}

#[tokio::test]
async fn a_signed_in_user_gets_aws_credentials_from_the_identity_pool() {
    let aws = Aws::create().await;
    let dir = tempfile::tempdir().unwrap();
    let store = SessionStore::new(dir.path());
    signed_in(&aws, &store).await;
    let credentials = IdentityCredentials::new(manager(&aws, &store))
        .credentials()
        .await
        .unwrap();
    assert!(!credentials.access_key_id().is_empty());
    assert!(!credentials.secret_access_key().secret().is_empty());
    assert!(!credentials.session_token().secret().is_empty());
    assert!(credentials.identity_id().contains(':'), "<region>:<uuid>");
    let left = credentials
        .expires_at()
        .duration_since(SystemClock.now())
        .unwrap();
    assert!(
        left > Duration::from_secs(60) && left <= Duration::from_secs(90),
        "moto's credentials live 90 s: {left:?}"
    );
    let shown = format!("{credentials:?}");
    assert!(!shown.contains(credentials.secret_access_key().secret()));
    assert!(!shown.contains(credentials.session_token().secret()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn credentials_are_renewed_with_a_third_of_their_life_left_once_for_all_callers() {
    let aws = Aws::create().await;
    let dir = tempfile::tempdir().unwrap();
    let store = SessionStore::new(dir.path());
    signed_in(&aws, &store).await;
    let clock = TestClock::at(SystemClock.now());
    let provider = IdentityCredentials::builder(manager(&aws, &store))
        .clock(clock.clone())
        .build();
    let first = provider.credentials().await.unwrap();
    // 55 s into a 90 s life: more than a third left, so no call.
    clock.advance(Duration::from_secs(55));
    let cached = provider.credentials().await.unwrap();
    assert_eq!(cached.expires_at(), first.expires_at());
    // 65 s: less than a third left. moto stamps each answer with its own clock, so every
    // GetCredentialsForIdentity call yields a distinct expiry.
    clock.advance(Duration::from_secs(10));
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let provider = provider.clone();
            tokio::spawn(async move { provider.credentials().await })
        })
        .collect();
    let mut expiries = BTreeSet::new();
    let mut identities = BTreeSet::new();
    for task in tasks {
        let renewed = task.await.unwrap().unwrap();
        expiries.insert(renewed.expires_at());
        identities.insert(renewed.identity_id().to_owned());
    }
    assert_eq!(expiries.len(), 1, "one renewal served all 50 callers");
    assert!(
        *expiries.first().unwrap() > first.expires_at(),
        "the renewal asked the identity pool again"
    );
    // moto answers GetId with a new random id each time: the same id means GetId was not
    // asked again.
    assert_eq!(
        identities.into_iter().collect::<Vec<_>>(),
        [first.identity_id().to_owned()]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_provider_takes_a_refreshed_id_token_from_the_session_manager() {
    let aws = Aws::create().await;
    let dir = tempfile::tempdir().unwrap();
    let store = SessionStore::new(dir.path());
    let original = signed_in(&aws, &store).await;
    // 3400 s later the hour-long session is inside the manager's 5-minute margin.
    let clock = TestClock::at(SystemClock.now());
    clock.advance(Duration::from_secs(3400));
    let sessions = manager(&aws, &store).with_clock(clock);
    IdentityCredentials::new(sessions)
        .credentials()
        .await
        .unwrap();
    let stored: Session = store.load("default").unwrap().unwrap();
    assert_ne!(
        stored.id_token(),
        original.id_token(),
        "the session was refreshed before its ID token went to the identity pool"
    );
}

/// An identity pool stand-in that answers `target` with an AWS JSON error.
fn fault(target: &str, kind: &str, message: &str) -> Mock {
    Mock::given(method("POST"))
        .and(header(
            "x-amz-target",
            format!("AWSCognitoIdentityService.{target}").as_str(),
        ))
        .respond_with(
            ResponseTemplate::new(400)
                .insert_header("content-type", "application/x-amz-json-1.1")
                .set_body_string(json!({ "__type": kind, "message": message }).to_string()),
        )
}

#[tokio::test]
async fn identity_pool_refusals_arrive_as_typed_errors_with_the_logins_map_on_the_wire() {
    let aws = Aws::create().await;
    let dir = tempfile::tempdir().unwrap();
    let store = SessionStore::new(dir.path());
    let session = signed_in(&aws, &store).await;
    let server = MockServer::start().await;
    let mut config = aws.config();
    config.endpoint_url = Some(server.uri());
    let client = IdentityClient::new(config).await;

    fault(
        "GetId",
        "ResourceNotFoundException",
        "IdentityPool 'x' not found.",
    )
    .mount(&server)
    .await;
    let err = client.credentials(&session).await.unwrap_err();
    assert!(matches!(err, Error::UnknownIdentityPool { .. }), "{err:?}");
    assert!(err.to_string().contains("identity pool"), "{err}");
    // The Logins map names the user pool and carries the ID token.
    let requests = server.received_requests().await.unwrap();
    let body: Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert_eq!(body["IdentityPoolId"], aws.identity_pool_id.as_str());
    let provider = format!("cognito-idp.{REGION}.amazonaws.com/{}", aws.pool.pool_id);
    assert_eq!(body["Logins"][&provider], session.id_token().secret());

    server.reset().await;
    Mock::given(method("POST"))
        .and(header("x-amz-target", "AWSCognitoIdentityService.GetId"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/x-amz-json-1.1")
                .set_body_string(r#"{"IdentityId":"ap-southeast-2:abc"}"#),
        )
        .mount(&server)
        .await;
    fault(
        "GetCredentialsForIdentity",
        "NotAuthorizedException",
        "Invalid login token. Token expired: 1446742058 >= 1446727732",
    )
    .mount(&server)
    .await;
    let err = client.credentials(&session).await.unwrap_err();
    assert!(matches!(err, Error::TokenExpired { .. }), "{err:?}");
    assert_eq!(err.class(), ErrorClass::Authentication);

    server.reset().await;
    fault("GetId", "TooManyRequestsException", "Rate exceeded")
        .mount(&server)
        .await;
    let err = client.credentials(&session).await.unwrap_err();
    assert!(matches!(err, Error::Throttled { .. }), "{err:?}");
    assert_eq!(err.class(), ErrorClass::Service);
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        3,
        "throttling is retried, a bounded number of times"
    );
}

#[tokio::test]
async fn an_expired_id_token_is_refused_without_asking_the_identity_pool() {
    let aws = Aws::create().await;
    let dir = tempfile::tempdir().unwrap();
    let store = SessionStore::new(dir.path());
    let session = signed_in(&aws, &store).await;
    let server = MockServer::start().await;
    let mut config = aws.config();
    config.endpoint_url = Some(server.uri());
    let clock = TestClock::at(session.expires_at());
    clock.advance(Duration::from_secs(1));
    let err = IdentityClient::with_clock(config, clock)
        .await
        .credentials(&session)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::TokenExpired { .. }), "{err:?}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

/// Everything written to it, for a capturing tracing subscriber.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

// current_thread: the capturing subscriber (thread-local) sees every event of the upload.
#[tokio::test]
async fn an_upload_lands_under_identity_uuid_name_with_metadata_content_and_progress() {
    let aws = Aws::create().await;
    let dir = tempfile::tempdir().unwrap();
    let store = SessionStore::new(dir.path().join("cache"));
    signed_in(&aws, &store).await;
    let provider = IdentityCredentials::new(manager(&aws, &store));
    let uploader = Uploader::new(&aws.config(), provider.clone()).await;
    // 3 MiB and a bit, not a repeating block: a mix-up of chunks would show.
    let content: Vec<u8> = (0..3 * 1024 * 1024 + 17u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let path = dir.path().join("DJI_0001.JPG");
    std::fs::write(&path, &content).unwrap();
    let progress = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&progress);

    let log = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer({
            let log = log.clone();
            move || log.clone()
        })
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);
    let uploaded = uploader
        .upload(
            Upload::new(&path, "team-7/folder-1")
                .on_progress(move |sent, total| seen.lock().unwrap().push((sent, total))),
        )
        .await
        .unwrap();
    drop(guard);

    let credentials = provider.credentials().await.unwrap();
    let parts: Vec<&str> = uploaded.key.split('/').collect();
    assert_eq!(parts.len(), 3, "{}", uploaded.key);
    assert_eq!(parts[0], credentials.identity_id());
    assert_eq!(parts[1].len(), 36);
    assert_eq!(&parts[1][14..15], "4", "a version-4 uuid: {}", parts[1]);
    assert_eq!(parts[2], "DJI_0001.JPG");
    assert_eq!(uploaded.bucket, aws.bucket);
    assert_eq!(uploaded.size, content.len() as u64);

    let head = s3_admin()
        .head_object()
        .bucket(&aws.bucket)
        .key(&uploaded.key)
        .send()
        .await
        .unwrap();
    let metadata = head.metadata().unwrap();
    assert_eq!(metadata["location"], "team-7/folder-1");
    assert_eq!(metadata["name"], "DJI_0001.JPG");
    assert_eq!(head.content_type(), Some("image/jpeg"));
    let object = s3_admin()
        .get_object()
        .bucket(&aws.bucket)
        .key(&uploaded.key)
        .send()
        .await
        .unwrap();
    let body = object.body.collect().await.unwrap().into_bytes();
    assert!(
        body.as_ref() == content.as_slice(),
        "the object holds the file"
    );

    // Streamed: the body went out in chunks, each reported.
    let progress = progress.lock().unwrap().clone();
    let total = content.len() as u64;
    assert!(progress.len() > 10, "{} progress calls", progress.len());
    assert!(progress.windows(2).all(|w| w[0].0 < w[1].0));
    assert!(progress.iter().all(|&(_, t)| t == total));
    assert_eq!(progress.last(), Some(&(total, total)));

    let log = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("TRACE"), "the SDK's trace output was captured");
    assert!(log.contains("PutObject"));
    assert!(!log.contains(credentials.secret_access_key().secret()));
    assert!(!log.contains(credentials.session_token().secret()));
}

#[tokio::test]
async fn uploads_refuse_missing_files_and_names_that_cannot_be_keys() {
    let aws = Aws::create().await;
    let dir = tempfile::tempdir().unwrap();
    let store = SessionStore::new(dir.path().join("cache"));
    signed_in(&aws, &store).await;
    let uploader = Uploader::new(
        &aws.config(),
        IdentityCredentials::new(manager(&aws, &store)),
    )
    .await;
    let missing = uploader
        .upload(Upload::new(dir.path().join("nope.jpg"), "x"))
        .await
        .unwrap_err();
    assert!(matches!(missing, Error::File { .. }), "{missing:?}");
    assert_eq!(missing.class(), ErrorClass::Usage);
    let file = dir.path().join("a.txt");
    std::fs::write(&file, "hello").unwrap();
    for name in ["", "../escape", "a/b"] {
        let err = uploader
            .upload(Upload::new(&file, "x").name(name))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::File { .. }), "{name:?}: {err:?}");
    }
    let err = uploader
        .upload(Upload::new(dir.path(), "x"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not a regular file"), "{err}");
}

/// `ul-auth` signed in against `aws`, in a fresh home.
fn cli_signed_in(aws: &Aws) -> (Home, Vec<(String, String)>) {
    let home = Home::new();
    let env = aws.env();
    home.run(
        &["login", "--username", PILOT],
        &with(&env, &[("UL_PASSWORD", PASSWORD)]),
        None,
    )
    .expect_code(0);
    (home, env)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_aws_cli_signs_s3_calls_with_ul_auth_as_its_credential_process() {
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
