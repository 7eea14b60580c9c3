//! Stopped pulls resumed with no duplicate row and no partial or stray file, locally and in
//! moto's S3.

use arrow_array::cast::AsArray as _;
use arrow_array::types::{Int64Type, TimestampMillisecondType};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::{Days, PAT, Setup, by_date, files_in, read};
use crate::util::emulator::require;
use crate::util::with;

#[tokio::test(flavor = "multi_thread")]
async fn a_resumed_dataset_pull_has_no_duplicate_row_and_no_partial_or_stray_file() {
    let s = Setup::new(Days::new(4, 5), &[]).await;
    *s.days.failing.lock().unwrap() = Some(3);
    let dir = s.out("dataset");
    let args = by_date(&dir, &["--batch-rows", "5", "--concurrency", "1"]);

    let stopped = s.pull("W1", &args);
    // A file published after the last checkpoint (a kill between the two), and a file being
    // built: neither may survive the resume.
    let stray = dir.join("date=2024-05-03/part-00077.parquet");
    std::fs::create_dir_all(stray.parent().unwrap()).unwrap();
    std::fs::copy(&files_in(&dir).0[0], &stray).unwrap();
    let half_built = dir.join(".ul-tmp/date=2024-05-03_part-00002.parquet.tmp");
    std::fs::create_dir_all(half_built.parent().unwrap()).unwrap();
    std::fs::write(&half_built, b"PAR1 half a file").unwrap();
    let again = s.pull("W1", &args);
    *s.days.failing.lock().unwrap() = None;
    let mut resume_args = args.to_vec();
    resume_args.push("--resume");
    let resumed = s.pull("W1", &resume_args);
    let complete = s.pull("W1", &resume_args);

    stopped
        .expect_code(4)
        .expect_stderr("--resume")
        .expect_stderr("dataset");
    again.expect_code(2).expect_stderr("stopped here");
    resumed
        .expect_code(0)
        .expect_stderr("Wrote 20 rows")
        .expect_stderr("resumed");
    complete.expect_code(2).expect_stderr("complete pull");
    let (files, other) = files_in(&dir);
    assert!(other.is_empty(), "{other:?}");
    assert!(!stray.exists(), "the unlisted file is removed");
    assert!(!half_built.exists(), "the half-built file is removed");
    let mut seen = Vec::new();
    for file in &files {
        for batch in read(file) {
            let ts = batch.column_by_name("timestamp").unwrap();
            let count = batch.column_by_name("count").unwrap();
            for r in 0..batch.num_rows() {
                seen.push((
                    ts.as_primitive::<TimestampMillisecondType>().value(r),
                    count.as_primitive::<Int64Type>().value(r),
                ));
            }
        }
    }
    seen.sort_unstable();
    let before = seen.len();
    seen.dedup();
    assert_eq!((before, seen.len()), (20, 20), "every row once");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dataset_to_s3_in_moto_lists_only_complete_objects_and_resumes_without_strays() {
    require!(moto);
    let bucket = super::super::destination::bucket().await;
    let s = Setup::new(Days::new(3, 5), &[]).await;
    *s.days.failing.lock().unwrap() = Some(3);
    let target = format!("s3://{bucket}/detections/");
    let env = with(
        &[("UL_API_URL".to_owned(), s.server.uri())],
        &[
            ("UL_API_TOKEN", PAT),
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
            ("AWS_REGION", crate::util::REGION),
            ("AWS_ENDPOINT_URL", &crate::util::moto_url()),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ],
    );
    let pull = |extra: &[&str]| {
        let mut args = vec![
            "analytics",
            "pull",
            "--device",
            "W1",
            "--from",
            "2024-05-01",
            "--to",
            "2024-06-01",
            "--format",
            "parquet",
            "--partition-by",
            "date",
            "--batch-rows",
            "5",
            "--concurrency",
            "1",
            "--out",
            &target,
        ];
        args.extend_from_slice(extra);
        s.home.run(&args, &env, None)
    };
    let keys = || async {
        let listed = crate::util::identity::s3_admin()
            .list_objects_v2()
            .bucket(&bucket)
            .send()
            .await
            .unwrap();
        let mut keys: Vec<String> = listed
            .contents()
            .iter()
            .filter_map(|o| o.key().map(str::to_owned))
            .collect();
        keys.sort();
        keys
    };

    let stopped = pull(&[]);
    let after_stop = keys().await;
    // An object published after the last checkpoint (a kill between the two).
    crate::util::identity::s3_admin()
        .put_object()
        .bucket(&bucket)
        .key("detections/date=2024-05-03/part-00042.parquet")
        .body(b"not a finished file".to_vec().into())
        .send()
        .await
        .unwrap();
    *s.days.failing.lock().unwrap() = None;
    let resumed = pull(&["--resume"]);

    stopped.expect_code(4).expect_stderr("--resume");
    assert_eq!(
        after_stop,
        [
            "detections/_ul_pull.json",
            "detections/date=2024-05-01/part-00000.parquet",
            "detections/date=2024-05-02/part-00001.parquet",
        ]
    );
    resumed.expect_code(0).expect_stderr("Wrote 15 rows");
    assert_eq!(
        keys().await,
        [
            "detections/_ul_pull.json",
            "detections/date=2024-05-01/part-00000.parquet",
            "detections/date=2024-05-02/part-00001.parquet",
            "detections/date=2024-05-03/part-00002.parquet",
        ],
        "only complete objects, the stray one removed"
    );
    let object = crate::util::identity::s3_admin()
        .get_object()
        .bucket(&bucket)
        .key("detections/date=2024-05-03/part-00002.parquet")
        .send()
        .await
        .unwrap();
    let bytes = object.body.collect().await.unwrap().into_bytes();
    let rows: usize = ParquetRecordBatchReaderBuilder::try_new(bytes)
        .unwrap()
        .build()
        .unwrap()
        .map(|b| b.unwrap().num_rows())
        .sum();
    assert_eq!(rows, 5);
    let uploads = crate::util::identity::s3_admin()
        .list_multipart_uploads()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    assert!(uploads.uploads().is_empty(), "no pending upload");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pull_stopped_before_its_first_checkpointed_file_resumes_and_drops_what_went_up() {
    let s = Setup::new(Days::new(2, 3), &[]).await;
    *s.days.failing.lock().unwrap() = Some(1);
    let dir = s.out("dataset");
    let args = by_date(&dir, &[]);

    let stopped = s.pull("W1", &args);
    let checkpoint_first = dir.join("_ul_pull.json").exists();
    // A file that went up before the run was killed, with no checkpoint listing it.
    let early = dir.join("date=2024-05-01/part-00000.parquet");
    std::fs::create_dir_all(early.parent().unwrap()).unwrap();
    std::fs::write(&early, b"PAR1 not listed anywhere").unwrap();
    *s.days.failing.lock().unwrap() = None;
    let mut resume = args.to_vec();
    resume.push("--resume");
    let resumed = s.pull("W1", &resume);

    stopped.expect_code(4);
    assert!(checkpoint_first, "the checkpoint comes before any file");
    resumed.expect_code(0).expect_stderr("Wrote 6 rows");
    let rows: usize = files_in(&dir)
        .0
        .iter()
        .flat_map(|f| read(f))
        .map(|b| b.num_rows())
        .sum();
    assert_eq!(rows, 6);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_pull_into_a_dataset_being_written_is_refused_and_touches_nothing() {
    let s = Setup::new(Days::new(1, 3), &[]).await;
    let dir = s.out("dataset");
    let scratch = dir.join(".ul-tmp");
    std::fs::create_dir_all(&scratch).unwrap();
    // Another pull holds the dataset (the lock a running pull takes).
    let held = std::fs::File::create(scratch.join(".lock")).unwrap();
    held.try_lock().unwrap();
    let building = scratch.join("date=2024-05-01_part-00000.parquet.tmp");
    std::fs::write(&building, b"the other pull's file").unwrap();
    let args = by_date(&dir, &[]);

    let refused = s.pull("W1", &args);
    let left_alone = building.exists();
    drop(held);
    let after = s.pull("W1", &args);

    refused.expect_code(2).expect_stderr("another pull");
    assert!(left_alone, "the other pull's scratch file is left alone");
    after.expect_code(0).expect_stderr("Wrote 3 rows");
    assert!(
        !scratch.join(".lock").exists(),
        "the lock goes with its pull"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_symlink_at_the_parquet_partial_path_is_refused_and_nothing_is_written_through_it() {
    let s = Setup::new(Days::new(1, 3), &[]).await;
    let out = s.out("rows.parquet");
    let victim = s.out("victim.txt");
    std::fs::write(&victim, b"keep me").unwrap();
    std::os::unix::fs::symlink(&victim, s.out("rows.parquet.partial")).unwrap();

    let run = s.pull(
        "W1",
        &["--format", "parquet", "--out", out.to_str().unwrap()],
    );

    run.expect_code(2).expect_stderr("rows.parquet.partial");
    assert_eq!(std::fs::read(&victim).unwrap(), b"keep me");
    assert!(!out.exists());
}
