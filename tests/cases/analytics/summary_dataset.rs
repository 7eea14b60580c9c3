//! `analytics summary --from-dataset` and the dataset reader: a hive-style dataset written
//! here with the parquet crate's `ArrowWriter`, every column type the reader takes, the
//! filters, and files that cannot be summarised.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::types::Int32Type;
use arrow_array::{
    ArrayRef, DictionaryArray, Float64Array, Int32Array, Int64Array, RecordBatch, StringArray,
    TimestampMicrosecondArray, TimestampMillisecondArray,
};
use parquet::arrow::ArrowWriter;
use unleashlive_auth::api::analytics::summary::dataset::{
    DatasetFilter, dataset_files, summarize_dataset,
};

use crate::util::Home;

/// 2024-05-01T00:00:00Z in Unix ms.
const MAY_1: i64 = 1_714_521_600_000;
const HOUR: i64 = 3_600_000;

fn write(path: &Path, columns: Vec<(&str, ArrayRef)>) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    let file = File::create(path).unwrap();
    let mut writer = ArrowWriter::try_new(file, batch.schema(), None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}

fn text(values: &[&str]) -> ArrayRef {
    Arc::new(StringArray::from(values.to_vec()))
}

/// Two partitions: W1 (µs timestamps, integer counts) and W2 (ISO text, float counts), and
/// things a dataset folder holds that are not data.
fn hive_dataset(root: &Path) {
    let w1 = root.join("device=W1/date=2024-05-01/part-00000.parquet");
    let micros = |ms: i64| ms * 1000;
    let times = vec![
        micros(MAY_1 + 8 * HOUR),
        micros(MAY_1 + 24 * HOUR) - 1,
        micros(MAY_1 + 12 * HOUR),
    ];
    write(
        &w1,
        vec![
            ("class_name", text(&["person", "person", "car"])),
            ("count", Arc::new(Int64Array::from(vec![3, 2, 5]))),
            (
                "timestamp",
                Arc::new(TimestampMicrosecondArray::from(times).with_timezone("UTC")),
            ),
        ],
    );
    let w2 = root.join("device=W2/date=2024-05-02/part-00000.parquet");
    write(
        &w2,
        vec![
            ("class_name", text(&["car", "car"])),
            ("count", Arc::new(Float64Array::from(vec![1.5, 2.5]))),
            (
                "timestamp",
                text(&["2024-05-02T10:00:00Z", "2024-05-03T00:00:00.000Z"]),
            ),
        ],
    );
    std::fs::write(root.join("_SUCCESS"), "").unwrap();
    std::fs::create_dir_all(root.join(".tmp")).unwrap();
    std::fs::write(root.join(".tmp/part-1.parquet"), "not parquet").unwrap();
    std::fs::create_dir_all(root.join("_temporary")).unwrap();
    std::fs::write(root.join("_temporary/part-2.parquet"), "not parquet").unwrap();
    std::fs::write(root.join("device=W1/notes.txt"), "not parquet").unwrap();
}

fn dataset_run(home: &Home, dataset: &Path, extra: &[&str]) -> crate::util::Run {
    let mut args = vec![
        "analytics",
        "summary",
        "--from-dataset",
        dataset.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    // No credential and no API: a dataset needs neither.
    home.run(
        &args,
        &[("UL_API_URL".into(), "http://127.0.0.1:9".into())],
        None,
    )
}

#[test]
fn cli_summary_of_a_hive_dataset_as_json_and_text_without_a_credential() {
    let home = Home::new();
    let root = home.dir.path().join("dataset");
    hive_dataset(&root);

    let json = dataset_run(&home, &root, &["--output", "json"]);
    json.expect_code(0);
    assert_eq!(
        json.stdout().trim_end(),
        r#"{"classes":[{"class":"car","total":9.0,"perDay":{"2024-05-01":5.0,"2024-05-02":1.5,"2024-05-03":2.5}},{"class":"person","total":5,"perDay":{"2024-05-01":5}}]}"#
    );

    let text = dataset_run(&home, &root, &[]);
    text.expect_code(0);
    assert_eq!(
        text.stdout(),
        "2024-05-01 to 2024-05-03 (UTC, 3 days), every device; one mark per day, ▁ to █ \
         scaled per class, a space for none:\n\
         car     9  █▃▄\n\
         person  5  █  \n"
    );
}

#[test]
fn cli_dataset_filters_by_device_folder_and_range() {
    let home = Home::new();
    let root = home.dir.path().join("dataset");
    hive_dataset(&root);
    let run = dataset_run(
        &home,
        &root,
        &[
            "--device",
            "W1",
            "--from",
            "2024-05-01T09:00:00Z",
            "--output",
            "json",
        ],
    );
    run.expect_code(0);
    assert_eq!(
        run.stdout().trim_end(),
        r#"{"classes":[{"class":"car","total":5,"perDay":{"2024-05-01":5}},{"class":"person","total":2,"perDay":{"2024-05-01":2}}]}"#
    );
    // The range widens the sparkline to every day asked for; one mark per day.
    let text = dataset_run(
        &home,
        &root,
        &[
            "--device",
            "W2",
            "--from",
            "2024-05-01",
            "--to",
            "2024-05-05",
        ],
    );
    text.expect_code(0);
    assert_eq!(
        text.stdout(),
        "2024-05-01 to 2024-05-04 (UTC, 4 days), device W2; one mark per day, ▁ to █ \
         scaled per class, a space for none:\n\
         car  4   ▅█ \n"
    );
}

#[test]
fn a_long_range_is_bucketed_and_says_how_many_days_a_mark_holds() {
    let home = Home::new();
    let root = home.dir.path().join("dataset");
    hive_dataset(&root);
    let run = dataset_run(
        &home,
        &root,
        &["--from", "2024-01-01", "--to", "2024-12-31"],
    );
    run.expect_code(0);
    let out = run.stdout();
    let first = out.lines().next().unwrap();
    assert!(first.contains("each mark = 5 days"), "{out}");
    let car = out.lines().find(|l| l.starts_with("car")).unwrap();
    // `car     9  ` then 365 days in marks of 5: 73 marks.
    assert_eq!(car.chars().count(), 11 + 73, "{out}");
}

/// One file at `path` with `class_name` and `timestamp` and the given `count` column (or
/// none).
fn one_file(path: &Path, count: Option<ArrayRef>) -> PathBuf {
    let mut columns = vec![
        ("class_name", text(&["a", "b"])),
        (
            "timestamp",
            Arc::new(Int64Array::from(vec![MAY_1, MAY_1])) as ArrayRef,
        ),
    ];
    if let Some(count) = count {
        columns.push(("count", count));
    }
    write(path, columns);
    path.to_owned()
}

#[test]
fn cli_refuses_bad_datasets_naming_the_file_and_what_is_wrong() {
    let home = Home::new();
    let dir = home.dir.path();
    let no_count = one_file(&dir.join("a/part-0.parquet"), None);
    let text_count = one_file(&dir.join("b/part-0.parquet"), Some(text(&["1", "x"])));
    let good = one_file(
        &dir.join("c/part-0.parquet"),
        Some(Arc::new(Int64Array::from(vec![1, 2]))),
    );
    let bytes = std::fs::read(&good).unwrap();
    std::fs::write(&good, &bytes[..bytes.len() / 2]).unwrap();
    std::fs::create_dir_all(dir.join("empty/_hidden")).unwrap();
    std::fs::write(dir.join("empty/_hidden/x.parquet"), "").unwrap();
    let cases: [(PathBuf, &[&str]); 4] = [
        (
            dir.join("a"),
            &["no `count` column", "class_name, timestamp"],
        ),
        (
            dir.join("b"),
            &["row 2: `count` is \"x\", not a finite number"],
        ),
        (dir.join("c"), &["not a readable Parquet file"]),
        (dir.join("empty"), &["no .parquet file"]),
    ];
    let files = [Some(&no_count), Some(&text_count), Some(&good), None];
    for ((dataset, needles), file) in cases.iter().zip(files) {
        let run = dataset_run(&home, dataset, &[]);
        run.expect_code(2);
        let named = file.map_or(dataset.clone(), Clone::clone);
        run.expect_stderr(named.to_str().unwrap());
        for needle in *needles {
            run.expect_stderr(needle);
        }
        assert!(run.stdout().is_empty());
    }
}

#[test]
fn the_reader_takes_ms_timestamps_int32_counts_dictionary_classes_and_a_device_id_column() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("flat.parquet");
    write(
        &file,
        vec![
            ("device_id", text(&["W1", "W2", "W1"])),
            (
                "class_name",
                Arc::new(DictionaryArray::<Int32Type>::from_iter(["a", "a", "b"])),
            ),
            ("count", Arc::new(Int32Array::from(vec![1, 10, 2]))),
            (
                "timestamp",
                Arc::new(
                    TimestampMillisecondArray::from(vec![MAY_1 - 1, MAY_1, MAY_1])
                        .with_timezone("UTC"),
                ),
            ),
        ],
    );
    assert_eq!(dataset_files(&file).unwrap(), std::slice::from_ref(&file));
    let all = summarize_dataset(&file, &DatasetFilter::default()).unwrap();
    assert_eq!(all.rows(), 3);
    let w1 = summarize_dataset(&file, &DatasetFilter::default().device("W1")).unwrap();
    assert_eq!(
        w1.to_json(),
        serde_json::json!({"classes": [
            {"class": "b", "total": 2, "perDay": {"2024-05-01": 2}},
            {"class": "a", "total": 1, "perDay": {"2024-04-30": 1}},
        ]})
    );
    let ranged = summarize_dataset(&file, &DatasetFilter::default().range(MAY_1, MAY_1)).unwrap();
    assert_eq!(ranged.rows(), 2);
}

#[test]
fn the_reader_names_a_bad_value_and_a_device_filter_it_cannot_apply() {
    let dir = tempfile::tempdir().unwrap();
    let nan = one_file(
        &dir.path().join("nan.parquet"),
        Some(Arc::new(Float64Array::from(vec![1.0, f64::NAN]))),
    );
    let err = summarize_dataset(&nan, &DatasetFilter::default()).unwrap_err();
    let err = err.to_string();
    assert!(
        err.contains("nan.parquet") && err.contains("row 2: `count` is NaN"),
        "{err}"
    );

    let plain = one_file(
        &dir.path().join("plain.parquet"),
        Some(Arc::new(Int64Array::from(vec![1, 2]))),
    );
    let err = summarize_dataset(&plain, &DatasetFilter::default().device("W1")).unwrap_err();
    assert!(
        err.to_string()
            .contains("no `device=` folder and no `device_id` column"),
        "{err}"
    );

    let bad_time = dir.path().join("time.parquet");
    write(
        &bad_time,
        vec![
            ("class_name", text(&["a"])),
            ("count", Arc::new(Int64Array::from(vec![1])) as ArrayRef),
            ("timestamp", text(&["soon"])),
        ],
    );
    let err = summarize_dataset(&bad_time, &DatasetFilter::default()).unwrap_err();
    assert!(
        err.to_string().contains("row 1: `timestamp` is \"soon\""),
        "{err}"
    );
}
