//! Downloads to disk that never leave a file which looks finished but is not, and never write
//! outside the directory asked for.
//!
//! The body is streamed into a hidden temporary file beside the target
//! (`.<name>.<random>.part`) and renamed to the target only once every byte has arrived and
//! been flushed; any failure removes the temporary file. The local name is made here from a
//! name the server suggests, keeping only its last path component, so `../../etc/passwd`
//! becomes `passwd` inside the output directory.

use std::path::{Path, PathBuf};

use tokio::io::AsyncWriteExt as _;

use super::http::{HttpClient, Request, transport_error};
use crate::auth::{ApiKind, Auth};
use crate::error::{Error, Result};

/// Longest local file name kept, in bytes.
pub const MAX_NAME_BYTES: usize = 200;

/// Called as bytes arrive: `(bytes_received, total_bytes_if_known)`.
pub type DownloadProgress<'a> = &'a (dyn Fn(u64, Option<u64>) + Send + Sync);

/// A finished download.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Downloaded {
    /// Where the file is.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
}

/// A name that is safe to use as one file name inside a directory, made from `suggested`
/// (a server-supplied name or key): its last `/`- or `\`-separated component, without control
/// characters, characters Windows refuses, or leading dots and spaces, and at most
/// [`MAX_NAME_BYTES`] long. `None` when nothing usable is left.
pub fn safe_file_name(suggested: &str) -> Option<String> {
    let last = suggested
        .rsplit(['/', '\\'])
        .find(|part| !part.trim().is_empty())?;
    let cleaned: String = last
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let trimmed = cleaned
        .trim_start_matches(['.', ' '])
        .trim_end_matches([' ', '.']);
    let mut name = String::new();
    for c in trimmed.chars() {
        if name.len() + c.len_utf8() > MAX_NAME_BYTES {
            break;
        }
        name.push(c);
    }
    (!name.is_empty()).then_some(name)
}

/// Downloads what `request` answers into `dir` under the safe form of `suggested_name`
/// (see [`safe_file_name`]; `fallback_name` when nothing of it is usable), replacing a file of
/// that name once the download is complete.
///
/// # Errors
/// [`Error::File`] when no usable name is left or the directory or file cannot be written;
/// [`Error::UnexpectedResponse`] when the body is shorter than its declared length; the errors
/// of [`HttpClient::send`] (non-2xx statuses included) and of reading the body.
pub async fn download_to(
    http: &HttpClient,
    request: &Request,
    auth: Option<(&Auth, ApiKind)>,
    dir: &Path,
    suggested_name: &str,
    fallback_name: &str,
    progress: Option<DownloadProgress<'_>>,
) -> Result<Downloaded> {
    let name = safe_file_name(suggested_name)
        .or_else(|| safe_file_name(fallback_name))
        .ok_or_else(|| file_error(dir, format!("no usable file name in {suggested_name:?}")))?;
    let target = dir.join(&name);
    let request = request.clone().streamed();
    let endpoint = request.endpoint();
    // Ask first: an error status must not even create a temporary file.
    let response = http.send(&request, auth).await?;
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(|e| file_error(dir, format!("cannot create the directory: {e}")))?;
    let temp = dir.join(format!(".{name}.{}.part", random_hex()));
    let outcome = write_body(response, &temp, &endpoint, progress).await;
    let bytes = match outcome {
        Ok(bytes) => bytes,
        Err(e) => {
            let _ = tokio::fs::remove_file(&temp).await;
            return Err(e);
        }
    };
    if let Err(e) = tokio::fs::rename(&temp, &target).await {
        let _ = tokio::fs::remove_file(&temp).await;
        return Err(file_error(
            &target,
            format!("cannot move the download in place: {e}"),
        ));
    }
    tracing::debug!(path = %target.display(), bytes, "downloaded");
    Ok(Downloaded {
        path: target,
        bytes,
    })
}

async fn write_body(
    mut response: reqwest::Response,
    temp: &Path,
    endpoint: &str,
    progress: Option<DownloadProgress<'_>>,
) -> Result<u64> {
    let total = response.content_length();
    let mut file = tokio::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(temp)
        .await
        .map_err(|e| file_error(temp, format!("cannot create it: {e}")))?;
    let mut received = 0u64;
    if let Some(report) = progress {
        report(0, total);
    }
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| transport_error(endpoint, &e))?
    {
        file.write_all(&chunk)
            .await
            .map_err(|e| file_error(temp, format!("cannot write it: {e}")))?;
        received += chunk.len() as u64;
        if let Some(report) = progress {
            report(received, total);
        }
    }
    if let Some(total) = total.filter(|&t| t != received) {
        return Err(Error::UnexpectedResponse(format!(
            "{endpoint}: the download stopped after {received} of {total} bytes"
        )));
    }
    file.flush()
        .await
        .and(file.sync_all().await)
        .map_err(|e| file_error(temp, format!("cannot write it: {e}")))?;
    Ok(received)
}

fn random_hex() -> String {
    let mut b = [0u8; 6];
    // Only uniqueness matters; a failed getrandom still leaves create_new to refuse a clash.
    let _ = getrandom::fill(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn file_error(path: &Path, reason: impl Into<String>) -> Error {
    Error::File {
        path: path.to_owned(),
        reason: reason.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_file_name;

    #[test]
    fn server_names_never_climb_out_of_the_directory() {
        assert_eq!(
            safe_file_name("../../etc/passwd").as_deref(),
            Some("passwd")
        );
        assert_eq!(
            safe_file_name("..\\..\\win.ini").as_deref(),
            Some("win.ini")
        );
        assert_eq!(
            safe_file_name("team/abc/DJI_0001.JPG").as_deref(),
            Some("DJI_0001.JPG")
        );
        assert_eq!(safe_file_name("dir/").as_deref(), Some("dir"));
        assert_eq!(safe_file_name(".hidden").as_deref(), Some("hidden"));
        assert_eq!(safe_file_name("a\nb:c").as_deref(), Some("a_b_c"));
        for bad in ["", "..", "/", ".", " / .. /"] {
            assert_eq!(safe_file_name(bad), None, "{bad:?}");
        }
        assert!(safe_file_name(&"é".repeat(300)).unwrap().len() <= super::MAX_NAME_BYTES);
    }
}
