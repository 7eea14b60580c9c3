//! Downloads to disk that never leave a file which looks finished but is not, never write
//! outside the directory asked for, and never replace a file unless asked to.
//!
//! The body is streamed into a hidden temporary file beside the target
//! (`.<name>.<random>.part`) and put in place only once every byte has arrived and been
//! flushed. Any failure removes the temporary file, and so does dropping the download's future
//! half-way (a timeout, or a program that stops it on Ctrl-C, as the samples do). The local
//! name is made here from a name the server suggests, keeping only its last path component, so
//! `../../etc/passwd` becomes `passwd` inside the output directory.
//!
//! A [`DownloadDir`] never replaces a file: when the name is taken — by a file that was there
//! before, or by an earlier download of the same run whose name came out the same — the
//! download gets the first free `name (2).ext`, `name (3).ext`, ... and [`Downloaded`] says so.
//! The file is hard-linked into place, which fails rather than replace a file that appeared
//! meanwhile. With [`DownloadDir::overwrite`], files from before are replaced, but two
//! downloads of one run still never share a name.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use tokio::io::AsyncWriteExt as _;

use super::http::{HttpClient, Request, transport_error};
use crate::api::auth::{ApiKind, Auth};
use crate::error::{Error, Result};

/// Longest local file name kept, in bytes.
pub const MAX_NAME_BYTES: usize = 200;

/// How many numbered names (`name (2).ext` ...) are tried before giving up.
const MAX_NUMBER: u32 = 10_000;

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
    /// The file name asked for: the safe form of the server's name (see [`safe_file_name`]).
    /// The file has another name when this one was taken (see [`Downloaded::renamed`]).
    pub requested_name: String,
}

impl Downloaded {
    /// Whether the file got a numbered name (`name (2).ext`) because
    /// [`requested_name`](Self::requested_name) was taken.
    pub fn renamed(&self) -> bool {
        self.path.file_name() != Some(OsStr::new(&self.requested_name))
    }
}

/// The directory downloads go into, and the names given out in it so far: one per run, shared
/// by every download of the run, so that two items whose safe names are the same never land on
/// one file.
#[derive(Debug)]
pub struct DownloadDir {
    path: PathBuf,
    overwrite: bool,
    given: Mutex<HashSet<String>>,
}

impl DownloadDir {
    /// Downloads into `path` (created when missing), never replacing a file.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        DownloadDir {
            path: path.into(),
            overwrite: false,
            given: Mutex::default(),
        }
    }

    /// With `true`, a file that was in the directory before is replaced by a download of the
    /// same name (a file an earlier download of this value wrote never is).
    #[must_use]
    pub fn overwrite(mut self, overwrite: bool) -> Self {
        self.overwrite = overwrite;
        self
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Takes `name` for one download; false when it was given out before.
    fn claim(&self, name: &str) -> bool {
        self.given
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(name.to_owned())
    }

    fn release(&self, name: &str) {
        self.given
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(name);
    }

    /// Moves the finished `temp` to `wanted`, or to the first free numbered form of it.
    async fn place(&self, temp: &mut PartFile, wanted: &str) -> Result<PathBuf> {
        for n in 1..=MAX_NUMBER {
            let name = numbered(wanted, n);
            if !self.claim(&name) {
                continue;
            }
            let target = self.path.join(&name);
            let placed = if self.overwrite {
                tokio::fs::rename(&temp.path, &target).await
            } else {
                link_without_replacing(&temp.path, &target).await
            };
            match placed {
                Ok(()) => {
                    temp.remove().await;
                    return Ok(target);
                }
                // Taken by a file from before (or one that just appeared): the next number.
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => {
                    self.release(&name);
                    return Err(Error::file_because(
                        &target,
                        "cannot move the download in place",
                        e,
                    ));
                }
            }
        }
        Err(file_error(
            &self.path.join(wanted),
            format!("this name and {MAX_NUMBER} numbered forms of it are all taken"),
        ))
    }
}

/// `name` for `n` = 1, else `name (n)` before the extension (`photo (2).jpg`, `README (3)`),
/// the stem shortened to stay within [`MAX_NAME_BYTES`].
fn numbered(name: &str, n: u32) -> String {
    if n == 1 {
        return name.to_owned();
    }
    let (stem, ext) = match name.rfind('.') {
        Some(i) if i > 0 => name.split_at(i),
        _ => (name, ""),
    };
    let suffix = format!(" ({n})");
    let mut cut = stem
        .len()
        .min(MAX_NAME_BYTES.saturating_sub(suffix.len() + ext.len()));
    while !stem.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{suffix}{ext}", &stem[..cut])
}

/// Puts `temp` at `target` unless something (a symbolic link too) is there already
/// (`AlreadyExists`). A hard link never replaces; where the file system has none, an
/// exclusively created placeholder claims the name and the download replaces it.
async fn link_without_replacing(temp: &Path, target: &Path) -> io::Result<()> {
    match tokio::fs::hard_link(temp, target).await {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(e),
        Err(e) => {
            tracing::debug!(error = %e, "no hard link here; claiming the name with a placeholder");
            tokio::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(target)
                .await?;
            if let Err(e) = tokio::fs::rename(temp, target).await {
                let _ = tokio::fs::remove_file(target).await;
                return Err(e);
            }
            Ok(())
        }
    }
}

/// The temporary file of a download in progress, removed when this is dropped (after an
/// error, or when the download's future is dropped half-way).
struct PartFile {
    path: PathBuf,
    armed: bool,
}

impl PartFile {
    fn new(path: PathBuf) -> Self {
        PartFile { path, armed: true }
    }

    /// Removes the file now (if it is still there) and disarms the guard.
    async fn remove(&mut self) {
        let _ = tokio::fs::remove_file(&self.path).await;
        self.armed = false;
    }
}

impl Drop for PartFile {
    fn drop(&mut self) {
        if self.armed {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// A name that is safe to use as one file name inside a directory, made from `suggested`
/// (a server-supplied name or key): its last `/`- or `\`-separated component, without control
/// characters, line or paragraph separators, or characters Windows refuses (each becomes `_`),
/// without Unicode format characters (bidirectional overrides, zero-width characters, the byte
/// order mark, ...: see [`is_format`](crate::text::is_format); dropped), without leading dots
/// and spaces, and at most [`MAX_NAME_BYTES`] long. `None` when nothing usable is left.
pub fn safe_file_name(suggested: &str) -> Option<String> {
    let last = suggested
        .rsplit(['/', '\\'])
        .find(|part| !part.trim().is_empty())?;
    let cleaned: String = last
        .chars()
        .filter(|&c| !crate::text::is_format(c))
        .map(|c| {
            if crate::text::needs_escape(c) || matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*')
            {
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

/// Downloads what `request` answers into `to` under the safe form of `suggested_name`
/// (see [`safe_file_name`]; `fallback_name` when nothing of it is usable), or the first free
/// numbered form of it when that is taken (see [`DownloadDir`]).
///
/// # Errors
/// [`Error::File`] when no usable name is left or the directory or file cannot be written;
/// [`Error::UnexpectedResponse`] when the body is shorter than its declared length; the errors
/// of [`HttpClient::send`] (non-2xx statuses included) and of reading the body.
pub async fn download_to(
    http: &HttpClient,
    request: &Request,
    auth: Option<(&Auth, ApiKind)>,
    to: &DownloadDir,
    suggested_name: &str,
    fallback_name: &str,
    progress: Option<DownloadProgress<'_>>,
) -> Result<Downloaded> {
    let dir = to.path();
    let name = safe_file_name(suggested_name)
        .or_else(|| safe_file_name(fallback_name))
        .ok_or_else(|| file_error(dir, format!("no usable file name in {suggested_name:?}")))?;
    let request = request.clone().streamed();
    let endpoint = request.endpoint();
    // Ask first: an error status must not even create a temporary file.
    let response = http.send(&request, auth).await?;
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(|e| Error::file_because(dir, "cannot create the directory", e))?;
    let mut temp = PartFile::new(dir.join(format!(".{name}.{}.part", random_hex())));
    let bytes = write_body(response, &temp.path, &endpoint, progress).await?;
    let path = to.place(&mut temp, &name).await?;
    tracing::debug!(path = %path.display(), bytes, "downloaded");
    Ok(Downloaded {
        path,
        bytes,
        requested_name: name,
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
        .map_err(|e| Error::file_because(temp, "cannot create it", e))?;
    let mut received = 0u64;
    if let Some(report) = progress {
        report(0, total);
    }
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| transport_error(endpoint, e))?
    {
        file.write_all(&chunk)
            .await
            .map_err(|e| Error::file_because(temp, "cannot write it", e))?;
        received += chunk.len() as u64;
        if let Some(report) = progress {
            report(received, total);
        }
    }
    if let Some(total) = total.filter(|&t| t != received) {
        return Err(Error::unexpected(format!(
            "{endpoint}: the download stopped after {received} of {total} bytes"
        )));
    }
    file.flush()
        .await
        .and(file.sync_all().await)
        .map_err(|e| Error::file_because(temp, "cannot write it", e))?;
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
        source: None,
    }
}

#[cfg(test)]
mod tests {
    use super::{MAX_NAME_BYTES, numbered, safe_file_name};

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

    #[test]
    fn names_lose_bidi_overrides_zero_width_and_other_format_characters() {
        // Shown as "invoiceexe.jpg" with the override; the file is really an .exe.
        assert_eq!(
            safe_file_name("invoice\u{202e}gpj.exe").as_deref(),
            Some("invoicegpj.exe")
        );
        assert_eq!(
            safe_file_name("\u{feff}a\u{200b}b\u{200d}c\u{2066}d\u{2069}\u{200e}.jpg").as_deref(),
            Some("abcd.jpg")
        );
        assert_eq!(
            safe_file_name("tag\u{e0041}\u{ad}s\u{2060}.txt").as_deref(),
            Some("tags.txt")
        );
        assert_eq!(
            safe_file_name("line\u{2028}para\u{2029}nel\u{85}esc\u{1b}.log").as_deref(),
            Some("line_para_nel_esc_.log")
        );
        // Nothing but format characters leaves nothing usable.
        assert_eq!(safe_file_name("\u{202e}\u{200b}"), None);
    }

    #[test]
    fn numbered_names_go_before_the_extension_and_stay_short() {
        assert_eq!(numbered("photo.jpg", 1), "photo.jpg");
        assert_eq!(numbered("photo.jpg", 2), "photo (2).jpg");
        assert_eq!(numbered("README", 12), "README (12)");
        assert_eq!(numbered("a.tar.gz", 3), "a.tar (3).gz");
        assert_eq!(numbered("hidden", 2), "hidden (2)");
        let long = format!("{}.jpg", "é".repeat(98));
        let two = numbered(&long, 2);
        assert!(two.len() <= MAX_NAME_BYTES, "{}", two.len());
        assert!(two.ends_with("é (2).jpg"), "{two}");
    }
}
