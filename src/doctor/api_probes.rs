//! The probes of the Unleash Live APIs (GraphQL, its schema, a Media Drive folder, flights,
//! analytics), one method of [`Doctor`] each.

use serde_json::Value;

use super::schema::{IntrospectionData, introspection};
use super::shape::describe;
use super::{Advice, Check, Doctor, Schema};
use crate::api::analytics::Analytics;
use crate::api::auth::{ApiKind, Auth};
use crate::api::graphql::{GraphqlClient, Operation};
use crate::api::http::Request;
use crate::api::lenient::kind_of;
use crate::api::media_drive::{ListOptions, MediaDrive, operations};
use crate::clock::unix_seconds;
use crate::error::{Error, ErrorClass};

impl Doctor {
    fn graphql_client(&self, auth: Auth) -> GraphqlClient {
        GraphqlClient::new(
            self.http.clone(),
            auth,
            self.config.graphql_url().to_owned(),
        )
    }

    pub(super) async fn graphql(&self) -> Check {
        const NAME: &str = "graphql";
        let Some(auth) = self.api_auth() else {
            return self.no_credential(NAME);
        };
        let kind = auth.kind_name();
        let probe = Operation::query("DoctorProbe", "__typename");
        let check = match self.graphql_client(auth).run::<Value>(&probe).await {
            Ok(data) => Check::ok(
                NAME,
                format!(
                    "{} answers `{{ __typename }}` with {} ({kind})",
                    self.config.graphql_url(),
                    data.get("__typename").unwrap_or(&Value::Null)
                ),
            ),
            Err(e) => Check::fail(NAME, &e, &self.check_and_credential("graphql_url")),
        };
        self.with_token_note(check, |token| async move {
            self.graphql_client(token)
                .run::<Value>(&probe)
                .await
                .map(drop)
        })
        .await
    }

    pub(super) async fn graphql_schema(&self) -> Check {
        const NAME: &str = "graphql-schema";
        let Some(auth) = self.api_auth() else {
            return self.no_credential(NAME);
        };
        let data = match self
            .graphql_client(auth)
            .run::<IntrospectionData>(&introspection())
            .await
        {
            Ok(data) => data,
            Err(Error::Graphql { messages }) => {
                return Check::skip(
                    NAME,
                    format!(
                        "the server refuses introspection ({}); only the operations themselves \
                         can show the schema ({})",
                        messages.join("; "),
                        self.say(Advice::GiveFolder)
                    ),
                );
            }
            Err(e) => return Check::fail(NAME, &e, &self.check_and_credential("graphql_url")),
        };
        let schema = Schema::from(data);
        let mut differences = Vec::new();
        let mut signatures = Vec::new();
        for op in operations::examples() {
            for difference in schema.differences(&op) {
                differences.push(format!("{}: {difference}", op.field()));
            }
            if let Some(signature) = schema.signature(op.kind(), op.field())
                && !signatures.contains(&signature)
            {
                signatures.push(signature);
            }
        }
        if differences.is_empty() {
            Check::ok(
                NAME,
                format!(
                    "get, list, rename, move and delete match the schema: {}",
                    signatures.join("; ")
                ),
            )
        } else {
            Check::differs(
                NAME,
                format!(
                    "what differs from what we send: {} (the server declares: {})",
                    differences.join("; "),
                    signatures.join("; ")
                ),
            )
        }
    }

    pub(super) async fn media_drive_folder(&self) -> Check {
        const NAME: &str = "media-drive-folder";
        let Some(folder) = &self.folder else {
            return Check::skip(
                NAME,
                format!(
                    "not asked: {} reads one folder (get + one list page)",
                    self.say(Advice::GiveFolder)
                ),
            );
        };
        let Some(auth) = self.api_auth() else {
            return self.no_credential(NAME);
        };
        let drive = MediaDrive::new(self.http.clone(), auth, &self.config);
        let item = match drive.get(folder).await {
            Ok(Some(item)) => item,
            Ok(None) => {
                return Check::fail(
                    NAME,
                    &Error::Config {
                        setting: "folder".into(),
                        reason: format!(
                            "Media Drive has no item {folder:?} this credential can see"
                        ),
                    },
                    "copy the id from the folder's address in cloud.unleashlive.com",
                );
            }
            Err(e) => return Check::fail(NAME, &e, "check the folder id and the credential"),
        };
        let location = item.location.clone().unwrap_or_default();
        let separator = match (location.contains('/'), location.contains('#')) {
            (true, true) => "both '/' and '#'",
            (true, false) => "'/'",
            (false, true) => "'#'",
            (false, false) => "no separator",
        };
        let listing = item.listing_location();
        let options = ListOptions::default().limit(5);
        let page = match drive.list_page(&listing, &options, None).await {
            Ok(page) => page,
            Err(e) => return Check::fail(NAME, &e, "see the graphql-schema check"),
        };
        let first = page
            .items
            .first()
            .map(|i| {
                format!(
                    "; the first item's location is {:?}",
                    i.location.as_deref().unwrap_or("")
                )
            })
            .unwrap_or_else(|| {
                "; an empty page may also mean the service builds listing locations another way"
                    .into()
            });
        let next = match &page.next_token {
            Some(Value::Object(fields)) => format!(
                "more pages (nextToken fields: {})",
                fields.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
            Some(other) => format!("more pages (nextToken {})", kind_of(other)),
            None => "no more pages".into(),
        };
        Check::ok(
            NAME,
            format!(
                "folder {:?}: location {location:?} ({separator}); listed at {listing:?} (samples' \
                 form): {} items on the first page of 5{first}; {next}",
                item.name.as_deref().unwrap_or(""),
                page.items.len()
            ),
        )
    }

    pub(super) async fn flights(&self) -> Check {
        const NAME: &str = "flights";
        let Some(auth) = self.api_auth() else {
            return self.no_credential(NAME);
        };
        let now = unix_seconds(self.clock.now()) * 1000;
        let url = format!(
            "{}/v1/flights/team",
            self.config.api_url().trim_end_matches('/')
        );
        let request = match Request::get(&url) {
            Ok(r) => r
                .query("dateFrom", &(now - 7 * 86_400_000).to_string())
                .query("dateTo", &now.to_string()),
            Err(e) => {
                let fix = format!("check {}", self.say(Advice::Setting("api_url")));
                return Check::fail(NAME, &e, &fix);
            }
        };
        let get = |auth: Auth| {
            let (request, url) = (&request, &url);
            async move {
                let response = self
                    .http
                    .send(request, Some((&auth, ApiKind::Rest)))
                    .await?;
                crate::transport::read_json::<Value>(response, url).await
            }
        };
        let check = match get(auth).await {
            Ok(body) => Check::ok(
                NAME,
                format!(
                    "GET /v1/flights/team (last 7 days) answers {}",
                    describe(&body)
                ),
            ),
            Err(e) => Check::fail(NAME, &e, &self.check_and_credential("api_url")),
        };
        self.with_token_note(check, |token| async move { get(token).await.map(drop) })
            .await
    }

    /// `GET /v1/job` and one page of `GET /v1/task` (read-only): the answers' shapes, which the
    /// samples and docs leave open.
    pub(super) async fn jobs_and_tasks(&self) -> Check {
        const NAME: &str = "jobs-tasks";
        let Some(auth) = self.api_auth() else {
            return self.no_credential(NAME);
        };
        let base = self.config.api_url().trim_end_matches('/').to_owned();
        let get = |auth: Auth, path: &'static str, query: Option<(&'static str, &'static str)>| {
            let url = format!("{base}{path}");
            async move {
                let mut request = Request::get(&url)?;
                if let Some((name, value)) = query {
                    request = request.query(name, value);
                }
                let response = self
                    .http
                    .send(&request, Some((&auth, ApiKind::Rest)))
                    .await?;
                crate::transport::read_json::<Value>(response, &url).await
            }
        };
        let tasks_page = Some(("limit", "1"));
        let both = |auth: Auth| async move {
            let jobs = get(auth.clone(), "/v1/job", None).await?;
            Ok::<_, Error>((jobs, get(auth, "/v1/task", tasks_page).await?))
        };
        let check = match both(auth).await {
            Ok((jobs, tasks)) => Check::ok(
                NAME,
                format!(
                    "GET /v1/job answers {}; GET /v1/task?limit=1 answers {}",
                    describe(&jobs),
                    describe(&tasks)
                ),
            ),
            Err(e) => Check::fail(NAME, &e, &self.check_and_credential("api_url")),
        };
        self.with_token_note(check, |token| async move { both(token).await.map(drop) })
            .await
    }

    pub(super) async fn analytics(&self) -> Check {
        const NAME: &str = "analytics";
        let Some(token) = &self.token else {
            let detail = format!("no personal access token: {}", self.say(Advice::GiveToken));
            return Check::skip(NAME, detail);
        };
        let analytics = Analytics::new(self.http.clone(), token.clone(), &self.config);
        match analytics.version().await {
            Ok(version) => {
                let page = self.analytics_page(&analytics).await;
                Check::ok(
                    NAME,
                    format!("version {version} ({}); {page}", token.kind_name()),
                )
            }
            Err(e) => {
                let fix = match e.class() {
                    ErrorClass::Authentication => "the token is expired, revoked or its role too \
                                                   low: create a new one in the web app \
                                                   (Profile → Developers)"
                        .to_owned(),
                    _ => format!(
                        "check {} and the network",
                        self.say(Advice::Setting("api_url"))
                    ),
                };
                Check::fail(NAME, &e, &fix)
            }
        }
    }

    /// What the first data page of the first device (last 30 days) looks like: its columns and
    /// the JSON type of each value of its first row, which the Parquet typing, the date
    /// partitions and the summary (`class_name`, `count`, `timestamp`) rely on. Read-only;
    /// a failure here is told, not fatal to the row.
    async fn analytics_page(&self, analytics: &Analytics) -> String {
        let devices = match analytics.devices().await {
            Ok(devices) => devices,
            Err(e) => return format!("listing the devices failed: {}", crate::error::chain(&e)),
        };
        let Some(device) = devices.first() else {
            return "no devices to read a data page of".to_owned();
        };
        let now = unix_seconds(self.clock.now()) * 1000;
        match analytics.data(device, now - 30 * 86_400_000, now, 1).await {
            Ok(page) => {
                let columns: Vec<String> = match page.rows.first() {
                    Some(row) => page
                        .keys
                        .iter()
                        .zip(row)
                        .map(|(key, value)| {
                            let rfc3339 = value
                                .as_str()
                                .is_some_and(|s| crate::clock::parse_rfc3339_ms(s).is_some());
                            let kind = if rfc3339 {
                                "RFC 3339 text"
                            } else {
                                kind_of(value)
                            };
                            format!("{key} ({kind})")
                        })
                        .collect(),
                    None => page.keys.clone(),
                };
                format!(
                    "{} devices; page 1 of {} (last 30 days, {} pages): {} rows, columns {}",
                    devices.len(),
                    device,
                    page.total_num_pages,
                    page.rows.len(),
                    if columns.is_empty() {
                        "none".to_owned()
                    } else {
                        columns.join(", ")
                    }
                )
            }
            Err(e) => format!(
                "reading page 1 of {device} failed: {}",
                crate::error::chain(&e)
            ),
        }
    }
}
