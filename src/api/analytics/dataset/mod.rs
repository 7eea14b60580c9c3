//! Pulls into a Parquet dataset: typed columns ([`typed`](super::typed)), one row group per
//! bounded batch, hive-style partition folders (`device=W1/date=2024-05-01/`), written to a
//! local directory or `s3://bucket/prefix/` through a [`Destination`] that makes each file
//! visible only when complete.
//!
//! **Checkpoints.** Rows are buffered until `batch_rows` are waiting (checked after each
//! page); then every partition's rows become one file `part-NNNNN.parquet` in its folder,
//! published, and the checkpoint `_ul_pull.json` at the dataset's root is rewritten to list
//! them and the last page they hold. After a failure, a resumed pull removes any file the
//! checkpoint does not list (published after it), and continues from the page after it: no
//! row twice, no partial file, and a file once listed is never rewritten — except once at the
//! end when a column's type widened after it was written (whole numbers then fractions, or
//! with `lenient_types` a column turned text): then the earlier files of that column are
//! rewritten with the wider type, so every file of the dataset has one schema.
//!
//! Readers skip `_`-prefixed files, so the checkpoint (kept, marked complete, when the pull
//! ends) does not disturb DuckDB, Polars, pyarrow or Spark.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::destination::Destination;
use super::pull::{Devices, PageOut, Progress, PullSpec, Start, run};
use super::typed::{Batch, Columns, utc_day};
use super::{Analytics, AnalyticsPage};
use crate::error::{Error, Result};

mod checkpoint;
mod files;
mod single;

use checkpoint::{
    CHECKPOINT_FORMAT, Checkpoint, FileRecord, check_same, read_checkpoint, refused,
    remove_unlisted, write_checkpoint,
};
use files::{unify, write_file};
pub use single::{pull_parquet_file, staging_path};

/// The checkpoint's key at the dataset's root.
pub const CHECKPOINT: &str = "_ul_pull.json";
/// Rows buffered before they are written, unless the spec says otherwise.
pub const DEFAULT_BATCH_ROWS: usize = 16_384;

/// A hive-style partition folder level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Partition {
    /// `device=<device id>`.
    Device,
    /// `date=YYYY-MM-DD`, the UTC day of the row's `timestamp` (rows without one go to
    /// `date=__HIVE_DEFAULT_PARTITION__`, Hive's name for a null value).
    Date,
}

impl Partition {
    fn column(self) -> &'static str {
        match self {
            Partition::Device => "device",
            Partition::Date => "date",
        }
    }
}

/// How a dataset is written.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DatasetSpec {
    /// Partition folders, outermost first (none: every file at the root).
    pub partition_by: Vec<Partition>,
    /// A column whose values change type becomes text instead of failing the pull.
    pub lenient_types: bool,
    /// Rows buffered before they are written as one row group per partition (at least 1).
    pub batch_rows: usize,
}

impl DatasetSpec {
    /// `partition_by`, strict types, [`DEFAULT_BATCH_ROWS`].
    pub fn new(partition_by: Vec<Partition>) -> Self {
        DatasetSpec {
            partition_by,
            lenient_types: false,
            batch_rows: DEFAULT_BATCH_ROWS,
        }
    }
}

/// The result of a finished dataset pull.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DatasetPulled {
    /// Pages fetched by this run.
    pub pages: u64,
    /// Rows in the dataset, earlier runs included.
    pub rows: u64,
    /// The dataset's files (keys), in the order written.
    pub files: Vec<String>,
    /// Whether this run continued a stopped pull.
    pub resumed: bool,
}

/// Pulls `spec` into the dataset at `dest`. With `resume`, a stopped pull of the same spec
/// continues; without, a destination holding a stopped pull or any other file is refused.
///
/// # Errors
/// The errors of the pull ([`pull`](super::pull::pull)); [`Error::UnexpectedResponse`] for a
/// column whose values change type (naming column, page and value) unless
/// `lenient_types`, or data holding a column named as a partition (`device`, `date`);
/// [`Error::File`] / [`Error::Config`] when the destination holds something else, its
/// checkpoint records another pull, or it cannot be written. After a failure the published
/// files and the checkpoint stay for a resume.
pub async fn pull_dataset(
    client: &Analytics,
    spec: &PullSpec,
    dataset: &DatasetSpec,
    dest: &Destination,
    resume: bool,
    mut progress: impl FnMut(&Progress),
) -> Result<DatasetPulled> {
    let _lock = Lock::take(dest)?;
    let previous = read_checkpoint(dest).await?;
    let mut cp = match previous {
        Some(cp) if cp.complete => {
            return Err(refused(
                dest,
                format!(
                    "already holds a complete pull ({} rows in {} files); choose another \
                     destination, or remove it to pull again",
                    cp.rows,
                    cp.files.len()
                ),
            ));
        }
        Some(_) if !resume => {
            return Err(refused(
                dest,
                format!(
                    "{}: resume it, or remove the destination to start over",
                    super::pull::STOPPED_EARLIER
                ),
            ));
        }
        Some(mut cp) => {
            check_same(&cp, spec, dataset, dest)?;
            cp.lenient_types = dataset.lenient_types;
            remove_unlisted(dest, &cp).await?;
            cp
        }
        None => {
            if let Some(key) = dest.list().await?.first() {
                return Err(refused(
                    dest,
                    format!(
                        "is not empty ({key}); a dataset goes into an empty destination \
                         (choose another, or remove what is there)"
                    ),
                ));
            }
            let devices = match &spec.devices {
                Devices::All => client.devices().await?,
                Devices::List(list) => list.clone(),
            };
            Checkpoint {
                format: CHECKPOINT_FORMAT.into(),
                all_devices: spec.devices == Devices::All,
                devices,
                from_ms: spec.from_ms,
                to_ms: spec.to_ms,
                partition_by: dataset.partition_by.clone(),
                lenient_types: dataset.lenient_types,
                device_index: 0,
                last_page: 0,
                total_pages: 0,
                rows: 0,
                next_file: 0,
                columns: Columns::default(),
                schemas: Vec::new(),
                files: Vec::new(),
                complete: false,
            }
        }
    };
    clear_scratch(dest);
    let resumed = cp.last_page > 0 || cp.device_index > 0;
    // Before any file: a run stopped while its first files go up leaves a checkpoint that a
    // resume recognises (and that lists none of those files, so they are removed).
    write_checkpoint(dest, &cp).await?;
    let start = if cp.total_pages > 0 && cp.last_page >= cp.total_pages {
        Start {
            device_index: cp.device_index + 1,
            next_page: 1,
        }
    } else if cp.last_page > 0 {
        Start {
            device_index: cp.device_index,
            next_page: cp.last_page + 1,
        }
    } else {
        Start {
            device_index: cp.device_index,
            next_page: 1,
        }
    };
    let devices = cp.devices.clone();
    let mut writer = DatasetWriter {
        dest,
        spec: dataset.clone(),
        batches: BTreeMap::new(),
        buffered: 0,
        cp: &mut cp,
    };
    let pages = run(
        (client, spec, devices.as_slice()),
        &mut writer,
        start,
        &mut progress,
    )
    .await?;
    writer.flush().await?;
    unify(dest, &mut cp).await?;
    cp.complete = true;
    write_checkpoint(dest, &cp).await?;
    Ok(DatasetPulled {
        pages,
        rows: cp.rows,
        files: cp.files.iter().map(|f| f.key.clone()).collect(),
        resumed,
    })
}

/// The scratch folder's lock file: held for a whole pull, so a second pull into the same
/// local dataset is refused instead of mixing its files and checkpoint with the first's (an
/// S3 destination's scratch folder is per process: run one pull per prefix).
struct Lock {
    path: std::path::PathBuf,
    _file: std::fs::File,
}

const LOCK: &str = ".lock";

impl Lock {
    fn take(dest: &Destination) -> Result<Lock> {
        use std::os::unix::fs::OpenOptionsExt as _;
        let path = dest.scratch_dir().join(LOCK);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&path)
            .map_err(|e| Error::file_because(&path, "cannot open the pull's lock file", e))?;
        match file.try_lock() {
            Ok(()) => Ok(Lock { path, _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(refused(
                dest,
                "is being written by another pull right now; wait for it to end".to_owned(),
            )),
            Err(std::fs::TryLockError::Error(e)) => Err(Error::file_because(
                &path,
                "cannot lock the pull's lock file",
                e,
            )),
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Removed while still held: the scratch folder is left empty (and then removed).
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Removes what a stopped run left half-built in the scratch folder (never published); the
/// lock this run holds stays.
fn clear_scratch(dest: &Destination) {
    if let Ok(entries) = std::fs::read_dir(dest.scratch_dir()) {
        for entry in entries.flatten() {
            if entry.file_name() != LOCK && entry.file_type().is_ok_and(|t| t.is_file()) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

struct DatasetWriter<'a> {
    dest: &'a Destination,
    spec: DatasetSpec,
    /// Rows waiting, by partition folder (`device=W1/date=2024-05-01/`, or `` for none).
    batches: BTreeMap<String, Batch>,
    buffered: usize,
    cp: &'a mut Checkpoint,
}

impl PageOut for DatasetWriter<'_> {
    async fn page(
        &mut self,
        page: &AnalyticsPage,
        (index, device): (usize, &str),
        number: u64,
        total: u64,
    ) -> Result<()> {
        for partition in &self.spec.partition_by {
            if page.keys.iter().any(|k| k == partition.column()) {
                return Err(Error::unexpected(format!(
                    "the data of {device} has a column named `{}`, which the partition folders \
                     would add too; partition by the other key only",
                    partition.column()
                )));
            }
        }
        for row in &page.rows {
            let folder = self.folder(device, &page.keys, row);
            let batch = self.batches.entry(folder).or_default();
            batch
                .push(
                    &mut self.cp.columns,
                    &page.keys,
                    row,
                    self.spec.lenient_types,
                )
                .map_err(|conflict| Error::unexpected(conflict.describe(device, number)))?;
            self.buffered += 1;
        }
        self.cp.device_index = index;
        self.cp.last_page = number;
        self.cp.total_pages = total;
        if self.buffered >= self.spec.batch_rows.max(1) {
            self.flush().await?;
        }
        Ok(())
    }

    fn rows(&self) -> u64 {
        self.cp.rows + self.buffered as u64
    }
}

impl DatasetWriter<'_> {
    /// The partition folder of a row.
    fn folder(&self, device: &str, keys: &[String], row: &[serde_json::Value]) -> String {
        let mut folder = String::new();
        for partition in &self.spec.partition_by {
            let value = match partition {
                Partition::Device => hive_value(device),
                Partition::Date => match Columns::timestamp_of(keys, row) {
                    Some(ms) => utc_day(ms),
                    None => "__HIVE_DEFAULT_PARTITION__".to_owned(),
                },
            };
            folder.push_str(&format!("{}={value}/", partition.column()));
        }
        folder
    }

    /// Writes every waiting row (one file per partition), publishes the files, then the
    /// checkpoint naming them.
    async fn flush(&mut self) -> Result<()> {
        if self.buffered == 0 {
            return Ok(());
        }
        let batches = std::mem::take(&mut self.batches);
        for (folder, mut batch) in batches {
            let rows = batch.rows as u64;
            let arrays = batch.take_arrays(&self.cp.columns);
            let key = format!("{folder}part-{:05}.parquet", self.cp.next_file);
            self.cp.next_file += 1;
            write_file(self.dest, &key, &self.cp.columns, vec![arrays]).await?;
            let kinds = &self.cp.columns.kinds;
            if self.cp.schemas.last() != Some(kinds) {
                self.cp.schemas.push(kinds.clone());
            }
            self.cp.files.push(FileRecord {
                key,
                rows,
                schema: self.cp.schemas.len() - 1,
            });
            self.cp.rows += rows;
        }
        self.buffered = 0;
        write_checkpoint(self.dest, self.cp).await
    }
}

/// A partition value as Hive writes it: `%XX` for every byte outside `A-Z a-z 0-9 - . _ ~`,
/// so `/`, `=` and `..` cannot make another folder.
fn hive_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    crate::transport::percent_encode_into(&mut out, value);
    if out.is_empty() {
        out.push_str("__HIVE_DEFAULT_PARTITION__");
    }
    out
}
