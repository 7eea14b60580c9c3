//! The OS keychain (cargo feature `keyring`): where the store keeps its most sensitive fields
//! (the refresh token) when one is available. Without the feature, or where no keychain
//! answers (a headless server, a container), nothing is stored here and the store keeps the
//! field in its 0600 file instead.

#[cfg(feature = "keyring")]
const SERVICE: &str = "unleashlive-auth";

/// Stores `secret` under `account`; `false` when no keychain is available.
#[cfg(feature = "keyring")]
pub(crate) fn put(account: &str, secret: &str) -> bool {
    match keyring::Entry::new(SERVICE, account).and_then(|e| e.set_password(secret)) {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(error = %e, "no OS keychain available; keeping the secret in the cache file");
            false
        }
    }
}

/// The secret under `account`; `None` when it is not there.
#[cfg(feature = "keyring")]
pub(crate) fn get(account: &str) -> Option<String> {
    match keyring::Entry::new(SERVICE, account).and_then(|e| e.get_password()) {
        Ok(secret) => Some(secret),
        Err(keyring::Error::NoEntry) => None,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the OS keychain");
            None
        }
    }
}

/// Forgets the secret under `account` (absent is fine).
#[cfg(feature = "keyring")]
pub(crate) fn delete(account: &str) {
    if let Ok(entry) = keyring::Entry::new(SERVICE, account) {
        let _ = entry.delete_credential();
    }
}

#[cfg(not(feature = "keyring"))]
pub(crate) fn put(_account: &str, _secret: &str) -> bool {
    false
}

#[cfg(not(feature = "keyring"))]
pub(crate) fn get(_account: &str) -> Option<String> {
    tracing::warn!(
        "the cache says a secret is in the OS keychain, but this build has no keyring support \
         (cargo feature `keyring`)"
    );
    None
}

#[cfg(not(feature = "keyring"))]
pub(crate) fn delete(_account: &str) {}

/// Whether this build can use a keychain at all.
pub(crate) const AVAILABLE: bool = cfg!(feature = "keyring");
