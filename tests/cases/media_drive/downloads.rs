//! Downloads from the CDN (wiremock): no credentials, safe names, no partial or replaced file.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::TryStreamExt as _;
use serde_json::json;
use unleashlive_auth::api::download::DownloadDir;
use unleashlive_auth::api::flights::Flights;
use unleashlive_auth::api::media_drive::{ListOptions, MediaDrive, MediaItem};
use unleashlive_auth::{Auth, Error, ErrorClass, PersonalAccessToken, Settings};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::util::api::{Setup, item};
use crate::util::emulator::require;
use crate::util::mediadrive::{folder as md_folder, item as md_item};
use crate::util::unleash::{
    assert_no_auth, cut_short_server, fast_http, names_in, stalling_server,
};

#[tokio::test]
async fn downloads_come_from_the_cdn_without_credentials_into_a_safe_name() {
    let s = Setup::new().await;
    Mock::given(method("GET"))
        .and(path("/cdn/team-7/a%20b/evil.jpg"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(b"JPEGDATA".to_vec()))
        .mount(&s.api)
        .await;
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("deep");
    let mut evil = serde_json::from_value::<MediaItem>(item("a", "x")).unwrap();
    evil.name = Some("../../etc/passwd".into());
    evil.s3_path = Some("team-7/a b/evil.jpg".into());
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&seen);
    let progress = move |done: u64, _: Option<u64>| counter.store(done as usize, Ordering::SeqCst);

    let done = s
        .drive()
        .download(&evil, &DownloadDir::new(&target), Some(&progress))
        .await
        .unwrap();

    assert_eq!(done.path, target.join("passwd"));
    assert_eq!(std::fs::read(&done.path).unwrap(), b"JPEGDATA");
    assert_eq!(seen.load(Ordering::SeqCst), 8);
    let names: Vec<_> = std::fs::read_dir(&target)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["passwd"], "no temporary file left behind");
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 1);
    assert_no_auth(&s.requests().await[0]);
}

#[tokio::test]
async fn a_download_that_404s_leaves_no_file_and_says_so() {
    let s = Setup::new().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404).set_body_string("<html>NoSuchKey</html>"))
        .mount(&s.api)
        .await;
    let out = tempfile::tempdir().unwrap();
    let it = serde_json::from_value::<MediaItem>(item("a", "x.jpg")).unwrap();

    let err = s
        .drive()
        .download(&it, &DownloadDir::new(out.path()), None)
        .await
        .unwrap_err();

    assert!(matches!(err, Error::Http { status: 404, .. }), "{err:?}");
    assert!(err.to_string().contains("NoSuchKey"));
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);
    assert_eq!(s.requests().await.len(), 1, "a 404 is not retried");
}

#[tokio::test]
async fn a_download_cut_mid_body_leaves_no_file_at_the_target() {
    let s = Setup::new().await;
    let cdn = cut_short_server(1000, b"only part of it").await;
    let mut settings = s.running.settings();
    settings.flights_cdn_url = Some(cdn);
    let flights = Flights::new(
        fast_http(),
        Auth::Cognito(s.sessions.clone()),
        &settings.resolve().unwrap(),
    );
    let out = tempfile::tempdir().unwrap();

    let err = flights
        .download("logs/flight.txt", &DownloadDir::new(out.path()), None)
        .await
        .unwrap_err();

    assert_eq!(err.class(), ErrorClass::Service, "{err:?}");
    assert!(!out.path().join("flight.txt").exists());
    assert_eq!(
        std::fs::read_dir(out.path()).unwrap().count(),
        0,
        "no partial file either"
    );
}

/// Media Drive and flights with a PAT, both CDNs at `cdn` (`/cdn`, `/flights-cdn`).
fn cdn_clients(cdn: &str) -> (MediaDrive, Flights) {
    let config = Settings::default()
        .media_cdn_url(format!("{cdn}/cdn"))
        .flights_cdn_url(format!("{cdn}/flights-cdn"))
        .resolve()
        .unwrap();
    let auth = Auth::Pat(PersonalAccessToken::new("ul_pat_cdn"));
    (
        MediaDrive::new(fast_http(), auth.clone(), &config),
        Flights::new(fast_http(), auth, &config),
    )
}

#[tokio::test]
async fn a_download_never_replaces_a_file_and_items_of_one_name_get_numbered_names() {
    let cdn = MockServer::start().await;
    for id in ["a", "b", "c", "d", "e"] {
        Mock::given(method("GET"))
            .and(path(format!("/cdn/team-7/{id}/obj")))
            .respond_with(ResponseTemplate::new(200).set_body_string(format!("content {id}")))
            .mount(&cdn)
            .await;
    }
    let (drive, _) = cdn_clients(&cdn.uri());
    let named = |id: &str, name: &str| {
        let mut it = serde_json::from_value::<MediaItem>(item(id, name)).unwrap();
        it.s3_path = Some(format!("team-7/{id}/obj"));
        it
    };
    // a and b: one name; c: the name of a file already there; d: the name of a symbolic link
    // (to a file outside); e: a name that only a zero-width space sets apart.
    let items = [
        named("a", "same.jpg"),
        named("b", "same.jpg"),
        named("c", "mine.jpg"),
        named("d", "link.jpg"),
        named("e", "same\u{200b}.jpg"),
    ];
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("mine.jpg"), "my own").unwrap();
    let outside = dir.path().join("outside.txt");
    std::fs::write(&outside, "not yours").unwrap();
    std::os::unix::fs::symlink(&outside, out.join("link.jpg")).unwrap();

    let to = DownloadDir::new(&out);
    let mut done = Vec::new();
    for it in &items {
        done.push(drive.download(it, &to, None).await.unwrap());
    }

    let got: Vec<(String, &str, bool)> = done
        .iter()
        .map(|d| {
            let name = d.path.file_name().unwrap().to_str().unwrap().to_owned();
            (name, d.requested_name.as_str(), d.renamed())
        })
        .collect();
    assert_eq!(
        got,
        [
            ("same.jpg".to_owned(), "same.jpg", false),
            ("same (2).jpg".to_owned(), "same.jpg", true),
            ("mine (2).jpg".to_owned(), "mine.jpg", true),
            ("link (2).jpg".to_owned(), "link.jpg", true),
            ("same (3).jpg".to_owned(), "same.jpg", true),
        ]
    );
    for (d, id) in done.iter().zip(["a", "b", "c", "d", "e"]) {
        assert_eq!(
            std::fs::read_to_string(&d.path).unwrap(),
            format!("content {id}")
        );
    }
    assert_eq!(
        std::fs::read_to_string(out.join("mine.jpg")).unwrap(),
        "my own"
    );
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "not yours");

    // With overwrite, files from before are replaced (a link itself, not its target), and
    // two downloads of one run still never share a file.
    let again = DownloadDir::new(&out).overwrite(true);
    let mut replaced = Vec::new();
    for it in &items[..4] {
        let d = drive.download(it, &again, None).await.unwrap();
        replaced.push(d.path.file_name().unwrap().to_str().unwrap().to_owned());
    }
    assert_eq!(
        replaced,
        ["same.jpg", "same (2).jpg", "mine.jpg", "link.jpg"]
    );
    assert_eq!(
        std::fs::read_to_string(out.join("mine.jpg")).unwrap(),
        "content c"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("same (2).jpg")).unwrap(),
        "content b"
    );
    assert!(!out.join("link.jpg").is_symlink());
    assert_eq!(
        std::fs::read_to_string(out.join("link.jpg")).unwrap(),
        "content d"
    );
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "not yours");
    assert!(
        names_in(&out).iter().all(|n| !n.ends_with(".part")),
        "{:?}",
        names_in(&out)
    );
}

#[tokio::test]
async fn a_download_dropped_half_way_leaves_no_part_file() {
    let cdn = stalling_server(1_000_000, b"the first bytes").await;
    let (_, flights) = cdn_clients(&cdn);
    let dir = tempfile::tempdir().unwrap();
    let to = DownloadDir::new(dir.path());

    let part_seen = async {
        loop {
            if names_in(dir.path()).iter().any(|n| n.ends_with(".part")) {
                // Let the first bytes reach the file too.
                tokio::time::sleep(Duration::from_millis(100)).await;
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::select! {
        outcome = flights.download("logs/big.txt", &to, None) => {
            panic!("the download ended: {outcome:?}")
        }
        () = part_seen => {}
    }

    assert_eq!(names_in(dir.path()), Vec::<String>::new());
}

#[tokio::test]
async fn a_key_with_a_plus_and_a_space_is_fetched_percent_encoded_without_credentials() {
    require!(python);
    let s = Setup::new().await;
    let md = s.standin().await;
    let mut plus = md_item("p1", "a+b c.jpg", "team-7/f", 1_700_000_000_000);
    plus["s3Path"] = json!("team-7/p 1/a+b c.jpg");
    md.control(json!({"items": [md_folder("f", "team-7"), plus]}))
        .await;
    Mock::given(method("GET"))
        .and(path("/cdn/team-7/p%201/a%2Bb%20c.jpg"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(b"PLUS".to_vec()))
        .mount(&s.api)
        .await;
    let drive = s.drive_on(&md);
    let out = tempfile::tempdir().unwrap();

    let listed: Vec<MediaItem> = drive
        .list("team-7/f", ListOptions::default())
        .try_collect()
        .await
        .unwrap();
    let done = drive
        .download(&listed[0], &DownloadDir::new(out.path()), None)
        .await
        .unwrap();

    assert_eq!(done.path, out.path().join("a+b c.jpg"));
    assert_eq!(std::fs::read(&done.path).unwrap(), b"PLUS");
    let requests = s.requests().await;
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].url.path(), "/cdn/team-7/p%201/a%2Bb%20c.jpg");
    assert_no_auth(&requests[0]);
}
