//! Pulling a whole range of analytics data: page 1 first (it tells `total_num_pages`), then
//! the rest with bounded concurrency, written strictly in page order as CSV or JSON Lines.
//!
//! Memory does not grow with the number of pages: at most `concurrency` pages are in flight or
//! waiting for their turn (`buffered`), and each is written and dropped as soon as it is next.
//! [`pull_to_file`] writes to `<out>.partial` and renames it at the end; after a failure the
//! partial file stays with a sidecar (`<out>.partial.json`) naming the last complete page, and
//! a resumed pull truncates to that point and continues without duplicating a row.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use futures_util::StreamExt as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::analytics::{Analytics, AnalyticsPage};
use crate::error::{Error, Result};

const SIDECAR_FORMAT: &str = "unleashlive-auth/analytics-pull";

/// The output format of a pull.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// A header from `keys`, then one line per row (RFC 4180 quoting). Every page must have
    /// the same keys.
    Csv,
    /// One JSON object per line, keyed by the page's `keys`.
    Jsonl,
}

/// Which devices to pull.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Devices {
    /// Every device `GET /v1/analytics/devices` lists (a resumed pull keeps the first list).
    All,
    /// These devices, in this order.
    List(Vec<String>),
}

/// What to pull and how.
#[derive(Debug, Clone)]
pub struct PullSpec {
    /// The devices.
    pub devices: Devices,
    /// Start of the range, Unix ms.
    pub from_ms: i64,
    /// End of the range, Unix ms.
    pub to_ms: i64,
    /// The output format.
    pub format: Format,
    /// Pages requested at once (at least 1).
    pub concurrency: usize,
}

/// Where a pull stands, reported after every written page.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// The device being pulled.
    pub device: String,
    /// Its position among the devices (from 0) and how many there are.
    pub device_index: usize,
    /// How many devices there are.
    pub devices: usize,
    /// The last page of this device written.
    pub page: u64,
    /// This device's page count.
    pub total_pages: u64,
    /// Rows written so far, all devices together.
    pub rows: u64,
}

/// The result of a finished pull.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Pulled {
    /// Pages fetched by this run.
    pub pages: u64,
    /// Rows in the output, earlier runs included when resumed.
    pub rows: u64,
    /// Whether this run continued a partial pull.
    pub resumed: bool,
}

/// The partial file a pull to `out` writes until it finishes.
pub fn partial_path(out: &Path) -> PathBuf {
    sibling(out, ".partial")
}

/// The sidecar that records how far the partial file of `out` is complete.
pub fn sidecar_path(out: &Path) -> PathBuf {
    sibling(out, ".partial.json")
}

fn sibling(out: &Path, suffix: &str) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "analytics".into());
    out.with_file_name(format!("{name}{suffix}"))
}

/// The sidecar's content: enough to check that a resume asks for the same pull, and the point
/// up to which the partial file is complete.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct Checkpoint {
    format: String,
    devices: Vec<String>,
    from_ms: i64,
    to_ms: i64,
    output: Format,
    device_index: usize,
    last_page: u64,
    total_pages: u64,
    bytes: u64,
    rows: u64,
    keys: Option<Vec<String>>,
}

/// Writes pages as they come, remembering the columns and counting bytes for checkpoints.
struct Sink<W: Write> {
    out: W,
    format: Format,
    keys: Option<Vec<String>>,
    rows: u64,
    bytes: u64,
    line: Vec<u8>,
    /// The output's name in errors.
    name: PathBuf,
}

impl<W: Write> Sink<W> {
    fn new(out: W, format: Format, name: PathBuf) -> Self {
        Sink {
            out,
            format,
            keys: None,
            rows: 0,
            bytes: 0,
            line: Vec::new(),
            name,
        }
    }

    fn page(&mut self, page: &AnalyticsPage, device: &str, number: u64) -> Result<()> {
        if self.format == Format::Csv && !(page.keys.is_empty() && page.rows.is_empty()) {
            match &self.keys {
                Some(keys) if *keys != page.keys => {
                    return Err(Error::UnexpectedResponse(format!(
                        "page {number} of {device} has the columns {:?}, earlier pages {keys:?}; \
                         a CSV cannot hold both (use --format jsonl)",
                        page.keys
                    )));
                }
                Some(_) => {}
                None => {
                    self.line.clear();
                    csv_line(
                        &mut self.line,
                        page.keys.iter().map(|k| Value::from(k.as_str())),
                    );
                    self.emit()?;
                    self.keys = Some(page.keys.clone());
                }
            }
        }
        for row in &page.rows {
            self.line.clear();
            match self.format {
                Format::Csv => csv_line(&mut self.line, row.iter().cloned()),
                Format::Jsonl => {
                    let object: serde_json::Map<String, Value> =
                        page.keys.iter().cloned().zip(row.iter().cloned()).collect();
                    serde_json::to_writer(&mut self.line, &object)
                        .map_err(|e| Error::UnexpectedResponse(e.to_string()))?;
                    self.line.push(b'\n');
                }
            }
            self.emit()?;
            self.rows += 1;
        }
        Ok(())
    }

    fn emit(&mut self) -> Result<()> {
        let name = &self.name;
        self.out
            .write_all(&self.line)
            .map_err(|e| write_error(name, e))?;
        self.bytes += self.line.len() as u64;
        Ok(())
    }
}

fn write_error(path: &Path, e: io::Error) -> Error {
    Error::File {
        path: path.to_owned(),
        reason: format!("cannot write: {e}"),
    }
}

/// One CSV record: a field is quoted when it holds a comma, a quote or a line break, and
/// quotes inside are doubled (RFC 4180).
fn csv_line(out: &mut Vec<u8>, values: impl Iterator<Item = Value>) {
    for (i, value) in values.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let text = match value {
            Value::Null => String::new(),
            Value::String(s) => s,
            other => other.to_string(),
        };
        if text.contains([',', '"', '\n', '\r']) {
            out.push(b'"');
            out.extend_from_slice(text.replace('"', "\"\"").as_bytes());
            out.push(b'"');
        } else {
            out.extend_from_slice(text.as_bytes());
        }
    }
    out.push(b'\n');
}

/// Where to start: a device and the page after the last one written.
#[derive(Debug, Clone, Copy)]
struct Start {
    device_index: usize,
    next_page: u64,
}

/// Pulls `spec` into `out` (e.g. stdout), with no checkpoints and no resume.
///
/// # Errors
/// The errors of [`Analytics::data`] and [`Analytics::devices`] (after the HTTP layer's
/// retries); [`Error::UnexpectedResponse`] when a CSV page has other columns than the first;
/// [`Error::File`] when `out` cannot be written.
pub async fn pull<W: Write>(
    client: &Analytics,
    spec: &PullSpec,
    out: W,
    mut progress: impl FnMut(&Progress),
) -> Result<Pulled> {
    let devices = resolve_devices(client, &spec.devices).await?;
    let mut sink = Sink::new(BufWriter::new(out), spec.format, "(output)".into());
    let start = Start {
        device_index: 0,
        next_page: 1,
    };
    let pages = run(
        client,
        spec,
        &devices,
        &mut sink,
        start,
        &mut progress,
        |_, _, _, _| Ok(()),
    )
    .await?;
    sink.out.flush().map_err(|e| write_error(&sink.name, e))?;
    Ok(Pulled {
        pages,
        rows: sink.rows,
        resumed: false,
    })
}

/// Pulls `spec` into the file `out`, through `<out>.partial` and a sidecar, renamed to `out`
/// when complete. With `resume`, a partial pull of the same spec continues where it stopped
/// (a fresh pull starts when there is none).
///
/// # Errors
/// As [`pull`]; [`Error::File`] when a partial pull exists and `resume` is false, when the
/// sidecar describes another pull, or when the files cannot be written. After a failure the
/// partial file and its sidecar stay for a resume.
pub async fn pull_to_file(
    client: &Analytics,
    spec: &PullSpec,
    out: &Path,
    resume: bool,
    mut progress: impl FnMut(&Progress),
) -> Result<Pulled> {
    let partial = partial_path(out);
    let sidecar = sidecar_path(out);
    let file_error = |path: &Path, e: io::Error| Error::File {
        path: path.to_owned(),
        reason: e.to_string(),
    };
    let previous = read_checkpoint(&sidecar)?;
    if previous.is_some() && !resume {
        return Err(Error::File {
            path: partial.clone(),
            reason: "an earlier pull stopped here: add --resume to continue it, or delete it \
                     and its .json sidecar to start over"
                .into(),
        });
    }
    let (devices, start, file, mut sink_state) = match previous {
        Some(cp) => {
            check_same(&cp, spec, &sidecar)?;
            let mut file = OpenOptions::new()
                .write(true)
                .open(&partial)
                .map_err(|e| file_error(&partial, e))?;
            // Anything after the checkpoint is a page that was not finished: cut it off.
            file.set_len(cp.bytes)
                .map_err(|e| file_error(&partial, e))?;
            file.seek(SeekFrom::End(0))
                .map_err(|e| file_error(&partial, e))?;
            let start = if cp.last_page >= cp.total_pages {
                Start {
                    device_index: cp.device_index + 1,
                    next_page: 1,
                }
            } else {
                Start {
                    device_index: cp.device_index,
                    next_page: cp.last_page + 1,
                }
            };
            (cp.devices.clone(), start, file, Some(cp))
        }
        None => {
            let devices = resolve_devices(client, &spec.devices).await?;
            let file = File::create(&partial).map_err(|e| file_error(&partial, e))?;
            let start = Start {
                device_index: 0,
                next_page: 1,
            };
            (devices, start, file, None)
        }
    };
    let resumed = sink_state.is_some();
    let mut sink = Sink::new(BufWriter::new(file), spec.format, partial.clone());
    if let Some(cp) = sink_state.take() {
        sink.keys = cp.keys;
        sink.bytes = cp.bytes;
        sink.rows = cp.rows;
    }
    let base = Checkpoint {
        format: SIDECAR_FORMAT.into(),
        devices: devices.clone(),
        from_ms: spec.from_ms,
        to_ms: spec.to_ms,
        output: spec.format,
        device_index: 0,
        last_page: 0,
        total_pages: 0,
        bytes: 0,
        rows: 0,
        keys: None,
    };
    let checkpoint = |sink: &mut Sink<BufWriter<File>>, device_index, last_page, total_pages| {
        sink.out.flush().map_err(|e| write_error(&sink.name, e))?;
        let cp = Checkpoint {
            device_index,
            last_page,
            total_pages,
            bytes: sink.bytes,
            rows: sink.rows,
            keys: sink.keys.clone(),
            ..base.clone()
        };
        write_checkpoint(&sidecar, &cp)
    };
    let pages = run(
        client,
        spec,
        &devices,
        &mut sink,
        start,
        &mut progress,
        checkpoint,
    )
    .await?;
    let rows = sink.rows;
    let file = sink
        .out
        .into_inner()
        .map_err(|e| file_error(&partial, e.into_error()))?;
    file.sync_all().map_err(|e| file_error(&partial, e))?;
    fs::rename(&partial, out).map_err(|e| file_error(out, e))?;
    let _ = fs::remove_file(&sidecar);
    Ok(Pulled {
        pages,
        rows,
        resumed,
    })
}

async fn resolve_devices(client: &Analytics, devices: &Devices) -> Result<Vec<String>> {
    match devices {
        Devices::All => client.devices().await,
        Devices::List(list) => Ok(list.clone()),
    }
}

/// Fetches and writes every page from `start`, calling `checkpoint(sink, device index, page,
/// total pages)` after each; returns the number of pages fetched.
async fn run<W: Write>(
    client: &Analytics,
    spec: &PullSpec,
    devices: &[String],
    sink: &mut Sink<W>,
    start: Start,
    progress: &mut impl FnMut(&Progress),
    mut checkpoint: impl FnMut(&mut Sink<W>, usize, u64, u64) -> Result<()>,
) -> Result<u64> {
    let (from, to) = (spec.from_ms, spec.to_ms);
    let mut fetched = 0;
    for (index, device) in devices.iter().enumerate().skip(start.device_index) {
        let first_page = if index == start.device_index {
            start.next_page
        } else {
            1
        };
        // The first page alone: it tells how many there are.
        let first = client.data(device, from, to, first_page).await?;
        fetched += 1;
        let total = first.total_num_pages;
        let mut report = |sink: &mut Sink<W>, page: u64| -> Result<()> {
            checkpoint(sink, index, page, total)?;
            progress(&Progress {
                device: device.clone(),
                device_index: index,
                devices: devices.len(),
                page,
                total_pages: total,
                rows: sink.rows,
            });
            Ok(())
        };
        sink.page(&first, device, first_page)?;
        drop(first);
        report(sink, first_page)?;
        let mut rest = futures_util::stream::iter(first_page + 1..=total)
            .map(|page| async move { (page, client.data(device, from, to, page).await) })
            .buffered(spec.concurrency.max(1));
        while let Some((page, result)) = rest.next().await {
            let data = result?;
            fetched += 1;
            sink.page(&data, device, page)?;
            report(sink, page)?;
        }
    }
    Ok(fetched)
}

fn read_checkpoint(path: &Path) -> Result<Option<Checkpoint>> {
    let bytes = match fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Error::File {
                path: path.to_owned(),
                reason: format!("cannot read: {e}"),
            });
        }
    };
    let cp: Checkpoint = serde_json::from_slice(&bytes).map_err(|e| Error::File {
        path: path.to_owned(),
        reason: format!("is not a pull checkpoint ({e}); delete it to start over"),
    })?;
    if cp.format != SIDECAR_FORMAT {
        return Err(Error::File {
            path: path.to_owned(),
            reason: "is not a pull checkpoint; delete it to start over".into(),
        });
    }
    Ok(Some(cp))
}

fn check_same(cp: &Checkpoint, spec: &PullSpec, sidecar: &Path) -> Result<()> {
    let same_devices = match &spec.devices {
        Devices::All => true,
        Devices::List(list) => *list == cp.devices,
    };
    if !same_devices
        || cp.from_ms != spec.from_ms
        || cp.to_ms != spec.to_ms
        || cp.output != spec.format
    {
        return Err(Error::File {
            path: sidecar.to_owned(),
            reason: "records a pull of other devices, times or format; resume it with the same \
                     --device, --from, --to and --format, or delete it and its partial file"
                .into(),
        });
    }
    Ok(())
}

/// Replaces the sidecar with a rename, so it always names a page that is complete on disk.
/// Not fsynced: a lost sidecar costs a restart, never a duplicate.
fn write_checkpoint(path: &Path, cp: &Checkpoint) -> Result<()> {
    let tmp = sibling(path, ".tmp");
    let bytes = serde_json::to_vec(cp).map_err(|e| Error::UnexpectedResponse(e.to_string()))?;
    fs::write(&tmp, bytes)
        .and_then(|()| fs::rename(&tmp, path))
        .map_err(|e| Error::File {
            path: path.to_owned(),
            reason: format!("cannot write the checkpoint: {e}"),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn csv_quotes_commas_quotes_and_line_breaks_only() {
        let mut out = Vec::new();
        csv_line(
            &mut out,
            [
                json!("a,b"),
                json!("say \"hi\""),
                json!("x\ny"),
                json!(3),
                json!(null),
                json!("plain"),
            ]
            .into_iter(),
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\"a,b\",\"say \"\"hi\"\"\",\"x\ny\",3,,plain\n"
        );
    }

    #[test]
    fn partial_files_sit_beside_the_output() {
        let out = Path::new("/data/x.csv");
        assert_eq!(partial_path(out), Path::new("/data/x.csv.partial"));
        assert_eq!(sidecar_path(out), Path::new("/data/x.csv.partial.json"));
    }
}
