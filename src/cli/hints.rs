//! What `ul-auth` adds to a library error: the command or variable that fixes it.
//!
//! The library says what is wrong in its own terms (a profile, a session, a setting) and never
//! names a command or an environment variable of this CLI, since other programs use it too.
//! This is the one place that maps an error to the `ul-auth` way out of it.

use std::error::Error as StdError;

use unleashlive_auth::Error;
use unleashlive_auth::api::analytics::REFUSED_HINT;
use unleashlive_auth::api::analytics::pull::STOPPED_EARLIER;
use unleashlive_auth::aws::identity::PoolInDoubt;
use unleashlive_auth::config::env;
use unleashlive_auth::credentials::pat;
use unleashlive_auth::credentials::provider::CREDENTIAL;
use unleashlive_auth::credentials::store::OtherProvider;
use unleashlive_auth::doctor::Advice;
use unleashlive_auth::providers::unith;

use super::args::setting_hint;
use super::secrets;

/// A usage error (exit 2) naming what was misused.
pub fn usage(setting: &str, reason: String) -> anyhow::Error {
    Error::Config {
        setting: setting.into(),
        reason,
    }
    .into()
}

/// The hint for `err`, if anything in its chain has one. `profile` is the profile the command
/// ran for.
pub fn for_error(err: &anyhow::Error, profile: &str) -> Option<String> {
    err.chain().find_map(|e| for_one(e, profile))
}

fn for_one(e: &(dyn StdError + 'static), profile: &str) -> Option<String> {
    if e.downcast_ref::<PoolInDoubt>().is_some() {
        return Some(format!("check {}", env::IDENTITY_POOL_ID));
    }
    if let Some(other) = e.downcast_ref::<OtherProvider>() {
        let stored = &other.stored;
        return Some(format!(
            "select that provider (--provider {stored}), use another profile, or remove it with \
             `ul-auth{} --provider {stored} logout`",
            profile_flag(profile)
        ));
    }
    Some(match e.downcast_ref::<Error>()? {
        Error::NotSignedIn { .. } => format!("run `ul-auth{} login`", profile_flag(profile)),
        Error::SignInAgain { reason } if reason.contains(unith::NO_KEY_TO_RENEW) => format!(
            "set {}, or run `ul-auth --profile {profile} login --remember`",
            secrets::UNITH_SECRET_KEY
        ),
        Error::SignInAgain { .. } => format!("run `ul-auth --profile {profile} login`"),
        Error::Config { setting, .. } if setting == unith::SECRET_KEY_SETTING => format!(
            "set {}, pass --secret-key-stdin, or type it at the prompt",
            secrets::UNITH_SECRET_KEY
        ),
        Error::PasswordResetRequired => format!(
            "run `ul-auth password forgot`, then `ul-auth password confirm` with the code it \
             sends (typed when asked, in {}, or on standard input with `--code -`)",
            secrets::RESET_CODE
        ),
        Error::UnknownClient { .. } => {
            format!("check {} / {}", env::CLIENT_ID, env::USER_POOL_ID)
        }
        Error::UnknownIdentityPool { .. } => format!("check {}", env::IDENTITY_POOL_ID),
        Error::File { reason, .. } if reason.starts_with(STOPPED_EARLIER) => {
            "add --resume to continue it".into()
        }
        Error::Config { setting, .. } if setting == CREDENTIAL => format!(
            "set {} to a personal access token, store one with `ul-auth pat set`, or give a \
             legacy key in {}",
            pat::ENV_VAR,
            secrets::API_KEY
        ),
        Error::NotAuthorized { message } if message.ends_with(REFUSED_HINT) => format!(
            "a legacy key belongs in {} (or `--api-key -`, on standard input), not in {}",
            secrets::API_KEY,
            pat::ENV_VAR
        ),
        _ => return None,
    })
}

/// The doctor's advice in `ul-auth`'s words.
pub fn doctor_words(advice: Advice) -> String {
    match advice {
        Advice::SignIn => "run `ul-auth login`".into(),
        Advice::SignInWithPassword => "sign in with `ul-auth login --flow password`".into(),
        Advice::Refresh => "`ul-auth refresh` (or doctor --refresh)".into(),
        Advice::AskForRefresh => "`ul-auth doctor --refresh`".into(),
        Advice::GiveFolder => "`--folder ID`".into(),
        Advice::GiveToken => format!(
            "set {} to a personal access token or store one with `ul-auth pat set`",
            pat::ENV_VAR
        ),
        Advice::Setting(key) => setting_variable(key).map_or_else(|| advice.plain(), Into::into),
        _ => advice.plain(),
    }
}

/// The variable that sets the setting of config-file key `key`.
fn setting_variable(key: &str) -> Option<&'static str> {
    Some(match key {
        "region" => env::REGION,
        "user_pool_id" => env::USER_POOL_ID,
        "client_id" => env::CLIENT_ID,
        "identity_pool_id" => env::IDENTITY_POOL_ID,
        "jwks_url" => env::JWKS_URL,
        "graphql_url" => env::GRAPHQL_URL,
        "api_url" => env::API_URL,
        _ => return None,
    })
}

/// ` --profile NAME`, or nothing for the default profile.
fn profile_flag(profile: &str) -> String {
    if profile == "default" {
        String::new()
    } else {
        format!(" --profile {profile}")
    }
}

/// The error and its causes on one line, outermost first, then the hint if there is one.
/// Errors quote what servers said (GraphQL messages, excerpts, device ids): whatever in them
/// a terminal would act on is shown escaped.
pub fn render(err: &anyhow::Error, profile: &str) -> String {
    // An invalid setting also says how to set it here (its flag and variable).
    let shown: Vec<String> = err
        .chain()
        .map(|e| match e.downcast_ref::<Error>().and_then(setting_hint) {
            Some(hint) => format!("{e} {hint}"),
            None => e.to_string(),
        })
        .collect();
    let mut line = shown.join(": ");
    if let Some(hint) = for_error(err, profile) {
        line.push_str("; ");
        line.push_str(&hint);
    }
    unleashlive_auth::text::terminal_safe(&line).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn not_signed_in(profile: &str) -> anyhow::Error {
        anyhow::Error::new(Error::NotSignedIn {
            profile: profile.into(),
        })
        .context("reading the session")
    }

    #[test]
    fn a_library_error_gets_the_command_that_fixes_it_for_its_profile() {
        assert_eq!(
            render(&not_signed_in("default"), "default"),
            "reading the session: not signed in (profile default); run `ul-auth login`"
        );
        assert!(
            render(&not_signed_in("work"), "work").ends_with("run `ul-auth --profile work login`")
        );
        let again = anyhow::Error::new(Error::SignInAgain {
            reason: "the refresh token was revoked".into(),
        });
        assert_eq!(
            render(&again, "default"),
            "sign in again: the refresh token was revoked; run `ul-auth --profile default login`"
        );
    }

    #[test]
    fn settings_are_named_as_the_cli_takes_them() {
        let pool = anyhow::Error::new(Error::UnknownIdentityPool {
            identity_pool_id: "eu-west-1:x".into(),
            message: "not found".into(),
        });
        assert!(render(&pool, "default").ends_with("; check UL_IDENTITY_POOL_ID"));
        let reset = anyhow::Error::new(Error::PasswordResetRequired);
        let shown = render(&reset, "default");
        assert!(
            shown.contains("`ul-auth password forgot`") && shown.contains("UL_RESET_CODE"),
            "{shown}"
        );
    }

    #[test]
    fn the_doctor_names_settings_by_their_variables() {
        assert_eq!(
            doctor_words(Advice::Setting("graphql_url")),
            "UL_GRAPHQL_URL"
        );
        assert_eq!(doctor_words(Advice::SignIn), "run `ul-auth login`");
        assert!(doctor_words(Advice::GiveToken).contains("UL_API_TOKEN"));
    }

    #[test]
    fn an_invalid_setting_says_which_flags_and_variables_set_it() {
        let err = unleashlive_auth::Settings::default()
            .api_url("http://api.example.com")
            .resolve()
            .unwrap_err();
        let shown = render(&anyhow::Error::new(err), "default");
        for needle in [
            "api_url",
            "--api-url",
            "UL_API_URL",
            "--allow-http",
            "UL_ALLOW_HTTP=1",
        ] {
            assert!(shown.contains(needle), "{needle}: {shown}");
        }
        let usage = usage("--folder", "no such item".into());
        assert_eq!(render(&usage, "default"), "invalid --folder: no such item");
    }

    #[test]
    fn an_error_without_a_hint_is_shown_as_it_is() {
        let err = anyhow::Error::new(Error::CodeMismatch);
        assert_eq!(render(&err, "default"), Error::CodeMismatch.to_string());
        assert_eq!(for_error(&err, "default"), None);
    }

    #[test]
    fn an_error_quoting_a_server_shows_its_escape_sequences_escaped() {
        let err = anyhow::Error::new(Error::Service {
            code: "errors".into(),
            message: "name \u{1b}]0;owned\u{7} \u{202e}gpj.exe".into(),
            source: None,
        })
        .context("listing");
        let shown = render(&err, "default");
        assert!(
            !shown.contains('\u{1b}') && !shown.contains('\u{202e}'),
            "{shown:?}"
        );
        assert!(
            shown.contains("\\u{1b}") && shown.starts_with("listing: "),
            "{shown}"
        );
    }

    #[test]
    fn the_causes_of_an_error_are_shown_after_it() {
        let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "denied");
        let err = anyhow::Error::new(Error::File {
            path: "/tmp/x".into(),
            reason: "cannot read".into(),
            source: Some(io.into()),
        });
        assert_eq!(render(&err, "default"), "/tmp/x: cannot read: denied");
    }
}
