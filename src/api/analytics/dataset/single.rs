//! A pull to one Parquet file: pulled as an unpartitioned dataset in `<out>.partial.d/` (so it
//! checkpoints and resumes like any dataset), then merged into `<out>.partial`, renamed to
//! `<out>` when complete, and the staging folder removed.

use std::fs::{self, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use super::checkpoint::read_checkpoint;
use super::files::decode;
use super::{DatasetPulled, DatasetSpec, pull_dataset};
use crate::api::analytics::Analytics;
use crate::api::analytics::destination::Destination;
use crate::api::analytics::pull::{Progress, PullSpec, partial_path};
use crate::api::analytics::resume::open_no_follow;
use crate::error::{Error, Result};

/// Where a pull to `out` is staged until it is merged.
pub fn staging_path(out: &Path) -> PathBuf {
    let mut name = partial_path(out).into_os_string();
    name.push(".d");
    PathBuf::from(name)
}

/// Pulls `spec` into the Parquet file `out` (typed columns as `dataset` says; its
/// `partition_by` must be empty): resumable through `<out>.partial.d/` with `resume`.
///
/// # Errors
/// As [`pull_dataset`]; [`Error::Config`] when `dataset` asks for partitions; [`Error::File`]
/// when `out` or the staging folder cannot be written. After a failure the staging folder
/// stays for a resume.
pub async fn pull_parquet_file(
    client: &Analytics,
    spec: &PullSpec,
    dataset: &DatasetSpec,
    out: &Path,
    resume: bool,
    progress: impl FnMut(&Progress),
) -> Result<DatasetPulled> {
    if !dataset.partition_by.is_empty() {
        return Err(Error::config(
            "--partition-by",
            "makes a folder of files, not one file: give --out a directory",
        ));
    }
    let staging = staging_path(out);
    let target = staging
        .to_str()
        .ok_or_else(|| Error::config("--out", format!("{} is not a UTF-8 path", out.display())))?;
    let dest = Destination::open(target).await?;
    // A pull that finished before the merge (a crash in between) is merged, not pulled again.
    let pulled = match read_checkpoint(&dest).await? {
        Some(cp) if cp.complete && resume => DatasetPulled {
            pages: 0,
            rows: cp.rows,
            files: cp.files.iter().map(|f| f.key.clone()).collect(),
            resumed: true,
        },
        _ => pull_dataset(client, spec, dataset, &dest, resume, progress).await?,
    };
    merge(&dest, out).await?;
    fs::remove_dir_all(&staging)
        .map_err(|e| Error::file_because(&staging, "cannot be removed after the merge", e))?;
    Ok(pulled)
}

/// Writes every file of the finished dataset `dest`, in order, into `<out>.partial`, then
/// renames it to `out`.
async fn merge(dest: &Destination, out: &Path) -> Result<()> {
    let cp = read_checkpoint(dest)
        .await?
        .filter(|cp| cp.complete)
        .ok_or_else(|| Error::config("--out", "the staged pull is not complete"))?;
    let partial = partial_path(out);
    let failed = |e: &dyn std::fmt::Display| Error::File {
        path: partial.clone(),
        reason: format!("cannot be written as Parquet: {e}"),
        source: None,
    };
    let schema = Arc::new(cp.columns.schema());
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .build();
    // As the CSV pull: never created or written through a symbolic link.
    let file = open_no_follow(
        &partial,
        OpenOptions::new().write(true).create(true).truncate(true),
    )?;
    let mut writer = ArrowWriter::try_new(file, schema, Some(props)).map_err(|e| failed(&e))?;
    for record in &cp.files {
        for batch in decode(dest, &record.key).await? {
            writer.write(&batch).map_err(|e| failed(&e))?;
        }
        // One row group per staged file: memory stays at one batch.
        writer.flush().map_err(|e| failed(&e))?;
    }
    let file = writer.into_inner().map_err(|e| failed(&e))?;
    file.sync_all().map_err(|e| failed(&e))?;
    fs::rename(&partial, out).map_err(|e| Error::file_because(out, "cannot be put in place", e))
}
