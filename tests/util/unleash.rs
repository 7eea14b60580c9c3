//! Stand-ins for the Unleash Live APIs (wiremock) and helpers shared by the API and sample
//! tests: a fast-retrying HTTP client, a server
//! that cuts a body short, and a way to run the sample binaries with an isolated home.

use std::time::Duration;

use serde_json::Value;
use unleashlive_auth::Config;
use unleashlive_auth::api::http::{HttpClient, Retry};
use wiremock::{MockServer, Request};

use super::mediadrive::Recorded;
use super::standin::Running;
use super::{Home, Run};

/// The headers that can carry a credential.
pub const AUTH_HEADERS: [&str; 3] = ["authorization", "x-amz-cognito-security-token", "x-api-key"];

/// Retries in milliseconds, so the retry tests take no time: 3 attempts.
pub fn fast_http() -> HttpClient {
    HttpClient::builder()
        .retry(Retry {
            max_attempts: 3,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
        })
        .build()
        .unwrap()
}

/// The stand-in's config with every Unleash Live URL on `api`.
pub fn config(running: &Running, api: &MockServer) -> Config {
    config_at(running, &api.uri(), &format!("{}/graphql", api.uri()))
}

/// The stand-in's config with the REST API and both CDNs on `api` (a base URL: `/cdn`,
/// `/flights-cdn`) and Media Drive's GraphQL endpoint at `graphql` (a full URL, e.g. the
/// validating stand-in's [`graphql_url`](super::mediadrive::MediaDriveStandIn::graphql_url)).
pub fn config_at(running: &Running, api: &str, graphql: &str) -> Config {
    let mut s = running.settings();
    s.api_url = Some(api.to_owned());
    s.graphql_url = Some(graphql.to_owned());
    s.media_cdn_url = Some(format!("{api}/cdn"));
    s.flights_cdn_url = Some(format!("{api}/flights-cdn"));
    s.resolve().unwrap()
}

/// The same URLs as environment variables for the sample binaries.
pub fn url_env(api: &str) -> Vec<(String, String)> {
    url_env_at(api, &format!("{api}/graphql"))
}

/// [`config_at`]'s URLs as environment variables for the sample binaries.
pub fn url_env_at(api: &str, graphql: &str) -> Vec<(String, String)> {
    vec![
        ("UL_API_URL".into(), api.to_owned()),
        ("UL_GRAPHQL_URL".into(), graphql.to_owned()),
        ("UL_MEDIA_CDN_URL".into(), format!("{api}/cdn")),
        ("UL_FLIGHTS_CDN_URL".into(), format!("{api}/flights-cdn")),
    ]
}

/// Panics unless `request` carries exactly one credential header, `name: value`.
pub fn assert_only_auth(request: &Request, name: &str, value: &str) {
    for header in AUTH_HEADERS {
        let got = request.headers.get(header).map(|v| v.to_str().unwrap());
        if header == name {
            assert_eq!(got, Some(value), "{header} on {}", request.url);
        } else {
            assert_eq!(got, None, "unexpected {header} on {}", request.url);
        }
    }
}

/// [`assert_only_auth`] for a request the Media Drive stand-in recorded.
pub fn assert_only_auth_recorded(request: &Recorded, name: &str, value: &str) {
    for header in AUTH_HEADERS {
        let got = request.headers.get(header).map(String::as_str);
        if header == name {
            assert_eq!(got, Some(value), "{header} on {}", request.path);
        } else {
            assert_eq!(got, None, "unexpected {header} on {}", request.path);
        }
    }
}

/// Panics if `request` carries any credential header.
pub fn assert_no_auth(request: &Request) {
    for header in AUTH_HEADERS {
        assert!(
            request.headers.get(header).is_none(),
            "{header} on {}",
            request.url
        );
    }
}

/// The JSON body of a GraphQL request.
pub fn body(request: &Request) -> Value {
    serde_json::from_slice(&request.body).unwrap()
}

/// A one-shot HTTP server that promises `declared` bytes and sends only `sent`, then closes.
pub async fn cut_short_server(declared: usize, sent: &'static [u8]) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            let _ = socket.read(&mut buf).await;
            let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {declared}\r\n\r\n");
            let _ = socket.write_all(head.as_bytes()).await;
            let _ = socket.write_all(sent).await;
            let _ = socket.shutdown().await;
        }
    });
    format!("http://{addr}")
}

/// An HTTP server that promises `declared` bytes, sends `sent` and then nothing more, holding
/// each connection open until the client goes away: a download that stays in progress.
pub async fn stalling_server(declared: usize, sent: &'static [u8]) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
                let mut buf = [0u8; 4096];
                let _ = socket.read(&mut buf).await;
                let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {declared}\r\n\r\n");
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.write_all(sent).await;
                let _ = socket.flush().await;
                // Until the client closes (read returns 0) or errs.
                while matches!(socket.read(&mut buf).await, Ok(n) if n > 0) {}
            });
        }
    });
    format!("http://{addr}")
}

/// The names in `dir`, sorted.
pub fn names_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

/// Runs a sample binary (`exe`) like [`Home::run`] runs `ul-auth`, in the home directory.
pub fn run_sample(home: &Home, exe: &str, args: &[&str], env: &[(String, String)]) -> Run {
    let mut cmd = home.command_of(exe, args, env);
    cmd.current_dir(home.dir.path());
    Run::of(cmd, None)
}

/// Sends SIGINT (Ctrl-C) to `child`, waits for it (30 s at most, then kills it and fails),
/// and returns its status and what it wrote to `stderr_file`.
pub fn interrupt(
    child: &mut std::process::Child,
    mut stderr_file: std::fs::File,
) -> (std::process::ExitStatus, String) {
    use std::io::{Read as _, Seek as _};
    use std::time::{Duration, Instant};
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            panic!("still running 30 s after SIGINT");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut text = String::new();
    stderr_file.rewind().unwrap();
    stderr_file.read_to_string(&mut text).unwrap();
    (status, text)
}
