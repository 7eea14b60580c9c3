//! The one command set: `status`, `token`, `header`, `refresh`, `check`, `exec` and `logout`,
//! written once over [`CliProvider`] for every provider (Unleash Live included); what differs
//! lives in the provider's own file. It imports no command module of a provider.

use std::process::ExitCode;

use anyhow::Result;
use serde_json::json;
use unleashlive_auth::clock;
use unleashlive_auth::credentials::Credential;
use unleashlive_auth::providers::unith::Unith;
use unleashlive_auth::providers::unleash::Unleash;
use unleashlive_auth::providers::unleashx::UnleashX;
use unleashlive_auth::providers::{ProviderKind, Sessions};
use unleashlive_auth::{ApiKind, CognitoRenewer};

use super::args::{Command, ExecArgs, HeaderApi, Output, TokenKind, UnleashApiArg};
use super::ctx::Ctx;
use super::hints::usage;
use super::out::{expiry_text, runtime, write_stdout};
use super::provider::{CliProvider, Own, SignOut, current, header_line, open};

/// Runs `command` for a profile whose provider is `kind`.
pub fn run(ctx: &Ctx, kind: ProviderKind, command: Command) -> Result<ExitCode> {
    struct Run<'a>(&'a Ctx, Command);
    impl ForProvider for Run<'_> {
        type Out = Result<ExitCode>;
        fn call<P: CliProvider>(self) -> Self::Out {
            dispatch::<P>(self.0, self.1)
        }
    }
    for_kind(kind, Run(ctx, command))?
}

/// `check` for a profile, for `ul-auth doctor`: what it said, or why not.
pub fn check_profile(ctx: &Ctx, kind: ProviderKind) -> Result<String> {
    struct Check<'a>(&'a Ctx);
    impl ForProvider for Check<'_> {
        type Out = Result<String>;
        fn call<P: CliProvider>(self) -> Self::Out {
            let sessions = open::<P>(self.0)?;
            Ok(P::check(self.0, &sessions, None)?.unwrap_or_default())
        }
    }
    for_kind(kind, Check(ctx))?
}

/// Something to do with a provider's type, whichever provider a profile names.
trait ForProvider {
    type Out;
    fn call<P: CliProvider>(self) -> Self::Out;
}

fn for_kind<F: ForProvider>(kind: ProviderKind, f: F) -> Result<F::Out> {
    Ok(match kind {
        ProviderKind::UnleashLive => f.call::<CognitoRenewer>(),
        ProviderKind::Unith => f.call::<Unith>(),
        ProviderKind::Unleash => f.call::<Unleash>(),
        ProviderKind::UnleashX => f.call::<UnleashX>(),
        other => {
            return Err(usage(
                "--provider",
                format!("{other} has no commands of its own"),
            ));
        }
    })
}

/// Refuses to sign in or out with `kind` on a profile whose cached credential belongs to
/// another provider: that would overwrite or delete it (and, for Unleash Live, skip revoking
/// its refresh token).
fn ensure_profile_holds(ctx: &Ctx, kind: ProviderKind) -> Result<()> {
    match ctx.store()?.stored_provider(&ctx.profile)? {
        Some(stored) if stored != kind.name() => Err(usage(
            "--provider",
            format!(
                "profile {profile} holds a credential of the {stored} provider, not {kind}; \
                 remove it first with `ul-auth --profile {profile} --provider {stored} logout`, \
                 or use another profile",
                profile = ctx.profile
            ),
        )),
        _ => Ok(()),
    }
}

fn dispatch<P: CliProvider>(ctx: &Ctx, command: Command) -> Result<ExitCode> {
    let command = match P::own(ctx, command)? {
        Own::Ran(code) => return Ok(code),
        Own::Shared(command) => command,
    };
    // `status` reads the cache alone: it works whatever the rest of the settings say.
    if let Command::Status = command {
        let cached =
            ctx.store()?
                .load::<P::Credential>(&format!("{}{}", ctx.profile, P::ENTRY_SUFFIX))?;
        return P::status(ctx, cached);
    }
    if matches!(command, Command::Login(_) | Command::Logout { .. }) {
        ensure_profile_holds(ctx, P::KIND)?;
    }
    let sessions = open::<P>(ctx)?;
    let done = |r: Result<()>| r.map(|()| ExitCode::SUCCESS);
    match command {
        Command::Login(args) => done(P::login(ctx, &sessions, args)),
        Command::Token(args) => done(token(ctx, &sessions, args.kind)),
        Command::Header(args) => done(header(ctx, &sessions, args.api)),
        Command::Check { api } => done(check(ctx, &sessions, api)),
        Command::Refresh => done(refresh(ctx, &sessions)),
        Command::Exec(args) => exec(ctx, &sessions, &args),
        Command::Logout { global } => logout(ctx, &sessions, global),
        // `own` ran or refused every other command.
        _ => Err(usage(
            "--provider",
            format!("this command is not one {} has", P::KIND.title()),
        )),
    }
}

fn token<P: CliProvider>(ctx: &Ctx, sessions: &Sessions<P>, kind: TokenKind) -> Result<()> {
    P::has_token(kind)?;
    let credential = current(ctx, sessions)?;
    write_stdout(P::token(&credential, kind))
}

fn header<P: CliProvider>(ctx: &Ctx, sessions: &Sessions<P>, api: Option<HeaderApi>) -> Result<()> {
    let kind = P::header_api(api)?;
    let credential = current(ctx, sessions)?;
    write_stdout(&header_line(&P::header(&credential, kind)?))
}

fn check<P: CliProvider>(
    ctx: &Ctx,
    sessions: &Sessions<P>,
    api: Option<UnleashApiArg>,
) -> Result<()> {
    if let Some(said) = P::check(ctx, sessions, api)? {
        eprintln!("{said}");
    }
    Ok(())
}

fn refresh<P: CliProvider>(ctx: &Ctx, sessions: &Sessions<P>) -> Result<()> {
    if let Some(credential) = sessions.cached()?
        && credential.expires_at().is_none()
        && !sessions.provider().can_renew(&credential)
    {
        // Logging in again would not "refresh" it: for UnleashX it mints another token.
        eprintln!(
            "Nothing to renew: the {} of profile {} does not expire",
            P::credential_name(),
            ctx.profile
        );
        return Ok(());
    }
    let renewed = runtime()?.block_on(sessions.renew_now())?;
    match ctx.output {
        Output::Json => println!(
            "{}",
            json!({ "expiresAt": renewed.expires_at().map(clock::rfc3339) })
        ),
        Output::Text => eprintln!("Renewed: valid until {}", expiry_text(renewed.expires_at())),
    }
    Ok(())
}

/// Runs CMD with the credential in its environment (`UL_TOKEN`, `UL_AUTH_HEADER` with the REST
/// API's header line, and what the provider adds) and returns its exit status as ours.
fn exec<P: CliProvider>(ctx: &Ctx, sessions: &Sessions<P>, args: &ExecArgs) -> Result<ExitCode> {
    let credential = current(ctx, sessions)?;
    let (extra, replaces_aws) = P::exec_env(ctx, &credential, args)?;
    let mut env = vec![
        ("UL_TOKEN", P::token(&credential, TokenKind::Id).to_owned()),
        (
            "UL_AUTH_HEADER",
            header_line(&P::header(&credential, ApiKind::Rest)?),
        ),
    ];
    env.extend(extra);
    super::exec::run(args, env, replaces_aws)
}

/// Signs out on the server (as the provider can), then removes the local credential, all
/// under the profile's lock: a renewal running in another process (the aws CLI's
/// `credential_process`, say) finishes first, and its result is what gets revoked; none
/// starts until the file is gone. The local credential goes even when the server call fails
/// (the user asked to be signed out here).
fn logout<P: CliProvider>(ctx: &Ctx, sessions: &Sessions<P>, global: bool) -> Result<ExitCode> {
    let locked = sessions.lock()?;
    let signed_out = P::sign_out(ctx, sessions, &locked, global)?;
    let removed = locked.remove()?;
    eprintln!("{}", P::removed(ctx, removed));
    drop(locked);
    match signed_out {
        SignOut::Done => Ok(ExitCode::SUCCESS),
        SignOut::Failed(e) => Err(e),
        SignOut::NotRevoked(warning) => {
            eprintln!("{warning}");
            Ok(ExitCode::from(crate::exit::SERVICE))
        }
    }
}
