//! Mission files: a route of waypoints, plain or along a corridor.

use std::path::Path;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Number, Value};

use super::path::{self, Fields, Problem, Problems};
use crate::error::{Error, Result};

/// A mission file, as `POST /v1/mission` and the mission tasks take it.
///
/// Fields the samples do not fix are optional here, and fields this crate does not know are
/// kept in `extra`, so a good file serialises back to the same JSON. Numbers are kept as
/// written (`5` stays `5`, not `5.0`); read them with [`Number::as_f64`].
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Mission {
    /// A description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desc: Option<String>,
    /// The mission's name (required by [`validate`](Self::validate)).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The flight speed, m/s (required by [`validate`](Self::validate)).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speed: Option<Number>,
    /// The waypoints, in flight order.
    pub route: Vec<Waypoint>,
    /// Every other field of the file, kept as written.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One point of a mission's route. Corridor missions add `heading`, `pitch`, `speed` and
/// `actions`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Waypoint {
    /// The pole's or point's label (`"Pole1"`, `"WP"`, `"RegularPoint"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pole: Option<String>,
    /// The work order it belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wo: Option<String>,
    /// Latitude, degrees (required).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lat: Option<Number>,
    /// Longitude, degrees (required).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lng: Option<Number>,
    /// Altitude, metres (required).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub altitude: Option<Number>,
    /// Altitude above the EGM96 geoid, metres.
    #[serde(rename = "altEGM", skip_serializing_if = "Option::is_none")]
    pub alt_egm: Option<Number>,
    /// `"waypoint"` or `"dist-N"` (N a whole number) (required).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub si: Option<String>,
    /// Corridor: the drone's heading, degrees.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heading: Option<Number>,
    /// Corridor: the gimbal's pitch, degrees.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pitch: Option<Number>,
    /// Corridor: the speed towards this point, m/s.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speed: Option<Number>,
    /// Corridor: what to do at this point.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actions: Option<Vec<WaypointAction>>,
    /// Every other field, kept as written.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Something done at a waypoint, e.g. `{"action": "TAKE_PHOTO"}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct WaypointAction {
    /// The action's name, e.g. `"TAKE_PHOTO"` (required).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// Every other field, kept as written.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Mission {
    /// Decodes a mission file's JSON. It does not [`validate`](Self::validate) it.
    ///
    /// # Errors
    /// [`Error::Config`] for setting `mission` when the text is not JSON (with its line and
    /// column), or a field has the wrong JSON type or `route` is absent (each with its JSON
    /// path, all of them listed).
    pub fn from_json(text: &str) -> Result<Mission> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| Error::config(SETTING, format!("not JSON: {e}")))?;
        Mission::from_value(value)
    }

    /// Decodes a mission from a JSON value, as [`from_json`](Self::from_json) does.
    ///
    /// # Errors
    /// As [`from_json`](Self::from_json).
    pub fn from_value(value: Value) -> Result<Mission> {
        let mut problems = Problems::default();
        let mission = decode_mission(value, &mut problems);
        path::into_result(problems.into_vec(), SETTING)?;
        mission.ok_or_else(|| Error::config(SETTING, "not a mission"))
    }

    /// Reads and decodes a mission file of at most [`MAX_FILE_BYTES`](super::MAX_FILE_BYTES).
    ///
    /// # Errors
    /// [`Error::File`] when the file is missing, unreadable, too large or not UTF-8; else as
    /// [`from_json`](Self::from_json).
    pub fn from_file(file: impl AsRef<Path>) -> Result<Mission> {
        Mission::from_json(&super::read_file(file.as_ref())?)
    }

    /// Every problem that should stop this mission from being sent, in document order:
    /// a missing `name`, `speed` or (per waypoint) `lat`, `lng`, `altitude`, `si`; an empty
    /// route; a latitude or longitude out of range; an `si` other than `waypoint` or
    /// `dist-N`; a speed that is not positive; an action without a name.
    pub fn problems(&self) -> Vec<Problem> {
        self.problems_of(Route::Planned)
    }

    /// As [`problems`](Self::problems), for the route of a geofenced manual flight
    /// (`{lat, lng, altitude, speed?}` per waypoint): `si` is not needed there.
    pub fn problems_for_manual_flight(&self) -> Vec<Problem> {
        self.problems_of(Route::Manual)
    }

    fn problems_of(&self, route: Route) -> Vec<Problem> {
        let mut problems = Problems::default();
        match self.name.as_deref() {
            Some(name) if name.trim().is_empty() => problems.add("name", "the name is empty"),
            Some(_) => {}
            None => problems.missing("", "name"),
        }
        match &self.speed {
            Some(speed) => path::check_positive(&mut problems, "speed", speed, "speed"),
            None => problems.missing("", "speed"),
        }
        if self.route.is_empty() {
            problems.add("route", "the route is empty");
        }
        for (i, waypoint) in self.route.iter().enumerate() {
            waypoint.check(&path::index("route", i), route, &mut problems);
        }
        problems.into_vec()
    }

    /// Checks the mission before it is sent: collects every problem
    /// ([`problems`](Self::problems)) rather than stopping at the first.
    ///
    /// # Errors
    /// [`Error::Config`] for setting `mission`, listing each problem with its JSON path
    /// (`route[3].lat: 95 is not a latitude`).
    pub fn validate(&self) -> Result<()> {
        path::into_result(self.problems(), SETTING)
    }

    /// Checks the mission as the route of a geofenced manual flight
    /// ([`problems_for_manual_flight`](Self::problems_for_manual_flight)).
    ///
    /// # Errors
    /// As [`validate`](Self::validate).
    pub fn validate_for_manual_flight(&self) -> Result<()> {
        path::into_result(self.problems_for_manual_flight(), SETTING)
    }
}

/// Which kind of route a mission is checked as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    /// A planned mission (plain or corridor): every waypoint has an `si`.
    Planned,
    /// A geofenced manual flight: `{lat, lng, altitude, speed?}`.
    Manual,
}

impl<'de> Deserialize<'de> for Mission {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Mission::from_value(value).map_err(serde::de::Error::custom)
    }
}

const SETTING: &str = "mission";

impl Waypoint {
    fn check(&self, at: &str, route: Route, problems: &mut Problems) {
        let field = |name| path::key(at, name);
        match &self.lat {
            Some(lat) => path::check_degrees(problems, &field("lat"), lat, 90.0, "latitude"),
            None => problems.missing(at, "lat"),
        }
        match &self.lng {
            Some(lng) => path::check_degrees(problems, &field("lng"), lng, 180.0, "longitude"),
            None => problems.missing(at, "lng"),
        }
        match &self.altitude {
            Some(altitude) => path::check_finite(problems, &field("altitude"), altitude),
            None => problems.missing(at, "altitude"),
        }
        for (name, number) in [
            ("altEGM", &self.alt_egm),
            ("heading", &self.heading),
            ("pitch", &self.pitch),
        ] {
            if let Some(number) = number {
                path::check_finite(problems, &field(name), number);
            }
        }
        if let Some(speed) = &self.speed {
            path::check_positive(problems, &field("speed"), speed, "speed");
        }
        match self.si.as_deref() {
            Some(si) if is_si(si) => {}
            Some(si) => problems.add(field("si"), format!("{si:?} is not dist-N or waypoint")),
            None if route == Route::Planned => problems.missing(at, "si"),
            None => {}
        }
        for (j, action) in self.actions.iter().flatten().enumerate() {
            let at = path::index(&field("actions"), j);
            match action.action.as_deref() {
                Some(name) if !name.trim().is_empty() => {}
                Some(name) => problems.add(path::key(&at, "action"), format!("{name:?} is empty")),
                None => problems.missing(&at, "action"),
            }
        }
    }
}

/// `waypoint`, or `dist-` and a whole number.
fn is_si(si: &str) -> bool {
    si == "waypoint"
        || si
            .strip_prefix("dist-")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

fn decode_mission(value: Value, problems: &mut Problems) -> Option<Mission> {
    let mut fields = Fields::of(value, "", problems)?;
    let desc = fields.take("desc", "a string");
    let name = fields.take("name", "a string");
    let speed = fields.take("speed", "a number");
    let route = if fields.has("route") {
        fields.take_with("route", |v, at, p| {
            path::decode_array(v, at, p, decode_waypoint)
        })
    } else {
        fields.missing("route");
        None
    };
    let extra = fields.rest();
    Some(Mission {
        desc,
        name,
        speed,
        route: route?,
        extra,
    })
}

fn decode_waypoint(value: Value, at: &str, problems: &mut Problems) -> Option<Waypoint> {
    let mut fields = Fields::of(value, at, problems)?;
    Some(Waypoint {
        pole: fields.take("pole", "a string"),
        wo: fields.take("wo", "a string"),
        lat: fields.take("lat", "a number"),
        lng: fields.take("lng", "a number"),
        altitude: fields.take("altitude", "a number"),
        alt_egm: fields.take("altEGM", "a number"),
        si: fields.take("si", "a string"),
        heading: fields.take("heading", "a number"),
        pitch: fields.take("pitch", "a number"),
        speed: fields.take("speed", "a number"),
        actions: fields.take_with("actions", |v, at, p| {
            path::decode_array(v, at, p, decode_action)
        }),
        extra: fields.rest(),
    })
}

fn decode_action(value: Value, at: &str, problems: &mut Problems) -> Option<WaypointAction> {
    let mut fields = Fields::of(value, at, problems)?;
    Some(WaypointAction {
        action: fields.take("action", "a string"),
        extra: fields.rest(),
    })
}
