//! The on-disk session cache: one JSON file per profile under the cache directory, for any
//! kind of credential ([`Persist`]).
//!
//! The directory is created 0700 and each file 0600. Writes go to a temporary file in the same
//! directory, are flushed to disk, then renamed over the old file, so a crash leaves either the
//! old or the new session. A per-profile lock file serialises every change of a profile's entry
//! across processes (renewal, sign-in, sign-out). No symbolic link is followed to a cache, lock
//! or temporary file, and the directory and its files must belong to the current user; a
//! directory others may write to is refused, not chmodded. A cache file that others can read,
//! or that is not ours, is reported, never silently replaced or deleted.

use std::fs::File;
use std::io::Read as _;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::validate_profile;
use crate::credentials::memory::{Memory, MemoryLock, Record};
use crate::credentials::private_fs;
use crate::error::{Cause, Error, Result};

const FORMAT: &str = "unleashlive-auth/session";
const VERSION: u32 = 1;

/// The source of the [`Error::Cache`] of [`SessionStore::load`] for a profile whose entry
/// holds another provider's credential: which provider that is, so a caller can offer to
/// select that provider, another profile, or to remove that credential.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("it was left untouched")]
#[non_exhaustive]
pub struct OtherProvider {
    /// The provider whose credential the entry holds (e.g. `unith`).
    pub stored: String,
}

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
    /// Set for [`SessionStore::in_memory`]: records live here, never on disk.
    memory: Option<Arc<Memory>>,
}

/// An exclusive, cross-process lock on one profile's cache entry; released on drop.
#[derive(Debug)]
pub struct ProfileLock {
    _held: Held,
}

#[derive(Debug)]
enum Held {
    File(#[allow(dead_code)] File),
    Memory(#[allow(dead_code)] MemoryLock),
}

impl SessionStore {
    /// A store in `dir` (created on first save). With the `keyring` feature, refresh tokens
    /// go to the OS keychain when one answers.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        SessionStore {
            dir: dir.into(),
            keychain: crate::credentials::keychain::AVAILABLE,
            memory: None,
        }
    }

    /// A store that keeps every record in this process only: nothing is written to disk or
    /// to the OS keychain, and everything is gone (the secrets overwritten) when the last
    /// clone of the store is dropped. Locks serialise changes within the process.
    pub fn in_memory() -> Self {
        SessionStore {
            dir: PathBuf::from("(in memory)"),
            keychain: false,
            memory: Some(Arc::new(Memory::default())),
        }
    }

    /// Whether this store lives in memory only ([`SessionStore::in_memory`]).
    pub fn is_in_memory(&self) -> bool {
        self.memory.is_some()
    }

    /// The same store, using the OS keychain or not (only effective with the `keyring`
    /// feature).
    pub fn with_keychain(mut self, use_it: bool) -> Self {
        self.keychain = use_it && crate::credentials::keychain::AVAILABLE && self.memory.is_none();
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
    /// [`Error::Cache`] when the directory or file is not the current user's own (a symbolic
    /// link, another user's, a directory others may write to), the file is readable by others,
    /// unreadable, holds another provider's credential, or is not a cache file of this program
    /// (it is left as it is).
    pub fn load<C: Persist>(&self, profile: &str) -> Result<Option<C>> {
        let path = self.path(profile)?;
        if let Some(memory) = &self.memory {
            let data = match memory.records().get(profile) {
                None => return Ok(None),
                Some(record) if record.provider != C::PROVIDER => {
                    return Err(other_provider(&path, record.provider, C::PROVIDER));
                }
                Some(record) => record.data.clone(),
            };
            return C::from_record(data)
                .map(Some)
                .map_err(|e| Error::cache(&path, format!("holds an unusable session: {e}")));
        }
        let Some((file, meta)) = self.open(&path)? else {
            return Ok(None);
        };
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
            (&file)
                .read_to_end(&mut buf)
                .map_err(|e| Error::cache_because(&path, "cannot read", e))?;
            buf
        });
        let cached: CacheFile = serde_json::from_slice(&bytes).map_err(|e| {
            Error::cache_because(
                &path,
                "is not a session cache file; it was left untouched: move it away and sign in \
                 again",
                Cause::json_without_values(e),
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
            return Err(other_provider(&path, &cached.provider, C::PROVIDER));
        }
        let mut data = cached.data;
        for field in &cached.keychain {
            // A missing keychain entry leaves the field empty: the credential then cannot be
            // renewed and the user is asked to sign in again.
            if let (Some(secret), Some(obj)) = (
                crate::credentials::keychain::get(&self.keychain_account(profile, field)),
                data.as_object_mut(),
            ) {
                obj.insert(field.clone(), Value::String(secret));
            }
        }
        C::from_record(data)
            .map(Some)
            .map_err(|e| Error::cache_because(&path, "holds an unusable session", e))
    }

    /// The provider whose credential a profile's entry holds, `None` without an entry or
    /// for a file that is not a cache file of this program.
    ///
    /// # Errors
    /// [`Error::Config`] for a profile name that cannot name a file; [`Error::Cache`] when
    /// the directory or file is not the current user's own (see [`SessionStore::load`]).
    pub fn stored_provider(&self, profile: &str) -> Result<Option<String>> {
        let path = self.path(profile)?;
        if let Some(memory) = &self.memory {
            return Ok(memory
                .records()
                .get(profile)
                .map(|record| record.provider.to_owned()));
        }
        Ok(self
            .read(&path)?
            .and_then(|cached| cached.map(|c| c.provider)))
    }

    /// Opens a cache file of the directory, after checking the directory; `None` when either
    /// is missing.
    fn open(&self, path: &Path) -> Result<Option<(File, std::fs::Metadata)>> {
        if !private_fs::check_dir(&self.dir)? {
            return Ok(None);
        }
        private_fs::open_existing(path)
    }

    /// The envelope of a cache file: `None` without one, `Some(None)` for a file that is not
    /// a cache file of this program.
    fn read(&self, path: &Path) -> Result<Option<Option<CacheFile>>> {
        let Some((file, _)) = self.open(path)? else {
            return Ok(None);
        };
        let mut bytes = zeroize::Zeroizing::new(Vec::new());
        (&file)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::cache_because(path, "cannot read", e))?;
        Ok(Some(serde_json::from_slice::<CacheFile>(&bytes).ok()))
    }

    /// Saves a profile's credential atomically (temp file + fsync + rename). It does not take
    /// the profile's lock: hold [`SessionStore::lock`] around it where a renewal may run.
    ///
    /// # Errors
    /// [`Error::Cache`] when the directory or file cannot be written, or is not the current
    /// user's own (see [`SessionStore::load`]); the old file stays.
    pub fn save<C: Persist>(&self, profile: &str, credential: &C) -> Result<PathBuf> {
        let path = self.path(profile)?;
        if let Some(memory) = &self.memory {
            let record = Record {
                provider: C::PROVIDER,
                data: credential.to_record(),
            };
            memory.records().insert(profile.to_owned(), record);
            return Ok(path);
        }
        // Refuse before anything reaches the keychain.
        private_fs::ensure_dir(&self.dir)?;
        private_fs::check_replaceable(&path)?;
        let mut data = credential.to_record();
        let mut keychain = Vec::new();
        if self.keychain
            && let Some(obj) = data.as_object_mut()
        {
            for field in C::KEYCHAIN_FIELDS {
                let account = self.keychain_account(profile, field);
                if let Some(Value::String(secret)) = obj.get(*field)
                    && crate::credentials::keychain::put(&account, secret)
                {
                    obj.remove(*field);
                    keychain.push((*field).to_owned());
                } else {
                    // Not kept there now (e.g. a key no longer remembered): nothing of an
                    // earlier save may linger in the keychain.
                    crate::credentials::keychain::delete(&account);
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
            serde_json::to_vec_pretty(&cached)
                .map_err(|e| Error::cache_because(&path, "cannot be written as JSON", e))?,
        );
        drop(cached);
        private_fs::write_atomically(&path, &bytes)?;
        Ok(path)
    }

    /// Removes a profile's credential; `false` when there was none. It does not take the
    /// profile's lock: hold [`SessionStore::lock`] around it where a renewal may run.
    ///
    /// # Errors
    /// [`Error::Cache`] when the file exists but cannot be removed, or is not the current
    /// user's own (a symbolic link or another user's file is left in place).
    pub fn remove(&self, profile: &str) -> Result<bool> {
        let path = self.path(profile)?;
        if let Some(memory) = &self.memory {
            return Ok(memory.records().remove(profile).is_some());
        }
        let Some(cached) = self.read(&path)? else {
            return Ok(false);
        };
        for field in cached.iter().flat_map(|c| &c.keychain) {
            crate::credentials::keychain::delete(&self.keychain_account(profile, field));
        }
        private_fs::remove(&path)
    }

    /// Takes the profile's cross-process lock, waiting for another holder to finish. Every
    /// change of the profile's entry happens under it (a renewal, a sign-in, a sign-out).
    /// Blocking: call it from a blocking context (`spawn_blocking`) in async code. A process
    /// must not take it twice: the second call would wait for the first forever.
    ///
    /// # Errors
    /// [`Error::Cache`] when the lock file cannot be created or locked, or is not the current
    /// user's own regular file.
    pub fn lock(&self, profile: &str) -> Result<ProfileLock> {
        validate_profile(profile)?;
        if let Some(memory) = &self.memory {
            return Ok(ProfileLock {
                _held: Held::Memory(memory.lock(profile)),
            });
        }
        private_fs::ensure_dir(&self.dir)?;
        let path = self.dir.join(format!(".{profile}.lock"));
        let file = private_fs::open_lock(&path)?;
        file.lock()
            .map_err(|e| Error::cache_because(&path, "cannot lock", e))?;
        Ok(ProfileLock {
            _held: Held::File(file),
        })
    }
}

/// The error for an entry written by another provider than the one asked for.
fn other_provider(path: &Path, stored: &str, wanted: &str) -> Error {
    Error::cache_because(
        path,
        format!("holds a credential of the {stored} provider, not {wanted}"),
        OtherProvider {
            stored: stored.to_owned(),
        },
    )
}
