//! Pulling a whole range of analytics data: page 1 first (it tells `total_num_pages`), then
//! the rest with bounded concurrency, written strictly in page order as CSV or JSON Lines.
//!
//! Memory does not grow with the number of pages: at most `concurrency` pages are in flight or
//! waiting for their turn (`buffered`), and each is written and dropped as soon as it is next.
//! [`pull_to_file`] writes to `<out>.partial` and renames it at the end; after a failure the
//! partial file stays with a sidecar (`<out>.partial.json`) naming the last complete page, and
//! a resumed pull truncates to that point and continues without duplicating a row.
//!
//! The sidecar is only ever written after the data it names is on disk (fsync), so a crash or a
//! power cut cannot leave a checkpoint that points past the data. A resume is refused, with
//! what to do, when the sidecar describes another pull (devices, range, format), when the
//! partial file is shorter than the sidecar says or its CSV header is not the recorded
//! columns. Neither file is created or opened through a symbolic link: a link at either path
//! (or at the sidecar's temporary file) is refused and nothing is written through it.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt as _;
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
    /// Whether `devices` is what `--device all` found (absent in older sidecars).
    #[serde(default)]
    all_devices: Option<bool>,
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
                    return Err(Error::unexpected(format!(
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
                    serde_json::to_writer(&mut self.line, &object).map_err(|e| {
                        Error::unexpected_because("a row cannot be written as JSON", e)
                    })?;
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
    Error::file_because(path, "cannot write", e)
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
/// sidecar describes another pull (devices, range, format) or contradicts itself, when the
/// partial file is shorter than the sidecar records or its CSV header is not the recorded
/// columns, when the partial file, the sidecar or its temporary file is a symbolic link, or
/// when the files cannot be written. After a failure the partial file and its sidecar stay for
/// a resume.
pub async fn pull_to_file(
    client: &Analytics,
    spec: &PullSpec,
    out: &Path,
    resume: bool,
    mut progress: impl FnMut(&Progress),
) -> Result<Pulled> {
    let partial = partial_path(out);
    let sidecar = sidecar_path(out);
    let file_error = |path: &Path, e: io::Error| Error::file_because(path, "cannot use it", e);
    let previous = read_checkpoint(&sidecar)?;
    if previous.is_some() && !resume {
        return Err(Error::File {
            path: partial.clone(),
            reason: "an earlier pull stopped here: add --resume to continue it, or delete it \
                     and its .json sidecar to start over"
                .into(),
            source: None,
        });
    }
    let (devices, start, file, mut sink_state) = match previous {
        Some(cp) => {
            check_same(&cp, spec, &sidecar)?;
            let mut file = open_no_follow(&partial, OpenOptions::new().read(true).write(true))?;
            check_partial(&cp, &mut file, &partial)?;
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
            let file = open_no_follow(
                &partial,
                OpenOptions::new().write(true).create(true).truncate(true),
            )?;
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
        all_devices: Some(spec.devices == Devices::All),
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
        let cp = Checkpoint {
            device_index,
            last_page,
            total_pages,
            bytes: sink.bytes,
            rows: sink.rows,
            keys: sink.keys.clone(),
            ..base.clone()
        };
        commit(sink, &sidecar, &cp)
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
    if matches!(path.symlink_metadata(), Err(e) if e.kind() == io::ErrorKind::NotFound) {
        return Ok(None);
    }
    let mut file = open_no_follow(path, OpenOptions::new().read(true))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)
        .map_err(|e| Error::file_because(path, "cannot read", e))?;
    let cp: Checkpoint = serde_json::from_slice(&bytes).map_err(|e| {
        Error::file_because(path, "is not a pull checkpoint; delete it to start over", e)
    })?;
    if cp.format != SIDECAR_FORMAT {
        return Err(Error::File {
            path: path.to_owned(),
            reason: "is not a pull checkpoint; delete it to start over".into(),
            source: None,
        });
    }
    Ok(Some(cp))
}

/// Refuses a checkpoint that records another pull than `spec` asks for, naming what differs.
fn check_same(cp: &Checkpoint, spec: &PullSpec, sidecar: &Path) -> Result<()> {
    let recorded = match cp.all_devices {
        Some(true) => format!("all ({})", cp.devices.join(", ")),
        _ => cp.devices.join(", "),
    };
    let mut differs = Vec::new();
    match &spec.devices {
        // `all` resumes the list it found first; an older sidecar did not say which it was.
        Devices::All if cp.all_devices != Some(false) => {}
        Devices::All => differs.push(format!("--device {recorded} there, all here")),
        Devices::List(list) if *list == cp.devices && cp.all_devices != Some(true) => {}
        Devices::List(list) => {
            differs.push(format!(
                "--device {recorded} there, {} here",
                list.join(", ")
            ));
        }
    }
    if cp.from_ms != spec.from_ms {
        differs.push(format!(
            "--from {} there, {} here",
            cp.from_ms, spec.from_ms
        ));
    }
    if cp.to_ms != spec.to_ms {
        differs.push(format!("--to {} there, {} here", cp.to_ms, spec.to_ms));
    }
    if cp.output != spec.format {
        differs.push(format!(
            "--format {} there, {} here",
            format_name(cp.output),
            format_name(spec.format)
        ));
    }
    if !differs.is_empty() {
        return Err(Error::File {
            path: sidecar.to_owned(),
            reason: format!(
                "records another pull ({}); resume it with the same --device, --from, --to and \
                 --format, or delete it and its partial file to start over",
                differs.join("; ")
            ),
            source: None,
        });
    }
    let consistent = cp.device_index < cp.devices.len()
        && cp.last_page <= cp.total_pages
        && (cp.output != Format::Csv || cp.bytes == 0 || cp.keys.is_some());
    if !consistent {
        return Err(Error::File {
            path: sidecar.to_owned(),
            reason: "contradicts itself (was it edited?); delete it and its partial file to \
                     start over"
                .into(),
            source: None,
        });
    }
    Ok(())
}

fn format_name(format: Format) -> &'static str {
    match format {
        Format::Csv => "csv",
        Format::Jsonl => "jsonl",
    }
}

/// Refuses a partial file that cannot hold what its checkpoint records: a regular file at
/// least as long, whose CSV header is the recorded columns.
fn check_partial(cp: &Checkpoint, file: &mut File, partial: &Path) -> Result<()> {
    let refuse = |reason: String| Error::File {
        path: partial.to_owned(),
        reason: format!("{reason}; delete it and its .json sidecar to start over"),
        source: None,
    };
    let meta = file.metadata().map_err(|e| open_error(partial, e))?;
    if !meta.is_file() {
        return Err(refuse("is not a regular file".into()));
    }
    if meta.len() < cp.bytes {
        return Err(refuse(format!(
            "is {} bytes, shorter than the {} its checkpoint records as complete (was it \
             changed since?)",
            meta.len(),
            cp.bytes
        )));
    }
    if let (Format::Csv, Some(keys)) = (cp.output, &cp.keys) {
        let mut header = Vec::new();
        csv_line(&mut header, keys.iter().map(|k| Value::from(k.as_str())));
        let mut found = vec![0; header.len()];
        let same = header.len() as u64 <= cp.bytes
            && file.read_exact(&mut found).is_ok()
            && found == header;
        if !same {
            return Err(refuse(format!(
                "does not start with the CSV header of the columns its checkpoint records \
                 ({}) (was it changed since?)",
                keys.join(",")
            )));
        }
    }
    Ok(())
}

/// A file whose written data can be forced to disk; a trait so that a test can watch when.
trait SyncData {
    fn sync_data(&self) -> io::Result<()>;
}

impl SyncData for File {
    fn sync_data(&self) -> io::Result<()> {
        File::sync_data(self)
    }
}

/// Makes every page written so far durable, then records them in the sidecar: after a crash
/// the sidecar never names bytes the partial file lacks.
fn commit<F: Write + SyncData>(
    sink: &mut Sink<BufWriter<F>>,
    sidecar: &Path,
    cp: &Checkpoint,
) -> Result<()> {
    sink.out.flush().map_err(|e| write_error(&sink.name, e))?;
    sink.out
        .get_ref()
        .sync_data()
        .map_err(|e| write_error(&sink.name, e))?;
    write_checkpoint(sidecar, cp)
}

/// Opens `path` with `options`, refusing a symbolic link at it (`O_NOFOLLOW`) with an error
/// that says so.
///
/// `O_NONBLOCK` too, so a FIFO put there cannot make the pull wait forever; anything but a
/// regular file is then refused before a byte is read or written.
fn open_no_follow(path: &Path, options: &mut OpenOptions) -> Result<File> {
    let file = options
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| open_error(path, e))?;
    match file.metadata() {
        Ok(meta) if meta.is_file() => Ok(file),
        Ok(_) => Err(Error::File {
            path: path.to_owned(),
            reason: "is not a regular file (a pipe, device or directory?); refusing to use it \
                     (remove it, or choose another --out)"
                .into(),
            source: None,
        }),
        Err(e) => Err(open_error(path, e)),
    }
}

fn open_error(path: &Path, e: io::Error) -> Error {
    let reason = if e.raw_os_error() == Some(libc::ELOOP) {
        "is a symbolic link; refusing to open it or write through it (remove the link, or \
         choose another --out)"
    } else if e.raw_os_error() == Some(libc::ENXIO) {
        // What a non-blocking open for writing answers at a FIFO nobody reads.
        "is not a regular file (a pipe?); refusing to use it (remove it, or choose another \
         --out)"
    } else {
        "cannot open it"
    };
    Error::file_because(path, reason, e)
}

/// Replaces the sidecar with a rename of a synced temporary file, so it is always whole and
/// names a page that is complete on disk (see [`commit`]).
fn write_checkpoint(path: &Path, cp: &Checkpoint) -> Result<()> {
    let tmp = sibling(path, ".tmp");
    let bytes = serde_json::to_vec(cp)
        .map_err(|e| Error::unexpected_because("the checkpoint cannot be written as JSON", e))?;
    let mut file = open_no_follow(
        &tmp,
        OpenOptions::new().write(true).create(true).truncate(true),
    )?;
    file.write_all(&bytes)
        .and_then(|()| file.sync_data())
        .and_then(|()| fs::rename(&tmp, path))
        .map_err(|e| Error::file_because(path, "cannot write the checkpoint", e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::cell::RefCell;
    use std::rc::Rc;

    /// Keeps nothing; notes each write and, on a sync, whether the sidecar exists yet.
    struct Watched {
        log: Rc<RefCell<Vec<String>>>,
        sidecar: PathBuf,
    }

    impl Write for Watched {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.log.borrow_mut().push(format!("write {}", buf.len()));
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl SyncData for Watched {
        fn sync_data(&self) -> io::Result<()> {
            let there = self.sidecar.exists();
            self.log
                .borrow_mut()
                .push(format!("sync, sidecar there: {there}"));
            Ok(())
        }
    }

    #[test]
    fn a_checkpoint_is_written_only_after_the_data_it_names_is_synced() {
        let dir = tempfile::tempdir().unwrap();
        let sidecar = dir.path().join("x.csv.partial.json");
        let log = Rc::new(RefCell::new(Vec::new()));
        let out = Watched {
            log: Rc::clone(&log),
            sidecar: sidecar.clone(),
        };
        let mut sink = Sink::new(BufWriter::new(out), Format::Csv, "x".into());
        let page = AnalyticsPage {
            keys: vec!["a".into(), "b".into()],
            rows: vec![vec![json!(1), json!("x")]],
            total_num_pages: 1,
            extra: Default::default(),
        };
        sink.page(&page, "W1", 1).unwrap();
        let cp = Checkpoint {
            format: SIDECAR_FORMAT.into(),
            devices: vec!["W1".into()],
            all_devices: Some(false),
            from_ms: 1,
            to_ms: 2,
            output: Format::Csv,
            device_index: 0,
            last_page: 1,
            total_pages: 1,
            bytes: sink.bytes,
            rows: sink.rows,
            keys: sink.keys.clone(),
        };
        assert!(log.borrow().is_empty(), "still buffered");

        commit(&mut sink, &sidecar, &cp).unwrap();

        assert_eq!(*log.borrow(), ["write 8", "sync, sidecar there: false"]);
        assert_eq!(read_checkpoint(&sidecar).unwrap(), Some(cp));
    }

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
