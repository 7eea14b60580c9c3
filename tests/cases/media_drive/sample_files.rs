//! The `media-drive` sample's files: downloads under safe, never overwritten names, and uploads
//! to S3 (moto).

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use super::{MEDIA_DRIVE, OnStandIn, assert_executed_with, drive_store, kinds};
use crate::util::emulator::require;
use crate::util::mediadrive::{MediaDriveStandIn, folder as md_folder, item as md_item};
use crate::util::unleash::{assert_no_auth, assert_only_auth_recorded, run_sample, url_env_at};
use crate::util::{Home, PASSWORD, PILOT, with};

#[tokio::test(flavor = "multi_thread")]
async fn media_drive_download_writes_each_file_under_a_safe_name_and_a_404_leaves_none() {
    require!(python);
    let s = OnStandIn::new().await;
    let mut items = vec![md_folder("root", "team-7"), md_folder("f1", "team-7/root")];
    for (n, (id, name, key)) in (0_i64..).zip([
        ("a", "one.jpg", "team-7/a/obj"),
        ("b", "../../etc/passwd", "team-7/b/obj"),
        ("c", "a+b c.jpg", "team-7/c/a+b c.jpg"),
        ("d", "four.jpg", "team-7/d/obj"),
    ]) {
        let mut item = md_item(id, name, "team-7/root/f1", 1_735_689_600_000 - n);
        item["s3Path"] = json!(key);
        items.push(item);
    }
    s.seed(json!({ "items": items })).await;
    for (key, id) in [
        ("team-7/a/obj", "a"),
        ("team-7/b/obj", "b"),
        ("team-7/c/a%2Bb%20c.jpg", "c"),
    ] {
        Mock::given(method("GET"))
            .and(path(format!("/cdn/{key}")))
            .respond_with(ResponseTemplate::new(200).set_body_string(format!("content of {id}")))
            .mount(&s.cdn)
            .await;
    }
    let out_dir = s.home.dir.path().join("out");

    let out = s.run(&["download", "f1", "--out", out_dir.to_str().unwrap()]);

    // d (four.jpg, the oldest, so the last) has no CDN object: a 404 after the others.
    out.expect_code(4);
    assert!(out.stderr().contains("404"), "{}", out.stderr());
    for (name, id) in [("one.jpg", "a"), ("passwd", "b"), ("a+b c.jpg", "c")] {
        assert_eq!(
            std::fs::read_to_string(out_dir.join(name)).unwrap(),
            format!("content of {id}")
        );
    }
    let mut names: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["a+b c.jpg", "one.jpg", "passwd"],
        "nothing for the 404, nothing partial"
    );
    assert!(!s.home.dir.path().join("etc").exists());
    let cdn = s.cdn.received_requests().await.unwrap();
    let paths: Vec<&str> = cdn.iter().map(|r| r.url.path()).collect();
    assert_eq!(
        paths,
        [
            "/cdn/team-7/a/obj",
            "/cdn/team-7/b/obj",
            "/cdn/team-7/c/a%2Bb%20c.jpg",
            "/cdn/team-7/d/obj"
        ]
    );
    for r in &cdn {
        assert_no_auth(r);
    }
    assert_eq!(
        kinds(&assert_executed_with(&s, &s.id_token()).await),
        ["query", "query"]
    );
}

#[cfg(feature = "upload")]
#[tokio::test(flavor = "multi_thread")]
async fn media_drive_upload_lands_in_s3_with_the_folder_location_and_name() {
    require!(moto, python);
    use crate::util::identity::{Aws, s3_admin};

    let aws = Aws::create().await;
    let home = Home::new();
    home.run(
        &["login", "--username", PILOT],
        &with(&aws.env(), &[("UL_PASSWORD", PASSWORD)]),
        None,
    )
    .expect_code(0);
    let md = MediaDriveStandIn::start();
    md.control(drive_store()).await;
    let mut env = aws.env();
    env.extend(url_env_at("http://127.0.0.1:9", &md.graphql_url()));
    let file = home.dir.path().join("DJI_0042.JPG");
    std::fs::write(&file, b"jpeg bytes").unwrap();

    let out = run_sample(
        &home,
        MEDIA_DRIVE,
        &[
            "upload",
            file.to_str().unwrap(),
            "--folder",
            "f1",
            "--output",
            "json",
        ],
        &env,
    );

    out.expect_code(0);
    let done: Value = serde_json::from_str(&out.stdout()).unwrap();
    let key = done["key"].as_str().unwrap();
    assert!(key.ends_with("/DJI_0042.JPG"), "{key}");
    let object = s3_admin()
        .get_object()
        .bucket(&aws.bucket)
        .key(key)
        .send()
        .await
        .unwrap();
    let metadata = object.metadata().unwrap().clone();
    assert_eq!(metadata["location"], "team-7/root/f1");
    assert_eq!(metadata["name"], "DJI_0042.JPG");
    assert_eq!(
        object.body.collect().await.unwrap().into_bytes().as_ref(),
        b"jpeg bytes"
    );
    let requests = md.executed_requests().await;
    assert_eq!(kinds(&requests), ["query"], "the folder's get");
    let token = home.run(&["token"], &env, None);
    token.expect_code(0);
    assert_only_auth_recorded(&requests[0], "authorization", token.stdout().trim());
}

/// Folder `f1` holding `a` "one.jpg", `b` and `c` both "dup.jpg", and `d` named with a
/// right-to-left override, in that (listing) order; each on the CDN as `team-7/<id>/obj`.
async fn colliding_folder(s: &OnStandIn) {
    let mut items = vec![md_folder("root", "team-7"), md_folder("f1", "team-7/root")];
    for (n, (id, name)) in (0_i64..).zip([
        ("a", "one.jpg"),
        ("b", "dup.jpg"),
        ("c", "dup.jpg"),
        ("d", "invoice\u{202e}gpj.exe"),
    ]) {
        let mut item = md_item(id, name, "team-7/root/f1", 1_735_689_600_000 - n);
        item["s3Path"] = json!(format!("team-7/{id}/obj"));
        items.push(item);
        Mock::given(method("GET"))
            .and(path(format!("/cdn/team-7/{id}/obj")))
            .respond_with(ResponseTemplate::new(200).set_body_string(format!("content of {id}")))
            .mount(&s.cdn)
            .await;
    }
    s.seed(json!({ "items": items })).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn media_drive_download_never_overwrites_and_numbers_colliding_names_saying_which() {
    require!(python);
    let s = OnStandIn::new().await;
    colliding_folder(&s).await;
    let out_dir = s.home.dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    std::fs::write(out_dir.join("one.jpg"), "my own photo").unwrap();
    let out = out_dir.to_str().unwrap();

    let first = s.run(&["download", "f1", "--out", out, "--output", "json"]);

    first.expect_code(0);
    let entries: Vec<Value> = serde_json::from_str(&first.stdout()).unwrap();
    let summary: Vec<(&str, String, &str, bool)> = entries
        .iter()
        .map(|e| {
            let path = std::path::Path::new(e["path"].as_str().unwrap());
            (
                e["id"].as_str().unwrap(),
                path.file_name().unwrap().to_str().unwrap().to_owned(),
                e["requestedName"].as_str().unwrap(),
                e["renamed"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("a", "one (2).jpg".to_owned(), "one.jpg", true),
            ("b", "dup.jpg".to_owned(), "dup.jpg", false),
            ("c", "dup (2).jpg".to_owned(), "dup.jpg", true),
            ("d", "invoicegpj.exe".to_owned(), "invoicegpj.exe", false),
        ]
    );
    assert_eq!(
        std::fs::read_to_string(out_dir.join("one.jpg")).unwrap(),
        "my own photo"
    );
    for (name, id) in [("one (2).jpg", "a"), ("dup.jpg", "b"), ("dup (2).jpg", "c")] {
        assert_eq!(
            std::fs::read_to_string(out_dir.join(name)).unwrap(),
            format!("content of {id}")
        );
    }

    // Text output says which was renamed; --overwrite replaces files from before, yet two
    // items of one name still get two files.
    let second = s.run(&["download", "f1", "--out", out, "--overwrite"]);

    second.expect_code(0);
    let lines: Vec<String> = second.stdout().lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert!(lines[0].ends_with("one.jpg  12 B"), "{lines:?}");
    assert!(
        lines[2].ends_with("dup (2).jpg  12 B  (dup.jpg was taken)"),
        "{lines:?}"
    );
    assert_eq!(
        std::fs::read_to_string(out_dir.join("one.jpg")).unwrap(),
        "content of a"
    );
    let mut names: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "dup (2).jpg",
            "dup.jpg",
            "invoicegpj.exe",
            "one (2).jpg",
            "one.jpg"
        ]
    );
}
