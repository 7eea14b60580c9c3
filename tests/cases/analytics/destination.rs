//! Where datasets go (`api::analytics::destination`): S3 in moto (one PutObject, multipart,
//! a failed multipart upload that leaves nothing, listings past 1,000 keys), a local directory
//! (atomic rename, no symbolic link followed), hostile keys refused by both, and the standard
//! AWS chain read from a child process's environment (`destination_env.rs`).

use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::Path;
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region};
use aws_credential_types::Credentials;
use aws_sdk_s3 as s3;
use futures_util::StreamExt as _;
use unleashlive_auth::Error;
use unleashlive_auth::api::analytics::destination::Destination;
use unleashlive_auth::aws::ObjectStore;

use crate::util::emulator::require;
use crate::util::identity::{s3_admin, unique};
use crate::util::{REGION, moto_url};

const MIB: usize = 1024 * 1024;
const KEY: &str = "device=W1/date=2024-05-01/part-00000-00001.parquet";

/// A new bucket in moto.
pub(super) async fn bucket() -> String {
    let bucket = unique("ul-dataset");
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
    bucket
}

/// An `s3://` destination in moto through explicitly configured dummy credentials.
async fn s3_destination(bucket: &str) -> Destination {
    let sdk = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .endpoint_url(moto_url())
        .credentials_provider(Credentials::new("test", "test", None, None, "tests"))
        .load()
        .await;
    let store = ObjectStore::from_sdk_config(&sdk).await.unwrap();
    Destination::open_s3_with(&format!("s3://{bucket}/datasets/detections"), store)
        .await
        .unwrap()
}

/// Bytes that are not a repeating block, so a mix-up of parts would show.
fn content(len: usize) -> Vec<u8> {
    (0..len as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect()
}

async fn object(bucket: &str, key: &str) -> Option<(Vec<u8>, String)> {
    let out = s3_admin().get_object().bucket(bucket).key(key).send().await;
    let out = match out {
        Ok(out) => out,
        Err(e) if e.as_service_error().is_some_and(|e| e.is_no_such_key()) => return None,
        Err(e) => panic!("GetObject {key}: {e:?}"),
    };
    let e_tag = out.e_tag().unwrap_or_default().to_owned();
    Some((out.body.collect().await.unwrap().to_vec(), e_tag))
}

async fn pending_uploads(bucket: &str) -> usize {
    let out = s3_admin()
        .list_multipart_uploads()
        .bucket(bucket)
        .send()
        .await
        .unwrap();
    out.uploads().len()
}

fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[tokio::test]
async fn a_small_file_goes_up_in_one_put_object_and_leaves_the_scratch_dir() {
    require!(moto);
    let bucket = bucket().await;
    let dest = s3_destination(&bucket).await;
    assert_eq!(
        dest.describe(),
        format!("s3://{bucket}/datasets/detections/")
    );
    let bytes = content(100_000);
    let file = write_file(dest.scratch_dir(), "part.tmp", &bytes);

    dest.publish(&file, KEY).await.unwrap();

    let (got, e_tag) = object(&bucket, &format!("datasets/detections/{KEY}"))
        .await
        .expect("the object");
    assert_eq!(got, bytes);
    assert!(!e_tag.contains('-'), "one PutObject, not parts: {e_tag}");
    assert!(!file.exists(), "the published file is removed");
    assert_eq!(dest.list().await.unwrap(), vec![KEY.to_owned()]);
    assert_eq!(pending_uploads(&bucket).await, 0);
}

#[tokio::test]
async fn a_12_mib_file_goes_up_in_parts_and_leaves_no_upload_behind() {
    require!(moto);
    let bucket = bucket().await;
    let dest = s3_destination(&bucket)
        .await
        .with_multipart_threshold(5 * MIB as u64);
    let bytes = content(12 * MIB);
    let file = write_file(dest.scratch_dir(), "big.tmp", &bytes);

    dest.publish(&file, KEY).await.unwrap();

    let (got, e_tag) = object(&bucket, &format!("datasets/detections/{KEY}"))
        .await
        .expect("the object");
    assert!(got == bytes, "the object's bytes differ from the file's");
    // 8 MiB parts (the default): a multipart ETag ends in the number of parts.
    assert!(e_tag.trim_matches('"').ends_with("-2"), "{e_tag}");
    assert_eq!(pending_uploads(&bucket).await, 0);
    assert!(!file.exists());
}

#[tokio::test]
async fn a_file_that_shrinks_during_a_multipart_upload_leaves_no_object_and_no_upload() {
    require!(moto);
    let bucket = bucket().await;
    let dest = s3_destination(&bucket)
        .await
        .with_multipart_threshold(5 * MIB as u64);
    let file = write_file(dest.scratch_dir(), "shrinks.tmp", &content(40 * MIB));

    let truncate = {
        let (bucket, file) = (bucket.clone(), file.clone());
        async move {
            // As soon as the upload exists, the file loses all but a byte.
            let deadline = Instant::now() + Duration::from_secs(20);
            while pending_uploads(&bucket).await == 0 {
                assert!(Instant::now() < deadline, "no multipart upload started");
            }
            std::fs::OpenOptions::new()
                .write(true)
                .open(&file)
                .unwrap()
                .set_len(1)
                .unwrap();
        }
    };
    let (published, ()) = tokio::join!(dest.publish(&file, KEY), truncate);

    let err = published.expect_err("a file that changed is not published");
    assert!(
        // Depending on when the truncation lands: while a part is read, or at the size check.
        matches!(err, Error::File { .. })
            && (err.to_string().contains("changed size")
                || err.to_string().contains("did it change?")),
        "{err:?}"
    );
    assert_eq!(
        object(&bucket, &format!("datasets/detections/{KEY}")).await,
        None
    );
    assert_eq!(pending_uploads(&bucket).await, 0, "the upload was aborted");
    assert!(dest.list().await.unwrap().is_empty());
    assert!(file.exists(), "a file that was not published stays");
}

#[tokio::test]
async fn a_multipart_upload_dropped_midway_is_aborted_in_the_background() {
    require!(moto);
    let bucket = bucket().await;
    let dest = s3_destination(&bucket)
        .await
        .with_multipart_threshold(5 * MIB as u64);
    let file = write_file(dest.scratch_dir(), "dropped.tmp", &content(40 * MIB));

    // The publish is cancelled (its future dropped) once the upload exists.
    let started = async {
        let deadline = Instant::now() + Duration::from_secs(20);
        while pending_uploads(&bucket).await == 0 {
            assert!(Instant::now() < deadline, "no multipart upload started");
        }
    };
    tokio::select! {
        published = dest.publish(&file, KEY) => panic!("finished before it was dropped: {published:?}"),
        () = started => {}
    }

    let deadline = Instant::now() + Duration::from_secs(10);
    while pending_uploads(&bucket).await > 0 {
        assert!(
            Instant::now() < deadline,
            "the dropped upload was never aborted"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        object(&bucket, &format!("datasets/detections/{KEY}")).await,
        None
    );
}

#[tokio::test]
async fn a_listing_of_more_than_1000_keys_follows_the_continuation_tokens() {
    require!(moto);
    let bucket = bucket().await;
    let dest = s3_destination(&bucket).await;
    let admin = s3_admin();
    let mut keys: Vec<String> = (0..1001)
        .map(|i| format!("device=W1/part-{i:05}"))
        .collect();
    // Outside the prefix, the prefix's name as the start of another, a folder marker.
    let others = [
        "elsewhere/part-0",
        "datasets/detections-old/part-0",
        "datasets/detections/device=W2/",
    ];
    let puts = keys
        .iter()
        .map(|k| format!("datasets/detections/{k}"))
        .chain(others.iter().map(|k| (*k).to_owned()))
        .map(|key| {
            let admin = admin.clone();
            let bucket = bucket.clone();
            async move {
                admin
                    .put_object()
                    .bucket(bucket)
                    .key(key)
                    .body(s3::primitives::ByteStream::from_static(b"x"))
                    .send()
                    .await
                    .unwrap();
            }
        });
    futures_util::stream::iter(puts)
        .buffer_unordered(16)
        .collect::<Vec<()>>()
        .await;

    let listed = dest.list().await.unwrap();
    keys.sort();
    assert_eq!(listed.len(), 1001);
    assert!(listed == keys, "the listing differs from the keys put");
}

/// `write`, `read`, `remove` (and `remove` again) on one destination.
async fn small_objects_round_trip(dest: &Destination) {
    assert_eq!(dest.read("_ul_pull.json").await.unwrap(), None);
    dest.write("_ul_pull.json", b"{\"v\":1}").await.unwrap();
    dest.write("_ul_pull.json", b"{\"v\":2}").await.unwrap();
    assert_eq!(
        dest.read("_ul_pull.json").await.unwrap().as_deref(),
        Some(&b"{\"v\":2}"[..])
    );
    dest.write("device=W1/_state.json", b"[]").await.unwrap();
    assert_eq!(
        dest.list().await.unwrap(),
        vec![
            "_ul_pull.json".to_owned(),
            "device=W1/_state.json".to_owned()
        ]
    );
    dest.remove("_ul_pull.json").await.unwrap();
    dest.remove("_ul_pull.json").await.unwrap();
    dest.remove("never/there.json").await.unwrap();
    assert_eq!(dest.read("_ul_pull.json").await.unwrap(), None);
    assert_eq!(dest.read("never/there.json").await.unwrap(), None);
}

#[tokio::test]
async fn small_objects_are_written_read_and_removed_on_s3() {
    require!(moto);
    let dest = s3_destination(&bucket().await).await;
    small_objects_round_trip(&dest).await;
}

#[tokio::test]
async fn small_objects_are_written_read_and_removed_in_a_local_dataset() {
    let dir = tempfile::tempdir().unwrap();
    let dest = Destination::open(dir.path().join("ds").to_str().unwrap())
        .await
        .unwrap();
    small_objects_round_trip(&dest).await;
    let scratch: Vec<_> = std::fs::read_dir(dest.scratch_dir()).unwrap().collect();
    assert!(scratch.is_empty(), "no temporary file is left: {scratch:?}");
}

/// Every call that takes a key refuses the hostile ones, and nothing lands outside.
async fn hostile_keys_are_refused(dest: &Destination, outside: &Path) {
    for key in ["../x", "/abs", "", "a/../../x", "a//b", ".ul-tmp/x"] {
        let file = write_file(dest.scratch_dir(), "f.tmp", b"data");
        let errors = [
            dest.publish(&file, key).await.unwrap_err(),
            dest.write(key, b"data").await.unwrap_err(),
            dest.read(key).await.unwrap_err(),
            dest.remove(key).await.unwrap_err(),
        ];
        for err in errors {
            assert!(matches!(err, Error::Config { .. }), "{key:?}: {err:?}");
            assert!(err.to_string().contains("dataset key"), "{err}");
        }
        assert!(file.exists(), "{key:?}: the file was not taken");
    }
    assert!(!outside.join("x").exists() && !Path::new("/abs").exists());
    assert!(dest.list().await.unwrap().is_empty());
}

#[tokio::test]
async fn hostile_keys_are_refused_in_a_local_dataset() {
    let dir = tempfile::tempdir().unwrap();
    let dest = Destination::open(dir.path().join("ds").to_str().unwrap())
        .await
        .unwrap();
    hostile_keys_are_refused(&dest, dir.path()).await;
}

#[tokio::test]
async fn hostile_keys_are_refused_on_s3() {
    require!(moto);
    let bucket = bucket().await;
    let dest = s3_destination(&bucket).await;
    let dir = tempfile::tempdir().unwrap();
    hostile_keys_are_refused(&dest, dir.path()).await;
    let all = s3_admin()
        .list_objects_v2()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    assert_eq!(all.key_count(), Some(0), "nothing was written anywhere");
}

#[tokio::test]
async fn a_local_publish_renames_the_finished_file_into_place() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("new/dataset");
    let dest = Destination::open(root.to_str().unwrap()).await.unwrap();
    let mode = std::fs::metadata(&root).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700, "a dataset directory made here is private");
    assert!(dest.scratch_dir().starts_with(&root), "same file system");
    let file = write_file(dest.scratch_dir(), "part.tmp", b"PAR1...PAR1");
    let inode = std::fs::metadata(&file).unwrap().ino();

    dest.publish(&file, KEY).await.unwrap();

    let placed = root.join(KEY);
    assert_eq!(std::fs::read(&placed).unwrap(), b"PAR1...PAR1");
    assert_eq!(
        std::fs::metadata(&placed).unwrap().ino(),
        inode,
        "renamed, not copied"
    );
    assert!(!file.exists());
    assert_eq!(dest.list().await.unwrap(), vec![KEY.to_owned()]);
    assert_eq!(dest.describe(), root.display().to_string());

    // Publishing again replaces the file whole.
    let again = write_file(dest.scratch_dir(), "part.tmp", b"PAR1 v2 PAR1");
    dest.publish(&again, KEY).await.unwrap();
    assert_eq!(std::fs::read(&placed).unwrap(), b"PAR1 v2 PAR1");
}

#[tokio::test]
async fn a_file_built_on_another_file_system_is_copied_in_then_renamed() {
    let dir = tempfile::tempdir().unwrap();
    let dest = Destination::open(dir.path().join("ds").to_str().unwrap())
        .await
        .unwrap();
    // /dev/shm is another file system on Linux; elsewhere this is a plain rename.
    let elsewhere =
        tempfile::tempdir_in("/dev/shm").unwrap_or_else(|_| tempfile::tempdir().unwrap());
    let file = write_file(elsewhere.path(), "part.tmp", b"from elsewhere");
    dest.publish(&file, KEY).await.unwrap();
    assert_eq!(
        std::fs::read(dir.path().join("ds").join(KEY)).unwrap(),
        b"from elsewhere"
    );
    assert!(!file.exists());
}

#[tokio::test]
async fn a_local_dataset_refuses_symbolic_links_at_the_directory_and_its_folders() {
    let dir = tempfile::tempdir().unwrap();
    let outside = dir.path().join("outside");
    std::fs::create_dir(&outside).unwrap();
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&outside, &link).unwrap();
    let err = Destination::open(link.to_str().unwrap()).await.unwrap_err();
    assert!(
        matches!(err, Error::File { .. }) && err.to_string().contains("symbolic link"),
        "{err}"
    );

    let root = dir.path().join("ds");
    let dest = Destination::open(root.to_str().unwrap()).await.unwrap();
    std::os::unix::fs::symlink(&outside, root.join("device=W2")).unwrap();
    let file = write_file(dest.scratch_dir(), "part.tmp", b"data");
    for err in [
        dest.publish(&file, "device=W2/date=2024-05-01/part-0.parquet")
            .await
            .unwrap_err(),
        dest.write("device=W2/x.json", b"data").await.unwrap_err(),
        dest.read("device=W2/x.json").await.unwrap_err(),
        dest.remove("device=W2/x.json").await.unwrap_err(),
    ] {
        assert!(
            matches!(err, Error::File { .. }) && err.to_string().contains("symbolic link"),
            "{err}"
        );
    }
    assert!(file.exists(), "the file stays where it was");
    assert_eq!(
        std::fs::read_dir(&outside).unwrap().count(),
        0,
        "nothing went through"
    );
    assert!(
        dest.list().await.unwrap().is_empty(),
        "links are not listed"
    );

    // A link at the key itself is not read through.
    std::fs::write(outside.join("secret"), b"not yours").unwrap();
    std::os::unix::fs::symlink(outside.join("secret"), root.join("_ul_pull.json")).unwrap();
    let err = dest.read("_ul_pull.json").await.unwrap_err();
    assert!(err.to_string().contains("symbolic link"), "{err}");
}

#[tokio::test]
async fn a_file_in_the_way_of_a_dataset_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(dir.path(), "plain", b"x");
    let err = Destination::open(file.to_str().unwrap()).await.unwrap_err();
    assert!(err.to_string().contains("not a directory"), "{err}");
}

#[tokio::test]
async fn a_destination_can_be_shared_across_tasks() {
    fn send_sync<T: Send + Sync>(_: &T) {}
    fn send<T: Send>(_: T) {}
    let dir = tempfile::tempdir().unwrap();
    let dest = Destination::open(dir.path().join("ds").to_str().unwrap())
        .await
        .unwrap();
    send_sync(&dest);
    // The writer runs these on spawned tasks: their futures must be Send.
    send(dest.publish(Path::new("f"), KEY));
    send(dest.list());
    send(dest.read(KEY));
    send(dest.write(KEY, b""));
    send(dest.remove(KEY));
    send(Destination::open("s3://bucket/p/"));
}

#[tokio::test]
async fn opening_s3_removes_scratch_folders_that_killed_runs_left() {
    require!(moto);
    let bucket = bucket().await;
    // No process ever has this id (Linux ids stop at 2^22).
    let stale = std::env::temp_dir().join("ul-auth-dataset-999999999-00000000deadbeef");
    std::fs::create_dir_all(&stale).unwrap();
    std::fs::write(stale.join("part.tmp"), b"half a file").unwrap();
    let alive = std::env::temp_dir().join(format!(
        "ul-auth-dataset-{}-00000000feedface",
        std::process::id()
    ));
    std::fs::create_dir_all(&alive).unwrap();

    let dest = s3_destination(&bucket).await;

    assert!(!stale.exists(), "a dead run's scratch folder is removed");
    assert!(alive.exists(), "a live process's folder is left alone");
    std::fs::remove_dir_all(&alive).unwrap();
    drop(dest);
}
