//! Tasks made from missions (plain, corridor, geofenced manual) and mission uploads.
//!
//! A mission is any JSON object (`{desc, name, speed, route: [...]}`) whose fields go at the
//! top level of the body. The fields the call sets (`jobId`, `type`, `context`) are never
//! taken from the mission: a mission that holds one is refused before anything is sent.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{FLIGHT_REQUEST, FLIGHT_REQUEST_MANUAL, Task, Tasks};
use crate::error::{Error, Result};

/// One waypoint of a geofenced manual flight: `{lat, lng, altitude, speed}`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ManualWaypoint {
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lng: f64,
    /// Altitude, in metres.
    pub altitude: f64,
    /// Speed, in metres per second.
    pub speed: f64,
}

impl ManualWaypoint {
    /// A waypoint.
    pub fn new(lat: f64, lng: f64, altitude: f64, speed: f64) -> Self {
        ManualWaypoint {
            lat,
            lng,
            altitude,
            speed,
        }
    }
}

/// A geofenced manual flight for [`Tasks::create_geofenced`]: sent as `{name, desc, jobId,
/// type: "FLIGHT_REQUEST_MANUAL", context: {geojson, maxDistance}, speed, isSmartInspect,
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
    /// The geofence: a GeoJSON FeatureCollection (inclusion/exclusion polygons, obstacle
    /// lines). There is no default.
    pub geojson: Value,
    /// How far the drone may fly, in metres.
    pub max_distance: f64,
    /// Speed, in metres per second.
    pub speed: f64,
    /// Whether it is a Smart Inspect flight.
    pub is_smart_inspect: bool,
    /// The waypoints.
    pub route: Vec<ManualWaypoint>,
}

impl GeofencedFlight {
    /// A flight in the job `job_id` inside `geojson`, not Smart Inspect.
    pub fn new(
        name: impl Into<String>,
        desc: impl Into<String>,
        job_id: impl Into<String>,
        geojson: Value,
        max_distance: f64,
        speed: f64,
        route: Vec<ManualWaypoint>,
    ) -> Self {
        GeofencedFlight {
            name: name.into(),
            desc: desc.into(),
            job_id: job_id.into(),
            geojson,
            max_distance,
            speed,
            is_smart_inspect: false,
            route,
        }
    }

    /// Marks it a Smart Inspect flight.
    #[must_use]
    pub fn smart_inspect(mut self, on: bool) -> Self {
        self.is_smart_inspect = on;
        self
    }

    fn body(&self) -> Value {
        json!({
            "name": self.name,
            "desc": self.desc,
            "jobId": self.job_id,
            "type": FLIGHT_REQUEST_MANUAL,
            "context": { "geojson": self.geojson, "maxDistance": self.max_distance },
            "speed": self.speed,
            "isSmartInspect": self.is_smart_inspect,
            "route": self.route,
        })
    }
}

/// The answer of [`Tasks::upload_mission`]. Only `id` is required; every other field is kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UploadedMission {
    /// The mission id.
    pub id: String,
    /// Its name.
    #[serde(default)]
    pub name: Option<String>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// The fields a task call sets itself; a mission never carries them.
const RESERVED: [&str; 3] = ["jobId", "type", "context"];

/// The mission's fields at the top level, then `ours`; a mission field named in `reserved`
/// is refused.
fn mission_body(
    mission: &impl Serialize,
    reserved: &[&str],
    ours: Map<String, Value>,
) -> Result<Value> {
    let mission = serde_json::to_value(mission)
        .map_err(|e| Error::config("mission", format!("cannot be JSON: {e}")))?;
    let Value::Object(mut body) = mission else {
        return Err(Error::config("mission", "is not a JSON object"));
    };
    if let Some(name) = reserved.iter().find(|name| body.contains_key(**name)) {
        return Err(Error::config(
            "mission",
            format!("holds `{name}`, which the task sets, not the mission; remove it"),
        ));
    }
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
    /// fields, `jobId`, `type: "FLIGHT_REQUEST"` and, when given, `context: {geojson}`. Sent
    /// once.
    ///
    /// # Errors
    /// [`Error::Config`] for a mission that is not a JSON object or that holds `jobId`,
    /// `type` or `context` (nothing sent); otherwise as [`Tasks::create`].
    pub async fn create_from_mission(
        &self,
        job_id: &str,
        mission: &impl Serialize,
        geojson: Option<&Value>,
    ) -> Result<Task> {
        let mut ours = fields([("jobId", json!(job_id)), ("type", json!(FLIGHT_REQUEST))]);
        if let Some(geojson) = geojson {
            ours.insert("context".into(), json!({ "geojson": geojson }));
        }
        let body = mission_body(mission, &RESERVED, ours)?;
        self.rest.create(self.made("/v1/task/mission"), &body).await
    }

    /// Makes a corridor task from `mission` (`POST /v1/task/mission-corridor`): the
    /// mission's fields (corridor waypoints with `heading`, `pitch`, `speed`, `actions`) and
    /// `jobId`. Sent once.
    ///
    /// # Errors
    /// As [`Tasks::create_from_mission`].
    pub async fn create_corridor(&self, job_id: &str, mission: &impl Serialize) -> Result<Task> {
        let body = mission_body(mission, &RESERVED, fields([("jobId", json!(job_id))]))?;
        self.rest
            .create(self.made("/v1/task/mission-corridor"), &body)
            .await
    }

    /// Makes a geofenced manual-flight task (`POST /v1/task/mission`, type
    /// `FLIGHT_REQUEST_MANUAL`). Sent once.
    ///
    /// # Errors
    /// As [`Tasks::create`].
    pub async fn create_geofenced(&self, flight: &GeofencedFlight) -> Result<Task> {
        self.rest
            .create(self.made("/v1/task/mission"), &flight.body())
            .await
    }

    /// Uploads a mission file (`POST /v1/mission`, the mission as the body). Sent once.
    ///
    /// # Errors
    /// [`Error::Config`] for a mission that is not a JSON object (nothing sent);
    /// [`Error::OutcomeUnknown`] after a 5xx, a lost connection or a 2xx answer without the
    /// mission's `id`; otherwise as [`Tasks::list`].
    pub async fn upload_mission(&self, mission: &impl Serialize) -> Result<UploadedMission> {
        let body = mission_body(mission, &[], Map::new())?;
        let mut change = self.made("/v1/mission");
        change.check = "list the missions in the Unleash Live app to see whether it arrived";
        self.rest.create(change, &body).await
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{GeofencedFlight, ManualWaypoint, RESERVED, fields, mission_body};

    #[test]
    fn mission_fields_go_top_level_and_can_never_replace_the_tasks_own() {
        let mission = json!({"name": "M", "desc": "d", "speed": 5, "route": []});
        let body = mission_body(&mission, &RESERVED, fields([("jobId", json!("j"))])).unwrap();
        assert_eq!(
            body,
            json!({"name": "M", "desc": "d", "speed": 5, "route": [], "jobId": "j"})
        );
        for reserved in RESERVED {
            let hostile = json!({"name": "M", reserved: "other"});
            let e = mission_body(&hostile, &RESERVED, fields([("jobId", json!("j"))])).unwrap_err();
            assert!(e.to_string().contains(&format!("`{reserved}`")), "{e}");
        }
        assert!(mission_body(&json!([1]), &[], fields([])).is_err());
    }

    #[test]
    fn a_geofenced_flight_is_a_manual_flight_request_with_its_fence_in_the_context() {
        let fence = json!({"type": "FeatureCollection", "features": []});
        let flight = GeofencedFlight::new(
            "N",
            "D",
            "j",
            fence.clone(),
            120.0,
            4.0,
            vec![ManualWaypoint::new(-33.5, 151.25, 40.0, 4.0)],
        )
        .smart_inspect(true);
        assert_eq!(
            flight.body(),
            json!({"name": "N", "desc": "D", "jobId": "j", "type": "FLIGHT_REQUEST_MANUAL",
                   "context": {"geojson": fence, "maxDistance": 120.0}, "speed": 4.0,
                   "isSmartInspect": true,
                   "route": [{"lat": -33.5, "lng": 151.25, "altitude": 40.0, "speed": 4.0}]})
        );
    }
}
