//! Typed columns equal to the JSON Lines pull row for row and type for type; hive-style
//! datasets that pyarrow reads as one table with the same rows per partition; type changes
//! named, or text with --lenient-types in every file.

use std::collections::BTreeMap;

use arrow_array::Array as _;
use arrow_array::cast::AsArray as _;
use arrow_array::types::{Float64Type, Int64Type, TimestampMillisecondType};
use arrow_schema::{DataType, TimeUnit};
use serde_json::{Value, json};

use super::{Days, HOSTILE_DEVICE, PAT, Setup, by_date, files_in, read};
use crate::util::emulator::{python_exe, require};
use crate::util::with;

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

    let failed = s.pull("W1", &by_date(&strict, &["--batch-rows", "4"]));
    let ok = s.pull(
        "W1",
        &by_date(&lenient, &["--batch-rows", "4", "--lenient-types"]),
    );

    let go_on = by_date(
        &strict,
        &["--batch-rows", "4", "--resume", "--lenient-types"],
    );
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
