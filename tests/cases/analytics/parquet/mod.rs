//! `ul-auth analytics pull --format parquet` against generated pages: typed columns and
//! datasets (`types.rs`), stops and resumes, locally and in moto's S3 (`resume.rs`).

mod resume;
mod types;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use arrow_array::RecordBatch;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub(super) use super::PAT;
use crate::util::{Home, Run, with};

pub(super) const KEYS: [&str; 6] = [
    "class_name",
    "count",
    "score",
    "ok",
    "device_id",
    "timestamp",
];
pub(super) const HOSTILE_DEVICE: &str = "W2/../x";

/// Row `i` of `page`: each page is one UTC day (2024-05-01 + page - 1).
pub(super) fn row(device: &str, page: u64, i: usize) -> Vec<Value> {
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
pub(super) struct Days {
    pub(super) total: u64,
    pub(super) rows: usize,
    pub(super) failing: Arc<Mutex<Option<u64>>>,
    pub(super) replace: Option<(u64, usize, usize, Value)>,
}

impl Days {
    pub(super) fn new(total: u64, rows: usize) -> Days {
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

pub(super) fn percent_decode(s: &str) -> String {
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

pub(super) struct Setup {
    pub(super) server: MockServer,
    pub(super) home: Home,
    pub(super) days: Days,
}

impl Setup {
    pub(super) async fn new(days: Days, devices: &[&str]) -> Setup {
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

    pub(super) fn out(&self, name: &str) -> PathBuf {
        self.home.dir.path().join(name)
    }

    pub(super) fn pull(&self, device: &str, extra: &[&str]) -> Run {
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
/// The flags of a Parquet pull into a dataset partitioned by date at `dir`, with `extra`
/// before `--out`.
pub(super) fn by_date<'a>(dir: &'a Path, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["--format", "parquet", "--partition-by", "date"];
    args.extend_from_slice(extra);
    args.extend(["--out", dir.to_str().unwrap()]);
    args
}

pub(super) fn read(file: &Path) -> Vec<RecordBatch> {
    let file = std::fs::File::open(file).unwrap();
    ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// Every `.parquet` file under `dir`, sorted, and every other file (not the checkpoint).
pub(super) fn files_in(dir: &Path) -> (Vec<PathBuf>, Vec<PathBuf>) {
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
