use std::io::Write as _;

use crate::api::missions::{Geofence, MAX_FILE_BYTES, Mission};
use crate::error::Error;

fn file_with(bytes: &[u8]) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(bytes).unwrap();
    file
}

#[test]
fn good_files_are_read() {
    let mission = file_with(
        br#"{"name": "m", "speed": 2, "route": [
        {"lat": 1, "lng": 2, "altitude": 3, "si": "waypoint"}]}"#,
    );
    Mission::from_file(mission.path())
        .unwrap()
        .validate()
        .unwrap();
    let geofence = file_with(br#"{"type": "FeatureCollection", "features": []}"#);
    Geofence::from_file(geofence.path())
        .unwrap()
        .validate()
        .unwrap();
}

#[test]
fn a_missing_file_says_it_does_not_exist() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("mission.json");
    match Mission::from_file(&missing) {
        Err(e @ Error::File { .. }) => {
            assert_eq!(
                e.to_string(),
                format!("{}: does not exist", missing.display())
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        Geofence::from_file(&missing),
        Err(Error::File { .. })
    ));
}

#[test]
fn a_file_larger_than_the_limit_or_not_utf8_is_refused() {
    let mut big = vec![b' '; usize::try_from(MAX_FILE_BYTES).unwrap()];
    big.push(b' ');
    let file = file_with(&big);
    let error = Mission::from_file(file.path()).unwrap_err();
    assert!(
        error.to_string().ends_with("is larger than 16 MiB"),
        "{error}"
    );
    let file = file_with(b"{\"name\": \"\xff\"}");
    let error = Geofence::from_file(file.path()).unwrap_err();
    assert!(error.to_string().ends_with("is not UTF-8 text"), "{error}");
}

#[test]
fn a_file_at_the_limit_is_read() {
    let mut text = b"{\"type\": \"FeatureCollection\", \"features\": []}".to_vec();
    text.resize(usize::try_from(MAX_FILE_BYTES).unwrap(), b' ');
    let file = file_with(&text);
    Geofence::from_file(file.path()).unwrap();
}
