//! The probes themselves, one method of [`Doctor`] each.

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
use crate::aws::identity::IdentityClient;
use crate::clock::{rfc3339, unix_seconds};
use crate::cognito::session::Session;
use crate::cognito::{CognitoClient, FlowAnswer};
use crate::error::{Error, ErrorClass};
use crate::token::jwks::JwksCache;
use crate::token::verify::Verifier;

impl Doctor {
    /// The cached session, if there is one that has not expired.
    fn usable_session(&self) -> Option<Session> {
        let sessions = self.sessions.as_ref()?;
        let session = sessions.cached().ok()??;
        (!session.is_expired(self.clock.now())).then_some(session)
    }

    /// The credential the API checks use: the usable session's ID token as it is (never
    /// renewed, not even after a 401: a refusal is what the check reports), else the token at
    /// hand.
    fn api_auth(&self) -> Option<Auth> {
        match self.usable_session() {
            Some(session) => Some(Auth::IdToken(session.id_token().clone())),
            None => self.token.clone(),
        }
    }

    /// The token at hand when the session is what [`Doctor::api_auth`] chose: the API checks
    /// then try it too, since whether each API takes a PAT is itself unverified.
    fn also_token(&self) -> Option<Auth> {
        self.usable_session().and(self.token.clone())
    }

    /// `check` with a note of how the same call went with the token at hand, if any.
    async fn with_token_note<F, Fut>(&self, check: Check, probe: F) -> Check
    where
        F: FnOnce(Auth) -> Fut,
        Fut: std::future::Future<Output = std::result::Result<(), Error>>,
    {
        let Some(token) = self.also_token() else {
            return check;
        };
        let kind = token.kind_name();
        let note = match probe(token).await {
            Ok(()) => format!("the {kind} works too"),
            Err(e) => format!("the {kind} does not: {}", crate::error::chain(&e)),
        };
        Check {
            detail: format!("{}; {note}", check.detail),
            ..check
        }
    }

    /// "check SETTING and the credential".
    fn check_and_credential(&self, setting: &'static str) -> String {
        format!(
            "check {} and the credential",
            self.say(Advice::Setting(setting))
        )
    }

    fn no_credential(&self, name: &str) -> Check {
        let detail = format!(
            "no credential: {}, or {}",
            self.say(Advice::SignIn),
            self.say(Advice::GiveToken)
        );
        Check::skip(name, detail)
    }

    pub(super) async fn cognito(&self) -> Check {
        const NAME: &str = "cognito";
        let client = CognitoClient::new(self.config.clone()).await;
        let answers = match client.probe_flows().await {
            Ok(answers) => answers,
            Err(e) => {
                let fix = format!(
                    "check {}, {}, {} and the network",
                    self.say(Advice::Setting("region")),
                    self.say(Advice::Setting("user_pool_id")),
                    self.say(Advice::Setting("client_id"))
                );
                return Check::fail(NAME, &e, &fix);
            }
        };
        let allowed = |flow: &str| {
            answers
                .iter()
                .any(|(f, a)| *f == flow && *a == FlowAnswer::Allowed)
        };
        let flows: Vec<String> = answers
            .iter()
            .map(|(flow, answer)| match answer {
                FlowAnswer::Allowed => format!("{flow} allowed"),
                FlowAnswer::NotAllowed(_) => format!("{flow} not allowed"),
                FlowAnswer::Unknown(why) => format!("{flow} unknown ({why})"),
            })
            .collect();
        let detail = format!(
            "user pool {} and app client {} answer (probed with a made-up user); {}",
            self.config.user_pool_id(),
            self.config.client_id(),
            flows.join(", ")
        );
        match (allowed("USER_SRP_AUTH"), allowed("USER_PASSWORD_AUTH")) {
            (true, _) => Check::ok(NAME, detail),
            (false, true) => Check::ok(
                NAME,
                format!("{detail}; {}", self.say(Advice::SignInWithPassword)),
            ),
            (false, false) => Check::fail(
                NAME,
                &Error::FlowNotEnabled {
                    flow: "USER_SRP_AUTH and USER_PASSWORD_AUTH".into(),
                    message: detail,
                },
                &format!(
                    "the app client must allow SRP or password sign-in; check {}",
                    self.say(Advice::Setting("client_id"))
                ),
            ),
        }
    }

    pub(super) async fn jwks(&self) -> Check {
        const NAME: &str = "jwks";
        let url = self.config.jwks_url();
        let fetched = match JwksCache::new(url.clone()) {
            Ok(cache) => cache.fetch_now().await.map(|n| (n, cache.kids())),
            Err(e) => Err(e),
        };
        match fetched {
            Ok((count, kids)) => Check::ok(
                NAME,
                format!("{count} RS256 keys at {url} (kid {})", kids.join(", ")),
            ),
            Err(e) => {
                let fix = format!(
                    "check {} (or the pool id) and the network",
                    self.say(Advice::Setting("jwks_url"))
                );
                Check::fail(NAME, &e, &fix)
            }
        }
    }

    pub(super) async fn refresh_check(&self) -> Check {
        const NAME: &str = "refresh";
        if !self.refresh {
            return Check::skip(
                NAME,
                format!(
                    "not asked: {} renews the session with its refresh token (the cached tokens \
                     are replaced)",
                    self.say(Advice::AskForRefresh)
                ),
            );
        }
        let Some(sessions) = &self.sessions else {
            return Check::skip(NAME, self.no_session());
        };
        let before = match sessions.cached() {
            Ok(Some(session)) => session,
            Ok(None) => {
                return Check::skip(NAME, format!("not signed in: {}", self.say(Advice::SignIn)));
            }
            Err(e) => return Check::fail(NAME, &e, "remove the cache file and sign in again"),
        };
        match sessions.renew_now().await {
            Ok(after) => {
                let rotated = match (before.refresh_token(), after.refresh_token()) {
                    (Some(old), Some(new)) if old.secret() != new.secret() => "rotated",
                    _ => "kept",
                };
                Check::ok(
                    NAME,
                    format!(
                        "new ID and access tokens valid until {}; the refresh token was {rotated}",
                        rfc3339(after.expires_at())
                    ),
                )
            }
            Err(e) => Check::fail(NAME, &e, &self.say(Advice::SignIn)),
        }
    }

    pub(super) async fn session(&self) -> Check {
        const NAME: &str = "session";
        let Some(sessions) = &self.sessions else {
            return Check::skip(NAME, self.no_session());
        };
        let session = match sessions.cached() {
            Ok(Some(session)) => session,
            Ok(None) => {
                return Check::skip(NAME, format!("not signed in: {}", self.say(Advice::SignIn)));
            }
            Err(e) => return Check::fail(NAME, &e, "remove the cache file and sign in again"),
        };
        if session.is_expired(self.clock.now()) {
            return Check::skip(
                NAME,
                format!(
                    "the cached ID token expired at {}; {} renews it",
                    rfc3339(session.expires_at()),
                    self.say(Advice::Refresh)
                ),
            );
        }
        let verifier = match Verifier::builder(&self.config).build() {
            Ok(v) => v,
            Err(e) => {
                let fix = format!("check {}", self.say(Advice::Setting("jwks_url")));
                return Check::fail(NAME, &e, &fix);
            }
        };
        let id = verifier.verify_id_token(session.id_token().secret()).await;
        let access = verifier
            .verify_access_token(session.access_token().secret())
            .await;
        match (id, access) {
            (Ok(_), Ok(_)) => Check::ok(
                NAME,
                format!(
                    "the cached ID and access tokens of {} verify against the pool's keys; valid \
                     until {}",
                    session.username(),
                    rfc3339(session.expires_at())
                ),
            ),
            (Err(e), _) | (_, Err(e)) => Check::fail(NAME, &e, &self.say(Advice::SignIn)),
        }
    }

    pub(super) async fn identity(&self) -> Check {
        const NAME: &str = "identity";
        let Some(session) = self.usable_session() else {
            let why = match &self.sessions {
                Some(_) => "needs a signed-in, unexpired session".to_owned(),
                None => self.no_session(),
            };
            return Check::skip(NAME, why);
        };
        let client = IdentityClient::new(self.config.clone()).await;
        let outcome = async {
            let id = client.identity_id(&session).await?;
            let credentials = client.credentials_for(&id, &session).await?;
            Ok::<_, Error>((id, credentials.expires_at()))
        }
        .await;
        match outcome {
            Ok((id, until)) => {
                let claim = match &session.claims().identity_id {
                    Some(claimed) if *claimed == id => "the same as the token's custom:identityId",
                    Some(_) => "NOT the token's custom:identityId (uploads use GetId's)",
                    None => "the token has no custom:identityId",
                };
                Check::ok(
                    NAME,
                    format!(
                        "GetId gave {id} ({claim}); GetCredentialsForIdentity gave credentials \
                         until {}",
                        rfc3339(until)
                    ),
                )
            }
            Err(e) => {
                let fix = format!("check {}", self.say(Advice::Setting("identity_pool_id")));
                Check::fail(NAME, &e, &fix)
            }
        }
    }

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

    pub(super) async fn analytics(&self) -> Check {
        const NAME: &str = "analytics";
        let Some(token) = &self.token else {
            let detail = format!("no personal access token: {}", self.say(Advice::GiveToken));
            return Check::skip(NAME, detail);
        };
        let analytics = Analytics::new(self.http.clone(), token.clone(), &self.config);
        match analytics.version().await {
            Ok(version) => Check::ok(NAME, format!("version {version} ({})", token.kind_name())),
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
}
