//! Summarising a dataset on disk: one Parquet file, or a directory of them read recursively
//! (hive-style folders such as `device=W1/date=2024-05-01/part-00000.parquet`; files and
//! folders whose names start with `_` or `.` are skipped, and only `*.parquet` files read).
//!
//! Files are streamed batch by batch with only the needed columns, so memory stays that of
//! one batch plus the [`Summary`]. `timestamp` may be an Arrow timestamp (any unit), ISO-8601
//! text or Int64 Unix ms; `count` any integer or float column; `class_name` text.

use std::fs::File;
use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::columns::{Unreadable, counts, millis, texts};
use super::{CLASS_COLUMN, COUNT_COLUMN, Day, Summary, TIMESTAMP_COLUMN};
use crate::error::{Error, Result};

/// The column a device filter reads when the path has no `device=` folder.
pub const DEVICE_COLUMN: &str = "device_id";

/// Which rows of a dataset to summarise. The default takes every row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DatasetFilter {
    /// Only this device: files under another `device=` folder are skipped; in files without
    /// one, rows whose `device_id` is another are.
    pub device: Option<String>,
    /// Only rows at or after this instant (Unix ms).
    pub from_ms: Option<i64>,
    /// Only rows at or before this instant (Unix ms).
    pub to_ms: Option<i64>,
}

impl DatasetFilter {
    /// Only `device`'s rows.
    pub fn device(mut self, device: impl Into<String>) -> Self {
        self.device = Some(device.into());
        self
    }

    /// Only rows from `from_ms` to `to_ms` (Unix ms, both included).
    pub fn range(mut self, from_ms: i64, to_ms: i64) -> Self {
        self.from_ms = Some(from_ms);
        self.to_ms = Some(to_ms);
        self
    }

    fn keeps_time(&self, ms: i64) -> bool {
        self.from_ms.is_none_or(|f| ms >= f) && self.to_ms.is_none_or(|t| ms <= t)
    }
}

/// Summarises the dataset at `path` (a directory or one Parquet file) with `filter`.
///
/// # Errors
/// [`Error::File`] naming the file: when `path` cannot be read or a directory holds no
/// `.parquet` file; when a file is not readable Parquet (truncated, another format); when it
/// lacks a column or a column has a type that cannot be read; when a value is null, a count
/// not finite or a text timestamp neither ISO-8601 nor ms (naming the column, row and value);
/// when a device filter finds neither a `device=` folder nor a `device_id` column.
pub fn summarize_dataset(path: &Path, filter: &DatasetFilter) -> Result<Summary> {
    let mut summary = Summary::new();
    for file in dataset_files(path)? {
        summary.add_parquet_file(&file, filter)?;
    }
    Ok(summary)
}

/// The Parquet files of the dataset at `path`, sorted: `path` itself when it is a file, else
/// every `*.parquet` below it, skipping names that start with `_` or `.` (symbolic links to
/// folders are not followed).
///
/// # Errors
/// [`Error::File`] when `path` or a folder below it cannot be read, or when a directory holds
/// no Parquet file.
pub fn dataset_files(path: &Path) -> Result<Vec<PathBuf>> {
    let meta = std::fs::metadata(path)
        .map_err(|e| Error::file_because(path, "cannot read the dataset", e))?;
    if !meta.is_dir() {
        return Ok(vec![path.to_owned()]);
    }
    let mut files = Vec::new();
    walk(path, &mut files)?;
    if files.is_empty() {
        return Err(Error::File {
            path: path.to_owned(),
            reason: "no .parquet file in this dataset (names starting with _ or . are skipped)"
                .into(),
            source: None,
        });
    }
    files.sort();
    Ok(files)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Error::file_because(dir, "cannot list the folder", e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::file_because(dir, "cannot list the folder", e))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(['_', '.']) {
            continue;
        }
        let path = entry.path();
        let kind = entry
            .file_type()
            .map_err(|e| Error::file_because(&path, "cannot read", e))?;
        if kind.is_dir() {
            walk(&path, files)?;
        } else if name.ends_with(".parquet") && path.is_file() {
            files.push(path);
        }
    }
    Ok(())
}

/// The value of the last `device=` folder in `path`, percent-decoded.
fn partition_device(path: &Path) -> Option<String> {
    let parent = path.parent()?;
    parent
        .components()
        .filter_map(|c| c.as_os_str().to_str()?.strip_prefix("device="))
        .next_back()
        .map(percent_decode)
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Summary {
    /// Adds the rows of the Parquet file `file` that `filter` keeps, batch by batch.
    ///
    /// # Errors
    /// As [`summarize_dataset`], for this one file.
    pub fn add_parquet_file(&mut self, file: &Path, filter: &DatasetFilter) -> Result<()> {
        let folder_device = partition_device(file);
        if let (Some(want), Some(have)) = (&filter.device, &folder_device)
            && want != have
        {
            return Ok(());
        }
        let rows_device = filter.device.as_deref().filter(|_| folder_device.is_none());
        let bad = |reason: String| Error::File {
            path: file.to_owned(),
            reason,
            source: None,
        };
        let opened = File::open(file).map_err(|e| Error::file_because(file, "cannot open", e))?;
        let builder = ParquetRecordBatchReaderBuilder::try_new(opened).map_err(|e| {
            Error::file_because(
                file,
                "not a readable Parquet file (truncated or another format)",
                e,
            )
        })?;
        let fields = builder.schema().fields();
        let index = |name: &str| fields.iter().position(|f| f.name() == name);
        let mut wanted = vec![CLASS_COLUMN, COUNT_COLUMN, TIMESTAMP_COLUMN];
        if rows_device.is_some() {
            wanted.push(DEVICE_COLUMN);
        }
        let mut indices = Vec::new();
        for name in &wanted {
            match index(name) {
                Some(i) => indices.push(i),
                None if *name == DEVICE_COLUMN => {
                    return Err(bad(format!(
                        "no `device=` folder and no `{DEVICE_COLUMN}` column to filter by device"
                    )));
                }
                None => return Err(bad(no_column(name, fields.iter().map(|f| f.name())))),
            }
        }
        let mask = ProjectionMask::roots(builder.parquet_schema(), indices);
        let reader = builder.with_projection(mask).build().map_err(|e| {
            Error::file_because(
                file,
                "not a readable Parquet file (truncated or another format)",
                e,
            )
        })?;
        let mut first_row = 0;
        for batch in reader {
            let batch = batch
                .map_err(|e| Error::file_because(file, "a damaged Parquet file (truncated?)", e))?;
            self.add_batch(&batch, rows_device, filter, first_row)
                .map_err(bad)?;
            first_row += batch.num_rows();
        }
        Ok(())
    }

    /// Adds one batch whose rows start at `first_row` (from 0) of their file; the error is the
    /// reason, naming the column, row and value.
    fn add_batch(
        &mut self,
        batch: &RecordBatch,
        device: Option<&str>,
        filter: &DatasetFilter,
        first_row: usize,
    ) -> std::result::Result<(), String> {
        let column = |name: &str| {
            let columns = batch.schema_ref().fields().iter().map(|f| f.name());
            batch
                .column_by_name(name)
                .map(|c| c.as_ref())
                .ok_or_else(|| no_column(name, columns))
        };
        let why = |name: &str, e: Unreadable, expected: &str| match e {
            Unreadable::Type(t) => format!("`{name}` has type {t}, not {expected}"),
            Unreadable::Value(i, v) => {
                format!("row {}: `{name}` is {v}, not {expected}", first_row + i + 1)
            }
        };
        let classes = texts(column(CLASS_COLUMN)?).map_err(|e| why(CLASS_COLUMN, e, "text"))?;
        let counts =
            counts(column(COUNT_COLUMN)?).map_err(|e| why(COUNT_COLUMN, e, "a finite number"))?;
        let times = millis(column(TIMESTAMP_COLUMN)?).map_err(|e| {
            why(
                TIMESTAMP_COLUMN,
                e,
                "a timestamp, ISO-8601 or Unix milliseconds",
            )
        })?;
        let devices = match device {
            Some(_) => {
                Some(texts(column(DEVICE_COLUMN)?).map_err(|e| why(DEVICE_COLUMN, e, "text"))?)
            }
            None => None,
        };
        for (i, ((class, count), ms)) in classes.iter().zip(&counts).zip(&times).enumerate() {
            if !filter.keeps_time(*ms) || devices.as_ref().is_some_and(|d| d[i] != device) {
                continue;
            }
            let class = class
                .ok_or_else(|| why(CLASS_COLUMN, Unreadable::Value(i, "null".into()), "text"))?;
            self.add(class, *count, Day::from_unix_ms(*ms));
        }
        Ok(())
    }
}

fn no_column<'a>(name: &str, columns: impl Iterator<Item = &'a String>) -> String {
    let columns: Vec<&str> = columns.map(String::as_str).collect();
    format!(
        "no `{name}` column (the columns are {})",
        columns.join(", ")
    )
}
