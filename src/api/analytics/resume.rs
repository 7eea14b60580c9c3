//! What lets a pull to a file stop and resume: the partial file and its sidecar checkpoint,
//! written in an order that survives a crash, checked before a resume, and never opened
//! through a symbolic link.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Read, Write};
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::pull::{Devices, Format, PullSpec};
use super::sink::{Sink, csv_line, write_error};
use crate::error::{Error, Result};

pub(super) const SIDECAR_FORMAT: &str = "unleashlive-auth/analytics-pull";

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
pub(super) struct Checkpoint {
    pub(super) format: String,
    pub(super) devices: Vec<String>,
    /// Whether `devices` is what `--device all` found (absent in older sidecars).
    #[serde(default)]
    pub(super) all_devices: Option<bool>,
    pub(super) from_ms: i64,
    pub(super) to_ms: i64,
    pub(super) output: Format,
    pub(super) device_index: usize,
    pub(super) last_page: u64,
    pub(super) total_pages: u64,
    pub(super) bytes: u64,
    pub(super) rows: u64,
    pub(super) keys: Option<Vec<String>>,
}

pub(super) fn read_checkpoint(path: &Path) -> Result<Option<Checkpoint>> {
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
pub(super) fn check_same(cp: &Checkpoint, spec: &PullSpec, sidecar: &Path) -> Result<()> {
    let recorded = match cp.all_devices {
        Some(true) => format!("all ({})", cp.devices.join(", ")),
        _ => cp.devices.join(", "),
    };
    let mut differs = Vec::new();
    match &spec.devices {
        // `all` resumes the list it found first; an older sidecar did not say which it was.
        Devices::All if cp.all_devices != Some(false) => {}
        Devices::All => differs.push(format!("devices {recorded} there, all here")),
        Devices::List(list) if *list == cp.devices && cp.all_devices != Some(true) => {}
        Devices::List(list) => {
            differs.push(format!(
                "devices {recorded} there, {} here",
                list.join(", ")
            ));
        }
    }
    if cp.from_ms != spec.from_ms {
        differs.push(format!("from {} there, {} here", cp.from_ms, spec.from_ms));
    }
    if cp.to_ms != spec.to_ms {
        differs.push(format!("to {} there, {} here", cp.to_ms, spec.to_ms));
    }
    if cp.output != spec.format {
        differs.push(format!(
            "format {} there, {} here",
            format_name(cp.output),
            format_name(spec.format)
        ));
    }
    if !differs.is_empty() {
        return Err(Error::File {
            path: sidecar.to_owned(),
            reason: format!(
                "records another pull ({}); resume it with the same devices, time range and \
                 format, or delete it and its partial file to start over",
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
        Format::Parquet => "parquet",
    }
}

/// Refuses a partial file that cannot hold what its checkpoint records: a regular file at
/// least as long, whose CSV header is the recorded columns.
pub(super) fn check_partial(cp: &Checkpoint, file: &mut File, partial: &Path) -> Result<()> {
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
pub(super) trait SyncData {
    fn sync_data(&self) -> io::Result<()>;
}

impl SyncData for File {
    fn sync_data(&self) -> io::Result<()> {
        File::sync_data(self)
    }
}

/// Makes every page written so far durable, then records them in the sidecar: after a crash
/// the sidecar never names bytes the partial file lacks.
pub(super) fn commit<F: Write + SyncData>(
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
pub(super) fn open_no_follow(path: &Path, options: &mut OpenOptions) -> Result<File> {
    let file = options
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| open_error(path, e))?;
    match file.metadata() {
        Ok(meta) if meta.is_file() => Ok(file),
        Ok(_) => Err(Error::File {
            path: path.to_owned(),
            reason: "is not a regular file (a pipe, device or directory?); refusing to use it \
                     (remove it, or choose another output file)"
                .into(),
            source: None,
        }),
        Err(e) => Err(open_error(path, e)),
    }
}

fn open_error(path: &Path, e: io::Error) -> Error {
    let reason = if e.raw_os_error() == Some(libc::ELOOP) {
        "is a symbolic link; refusing to open it or write through it (remove the link, or \
         choose another output file)"
    } else if e.raw_os_error() == Some(libc::ENXIO) {
        // What a non-blocking open for writing answers at a FIFO nobody reads.
        "is not a regular file (a pipe?); refusing to use it (remove it, or choose another \
         output file)"
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
    use std::cell::RefCell;
    use std::rc::Rc;

    use serde_json::json;

    use super::*;
    use crate::api::analytics::AnalyticsPage;

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
    fn partial_files_sit_beside_the_output() {
        let out = Path::new("/data/x.csv");
        assert_eq!(partial_path(out), Path::new("/data/x.csv.partial"));
        assert_eq!(sidecar_path(out), Path::new("/data/x.csv.partial.json"));
    }
}
