//! Tasks made from missions (plain, corridor, geofenced manual) and mission uploads.
//!
//! Every call takes a typed [`Mission`] (and [`Geofence`]) and checks it before anything is
//! sent, listing every problem with its JSON path. The mission's fields go at the top level
//! of the body; the fields the call sets (`jobId`, `type`, `context`) are never taken from
//! the mission: a mission that holds one is refused before anything is sent.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Number, Value, json};

use super::{FLIGHT_REQUEST, FLIGHT_REQUEST_MANUAL, Task, Tasks};
use crate::api::lenient::Loose;
use crate::api::missions::{Geofence, Mission, Problem};
use crate::error::{Error, Result};

/// One waypoint of a geofenced manual flight: `{lat, lng, altitude, speed?}`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ManualWaypoint {
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lng: f64,
    /// Altitude, metres.
    pub altitude: f64,
    /// Speed towards this point, m/s (the flight's speed when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speed: Option<f64>,
}

impl ManualWaypoint {
    /// A waypoint flown at the flight's speed.
    pub fn new(lat: f64, lng: f64, altitude: f64) -> Self {
        ManualWaypoint {
            lat,
            lng,
            altitude,
            speed: None,
        }
    }

    /// Flies towards this point at `speed` m/s.
    #[must_use]
    pub fn speed(mut self, speed: f64) -> Self {
        self.speed = Some(speed);
        self
    }
}

/// A geofenced manual flight for [`Tasks::create_geofenced`]: sent as `{name, desc, jobId,
/// type: "FLIGHT_REQUEST_MANUAL", context: {geojson, maxDistance?}, speed, isSmartInspect,
/// route}`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct GeofencedFlight {
    /// The task's name.
    pub name: String,
    /// Its description.
    pub desc: String,
    /// The job it goes in.
    pub job_id: String,
    /// The geofence (inclusion/exclusion zones, obstacle lines). There is no default.
    pub geofence: Geofence,
    /// How far the drone may fly, metres (`context.maxDistance`; the samples' docs say the
    /// service does not use it yet). Left out when `None`.
    pub max_distance: Option<f64>,
    /// The flight's speed, m/s.
    pub speed: f64,
    /// Whether it is a Smart Inspect flight.
    pub is_smart_inspect: bool,
    /// The waypoints.
    pub route: Vec<ManualWaypoint>,
}

impl GeofencedFlight {
    /// A flight in the job `job_id` inside `geofence`, not Smart Inspect, no `maxDistance`.
    pub fn new(
        name: impl Into<String>,
        desc: impl Into<String>,
        job_id: impl Into<String>,
        geofence: Geofence,
        speed: f64,
        route: Vec<ManualWaypoint>,
    ) -> Self {
        GeofencedFlight {
            name: name.into(),
            desc: desc.into(),
            job_id: job_id.into(),
            geofence,
            max_distance: None,
            speed,
            is_smart_inspect: false,
            route,
        }
    }

    /// The flight a mission file describes (`{name, desc?, speed, route: [{lat, lng,
    /// altitude, speed?}]}`), inside `geofence`, in the job `job_id`. The mission's other
    /// fields (`si`, `pole`, ...) are not part of a manual flight and are left out.
    ///
    /// # Errors
    /// [`Error::Config`] for setting `mission` listing every problem of the mission as a
    /// manual route ([`Mission::validate_for_manual_flight`]); else for setting `geofence`
    /// ([`Geofence::validate_for_geofenced_flight`]).
    pub fn from_mission(
        job_id: impl Into<String>,
        mission: &Mission,
        geofence: Geofence,
    ) -> Result<GeofencedFlight> {
        mission.validate_for_manual_flight()?;
        geofence.validate_for_geofenced_flight()?;
        let num = |n: &Option<Number>| n.as_ref().and_then(Number::as_f64);
        let route = mission
            .route
            .iter()
            .map(|w| ManualWaypoint {
                lat: num(&w.lat).unwrap_or_default(),
                lng: num(&w.lng).unwrap_or_default(),
                altitude: num(&w.altitude).unwrap_or_default(),
                speed: num(&w.speed),
            })
            .collect();
        Ok(GeofencedFlight::new(
            mission.name.clone().unwrap_or_default(),
            mission.desc.clone().unwrap_or_default(),
            job_id,
            geofence,
            num(&mission.speed).unwrap_or_default(),
            route,
        ))
    }

    /// Sets `context.maxDistance`, metres.
    #[must_use]
    pub fn max_distance(mut self, metres: f64) -> Self {
        self.max_distance = Some(metres);
        self
    }

    /// Marks it a Smart Inspect flight.
    #[must_use]
    pub fn smart_inspect(mut self, on: bool) -> Self {
        self.is_smart_inspect = on;
        self
    }

    /// Every problem that should stop this flight from being sent: an empty name or route, a
    /// speed or distance that is not a positive number, a waypoint out of range (paths as in
    /// a mission file: `route[2].lat`).
    fn route_problems(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut add = |path: String, message: String| problems.push(Problem { path, message });
        if self.name.trim().is_empty() {
            add("name".into(), "the name is empty".into());
        }
        let positive = |x: f64| x.is_finite() && x > 0.0;
        if !positive(self.speed) {
            add(
                "speed".into(),
                format!("{} is not a positive speed", self.speed),
            );
        }
        if let Some(d) = self.max_distance.filter(|d| !positive(*d)) {
            add(
                "maxDistance".into(),
                format!("{d} is not a positive distance"),
            );
        }
        if self.route.is_empty() {
            add("route".into(), "the route is empty".into());
        }
        for (i, w) in self.route.iter().enumerate() {
            let at = |field: &str| format!("route[{i}].{field}");
            if !(w.lat.is_finite() && (-90.0..=90.0).contains(&w.lat)) {
                add(at("lat"), format!("{} is not a latitude", w.lat));
            }
            if !(w.lng.is_finite() && (-180.0..=180.0).contains(&w.lng)) {
                add(at("lng"), format!("{} is not a longitude", w.lng));
            }
            if !w.altitude.is_finite() {
                add(
                    at("altitude"),
                    format!("{} is not a finite number", w.altitude),
                );
            }
            if let Some(speed) = w.speed.filter(|s| !positive(*s)) {
                add(at("speed"), format!("{speed} is not a positive speed"));
            }
        }
        problems
    }

    fn check(&self) -> Result<()> {
        let problems = self.route_problems();
        if !problems.is_empty() {
            let list: Vec<String> = problems.iter().map(Problem::to_string).collect();
            return Err(Error::config("flight", list.join("; ")));
        }
        self.geofence.validate_for_geofenced_flight()
    }

    fn body(&self) -> Value {
        let mut context = json!({ "geojson": self.geofence });
        if let Some(d) = self.max_distance {
            context["maxDistance"] = json!(d);
        }
        json!({
            "name": self.name,
            "desc": self.desc,
            "jobId": self.job_id,
            "type": FLIGHT_REQUEST_MANUAL,
            "context": context,
            "speed": self.speed,
            "isSmartInspect": self.is_smart_inspect,
            "route": self.route,
        })
    }
}

/// The answer of [`Tasks::upload_mission`]. Only `id` is required; every other field is kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Map<String, Value>")]
#[non_exhaustive]
pub struct UploadedMission {
    /// The mission id.
    pub id: String,
    /// Its name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

impl TryFrom<Map<String, Value>> for UploadedMission {
    type Error = String;

    fn try_from(map: Map<String, Value>) -> std::result::Result<UploadedMission, String> {
        let mut f = Loose::new(map);
        Ok(UploadedMission {
            id: f.id()?,
            name: f.text("name"),
            extra: f.rest(),
        })
    }
}

/// The fields a task call sets itself; a mission never carries them.
const RESERVED: [&str; 3] = ["jobId", "type", "context"];

/// The mission, checked ([`Mission::validate`]), its fields at the top level, then `ours`; a
/// mission field named in `reserved` is refused.
fn mission_body(mission: &Mission, reserved: &[&str], ours: Map<String, Value>) -> Result<Value> {
    mission.validate()?;
    if let Some(name) = reserved
        .iter()
        .find(|name| mission.extra.contains_key(**name))
    {
        return Err(Error::config(
            "mission",
            format!("holds `{name}`, which the task sets, not the mission; remove it"),
        ));
    }
    let Value::Object(mut body) = json!(mission) else {
        unreachable!("a Mission serialises to an object");
    };
    body.extend(ours);
    Ok(Value::Object(body))
}

fn fields(pairs: impl IntoIterator<Item = (&'static str, Value)>) -> Map<String, Value> {
    pairs
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect()
}

impl Tasks {
    /// Makes a flight-request task from `mission` (`POST /v1/task/mission`): the mission's
    /// fields, `jobId`, `type: "FLIGHT_REQUEST"` and, when given, `context: {geojson}`.
    /// Both are checked first; sent once.
    ///
    /// # Errors
    /// [`Error::Config`] (nothing sent) for a mission that [`Mission::validate`] refuses or
    /// that holds `jobId`, `type` or `context`, or a geofence [`Geofence::validate`] refuses;
    /// otherwise as [`Tasks::create`].
    pub async fn create_from_mission(
        &self,
        job_id: &str,
        mission: &Mission,
        geofence: Option<&Geofence>,
    ) -> Result<Task> {
        let mut ours = fields([("jobId", json!(job_id)), ("type", json!(FLIGHT_REQUEST))]);
        if let Some(geofence) = geofence {
            geofence.validate()?;
            ours.insert("context".into(), json!({ "geojson": geofence }));
        }
        let body = mission_body(mission, &RESERVED, ours)?;
        self.rest.create(self.made("/v1/task/mission"), &body).await
    }

    /// Makes a corridor task from `mission` (`POST /v1/task/mission-corridor`): the
    /// mission's fields (corridor waypoints with `heading`, `pitch`, `speed`, `actions`) and
    /// `jobId`. Checked first; sent once.
    ///
    /// # Errors
    /// As [`Tasks::create_from_mission`].
    pub async fn create_corridor(&self, job_id: &str, mission: &Mission) -> Result<Task> {
        let body = mission_body(mission, &RESERVED, fields([("jobId", json!(job_id))]))?;
        self.rest
            .create(self.made("/v1/task/mission-corridor"), &body)
            .await
    }

    /// Makes a geofenced manual-flight task (`POST /v1/task/mission`, type
    /// `FLIGHT_REQUEST_MANUAL`). Checked first; sent once.
    ///
    /// # Errors
    /// [`Error::Config`] (nothing sent) for setting `flight` (an empty name or route, a
    /// speed that is not positive, a waypoint out of range) or `geofence`
    /// ([`Geofence::validate_for_geofenced_flight`]); otherwise as [`Tasks::create`].
    pub async fn create_geofenced(&self, flight: &GeofencedFlight) -> Result<Task> {
        flight.check()?;
        self.rest
            .create(self.made("/v1/task/mission"), &flight.body())
            .await
    }

    /// Uploads a mission file (`POST /v1/mission`, the mission as the body). Checked first;
    /// sent once.
    ///
    /// # Errors
    /// [`Error::Config`] for a mission [`Mission::validate`] refuses (nothing sent);
    /// [`Error::OutcomeUnknown`] after a 5xx, a lost connection or a 2xx answer without the
    /// mission's `id`; otherwise as [`Tasks::list`].
    pub async fn upload_mission(&self, mission: &Mission) -> Result<UploadedMission> {
        let body = mission_body(mission, &[], Map::new())?;
        let mut change = self.made("/v1/mission");
        change.check = "list the missions in the Unleash Live app to see whether it arrived";
        self.rest.create(change, &body).await
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::{GeofencedFlight, ManualWaypoint, RESERVED, fields, mission_body};
    use crate::api::missions::{Geofence, Mission};

    fn mission(value: Value) -> Mission {
        Mission::from_value(value).unwrap()
    }

    const POINT: &str = r#"{"lat": -33.5, "lng": 151.25, "altitude": 40, "si": "waypoint"}"#;

    #[test]
    fn mission_fields_go_top_level_and_can_never_replace_the_tasks_own() {
        let point: Value = serde_json::from_str(POINT).unwrap();
        let good = mission(json!({"name": "M", "desc": "d", "speed": 5, "route": [point]}));
        let body = mission_body(&good, &RESERVED, fields([("jobId", json!("j"))])).unwrap();
        assert_eq!(
            body,
            json!({"name": "M", "desc": "d", "speed": 5, "route": [point], "jobId": "j"})
        );
        for reserved in RESERVED {
            let hostile = mission(json!({"name": "M", "speed": 5, "route": [point],
                                         reserved: "other"}));
            let e = mission_body(&hostile, &RESERVED, fields([("jobId", json!("j"))])).unwrap_err();
            assert!(e.to_string().contains(&format!("`{reserved}`")), "{e}");
        }
        let bad = mission(json!({"name": "M", "speed": 5, "route": [{"lat": 95}]}));
        let e = mission_body(&bad, &[], fields([])).unwrap_err().to_string();
        assert!(e.contains("route[0].lat: 95 is not a latitude"), "{e}");
    }

    fn fence() -> Geofence {
        Geofence::from_value(json!({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"geofence": "inclusion"},
             "geometry": {"type": "Polygon",
                          "coordinates": [[[151, -34], [152, -34], [152, -33], [151, -34]]]}}]}))
        .unwrap()
    }

    #[test]
    fn a_geofenced_flight_is_a_manual_flight_request_with_its_fence_in_the_context() {
        let flight = GeofencedFlight::new(
            "N",
            "D",
            "j",
            fence(),
            4.0,
            vec![ManualWaypoint::new(-33.5, 151.25, 40.0).speed(3.0)],
        )
        .max_distance(120.0)
        .smart_inspect(true);
        flight.check().unwrap();
        assert_eq!(
            flight.body(),
            json!({"name": "N", "desc": "D", "jobId": "j", "type": "FLIGHT_REQUEST_MANUAL",
                   "context": {"geojson": fence(), "maxDistance": 120.0}, "speed": 4.0,
                   "isSmartInspect": true,
                   "route": [{"lat": -33.5, "lng": 151.25, "altitude": 40.0, "speed": 3.0}]})
        );
    }

    #[test]
    fn a_flight_from_a_mission_file_needs_no_si_and_is_checked_before_it_is_made() {
        let file = mission(json!({"name": "N", "speed": 5, "route": [
            {"lat": -33.5, "lng": 151.25, "altitude": 30, "speed": 3},
            {"lat": -33.6, "lng": 151.3, "altitude": 30}]}));
        let flight = GeofencedFlight::from_mission("j", &file, fence()).unwrap();
        assert_eq!(
            flight.body()["route"],
            json!([{"lat": -33.5, "lng": 151.25, "altitude": 30.0, "speed": 3.0},
                   {"lat": -33.6, "lng": 151.3, "altitude": 30.0}])
        );
        assert!(flight.body()["context"].get("maxDistance").is_none());

        let bad = mission(json!({"name": "N", "speed": 5, "route": [{"lat": 1, "lng": 200}]}));
        let e = GeofencedFlight::from_mission("j", &bad, fence())
            .unwrap_err()
            .to_string();
        assert!(e.contains("route[0].lng: 200 is not a longitude"), "{e}");
        assert!(e.contains("route[0]: no altitude"), "{e}");
        assert!(!e.contains("no si"), "{e}");
        let no_zone =
            Geofence::from_value(json!({"type": "FeatureCollection", "features": []})).unwrap();
        let e = GeofencedFlight::from_mission("j", &file, no_zone)
            .unwrap_err()
            .to_string();
        assert!(e.contains("no inclusion zone"), "{e}");

        let hand_made = GeofencedFlight::new(
            "",
            "",
            "j",
            fence(),
            0.0,
            vec![ManualWaypoint::new(91.0, f64::NAN, 1.0).speed(-1.0)],
        );
        let e = hand_made.check().unwrap_err().to_string();
        for want in [
            "name: the name is empty",
            "speed: 0 is not a positive speed",
            "route[0].lat: 91 is not a latitude",
            "route[0].lng: NaN is not a longitude",
            "route[0].speed: -1 is not a positive speed",
        ] {
            assert!(e.contains(want), "{want} in {e}");
        }
    }
}
