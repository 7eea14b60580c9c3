//! The on-disk session cache: one JSON file per profile under the cache directory.
//!
//! The directory is created 0700 and each file 0600. Writes go to a temporary file in the same
//! directory, are flushed to disk, then renamed over the old file, so a crash leaves either the
//! old or the new session. The password is never stored. A cache file that others can read, or
//! that is not ours, is reported, never silently replaced or deleted.

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::validate_profile;
use crate::error::{Error, Result};
use crate::secret::{AccessToken, IdToken, RefreshToken};
use crate::session::Session;

const FORMAT: &str = "unleashlive-auth/session";
const VERSION: u32 = 1;

/// What one cache file holds. Secrets are read out of their types explicitly, here only.
#[derive(Serialize, Deserialize)]
struct CacheFile {
    format: String,
    version: u32,
    provider: String,
    id_token: String,
    access_token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
}

/// The session cache of one directory.
#[derive(Debug, Clone)]
pub struct SessionStore {
    dir: PathBuf,
}

impl SessionStore {
    /// A store in `dir` (created on first save).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        SessionStore { dir: dir.into() }
    }

    /// The cache directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The cache file of a profile.
    ///
    /// # Errors
    /// [`Error::Config`] for a profile name that cannot name a file.
    pub fn path(&self, profile: &str) -> Result<PathBuf> {
        validate_profile(profile)?;
        Ok(self.dir.join(format!("{profile}.json")))
    }

    /// The cached session of a profile, `None` when there is none.
    ///
    /// # Errors
    /// [`Error::Cache`] when the file is readable by others, unreadable, or not a session
    /// cache of this program (the file is left as it is).
    pub fn load(&self, profile: &str) -> Result<Option<Session>> {
        let path = self.path(profile)?;
        let file = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::cache(&path, format!("cannot open: {e}"))),
        };
        let meta = file
            .metadata()
            .map_err(|e| Error::cache(&path, format!("cannot stat: {e}")))?;
        if meta.mode() & 0o077 != 0 {
            return Err(Error::cache(
                &path,
                format!(
                    "is readable by other users (mode {:o}); it holds tokens. Fix it with `chmod 600 {}` \
                     (or delete it and sign in again)",
                    meta.mode() & 0o777,
                    path.display()
                ),
            ));
        }
        let cached: CacheFile = serde_json::from_reader(std::io::BufReader::new(file))
            .map_err(|e| Error::cache(&path, format!("not a session cache file ({e}); it was left untouched: move it away and sign in again")))?;
        if cached.format != FORMAT || cached.version != VERSION {
            return Err(Error::cache(
                &path,
                format!(
                    "written in an unknown format ({:?} version {}); it was left untouched",
                    cached.format, cached.version
                ),
            ));
        }
        let session = Session::from_tokens(
            IdToken::new(cached.id_token),
            AccessToken::new(cached.access_token),
            cached.refresh_token.map(RefreshToken::new),
        )
        .map_err(|e| Error::cache(&path, format!("holds an unusable session: {e}")))?;
        Ok(Some(session))
    }

    /// Saves a profile's session atomically (temp file + fsync + rename).
    ///
    /// # Errors
    /// [`Error::Cache`] when the directory or file cannot be written; the old file stays.
    pub fn save(&self, profile: &str, session: &Session) -> Result<PathBuf> {
        let path = self.path(profile)?;
        let cached = CacheFile {
            format: FORMAT.into(),
            version: VERSION,
            provider: "unleash-live".into(),
            id_token: session.id_token().secret().to_owned(),
            access_token: session.access_token().secret().to_owned(),
            refresh_token: session.refresh_token().map(|t| t.secret().to_owned()),
        };
        let bytes = zeroize::Zeroizing::new(
            serde_json::to_vec_pretty(&cached).map_err(|e| Error::cache(&path, e))?,
        );
        drop(cached);
        self.ensure_dir()?;
        write_atomically(&path, &bytes)?;
        Ok(path)
    }

    /// Removes a profile's session; `false` when there was none.
    ///
    /// # Errors
    /// [`Error::Cache`] when the file exists but cannot be removed.
    pub fn remove(&self, profile: &str) -> Result<bool> {
        let path = self.path(profile)?;
        match fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
            Err(e) => Err(Error::cache(&path, format!("cannot remove: {e}"))),
        }
    }

    fn ensure_dir(&self) -> Result<()> {
        match fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.dir)
        {
            Ok(()) => {}
            Err(e) => return Err(Error::cache(&self.dir, format!("cannot create: {e}"))),
        }
        let meta = fs::metadata(&self.dir).map_err(|e| Error::cache(&self.dir, e))?;
        if meta.permissions().mode() & 0o077 != 0 {
            // A directory we did not create with loose permissions: tighten it, as ssh does
            // for ~/.ssh, rather than write tokens where others can list them.
            fs::set_permissions(&self.dir, fs::Permissions::from_mode(0o700)).map_err(|e| {
                Error::cache(
                    &self.dir,
                    format!("is accessible by others and cannot be restricted: {e}"),
                )
            })?;
        }
        Ok(())
    }
}

/// Writes `bytes` to `path` so that readers see the old or the new content, never a mix.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut nonce = [0u8; 8];
    getrandom::fill(&mut nonce).map_err(|e| Error::cache(path, format!("no randomness: {e}")))?;
    let tmp = dir.join(format!(
        ".{name}.{}.{:016x}.tmp",
        std::process::id(),
        u64::from_le_bytes(nonce)
    ));
    let result = (|| -> std::io::Result<()> {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        // Make the rename itself durable.
        File::open(dir)?.sync_all()
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(Error::cache(path, format!("cannot write: {e}")));
    }
    Ok(())
}
