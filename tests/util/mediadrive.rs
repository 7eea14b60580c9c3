//! The Media Drive GraphQL stand-in (`tests/standins/mediadrive.py`): a local server that
//! parses, validates and executes every document against a schema (`tests/data/*.graphql`)
//! with graphql-core, as AppSync does, over an in-memory item store.
//!
//! One server per test: [`MediaDriveStandIn::start`] runs it with the Python in `$PYTHON`
//! (what `scripts/test` exports) or `python3`, and keeps a pipe to its stdin; the server exits
//! when that pipe closes, so even a test process that dies leaves nothing running. Dropping
//! the harness kills it.
//!
//! Control (no auth): `POST /_control` with any of `accept`, `items`, `last_token`,
//! `repeat_token`, `fail_after_mutation`, `drop_after_mutation`, `fail_status` (see the
//! script's `State.apply` and [`MediaDriveStandIn::control`]); `GET /_requests`, `GET /_items`,
//! `POST /_reset`.

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader, Read as _};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

/// The mime type of folders.
pub const FOLDER_MIME_TYPE: &str = "application/vnd.unleashlive.folder";

/// How long [`MediaDriveStandIn::start`] waits for the `PORT` line.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// A running stand-in; killed on drop.
#[derive(Debug)]
pub struct MediaDriveStandIn {
    child: Child,
    /// The pipe whose end of file stops the server.
    stdin: Option<ChildStdin>,
    port: u16,
    /// Collects the server's stderr until it exits.
    stderr: Option<JoinHandle<String>>,
    http: reqwest::Client,
}

/// One `/graphql` request as the stand-in recorded it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// The request target as sent (path and query).
    pub path: String,
    /// Lower-case header names; repeated headers joined with `, `.
    pub headers: BTreeMap<String, String>,
    /// The body parsed as JSON; `Null` when it is not JSON.
    pub body: Value,
    /// The body as received.
    pub raw_body: String,
    /// `unauthorized`, `malformed`, `syntax-error`, `invalid`, `executed` or `failed-status`.
    pub outcome: String,
    /// `query` or `mutation` once the document named one; `None` before that.
    pub operation: Option<String>,
    /// The HTTP status answered; `None` when the connection was dropped unanswered.
    pub status: Option<u16>,
}

impl Recorded {
    /// The GraphQL document (`body["query"]`; empty when there is none).
    pub fn query(&self) -> &str {
        self.body["query"].as_str().unwrap_or("")
    }

    /// The `variables` sent (`Null` when none).
    pub fn variables(&self) -> &Value {
        &self.body["variables"]
    }
}

impl MediaDriveStandIn {
    /// The stand-in with the known schema (`tests/data/mediadrive.graphql`), introspection on.
    pub fn start() -> Self {
        Self::start_with("mediadrive.graphql", true)
    }

    /// The stand-in with the schema `tests/data/<schema>`; `introspection: false` refuses
    /// `__schema` and `__type` as a validation error.
    ///
    /// Panics with the server's stderr when it exits or stays silent for 20 s.
    pub fn start_with(schema: &str, introspection: bool) -> Self {
        let root = env!("CARGO_MANIFEST_DIR");
        let python = super::emulator::python_exe();
        let mut cmd = Command::new(&python);
        cmd.arg(format!("{root}/tests/standins/mediadrive.py"))
            .arg("--schema")
            .arg(format!("{root}/tests/data/{schema}"));
        if !introspection {
            cmd.arg("--no-introspection");
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {python} for the Media Drive stand-in: {e}"));
        let stdin = child.stdin.take();
        let mut err_pipe = child.stderr.take().expect("stderr pipe");
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = err_pipe.read_to_string(&mut text);
            text
        });
        let stdout = child.stdout.take().expect("stdout pipe");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(line)) = lines.next() {
                let _ = tx.send(line);
            }
            // Keep the pipe drained until the server exits.
            for _ in lines {}
        });
        let mut standin = MediaDriveStandIn {
            child,
            stdin,
            port: 0,
            stderr: Some(stderr),
            http: reqwest::Client::new(),
        };
        let line = match rx.recv_timeout(START_TIMEOUT) {
            Ok(line) => line,
            Err(mpsc::RecvTimeoutError::Timeout) => standin.fail("printed no PORT line in 20 s"),
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                standin.fail("exited before printing its PORT line")
            }
        };
        standin.port = line
            .strip_prefix("PORT ")
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| standin.fail(&format!("printed {line:?}, not `PORT <n>`")));
        standin
    }

    /// Kills the server and panics with what it wrote on stderr.
    fn fail(&mut self, what: &str) -> ! {
        let _ = self.child.kill();
        let status = self.child.wait();
        let stderr = self
            .stderr
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default();
        panic!("the Media Drive stand-in {what} ({status:?}); its stderr:\n{stderr}")
    }

    /// Its port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `{base}/graphql`, the API endpoint.
    pub fn graphql_url(&self) -> String {
        format!("{}/graphql", self.base_url())
    }

    /// `POST /_control` with these settings; panics unless the server took them all.
    ///
    /// - `accept`: the `authorization` values let in (until set, any non-empty one is);
    /// - `items`: the item store, replaced (objects with a string `id`);
    /// - `last_token`: `"all-null"` (default: the last page's `nextToken` has every field
    ///   null) or `"null"` (it is null);
    /// - `repeat_token`: every page answers the first cursor issued;
    /// - `fail_after_mutation`: HTTP status: the next mutation is executed and committed,
    ///   then answered with that status and a short text body (once);
    /// - `drop_after_mutation`: the next mutation is executed, then the connection is closed
    ///   without an answer (once);
    /// - `fail_status`: every `/graphql` request is answered with this status and
    ///   `{"message":"upstream failure"}` before anything is checked; `null` stops it.
    pub async fn control(&self, settings: Value) {
        let response = self
            .http
            .post(format!("{}/_control", self.base_url()))
            .header("content-type", "application/json")
            .body(settings.to_string())
            .send()
            .await
            .expect("POST /_control");
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        assert!(
            status.is_success(),
            "/_control refused {settings}: {status} {text}"
        );
    }

    /// `POST /_reset`: empty store, default settings, no recorded requests.
    pub async fn reset(&self) {
        let response = self
            .http
            .post(format!("{}/_reset", self.base_url()))
            .send()
            .await
            .expect("POST /_reset");
        assert!(
            response.status().is_success(),
            "/_reset: {}",
            response.status()
        );
    }

    async fn get_json(&self, path: &str) -> Value {
        let response = self
            .http
            .get(format!("{}{path}", self.base_url()))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        assert!(
            response.status().is_success(),
            "GET {path}: {}",
            response.status()
        );
        let text = response.text().await.expect("body");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("GET {path}: {e}: {text}"))
    }

    /// Every `/graphql` request so far, in order.
    pub async fn requests(&self) -> Vec<Recorded> {
        let Value::Array(list) = self.get_json("/_requests").await else {
            panic!("/_requests is not a list");
        };
        list.iter().map(recorded).collect()
    }

    /// Every `/graphql` request so far, after checking that the stand-in executed each one:
    /// none was refused as `invalid` (or unauthorized, malformed, a syntax error).
    pub async fn executed_requests(&self) -> Vec<Recorded> {
        let requests = self.requests().await;
        for (i, r) in requests.iter().enumerate() {
            assert_eq!(
                r.outcome, "executed",
                "request {i} was not executed: {}",
                r.raw_body
            );
        }
        requests
    }

    /// How many mutations reached it (executed or not).
    pub async fn mutation_count(&self) -> usize {
        self.requests()
            .await
            .iter()
            .filter(|r| r.operation.as_deref() == Some("mutation"))
            .count()
    }

    /// The item store, in insertion order.
    pub async fn items(&self) -> Vec<Value> {
        let Value::Array(list) = self.get_json("/_items").await else {
            panic!("/_items is not a list");
        };
        list
    }

    /// The stored item with this id, if any.
    pub async fn stored(&self, id: &str) -> Option<Value> {
        self.items().await.into_iter().find(|i| i["id"] == id)
    }

    /// Closes the server's stdin and waits up to `timeout` for it to exit by itself: its exit
    /// status, or `None` when it was still running (it is then killed on drop).
    pub fn close_stdin_and_wait(mut self, timeout: Duration) -> Option<ExitStatus> {
        drop(self.stdin.take());
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for MediaDriveStandIn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        drop(self.stdin.take());
    }
}

fn recorded(v: &Value) -> Recorded {
    let text = |key: &str| v[key].as_str().unwrap_or_default().to_owned();
    let raw_body = text("body");
    Recorded {
        method: text("method"),
        path: text("path"),
        headers: v["headers"]
            .as_object()
            .map(|h| {
                h.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                    .collect()
            })
            .unwrap_or_default(),
        body: serde_json::from_str(&raw_body).unwrap_or(Value::Null),
        raw_body,
        outcome: text("outcome"),
        operation: v["operation"].as_str().map(str::to_owned),
        status: v["status"].as_u64().and_then(|s| u16::try_from(s).ok()),
    }
}

/// The last `/`-separated segment of a location (the folder an item is in).
fn last_segment(location: &str) -> &str {
    location.rsplit('/').next().unwrap_or(location)
}

/// A file with every documented field: an image (`type` "I", `image/jpeg`) of team
/// "team-7", owner "owner-1", in the folder named by the last segment of `location`,
/// `s3Path` "team-7/<id>/<name>", `updatedAt` and `uploadedAt` = `created_at`, no tags, no
/// device, no annotations, not approved, `metadata` {isPanoramic: false, duration: null}.
pub fn item(id: &str, name: &str, location: &str, created_at: i64) -> Value {
    json!({
        "id": id,
        "teamId": "team-7",
        "ownerId": "owner-1",
        "parentId": last_segment(location),
        "createdAt": created_at,
        "updatedAt": created_at,
        "uploadedAt": created_at,
        "mimeType": "image/jpeg",
        "type": "I",
        "location": location,
        "name": name,
        "s3Path": format!("team-7/{id}/{name}"),
        "tags": [],
        "deviceId": null,
        "metadata": {"isPanoramic": false, "duration": null},
        "annotations": null,
        "isApproved": false,
    })
}

/// A folder: named after its id, mime type [`FOLDER_MIME_TYPE`], `type` "U" (the docs'
/// "undefined": they give folders no type of their own), no `s3Path` (folders have no
/// content), team "team-7", owner "owner-1", parent = the last segment of `location`,
/// created at 1 600 000 000. Its children are listed at `"<location>/<id>"`.
pub fn folder(id: &str, location: &str) -> Value {
    json!({
        "id": id,
        "teamId": "team-7",
        "ownerId": "owner-1",
        "parentId": last_segment(location),
        "createdAt": 1_600_000_000_i64,
        "updatedAt": 1_600_000_000_i64,
        "uploadedAt": null,
        "mimeType": FOLDER_MIME_TYPE,
        "type": "U",
        "location": location,
        "name": id,
        "s3Path": null,
        "tags": [],
        "deviceId": null,
        "metadata": null,
        "annotations": null,
        "isApproved": null,
    })
}

/// A JSON value written as a GraphQL input literal (objects `{k: v}`, lists, `null`, and
/// strings escaped the JSON way, which GraphQL reads the same), for documents that carry
/// their arguments inline as the samples do.
pub fn graphql_literal(value: &Value) -> String {
    match value {
        Value::Object(fields) => {
            let parts: Vec<String> = fields
                .iter()
                .map(|(k, v)| format!("{k}: {}", graphql_literal(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        Value::Array(values) => {
            let parts: Vec<String> = values.iter().map(graphql_literal).collect();
            format!("[{}]", parts.join(", "))
        }
        other => other.to_string(),
    }
}

/// A `/graphql` body: `{"query": query}`, plus `variables` when given.
pub fn graphql_body(query: &str, variables: Option<Value>) -> Value {
    let mut body = Map::new();
    body.insert("query".into(), json!(query));
    if let Some(variables) = variables {
        body.insert("variables".into(), variables);
    }
    Value::Object(body)
}
