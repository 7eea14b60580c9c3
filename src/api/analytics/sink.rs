//! Writing pages as CSV or JSON Lines, in order, counting rows and bytes for checkpoints.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::AnalyticsPage;
use super::pull::Format;
use crate::error::{Error, Result};

/// Writes pages as they come, remembering the columns and counting bytes for checkpoints.
pub(super) struct Sink<W: Write> {
    pub(super) out: W,
    format: Format,
    pub(super) keys: Option<Vec<String>>,
    pub(super) rows: u64,
    pub(super) bytes: u64,
    line: Vec<u8>,
    /// The output's name in errors.
    pub(super) name: PathBuf,
}

impl<W: Write> Sink<W> {
    pub(super) fn new(out: W, format: Format, name: PathBuf) -> Self {
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

    pub(super) fn page(&mut self, page: &AnalyticsPage, device: &str, number: u64) -> Result<()> {
        if self.format == Format::Csv && !(page.keys.is_empty() && page.rows.is_empty()) {
            match &self.keys {
                Some(keys) if *keys != page.keys => {
                    return Err(Error::unexpected(format!(
                        "page {number} of {device} has the columns {:?}, earlier pages {keys:?}; \
                         a CSV cannot hold both (write JSON Lines instead)",
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
                Format::Parquet => {
                    return Err(Error::unexpected("Parquet is not written line by line"));
                }
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

pub(super) fn write_error(path: &Path, e: io::Error) -> Error {
    Error::file_because(path, "cannot write", e)
}

/// One CSV record: a field is quoted when it holds a comma, a quote or a line break, and
/// quotes inside are doubled (RFC 4180).
pub(super) fn csv_line(out: &mut Vec<u8>, values: impl Iterator<Item = Value>) {
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

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
}
