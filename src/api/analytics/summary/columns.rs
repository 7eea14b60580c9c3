//! Reading the summary's columns out of an Arrow batch: `timestamp` as Unix ms (Arrow
//! timestamps of any unit, ISO-8601 or digit text, Int64 ms, Date32), `count` as a [`Count`]
//! (integers or floats) and text columns (`class_name`, `device_id`; plain or dictionary-encoded).
//!
//! Each reader returns one value per row, or the row (from 0) and a description of the value
//! it could not read.

use arrow_array::cast::AsArray as _;
use arrow_array::types::{
    Date32Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrowPrimitiveType, PrimitiveArray};
use arrow_schema::{DataType, TimeUnit};

use super::Count;
use crate::clock::parse_rfc3339_ms;

/// Why a column could not be read: its type, or the row (from 0) and the value.
pub(super) enum Unreadable {
    Type(DataType),
    Value(usize, String),
}

type Column<T> = Result<Vec<T>, Unreadable>;

/// The text of a Utf8, LargeUtf8 or Utf8View column, `None` for nulls.
pub(super) fn texts(col: &dyn Array) -> Column<Option<&str>> {
    let rows = 0..col.len();
    Ok(match col.data_type() {
        DataType::Utf8 => rows.map(|i| text_at(col.as_string::<i32>(), i)).collect(),
        DataType::LargeUtf8 => rows.map(|i| text_at(col.as_string::<i64>(), i)).collect(),
        DataType::Utf8View => {
            let a = col.as_string_view();
            rows.map(|i| (!a.is_null(i)).then(|| a.value(i))).collect()
        }
        DataType::Dictionary(_, value)
            if matches!(
                **value,
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
            ) =>
        {
            let dict = col.as_any_dictionary();
            let values = texts(dict.values().as_ref())?;
            if values.is_empty() {
                // Only nulls (and `normalized_keys` wants a value to point at).
                return Ok(vec![None; col.len()]);
            }
            let keys = dict.normalized_keys();
            rows.map(|i| {
                if col.is_null(i) {
                    None
                } else {
                    values[keys[i]]
                }
            })
            .collect()
        }
        other => return Err(Unreadable::Type(other.clone())),
    })
}

fn text_at<O: arrow_array::OffsetSizeTrait>(
    a: &arrow_array::GenericStringArray<O>,
    i: usize,
) -> Option<&str> {
    (!a.is_null(i)).then(|| a.value(i))
}

/// Unix milliseconds of every row.
pub(super) fn millis(col: &dyn Array) -> Column<i64> {
    let scaled = |per_ms: i64| move |v: i64| v.div_euclid(per_ms);
    match col.data_type() {
        DataType::Timestamp(TimeUnit::Second, _) => ints::<TimestampSecondType>(col, |v| v * 1000),
        DataType::Timestamp(TimeUnit::Millisecond, _) => {
            ints::<TimestampMillisecondType>(col, |v| v)
        }
        DataType::Int64 => ints::<Int64Type>(col, |v| v),
        DataType::Timestamp(TimeUnit::Microsecond, _) => {
            ints::<TimestampMicrosecondType>(col, scaled(1000))
        }
        DataType::Timestamp(TimeUnit::Nanosecond, _) => {
            ints::<TimestampNanosecondType>(col, scaled(1_000_000))
        }
        DataType::Date32 => ints::<Date32Type>(col, |d| i64::from(d) * 86_400_000),
        _ => texts(col)?
            .into_iter()
            .enumerate()
            .map(|(i, text)| {
                let text = text.ok_or_else(|| Unreadable::Value(i, "null".into()))?;
                let t = text.trim();
                let ms = if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
                    t.parse().ok()
                } else {
                    parse_rfc3339_ms(t)
                };
                ms.ok_or_else(|| Unreadable::Value(i, quoted(text)))
            })
            .collect(),
    }
}

fn ints<T: ArrowPrimitiveType>(col: &dyn Array, to_ms: impl Fn(T::Native) -> i64) -> Column<i64> {
    let a: &PrimitiveArray<T> = col.as_primitive::<T>();
    (0..a.len())
        .map(|i| {
            if a.is_null(i) {
                Err(Unreadable::Value(i, "null".into()))
            } else {
                Ok(to_ms(a.value(i)))
            }
        })
        .collect()
}

/// The count of every row.
pub(super) fn counts(col: &dyn Array) -> Column<Count> {
    match col.data_type() {
        DataType::Int8 => nums::<Int8Type>(col, |v| Count::Int(v.into())),
        DataType::Int16 => nums::<Int16Type>(col, |v| Count::Int(v.into())),
        DataType::Int32 => nums::<Int32Type>(col, |v| Count::Int(v.into())),
        DataType::Int64 => nums::<Int64Type>(col, Count::Int),
        DataType::UInt8 => nums::<UInt8Type>(col, |v| Count::Int(v.into())),
        DataType::UInt16 => nums::<UInt16Type>(col, |v| Count::Int(v.into())),
        DataType::UInt32 => nums::<UInt32Type>(col, |v| Count::Int(v.into())),
        DataType::UInt64 => nums::<UInt64Type>(col, |v| {
            i64::try_from(v).map_or(Count::Float(v as f64), Count::Int)
        }),
        DataType::Float32 => nums::<Float32Type>(col, |v| Count::Float(v.into())),
        DataType::Float64 => nums::<Float64Type>(col, Count::Float),
        // Counts the API sent as text, or a column written as text with lenient types.
        _ => texts(col)?
            .into_iter()
            .enumerate()
            .map(|(i, text)| {
                let text = text.ok_or_else(|| Unreadable::Value(i, "null".into()))?;
                super::json_count(&serde_json::Value::String(text.to_owned()))
                    .ok_or_else(|| Unreadable::Value(i, quoted(text)))
            })
            .collect(),
    }
}

fn nums<T: ArrowPrimitiveType>(
    col: &dyn Array,
    count: impl Fn(T::Native) -> Count,
) -> Column<Count> {
    let a: &PrimitiveArray<T> = col.as_primitive::<T>();
    (0..a.len())
        .map(|i| {
            if a.is_null(i) {
                return Err(Unreadable::Value(i, "null".into()));
            }
            match count(a.value(i)) {
                Count::Float(x) if !x.is_finite() => Err(Unreadable::Value(i, x.to_string())),
                c => Ok(c),
            }
        })
        .collect()
}

/// Text as a JSON string, cut to 60 characters.
fn quoted(text: &str) -> String {
    super::excerpt(&serde_json::Value::String(text.to_owned()))
}
