//! The library's one error type.
//!
//! Every Cognito exception a person can meet maps to its own variant with a message that says
//! what happened. Messages never contain a secret: variants carry only server-provided
//! messages (which never echo passwords or tokens), setting names and paths. They speak of
//! the library's own terms (a profile, a session, a setting), never of a command or an
//! environment variable of the `ul-auth` CLI, which adds its own hints.
//!
//! An underlying error (I/O, JSON, the HTTP client, the AWS SDK) is kept as the `source()`
//! of the error, as a [`Cause`], rather than flattened into its message: walk the chain (or
//! use `{:#}` with anyhow, or [`chain`]) to show it. It is never an error that could carry a
//! secret, such as a request with a password in its body or a URL with a token in its query.

mod cause;
mod constructors;
pub(crate) mod token;

use std::path::PathBuf;

pub use cause::{Cause, chain};

/// Everything that can go wrong in this library. `Clone`, so one failed refresh can be
/// reported to every caller that waited for it.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A configuration value is missing or malformed.
    #[error("invalid {setting}: {reason}")]
    Config {
        /// Which setting: a settings-table entry's config-file key
        /// ([`Setting`](crate::config::Setting)), or the name of another input.
        setting: SettingName,
        /// What is wrong with it.
        reason: String,
    },

    /// The username or password is wrong.
    #[error("incorrect username or password")]
    IncorrectCredentials,

    /// The account exists but an administrator disabled it.
    #[error("this user is disabled; ask your Unleash Live administrator to enable it")]
    UserDisabled,

    /// No user with that name in this user pool.
    #[error("no such user in this user pool (is the e-mail right, and is this the right pool?)")]
    UserNotFound,

    /// The user signed up but never confirmed the account.
    #[error("this user has not confirmed the account yet (check the confirmation e-mail)")]
    UserNotConfirmed,

    /// An administrator requires a password reset before the next sign-in.
    #[error(
        "a password reset is required before signing in: ask for a reset code, then set a new \
         password with it"
    )]
    PasswordResetRequired,

    /// Cognito throttled the request or the account has too many failed attempts.
    #[error("too many requests: {message}; wait a little and try again")]
    Throttled {
        /// Cognito's message.
        message: String,
    },

    /// The app client does not allow the requested authentication flow.
    #[error("the app client does not allow the {flow} flow: {message}")]
    FlowNotEnabled {
        /// The flow that was refused (e.g. `USER_PASSWORD_AUTH`).
        flow: String,
        /// Cognito's message.
        message: String,
    },

    /// The app client id or user pool does not exist.
    #[error("unknown app client or user pool: {message}")]
    UnknownClient {
        /// Cognito's message.
        message: String,
    },

    /// Cognito answered with a challenge that the caller has not answered.
    #[error("Cognito asks for {challenge}, which was not answered")]
    ChallengeRequired {
        /// The challenge name, e.g. `NEW_PASSWORD_REQUIRED`.
        challenge: String,
    },

    /// The MFA or verification code is wrong.
    #[error("the code is wrong (check it, or start again for a new one)")]
    CodeMismatch,

    /// The MFA or verification code has expired.
    #[error("the code has expired or was already used; ask for a new one")]
    CodeExpired,

    /// The new password does not meet the pool's password policy.
    #[error("the new password was refused: {message}")]
    InvalidPassword {
        /// Cognito's message (the policy it failed).
        message: String,
    },

    /// Cognito no longer knows the remembered device (forgotten elsewhere).
    #[error("Cognito no longer knows this device; it will be forgotten here too")]
    DeviceNotFound,

    /// The answer given does not fit the challenge asked.
    #[error("{0}")]
    InvalidAnswer(String),

    /// No cached session for this profile.
    #[error("not signed in (profile {profile})")]
    NotSignedIn {
        /// The profile name.
        profile: String,
    },

    /// The session can no longer be used (expired or revoked); a new sign-in is needed.
    #[error("sign in again: {reason}")]
    SignInAgain {
        /// Why the session is unusable.
        reason: String,
    },

    /// Cognito refused the request as not authorized, for a reason not covered above.
    #[error("not authorized: {message}")]
    NotAuthorized {
        /// Cognito's message.
        message: String,
    },

    /// A token could not be decoded or failed a check.
    #[error("invalid token: {reason}")]
    InvalidToken {
        /// What is wrong with it.
        reason: String,
        /// The decoding error, if there was one.
        #[source]
        source: Option<Cause>,
    },

    /// Token verification refused the token; the [`Rejection`](crate::token::verify::Rejection)
    /// says why.
    #[error("token rejected: {0}")]
    TokenRejected(token::Rejection),

    /// The user pool's signing keys (JWKS) could not be fetched or read; the
    /// [`JwksError`](crate::token::jwks::JwksError), this error's source, says why.
    #[error("cannot get the user pool's signing keys from {}", .0.source_name)]
    Jwks(#[source] token::JwksError),

    /// The endpoint could not be reached (DNS, connection refused, TLS).
    #[error("cannot reach {endpoint}: {reason}")]
    Unreachable {
        /// The service endpoint.
        endpoint: String,
        /// What failed, in a few words.
        reason: String,
        /// The transport's error, if there was one.
        #[source]
        source: Option<Cause>,
    },

    /// The call did not finish within its time limit.
    #[error("{endpoint} did not answer in time: {reason}")]
    Timeout {
        /// The service endpoint.
        endpoint: String,
        /// Which limit was hit.
        reason: String,
    },

    /// The service answered with an error this library does not map more precisely.
    #[error("service error {code}: {message}")]
    Service {
        /// The error code (e.g. an AWS exception name).
        code: String,
        /// The service's message.
        message: String,
        /// The client's error, if there was one.
        #[source]
        source: Option<Cause>,
    },

    /// The service answered something that does not follow its documented shape.
    #[error("unexpected response from the service: {message}")]
    UnexpectedResponse {
        /// What was expected and what came instead.
        message: String,
        /// The decoding error, if there was one.
        #[source]
        source: Option<Cause>,
    },

    /// The session cache could not be read or written.
    #[error("session cache {path}: {reason}")]
    Cache {
        /// The cache file or directory.
        path: PathBuf,
        /// What went wrong.
        reason: String,
        /// The I/O or decoding error, if there was one.
        #[source]
        source: Option<Cause>,
    },

    /// The SRP computation failed (bad server values, no randomness); the cause says which.
    #[error("the SRP computation failed")]
    Srp(#[source] Cause),

    /// The identity pool does not exist (wrong id, or another account or region).
    #[error("unknown identity pool {identity_pool_id}: {message}")]
    UnknownIdentityPool {
        /// The identity pool id that was asked for.
        identity_pool_id: String,
        /// The service's message.
        message: String,
    },

    /// The ID token had expired when it was presented; refreshing the session fixes it.
    #[error("the ID token has expired ({message}); refresh the session and try again")]
    TokenExpired {
        /// What the service (or the local clock check) said.
        message: String,
    },

    /// An HTTP API answered with a status other than 2xx (after any retries). The excerpt is
    /// the start of the body, never a header or a token.
    #[error("{endpoint} answered HTTP {status}{}: {excerpt}", attempts_note(*.attempts))]
    Http {
        /// The URL called, without its query.
        endpoint: String,
        /// The HTTP status.
        status: u16,
        /// How many attempts were made.
        attempts: u32,
        /// The start of the response body, control characters removed.
        excerpt: String,
    },

    /// A GraphQL API answered with `errors[]` (also on HTTP 200).
    #[error("GraphQL error: {}", .messages.join("; "))]
    Graphql {
        /// Every error message, in the order the service sent them.
        messages: Vec<String>,
    },

    /// A call that changes something (a mutation, a token minted, an e-mail sent) went out,
    /// and then its answer was a server error, or was lost with the connection: it may or may
    /// not have been carried out. Such calls are never repeated by themselves.
    #[error(
        "{endpoint}: the outcome is unknown, the change may or may not have been made \
         ({reason}); {check} before trying again"
    )]
    OutcomeUnknown {
        /// The URL called, without its query.
        endpoint: String,
        /// What happened after the request was sent.
        reason: String,
        /// How to find out (e.g. the command that shows the item).
        check: String,
        /// The transport's error, if there was one.
        #[source]
        source: Option<Cause>,
    },

    /// The server answered with a redirect this client does not follow: to another origin
    /// while the request carried a credential, or from https to http. Nothing was sent there.
    #[error(
        "refused to follow the redirect from {from} to {to}: credentials are sent only to the \
         server they are meant for, and never over plain http (check the URL setting)"
    )]
    RedirectRefused {
        /// The URL that answered with the redirect.
        from: String,
        /// Where it pointed.
        to: String,
    },

    /// A local file cannot be used as asked (missing, unreadable, or a name that cannot be
    /// used).
    #[error("{path}: {reason}")]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
        /// The I/O error, if there was one.
        #[source]
        source: Option<Cause>,
    },
}

/// Broad classes of errors, for exit codes and retry decisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorClass {
    /// Bad configuration or usage.
    Usage,
    /// Bad credentials, no session, unanswered challenge: a person must act.
    Authentication,
    /// The service or the network failed.
    Service,
    /// Anything else (local I/O, bugs).
    Other,
}

impl Error {
    /// Which broad class this error belongs to.
    pub fn class(&self) -> ErrorClass {
        match self {
            Error::Config { .. } | Error::File { .. } => ErrorClass::Usage,
            Error::IncorrectCredentials
            | Error::UserDisabled
            | Error::UserNotFound
            | Error::UserNotConfirmed
            | Error::PasswordResetRequired
            | Error::ChallengeRequired { .. }
            | Error::NotSignedIn { .. }
            | Error::SignInAgain { .. }
            | Error::NotAuthorized { .. }
            | Error::InvalidToken { .. }
            | Error::TokenRejected(_)
            | Error::FlowNotEnabled { .. }
            | Error::UnknownClient { .. }
            | Error::CodeMismatch
            | Error::CodeExpired
            | Error::InvalidPassword { .. }
            | Error::InvalidAnswer(_)
            | Error::Srp(_)
            | Error::DeviceNotFound
            | Error::UnknownIdentityPool { .. }
            | Error::TokenExpired { .. } => ErrorClass::Authentication,
            Error::Throttled { .. }
            | Error::Unreachable { .. }
            | Error::Timeout { .. }
            | Error::Service { .. }
            | Error::UnexpectedResponse { .. }
            | Error::Jwks(_)
            | Error::OutcomeUnknown { .. }
            | Error::RedirectRefused { .. } => ErrorClass::Service,
            Error::Cache { .. } => ErrorClass::Other,
            Error::Http {
                status: 401 | 403, ..
            } => ErrorClass::Authentication,
            Error::Http { .. } | Error::Graphql { .. } => ErrorClass::Service,
        }
    }

    /// For [`Error::OutcomeUnknown`], says how to find out what happened (`check`, e.g.
    /// "look the item up with `media-drive get ID`"); other errors are returned unchanged.
    #[must_use]
    pub fn with_check(self, check: impl Into<String>) -> Self {
        match self {
            Error::OutcomeUnknown {
                endpoint,
                reason,
                source,
                ..
            } => Error::OutcomeUnknown {
                endpoint,
                reason,
                check: check.into(),
                source,
            },
            other => other,
        }
    }
}

/// What an [`Error::Config`] is about: the config-file key of a settings-table entry (see
/// [`Setting`](crate::config::Setting), which converts into one and back with
/// [`Setting::from_key`](crate::config::Setting::from_key)), or the name of another input (an
/// argument, a file). Only a name, so this bottom layer depends on nothing above it; a program
/// that knows how its users set a setting (a flag, a variable) can look the name up and say so.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SettingName(std::borrow::Cow<'static, str>);

impl SettingName {
    /// A name known at compile time.
    pub const fn new_static(name: &'static str) -> Self {
        SettingName(std::borrow::Cow::Borrowed(name))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for SettingName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for SettingName {
    fn from(name: &str) -> Self {
        SettingName(std::borrow::Cow::Owned(name.to_owned()))
    }
}

impl From<String> for SettingName {
    fn from(name: String) -> Self {
        SettingName(std::borrow::Cow::Owned(name))
    }
}

impl PartialEq<str> for SettingName {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

/// The advice of an [`Error::OutcomeUnknown`] when the caller gives none.
pub(crate) const DEFAULT_CHECK: &str = "check whether it took effect";

fn attempts_note(attempts: u32) -> String {
    if attempts > 1 {
        format!(" after {attempts} attempts")
    } else {
        String::new()
    }
}

/// This library's `Result`.
pub type Result<T, E = Error> = std::result::Result<T, E>;
