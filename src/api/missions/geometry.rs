//! Checks of a geofence feature's geometry: its type, rings, lines and positions.

use serde_json::Value;

use super::geofence::Geometry;
use super::path::{self, Problems};

pub(super) const POLYGON: &str = "Polygon";
const LINE_STRING: &str = "LineString";

/// A closed ring repeats its first position last, so a triangle has 4.
const MIN_RING_POSITIONS: usize = 4;
const MIN_LINE_POSITIONS: usize = 2;

/// Checks the geometry at path `at`.
pub(super) fn check(geometry: &Geometry, at: &str, problems: &mut Problems) {
    let Some(coordinates) = &geometry.coordinates else {
        problems.missing(at, "coordinates");
        return check_type(geometry.kind.as_deref(), at, problems);
    };
    let coords_at = path::key(at, "coordinates");
    match geometry.kind.as_deref() {
        Some(POLYGON) => check_polygon(coordinates, &coords_at, problems),
        Some(LINE_STRING) => {
            if let Some(line) = positions(coordinates, &coords_at, problems)
                && line.len() < MIN_LINE_POSITIONS
            {
                problems.add(&coords_at, short(line.len(), "a line", MIN_LINE_POSITIONS));
            }
        }
        kind => check_type(kind, at, problems),
    }
}

fn check_type(kind: Option<&str>, at: &str, problems: &mut Problems) {
    match kind {
        Some(POLYGON | LINE_STRING) => {}
        Some(kind) => problems.add(
            path::key(at, "type"),
            format!("{kind:?} is not {POLYGON} or {LINE_STRING}"),
        ),
        None => problems.missing(at, "type"),
    }
}

fn short(count: usize, what: &str, min: usize) -> String {
    format!("{what} needs at least {min} positions, this one has {count}")
}

fn check_polygon(coordinates: &Value, at: &str, problems: &mut Problems) {
    let Some(rings) = array(coordinates, at, problems) else {
        return;
    };
    if rings.is_empty() {
        problems.add(at, "a polygon needs at least one ring");
    }
    for (i, ring) in rings.iter().enumerate() {
        let ring_at = path::index(at, i);
        let Some(ring) = positions(ring, &ring_at, problems) else {
            continue;
        };
        if ring.len() < MIN_RING_POSITIONS {
            problems.add(&ring_at, short(ring.len(), "a ring", MIN_RING_POSITIONS));
        } else if ring.first() != ring.last() {
            problems.add(&ring_at, "the ring is not closed");
        }
    }
}

/// The value at `at` as an array, or `None` and a problem.
fn array<'v>(value: &'v Value, at: &str, problems: &mut Problems) -> Option<&'v Vec<Value>> {
    let array = value.as_array();
    if array.is_none() {
        problems.add(at, format!("{} is not an array", path::excerpt(value)));
    }
    array
}

/// An array of positions, each as `[lng, lat, alt]` numbers (`alt` 0 when absent, so
/// `[1, 2]` equals `[1, 2, 0]` when a ring's ends are compared); `None` when any is invalid
/// (each with a problem).
fn positions(value: &Value, at: &str, problems: &mut Problems) -> Option<Vec<[f64; 3]>> {
    let items = array(value, at, problems)?;
    let checked: Vec<Option<[f64; 3]>> = items
        .iter()
        .enumerate()
        .map(|(i, item)| position(item, &path::index(at, i), problems))
        .collect();
    checked.into_iter().collect()
}

fn position(value: &Value, at: &str, problems: &mut Problems) -> Option<[f64; 3]> {
    let items = array(value, at, problems)?;
    if !(2..=3).contains(&items.len()) {
        let message = format!(
            "{} is not [lng, lat] or [lng, lat, alt]",
            path::excerpt(value)
        );
        problems.add(at, message);
        return None;
    }
    let mut out = [0.0; 3];
    let mut valid = true;
    for (i, item) in items.iter().enumerate() {
        let item_at = path::index(at, i);
        let Some(number) = item.as_number() else {
            problems.add(&item_at, format!("{} is not a number", path::excerpt(item)));
            valid = false;
            continue;
        };
        let before = problems.len();
        match i {
            0 => path::check_degrees(problems, &item_at, number, 180.0, "longitude"),
            1 => path::check_degrees(problems, &item_at, number, 90.0, "latitude"),
            _ => path::check_finite(problems, &item_at, number),
        }
        valid &= problems.len() == before;
        out[i] = number.as_f64().unwrap_or(f64::NAN);
    }
    valid.then_some(out)
}
