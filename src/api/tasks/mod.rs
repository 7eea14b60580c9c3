//! Jobs, flight-request tasks and mission uploads (REST, as Unleash Live's `user-task` and
//! `mission` samples call them), with typed bodies and lenient answers.
//!
//! - Ids go into paths as one percent-encoded segment: `a/../b?x#y` cannot reach another URL.
//! - Answers need only an `id`; every other field is kept (`extra`), a `{"data": ...}`
//!   envelope is unwrapped, and a 2xx answer holding `errors[]` is
//!   [`Error::Service`](crate::Error::Service).
//! - Listings follow a string `nextToken` (sent back as `?nextToken=`) to the end; a token
//!   already followed, a token that is not a string, or more than [`MAX_PAGES`] pages is an
//!   error, never a silently shorter list.
//! - Calls that change something (create, update, delete, assign, upload) are sent at most
//!   once: after a 5xx or a connection lost once sent, the error is
//!   [`Error::OutcomeUnknown`](crate::Error::OutcomeUnknown), naming what to look up.
//!
//! ```no_run
//! use unleashlive_auth::api::tasks::{NewJob, NewTask, TaskScope};
//!
//! # async fn run(ul: unleashlive_auth::UnleashLive) -> Result<(), unleashlive_auth::Error> {
//! let job = ul.jobs().create(&NewJob::new("Bridge survey", "North span")).await?;
//! let task = NewTask::new("Pier 3", "Close-up of the bearings", &job.id, -33.85, 151.21);
//! ul.tasks().create(&task).await?;
//! for task in ul.tasks().list(TaskScope::Team, Some(50)).await? {
//!     println!("{} {}", task.id, task.title.as_deref().unwrap_or(""));
//! }
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;

use http::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

mod jobs;
mod mission_upload;
mod rest;

pub use crate::api::listing::MAX_PAGES;
pub use jobs::{Job, JobUpdate, Jobs, NewJob};
pub use mission_upload::{GeofencedFlight, ManualWaypoint, UploadedMission};

use crate::api::auth::Auth;
use crate::api::http::HttpClient;
use crate::api::lenient::Loose;
use crate::api::missions::{Geofence, Mission};
use crate::config::Config;
use crate::error::{Error, Result};
use rest::{Change, Rest, segment};

/// The task type of a planned (mission, corridor or plain) flight request.
pub const FLIGHT_REQUEST: &str = "FLIGHT_REQUEST";
/// The task type of a geofenced manual flight.
pub const FLIGHT_REQUEST_MANUAL: &str = "FLIGHT_REQUEST_MANUAL";

/// Whose tasks to list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum TaskScope {
    /// Assigned to the caller (`GET /v1/task`).
    #[default]
    Assigned,
    /// The caller's team (`GET /v1/task/team`).
    Team,
    /// The whole company (`GET /v1/task/company`).
    Company,
}

impl TaskScope {
    fn path(self) -> &'static str {
        match self {
            TaskScope::Assigned => "/v1/task",
            TaskScope::Team => "/v1/task/team",
            TaskScope::Company => "/v1/task/company",
        }
    }
}

/// A task. Only `id` is required; every other field is kept (`extra`), and so is a known
/// field whose value has an unexpected form (a date as text stays in `extra` as `createdAt`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", try_from = "Map<String, Value>")]
#[non_exhaustive]
pub struct Task {
    /// The task id.
    pub id: String,
    /// Its title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Its description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The job it belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    /// Its type ([`FLIGHT_REQUEST`], [`FLIGHT_REQUEST_MANUAL`], ...).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Its status, as the service names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Latitude.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    /// Longitude.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lng: Option<f64>,
    /// Who it is assigned to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_id: Option<String>,
    /// When it was made (Unix milliseconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<i64>,
    /// When it last changed (Unix milliseconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<i64>,
    /// Fields this version does not know (`context`, `companyId`, `pk`, ...).
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

impl TryFrom<Map<String, Value>> for Task {
    type Error = String;

    fn try_from(map: Map<String, Value>) -> std::result::Result<Task, String> {
        let mut f = Loose::new(map);
        Ok(Task {
            id: f.id()?,
            title: f.text("title"),
            description: f.text("description"),
            job_id: f.text("jobId"),
            kind: f.text("type"),
            status: f.text("status"),
            lat: f.number("lat"),
            lng: f.number("lng"),
            assigned_id: f.text("assignedId"),
            created_at: f.millis("createdAt"),
            updated_at: f.millis("updatedAt"),
            extra: f.rest(),
        })
    }
}

/// The body of [`Tasks::create`]: `{title, description, jobId, type: "FLIGHT_REQUEST", lat,
/// lng, userId?, context?}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct NewTask {
    /// The title.
    pub title: String,
    /// The description.
    pub description: String,
    /// The job it goes in.
    pub job_id: String,
    #[serde(rename = "type")]
    kind: &'static str,
    /// Latitude of the point to fly to.
    pub lat: f64,
    /// Longitude of the point to fly to.
    pub lng: f64,
    /// The pilot to assign.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// `{mission?, geojson?}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<TaskContext>,
}

/// What a task carries besides its point: a mission and/or a geofence.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct TaskContext {
    /// A mission.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mission: Option<Mission>,
    /// A geofence (GeoJSON).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub geojson: Option<Geofence>,
}

impl NewTask {
    /// A flight request at `lat`, `lng` in the job `job_id`.
    pub fn new(
        title: impl Into<String>,
        description: impl Into<String>,
        job_id: impl Into<String>,
        lat: f64,
        lng: f64,
    ) -> Self {
        NewTask {
            title: title.into(),
            description: description.into(),
            job_id: job_id.into(),
            kind: FLIGHT_REQUEST,
            lat,
            lng,
            user_id: None,
            context: None,
        }
    }

    /// Assigns the pilot `user_id`.
    #[must_use]
    pub fn user(mut self, user_id: impl Into<String>) -> Self {
        self.user_id = Some(user_id.into());
        self
    }

    /// Attaches a mission (`context.mission`); [`Tasks::create`] checks it.
    #[must_use]
    pub fn mission(mut self, mission: Mission) -> Self {
        self.context
            .get_or_insert_with(TaskContext::default)
            .mission = Some(mission);
        self
    }

    /// Attaches a geofence (`context.geojson`); [`Tasks::create`] checks it.
    #[must_use]
    pub fn geofence(mut self, geofence: Geofence) -> Self {
        self.context
            .get_or_insert_with(TaskContext::default)
            .geojson = Some(geofence);
        self
    }

    /// Every problem found before sending: a position out of range, a mission or geofence
    /// its own check refuses.
    fn check(&self) -> Result<()> {
        let mut problems = Vec::new();
        if !(self.lat.is_finite() && (-90.0..=90.0).contains(&self.lat)) {
            problems.push(format!("lat: {} is not a latitude", self.lat));
        }
        if !(self.lng.is_finite() && (-180.0..=180.0).contains(&self.lng)) {
            problems.push(format!("lng: {} is not a longitude", self.lng));
        }
        if !problems.is_empty() {
            return Err(Error::config("task", problems.join("; ")));
        }
        if let Some(context) = &self.context {
            if let Some(mission) = &context.mission {
                mission.validate()?;
            }
            if let Some(geofence) = &context.geojson {
                geofence.validate()?;
            }
        }
        Ok(())
    }
}

/// The body of [`Tasks::update`]: only the fields set are sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TaskUpdate {
    /// A new title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// A new description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A new status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

impl TaskUpdate {
    /// Changes the title.
    #[must_use]
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Changes the description.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Changes the status.
    #[must_use]
    pub fn status(mut self, status: impl Into<String>) -> Self {
        self.status = Some(status.into());
        self
    }
}

/// The tasks (and mission upload) client (REST, `x-amz-cognito-security-token` or a PAT as
/// Bearer). Cheap to clone.
#[derive(Debug, Clone)]
pub struct Tasks {
    rest: Rest,
}

fn task_path(id: &str) -> Result<String> {
    Ok(format!("/v1/task/{}", segment("task id", id)?))
}

const CHECK_LIST: &str = "list the job's tasks (GET /v1/task/team) to see whether it was made";

impl Tasks {
    /// A client for the REST API of `config`, with `auth`.
    pub fn new(http: HttpClient, auth: Auth, config: &Config) -> Self {
        Tasks {
            rest: Rest::new(http, auth, config),
        }
    }

    /// Every task of `scope`, asking for `page_size` per page (`?limit=`) when given and
    /// following `nextToken` to the end.
    ///
    /// # Errors
    /// [`Error::Service`](crate::Error::Service) for an answer with `errors[]`;
    /// [`Error::UnexpectedResponse`](crate::Error::UnexpectedResponse) for an answer of
    /// another shape, a repeated or non-string continuation token, or more than
    /// [`MAX_PAGES`] pages; the errors of [`HttpClient::send`].
    pub async fn list(&self, scope: TaskScope, page_size: Option<u32>) -> Result<Vec<Task>> {
        self.rest.list(scope.path(), page_size).await
    }

    /// One task (`GET /v1/task/{id}`).
    ///
    /// # Errors
    /// [`Error::Config`](crate::Error::Config) for an empty, `.` or `..` id; an
    /// [`Error::Http`](crate::Error::Http) 404 for an unknown task; otherwise as
    /// [`Tasks::list`].
    pub async fn get(&self, id: &str) -> Result<Task> {
        self.rest.get(&task_path(id)?).await
    }

    /// Makes a flight-request task (`POST /v1/task`) and returns it. Checked first; sent
    /// once.
    ///
    /// # Errors
    /// [`Error::Config`] (nothing sent) for a position out of range or a mission or geofence
    /// in the context that its check refuses;
    /// [`Error::OutcomeUnknown`](crate::Error::OutcomeUnknown) after a 5xx, a lost
    /// connection or a 2xx answer without the task; otherwise as [`Tasks::list`].
    pub async fn create(&self, task: &NewTask) -> Result<Task> {
        task.check()?;
        self.rest.create(self.made("/v1/task"), task).await
    }

    /// Changes the fields `update` sets (`PATCH /v1/task/{id}`). Sent once. Returns the
    /// service's answer (`null` when it sends none).
    ///
    /// # Errors
    /// As [`Tasks::get`] and [`Tasks::create`].
    pub async fn update(&self, id: &str, update: &TaskUpdate) -> Result<Value> {
        let body = json!(update);
        self.change(Method::PATCH, id, Some(&body)).await
    }

    /// Deletes a task (`DELETE /v1/task/{id}`). Sent once.
    ///
    /// # Errors
    /// As [`Tasks::update`].
    pub async fn delete(&self, id: &str) -> Result<Value> {
        self.change(Method::DELETE, id, None).await
    }

    async fn change(&self, method: Method, id: &str, body: Option<&Value>) -> Result<Value> {
        let check = format!("look the task up (GET /v1/task/{id})");
        let change = Change {
            method,
            path: task_path(id)?,
            check: &check,
        };
        self.rest.change(change, body).await
    }

    fn made(&self, path: &str) -> Change<'static> {
        Change {
            method: Method::POST,
            path: path.to_owned(),
            check: CHECK_LIST,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{NewTask, Task, TaskUpdate};
    use crate::api::missions::Geofence;

    #[test]
    fn a_new_task_is_always_a_flight_request_with_optional_parts_left_out() {
        let plain = NewTask::new("T", "D", "j", -33.5, 151.25);
        assert_eq!(
            json!(plain),
            json!({"title": "T", "description": "D", "jobId": "j", "type": "FLIGHT_REQUEST",
                   "lat": -33.5, "lng": 151.25})
        );
        let fence = json!({"type": "FeatureCollection", "features": []});
        let full = plain
            .user("u")
            .geofence(Geofence::from_value(fence.clone()).unwrap());
        assert_eq!(json!(full)["userId"], "u");
        assert_eq!(json!(full)["context"], json!({"geojson": fence}));
        assert_eq!(
            json!(TaskUpdate::default().status("DONE")),
            json!({"status": "DONE"})
        );
    }

    #[test]
    fn a_task_needs_only_an_id_and_reads_numbers_given_as_strings() {
        let task: Task =
            serde_json::from_value(json!({"id": "t", "type": "FLIGHT_REQUEST", "lat": "-33.5",
                                          "context": {"geojson": {}}}))
            .unwrap();
        assert_eq!(task.kind.as_deref(), Some("FLIGHT_REQUEST"));
        assert_eq!(task.lat, Some(-33.5));
        assert!(task.extra.contains_key("context"));
        assert!(serde_json::from_value::<Task>(json!({"title": "x"})).is_err());
    }
}
