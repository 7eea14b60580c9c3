//! JSON paths in messages, the problems a check finds, and field-by-field decoding that says
//! where a value of the wrong type sits.

use serde::de::DeserializeOwned;
use serde_json::{Map, Number, Value};

use crate::error::{Error, Result};

/// One thing wrong with a mission or geofence file: where and what.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Problem {
    /// The JSON path of the value, e.g. `route[3].lat`; empty for the document itself.
    pub path: String,
    /// What is wrong with it, e.g. `95 is not a latitude`.
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// The path of `key` inside the object at `parent`.
pub(crate) fn key(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

/// The path of element `i` of the array at `parent`.
pub(crate) fn index(parent: &str, i: usize) -> String {
    format!("{parent}[{i}]")
}

/// A value as a message shows it: its JSON text, cut short.
pub(crate) fn excerpt(value: &Value) -> String {
    const MAX_CHARS: usize = 40;
    let text = value.to_string();
    if text.chars().count() <= MAX_CHARS {
        return text;
    }
    let short: String = text.chars().take(MAX_CHARS - 3).collect();
    format!("{short}...")
}

/// The problems found so far, in document order.
#[derive(Debug, Default)]
pub(crate) struct Problems(Vec<Problem>);

impl Problems {
    pub(crate) fn add(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(Problem {
            path: path.into(),
            message: message.into(),
        });
    }

    /// `field`, required in the object at `parent`, is absent.
    pub(crate) fn missing(&mut self, parent: &str, field: &str) {
        self.add(parent, format!("no {field}"));
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    pub(crate) fn into_vec(self) -> Vec<Problem> {
        self.0
    }
}

/// `Ok` when there are no problems, else an [`Error::Config`] for `setting` listing them all.
pub(crate) fn into_result(problems: Vec<Problem>, setting: &'static str) -> Result<()> {
    if problems.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = problems.iter().map(Problem::to_string).collect();
    Err(Error::config(setting, list.join("; ")))
}

/// Checks that a number is finite and within `[-limit, limit]` degrees; `what` names it.
pub(crate) fn check_degrees(
    problems: &mut Problems,
    path: &str,
    number: &Number,
    limit: f64,
    what: &str,
) {
    match number.as_f64() {
        Some(x) if x.is_finite() && (-limit..=limit).contains(&x) => {}
        Some(x) if x.is_finite() => problems.add(path, format!("{number} is not a {what}")),
        _ => problems.add(path, format!("{number} is not a finite number")),
    }
}

/// Checks that a number is finite and greater than zero.
pub(crate) fn check_positive(problems: &mut Problems, path: &str, number: &Number, what: &str) {
    match number.as_f64() {
        Some(x) if x.is_finite() && x > 0.0 => {}
        Some(x) if x.is_finite() => {
            problems.add(path, format!("{number} is not a positive {what}"))
        }
        _ => problems.add(path, format!("{number} is not a finite number")),
    }
}

/// Checks that a number is finite.
pub(crate) fn check_finite(problems: &mut Problems, path: &str, number: &Number) {
    if !number.as_f64().is_some_and(f64::is_finite) {
        problems.add(path, format!("{number} is not a finite number"));
    }
}

/// An object being decoded one field at a time: each field taken out is decoded on its own,
/// so a value of the wrong type is reported with its path; what is left over is kept.
pub(crate) struct Fields<'p> {
    map: Map<String, Value>,
    path: String,
    problems: &'p mut Problems,
}

impl<'p> Fields<'p> {
    /// The object at `path`, or `None` (and a problem) when the value is not an object.
    pub(crate) fn of(value: Value, path: &str, problems: &'p mut Problems) -> Option<Self> {
        match value {
            Value::Object(map) => Some(Fields {
                map,
                path: path.to_owned(),
                problems,
            }),
            other => {
                problems.add(path, format!("{} is not an object", excerpt(&other)));
                None
            }
        }
    }

    /// Takes `name` out and decodes it; `expected` names the type for the message
    /// (`"a number"`). `None` when absent or of the wrong type (then with a problem).
    pub(crate) fn take<T: DeserializeOwned>(&mut self, name: &str, expected: &str) -> Option<T> {
        let value = self.map.remove(name)?;
        if value.is_null() {
            // Absent, as far as checks go; kept as written so the file round-trips.
            self.map.insert(name.to_owned(), value);
            return None;
        }
        match T::deserialize(&value) {
            Ok(decoded) => Some(decoded),
            Err(_) => {
                let message = format!("{} is not {expected}", excerpt(&value));
                self.problems.add(key(&self.path, name), message);
                None
            }
        }
    }

    /// Takes `name` out and decodes it with `decode`, which gets the value, its path and the
    /// problems. `None` when absent or when `decode` gives nothing.
    pub(crate) fn take_with<T>(
        &mut self,
        name: &str,
        decode: impl FnOnce(Value, &str, &mut Problems) -> Option<T>,
    ) -> Option<T> {
        let value = self.map.remove(name)?;
        decode(value, &key(&self.path, name), self.problems)
    }

    /// Whether the object has a field `name` not yet taken.
    pub(crate) fn has(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }

    /// The problems, for a required field that is absent.
    pub(crate) fn missing(&mut self, name: &str) {
        self.problems.missing(&self.path, name);
    }

    /// The fields not taken: kept as written.
    pub(crate) fn rest(self) -> Map<String, Value> {
        self.map
    }
}

/// Decodes every element of the array `value` at `path` with `decode`; `None` (and a problem)
/// when it is not an array or any element fails.
pub(crate) fn decode_array<T>(
    value: Value,
    path: &str,
    problems: &mut Problems,
    decode: impl Fn(Value, &str, &mut Problems) -> Option<T>,
) -> Option<Vec<T>> {
    let Value::Array(items) = value else {
        problems.add(path, format!("{} is not an array", excerpt(&value)));
        return None;
    };
    let decoded: Vec<Option<T>> = items
        .into_iter()
        .enumerate()
        .map(|(i, item)| decode(item, &index(path, i), problems))
        .collect();
    decoded.into_iter().collect()
}
