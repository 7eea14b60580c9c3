//! Typed columns for Parquet: each column's type is learnt from its values (64-bit integers,
//! doubles, booleans, text, UTC millisecond timestamps), values are kept typed while a batch
//! fills, and a batch becomes Arrow arrays of the column types the pull has settled on.
//!
//! Typing rules:
//! - JSON whole numbers are `Int`; any fraction (or a number beyond `i64`) makes the column
//!   `Float` (whole numbers and fractions are one JSON type: widening is not a change).
//! - A string in RFC 3339 date-time form (`2020-08-17T06:16:45.000Z`) makes a `Timestamp`
//!   column; in a column named `timestamp`, numbers are Unix milliseconds and make it one too.
//! - Other strings, objects and lists (as their JSON text) are `Text`; `true`/`false` `Bool`.
//! - Nulls say nothing: a column of nulls only is written as text and retyped later if needed.
//!
//! A value of another type than its column's is a [`Conflict`]; in lenient mode the column
//! becomes `Text` instead (numbers, booleans and timestamps written as text).

use std::sync::Arc;

use arrow_array::{
    ArrayRef, BooleanArray, Float64Array, Int64Array, StringArray, TimestampMillisecondArray,
};
use arrow_schema::{DataType, Field, TimeUnit};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::clock::{Civil, parse_rfc3339_ms};

/// The column named this holds Unix milliseconds when its values are numbers.
pub(crate) const TIMESTAMP: &str = "timestamp";

/// A column's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Nothing but nulls so far.
    Unknown,
    /// 64-bit signed integers.
    Int,
    /// 64-bit floats.
    Float,
    /// Booleans.
    Bool,
    /// UTF-8 text.
    Text,
    /// UTC instants, millisecond precision.
    Timestamp,
}

impl Kind {
    /// The Arrow type it is written as.
    pub fn data_type(self) -> DataType {
        match self {
            Kind::Int => DataType::Int64,
            Kind::Float => DataType::Float64,
            Kind::Bool => DataType::Boolean,
            Kind::Unknown | Kind::Text => DataType::Utf8,
            Kind::Timestamp => DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
        }
    }

    /// The kind a column was written as, from its Arrow type (text also for a column of
    /// nulls only); `None` for a type this crate does not write.
    pub fn of_data_type(data_type: &DataType) -> Option<Kind> {
        Some(match data_type {
            DataType::Int64 => Kind::Int,
            DataType::Float64 => Kind::Float,
            DataType::Boolean => Kind::Bool,
            DataType::Utf8 => Kind::Text,
            DataType::Timestamp(TimeUnit::Millisecond, _) => Kind::Timestamp,
            _ => return None,
        })
    }

    /// The Arrow field of a column of this kind.
    pub fn field(self, name: &str) -> Field {
        Field::new(name, self.data_type(), true)
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Unknown => "null",
            Kind::Int => "integer",
            Kind::Float => "double",
            Kind::Bool => "boolean",
            Kind::Text => "text",
            Kind::Timestamp => "timestamp",
        }
    }

    /// The kind both `self` and `other` fit in, when one exists without turning to text.
    fn join(self, other: Kind) -> Option<Kind> {
        match (self, other) {
            (a, b) if a == b => Some(a),
            (Kind::Unknown, k) | (k, Kind::Unknown) => Some(k),
            (Kind::Int, Kind::Float) | (Kind::Float, Kind::Int) => Some(Kind::Float),
            _ => None,
        }
    }

    /// The column type after `self` meets `other`: the join, or text when lenient.
    pub(crate) fn widen(self, other: Kind, lenient: bool) -> Option<Kind> {
        self.join(other).or(lenient.then_some(Kind::Text))
    }
}

/// A value that does not fit its column's type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Conflict {
    pub(crate) column: String,
    pub(crate) was: Kind,
    pub(crate) value: String,
    pub(crate) now: Kind,
}

impl Conflict {
    /// The message, for the page it came on.
    pub(crate) fn describe(&self, device: &str, page: u64) -> String {
        format!(
            "column `{}` changes type on page {page} of {device}: it held {} values, then \
             {} is {} {}; with lenient types such a column is written as text",
            self.column,
            self.was.name(),
            self.value,
            if self.now == Kind::Int { "an" } else { "a" },
            self.now.name()
        )
    }
}

/// The kind of one value of column `name`, and the value in that kind.
fn classify(name: &str, value: &Value) -> (Kind, Cell) {
    match value {
        Value::Null => (Kind::Unknown, Cell::Null),
        Value::Bool(b) => (Kind::Bool, Cell::Bool(*b)),
        Value::Number(n) if name == TIMESTAMP => match n.as_i64() {
            Some(ms) => (Kind::Timestamp, Cell::Ts(ms)),
            None => (Kind::Timestamp, Cell::Ts(n.as_f64().unwrap_or(0.0) as i64)),
        },
        Value::Number(n) => match n.as_i64() {
            Some(i) => (Kind::Int, Cell::Int(i)),
            None => (Kind::Float, Cell::Float(n.as_f64().unwrap_or(f64::NAN))),
        },
        Value::String(s) => match is_date_time(s).then(|| parse_rfc3339_ms(s)).flatten() {
            Some(ms) => (Kind::Timestamp, Cell::Ts(ms)),
            None => (Kind::Text, Cell::Text(s.clone())),
        },
        other => (Kind::Text, Cell::Text(other.to_string())),
    }
}

/// A date and a time (`YYYY-MM-DDT...`), not a bare date or a number written as text.
fn is_date_time(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 16 && b[4] == b'-' && b[7] == b'-' && matches!(b[10], b'T' | b't' | b' ')
}

/// One value, typed.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Null,
    Int(i64),
    /// Unix milliseconds.
    Ts(i64),
    Float(f64),
    Bool(bool),
    Text(String),
}

impl Cell {
    /// As text: what a column turned to text holds (timestamps in RFC 3339, UTC).
    fn into_text(self) -> Option<String> {
        match self {
            Cell::Null => None,
            Cell::Ts(ms) => Some(rfc3339_ms(ms)),
            Cell::Int(i) => Some(i.to_string()),
            // A whole double reads as the integer it was before the column widened.
            Cell::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some((f as i64).to_string()),
            Cell::Float(f) => Some(Value::from(f).to_string()),
            Cell::Bool(b) => Some(b.to_string()),
            Cell::Text(s) => Some(s),
        }
    }
}

/// `2020-08-17T06:16:45.000Z`.
pub(crate) fn rfc3339_ms(ms: i64) -> String {
    let c = Civil::from_unix(ms.div_euclid(1000));
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        c.year,
        c.month,
        c.day,
        c.hour,
        c.minute,
        c.second,
        ms.rem_euclid(1000)
    )
}

/// `YYYY-MM-DD`, the UTC day of Unix milliseconds.
pub(crate) fn utc_day(ms: i64) -> String {
    let c = Civil::from_unix(ms.div_euclid(1000));
    format!("{:04}-{:02}-{:02}", c.year, c.month, c.day)
}

/// The columns of a pull: names in first-seen order and the type each has settled on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Columns {
    pub(crate) names: Vec<String>,
    pub(crate) kinds: Vec<Kind>,
}

impl Columns {
    /// The index of `name`, added (as `Unknown`) when new.
    fn index(&mut self, name: &str) -> usize {
        match self.names.iter().position(|n| n == name) {
            Some(i) => i,
            None => {
                self.names.push(name.to_owned());
                self.kinds.push(Kind::Unknown);
                self.names.len() - 1
            }
        }
    }

    /// The Arrow schema of these columns.
    pub(crate) fn schema(&self) -> arrow_schema::Schema {
        arrow_schema::Schema::new(
            self.names
                .iter()
                .zip(&self.kinds)
                .map(|(name, kind)| kind.field(name))
                .collect::<Vec<_>>(),
        )
    }

    /// The position of `name`'s timestamp (ms) in a row keyed by `keys`, if it is one.
    pub(crate) fn timestamp_of(keys: &[String], row: &[Value]) -> Option<i64> {
        let i = keys.iter().position(|k| k == TIMESTAMP)?;
        match classify(TIMESTAMP, row.get(i)?) {
            (_, Cell::Ts(ms)) => Some(ms),
            _ => None,
        }
    }
}

/// Rows of a batch, typed column by column, waiting to be written.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    /// One vector per column of [`Columns`], all of `rows` length.
    cells: Vec<Vec<Cell>>,
    pub(crate) rows: usize,
}

impl Batch {
    /// Adds one row keyed by `keys`, learning and checking column types in `columns`; a
    /// value that does not fit is a [`Conflict`] (or, `lenient`, turns the column to text).
    /// Nothing is added when it fails.
    pub(crate) fn push(
        &mut self,
        columns: &mut Columns,
        keys: &[String],
        row: &[Value],
        lenient: bool,
    ) -> Result<(), Conflict> {
        let mut typed = Vec::with_capacity(keys.len());
        for (key, value) in keys.iter().zip(row) {
            let i = columns.index(key);
            let (kind, cell) = classify(key, value);
            let was = columns.kinds[i];
            match was.widen(kind, lenient) {
                Some(now) => columns.kinds[i] = now,
                None => {
                    return Err(Conflict {
                        column: key.clone(),
                        was,
                        value: excerpt(value),
                        now: kind,
                    });
                }
            }
            typed.push((i, cell, kind));
        }
        while self.cells.len() < columns.names.len() {
            self.cells.push(vec![Cell::Null; self.rows]);
        }
        for column in &mut self.cells {
            column.push(Cell::Null);
        }
        for (i, cell, _) in typed {
            self.cells[i][self.rows] = cell;
        }
        self.rows += 1;
        Ok(())
    }

    /// The batch as Arrow arrays of the types in `columns` (every column, nulls where a row
    /// had none), emptied.
    pub(crate) fn take_arrays(&mut self, columns: &Columns) -> Vec<ArrayRef> {
        let rows = self.rows;
        let mut cells = std::mem::take(&mut self.cells);
        self.rows = 0;
        cells.resize_with(columns.names.len(), || vec![Cell::Null; rows]);
        cells
            .into_iter()
            .zip(&columns.kinds)
            .map(|(column, kind)| to_array(column, *kind))
            .collect()
    }
}

/// Cells as an Arrow array of `kind` (they fit it: [`Batch::push`] checked).
fn to_array(cells: Vec<Cell>, kind: Kind) -> ArrayRef {
    match kind {
        Kind::Int => Arc::new(Int64Array::from_iter(cells.iter().map(|c| match c {
            Cell::Int(i) => Some(*i),
            _ => None,
        }))),
        Kind::Timestamp => Arc::new(
            TimestampMillisecondArray::from_iter(cells.iter().map(|c| match c {
                Cell::Ts(ms) => Some(*ms),
                _ => None,
            }))
            .with_timezone("UTC"),
        ),
        Kind::Float => Arc::new(Float64Array::from_iter(cells.iter().map(|c| match c {
            Cell::Int(i) => Some(*i as f64),
            Cell::Float(f) => Some(*f),
            _ => None,
        }))),
        Kind::Bool => Arc::new(BooleanArray::from_iter(cells.iter().map(|c| match c {
            Cell::Bool(b) => Some(*b),
            _ => None,
        }))),
        // Values typed before the column turned to text are written as text.
        Kind::Unknown | Kind::Text => Arc::new(StringArray::from(
            cells.into_iter().map(Cell::into_text).collect::<Vec<_>>(),
        )),
    }
}

/// An array written as `from` turned into `to` ([`Kind::widen`] allows it): integers to
/// doubles, anything to text, nulls to anything.
pub(crate) fn cast(array: &ArrayRef, from: Kind, to: Kind) -> ArrayRef {
    use arrow_array::Array as _;
    if from == to {
        return array.clone();
    }
    let len = array.len();
    let cells: Vec<Cell> = (0..len)
        .map(|i| {
            if array.is_null(i) {
                return Cell::Null;
            }
            let any = array.as_any();
            match from {
                Kind::Int => Cell::Int(downcast::<Int64Array>(any).value(i)),
                Kind::Timestamp => Cell::Ts(downcast::<TimestampMillisecondArray>(any).value(i)),
                Kind::Float => Cell::Float(downcast::<Float64Array>(any).value(i)),
                Kind::Bool => Cell::Bool(downcast::<BooleanArray>(any).value(i)),
                Kind::Unknown | Kind::Text => {
                    Cell::Text(downcast::<StringArray>(any).value(i).to_owned())
                }
            }
        })
        .collect();
    to_array(cells, to)
}

fn downcast<T: 'static>(any: &dyn std::any::Any) -> &T {
    any.downcast_ref::<T>()
        .expect("the array was written with the column's recorded type")
}

/// A value as a message quotes it.
fn excerpt(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() <= 40 {
        return text;
    }
    let short: String = text.chars().take(37).collect();
    format!("{short}...")
}

#[cfg(test)]
mod tests;
