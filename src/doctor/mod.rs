//! `ul-auth doctor`: read-only probes of every flow against the configured endpoints
//! (production by default), one [`Check`] each, saying what the real service answers and, for
//! Media Drive, how its schema differs from what this crate sends. One run against production
//! tells a maintainer which guess about the wire was wrong.
//!
//! Nothing here changes anything on the server except [`Doctor::refresh`] (opt-in): no real
//! account is signed in to (the flow probe uses a made-up user), no item is written.
//! Checks never carry a token, key or password: only names, counts, shapes and messages.

use std::time::{Duration, Instant};

use crate::CognitoSessions;
use crate::api::auth::Auth;
use crate::api::http::HttpClient;
use crate::clock::{self, SharedClock};
use crate::config::Config;
use crate::error::{Error, ErrorClass};

mod advice;
mod api_probes;
mod probes;
mod schema;
mod shape;

pub use advice::Advice;
pub use schema::Schema;

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Works as we expect.
    Ok,
    /// Does not work, or differs from what we send.
    Fail,
    /// Not run (nothing to run it with, or not asked for).
    Skip,
}

impl Status {
    /// `ok`, `fail` or `skip`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Fail => "fail",
            Status::Skip => "skip",
        }
    }
}

/// One row of the report.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Check {
    /// What was probed (`cognito`, `graphql-schema`, ...).
    pub name: String,
    /// How it came out.
    pub status: Status,
    /// What the service answered; for a failure, also what to do.
    pub detail: String,
    /// How long it took.
    pub ms: u64,
    /// For a failure, its class (authentication, service, ...), for the exit code.
    pub class: Option<ErrorClass>,
}

impl Check {
    /// A check that passed.
    pub fn ok(name: impl Into<String>, detail: impl Into<String>) -> Check {
        Check::new(name, Status::Ok, detail.into(), None)
    }

    /// A check that was not run, and why.
    pub fn skip(name: impl Into<String>, detail: impl Into<String>) -> Check {
        Check::new(name, Status::Skip, detail.into(), None)
    }

    /// A check that failed with `error`; `fix` says what to do.
    pub fn fail(name: impl Into<String>, error: &Error, fix: &str) -> Check {
        let shown = crate::error::chain(error);
        let detail = if fix.is_empty() {
            shown
        } else {
            format!("{shown} (to fix: {fix})")
        };
        Check::new(name, Status::Fail, detail, Some(error.class()))
    }

    /// A failure that is not an [`Error`] (the service answered, but not as we send).
    pub fn differs(name: impl Into<String>, detail: impl Into<String>) -> Check {
        Check::new(name, Status::Fail, detail.into(), Some(ErrorClass::Service))
    }

    fn new(
        name: impl Into<String>,
        status: Status,
        detail: String,
        class: Option<ErrorClass>,
    ) -> Check {
        Check {
            name: name.into(),
            status,
            detail,
            ms: 0,
            class,
        }
    }

    fn timed(mut self, since: Instant) -> Check {
        self.ms = u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX);
        self
    }
}

/// Runs the probes for one profile. Build it with [`Doctor::new`], add what is at hand.
#[derive(Debug, Clone)]
pub struct Doctor {
    config: Config,
    http: HttpClient,
    sessions: Option<CognitoSessions>,
    /// Why there is no session, for the rows that need one (`None`: not signed in).
    no_session: Option<String>,
    wording: advice::Wording,
    token: Option<Auth>,
    refresh: bool,
    folder: Option<String>,
    clock: SharedClock,
}

impl Doctor {
    /// Probes of `config`'s endpoints over `http`.
    pub fn new(config: Config, http: HttpClient) -> Doctor {
        Doctor {
            config,
            http,
            sessions: None,
            no_session: None,
            wording: advice::Wording::default(),
            token: None,
            refresh: false,
            folder: None,
            clock: clock::system(),
        }
    }

    /// The profile's cached Cognito session, for the session, identity and API checks. It is
    /// never refreshed unless [`Doctor::refresh`] asks for it.
    #[must_use]
    pub fn sessions(mut self, sessions: CognitoSessions) -> Doctor {
        self.sessions = Some(sessions.with_margin(Duration::ZERO));
        self
    }

    /// Why no session is given (e.g. the profile belongs to another provider), for the rows
    /// that need one.
    #[must_use]
    pub fn without_session(mut self, reason: impl Into<String>) -> Doctor {
        self.sessions = None;
        self.no_session = Some(reason.into());
        self
    }

    /// How the checks put their advice (sign in, check a setting) into words: a program
    /// names its own commands and variables. [`Advice::plain`] by default.
    #[must_use]
    pub fn wording(mut self, words: impl Fn(Advice) -> String + Send + Sync + 'static) -> Doctor {
        self.wording = advice::Wording(std::sync::Arc::new(words));
        self
    }

    /// `advice` in the words of [`Doctor::wording`].
    fn say(&self, advice: Advice) -> String {
        (self.wording.0)(advice)
    }

    /// Why the rows that need a session have none.
    fn no_session(&self) -> String {
        match &self.no_session {
            Some(reason) => reason.clone(),
            None => format!("not signed in: {}", self.say(Advice::SignIn)),
        }
    }

    /// A personal access token or API key: the analytics check, and the API checks when no
    /// session is usable.
    #[must_use]
    pub fn token(mut self, auth: Auth) -> Doctor {
        self.token = Some(auth);
        self
    }

    /// Also refresh the session (it replaces the cached tokens) to prove the refresh token.
    #[must_use]
    pub fn refresh(mut self, refresh: bool) -> Doctor {
        self.refresh = refresh;
        self
    }

    /// Also read this Media Drive folder (a `get` and one `list` page).
    #[must_use]
    pub fn folder(mut self, folder: Option<String>) -> Doctor {
        self.folder = folder;
        self
    }

    /// The clock (the flights check lists the last day).
    #[must_use]
    pub fn clock(mut self, clock: SharedClock) -> Doctor {
        self.clock = clock;
        self
    }

    /// Every check, in order: `cognito`, `jwks`, `refresh`, `session`, `identity`, `graphql`,
    /// `graphql-schema`, `media-drive-folder`, `flights`, `jobs-tasks`, `analytics`.
    pub async fn run(&self) -> Vec<Check> {
        let mut checks = Vec::new();
        macro_rules! step {
            ($probe:expr) => {{
                let since = Instant::now();
                let check = $probe.await;
                tracing::debug!(check = %check.name, status = check.status.as_str(), "doctor");
                checks.push(check.timed(since));
            }};
        }
        step!(self.cognito());
        step!(self.jwks());
        step!(self.refresh_check());
        step!(self.session());
        step!(self.identity());
        step!(self.graphql());
        step!(self.graphql_schema());
        step!(self.media_drive_folder());
        step!(self.flights());
        step!(self.jobs_and_tasks());
        step!(self.analytics());
        checks
    }
}

/// The worst failure's class: service over authentication over usage over the rest; `None`
/// when nothing failed.
pub fn worst(checks: &[Check]) -> Option<ErrorClass> {
    let rank = |c: ErrorClass| match c {
        ErrorClass::Service => 3,
        ErrorClass::Authentication => 2,
        ErrorClass::Usage => 1,
        _ => 0,
    };
    checks
        .iter()
        .filter(|c| c.status == Status::Fail)
        .map(|c| c.class.unwrap_or(ErrorClass::Other))
        .max_by_key(|c| rank(*c))
}
