//! Unleash Live's credentials that are never renewed, stored as `ul-auth pat set` keeps them
//! so that any program (the samples, your own) can use the same token: a personal access token
//! ([`Pat`]) and a legacy API key ([`LegacyApiKey`]). Both are providers on the shared machinery
//! (the [`SessionStore`], a [`Sessions`] manager, [`Auth::from`](crate::Auth)), whose
//! credentials never expire and are never renewed.
//!
//! A PAT lives in the store under `<profile>.pat` (its own file, `<profile>.pat.json`, and its
//! own provider name, so it never clashes with the profile's Cognito session); an API key under
//! `<profile>.api-key`. With the `keyring` feature the secret itself goes to the OS keychain
//! when one answers.
//!
//! ```no_run
//! use unleashlive_auth::credentials::pat;
//! use unleashlive_auth::{Auth, SessionStore};
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
use std::time::SystemTime;

use serde_json::{Value, json};

use crate::config::ProviderKind;
use crate::credentials::manager::Credential;
use crate::credentials::provider::{ApiKind, HeaderStyle, Provider, Sessions};
use crate::credentials::store::{Persist, SessionStore};
use crate::error::{Error, Result};
use crate::secret::{ApiKey, PersonalAccessToken};
use crate::transport::AuthHeader;

/// The environment variable the official docs read a PAT from.
pub const ENV_VAR: &str = "UL_API_TOKEN";

/// Unleash Live's personal access tokens: `Authorization: Bearer <PAT>` on every API.
#[derive(Debug, Clone, Copy, Default)]
pub struct Pat;

impl Provider for Pat {
    const KIND: ProviderKind = ProviderKind::UnleashLive;
    type Credential = PersonalAccessToken;
    const ENTRY_SUFFIX: &'static str = ".pat";

    fn header(token: &PersonalAccessToken, _: ApiKind) -> Result<AuthHeader> {
        HeaderStyle::Bearer.header_for(token.secret())
    }

    fn credential_name() -> &'static str {
        "personal access token"
    }
}

/// Unleash Live's legacy API keys: `x-api-key: <key>` on every API.
#[derive(Debug, Clone, Copy, Default)]
pub struct LegacyApiKey;

impl Provider for LegacyApiKey {
    const KIND: ProviderKind = ProviderKind::UnleashLive;
    type Credential = ApiKey;
    const ENTRY_SUFFIX: &'static str = ".api-key";

    fn header(key: &ApiKey, _: ApiKind) -> Result<AuthHeader> {
        HeaderStyle::Raw("x-api-key").header_for(key.secret())
    }

    fn credential_name() -> &'static str {
        "API key"
    }
}

/// The record of a secret that is all there is of its credential: `{"<field>": "..."}`.
fn from_field<T>(record: &Value, field: &str, new: fn(&str) -> T, missing: &str) -> Result<T> {
    match record.get(field).and_then(Value::as_str) {
        Some(secret) if !secret.is_empty() => Ok(new(secret)),
        _ => Err(Error::InvalidToken {
            reason: missing.into(),
            source: None,
        }),
    }
}

impl Persist for PersonalAccessToken {
    const PROVIDER: &'static str = "unleash-live-pat";
    const KEYCHAIN_FIELDS: &'static [&'static str] = &["token"];

    fn to_record(&self) -> Value {
        json!({ "token": self.secret() })
    }

    fn from_record(record: Value) -> Result<Self> {
        from_field(
            &record,
            "token",
            |t| PersonalAccessToken::new(t),
            "no token in the stored entry of personal access tokens",
        )
    }
}

impl Credential for PersonalAccessToken {
    fn expires_at(&self) -> Option<SystemTime> {
        None
    }
}

impl Persist for ApiKey {
    const PROVIDER: &'static str = "unleash-live-api-key";
    const KEYCHAIN_FIELDS: &'static [&'static str] = &["key"];

    fn to_record(&self) -> Value {
        json!({ "key": self.secret() })
    }

    fn from_record(record: Value) -> Result<Self> {
        from_field(
            &record,
            "key",
            |k| ApiKey::new(k),
            "no API key in the stored entry",
        )
    }
}

impl Credential for ApiKey {
    fn expires_at(&self) -> Option<SystemTime> {
        None
    }
}

/// The stored PAT of `profile` in `store`, through the shared manager (e.g. for
/// [`Auth::from`](crate::Auth)).
pub fn sessions(store: SessionStore, profile: impl Into<String>) -> Sessions<Pat> {
    crate::credentials::provider::sessions(store, profile, Pat)
}

/// The stored legacy API key of `profile` in `store`, through the shared manager.
pub fn api_key_sessions(store: SessionStore, profile: impl Into<String>) -> Sessions<LegacyApiKey> {
    crate::credentials::provider::sessions(store, profile, LegacyApiKey)
}

/// The PAT stored for `profile`, `None` when there is none.
///
/// # Errors
/// [`Error::Config`] for a profile name that cannot name a file; [`Error::Cache`] when the file
/// is readable by others, unreadable, not a stored PAT, or holds no token.
pub fn load(store: &SessionStore, profile: &str) -> Result<Option<PersonalAccessToken>> {
    sessions(store.clone(), profile).cached()
}

/// Stores `token` for `profile` (0600, written atomically, under the entry's lock), replacing
/// any stored before; returns the file written.
///
/// # Errors
/// [`Error::Config`] for a profile name that cannot name a file; [`Error::Cache`] when the
/// store cannot be written.
pub fn save(store: &SessionStore, profile: &str, token: &PersonalAccessToken) -> Result<PathBuf> {
    let pats = sessions(store.clone(), profile);
    pats.replace(token.clone())?;
    store.path(pats.entry())
}

/// Removes the PAT stored for `profile`; `false` when there was none. The token stays valid on
/// the server until it expires or is revoked in the web app.
///
/// # Errors
/// [`Error::Config`] for a profile name that cannot name a file; [`Error::Cache`] when the file
/// cannot be removed.
pub fn remove(store: &SessionStore, profile: &str) -> Result<bool> {
    sessions(store.clone(), profile).lock()?.remove()
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

    /// A record exactly as the store wrote it before PATs went through the shared manager.
    const TODAYS_RECORD: &str = r#"{
  "format": "unleashlive-auth/session",
  "version": 1,
  "provider": "unleash-live-pat",
  "data": {
    "token": "ul_pat_0123456789abcdefWXYZ"
  }
}"#;

    fn private_file(path: &std::path::Path, text: &str) {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::write(path, text).unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }

    #[tokio::test]
    async fn a_pat_written_in_todays_format_reads_through_the_shared_manager_and_auth() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(
            dir.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )
        .unwrap();
        private_file(&dir.path().join("default.pat.json"), TODAYS_RECORD);
        let store = SessionStore::new(dir.path()).with_keychain(false);

        let pats = sessions(store.clone(), "default");
        let token = pats.current().await.unwrap();
        assert_eq!(token.secret(), "ul_pat_0123456789abcdefWXYZ");
        assert!(!pats.can_renew());
        let auth = crate::Auth::from(pats);
        for kind in [ApiKind::Graphql, ApiKind::Rest, ApiKind::Analytics] {
            let h = auth.header(kind).await.unwrap();
            assert_eq!(h.name(), "authorization");
            assert_eq!(
                h.value().to_str().unwrap(),
                "Bearer ul_pat_0123456789abcdefWXYZ"
            );
        }
        assert!(!auth.renews());
        assert_eq!(auth.kind_name(), "personal access token");
        // The session's own entry is another file, untouched.
        assert!(
            store
                .load::<PersonalAccessToken>("default")
                .unwrap()
                .is_none()
        );
    }

    #[tokio::test]
    async fn a_stored_api_key_goes_in_x_api_key_and_is_never_renewed() {
        let dir = tempfile::tempdir().unwrap();
        let store = SessionStore::new(dir.path()).with_keychain(false);
        let keys = api_key_sessions(store.clone(), "default");
        keys.replace(ApiKey::new("k-0123456789")).unwrap();
        assert!(dir.path().join("default.api-key.json").exists());

        let h = crate::Auth::from(keys.clone())
            .header(ApiKind::Analytics)
            .await
            .unwrap();
        assert_eq!(
            (h.name(), h.value().to_str().unwrap()),
            ("x-api-key", "k-0123456789")
        );
        let err = keys.renew_now().await.unwrap_err();
        assert!(matches!(err, Error::SignInAgain { .. }), "{err}");
        assert!(err.to_string().contains("API key"), "{err}");
    }
}
