//! Media Drive uploads to S3 (moto) with the identity-pool credentials.

use std::sync::{Arc, Mutex};

use serde_json::json;
use unleashlive_auth::api::media_drive::MediaDrive;
use unleashlive_auth::cognito::AuthFlow;
use unleashlive_auth::{
    Auth, CognitoRenewer, CognitoSessions, Error, ErrorClass, IdentityCredentials, SessionStore,
    Upload, Uploader,
};

use super::manager;
use crate::util::emulator::require;
use crate::util::identity::{Aws, s3_admin};
use crate::util::mediadrive::{MediaDriveStandIn, folder as md_folder};
use crate::util::session::signed_in;
use crate::util::unleash::fast_http;
use crate::util::{PASSWORD, PILOT};

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
    require!(moto);
    let aws = Aws::create().await;
    let dir = tempfile::tempdir().unwrap();
    let store = SessionStore::new(dir.path().join("cache"));
    signed_in(aws.config(), AuthFlow::Password, &store).await;
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
    require!(moto);
    let aws = Aws::create().await;
    let dir = tempfile::tempdir().unwrap();
    let store = SessionStore::new(dir.path().join("cache"));
    signed_in(aws.config(), AuthFlow::Password, &store).await;
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

#[cfg(feature = "upload")]
#[tokio::test(flavor = "multi_thread")]
async fn an_upload_of_17_mib_lands_in_s3_under_identity_uuid_name_with_the_folder_location() {
    require!(moto, python);
    use crate::util::identity::{Aws, s3_admin};
    use unleashlive_auth::cognito::AuthFlow;
    use unleashlive_auth::{CognitoClient, IdentityCredentials, Password, SignIn, Uploader};

    let aws = Aws::create().await;
    let dir = tempfile::tempdir().unwrap();
    let store = SessionStore::new(dir.path().join("cache"));
    let cognito = CognitoClient::new(aws.config()).await;
    let SignIn::Done(session) = cognito
        .sign_in(AuthFlow::Password, PILOT, &Password::new(PASSWORD))
        .await
        .unwrap()
    else {
        panic!("challenge")
    };
    store.save("default", &session).unwrap();
    let sessions = CognitoSessions::new(store, "default", CognitoRenewer::new(aws.config()));
    let md = MediaDriveStandIn::start();
    md.control(json!({"items": [md_folder("folder-9", "team-7/root")],
                      "accept": [session.id_token().secret()]}))
        .await;
    let mut settings = aws.settings();
    settings.graphql_url = Some(md.graphql_url());
    let drive = MediaDrive::new(
        fast_http(),
        Auth::Cognito(sessions.clone()),
        &settings.resolve().unwrap(),
    );
    let uploader = Uploader::new(&aws.config(), IdentityCredentials::new(sessions)).await;
    let folder = drive.get("folder-9").await.unwrap().unwrap();
    assert_eq!(md.executed_requests().await.len(), 1);
    let content: Vec<u8> = (0..17 * 1024 * 1024 + 3u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
        .collect();
    let file = dir.path().join("big survey.tif");
    std::fs::write(&file, &content).unwrap();

    let done = drive.upload(&uploader, &folder, &file, None).await.unwrap();

    let parts: Vec<&str> = done.key.split('/').collect();
    assert_eq!(parts.len(), 3, "{}", done.key);
    assert_eq!(parts[1].len(), 36);
    assert_eq!(parts[2], "big survey.tif");
    let object = s3_admin()
        .get_object()
        .bucket(&aws.bucket)
        .key(&done.key)
        .send()
        .await
        .unwrap();
    let metadata = object.metadata().unwrap().clone();
    assert_eq!(metadata["location"], "team-7/root/folder-9");
    assert_eq!(metadata["name"], "big survey.tif");
    let bytes = object.body.collect().await.unwrap().into_bytes();
    assert!(bytes.as_ref() == content.as_slice(), "the bytes differ");
}
