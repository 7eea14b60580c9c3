//! Mission and geofence files, read and checked before anything is sent; no network.
//!
//! A [`Mission`] is the samples' mission JSON (`{desc, name, speed, route: [...]}`, plain or
//! corridor); a [`Geofence`] is a GeoJSON `FeatureCollection` of inclusion/exclusion zones and
//! obstacles. Decoding is lenient: fields the samples do not fix are optional and unknown
//! fields are kept, so a good file serialises back to the same JSON. Checking is separate
//! ([`Mission::validate`], [`Geofence::validate`],
//! [`Geofence::validate_for_geofenced_flight`]) and **collects every problem** rather than
//! stopping at the first; each names its JSON path (`route[3].lat: 95 is not a latitude`).
//!
//! ```
//! use unleashlive_auth::api::missions::Mission;
//!
//! let mission = Mission::from_json(r#"{"name": "m", "speed": 5, "route": [
//!     {"lat": 95, "lng": 151.2, "altitude": 40, "si": "waypoint"}]}"#)?;
//! let error = mission.validate().unwrap_err();
//! assert!(error.to_string().contains("route[0].lat: 95 is not a latitude"));
//! # Ok::<(), unleashlive_auth::Error>(())
//! ```
//!
//! JSON cannot write an infinite or NaN number, and a literal too large for an `f64`
//! (`1e999`) is refused when the text is decoded, with its line and column.

mod geofence;
mod geometry;
mod mission;
mod path;
#[cfg(test)]
mod tests;

use std::io::Read as _;
use std::path::Path;

pub use geofence::{Feature, Geofence, Geometry, Zone};
pub use mission::{Mission, Waypoint, WaypointAction};
pub use path::Problem;

use crate::error::{Error, Result};

/// The largest mission or geofence file [`Mission::from_file`] and [`Geofence::from_file`]
/// read: 16 MiB.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Reads a UTF-8 file of at most [`MAX_FILE_BYTES`].
fn read_file(file: &Path) -> Result<String> {
    let opened = std::fs::File::open(file).map_err(|e| {
        let what = match e.kind() {
            std::io::ErrorKind::NotFound => "does not exist",
            _ => "cannot be opened",
        };
        Error::file_because(file, what, e)
    })?;
    let mut bytes = Vec::new();
    opened
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::file_because(file, "cannot be read", e))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(file_error(file, "is larger than 16 MiB"));
    }
    String::from_utf8(bytes).map_err(|_| file_error(file, "is not UTF-8 text"))
}

fn file_error(file: &Path, reason: &str) -> Error {
    Error::File {
        path: file.to_owned(),
        reason: reason.to_owned(),
        source: None,
    }
}
