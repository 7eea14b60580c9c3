//! The crate's shorthands for making an [`Error`]: each fills in one variant's fields, with
//! the underlying error as its [`Cause`] where there is one.

use std::path::PathBuf;

use super::{Cause, Error, SettingName};

impl Error {
    pub(crate) fn config(setting: impl Into<SettingName>, reason: impl Into<String>) -> Self {
        Error::Config {
            setting: setting.into(),
            reason: reason.into(),
        }
    }

    /// An [`Error::Service`] for an exception the caller has no variant for.
    #[cfg_attr(not(feature = "cognito"), allow(dead_code))] // the AWS SDK callers
    pub(crate) fn service(code: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Service {
            code: code.into(),
            message: message.into(),
            source: None,
        }
    }

    pub(crate) fn invalid_token(reason: impl Into<String>) -> Self {
        Error::InvalidToken {
            reason: reason.into(),
            source: None,
        }
    }

    /// An [`Error::InvalidToken`] because `cause` could not be decoded.
    pub(crate) fn undecodable_token(reason: impl Into<String>, cause: impl Into<Cause>) -> Self {
        Error::InvalidToken {
            reason: reason.into(),
            source: Some(cause.into()),
        }
    }

    pub(crate) fn cache(path: impl Into<PathBuf>, reason: impl std::fmt::Display) -> Self {
        Error::Cache {
            path: path.into(),
            reason: reason.to_string(),
            source: None,
        }
    }

    /// An [`Error::Cache`] that `cause` (an I/O or decoding error) made: `what` failed.
    pub(crate) fn cache_because(
        path: impl Into<PathBuf>,
        what: impl Into<String>,
        cause: impl Into<Cause>,
    ) -> Self {
        Error::Cache {
            path: path.into(),
            reason: what.into(),
            source: Some(cause.into()),
        }
    }

    /// An [`Error::File`] that `cause` (an I/O error) made: `what` failed.
    pub(crate) fn file_because(
        path: impl Into<PathBuf>,
        what: impl Into<String>,
        cause: impl Into<Cause>,
    ) -> Self {
        Error::File {
            path: path.into(),
            reason: what.into(),
            source: Some(cause.into()),
        }
    }

    pub(crate) fn unexpected(message: impl Into<String>) -> Self {
        Error::UnexpectedResponse {
            message: message.into(),
            source: None,
        }
    }

    /// An [`Error::UnexpectedResponse`] that `cause` (a decoding error) made.
    pub(crate) fn unexpected_because(message: impl Into<String>, cause: impl Into<Cause>) -> Self {
        Error::UnexpectedResponse {
            message: message.into(),
            source: Some(cause.into()),
        }
    }

    /// An [`Error::Unreachable`] that the HTTP client's `cause` made.
    pub(crate) fn unreachable(
        endpoint: impl Into<String>,
        reason: impl Into<String>,
        cause: Option<Cause>,
    ) -> Self {
        Error::Unreachable {
            endpoint: endpoint.into(),
            reason: reason.into(),
            source: cause,
        }
    }
}
