//! Unleash Live (Cognito) in the CLI: `login` answers Cognito's challenges (login.rs), `status`
//! shows the ID token's claims, `token` has an ID and an access token, `header` names the API,
//! `check` verifies the ID token against the pool's keys, `exec` adds both tokens and the
//! identity pool's AWS credentials, and `logout` revokes the refresh token on the server. The
//! commands only Unleash Live has (claims, credentials, password, devices, verify, pat,
//! analytics) run from here.

use std::process::ExitCode;

use anyhow::{Context, Result};
use serde_json::json;
use unleashlive_auth::clock::{self, Clock, SystemClock};
use unleashlive_auth::credentials::LockedSession;
use unleashlive_auth::token::unverified::decode_payload_unverified;
use unleashlive_auth::{ApiKind, CognitoRenewer, CognitoSessions, Error, Session};

use super::args::{Command, ExecArgs, HeaderApi, LoginArgs, Output, TokenKind, UnleashApiArg};
use super::ctx::Ctx;
use super::hints::usage;
use super::out::{human_duration, runtime, write_stdout};
use super::provider::{CliProvider, Own, SignOut};

impl CliProvider for CognitoRenewer {
    fn build(ctx: &Ctx) -> Result<Self> {
        Ok(CognitoRenewer::new(ctx.config()?))
    }

    fn own(ctx: &Ctx, command: Command) -> Result<Own> {
        let ok = |r: Result<()>| r.map(|()| Own::Ran(ExitCode::SUCCESS));
        match command {
            Command::Claims { kind } => ok(claims(ctx, kind)),
            Command::Credentials { format } => ok(super::credentials::credentials(ctx, format)),
            Command::Password(action) => ok(super::password::run(ctx, action)),
            Command::Devices(action) => ok(super::devices::run(ctx, action)),
            Command::Verify { token, kind } => {
                ok(super::verify::verify(ctx, token.as_deref(), kind))
            }
            Command::Pat(action) => super::pat::run(ctx, action).map(Own::Ran),
            Command::Analytics(args) => super::analytics::run(ctx, args).map(Own::Ran),
            Command::SecretKey(_) => Err(usage(
                "secret-key",
                format!(
                    "manages UNITH secret keys; profile {} uses Unleash Live (pass --provider \
                     unith)",
                    ctx.profile
                ),
            )),
            shared => Ok(Own::Shared(shared)),
        }
    }

    fn login(ctx: &Ctx, sessions: &CognitoSessions, args: LoginArgs) -> Result<()> {
        super::login::login(ctx, sessions, args)
    }

    fn status(ctx: &Ctx, cached: Option<Session>) -> Result<ExitCode> {
        let Some(session) = cached else {
            match ctx.output {
                Output::Json => {
                    println!("{}", json!({ "profile": ctx.profile, "signedIn": false }))
                }
                Output::Text => println!(
                    "Not signed in (profile {}); run `ul-auth login`",
                    ctx.profile
                ),
            }
            return Ok(ExitCode::from(crate::exit::AUTH));
        };
        match ctx.output {
            Output::Json => println!("{}", status_json(ctx, &session)),
            Output::Text => status_text(ctx, &session),
        }
        Ok(ExitCode::SUCCESS)
    }

    fn has_token(_: TokenKind) -> Result<()> {
        Ok(())
    }

    fn token(session: &Session, kind: TokenKind) -> &str {
        match kind {
            TokenKind::Id => session.id_token().secret(),
            TokenKind::Access => session.access_token().secret(),
        }
    }

    fn header_api(api: Option<HeaderApi>) -> Result<ApiKind> {
        match api {
            Some(HeaderApi::Graphql) => Ok(ApiKind::Graphql),
            Some(HeaderApi::Rest) => Ok(ApiKind::Rest),
            None => Err(Error::Config {
                setting: "API".into(),
                reason: "name the Unleash Live API: `ul-auth header graphql` or `ul-auth header \
                         rest`"
                    .into(),
            }
            .into()),
        }
    }

    fn check(ctx: &Ctx, _: &CognitoSessions, api: Option<UnleashApiArg>) -> Result<Option<String>> {
        if api.is_some() {
            return Err(usage(
                "--api",
                format!(
                    "selects an Unleash API; profile {} uses Unleash Live (pass --provider \
                     unleash)",
                    ctx.profile
                ),
            ));
        }
        super::verify::verify(ctx, None, TokenKind::Id)?;
        Ok(None)
    }

    /// Both tokens and, unless --no-aws, the identity pool's AWS credentials. Without AWS
    /// credentials CMD is not run: it would otherwise act with whatever AWS profile or keys
    /// ul-auth was started with.
    fn exec_env(
        ctx: &Ctx,
        session: &Session,
        args: &ExecArgs,
    ) -> Result<(Vec<(&'static str, String)>, bool)> {
        let aws_env = if args.no_aws {
            Vec::new()
        } else {
            super::credentials::aws_env(ctx).context(
                "the command was not run: the identity pool gave no AWS credentials for it (pass \
                 --no-aws to run it without any)",
            )?
        };
        let mut env = vec![
            ("UL_ID_TOKEN", session.id_token().secret().to_owned()),
            (
                "UL_ACCESS_TOKEN",
                session.access_token().secret().to_owned(),
            ),
        ];
        env.extend(aws_env);
        Ok((env, !args.no_aws))
    }

    /// Revokes the refresh token (or, with --global, every refresh token of the user). A
    /// refresh token that may still work is an error, never a warning.
    fn sign_out(
        _: &Ctx,
        sessions: &CognitoSessions,
        locked: &LockedSession<Self>,
        global: bool,
    ) -> Result<SignOut> {
        let Some(session) = locked.stored()? else {
            return Ok(SignOut::Done);
        };
        let rt = runtime()?;
        let cognito = sessions.provider();
        if global {
            // GlobalSignOut needs a live access token: refresh first if needed.
            let result = rt.block_on(async {
                let session = locked.valid().await?;
                cognito.client().await.global_sign_out(&session).await
            });
            return Ok(match result {
                Ok(()) => {
                    eprintln!("Signed out everywhere: every refresh token of this user is revoked");
                    SignOut::Done
                }
                Err(e) => SignOut::Failed(anyhow::Error::new(e).context(
                    "the global sign-out failed: the user's refresh tokens stay valid until they \
                     expire (the local session was removed)",
                )),
            });
        }
        if session.refresh_token().is_none() {
            eprintln!("This session has no refresh token, so there is nothing to revoke");
            return Ok(SignOut::Done);
        }
        Ok(
            match rt.block_on(async { cognito.client().await.revoke(&session).await }) {
                Ok(()) => {
                    eprintln!(
                        "Revoked this session's refresh token (other devices stay signed in)"
                    );
                    SignOut::Done
                }
                Err(e) => SignOut::NotRevoked(format!(
                    "ul-auth: could not revoke the refresh token on the server ({}): it stays \
                     valid until it expires, for anyone holding a copy (the local session was \
                     removed; `ul-auth login` then `ul-auth logout --global` revokes every \
                     refresh token of the user)",
                    unleashlive_auth::text::terminal_safe(&unleashlive_auth::error::chain(&e))
                )),
            },
        )
    }

    fn removed(ctx: &Ctx, removed: bool) -> String {
        if removed {
            format!("Removed the cached session of profile {}", ctx.profile)
        } else {
            format!("No cached session for profile {}", ctx.profile)
        }
    }
}

fn status_json(ctx: &Ctx, session: &Session) -> serde_json::Value {
    let mut out = super::out::session_json(session);
    if let Some(fields) = out.as_object_mut() {
        fields.insert("profile".into(), json!(ctx.profile));
        fields.insert("signedIn".into(), json!(true));
        let left = session.time_left(SystemClock.now()).as_secs();
        fields.insert("secondsLeft".into(), json!(left));
        let refreshable = session.refresh_token().is_some();
        fields.insert("refreshable".into(), json!(refreshable));
    }
    out
}

fn status_text(ctx: &Ctx, session: &Session) {
    let c = session.claims();
    let left = session.time_left(SystemClock.now());
    let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    println!("Profile:   {}", ctx.profile);
    println!(
        "User:      {} (sub {})",
        c.email.as_deref().unwrap_or(session.username()),
        c.sub
    );
    println!("Identity:  {}", dash(&c.identity_id));
    println!("Company:   {}", dash(&c.company_id));
    println!("Team:      {}", dash(&c.team_id));
    let expiry = clock::rfc3339(session.expires_at());
    if left.is_zero() {
        let next = if session.refresh_token().is_some() {
            "refreshed on next use"
        } else {
            "sign in again"
        };
        println!("Expires:   expired at {expiry} ({next})");
    } else {
        println!("Expires:   {expiry} ({})", human_duration(left));
    }
}

fn claims(ctx: &Ctx, kind: TokenKind) -> Result<()> {
    let session = ctx.session()?;
    let payload = decode_payload_unverified(CognitoRenewer::token(&session, kind))?;
    let text = serde_json::to_string_pretty(&payload)?;
    write_stdout(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unleash_live_names_the_api_of_its_header_and_has_both_tokens() {
        let api = |a| CognitoRenewer::header_api(a).unwrap();
        assert_eq!(api(Some(HeaderApi::Graphql)), ApiKind::Graphql);
        assert_eq!(api(Some(HeaderApi::Rest)), ApiKind::Rest);
        let unnamed = CognitoRenewer::header_api(None).unwrap_err().to_string();
        assert!(unnamed.contains("`ul-auth header graphql`"), "{unnamed}");
        assert!(CognitoRenewer::has_token(TokenKind::Access).is_ok());
    }
}
