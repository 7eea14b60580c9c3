//! The API clients over the stand-ins: the pilot's self-refreshing Cognito session (signed in on
//! the Cognito stand-in), wiremock for the REST API and the CDNs, and the validating Media Drive
//! stand-in on demand; plus the Media Drive item store the library tests seed.

use std::collections::HashMap;

use serde_json::{Value, json};
use unleashlive_auth::api::flights::Flights;
use unleashlive_auth::api::http::HttpClient;
use unleashlive_auth::api::media_drive::MediaDrive;
use unleashlive_auth::{Auth, CognitoRenewer, CognitoSessions, SessionStore};
use wiremock::{MockServer, Request, Respond, ResponseTemplate};

use crate::util::mediadrive::{MediaDriveStandIn, folder as md_folder, item as md_item};
use crate::util::standin::{Running, pilot, signed_in};
use crate::util::unleash::{config, config_at, fast_http, run_sample, url_env};
use crate::util::{Home, Run, with};

/// Folders `f` and `g` at "team-7"; images `i1` (oldest) .. `i7` in `f`, a video `v` in `f`,
/// and image `z` in `g`. Creation times are milliseconds.
pub(crate) fn store() -> Value {
    let mut items = vec![md_folder("f", "team-7"), md_folder("g", "team-7")];
    for n in 1..=7 {
        items.push(md_item(
            &format!("i{n}"),
            &format!("{n}.jpg"),
            "team-7/f",
            1_700_000_000_000 + n,
        ));
    }
    let mut video = md_item("v", "v.mp4", "team-7/f", 1_700_000_000_100);
    video["type"] = json!("V");
    video["mimeType"] = json!("video/mp4");
    items.push(video);
    items.push(md_item("z", "z.jpg", "team-7/g", 1_700_000_000_009));
    json!({ "items": items })
}

/// The pilot signed in on the Cognito stand-in, its session manager, and wiremock for the APIs.
pub(crate) struct Setup {
    pub(crate) running: Running,
    pub(crate) api: MockServer,
    pub(crate) sessions: CognitoSessions,
    pub(crate) _dir: tempfile::TempDir,
}

impl Setup {
    pub(crate) async fn new() -> Setup {
        let running = pilot().await;
        let dir = tempfile::tempdir().unwrap();
        let store = SessionStore::new(dir.path());
        signed_in(&running, &store).await;
        let api = MockServer::start().await;
        let renewer = CognitoRenewer::new(config(&running, &api));
        Setup {
            sessions: CognitoSessions::new(store, "default", renewer),
            running,
            api,
            _dir: dir,
        }
    }

    pub(crate) async fn id_token(&self) -> String {
        let session = self.sessions.current().await.unwrap();
        session.id_token().secret().to_owned()
    }

    /// A validating Media Drive stand-in that lets in only the pilot's current ID token.
    pub(crate) async fn standin(&self) -> MediaDriveStandIn {
        let md = MediaDriveStandIn::start();
        md.control(json!({"accept": [self.id_token().await]})).await;
        md
    }

    /// Media Drive with the pilot's session: GraphQL on the stand-in `md`, the CDN on
    /// wiremock.
    pub(crate) fn drive_on(&self, md: &MediaDriveStandIn) -> MediaDrive {
        self.drive_with(md, fast_http(), Auth::Cognito(self.sessions.clone()))
    }

    pub(crate) fn drive_with(
        &self,
        md: &MediaDriveStandIn,
        http: HttpClient,
        auth: Auth,
    ) -> MediaDrive {
        let cfg = config_at(&self.running, &self.api.uri(), &md.graphql_url());
        MediaDrive::new(http, auth, &cfg)
    }

    /// Media Drive with everything on wiremock (for what the stand-in cannot answer: the
    /// CDN, broken JSON).
    pub(crate) fn drive(&self) -> MediaDrive {
        MediaDrive::new(
            fast_http(),
            Auth::Cognito(self.sessions.clone()),
            &config(&self.running, &self.api),
        )
    }

    pub(crate) fn flights(&self, auth: Auth) -> Flights {
        Flights::new(fast_http(), auth, &config(&self.running, &self.api))
    }

    pub(crate) async fn requests(&self) -> Vec<Request> {
        self.api.received_requests().await.unwrap()
    }
}

/// A file for the CDN tests (never sent to a GraphQL server).
pub(crate) fn item(id: &str, name: &str) -> Value {
    json!({"id": id, "teamId": "team-7", "parentId": "p", "createdAt": 1_700_000_000,
           "ownerId": "o", "mimeType": "image/jpeg", "name": name, "location": "team-7/p",
           "s3Path": format!("team-7/{id}/{name}"), "type": "I"})
}

/// Answers a listing by the `nextToken` it is sent (`None`: the first page); a token it does
/// not know is a 404, so a wrong continuation shows.
pub(crate) struct Pages(HashMap<Option<String>, ResponseTemplate>);

impl Pages {
    pub(crate) fn new(pages: Vec<(Option<&str>, ResponseTemplate)>) -> Pages {
        Pages(
            pages
                .into_iter()
                .map(|(token, answer)| (token.map(str::to_owned), answer))
                .collect(),
        )
    }

    pub(crate) fn json(pages: Vec<(Option<&str>, Value)>) -> Pages {
        Pages::new(
            pages
                .into_iter()
                .map(|(t, body)| (t, ResponseTemplate::new(200).set_body_json(body)))
                .collect(),
        )
    }
}

impl Respond for Pages {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let token = request
            .url
            .query_pairs()
            .find(|(k, _)| k == "nextToken")
            .map(|(_, v)| v.into_owned());
        self.0
            .get(&token)
            .cloned()
            .unwrap_or_else(|| ResponseTemplate::new(404).set_body_string("unknown nextToken"))
    }
}

/// For the sample binaries: a home where the pilot signed in with `ul-auth login`, wiremock
/// for the API, and the environment that points a sample at both.
pub(crate) struct SampleHome {
    pub(crate) running: Running,
    pub(crate) api: MockServer,
    pub(crate) home: Home,
    pub(crate) env: Vec<(String, String)>,
}

impl SampleHome {
    pub(crate) async fn new() -> SampleHome {
        let running = pilot().await;
        let home = Home::new();
        home.login(&running.env());
        let api = MockServer::start().await;
        let mut env = running.env();
        env.extend(url_env(&api.uri()));
        SampleHome {
            running,
            api,
            home,
            env,
        }
    }

    /// Runs the sample `exe` in the home with this environment and `extra`.
    pub(crate) fn run_exe(&self, exe: &str, args: &[&str], extra: &[(&str, &str)]) -> Run {
        run_sample(&self.home, exe, args, &with(&self.env, extra))
    }

    /// The pilot's current ID token, as `ul-auth token` prints it.
    pub(crate) fn id_token(&self) -> String {
        let out = self.home.run(&["token"], &self.env, None);
        out.expect_code(0);
        out.stdout().trim().to_owned()
    }

    pub(crate) async fn requests(&self) -> Vec<Request> {
        self.api.received_requests().await.unwrap()
    }

    pub(crate) async fn clear(&self) {
        self.api.reset().await;
    }
}
