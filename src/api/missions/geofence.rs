//! Geofences: a GeoJSON FeatureCollection of zones (polygons) and obstacles (lines).

use std::path::Path;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use super::geometry;
use super::path::{self, Fields, Problem, Problems};
use crate::error::{Error, Result};

/// A geofence as the geofenced tasks take it in `context.geojson`: a GeoJSON
/// `FeatureCollection` whose `Polygon` features are zones (`properties.geofence` is
/// `"inclusion"` or `"exclusion"`) and whose `LineString` features are obstacles such as
/// wires. Coordinates are `[lng, lat]` or `[lng, lat, alt]`.
///
/// Unknown fields are kept in `extra` and geometry coordinates and properties as written, so
/// a good file serialises back to the same JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Geofence {
    /// `"FeatureCollection"` (required by [`validate`](Self::validate)).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// A name for people.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The zones and obstacles.
    pub features: Vec<Feature>,
    /// Every other field, kept as written.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One GeoJSON feature of a geofence.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Feature {
    /// `"Feature"` (required by [`Geofence::validate`]).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The properties: an object (`geofence`, `name`, styling) or `null`, as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub properties: Option<Value>,
    /// The shape (required by [`Geofence::validate`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub geometry: Option<Geometry>,
    /// Every other field, kept as written.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A feature's shape: `Polygon` (rings of positions, the first ring the outline) or
/// `LineString` (positions).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Geometry {
    /// `"Polygon"` or `"LineString"`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The positions, nested as the type says, kept as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coordinates: Option<Value>,
    /// Every other field, kept as written.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// What a polygon feature's `properties.geofence` makes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Zone {
    /// The drone may fly only inside.
    Inclusion,
    /// The drone must stay out.
    Exclusion,
}

impl Feature {
    /// The zone a `Polygon` feature is, from `properties.geofence`; `None` for other
    /// geometries, a missing property or a value other than `inclusion`/`exclusion`.
    pub fn zone(&self) -> Option<Zone> {
        let geometry = self.geometry.as_ref()?;
        if geometry.kind.as_deref() != Some(geometry::POLYGON) {
            return None;
        }
        match self.geofence_property()?.as_str()? {
            "inclusion" => Some(Zone::Inclusion),
            "exclusion" => Some(Zone::Exclusion),
            _ => None,
        }
    }

    fn geofence_property(&self) -> Option<&Value> {
        self.properties.as_ref()?.get("geofence")
    }
}

impl Geofence {
    /// Decodes a geofence's GeoJSON. It does not [`validate`](Self::validate) it.
    ///
    /// # Errors
    /// [`Error::Config`] for setting `geofence` when the text is not JSON (with its line and
    /// column), or a field has the wrong JSON type or `features` is absent (each with its
    /// JSON path, all of them listed).
    pub fn from_json(text: &str) -> Result<Geofence> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| Error::config(SETTING, format!("not JSON: {e}")))?;
        Geofence::from_value(value)
    }

    /// Decodes a geofence from a JSON value, as [`from_json`](Self::from_json) does.
    ///
    /// # Errors
    /// As [`from_json`](Self::from_json).
    pub fn from_value(value: Value) -> Result<Geofence> {
        let mut problems = Problems::default();
        let geofence = decode_geofence(value, &mut problems);
        path::into_result(problems.into_vec(), SETTING)?;
        geofence.ok_or_else(|| Error::config(SETTING, "not a geofence"))
    }

    /// Reads and decodes a GeoJSON file of at most [`MAX_FILE_BYTES`](super::MAX_FILE_BYTES).
    ///
    /// # Errors
    /// [`Error::File`] when the file is missing, unreadable, too large or not UTF-8; else as
    /// [`from_json`](Self::from_json).
    pub fn from_file(file: impl AsRef<Path>) -> Result<Geofence> {
        Geofence::from_json(&super::read_file(file.as_ref())?)
    }

    /// Every problem that should stop this geofence from being sent, in document order: a
    /// `type` other than `FeatureCollection`/`Feature`; a feature without a geometry; a
    /// geometry other than `Polygon` or `LineString`; a `properties.geofence` other than
    /// `inclusion` or `exclusion`; a ring with fewer than 4 positions or not closed; a line
    /// with fewer than 2 positions; a position that is not `[lng, lat]` or
    /// `[lng, lat, alt]` of finite numbers with the longitude and latitude in range.
    pub fn problems(&self) -> Vec<Problem> {
        let mut problems = Problems::default();
        check_kind(&mut problems, "", self.kind.as_deref(), "FeatureCollection");
        for (i, feature) in self.features.iter().enumerate() {
            feature.check(&path::index("features", i), &mut problems);
        }
        problems.into_vec()
    }

    /// Checks the geofence before it is sent: collects every problem
    /// ([`problems`](Self::problems)) rather than stopping at the first.
    ///
    /// # Errors
    /// [`Error::Config`] for setting `geofence`, listing each problem with its JSON path
    /// (`features[0].geometry.coordinates[0]: the ring is not closed`).
    pub fn validate(&self) -> Result<()> {
        path::into_result(self.problems(), SETTING)
    }

    /// As [`validate`](Self::validate), and also requires at least one inclusion zone: a
    /// geofenced flight needs an area to fly in.
    ///
    /// # Errors
    /// As [`validate`](Self::validate), with `features: no inclusion zone ...` when there is
    /// none.
    pub fn validate_for_geofenced_flight(&self) -> Result<()> {
        let mut problems = self.problems();
        if !self
            .features
            .iter()
            .any(|f| f.zone() == Some(Zone::Inclusion))
        {
            problems.push(Problem {
                path: "features".to_owned(),
                message: "no inclusion zone (a Polygon feature with properties.geofence \
                          \"inclusion\"), which a geofenced flight needs"
                    .to_owned(),
            });
        }
        path::into_result(problems, SETTING)
    }
}

impl<'de> Deserialize<'de> for Geofence {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Geofence::from_value(value).map_err(serde::de::Error::custom)
    }
}

const SETTING: &str = "geofence";

impl Feature {
    fn check(&self, at: &str, problems: &mut Problems) {
        check_kind(problems, at, self.kind.as_deref(), "Feature");
        if let Some(value) = self.geofence_property()
            && !matches!(value.as_str(), Some("inclusion" | "exclusion"))
        {
            let message = format!("{} is not inclusion or exclusion", path::excerpt(value));
            problems.add(path::key(at, "properties.geofence"), message);
        }
        match &self.geometry {
            Some(geometry) => geometry::check(geometry, &path::key(at, "geometry"), problems),
            None => problems.missing(at, "geometry"),
        }
    }
}

/// Checks a GeoJSON `type` member: present and equal to `expected`.
pub(super) fn check_kind(problems: &mut Problems, at: &str, kind: Option<&str>, expected: &str) {
    match kind {
        Some(kind) if kind == expected => {}
        Some(kind) => problems.add(path::key(at, "type"), format!("{kind:?} is not {expected}")),
        None => problems.missing(at, "type"),
    }
}

fn decode_geofence(value: Value, problems: &mut Problems) -> Option<Geofence> {
    let mut fields = Fields::of(value, "", problems)?;
    let kind = fields.take("type", "a string");
    let name = fields.take("name", "a string");
    let features = if fields.has("features") {
        fields.take_with("features", |v, at, p| {
            path::decode_array(v, at, p, decode_feature)
        })
    } else {
        fields.missing("features");
        None
    };
    let extra = fields.rest();
    Some(Geofence {
        kind,
        name,
        features: features?,
        extra,
    })
}

fn decode_feature(value: Value, at: &str, problems: &mut Problems) -> Option<Feature> {
    let mut fields = Fields::of(value, at, problems)?;
    let kind = fields.take("type", "a string");
    let properties = fields.take_with("properties", |v, at, p| match v {
        Value::Object(_) | Value::Null => Some(v),
        other => {
            p.add(at, format!("{} is not an object", path::excerpt(&other)));
            None
        }
    });
    let geometry = fields.take_with("geometry", decode_geometry);
    Some(Feature {
        kind,
        properties,
        geometry,
        extra: fields.rest(),
    })
}

fn decode_geometry(value: Value, at: &str, problems: &mut Problems) -> Option<Geometry> {
    let mut fields = Fields::of(value, at, problems)?;
    Some(Geometry {
        kind: fields.take("type", "a string"),
        coordinates: fields.take("coordinates", "an array"),
        extra: fields.rest(),
    })
}
