//! What UNITH, Unleash and UnleashX share in the CLI: their credential is a [`Token`], so
//! `status`, `token`, `header`, `exec` and `logout` look the same for all three. Each
//! implements [`TokenProvider`] (how to build it, log in, check, what `status` adds) and is a
//! [`CliProvider`] through it.

use std::process::ExitCode;

use anyhow::Result;
use serde_json::json;
use unleashlive_auth::ApiKind;
use unleashlive_auth::clock::{self, Clock, SystemClock};
use unleashlive_auth::credentials::LockedSession;
use unleashlive_auth::providers::{self, Provider, Sessions, Token};

use super::args::{
    Command, ExecArgs, HeaderApi, LoginArgs, Output, SecretKeyCommand, TokenKind, UnleashApiArg,
};
use super::ctx::Ctx;
use super::hints::usage;
use super::out::expiry_text;
use super::provider::{CliProvider, Own, SignOut, open};

/// A provider whose credential is a [`Token`], as the CLI drives it.
pub trait TokenProvider: Provider<Credential = Token<Self>> {
    /// The provider, from the profile's settings and the environment.
    fn build(ctx: &Ctx) -> Result<Self>;

    /// The variable `exec` sets besides `UL_TOKEN` and `UL_AUTH_HEADER`.
    const EXEC_ENV: Option<&'static str> = None;

    /// What stays valid on the server after `logout`.
    const LOGOUT_NOTE: &'static str;

    /// The token as `status` may show it (never enough to use it).
    fn shown(token: &Token<Self>) -> String {
        providers::masked(token.value().secret(), "")
    }

    /// Lines `status` adds (label, value).
    fn details(sessions: &Sessions<Self>, token: &Token<Self>) -> Vec<(&'static str, String)>;

    /// `ul-auth login`.
    fn login(ctx: &Ctx, sessions: &Sessions<Self>, args: LoginArgs) -> Result<()>;

    /// `ul-auth check`: proves the credential works.
    fn check(ctx: &Ctx, sessions: &Sessions<Self>, api: Option<UnleashApiArg>) -> Result<String>;

    /// `ul-auth secret-key ...` (UNITH only).
    fn secret_key(ctx: &Ctx, action: SecretKeyCommand) -> Result<()> {
        let SecretKeyCommand::Rotate = action;
        Err(usage(
            "secret-key",
            format!(
                "manages UNITH secret keys; profile {} uses the {} provider",
                ctx.profile,
                Self::KIND
            ),
        ))
    }
}

impl<P: TokenProvider> CliProvider for P {
    fn build(ctx: &Ctx) -> Result<Self> {
        <P as TokenProvider>::build(ctx)
    }

    fn own(ctx: &Ctx, command: Command) -> Result<Own> {
        let name = match command {
            Command::SecretKey(action) => {
                return P::secret_key(ctx, action).map(|()| Own::Ran(ExitCode::SUCCESS));
            }
            Command::Claims { .. } => "claims",
            Command::Credentials { .. } => "credentials",
            Command::Verify { .. } => "verify",
            Command::Password(_) => "password",
            Command::Devices(_) => "devices",
            Command::Pat(_) => "pat",
            Command::Analytics(_) => "analytics",
            shared => return Ok(Own::Shared(shared)),
        };
        Err(usage(
            "--provider",
            format!(
                "`ul-auth {name}` is for Unleash Live; profile {} uses the {} provider (set by \
                 --provider, UL_PROVIDER or the profile's `provider`)",
                ctx.profile,
                P::KIND
            ),
        ))
    }

    fn login(ctx: &Ctx, sessions: &Sessions<Self>, args: LoginArgs) -> Result<()> {
        <P as TokenProvider>::login(ctx, sessions, args)
    }

    fn status(ctx: &Ctx, cached: Option<Token<P>>) -> Result<ExitCode> {
        let Some(token) = cached else {
            match ctx.output {
                Output::Json => println!(
                    "{}",
                    json!({ "profile": ctx.profile, "provider": P::KIND.name(), "signedIn": false })
                ),
                Output::Text => println!(
                    "Not signed in to {} (profile {}); run `ul-auth --profile {} login`",
                    P::KIND.title(),
                    ctx.profile,
                    ctx.profile
                ),
            }
            return Ok(ExitCode::from(crate::exit::AUTH));
        };
        let sessions = open::<P>(ctx)?;
        let now = SystemClock.now();
        let expired = token.time_left(now).is_some_and(|left| left.is_zero());
        let renewable = sessions.provider().can_renew(&token);
        let details = P::details(&sessions, &token);
        match ctx.output {
            Output::Json => {
                let mut out = json!({
                    "profile": ctx.profile,
                    "provider": P::KIND.name(),
                    "signedIn": true,
                    "account": token.account(),
                    "token": P::shown(&token),
                    "issuedAt": clock::rfc3339(token.issued_at()),
                    "expiresAt": token.expires_at().map(clock::rfc3339),
                    "secondsLeft": token.time_left(now).map(|d| d.as_secs()),
                    "renewable": renewable,
                });
                if let Some(obj) = out.as_object_mut() {
                    for (label, value) in details {
                        obj.insert(camel(label), json!(value));
                    }
                }
                println!("{out}");
            }
            Output::Text => {
                println!("Profile:   {} ({})", ctx.profile, P::KIND.title());
                if let Some(account) = token.account() {
                    println!("Account:   {account}");
                }
                println!("Token:     {}", P::shown(&token));
                for (label, value) in details {
                    println!("{:<10} {value}", format!("{label}:"));
                }
                println!("Obtained:  {}", clock::rfc3339(token.issued_at()));
                println!("Expires:   {}", expiry_text(token.expires_at()));
            }
        }
        Ok(if expired && !renewable {
            ExitCode::from(crate::exit::AUTH)
        } else {
            ExitCode::SUCCESS
        })
    }

    fn has_token(kind: TokenKind) -> Result<()> {
        match kind {
            TokenKind::Id => Ok(()),
            TokenKind::Access => Err(usage(
                "--kind",
                format!(
                    "only Unleash Live has access tokens; {} has one token",
                    P::KIND.title()
                ),
            )),
        }
    }

    fn token(token: &Token<P>, _: TokenKind) -> &str {
        token.value().secret()
    }

    fn header_api(api: Option<HeaderApi>) -> Result<ApiKind> {
        match api {
            // The same header goes to every kind of API.
            None => Ok(ApiKind::Rest),
            Some(_) => Err(usage(
                "API",
                format!(
                    "{} has one header: run `ul-auth header` without naming an API",
                    P::KIND.title()
                ),
            )),
        }
    }

    fn check(
        ctx: &Ctx,
        sessions: &Sessions<Self>,
        api: Option<UnleashApiArg>,
    ) -> Result<Option<String>> {
        <P as TokenProvider>::check(ctx, sessions, api).map(Some)
    }

    fn exec_env(
        _: &Ctx,
        token: &Token<P>,
        _: &ExecArgs,
    ) -> Result<(Vec<(&'static str, String)>, bool)> {
        let env = P::EXEC_ENV
            .map(|name| (name, token.value().secret().to_owned()))
            .into_iter()
            .collect();
        // These providers hand out no AWS credentials: CMD keeps ours unless --no-aws.
        Ok((env, false))
    }

    fn sign_out(
        _: &Ctx,
        _: &Sessions<Self>,
        _: &LockedSession<Self>,
        global: bool,
    ) -> Result<SignOut> {
        if global {
            eprintln!(
                "ul-auth: warning: --global only means something for Unleash Live; removing \
                 the local {} only",
                P::KIND.token_name()
            );
        }
        Ok(SignOut::Done)
    }

    fn removed(ctx: &Ctx, removed: bool) -> String {
        if removed {
            format!(
                "Removed the cached {} of profile {}. {}",
                P::KIND.token_name(),
                ctx.profile,
                P::LOGOUT_NOTE
            )
        } else {
            format!("No cached credential for profile {}", ctx.profile)
        }
    }
}

fn camel(label: &str) -> String {
    let mut out = String::new();
    for (i, word) in label.split_whitespace().enumerate() {
        let word = word.to_ascii_lowercase();
        if i == 0 {
            out.push_str(&word);
        } else {
            let mut chars = word.chars();
            if let Some(first) = chars.next() {
                out.push(first.to_ascii_uppercase());
                out.extend(chars);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use unleashlive_auth::providers::unith::Unith;
    use unleashlive_auth::providers::unleash::Unleash;
    use unleashlive_auth::providers::unleashx::UnleashX;

    use super::*;

    fn one_header_and_one_token<P: TokenProvider>() {
        assert_eq!(P::header_api(None).unwrap(), ApiKind::Rest);
        let named = P::header_api(Some(HeaderApi::Graphql)).unwrap_err();
        assert!(named.to_string().contains("has one header"), "{named}");
        assert!(P::has_token(TokenKind::Id).is_ok());
        let access = P::has_token(TokenKind::Access).unwrap_err();
        assert!(
            access
                .to_string()
                .contains("only Unleash Live has access tokens"),
            "{access}"
        );
    }

    #[test]
    fn every_token_provider_has_one_header_for_every_api_and_one_token() {
        one_header_and_one_token::<Unith>();
        one_header_and_one_token::<Unleash>();
        one_header_and_one_token::<UnleashX>();
    }

    #[test]
    fn status_labels_become_camel_case_json_keys() {
        assert_eq!(camel("Renewal"), "renewal");
        assert_eq!(camel("Token kind"), "tokenKind");
    }
}
