//! A profile's stored personal access token (PAT), as `ul-auth pat set` keeps it, so that any
//! program (the samples, your own) can use the same token.
//!
//! The token lives in the [`SessionStore`] under `<profile>.pat` (its own file,
//! `<profile>.pat.json`, and its own provider name, so it never clashes with the profile's
//! Cognito session); with the `keyring` feature the token itself goes to the OS keychain when
//! one answers.
//!
//! ```no_run
//! use unleashlive_auth::{Auth, SessionStore, pat};
//!
//! # fn run() -> Result<(), unleashlive_auth::Error> {
//! let store = SessionStore::new("/home/pilot/.cache/unleashlive-auth");
//! if let Some(token) = pat::load(&store, "default")? {
//!     let auth = Auth::Pat(token); // `Authorization: Bearer ul_pat_…` on every API
//!     # let _ = auth;
//! }
//! # Ok(()) }
//! ```

use std::path::PathBuf;

use serde_json::{Value, json};

use crate::credentials::store::{Persist, SessionStore};
use crate::error::{Error, Result};
use crate::secret::PersonalAccessToken;

/// The environment variable the official docs read a PAT from.
pub const ENV_VAR: &str = "UL_API_TOKEN";

/// The stored form of a PAT: its own record, provider and keychain field.
struct StoredPat(PersonalAccessToken);

impl Persist for StoredPat {
    const PROVIDER: &'static str = "unleash-live-pat";
    const KEYCHAIN_FIELDS: &'static [&'static str] = &["token"];

    fn to_record(&self) -> Value {
        json!({ "token": self.0.secret() })
    }

    fn from_record(record: Value) -> Result<Self> {
        match record.get("token").and_then(Value::as_str) {
            Some(token) if !token.is_empty() => Ok(StoredPat(PersonalAccessToken::new(token))),
            _ => Err(Error::InvalidToken {
                reason: "no token in the stored entry of personal access tokens".into(),
                source: None,
            }),
        }
    }
}

/// The store key of a profile's PAT, distinct from its Cognito session's.
fn key(profile: &str) -> String {
    format!("{profile}.pat")
}

/// The PAT stored for `profile`, `None` when there is none.
///
/// # Errors
/// [`Error::Config`] for a profile name that cannot name a file; [`Error::Cache`] when the file
/// is readable by others, unreadable, not a stored PAT, or holds no token.
pub fn load(store: &SessionStore, profile: &str) -> Result<Option<PersonalAccessToken>> {
    Ok(store
        .load::<StoredPat>(&key(profile))?
        .map(|stored| stored.0))
}

/// Stores `token` for `profile` (0600, written atomically), replacing any stored before;
/// returns the file written.
///
/// # Errors
/// [`Error::Config`] for a profile name that cannot name a file; [`Error::Cache`] when the
/// store cannot be written.
pub fn save(store: &SessionStore, profile: &str, token: &PersonalAccessToken) -> Result<PathBuf> {
    store.save(&key(profile), &StoredPat(token.clone()))
}

/// Removes the PAT stored for `profile`; `false` when there was none. The token stays valid on
/// the server until it expires or is revoked in the web app.
///
/// # Errors
/// [`Error::Config`] for a profile name that cannot name a file; [`Error::Cache`] when the file
/// cannot be removed.
pub fn remove(store: &SessionStore, profile: &str) -> Result<bool> {
    store.remove(&key(profile))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_token_loads_back_beside_the_session_without_touching_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = SessionStore::new(dir.path()).with_keychain(false);
        assert!(load(&store, "default").unwrap().is_none());

        let path = save(&store, "default", &PersonalAccessToken::new("ul_pat_abc")).unwrap();

        assert_eq!(path, dir.path().join("default.pat.json"));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"unleash-live-pat\""), "{text}");
        let token = load(&store, "default").unwrap().unwrap();
        assert_eq!(token.secret(), "ul_pat_abc");
        assert!(!dir.path().join("default.json").exists());
        assert!(remove(&store, "default").unwrap());
        assert!(!remove(&store, "default").unwrap());
        assert!(load(&store, "default").unwrap().is_none());
    }
}
