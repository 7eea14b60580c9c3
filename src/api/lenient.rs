//! Tolerant field decoders: the services send some numbers as JSON numbers in one place and as
//! strings in another, and `null` where a field is absent.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A number given as a JSON number or a numeric string; `null`, `""` or absent → `None`.
pub(crate) fn opt_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format!("{s:?} is not a number"))),
        Some(other) => Err(serde::de::Error::custom(format!(
            "expected a number, found {other}"
        ))),
    }
}

/// A timestamp (integer) given as a JSON number or a numeric string.
pub(crate) fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_i64().or_else(|| n.as_f64().map(|f| f as i64))),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format!("{s:?} is not an integer"))),
        Some(other) => Err(serde::de::Error::custom(format!(
            "expected an integer, found {other}"
        ))),
    }
}

/// What kind of JSON value this is, for messages (`a string`, `an object`, ...).
pub(crate) fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// An answer object taken apart leniently: a known field is taken out only when it has a
/// usable form; otherwise it stays, as written, with the fields this version does not know.
/// So an odd value (a status given as a number, a date as text) never fails a whole answer.
pub(crate) struct Loose(serde_json::Map<String, Value>);

impl Loose {
    pub(crate) fn new(map: serde_json::Map<String, Value>) -> Loose {
        Loose(map)
    }

    /// The required `id`: a non-empty string, or a number written as text.
    pub(crate) fn id(&mut self) -> Result<String, String> {
        match self.0.get("id") {
            Some(Value::String(s)) if !s.is_empty() => {}
            Some(Value::Number(_)) => {}
            Some(other) => return Err(format!("its id is {}, not an id", kind_of(other))),
            None => return Err("it has no id".to_owned()),
        }
        Ok(self.text("id").unwrap_or_default())
    }

    /// A string; a number or boolean as its text.
    pub(crate) fn text(&mut self, key: &str) -> Option<String> {
        let text = match self.0.get(key)? {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => return None,
        };
        self.0.remove(key);
        Some(text)
    }

    /// A number, or a string holding one.
    pub(crate) fn number(&mut self, key: &str) -> Option<f64> {
        let number = match self.0.get(key)? {
            Value::Number(n) => n.as_f64()?,
            Value::String(s) => s.trim().parse().ok()?,
            _ => return None,
        };
        self.0.remove(key);
        Some(number)
    }

    /// Whole milliseconds, as a number or a string holding one.
    pub(crate) fn millis(&mut self, key: &str) -> Option<i64> {
        let millis = match self.0.get(key)? {
            Value::Number(n) => n.as_i64()?,
            Value::String(s) => s.trim().parse().ok()?,
            _ => return None,
        };
        self.0.remove(key);
        Some(millis)
    }

    /// What was not taken, as written.
    pub(crate) fn rest(self) -> std::collections::BTreeMap<String, Value> {
        self.0.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::Loose;

    #[test]
    fn a_field_of_an_odd_form_stays_as_written_instead_of_failing_the_answer() {
        let Some(map) = json!({"id": 7, "status": 2, "createdAt": "2025-10-09T00:00:00Z",
                               "lat": "-33.5", "title": {"en": "x"}})
        .as_object()
        .cloned() else {
            unreachable!()
        };
        let mut loose = Loose::new(map);
        assert_eq!(loose.id().unwrap(), "7");
        assert_eq!(loose.text("status").as_deref(), Some("2"));
        assert_eq!(loose.millis("createdAt"), None);
        assert_eq!(loose.number("lat"), Some(-33.5));
        assert_eq!(loose.text("title"), None);
        let rest = loose.rest();
        assert_eq!(rest["createdAt"], "2025-10-09T00:00:00Z");
        assert_eq!(rest["title"], json!({"en": "x"}));
        assert!(!rest.contains_key("status") && !rest.contains_key("lat"));
        for bad in [json!({}), json!({"id": ""}), json!({"id": null})] {
            let mut loose = Loose::new(bad.as_object().cloned().unwrap());
            assert!(loose.id().is_err(), "{bad}");
        }
    }
}
