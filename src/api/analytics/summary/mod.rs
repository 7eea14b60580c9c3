//! A summary of analytics data: per class (the `class_name` column) the total of the `count`
//! column, and its sum per UTC day of the `timestamp` column.
//!
//! [`Summary`] is fed page by page ([`Summary::add_page`]), by [`summarize`] from the API or,
//! with the `parquet` feature, batch by batch from a dataset on disk (`dataset`). It keeps one
//! number per class and day, so memory grows with classes × days, never with rows.
//!
//! `timestamp` is ISO-8601 text (`2020-08-17T06:16:45.000Z`) or Unix milliseconds; `count` is a
//! number. Totals stay integers while every count is one ([`Count`]).

#[cfg(feature = "parquet")]
mod columns;
mod count;
#[cfg(feature = "parquet")]
pub mod dataset;
mod day;
mod fetch;

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use serde_json::Value;

pub use count::Count;
pub use day::Day;
pub use fetch::{Fetched, summarize};

use super::AnalyticsPage;
use crate::clock::parse_rfc3339_ms;
use crate::error::{Error, Result};

/// The column holding a row's class.
pub const CLASS_COLUMN: &str = "class_name";
/// The column summed.
pub const COUNT_COLUMN: &str = "count";
/// The column giving a row's day.
pub const TIMESTAMP_COLUMN: &str = "timestamp";

/// The totals of one class, as [`Summary::classes`] returns them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ClassSummary {
    /// The class name.
    pub class: String,
    /// The sum of its `count` values.
    pub total: Count,
    /// The sum per UTC day, days without rows left out.
    #[serde(rename = "perDay")]
    pub per_day: BTreeMap<Day, Count>,
}

#[derive(Debug, Default)]
struct Totals {
    total: Count,
    per_day: BTreeMap<Day, Count>,
}

/// Per class, the total of `count` and its sum per UTC day. Feed it rows; read
/// [`Summary::classes`] or [`Summary::to_json`].
#[derive(Debug, Default)]
pub struct Summary {
    classes: HashMap<String, Totals>,
    rows: u64,
}

impl Summary {
    /// An empty summary.
    pub fn new() -> Self {
        Summary::default()
    }

    /// Adds one row: `count` of `class` on `day`.
    pub fn add(&mut self, class: &str, count: Count, day: Day) {
        let totals = match self.classes.get_mut(class) {
            Some(t) => t,
            None => self.classes.entry(class.to_owned()).or_default(),
        };
        totals.total = totals.total.plus(count);
        let slot = totals.per_day.entry(day).or_default();
        *slot = slot.plus(count);
        self.rows += 1;
    }

    /// Adds every row of `page` (page `page_number` of `device`, named in errors).
    ///
    /// # Errors
    /// [`Error::UnexpectedResponse`] naming the page when it has rows but no `class_name`,
    /// `count` or `timestamp` column, or naming the column, page, row and value when a class
    /// is not text, a count not a number, or a timestamp neither ISO-8601 nor Unix ms. The
    /// rows before the bad one are already added.
    pub fn add_page(&mut self, page: &AnalyticsPage, device: &str, page_number: u64) -> Result<()> {
        if page.rows.is_empty() {
            return Ok(());
        }
        let at = |what: String| format!("analytics page {page_number} of {device}: {what}");
        let column = |name: &str| {
            page.keys.iter().position(|k| k == name).ok_or_else(|| {
                Error::unexpected(at(format!(
                    "no `{name}` column (the columns are {})",
                    page.keys.join(", ")
                )))
            })
        };
        let (class_i, count_i, time_i) = (
            column(CLASS_COLUMN)?,
            column(COUNT_COLUMN)?,
            column(TIMESTAMP_COLUMN)?,
        );
        for (n, row) in page.rows.iter().enumerate() {
            let bad = |name: &str, value: &Value, expected: &str| {
                Error::unexpected(at(format!(
                    "row {}: `{name}` is {}, not {expected}",
                    n + 1,
                    excerpt(value)
                )))
            };
            let class = match &row[class_i] {
                Value::String(s) => s.as_str(),
                other => return Err(bad(CLASS_COLUMN, other, "text")),
            };
            let count = json_count(&row[count_i])
                .ok_or_else(|| bad(COUNT_COLUMN, &row[count_i], "a number"))?;
            let ms = json_ms(&row[time_i]).ok_or_else(|| {
                bad(
                    TIMESTAMP_COLUMN,
                    &row[time_i],
                    "ISO-8601 or Unix milliseconds",
                )
            })?;
            self.add(class, count, Day::from_unix_ms(ms));
        }
        Ok(())
    }

    /// How many rows were added.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// The first and last day with a row, if any.
    pub fn day_span(&self) -> Option<(Day, Day)> {
        let days = self.classes.values().flat_map(|t| {
            let first = t.per_day.keys().next();
            let last = t.per_day.keys().next_back();
            first.into_iter().chain(last)
        });
        days.fold(None, |span, &d| match span {
            None => Some((d, d)),
            Some((a, b)) => Some((a.min(d), b.max(d))),
        })
    }

    /// Every class, by total descending then name; a class with a fractional count has all
    /// its numbers as floats.
    pub fn classes(&self) -> Vec<ClassSummary> {
        let mut out: Vec<ClassSummary> = self
            .classes
            .iter()
            .map(|(class, t)| {
                let float = matches!(t.total, Count::Float(_))
                    || t.per_day.values().any(|c| matches!(c, Count::Float(_)));
                let fix = |c: Count| if float { c.to_float() } else { c };
                ClassSummary {
                    class: class.clone(),
                    total: fix(t.total),
                    per_day: t.per_day.iter().map(|(d, c)| (*d, fix(*c))).collect(),
                }
            })
            .collect();
        out.sort_by(|a, b| {
            b.total
                .as_f64()
                .total_cmp(&a.total.as_f64())
                .then_with(|| a.class.cmp(&b.class))
        });
        out
    }

    /// `{"classes": [{"class": ..., "total": N, "perDay": {"YYYY-MM-DD": N, ...}}, ...]}`, in the
    /// order of [`Summary::classes`] (as the `Serialize` impl writes it, keys in that order).
    pub fn to_json(&self) -> Value {
        serde_json::json!({ "classes": self.classes() })
    }
}

impl Serialize for Summary {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let mut map = s.serialize_map(Some(1))?;
        map.serialize_entry("classes", &self.classes())?;
        map.end()
    }
}

/// A JSON count: a number, or text holding one (the API sends some numbers as text).
pub(super) fn json_count(value: &Value) -> Option<Count> {
    match value {
        Value::Number(n) => match n.as_i64() {
            Some(i) => Some(Count::Int(i)),
            None => n.as_f64().map(Count::Float),
        },
        Value::String(s) => {
            let s = s.trim();
            match s.parse::<i64>() {
                Ok(i) => Some(Count::Int(i)),
                Err(_) => s
                    .parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .map(Count::Float),
            }
        }
        _ => None,
    }
}

/// A JSON timestamp: ISO-8601 text, or Unix milliseconds as a number or as digits.
fn json_ms(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|x| x.is_finite())
                .map(|x| x.floor() as i64)
        }),
        Value::String(s) => {
            let t = s.trim();
            if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
                t.parse().ok()
            } else {
                parse_rfc3339_ms(t)
            }
        }
        _ => None,
    }
}

/// A value as JSON, cut to 60 characters so one huge cell does not flood an error.
pub(crate) fn excerpt(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text,
    }
}
