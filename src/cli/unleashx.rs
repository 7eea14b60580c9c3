//! UnleashX in the CLI: `login` asks for an e-mailed one-time code (or takes `--otp`), signs
//! in, mints an API token with the login token, stores the API token and drops the login
//! token. `check` calls the verify endpoint.

use anyhow::Result;
use serde_json::json;
use unleashlive_auth::clock::{Clock, SystemClock};
use unleashlive_auth::providers::unleashx::UnleashX;
use unleashlive_auth::providers::{ProviderKind, Sessions, Token};
use unleashlive_auth::{Error, OneTimeCode};

use super::args::{LoginArgs, Output, UnleashApiArg};
use super::ctx::{Ctx, http};
use super::hints::usage;
use super::out::runtime;
use super::prompt::{Stdin, visible_input};
use super::provider::current;
use super::secrets::UNLEASHX_OTP;
use super::token_providers::TokenProvider;

impl TokenProvider for UnleashX {
    const LOGOUT_NOTE: &'static str = "UnleashX API tokens never expire: if this one leaked, \
                                       delete it in the UnleashX web app.";

    fn build(ctx: &Ctx) -> Result<Self> {
        Ok(UnleashX::new(
            http()?,
            &ctx.base_url(ProviderKind::UnleashX)?,
        )?)
    }

    fn details(_: &Sessions<Self>, _: &Token<Self>) -> Vec<(&'static str, String)> {
        Vec::new()
    }

    fn login(ctx: &Ctx, sessions: &Sessions<Self>, args: LoginArgs) -> Result<()> {
        let username = visible_input(
            args.username
                .or_else(|| std::env::var("UNLEASHX_USERNAME").ok())
                .or_else(|| {
                    // Signing in again: the stored token says whose it was.
                    let cached = sessions.cached().ok().flatten()?;
                    cached.account().map(str::to_owned)
                }),
            "the UnleashX e-mail: pass --username or set UNLEASHX_USERNAME",
            "UnleashX e-mail: ",
        )?;
        let unleashx = &sessions.provider();
        let rt = runtime()?;
        let code = match args.otp.filter(|c| !c.secret().is_empty()) {
            Some(code) => OneTimeCode::new(
                Stdin
                    .unless_dash(code.secret(), "the one-time code")?
                    .as_str(),
            ),
            None => {
                rt.block_on(unleashx.request_code(&username))?;
                eprintln!("UnleashX e-mailed a one-time code to {username}");
                if !super::prompt::interactive() {
                    return Err(Error::NotAuthorized {
                        message: format!(
                            "the one-time code was sent to {username}; no terminal to ask for \
                             it on: run again with the code in {UNLEASHX_OTP}, or on standard \
                             input with `--otp -`"
                        ),
                    }
                    .into());
                }
                OneTimeCode::new(super::prompt::visible("Code from the e-mail: ")?)
            }
        };
        if sessions.cached().ok().flatten().is_some() {
            eprintln!(
                "ul-auth: note: profile {} already holds an UnleashX API token; logging in \
                 mints a new one and the old one stays valid until deleted in the web app",
                ctx.profile
            );
        }
        let token = rt.block_on(async {
            let login = unleashx.login(&username, &code).await?;
            unleashx.mint(&login, &username, SystemClock.now()).await
            // The login token is dropped (and zeroized) here: only the API token is kept.
        })?;
        sessions.replace(token)?;
        match ctx.output {
            Output::Json => println!(
                "{}",
                json!({ "provider": "unleashx", "account": username, "minted": true })
            ),
            Output::Text => eprintln!(
                "Signed in to UnleashX as {username}; minted a new API token (it never \
                 expires) and stored it for profile {}",
                ctx.profile
            ),
        }
        Ok(())
    }

    fn check(ctx: &Ctx, sessions: &Sessions<Self>, api: Option<UnleashApiArg>) -> Result<String> {
        if api.is_some() {
            return Err(usage(
                "--api",
                "selects an Unleash API; UnleashX has one".into(),
            ));
        }
        let token = current(ctx, sessions)?;
        runtime()?.block_on(sessions.provider().verify(&token))?;
        Ok("UnleashX accepted the API token".to_owned())
    }
}
