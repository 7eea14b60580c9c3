//! `_ul_pull.json`: which pull a dataset belongs to, how far it got and the files it holds;
//! read, checked against the pull asked for, and written after every batch of files.

use serde::{Deserialize, Serialize};

use super::{CHECKPOINT, DatasetSpec, Partition};
use crate::api::analytics::destination::Destination;
use crate::api::analytics::pull::{Devices, PullSpec};
use crate::api::analytics::typed::{Columns, Kind};
use crate::error::{Error, Result};

pub(super) const CHECKPOINT_FORMAT: &str = "unleashlive-auth/analytics-dataset";

/// One published file: its key, rows, and the column types it was written with: an index
/// into [`Checkpoint::schemas`] (files written between two type changes share one), so the
/// checkpoint holds a key and two numbers per file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct FileRecord {
    pub(super) key: String,
    pub(super) rows: u64,
    pub(super) schema: usize,
}

/// `_ul_pull.json`: the pull it belongs to and how far it got.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Checkpoint {
    pub(super) format: String,
    pub(super) devices: Vec<String>,
    pub(super) all_devices: bool,
    pub(super) from_ms: i64,
    pub(super) to_ms: i64,
    pub(super) partition_by: Vec<Partition>,
    pub(super) lenient_types: bool,
    pub(super) device_index: usize,
    pub(super) last_page: u64,
    pub(super) total_pages: u64,
    pub(super) rows: u64,
    pub(super) next_file: u64,
    pub(super) columns: Columns,
    /// The column types files were written with (each the first `len` columns of the pull).
    pub(super) schemas: Vec<Vec<Kind>>,
    pub(super) files: Vec<FileRecord>,
    pub(super) complete: bool,
}

pub(super) fn refused(dest: &Destination, reason: String) -> Error {
    Error::config("dataset", format!("{} {reason}", dest.describe()))
}

pub(super) async fn read_checkpoint(dest: &Destination) -> Result<Option<Checkpoint>> {
    let Some(bytes) = dest.read(CHECKPOINT).await? else {
        return Ok(None);
    };
    let not_ours = || {
        refused(
            dest,
            format!("holds a {CHECKPOINT} that is not this tool's pull checkpoint; remove it"),
        )
    };
    let cp: Checkpoint = serde_json::from_slice(&bytes).map_err(|_| not_ours())?;
    if cp.format != CHECKPOINT_FORMAT {
        return Err(not_ours());
    }
    Ok(Some(cp))
}

pub(super) async fn write_checkpoint(dest: &Destination, cp: &Checkpoint) -> Result<()> {
    let bytes = serde_json::to_vec(cp)
        .map_err(|e| Error::unexpected_because("the checkpoint cannot be written", e))?;
    dest.write(CHECKPOINT, &bytes).await
}

/// Refuses a checkpoint of another pull than the one asked for, naming what differs.
pub(super) fn check_same(
    cp: &Checkpoint,
    spec: &PullSpec,
    dataset: &DatasetSpec,
    dest: &Destination,
) -> Result<()> {
    let devices_differ = match &spec.devices {
        Devices::All => !cp.all_devices,
        Devices::List(list) => cp.all_devices || *list != cp.devices,
    };
    let differs = [
        (devices_differ, "devices"),
        (cp.from_ms != spec.from_ms, "--from"),
        (cp.to_ms != spec.to_ms, "--to"),
        (cp.partition_by != dataset.partition_by, "--partition-by"),
        // Lenient takes everything strict does: a strict pull may go on leniently.
        (
            cp.lenient_types && !dataset.lenient_types,
            "--lenient-types",
        ),
    ];
    match differs.iter().find(|(differ, _)| *differ) {
        Some((_, what)) => Err(refused(
            dest,
            format!(
                "holds a stopped pull with other {what}; resume it with the same options, or \
                 remove the destination to start over"
            ),
        )),
        None => Ok(()),
    }
}

/// Removes the files published after the checkpoint (a run stopped between publishing a
/// file and recording it): the pages they hold are pulled again.
pub(super) async fn remove_unlisted(dest: &Destination, cp: &Checkpoint) -> Result<()> {
    for key in dest.list().await? {
        let ours = key
            .rsplit('/')
            .next()
            .is_some_and(|name| name.starts_with("part-") && name.ends_with(".parquet"));
        if ours && !cp.files.iter().any(|f| f.key == key) {
            dest.remove(&key).await?;
        }
    }
    Ok(())
}
