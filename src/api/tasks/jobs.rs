//! Jobs: the folders flight-request tasks are planned in (`/v1/job`).

use std::collections::BTreeMap;

use http::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::rest::{Change, Rest, segment};
use crate::api::auth::Auth;
use crate::api::http::HttpClient;
use crate::api::lenient::Loose;
use crate::config::Config;
use crate::error::Result;

/// A job. Only `id` is required; every other field is kept (`extra`), and so is a known
/// field whose value has an unexpected form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", try_from = "Map<String, Value>")]
#[non_exhaustive]
pub struct Job {
    /// The job id.
    pub id: String,
    /// Its title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Its description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Its status, as the service names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The company.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_id: Option<String>,
    /// The team.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team_id: Option<String>,
    /// Who made it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
    /// Who its tasks are assigned to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_id: Option<String>,
    /// When it was made (Unix milliseconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<i64>,
    /// When it last changed (Unix milliseconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<i64>,
    /// Fields this version does not know (`pk`, `sk`, ...).
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

impl TryFrom<Map<String, Value>> for Job {
    type Error = String;

    fn try_from(map: Map<String, Value>) -> std::result::Result<Job, String> {
        let mut f = Loose::new(map);
        Ok(Job {
            id: f.id()?,
            title: f.text("title"),
            description: f.text("description"),
            status: f.text("status"),
            company_id: f.text("companyId"),
            team_id: f.text("teamId"),
            owner_id: f.text("ownerId"),
            assigned_id: f.text("assignedId"),
            created_at: f.millis("createdAt"),
            updated_at: f.millis("updatedAt"),
            extra: f.rest(),
        })
    }
}

/// The body of [`Jobs::create`]: `{title, description, userIds?, status?}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct NewJob {
    /// The title.
    pub title: String,
    /// The description.
    pub description: String,
    /// Users of the same team to add (the author is added by the service).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_ids: Option<Vec<String>>,
    /// A status to start in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

impl NewJob {
    /// A job with a title and a description.
    pub fn new(title: impl Into<String>, description: impl Into<String>) -> Self {
        NewJob {
            title: title.into(),
            description: description.into(),
            user_ids: None,
            status: None,
        }
    }

    /// Adds these users (of the same team).
    #[must_use]
    pub fn users(mut self, ids: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.user_ids = Some(ids.into_iter().map(Into::into).collect());
        self
    }

    /// Starts the job in `status`.
    #[must_use]
    pub fn status(mut self, status: impl Into<String>) -> Self {
        self.status = Some(status.into());
        self
    }
}

/// The body of [`Jobs::update`]: only the fields set are sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct JobUpdate {
    /// A new title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// A new description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A new status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The job's users.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_ids: Option<Vec<String>>,
}

impl JobUpdate {
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

    /// Sets the job's users.
    #[must_use]
    pub fn users(mut self, ids: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.user_ids = Some(ids.into_iter().map(Into::into).collect());
        self
    }
}

/// The jobs client (REST, `x-amz-cognito-security-token` or a PAT as Bearer). Cheap to
/// clone.
#[derive(Debug, Clone)]
pub struct Jobs {
    rest: Rest,
}

fn job_path(id: &str) -> Result<String> {
    Ok(format!("/v1/job/{}", segment("job id", id)?))
}

fn check(id: &str) -> String {
    format!("look the job up (GET /v1/job/{id})")
}

const CHECK_LIST: &str = "list the jobs (GET /v1/job) to see whether it was made";

impl Jobs {
    /// A client for the REST API of `config`, with `auth`.
    pub fn new(http: HttpClient, auth: Auth, config: &Config) -> Self {
        Jobs {
            rest: Rest::new(http, auth, config),
        }
    }

    /// The jobs assigned to the caller (`GET /v1/job`), every page.
    ///
    /// # Errors
    /// [`Error::Service`](crate::Error::Service) for an answer with `errors[]`;
    /// [`Error::UnexpectedResponse`](crate::Error::UnexpectedResponse) for an answer of
    /// another shape, a repeated continuation token or more than
    /// [`MAX_PAGES`](super::MAX_PAGES) pages; the errors of [`HttpClient::send`].
    pub async fn list(&self) -> Result<Vec<Job>> {
        self.rest.list("/v1/job", None).await
    }

    /// The team's jobs (`GET /v1/job/team`, for admins), every page.
    ///
    /// # Errors
    /// As [`Jobs::list`].
    pub async fn team(&self) -> Result<Vec<Job>> {
        self.rest.list("/v1/job/team", None).await
    }

    /// One job (`GET /v1/job/{id}`).
    ///
    /// # Errors
    /// [`Error::Config`](crate::Error::Config) for an empty, `.` or `..` id; an
    /// [`Error::Http`](crate::Error::Http) 404 for an unknown job; otherwise as
    /// [`Jobs::list`].
    pub async fn get(&self, id: &str) -> Result<Job> {
        self.rest.get(&job_path(id)?).await
    }

    /// Makes a job (`POST /v1/job`) and returns it. Sent once.
    ///
    /// # Errors
    /// [`Error::OutcomeUnknown`](crate::Error::OutcomeUnknown) after a 5xx, a lost
    /// connection or a 2xx answer without the job; otherwise as [`Jobs::list`].
    pub async fn create(&self, job: &NewJob) -> Result<Job> {
        let change = Change {
            method: Method::POST,
            path: "/v1/job".into(),
            check: CHECK_LIST,
        };
        self.rest.create(change, job).await
    }

    /// Changes the fields `update` sets (`PATCH /v1/job/{id}`). Sent once. Returns the
    /// service's answer (`null` when it sends none).
    ///
    /// # Errors
    /// As [`Jobs::get`] and [`Jobs::create`].
    pub async fn update(&self, id: &str, update: &JobUpdate) -> Result<Value> {
        let body = json!(update);
        self.send(Method::PATCH, job_path(id)?, id, Some(&body))
            .await
    }

    /// Deletes a job (`DELETE /v1/job/{id}`); the service refuses a job that still has
    /// tasks. Sent once.
    ///
    /// # Errors
    /// As [`Jobs::update`].
    pub async fn delete(&self, id: &str) -> Result<Value> {
        self.send(Method::DELETE, job_path(id)?, id, None).await
    }

    /// Assigns the user `assigned_id` to every task of the job (`PATCH /v1/job/{id}/task`).
    /// Sent once.
    ///
    /// # Errors
    /// As [`Jobs::update`].
    pub async fn assign(&self, id: &str, assigned_id: &str) -> Result<Value> {
        let body = json!({ "assignedId": assigned_id });
        let path = format!("{}/task", job_path(id)?);
        self.send(Method::PATCH, path, id, Some(&body)).await
    }

    async fn send(
        &self,
        method: Method,
        path: String,
        id: &str,
        body: Option<&Value>,
    ) -> Result<Value> {
        let check = check(id);
        let change = Change {
            method,
            path,
            check: &check,
        };
        self.rest.change(change, body).await
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{Job, JobUpdate, NewJob};

    #[test]
    fn bodies_carry_only_what_is_set() {
        assert_eq!(
            json!(NewJob::new("T", "D")),
            json!({"title": "T", "description": "D"})
        );
        assert_eq!(
            json!(NewJob::new("T", "D").users(["u1"]).status("OPEN")),
            json!({"title": "T", "description": "D", "userIds": ["u1"], "status": "OPEN"})
        );
        assert_eq!(
            json!(JobUpdate::default().title("N")),
            json!({"title": "N"})
        );
    }

    #[test]
    fn a_job_needs_only_an_id_and_keeps_the_rest() {
        let job: Job =
            serde_json::from_value(json!({"id": "j", "updatedAt": "17", "pk": "JOB#j"})).unwrap();
        assert_eq!(job.updated_at, Some(17));
        assert_eq!(job.extra["pk"], "JOB#j");
        assert!(serde_json::from_value::<Job>(json!({"title": "no id"})).is_err());
    }
}
