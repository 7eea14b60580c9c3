//! `ul-auth pat set|status|forget`, and the one place that decides which analytics credential
//! a command uses: `--token-stdin`, `UL_API_TOKEN`, `UL_API_KEY` / `--api-key`, then the
//! profile's stored PAT.
//!
//! The stored PAT is the library's ([`unleashlive_auth::credentials::pat`]): `<profile>.pat` in the session
//! store (its own file and provider name, so it never clashes with the profile's Cognito
//! session), 0600, written atomically, the token in the OS keychain when there is one. It is
//! never printed: `status` shows the `ul_pat_` prefix and the last four characters.

use std::process::ExitCode;

use anyhow::{Result, bail};
use serde_json::json;
use unleashlive_auth::{ApiKey, Auth, AuthHeader, Error, PersonalAccessToken, credentials::pat};

use super::args::Output;
use super::ctx::Ctx;
use super::prompt::{self, Stdin};
use super::secrets::API_KEY;
use super::subargs::{CredArgs, PatCommand};

/// The prefix of every personal access token.
const PREFIX: &str = "ul_pat_";
/// The environment variable the official docs read a PAT from.
const TOKEN_ENV: &str = pat::ENV_VAR;

pub fn run(ctx: &Ctx, action: PatCommand) -> Result<ExitCode> {
    let store = ctx.store()?;
    match action {
        PatCommand::Set { token_stdin } => {
            let token = if token_stdin {
                let line = Stdin.secret_line("the personal access token")?;
                PersonalAccessToken::new(line.secret().trim())
            } else if prompt::interactive() {
                let typed = zeroize::Zeroizing::new(rpassword::prompt_password(
                    "Personal access token (ul_pat_...): ",
                )?);
                PersonalAccessToken::new(typed.trim())
            } else {
                bail!(Error::Config {
                    setting: "--token-stdin".into(),
                    reason: "no terminal to ask on: give the token on standard input with \
                             --token-stdin"
                        .into(),
                });
            };
            let token = checked(token)?;
            let path = pat::save(&store, &ctx.profile, &token)?;
            eprintln!(
                "Stored the personal access token of profile {} ({})",
                ctx.profile,
                path.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        PatCommand::Status => {
            let stored = pat::load(&store, &ctx.profile)?;
            let env_set = std::env::var_os(TOKEN_ENV).is_some_and(|v| !v.is_empty());
            let shown = stored.as_ref().map(|token| masked(token.secret()));
            match ctx.output {
                Output::Json => println!(
                    "{}",
                    json!({
                        "profile": ctx.profile,
                        "stored": stored.is_some(),
                        "token": shown,
                        "environmentOverrides": env_set,
                    })
                ),
                Output::Text => {
                    match &shown {
                        Some(shown) => println!("Profile {}: token {shown}", ctx.profile),
                        None => println!(
                            "Profile {}: no stored token; run `ul-auth pat set --token-stdin`",
                            ctx.profile
                        ),
                    }
                    if env_set {
                        println!("{TOKEN_ENV} is set and is used instead of the stored token");
                    }
                }
            }
            Ok(if stored.is_some() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(crate::exit::AUTH)
            })
        }
        PatCommand::Forget => {
            if pat::remove(&store, &ctx.profile)? {
                eprintln!("Removed the stored token of profile {}", ctx.profile);
            } else {
                eprintln!("No stored token for profile {}", ctx.profile);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The credential for the analytics API, first found: `--token-stdin`, `UL_API_TOKEN`,
/// `UL_API_KEY` / `--api-key` (`-`: standard input), the stored PAT.
pub fn analytics_auth(ctx: &Ctx, cred: &CredArgs) -> Result<Auth> {
    if cred.token_stdin {
        let line = Stdin.secret_line("the personal access token")?;
        return Ok(Auth::Pat(checked(PersonalAccessToken::new(
            line.secret().trim(),
        ))?));
    }
    if let Ok(token) = std::env::var(TOKEN_ENV)
        && !token.trim().is_empty()
    {
        return Ok(Auth::Pat(checked(PersonalAccessToken::new(token.trim()))?));
    }
    if let Some(key) = cred.api_key.as_ref().filter(|k| !k.secret().is_empty()) {
        let key = ApiKey::new(Stdin.unless_dash(key.secret(), "the API key")?.as_str());
        AuthHeader::new("x-api-key", key.secret())?;
        return Ok(Auth::ApiKey(key));
    }
    match pat::load(&ctx.store()?, &ctx.profile)? {
        Some(token) => Ok(Auth::Pat(token)),
        None => bail!(Error::NotAuthorized {
            message: format!(
                "no analytics credential: set {TOKEN_ENV}, pass --token-stdin, store one with \
                 `ul-auth --profile {} pat set --token-stdin`, or give a legacy key with \
                 {API_KEY} (or `--api-key -` on standard input)",
                ctx.profile
            ),
        }),
    }
}

/// Refuses a token that cannot be sent; warns (without showing it) when it lacks the prefix.
fn checked(token: PersonalAccessToken) -> Result<PersonalAccessToken> {
    if token.secret().is_empty() {
        bail!(Error::InvalidToken {
            reason: "the personal access token is empty".into(),
            source: None,
        });
    }
    AuthHeader::new("authorization", token.secret())?;
    if !token.secret().starts_with(PREFIX) {
        eprintln!(
            "ul-auth: warning: the token does not start with {PREFIX}; sending it as a Bearer \
             token anyway (a legacy API key goes in {API_KEY}, or `--api-key -` on standard \
             input)"
        );
    }
    Ok(token)
}

/// The prefix and the last four characters; nothing at all of a token too short to hide most
/// of.
fn masked(token: &str) -> String {
    let chars: Vec<char> = token.chars().collect();
    let (prefix, rest) = match token.strip_prefix(PREFIX) {
        Some(rest) => (PREFIX, rest.chars().count()),
        None => ("(no ul_pat_ prefix) ", chars.len()),
    };
    if rest < 12 {
        return format!("{prefix}… (too short to show more)");
    }
    let last4: String = chars[chars.len() - 4..].iter().collect();
    format!("{prefix}…{last4}")
}

#[cfg(test)]
mod tests {
    use super::masked;

    #[test]
    fn masking_keeps_only_the_prefix_and_last_four() {
        assert_eq!(masked("ul_pat_0123456789abcdefWXYZ"), "ul_pat_…WXYZ");
        assert!(!masked("ul_pat_tiny").contains("tiny"));
        assert_eq!(masked("legacy-0123456789ab"), "(no ul_pat_ prefix) …89ab");
    }
}
