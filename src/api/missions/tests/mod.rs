//! Mission and geofence files: good files shaped like the official samples' round-trip
//! unchanged; each rule is reported with the JSON path of the value.

mod files;
mod geofence;
mod mission;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::Error;

/// Decodes `text` with `decode`, then checks that serialising gives the same JSON value as
/// the text, and that decoding that again gives the same structure.
fn assert_round_trips<T>(text: &str, decode: impl Fn(&str) -> crate::Result<T>)
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let original: Value = serde_json::from_str(text).unwrap();
    let decoded = decode(text).unwrap();
    assert_eq!(serde_json::to_value(&decoded).unwrap(), original);
    let written = serde_json::to_string_pretty(&decoded).unwrap();
    assert_eq!(decode(&written).unwrap(), decoded);
    assert_eq!(serde_json::from_str::<T>(&written).unwrap(), decoded);
}

/// The message of a configuration error for `setting`, or a panic for anything else.
fn config_reason(result: crate::Result<()>, setting: &str) -> String {
    match result {
        Err(Error::Config {
            setting: got,
            reason,
        }) => {
            assert_eq!(got.to_string(), setting);
            reason
        }
        other => panic!("expected a {setting} config error, got {other:?}"),
    }
}
