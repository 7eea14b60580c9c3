//! Media Drive: the library client, downloads, the `media-drive` sample, and the validating
//! GraphQL stand-in they run against.

mod downloads;
mod library;
mod sample;
mod sample_credentials;
mod sample_files;
mod standin;
mod standin_control;
mod standin_fixtures;

use std::time::Duration;

use serde_json::{Value, json};
use wiremock::MockServer;

use crate::util::mediadrive::{MediaDriveStandIn, Recorded, folder as md_folder, item as md_item};
use crate::util::standin::{Running, pilot};
use crate::util::unleash::{assert_only_auth_recorded, run_sample, url_env_at};
use crate::util::{Home, Run};

pub(crate) const MEDIA_DRIVE: &str = env!("CARGO_BIN_EXE_media-drive");

/// The pilot signed in with `ul-auth login`, for `media-drive`: GraphQL on the validating
/// stand-in (seeded with [`drive_store`], letting in only the pilot's ID token), the CDN on
/// wiremock.
pub(crate) struct OnStandIn {
    pub(crate) running: Running,
    pub(crate) md: MediaDriveStandIn,
    pub(crate) cdn: MockServer,
    pub(crate) home: Home,
    pub(crate) env: Vec<(String, String)>,
}

impl OnStandIn {
    pub(crate) async fn new() -> OnStandIn {
        let running = pilot().await;
        let home = Home::new();
        home.login(&running.env());
        let md = MediaDriveStandIn::start();
        let cdn = MockServer::start().await;
        let mut env = running.env();
        env.extend(url_env_at(&cdn.uri(), &md.graphql_url()));
        let s = OnStandIn {
            running,
            md,
            cdn,
            home,
            env,
        };
        s.seed(drive_store()).await;
        s
    }

    /// Replaces the store with `store` (`{"items": [...]}`), lets in only the pilot's current
    /// ID token, and forgets the requests so far.
    pub(crate) async fn seed(&self, store: Value) {
        self.md.reset().await;
        self.md.control(store).await;
        self.md.control(json!({"accept": [self.id_token()]})).await;
    }

    pub(crate) fn run(&self, args: &[&str]) -> Run {
        run_sample(&self.home, MEDIA_DRIVE, args, &self.env)
    }

    /// Runs `media-drive`; kills it and fails the test when it is still running after
    /// `limit` (a listing that pages forever).
    pub(crate) fn run_within(&self, limit: Duration, args: &[&str]) -> Run {
        let home = self.home.dir.path();
        let out_file = tempfile::tempfile().unwrap();
        let err_file = tempfile::tempfile().unwrap();
        let mut child = self
            .home
            .command_of(MEDIA_DRIVE, args, &self.env)
            .current_dir(home)
            .stdin(std::process::Stdio::null())
            .stdout(out_file.try_clone().unwrap())
            .stderr(err_file.try_clone().unwrap())
            .spawn()
            .expect("spawn media-drive");
        let deadline = std::time::Instant::now() + limit;
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if std::time::Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("media-drive {args:?} still running after {limit:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let read = |mut file: std::fs::File| {
            use std::io::{Read as _, Seek as _};
            let mut bytes = Vec::new();
            file.rewind().unwrap();
            file.read_to_end(&mut bytes).unwrap();
            bytes
        };
        Run(std::process::Output {
            status,
            stdout: read(out_file),
            stderr: read(err_file),
        })
    }

    pub(crate) fn id_token(&self) -> String {
        let out = self.home.run(&["token"], &self.env, None);
        out.expect_code(0);
        out.stdout().trim().to_owned()
    }
}

/// Folder `root` at "team-7" holding folders `f1` and `f2`; images `a` (newest) .. `e` in
/// `f1`, named `<id>.jpg`, and an older video `v`; image `victim` in `f2`.
pub(crate) fn drive_store() -> Value {
    let mut items = vec![
        md_folder("root", "team-7"),
        md_folder("f1", "team-7/root"),
        md_folder("f2", "team-7/root"),
    ];
    for (n, id) in (0_i64..).zip(["a", "b", "c", "d", "e"]) {
        items.push(md_item(
            id,
            &format!("{id}.jpg"),
            "team-7/root/f1",
            1_735_689_600_000 - n,
        ));
    }
    let mut video = md_item("v", "v.mp4", "team-7/root/f1", 1_735_689_000_000);
    video["type"] = json!("V");
    video["mimeType"] = json!("video/mp4");
    items.push(video);
    items.push(md_item(
        "victim",
        "victim.jpg",
        "team-7/root/f2",
        1_735_689_600_000,
    ));
    json!({ "items": items })
}

/// Panics unless every request was executed, carried only the pilot's ID token, and
/// declared no variable.
pub(crate) async fn assert_executed_with(s: &OnStandIn, token: &str) -> Vec<Recorded> {
    let requests = s.md.executed_requests().await;
    for r in &requests {
        assert_only_auth_recorded(r, "authorization", token);
        assert!(!r.query().contains('$'), "{}", r.query());
    }
    requests
}

pub(crate) fn kinds(requests: &[Recorded]) -> Vec<&str> {
    requests
        .iter()
        .map(|r| r.operation.as_deref().unwrap_or("-"))
        .collect()
}
