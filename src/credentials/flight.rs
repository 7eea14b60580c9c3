//! One value many callers share, renewed by one of them at a time: the single-flight core of
//! [`crate::SessionManager`] and [`crate::IdentityCredentials`], written once.

use std::sync::{Mutex, MutexGuard, PoisonError};

use futures_util::FutureExt as _;
use futures_util::future::{BoxFuture, Shared};

use crate::error::{Error, ErrorClass, Result};

type Flight<T> = Shared<BoxFuture<'static, Result<T>>>;

struct State<T> {
    current: Option<T>,
    flight: Option<Flight<T>>,
}

/// The current value and the renewal in flight, if any.
pub(crate) struct SingleFlight<T> {
    state: Mutex<State<T>>,
}

impl<T: Clone + Send + Sync + 'static> SingleFlight<T> {
    pub(crate) fn new() -> Self {
        SingleFlight {
            state: Mutex::new(State {
                current: None,
                flight: None,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // Plain data behind the lock: a panic elsewhere leaves nothing half-updated that
        // matters, so keep serving.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Replaces the current value (a new sign-in).
    pub(crate) fn set(&self, value: Option<T>) {
        self.lock().current = value;
    }

    /// Fills an empty current value from `load` (e.g. the cache on disk).
    pub(crate) fn load_if_empty(
        &self,
        load: impl FnOnce() -> Result<Option<T>>,
    ) -> Result<Option<T>> {
        let mut state = self.lock();
        if state.current.is_none() {
            state.current = load()?;
        }
        Ok(state.current.clone())
    }

    /// The current value when `fresh` holds for it; otherwise the outcome of the renewal
    /// `start` builds from the current value (or of the one already in flight, which
    /// concurrent callers share). A failed renewal is every waiter's error and clears the
    /// flight, so the next call tries again. When it failed for a service reason and the
    /// current value is still `usable`, that value is handed out with a warning.
    pub(crate) async fn get(
        &self,
        fresh: impl Fn(&T) -> bool,
        usable: impl Fn(&T) -> bool,
        start: impl FnOnce(Option<T>) -> Result<BoxFuture<'static, Result<T>>>,
    ) -> Result<T> {
        let (flight, seen) = {
            let mut state = self.lock();
            if let Some(current) = &state.current
                && fresh(current)
            {
                return Ok(current.clone());
            }
            let seen = state.current.clone();
            let flight = match &state.flight {
                Some(flight) => flight.clone(),
                None => {
                    let flight = start(seen.clone())?.shared();
                    state.flight = Some(flight.clone());
                    flight
                }
            };
            (flight, seen)
        };
        let outcome = flight.clone().await;
        {
            let mut state = self.lock();
            if state
                .flight
                .as_ref()
                .is_some_and(|f| Shared::ptr_eq(f, &flight))
            {
                state.flight = None;
                if let Ok(renewed) = &outcome {
                    state.current = Some(renewed.clone());
                }
            }
        }
        match outcome {
            // A credential inside the renewal margin still works: a failing service, or a
            // renewal that needs the user (no key at hand, a revoked refresh token), does not
            // take its last minutes away.
            Err(e)
                if (e.class() == ErrorClass::Service || matches!(e, Error::SignInAgain { .. }))
                    && seen.as_ref().is_some_and(&usable) =>
            {
                tracing::warn!(error = %crate::error::chain(&e), "could not renew; the current credential is still valid");
                seen.ok_or(e)
            }
            other => other,
        }
    }
}
