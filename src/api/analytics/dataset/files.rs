//! A dataset's files: written (one row group, Snappy), read back, and rewritten once with
//! the final column types.

use std::fs::File;
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use super::DEFAULT_BATCH_ROWS;
use super::checkpoint::{Checkpoint, refused, write_checkpoint};
use crate::api::analytics::destination::Destination;
use crate::api::analytics::typed::{Columns, Kind, cast};
use crate::error::{Error, Result};

/// Writes one Parquet file under `key` from batches of `arrays` (the columns' current
/// types), as one row group.
pub(super) async fn write_file(
    dest: &Destination,
    key: &str,
    columns: &Columns,
    batches: Vec<Vec<ArrayRef>>,
) -> Result<()> {
    let schema = Arc::new(columns.schema());
    let scratch = dest
        .scratch_dir()
        .join(format!("{}.tmp", key.replace('/', "_")));
    let written = (|| {
        let batches = batches
            .into_iter()
            .map(|arrays| RecordBatch::try_new(schema.clone(), arrays))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_row_count(Some(rows.max(1)))
            .build();
        let mut writer =
            ArrowWriter::try_new(File::create(&scratch)?, schema.clone(), Some(props))?;
        for batch in &batches {
            writer.write(batch)?;
        }
        writer.into_inner()?.sync_all()?;
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&scratch);
        return Err(Error::file_because(
            &scratch,
            "cannot be written as Parquet",
            ErrorText(e.to_string()),
        ));
    }
    dest.publish(&scratch, key).await
}

/// An error's text, as a source.
#[derive(Debug)]
struct ErrorText(String);

impl std::fmt::Display for ErrorText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ErrorText {}

/// The record batches of the file at `key`.
pub(super) async fn decode(dest: &Destination, key: &str) -> Result<Vec<RecordBatch>> {
    let bytes = dest
        .read(key)
        .await?
        .ok_or_else(|| refused(dest, format!("lost {key}, which its checkpoint lists")))?;
    let broken = |e: parquet::errors::ParquetError| {
        Error::unexpected_because(
            format!(
                "{key} in {} is not a readable Parquet file",
                dest.describe()
            ),
            e,
        )
    };
    let reader = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(bytes))
        .map_err(broken)?
        .with_batch_size(DEFAULT_BATCH_ROWS)
        .build()
        .map_err(broken)?;
    reader
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| Error::unexpected_because(format!("{key} cannot be read back"), e))
}

/// Rewrites, once, every file written before a column's type widened (or before the column
/// first appeared), so that all files have the final schema; the checkpoint follows each.
pub(super) async fn unify(dest: &Destination, cp: &mut Checkpoint) -> Result<()> {
    let columns = cp.columns.clone();
    for i in 0..cp.files.len() {
        let was = cp.schemas[cp.files[i].schema].clone();
        if was == columns.kinds {
            continue;
        }
        let key = cp.files[i].key.clone();
        let batches = decode(dest, &key)
            .await?
            .into_iter()
            .map(|batch| {
                let rows = batch.num_rows();
                columns
                    .kinds
                    .iter()
                    .enumerate()
                    .map(|(c, &to)| {
                        // The file's own types, not the record: a rewrite that a crash cut
                        // short may have left this file in the final types already.
                        let written = batch
                            .schema()
                            .fields()
                            .get(c)
                            .map(|f| f.data_type().clone());
                        match written.as_ref().and_then(Kind::of_data_type) {
                            Some(from) if c < batch.num_columns() => {
                                cast(batch.column(c), from, to)
                            }
                            _ => arrow_array::new_null_array(&to.data_type(), rows),
                        }
                    })
                    .collect()
            })
            .collect();
        write_file(dest, &key, &columns, batches).await?;
        if cp.schemas.last() != Some(&columns.kinds) {
            cp.schemas.push(columns.kinds.clone());
        }
        cp.files[i].schema = cp.schemas.len() - 1;
        write_checkpoint(dest, cp).await?;
    }
    Ok(())
}
