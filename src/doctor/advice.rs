//! What a check advises, in words the program running the doctor chooses: the library knows
//! what to do (sign in, check a setting), the program knows its own commands and variables.

use std::fmt;
use std::sync::Arc;

/// Something a check advises doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Advice {
    /// Sign in (a Cognito session is needed).
    SignIn,
    /// Sign in with the password flow (the app client does not allow SRP).
    SignInWithPassword,
    /// Renew the session with its refresh token.
    Refresh,
    /// Run the doctor again asking it to renew the session ([`Doctor::refresh`](super::Doctor::refresh)).
    AskForRefresh,
    /// Give a personal access token.
    GiveToken,
    /// Name a Media Drive folder to read ([`Doctor::folder`](super::Doctor::folder)).
    GiveFolder,
    /// Check a setting, named by its config-file key (`graphql_url`, `identity_pool_id`, ...).
    Setting(&'static str),
}

impl Advice {
    /// The advice in the library's own terms.
    pub fn plain(self) -> String {
        match self {
            Advice::SignIn => "sign in".into(),
            Advice::SignInWithPassword => "sign in with the password flow".into(),
            Advice::Refresh => "renewing the session".into(),
            Advice::AskForRefresh => "a doctor run with refresh asked for".into(),
            Advice::GiveToken => "give a personal access token".into(),
            Advice::GiveFolder => "a folder id given to read".into(),
            Advice::Setting(key) => format!("the {key} setting"),
        }
    }
}

/// How [`Advice`] is put into words; [`Advice::plain`] unless the program says otherwise.
#[derive(Clone)]
pub(super) struct Wording(pub(super) Arc<dyn Fn(Advice) -> String + Send + Sync>);

impl Default for Wording {
    fn default() -> Self {
        Wording(Arc::new(Advice::plain))
    }
}

impl fmt::Debug for Wording {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Wording")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plain_words_name_no_command_and_no_variable() {
        for advice in [
            Advice::SignIn,
            Advice::SignInWithPassword,
            Advice::Refresh,
            Advice::AskForRefresh,
            Advice::GiveToken,
            Advice::GiveFolder,
            Advice::Setting("graphql_url"),
        ] {
            let said = advice.plain();
            assert!(!said.contains("ul-auth") && !said.contains("UL_"), "{said}");
        }
        assert_eq!(Advice::Setting("api_url").plain(), "the api_url setting");
    }
}
