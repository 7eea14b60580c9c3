//! Analytics and personal access tokens: the library and `ul-auth pat` / `analytics`; where
//! datasets go (a local directory, S3).

mod cli;
mod destination;
mod destination_env;
mod library;
#[cfg(feature = "parquet")]
mod parquet;
mod summary;
mod summary_dataset;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use unleashlive_auth::api::analytics::Analytics;
use unleashlive_auth::api::analytics::pull::{Devices, Format, PullSpec};
use unleashlive_auth::{Auth, PersonalAccessToken, Settings};
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::util::unleash::fast_http;

pub(crate) const KEYS: [&str; 5] = ["class_name", "count", "device_id", "frame_number", "note"];

pub(crate) const PAT: &str = "ul_pat_T0psecretT0psecret9Qz7";

/// The values of row `i` of `page`: some notes hold commas, quotes and line breaks.
pub(crate) fn row(device: &str, page: u64, i: usize) -> Vec<Value> {
    let note = match i % 3 {
        0 => "plain".to_owned(),
        1 => format!("a, b {page}"),
        _ => "say \"hi\"\nbye".to_owned(),
    };
    vec![
        json!(format!("class-{page}")),
        json!(i),
        json!(device),
        json!(page * 100 + i as u64),
        json!(note),
    ]
}

/// Generated pages of `rows` rows, `total` pages per device; per-page delays and failures.
#[derive(Clone)]
pub(crate) struct Pages {
    pub(crate) total: u64,
    pub(crate) rows: usize,
    pub(crate) delays: HashMap<u64, Duration>,
    /// Failures (HTTP 500) still to give per page; `u32::MAX` = until changed.
    pub(crate) failures: Arc<Mutex<HashMap<u64, u32>>>,
    /// A page answered with other keys.
    pub(crate) other_keys: Option<u64>,
}

impl Pages {
    pub(crate) fn new(total: u64, rows: usize) -> Self {
        Pages {
            total,
            rows,
            delays: HashMap::new(),
            failures: Arc::default(),
            other_keys: None,
        }
    }

    pub(crate) async fn mount(self, server: &MockServer) -> Self {
        Mock::given(method("GET"))
            .and(path_regex(r"^/v1/analytics/[^/]+/\d+/\d+/\d+$"))
            .respond_with(self.clone())
            .mount(server)
            .await;
        self
    }

    pub(crate) fn fail(&self, page: u64, times: u32) {
        self.failures.lock().unwrap().insert(page, times);
    }
}

impl Respond for Pages {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let parts: Vec<&str> = request.url.path().split('/').collect();
        let (device, page) = (parts[3].to_owned(), parts[6].parse::<u64>().unwrap());
        if let Some(left) = self.failures.lock().unwrap().get_mut(&page)
            && *left > 0
        {
            *left = left.saturating_sub(u32::from(*left != u32::MAX));
            return ResponseTemplate::new(500).set_body_string("boom");
        }
        let keys: Vec<&str> = if self.other_keys == Some(page) {
            vec!["renamed"; KEYS.len()]
        } else {
            KEYS.to_vec()
        };
        let data: Vec<Vec<Value>> = (0..self.rows).map(|i| row(&device, page, i)).collect();
        let body = json!({"keys": keys, "data": data, "total_num_pages": self.total});
        ResponseTemplate::new(200)
            .set_body_json(body)
            .set_delay(self.delays.get(&page).copied().unwrap_or_default())
    }
}

/// A CSV field written independently of the crate's writer.
pub(crate) fn field(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// The CSV of pages 1..=total of each device, in order, with one header.
pub(crate) fn expected_csv(devices: &[&str], total: u64, rows: usize) -> String {
    let mut out = format!("{}\n", KEYS.join(","));
    for device in devices {
        for page in 1..=total {
            for i in 0..rows {
                let line: Vec<String> = row(device, page, i).iter().map(field).collect();
                out.push_str(&line.join(","));
                out.push('\n');
            }
        }
    }
    out
}

pub(crate) fn client(server: &MockServer, auth: Auth) -> Analytics {
    let config = Settings::default().api_url(server.uri()).resolve().unwrap();
    Analytics::new(fast_http(), auth, &config)
}

pub(crate) fn pat() -> Auth {
    Auth::Pat(PersonalAccessToken::new(PAT))
}

pub(crate) fn spec(device: &str, format: Format, concurrency: usize) -> PullSpec {
    PullSpec {
        devices: Devices::List(vec![device.to_owned()]),
        from_ms: 1_000,
        to_ms: 2_000,
        format,
        concurrency,
    }
}

pub(crate) async fn data_pages_requested(server: &MockServer) -> Vec<u64> {
    let requests = server.received_requests().await.unwrap();
    requests
        .iter()
        .filter_map(|r| r.url.path().rsplit('/').next()?.parse().ok())
        .collect()
}
