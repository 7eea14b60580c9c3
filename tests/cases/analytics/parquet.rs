//! `ul-auth analytics pull --format parquet`: typed columns equal to the JSON Lines pull row
//! for row and type for type; hive-style datasets that pyarrow reads as one table with the
//! same rows per partition; type changes named (or text with --lenient-types, in every file);
//! a resume after a failure with no duplicate row and no partial or stray file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use arrow_array::cast::AsArray as _;
use arrow_array::types::{Float64Type, Int64Type, TimestampMillisecondType};
use arrow_array::{Array as _, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use super::PAT;
use crate::util::emulator::{python_exe, require};
use crate::util::{Home, Run, with};

const KEYS: [&str; 6] = [
    "class_name",
    "count",
    "score",
    "ok",
    "device_id",
    "timestamp",
];
const HOSTILE_DEVICE: &str = "W2/../x";

/// Row `i` of `page`: each page is one UTC day (2024-05-01 + page - 1).
fn row(device: &str, page: u64, i: usize) -> Vec<Value> {
    vec![
        json!(if i.is_multiple_of(2) { "car" } else { "bus" }),
        json!(i),
        json!(i as f64 + 0.5),
        json!(i.is_multiple_of(3)),
        json!(device),
        json!(format!("2024-05-{:02}T10:00:{:02}.250Z", page, i % 60)),
    ]
}

/// Pages of `rows` rows, `total` per device; a page that fails (500) while set; one value
/// replaced (page, row, column) to change a column's type.
#[derive(Clone)]
struct Days {
    total: u64,
    rows: usize,
    failing: Arc<Mutex<Option<u64>>>,
    replace: Option<(u64, usize, usize, Value)>,
}

impl Days {
    fn new(total: u64, rows: usize) -> Days {
        Days {
            total,
            rows,
            failing: Arc::default(),
            replace: None,
        }
    }

    fn rows_of(&self, device: &str, page: u64) -> Vec<Vec<Value>> {
        (0..self.rows)
            .map(|i| {
                let mut row = row(device, page, i);
                if let Some((p, r, c, value)) = &self.replace
                    && (*p, *r) == (page, i)
                {
                    row[*c] = value.clone();
                }
                row
            })
            .collect()
    }
}

impl Respond for Days {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let parts: Vec<String> = request
            .url
            .path_segments()
            .unwrap()
            .map(percent_decode)
            .collect();
        let (device, page) = (&parts[2], parts[5].parse::<u64>().unwrap());
        if *self.failing.lock().unwrap() == Some(page) {
            return ResponseTemplate::new(500).set_body_string("boom");
        }
        ResponseTemplate::new(200).set_body_json(json!({
            "keys": KEYS, "data": self.rows_of(device, page), "total_num_pages": self.total
        }))
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

struct Setup {
    server: MockServer,
    home: Home,
    days: Days,
}

impl Setup {
    async fn new(days: Days, devices: &[&str]) -> Setup {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/v1/analytics/devices"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!(devices)))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path_regex(r"^/v1/analytics/[^/]+/\d+/\d+/\d+$"))
            .respond_with(days.clone())
            .mount(&server)
            .await;
        Setup {
            server,
            home: Home::new(),
            days,
        }
    }

    fn out(&self, name: &str) -> PathBuf {
        self.home.dir.path().join(name)
    }

    fn pull(&self, device: &str, extra: &[&str]) -> Run {
        let env = with(
            &[("UL_API_URL".to_owned(), self.server.uri())],
            &[("UL_API_TOKEN", PAT)],
        );
        let mut args = vec![
            "analytics",
            "pull",
            "--device",
            device,
            "--from",
            "2024-05-01",
            "--to",
            "2024-06-01",
        ];
        args.extend_from_slice(extra);
        self.home.run(&args, &env, None)
    }
}

/// Every record batch of the Parquet file at `file`.
fn read(file: &Path) -> Vec<RecordBatch> {
    let file = std::fs::File::open(file).unwrap();
    ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// Every `.parquet` file under `dir`, sorted, and every other file (not the checkpoint).
fn files_in(dir: &Path) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let mut parquet = Vec::new();
    let mut other = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "parquet") {
                parquet.push(p);
            } else if p.file_name().unwrap() != "_ul_pull.json" {
                other.push(p);
            }
        }
    }
    parquet.sort();
    (parquet, other)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_parquet_pull_reads_back_equal_to_the_json_lines_pull_row_for_row_and_type_for_type() {
    let s = Setup::new(Days::new(3, 7), &[]).await;
    let (jsonl, parquet) = (s.out("rows.jsonl"), s.out("rows.parquet"));

    let lines = s.pull(
        "W1",
        &["--format", "jsonl", "--out", jsonl.to_str().unwrap()],
    );
    let typed = s.pull(
        "W1",
        &[
            "--format",
            "parquet",
            "--batch-rows",
            "4",
            "--out",
            parquet.to_str().unwrap(),
        ],
    );

    lines.expect_code(0);
    typed.expect_code(0);
    let expected: Vec<Value> = std::fs::read_to_string(&jsonl)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(expected.len(), 21);
    let batches = read(&parquet);
    let schema = batches[0].schema();
    let types: Vec<&DataType> = schema.fields().iter().map(|f| f.data_type()).collect();
    let ms_utc = DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into()));
    assert_eq!(
        types,
        [
            &DataType::Utf8,
            &DataType::Int64,
            &DataType::Float64,
            &DataType::Boolean,
            &DataType::Utf8,
            &ms_utc
        ]
    );
    let mut n = 0;
    for batch in &batches {
        for r in 0..batch.num_rows() {
            let want = &expected[n];
            let col = |name: &str| batch.column_by_name(name).unwrap();
            assert_eq!(
                col("class_name").as_string::<i32>().value(r),
                want["class_name"]
            );
            assert_eq!(
                col("count").as_primitive::<Int64Type>().value(r),
                want["count"].as_i64().unwrap()
            );
            assert_eq!(
                col("score").as_primitive::<Float64Type>().value(r),
                want["score"].as_f64().unwrap()
            );
            assert_eq!(
                col("ok").as_boolean().value(r),
                want["ok"].as_bool().unwrap()
            );
            assert_eq!(
                col("device_id").as_string::<i32>().value(r),
                want["device_id"]
            );
            let ms = col("timestamp")
                .as_primitive::<TimestampMillisecondType>()
                .value(r);
            let iso = want["timestamp"].as_str().unwrap();
            assert_eq!(
                Some(ms),
                unleashlive_auth::clock::parse_rfc3339_ms(iso),
                "{iso}"
            );
            n += 1;
        }
    }
    assert_eq!(n, expected.len(), "row for row");
    assert!(!s.out("rows.parquet.partial").exists());
    assert!(!s.out("rows.parquet.partial.d").exists(), "staging removed");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dataset_partitioned_by_device_and_date_counts_the_same_rows_per_partition_in_pyarrow() {
    require!(python);
    let s = Setup::new(Days::new(3, 5), &["W1", HOSTILE_DEVICE]).await;
    let dir = s.out("dataset");

    let run = s.pull(
        "all",
        &[
            "--format",
            "parquet",
            "--partition-by",
            "device,date",
            "--batch-rows",
            "6",
            "--out",
            dir.to_str().unwrap(),
        ],
    );

    run.expect_code(0).expect_stderr("Wrote 30 rows");
    let (parquet, other) = files_in(&dir);
    assert!(other.is_empty(), "only complete Parquet files: {other:?}");
    assert!(
        parquet.iter().all(|p| p.starts_with(dir.join("device=W1"))
            || p.starts_with(dir.join("device=W2%2F..%2Fx"))),
        "{parquet:?}"
    );
    let script = r#"
import json, sys
import pyarrow.dataset as ds
table = ds.dataset(sys.argv[1], format="parquet", partitioning="hive").to_table()
counts = {}
for device, date in zip(table.column("device").to_pylist(), table.column("date").to_pylist()):
    key = f"{device}|{date}"
    counts[key] = counts.get(key, 0) + 1
print(json.dumps({"rows": table.num_rows, "counts": counts,
                  "count_type": str(table.schema.field("count").type),
                  "ts_type": str(table.schema.field("timestamp").type)}))
"#;
    let out = std::process::Command::new(python_exe())
        .args(["-c", script, dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut want = BTreeMap::new();
    for device in ["W1", HOSTILE_DEVICE] {
        for page in 1..=3u64 {
            want.insert(format!("{device}|2024-05-{page:02}"), json!(5));
        }
    }
    assert_eq!(seen["rows"], 30);
    // The summary reads the dataset back to the same numbers as from the pages.
    let env = with(
        &[("UL_API_URL".to_owned(), s.server.uri())],
        &[("UL_API_TOKEN", PAT)],
    );
    let summary = |args: &[&str]| {
        let mut all = vec!["--output", "json", "analytics", "summary"];
        all.extend_from_slice(args);
        let run = s.home.run(&all, &env, None);
        run.expect_code(0);
        serde_json::from_str::<Value>(&run.stdout()).unwrap()
    };
    let from_dataset = summary(&["--from-dataset", dir.to_str().unwrap()]);
    let from_pages = summary(&[
        "--device",
        "all",
        "--from",
        "2024-05-01",
        "--to",
        "2024-06-01",
    ]);
    assert_eq!(from_dataset, from_pages);
    // Cars are the even rows 0, 2, 4 of each page: 6 a page, 3 pages, 2 devices.
    assert_eq!(from_pages["classes"][0]["total"], json!(36));
    assert_eq!(seen["counts"], json!(want));
    assert_eq!(seen["count_type"], "int64");
    assert_eq!(seen["ts_type"], "timestamp[ms, tz=UTC]");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_type_change_mid_pull_names_the_column_and_page_unless_lenient_then_text_in_every_file() {
    let mut days = Days::new(3, 4);
    days.replace = Some((2, 1, 1, json!("many")));
    let s = Setup::new(days, &[]).await;
    let (strict, lenient) = (s.out("strict"), s.out("lenient"));

    let failed = s.pull(
        "W1",
        &[
            "--format",
            "parquet",
            "--partition-by",
            "date",
            "--batch-rows",
            "4",
            "--out",
            strict.to_str().unwrap(),
        ],
    );
    let ok = s.pull(
        "W1",
        &[
            "--format",
            "parquet",
            "--partition-by",
            "date",
            "--batch-rows",
            "4",
            "--lenient-types",
            "--out",
            lenient.to_str().unwrap(),
        ],
    );

    let strict_args = [
        "--format",
        "parquet",
        "--partition-by",
        "date",
        "--batch-rows",
        "4",
        "--out",
        strict.to_str().unwrap(),
    ];
    let mut go_on = strict_args.to_vec();
    go_on.extend(["--resume", "--lenient-types"]);
    let resumed = s.pull("W1", &go_on);

    failed
        .expect_code(4)
        .expect_stderr("column `count`")
        .expect_stderr("page 2 of W1")
        .expect_stderr("\"many\"")
        .expect_stderr("--resume --lenient-types");
    resumed.expect_code(0).expect_stderr("Wrote 12 rows");
    let (strict_files, _) = files_in(&strict);
    for file in &strict_files {
        let batch = &read(file)[0];
        assert_eq!(
            batch.column_by_name("count").unwrap().data_type(),
            &DataType::Utf8
        );
    }
    ok.expect_code(0);
    let (files, _) = files_in(&lenient);
    assert_eq!(files.len(), 3, "{files:?}");
    let mut counts = Vec::new();
    for file in &files {
        for batch in read(file) {
            let count = batch.column_by_name("count").unwrap();
            assert_eq!(count.data_type(), &DataType::Utf8, "{file:?}: one schema");
            let texts = count.as_string::<i32>();
            counts.extend((0..texts.len()).map(|i| texts.value(i).to_owned()));
        }
    }
    assert_eq!(
        counts,
        [
            "0", "1", "2", "3", "0", "many", "2", "3", "0", "1", "2", "3"
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_resumed_dataset_pull_has_no_duplicate_row_and_no_partial_or_stray_file() {
    let s = Setup::new(Days::new(4, 5), &[]).await;
    *s.days.failing.lock().unwrap() = Some(3);
    let dir = s.out("dataset");
    let args = [
        "--format",
        "parquet",
        "--partition-by",
        "date",
        "--batch-rows",
        "5",
        "--concurrency",
        "1",
        "--out",
        dir.to_str().unwrap(),
    ];

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
    let bucket = super::destination::bucket().await;
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
    let args = [
        "--format",
        "parquet",
        "--partition-by",
        "date",
        "--out",
        dir.to_str().unwrap(),
    ];

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
