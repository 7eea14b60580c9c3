//! What an uploaded object is called and carries: its key's parts (file name, random UUID),
//! its metadata as S3 takes it, and its content type.

use std::path::Path;

use base64::Engine as _;

use crate::error::{Error, Result};

pub(super) fn file_error(path: &Path, reason: impl Into<String>) -> Error {
    Error::File {
        path: path.to_owned(),
        reason: reason.into(),
        source: None,
    }
}

/// The last component of the path, as UTF-8.
pub(super) fn base_name(path: &Path) -> Result<String> {
    let name = path
        .file_name()
        .ok_or_else(|| file_error(path, "has no file name"))?;
    name.to_str()
        .map(str::to_owned)
        .ok_or_else(|| file_error(path, "the file name is not valid UTF-8"))
}

/// A name that can be the last part of the key and a metadata value.
pub(super) fn check_name(path: &Path, name: &str) -> Result<()> {
    if name.is_empty() || name == "." || name == ".." {
        return Err(file_error(path, format!("{name:?} cannot name an upload")));
    }
    if name.contains('/') {
        return Err(file_error(
            path,
            format!("the upload name {name:?} contains '/'"),
        ));
    }
    check_metadata(path, "name", name)
}

/// Header values cannot hold control characters (a newline would end the header).
pub(super) fn check_metadata(path: &Path, field: &str, value: &str) -> Result<()> {
    if value.chars().any(char::is_control) {
        return Err(file_error(
            path,
            format!("the upload's {field} {value:?} contains control characters"),
        ));
    }
    Ok(())
}

/// S3 metadata travels as HTTP headers, ASCII only; S3 decodes RFC 2047 encoded-words on
/// the way in, so other text goes as `=?UTF-8?B?<base64>?=`.
pub(super) fn metadata_value(value: &str) -> String {
    if value.is_ascii() {
        value.to_owned()
    } else {
        format!(
            "=?UTF-8?B?{}?=",
            base64::engine::general_purpose::STANDARD.encode(value)
        )
    }
}

/// A random (version 4) UUID, lowercase and hyphenated.
pub(super) fn uuid_v4(path: &Path) -> Result<String> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b)
        .map_err(|e| file_error(path, format!("no randomness for the upload key: {e}")))?;
    b[6] = (b[6] & 0x0f) | 0x40; // version 4
    b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    ))
}

/// The content type of the file types Media Drive holds, by extension.
pub fn guess_content_type(name: &str) -> &'static str {
    let ext = name
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "tif" | "tiff" => "image/tiff",
        "dng" => "image/x-adobe-dng",
        "mp4" => "video/mp4",
        "mov" => "video/quicktime",
        "avi" => "video/x-msvideo",
        "mkv" => "video/x-matroska",
        "ts" => "video/mp2t",
        "srt" => "application/x-subrip",
        "json" => "application/json",
        "geojson" => "application/geo+json",
        "kml" => "application/vnd.google-earth.kml+xml",
        "kmz" => "application/vnd.google-earth.kmz",
        "csv" => "text/csv",
        "txt" | "log" => "text/plain",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "glb" => "model/gltf-binary",
        "gltf" => "model/gltf+json",
        "obj" => "model/obj",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_version_4_and_differ() {
        let a = uuid_v4(Path::new("x")).unwrap();
        let b = uuid_v4(Path::new("x")).unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"), "{a}");
    }

    #[test]
    fn names_with_a_slash_control_characters_or_nothing_are_refused() {
        let p = Path::new("/tmp/x");
        for bad in ["", ".", "..", "a/b", "line\nbreak"] {
            let e = check_name(p, bad).unwrap_err();
            assert!(matches!(e, Error::File { .. }), "{bad:?}: {e:?}");
        }
        assert!(check_name(p, "DJI_0001.JPG").is_ok());
        assert!(base_name(Path::new("/")).is_err());
        assert_eq!(base_name(Path::new("/a/b/c.mp4")).unwrap(), "c.mp4");
    }

    #[test]
    fn content_types_follow_the_extension_case_insensitively() {
        assert_eq!(guess_content_type("DJI_0001.JPG"), "image/jpeg");
        assert_eq!(guess_content_type("flight.MP4"), "video/mp4");
        assert_eq!(guess_content_type("README"), "application/octet-stream");
        assert_eq!(guess_content_type("x.unknown"), "application/octet-stream");
    }

    #[test]
    fn non_ascii_metadata_is_sent_as_an_rfc_2047_encoded_word() {
        assert_eq!(metadata_value("plain.jpg"), "plain.jpg");
        assert_eq!(metadata_value("façade.jpg"), "=?UTF-8?B?ZmHDp2FkZS5qcGc=?=");
    }
}
