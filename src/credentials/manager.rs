//! Hands out a valid credential, renewing it shortly before it expires.
//!
//! One [`SessionManager`] serves any [`Provider`]: Cognito sessions, UNITH, Unleash and
//! UnleashX tokens, personal access tokens and API keys. It needs the provider's
//! [`Credential`] (something the store can keep, with an expiry) and [`Provider::renew`] (how
//! to get a new one). Renewal is single-flight
//! twice over: inside a process, concurrent callers share one renewal (and its error); across
//! processes, the profile's file lock serialises renewals and the second process finds the
//! first one's result on disk instead of renewing again.
//!
//! The same lock guards a sign-in ([`SessionManager::replace`]) and a sign-out
//! ([`SessionManager::lock`], then [`LockedSession::remove`]), so a renewal running in
//! another process (say the aws CLI calling `credential_process`) can neither bring back a
//! session signed out of nor overwrite a new sign-in with the old one.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures_util::FutureExt as _;

use crate::clock::SharedClock;
use crate::credentials::flight::SingleFlight;
use crate::credentials::provider::Provider;
use crate::credentials::store::{Persist, ProfileLock, SessionStore};
use crate::error::{Error, Result};

/// Renew this long before expiry, unless configured otherwise.
pub const DEFAULT_MARGIN: Duration = Duration::from_secs(5 * 60);

/// A credential the manager can hand out.
pub trait Credential: Persist + Clone + Send + Sync + 'static {
    /// When it stops working; `None` = never.
    fn expires_at(&self) -> Option<SystemTime>;
}

/// The trait renewers implemented before every credential had a [`Provider`]: a provider is
/// what renews now.
#[doc(hidden)]
pub use crate::credentials::provider::Provider as Renew;

struct Inner<P: Provider> {
    store: SessionStore,
    profile: String,
    /// The profile's entry in the store: the profile's name and the provider's suffix.
    entry: String,
    provider: P,
    clock: SharedClock,
    margin: Duration,
    flight: SingleFlight<P::Credential>,
}

/// Valid credentials for one profile, renewed before they expire. Cheap to clone; clones
/// share state.
pub struct SessionManager<P: Provider> {
    inner: Arc<Inner<P>>,
}

impl<P: Provider> Clone for SessionManager<P> {
    fn clone(&self) -> Self {
        SessionManager {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<P: Provider> std::fmt::Debug for SessionManager<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionManager")
            .field("profile", &self.inner.profile)
            .field("store", &self.inner.store)
            .field("margin", &self.inner.margin)
            .finish_non_exhaustive()
    }
}

impl<P: Provider> SessionManager<P> {
    /// A manager for `profile` in `store`, renewing with `provider`, 5 minutes before expiry,
    /// on the system clock.
    pub fn new(store: SessionStore, profile: impl Into<String>, provider: P) -> Self {
        Self::build(
            store,
            profile.into(),
            provider,
            crate::clock::system(),
            DEFAULT_MARGIN,
        )
    }

    /// The same manager with another renewal margin.
    pub fn with_margin(self, margin: Duration) -> Self {
        self.rebuild(|inner| (inner.clock.clone(), margin))
    }

    /// The same manager with an injected clock (tests).
    pub fn with_clock(self, clock: SharedClock) -> Self {
        self.rebuild(|inner| (clock, inner.margin))
    }

    fn rebuild(self, f: impl FnOnce(&Inner<P>) -> (SharedClock, Duration)) -> Self {
        let (clock, margin) = f(&self.inner);
        match Arc::try_unwrap(self.inner) {
            Ok(inner) => Self::build(inner.store, inner.profile, inner.provider, clock, margin),
            Err(_) => panic!("configure the SessionManager before cloning it"),
        }
    }

    fn build(
        store: SessionStore,
        profile: String,
        provider: P,
        clock: SharedClock,
        margin: Duration,
    ) -> Self {
        SessionManager {
            inner: Arc::new(Inner {
                store,
                entry: format!("{profile}{}", P::ENTRY_SUFFIX),
                profile,
                provider,
                clock,
                margin,
                flight: SingleFlight::new(),
            }),
        }
    }

    /// The profile this manager serves.
    pub fn profile(&self) -> &str {
        &self.inner.profile
    }

    /// The profile's entry in the store (the profile's name, plus the provider's
    /// [`Provider::ENTRY_SUFFIX`]), as [`SessionStore::path`] takes it.
    pub fn entry(&self) -> &str {
        &self.inner.entry
    }

    /// The provider (e.g. to reach its client).
    pub fn provider(&self) -> &P {
        &self.inner.provider
    }

    /// The provider, by the name it had when it only renewed: [`SessionManager::provider`].
    pub fn renewer(&self) -> &P {
        &self.inner.provider
    }

    /// Whether the cached credential can be renewed without the user now
    /// ([`Provider::can_renew`]); `false` without one or with an unusable cache file.
    pub fn can_renew(&self) -> bool {
        matches!(self.cached(), Ok(Some(c)) if self.inner.provider.can_renew(&c))
    }

    /// The cached credential as it is, without renewing it or touching the network.
    ///
    /// # Errors
    /// [`Error::Cache`] for an unusable cache file.
    pub fn cached(&self) -> Result<Option<P::Credential>> {
        self.inner
            .flight
            .load_if_empty(|| self.inner.store.load(&self.inner.entry))
    }

    /// Stores a credential just obtained (a new sign-in) and serves it from now on. It takes
    /// the profile's lock, so it waits for a renewal in progress (in any process) to finish
    /// and is not overwritten by it. Blocking, as [`SessionManager::lock`].
    ///
    /// # Errors
    /// [`Error::Cache`] when it cannot be saved or the lock cannot be taken.
    pub fn replace(&self, credential: P::Credential) -> Result<()> {
        self.lock()?.replace(credential)
    }

    /// Takes the profile's cross-process lock, waiting for a renewal in progress (in any
    /// process) to finish; no renewal, sign-in or sign-out of the profile starts until the
    /// returned guard is dropped. Blocking: in async code call it from `spawn_blocking`. While
    /// the guard lives, this process must not call [`SessionManager::current`] or
    /// [`SessionManager::renew_now`] (they would wait for the guard): use
    /// [`LockedSession::valid`].
    ///
    /// # Errors
    /// [`Error::Cache`] when the lock file cannot be created or locked.
    pub fn lock(&self) -> Result<LockedSession<P>> {
        let lock = self.inner.store.lock(&self.inner.entry)?;
        Ok(LockedSession {
            manager: self.clone(),
            _lock: lock,
        })
    }

    /// A credential valid for at least the margin, renewed first when needed. Concurrent
    /// callers share one renewal and its outcome; after a failure the next call tries again.
    ///
    /// # Errors
    /// [`Error::NotSignedIn`] without a cached credential; [`Error::SignInAgain`] when it
    /// cannot be renewed; [`Error::Cache`]; the provider's service errors (unless the current
    /// credential is still valid, which is then handed out with a warning).
    pub async fn current(&self) -> Result<P::Credential> {
        if self.cached()?.is_none() {
            return Err(Error::NotSignedIn {
                profile: self.inner.profile.clone(),
            });
        }
        let inner = Arc::clone(&self.inner);
        self.inner
            .flight
            .get(
                |c| is_fresh(&self.inner, c),
                |c| !self.is_expired(c),
                move |seen| {
                    let seen = seen.ok_or_else(|| Error::NotSignedIn {
                        profile: inner.profile.clone(),
                    })?;
                    Ok(renew_under_lock(inner, seen, false).boxed())
                },
            )
            .await
    }

    /// Renews now, whatever the expiry (the `refresh` command).
    ///
    /// # Errors
    /// As [`SessionManager::current`].
    pub async fn renew_now(&self) -> Result<P::Credential> {
        let current = self.cached()?.ok_or_else(|| Error::NotSignedIn {
            profile: self.inner.profile.clone(),
        })?;
        let renewed = renew_under_lock(Arc::clone(&self.inner), current, true).await?;
        self.inner.flight.set(Some(renewed.clone()));
        Ok(renewed)
    }

    fn is_expired(&self, c: &P::Credential) -> bool {
        c.expires_at()
            .is_some_and(|at| at <= self.inner.clock.now())
    }
}

fn is_fresh<P: Provider>(inner: &Inner<P>, c: &P::Credential) -> bool {
    match c.expires_at() {
        None => true,
        Some(at) => at > inner.clock.now() + inner.margin,
    }
}

/// A profile's credential while this process holds the profile's lock (from
/// [`SessionManager::lock`]); the lock is released on drop.
pub struct LockedSession<P: Provider> {
    manager: SessionManager<P>,
    _lock: ProfileLock,
}

impl<P: Provider> std::fmt::Debug for LockedSession<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LockedSession")
            .field("profile", &self.manager.inner.profile)
            .finish_non_exhaustive()
    }
}

impl<P: Provider> LockedSession<P> {
    /// The credential as stored now (what a renewal that finished while we waited left).
    ///
    /// # Errors
    /// [`Error::Cache`] for an unusable cache file.
    pub fn stored(&self) -> Result<Option<P::Credential>> {
        let inner = &self.manager.inner;
        inner.store.load(&inner.entry)
    }

    /// The stored credential, renewed first (and stored) when it is within the margin of its
    /// expiry.
    ///
    /// # Errors
    /// As [`SessionManager::current`], except that a failed renewal is always an error.
    pub async fn valid(&self) -> Result<P::Credential> {
        let inner = &self.manager.inner;
        let current = self.stored()?.ok_or_else(|| Error::NotSignedIn {
            profile: inner.profile.clone(),
        })?;
        if is_fresh(inner, &current) {
            return Ok(current);
        }
        let renewed = inner.provider.renew(&current).await?;
        inner.store.save(&inner.entry, &renewed)?;
        inner.flight.set(Some(renewed.clone()));
        Ok(renewed)
    }

    /// Stores a credential just obtained (a new sign-in) and serves it from now on.
    ///
    /// # Errors
    /// [`Error::Cache`] when it cannot be saved.
    pub fn replace(&self, credential: P::Credential) -> Result<()> {
        let inner = &self.manager.inner;
        inner.store.save(&inner.entry, &credential)?;
        inner.flight.set(Some(credential));
        Ok(())
    }

    /// Removes the stored credential (sign-out) and stops serving it; `false` when there was
    /// none.
    ///
    /// # Errors
    /// [`Error::Cache`] when the file cannot be removed.
    pub fn remove(&self) -> Result<bool> {
        let inner = &self.manager.inner;
        let removed = inner.store.remove(&inner.entry)?;
        inner.flight.set(None);
        Ok(removed)
    }
}

/// One renewal: take the profile's file lock, look at what is on disk now (another process
/// may have renewed while we waited), renew only if still needed (or `force`d), store,
/// release.
async fn renew_under_lock<P: Provider>(
    inner: Arc<Inner<P>>,
    seen: P::Credential,
    force: bool,
) -> Result<P::Credential> {
    let store = inner.store.clone();
    let entry = inner.entry.clone();
    let lock = tokio::task::spawn_blocking(move || store.lock(&entry))
        .await
        .map_err(|e| Error::cache_because(inner.store.dir(), "lock task failed", e))??;
    let on_disk: Option<P::Credential> = inner.store.load(&inner.entry)?;
    let current = on_disk.ok_or_else(|| Error::NotSignedIn {
        profile: inner.profile.clone(),
    })?;
    let renewed_elsewhere = current.expires_at() > seen.expires_at()
        && current
            .expires_at()
            .is_some_and(|at| at > inner.clock.now());
    if (!force && is_fresh(&inner, &current)) || renewed_elsewhere {
        tracing::debug!("another process renewed the credential; using its result");
        return Ok(current);
    }
    tracing::debug!(profile = %inner.profile, "renewing");
    let renewed = inner.provider.renew(&current).await?;
    // Store before handing out: a rotated refresh token must never exist only in memory.
    inner.store.save(&inner.entry, &renewed)?;
    drop(lock);
    Ok(renewed)
}
