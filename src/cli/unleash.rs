//! Unleash in the CLI: `login` stores an API token made in the instance's admin UI, `status`
//! shows its kind from its shape, `check --api client|frontend|admin` calls that API once.

use anyhow::Result;
use serde_json::json;
use unleashlive_auth::ProviderKind;
use unleashlive_auth::clock::{Clock, SystemClock};
use unleashlive_auth::providers::unleash::{TokenShape, Unleash, UnleashApi};
use unleashlive_auth::providers::{self, Sessions, Token};

use super::args::{LoginArgs, Output, UnleashApiArg};
use super::ctx::{Ctx, http};
use super::out::runtime;
use super::prompt::secret_input;
use super::provider::current;
use super::token_providers::TokenProvider;

/// The variable Unleash tools read the token from; `login` reads it too.
const TOKEN_ENV: &str = super::secrets::UNLEASH_API_TOKEN;

impl TokenProvider for Unleash {
    const EXEC_ENV: Option<&'static str> = Some(TOKEN_ENV);
    const LOGOUT_NOTE: &'static str = "The token stays valid on the instance until an admin \
                                       deletes it (Configure → API access).";

    fn build(ctx: &Ctx) -> Result<Self> {
        // Unleash has no public default; a base URL given goes through the same checks.
        let base = match ctx
            .settings()
            .base_url
            .as_deref()
            .filter(|b| !b.trim().is_empty())
        {
            Some(_) => Some(ctx.base_url(ProviderKind::Unleash)?),
            None => None,
        };
        Ok(Unleash::new(http()?, base.as_deref())?)
    }

    fn shown(token: &Token<Self>) -> String {
        let secret = token.value().secret();
        providers::masked(secret, TokenShape::prefix(secret))
    }

    fn details(_: &Sessions<Self>, token: &Token<Self>) -> Vec<(&'static str, String)> {
        vec![("Kind", TokenShape::of(token.value().secret()).describe())]
    }

    fn login(ctx: &Ctx, sessions: &Sessions<Self>, args: LoginArgs) -> Result<()> {
        // The token is for one instance only: it is stored with that instance's URL and never
        // sent to another, so the URL must be known now.
        let base = ctx.base_url(ProviderKind::Unleash)?;
        let value = secret_input(
            args.token_stdin,
            TOKEN_ENV,
            "--token-stdin",
            "Unleash API token: ",
            "Unleash API token",
        )?;
        let token = Unleash::token(&value, SystemClock.now())?.issued_by(base);
        let kind = TokenShape::of(token.value().secret()).describe();
        let shown = Self::shown(&token);
        let path = ctx.store()?.path(&ctx.profile)?;
        sessions.replace(token)?;
        match ctx.output {
            Output::Json => println!(
                "{}",
                json!({ "provider": "unleash", "token": shown, "kind": kind })
            ),
            Output::Text => {
                eprintln!(
                    "Stored the Unleash API token {shown} ({kind}) for profile {} ({})",
                    ctx.profile,
                    path.display()
                );
                if ctx.settings().base_url.is_none() {
                    eprintln!(
                        "Set the instance URL (--base-url, UL_BASE_URL or base_url in the \
                         profile) to use `ul-auth check`"
                    );
                }
            }
        }
        Ok(())
    }

    fn check(ctx: &Ctx, sessions: &Sessions<Self>, api: Option<UnleashApiArg>) -> Result<String> {
        let api = match api.unwrap_or(UnleashApiArg::Client) {
            UnleashApiArg::Client => UnleashApi::Client,
            UnleashApiArg::Frontend => UnleashApi::Frontend,
            UnleashApiArg::Admin => UnleashApi::Admin,
        };
        let token = current(ctx, sessions)?;
        runtime()?.block_on(sessions.provider().check(&token, api))?;
        Ok(format!("The Unleash {} accepted the token", api.name()))
    }
}
