//! The on-disk session cache: one JSON file per profile under the cache directory, for any
//! kind of credential ([`Persist`]).
//!
//! The directory is created 0700 and each file 0600. Writes go to a temporary file in the same
//! directory, are flushed to disk, then renamed over the old file, so a crash leaves either the
//! old or the new session. A per-profile lock file serialises refreshes across processes. A
//! cache file that others can read, or that is not ours, is reported, never silently replaced
//! or deleted.

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::validate_profile;
use crate::error::{Error, Result};

const FORMAT: &str = "unleashlive-auth/session";
const VERSION: u32 = 1;

/// A credential the store can keep. Implementations write their secrets into the record
/// explicitly (the secret types themselves have no `Serialize`).
pub trait Persist: Sized {
    /// The provider name written into the file (e.g. `unleash-live`).
    const PROVIDER: &'static str;

    /// The credential as a JSON object. Secrets leave their types here, deliberately.
    fn to_record(&self) -> Value;

    /// Top-level string fields of the record that belong in the OS keychain when there is
    /// one (cargo feature `keyring`).
    const KEYCHAIN_FIELDS: &'static [&'static str] = &[];

    /// Rebuilds the credential from [`Persist::to_record`]'s output.
    ///
    /// # Errors
    /// Any error; the store reports it as an unusable cache file.
    fn from_record(record: Value) -> Result<Self>;
}

/// The envelope around every provider's record.
#[derive(Serialize, Deserialize)]
struct CacheFile {
    format: String,
    version: u32,
    provider: String,
    data: Value,
    /// Fields of `data` kept in the OS keychain instead of here.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    keychain: Vec<String>,
}

/// The session cache of one directory.
#[derive(Debug, Clone)]
pub struct SessionStore {
    dir: PathBuf,
    keychain: bool,
}

/// An exclusive, cross-process lock on one profile's cache entry; released on drop.
#[derive(Debug)]
pub struct ProfileLock {
    _file: File,
}

impl SessionStore {
    /// A store in `dir` (created on first save). With the `keyring` feature, refresh tokens
    /// go to the OS keychain when one answers.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        SessionStore {
            dir: dir.into(),
            keychain: crate::keychain::AVAILABLE,
        }
    }

    /// The same store, using the OS keychain or not (only effective with the `keyring`
    /// feature).
    pub fn with_keychain(mut self, use_it: bool) -> Self {
        self.keychain = use_it && crate::keychain::AVAILABLE;
        self
    }

    fn keychain_account(&self, profile: &str, field: &str) -> String {
        format!("{}/{profile}#{field}", self.dir.display())
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

    /// The cached credential of a profile, `None` when there is none.
    ///
    /// # Errors
    /// [`Error::Cache`] when the file is readable by others, unreadable, holds another
    /// provider's credential, or is not a cache file of this program (it is left as it is).
    pub fn load<C: Persist>(&self, profile: &str) -> Result<Option<C>> {
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
                    "is readable by other users (mode {:o}); it holds tokens. Fix it with \
                     `chmod 600 {}` (or delete it and sign in again)",
                    meta.mode() & 0o777,
                    path.display()
                ),
            ));
        }
        let bytes = zeroize::Zeroizing::new({
            let mut buf = Vec::new();
            std::io::Read::read_to_end(&mut &file, &mut buf)
                .map_err(|e| Error::cache(&path, format!("cannot read: {e}")))?;
            buf
        });
        let cached: CacheFile = serde_json::from_slice(&bytes).map_err(|e| {
            Error::cache(
                &path,
                format!(
                    "is not a session cache file ({e}); it was left untouched: move it away and \
                     sign in again"
                ),
            )
        })?;
        if cached.format != FORMAT || cached.version != VERSION {
            return Err(Error::cache(
                &path,
                format!(
                    "is written in an unknown format ({:?} version {}); it was left untouched",
                    cached.format, cached.version
                ),
            ));
        }
        if cached.provider != C::PROVIDER {
            return Err(Error::cache(
                &path,
                format!(
                    "holds a credential of the {} provider, not {}; select that provider \
                     (--provider {}), use another profile, or remove it with `ul-auth \
                     --provider {} logout`",
                    cached.provider,
                    C::PROVIDER,
                    cached.provider,
                    cached.provider
                ),
            ));
        }
        let mut data = cached.data;
        for field in &cached.keychain {
            // A missing keychain entry leaves the field empty: the credential then cannot be
            // renewed and the user is asked to sign in again.
            if let (Some(secret), Some(obj)) = (
                crate::keychain::get(&self.keychain_account(profile, field)),
                data.as_object_mut(),
            ) {
                obj.insert(field.clone(), Value::String(secret));
            }
        }
        C::from_record(data)
            .map(Some)
            .map_err(|e| Error::cache(&path, format!("holds an unusable session: {e}")))
    }

    /// The provider whose credential a profile's entry holds, `None` without an entry or
    /// for a file that is not a cache file of this program.
    ///
    /// # Errors
    /// [`Error::Config`] for a profile name that cannot name a file.
    pub fn stored_provider(&self, profile: &str) -> Result<Option<String>> {
        let path = self.path(profile)?;
        Ok(fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<CacheFile>(&bytes).ok())
            .map(|cached| cached.provider))
    }

    /// Saves a profile's credential atomically (temp file + fsync + rename).
    ///
    /// # Errors
    /// [`Error::Cache`] when the directory or file cannot be written; the old file stays.
    pub fn save<C: Persist>(&self, profile: &str, credential: &C) -> Result<PathBuf> {
        let path = self.path(profile)?;
        let mut data = credential.to_record();
        let mut keychain = Vec::new();
        if self.keychain
            && let Some(obj) = data.as_object_mut()
        {
            for field in C::KEYCHAIN_FIELDS {
                let account = self.keychain_account(profile, field);
                if let Some(Value::String(secret)) = obj.get(*field)
                    && crate::keychain::put(&account, secret)
                {
                    obj.remove(*field);
                    keychain.push((*field).to_owned());
                } else {
                    // Not kept there now (e.g. a key no longer remembered): nothing of an
                    // earlier save may linger in the keychain.
                    crate::keychain::delete(&account);
                }
            }
        }
        let cached = CacheFile {
            format: FORMAT.into(),
            version: VERSION,
            provider: C::PROVIDER.into(),
            data,
            keychain,
        };
        let bytes = zeroize::Zeroizing::new(
            serde_json::to_vec_pretty(&cached).map_err(|e| Error::cache(&path, e))?,
        );
        drop(cached);
        self.ensure_dir()?;
        write_atomically(&path, &bytes)?;
        Ok(path)
    }

    /// Removes a profile's credential; `false` when there was none.
    ///
    /// # Errors
    /// [`Error::Cache`] when the file exists but cannot be removed.
    pub fn remove(&self, profile: &str) -> Result<bool> {
        let path = self.path(profile)?;
        if let Ok(bytes) = fs::read(&path)
            && let Ok(cached) = serde_json::from_slice::<CacheFile>(&bytes)
        {
            for field in &cached.keychain {
                crate::keychain::delete(&self.keychain_account(profile, field));
            }
        }
        match fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
            Err(e) => Err(Error::cache(&path, format!("cannot remove: {e}"))),
        }
    }

    /// Takes the profile's cross-process lock, waiting for another holder to finish.
    /// Blocking: call it from a blocking context (`spawn_blocking`) in async code.
    ///
    /// # Errors
    /// [`Error::Cache`] when the lock file cannot be created or locked.
    pub fn lock(&self, profile: &str) -> Result<ProfileLock> {
        validate_profile(profile)?;
        self.ensure_dir()?;
        let path = self.dir.join(format!(".{profile}.lock"));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)
            .map_err(|e| Error::cache(&path, format!("cannot open the lock file: {e}")))?;
        file.lock()
            .map_err(|e| Error::cache(&path, format!("cannot lock: {e}")))?;
        Ok(ProfileLock { _file: file })
    }

    fn ensure_dir(&self) -> Result<()> {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.dir)
            .map_err(|e| Error::cache(&self.dir, format!("cannot create: {e}")))?;
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
