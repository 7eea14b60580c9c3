//! What the binary adds to the library's errors: the `ul-auth` command that fixes them, and
//! usage errors naming the flag that was misused. It imports no other cli module.

use unleashlive_auth::Error;

/// A "sign in again" error with the command that does it.
pub fn with_login_hint(e: Error, profile: &str) -> Error {
    match e {
        Error::SignInAgain { reason } => Error::SignInAgain {
            reason: format!("{reason}; run `ul-auth --profile {profile} login`"),
        },
        other => other,
    }
}

/// A usage error (exit 2) naming what was misused.
pub fn usage(setting: &str, reason: String) -> anyhow::Error {
    Error::Config {
        setting: setting.into(),
        reason,
    }
    .into()
}
