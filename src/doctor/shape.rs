//! The shape of a REST answer for the doctor's report: names, kinds and counts, never a value.

use serde_json::Value;

use crate::api::lenient::kind_of;

/// The shape of a REST answer, names only (never a value): a list of N, or an object's keys
/// with the kind of each, and the fields of the first item.
pub(super) fn describe(body: &Value) -> String {
    match body {
        Value::Array(items) => {
            let fields = items
                .first()
                .and_then(Value::as_object)
                .map(|o| {
                    format!(
                        "; the first item's fields: {}",
                        o.keys().cloned().collect::<Vec<_>>().join(", ")
                    )
                })
                .unwrap_or_default();
            format!("a bare list of {} items{fields}", items.len())
        }
        Value::Object(fields) => {
            let keys: Vec<String> = fields
                .iter()
                .map(|(k, v)| match v {
                    Value::Array(a) => format!("{k} (a list of {})", a.len()),
                    other => format!("{k} ({})", kind_of(other)),
                })
                .collect();
            let inner = ["data", "items"]
                .iter()
                .find_map(|k| fields.get(*k).filter(|v| v.is_array() || v.is_object()))
                .map(|v| format!("; inside: {}", describe(v)))
                .unwrap_or_default();
            format!("an object with {}{inner}", keys.join(", "))
        }
        other => format!("{} (neither a list nor an object)", kind_of(other)),
    }
}
