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
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::Path;

use futures_util::StreamExt as _;
use serde::{Deserialize, Serialize};

use super::resume::{
    Checkpoint, SIDECAR_FORMAT, check_partial, check_same, commit, open_no_follow, read_checkpoint,
};
pub use super::resume::{partial_path, sidecar_path};
use super::sink::{Sink, write_error};
use super::{Analytics, AnalyticsPage};
use crate::error::{Error, Result};

/// The output format of a pull.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// A header from `keys`, then one line per row (RFC 4180 quoting). Every page must have
    /// the same keys.
    Csv,
    /// One JSON object per line, keyed by the page's `keys`.
    Jsonl,
    /// Typed Parquet: not a stream of lines, so not for [`pull`] or [`pull_to_file`]; see
    /// [`dataset::pull_parquet_file`](super::dataset::pull_parquet_file) and
    /// [`dataset::pull_dataset`](super::dataset::pull_dataset) (cargo feature `parquet`).
    Parquet,
}

/// Refuses Parquet for the line-by-line pulls.
fn lines_only(format: Format) -> Result<()> {
    if format == Format::Parquet {
        return Err(Error::config(
            "format",
            "Parquet is written by dataset::pull_parquet_file or dataset::pull_dataset, not \
             line by line",
        ));
    }
    Ok(())
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

/// Where to start: a device and the page after the last one written.
#[derive(Debug, Clone, Copy)]
pub(super) struct Start {
    pub(super) device_index: usize,
    pub(super) next_page: u64,
}

/// How the error of a pull refused over an unfinished earlier one begins (a program may offer
/// its own way to resume).
pub const STOPPED_EARLIER: &str = "an earlier pull stopped here";

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
    lines_only(spec.format)?;
    let devices = resolve_devices(client, &spec.devices).await?;
    let sink = Sink::new(BufWriter::new(out), spec.format, "(output)".into());
    let start = Start {
        device_index: 0,
        next_page: 1,
    };
    let job = (client, spec, devices.as_slice());
    let mut out = Checkpointed {
        sink,
        checkpoint: |_: &mut Sink<_>, _, _, _| Ok(()),
    };
    let pages = run(job, &mut out, start, &mut progress).await?;
    let mut sink = out.sink;
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
    lines_only(spec.format)?;
    let partial = partial_path(out);
    let sidecar = sidecar_path(out);
    let file_error = |path: &Path, e: io::Error| Error::file_because(path, "cannot use it", e);
    let previous = read_checkpoint(&sidecar)?;
    if previous.is_some() && !resume {
        return Err(Error::File {
            path: partial.clone(),
            reason: format!(
                "{STOPPED_EARLIER}: resume it, or delete it and its .json sidecar to start over"
            ),
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
    let job = (client, spec, devices.as_slice());
    let mut writer = Checkpointed { sink, checkpoint };
    let pages = run(job, &mut writer, start, &mut progress).await?;
    let sink = writer.sink;
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

/// What a pull writes pages into, in order: after each page, a checkpoint may be taken.
pub(super) trait PageOut {
    /// Writes `page` (number `number` of `total` of device `device_index`, `device`).
    async fn page(
        &mut self,
        page: &AnalyticsPage,
        device: (usize, &str),
        number: u64,
        total: u64,
    ) -> Result<()>;

    /// Rows written so far.
    fn rows(&self) -> u64;
}

/// A CSV / JSON Lines sink and what it does after each page (a checkpoint or nothing).
struct Checkpointed<W: Write, F> {
    sink: Sink<W>,
    checkpoint: F,
}

impl<W, F> PageOut for Checkpointed<W, F>
where
    W: Write,
    F: FnMut(&mut Sink<W>, usize, u64, u64) -> Result<()>,
{
    async fn page(
        &mut self,
        page: &AnalyticsPage,
        (index, device): (usize, &str),
        number: u64,
        total: u64,
    ) -> Result<()> {
        self.sink.page(page, device, number)?;
        (self.checkpoint)(&mut self.sink, index, number, total)
    }

    fn rows(&self) -> u64 {
        self.sink.rows
    }
}

/// Fetches and writes every page from `start`, in order (devices in turn, each one's pages
/// in turn) while fetching ahead with bounded concurrency: up to `concurrency` devices' first
/// pages (which tell their page counts) and up to `concurrency` pages of the device being
/// written. Returns the number of pages fetched.
pub(super) async fn run(
    (client, spec, devices): (&Analytics, &PullSpec, &[String]),
    out: &mut impl PageOut,
    start: Start,
    progress: &mut impl FnMut(&Progress),
) -> Result<u64> {
    let (from, to) = (spec.from_ms, spec.to_ms);
    let concurrency = spec.concurrency.max(1);
    let firsts = futures_util::stream::iter(start.device_index..devices.len())
        .map(|index| {
            let number = if index == start.device_index {
                start.next_page
            } else {
                1
            };
            async move {
                let first = client.data(&devices[index], from, to, number).await;
                (index, number, first)
            }
        })
        .buffered(concurrency);
    let mut pages = firsts.flat_map(|(index, number, first)| {
        let total = first.as_ref().map_or(0, |p| p.total_num_pages);
        let head = futures_util::stream::once(std::future::ready((index, number, total, first)));
        let rest = futures_util::stream::iter(number + 1..=total)
            .map(move |page| async move {
                let data = client.data(&devices[index], from, to, page).await;
                (index, page, total, data)
            })
            .buffered(concurrency);
        head.chain(rest)
    });
    let mut fetched = 0;
    while let Some((index, number, total, data)) = pages.next().await {
        let data = data?;
        fetched += 1;
        let device = &devices[index];
        out.page(&data, (index, device), number, total).await?;
        drop(data);
        progress(&Progress {
            device: device.clone(),
            device_index: index,
            devices: devices.len(),
            page: number,
            total_pages: total,
            rows: out.rows(),
        });
    }
    Ok(fetched)
}
