//! The commands every provider other than Unleash Live shares: `status`, `token`, `header`,
//! `refresh`, `exec`, `logout`, written once over [`CliProvider`]. What differs (how to log in,
//! how to prove the token works) lives in one file per provider.

use std::process::ExitCode;

use anyhow::Result;
use serde_json::json;
use unleashlive_auth::Error;
use unleashlive_auth::clock::{self, Clock, SystemClock};
use unleashlive_auth::providers::unith::Unith;
use unleashlive_auth::providers::unleash::Unleash;
use unleashlive_auth::providers::unleashx::UnleashX;
use unleashlive_auth::providers::{self, Provider, ProviderKind, Sessions, Token};

use super::args::{
    Command, ExecArgs, LoginArgs, Output, SecretKeyCommand, TokenKind, UnleashApiArg,
};
use super::commands::{Ctx, human_duration, runtime, write_stdout};

/// A provider as the CLI drives it.
pub trait CliProvider: Provider {
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
    fn secret_key(ctx: &Ctx, sessions: &Sessions<Self>, action: SecretKeyCommand) -> Result<()> {
        let SecretKeyCommand::Rotate = action;
        let _ = sessions;
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

/// A usage error (exit 2) naming what was misused.
pub fn usage(setting: &str, reason: String) -> anyhow::Error {
    Error::Config {
        setting: setting.into(),
        reason,
    }
    .into()
}

/// Refuses to sign in or out with `kind` on a profile whose cached credential belongs to
/// another provider: that would overwrite or delete it (and, for Unleash Live, skip revoking
/// its refresh token).
pub fn ensure_profile_holds(ctx: &Ctx, kind: ProviderKind) -> Result<()> {
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

/// Runs `command` for a profile whose provider is `kind` (not Unleash Live).
pub fn run(ctx: &Ctx, kind: ProviderKind, command: Command) -> Result<ExitCode> {
    match kind {
        ProviderKind::Unith => dispatch::<Unith>(ctx, command),
        ProviderKind::Unleash => dispatch::<Unleash>(ctx, command),
        ProviderKind::UnleashX => dispatch::<UnleashX>(ctx, command),
        other => Err(usage(
            "--provider",
            format!("{other} has no commands of its own"),
        )),
    }
}

/// `check` for a profile of another provider, for `ul-auth doctor`: what it said, or why not.
pub fn check_profile(ctx: &Ctx, kind: ProviderKind) -> Result<String> {
    fn check<P: CliProvider>(ctx: &Ctx) -> Result<String> {
        let sessions = providers::sessions(ctx.store()?, ctx.profile.clone(), P::build(ctx)?);
        P::check(ctx, &sessions, None)
    }
    match kind {
        ProviderKind::Unith => check::<Unith>(ctx),
        ProviderKind::Unleash => check::<Unleash>(ctx),
        ProviderKind::UnleashX => check::<UnleashX>(ctx),
        other => Err(usage(
            "--provider",
            format!("{other} has no check of its own"),
        )),
    }
}

fn dispatch<P: CliProvider>(ctx: &Ctx, command: Command) -> Result<ExitCode> {
    let sessions = providers::sessions(ctx.store()?, ctx.profile.clone(), P::build(ctx)?);
    let done = |r: Result<()>| r.map(|()| ExitCode::SUCCESS);
    if matches!(command, Command::Login(_) | Command::Logout { .. }) {
        ensure_profile_holds(ctx, P::KIND)?;
    }
    match command {
        Command::Login(args) => done(P::login(ctx, &sessions, args)),
        Command::Status => status(ctx, &sessions),
        Command::Token {
            kind: TokenKind::Id,
        } => done(current(ctx, &sessions).and_then(|t| write_stdout(t.value().secret()))),
        Command::Token {
            kind: TokenKind::Access,
        } => Err(usage(
            "--kind",
            format!(
                "only Unleash Live has access tokens; {} has one token",
                P::KIND.title()
            ),
        )),
        Command::Header { api: None } => {
            done(current(ctx, &sessions).and_then(|t| write_stdout(&header_line(&t)?)))
        }
        Command::Header { api: Some(_) } => Err(usage(
            "API",
            format!(
                "{} has one header: run `ul-auth header` without naming an API",
                P::KIND.title()
            ),
        )),
        Command::Check { api } => {
            done(P::check(ctx, &sessions, api).map(|said| eprintln!("{said}")))
        }
        Command::Refresh => done(refresh(ctx, &sessions)),
        Command::Exec(args) => exec(ctx, &sessions, &args),
        Command::Logout { global } => done(logout::<P>(ctx, &sessions, global)),
        Command::SecretKey(action) => done(P::secret_key(ctx, &sessions, action)),
        other => Err(usage(
            "--provider",
            format!(
                "`ul-auth {}` is for Unleash Live; profile {} uses the {} provider (set by \
                 --provider, UL_PROVIDER or the profile's `provider`)",
                name_of(&other),
                ctx.profile,
                P::KIND
            ),
        )),
    }
}

fn name_of(command: &Command) -> &'static str {
    match command {
        Command::Claims { .. } => "claims",
        Command::Credentials { .. } => "credentials",
        Command::Verify { .. } => "verify",
        Command::Password(_) => "password",
        Command::Devices(_) => "devices",
        Command::Pat(_) => "pat",
        Command::Analytics(_) => "analytics",
        _ => "this command",
    }
}

/// A token valid for a while, renewed first when the provider can. (The "sign in again"
/// hint is added where every error is shown: `cli::hints`.)
pub fn current<P: Provider>(_ctx: &Ctx, sessions: &Sessions<P>) -> Result<Token<P>> {
    Ok(runtime()?.block_on(sessions.current())?)
}

/// `name: value`, exactly as the provider's requests carry it.
fn header_line<P: Provider>(token: &Token<P>) -> Result<String> {
    let header = token.header()?;
    Ok(format!(
        "{}: {}",
        header.name(),
        header.value().to_str().unwrap_or_default()
    ))
}

/// "2026-11-30T12:00:00Z (6 d 23 h left)", "never", or "expired at ...".
pub fn expiry_text(at: Option<std::time::SystemTime>) -> String {
    let Some(at) = at else {
        return "never".into();
    };
    let now = SystemClock.now();
    match at.duration_since(now) {
        Ok(left) if left.as_secs() >= 48 * 3600 => format!(
            "{} ({} d {} h left)",
            clock::rfc3339(at),
            left.as_secs() / 86_400,
            left.as_secs() % 86_400 / 3600
        ),
        Ok(left) => format!("{} ({})", clock::rfc3339(at), human_duration(left)),
        Err(_) => format!("expired at {}", clock::rfc3339(at)),
    }
}

fn status<P: CliProvider>(ctx: &Ctx, sessions: &Sessions<P>) -> Result<ExitCode> {
    let Some(token) = sessions.cached()? else {
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
    let now = SystemClock.now();
    let expired = token.time_left(now).is_some_and(|left| left.is_zero());
    let renewable = sessions.renewer().0.can_renew(&token);
    let details = P::details(sessions, &token);
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

fn refresh<P: Provider>(ctx: &Ctx, sessions: &Sessions<P>) -> Result<()> {
    if let Some(token) = sessions.cached()?
        && token.expires_at().is_none()
        && !sessions.renewer().0.can_renew(&token)
    {
        // Logging in again would not "refresh" it: for UnleashX it mints another token.
        eprintln!(
            "Nothing to renew: the {} of profile {} does not expire",
            P::KIND.token_name(),
            ctx.profile
        );
        return Ok(());
    }
    let renewed = runtime()?.block_on(sessions.renew_now())?;
    report_renewal(ctx, renewed.expires_at());
    Ok(())
}

/// What `refresh` says of a renewed credential (stderr, or JSON on stdout).
pub fn report_renewal(ctx: &Ctx, expires_at: Option<std::time::SystemTime>) {
    match ctx.output {
        Output::Json => println!("{}", json!({ "expiresAt": expires_at.map(clock::rfc3339) })),
        Output::Text => eprintln!("Renewed: valid until {}", expiry_text(expires_at)),
    }
}

fn exec<P: CliProvider>(ctx: &Ctx, sessions: &Sessions<P>, args: &ExecArgs) -> Result<ExitCode> {
    let token = current(ctx, sessions)?;
    let mut env = vec![
        ("UL_TOKEN", token.value().secret().to_owned()),
        ("UL_AUTH_HEADER", header_line(&token)?),
    ];
    if let Some(name) = P::EXEC_ENV {
        env.push((name, token.value().secret().to_owned()));
    }
    // These providers hand out no AWS credentials: CMD keeps ours unless --no-aws.
    super::exec::run(args, env, false)
}

fn logout<P: CliProvider>(ctx: &Ctx, sessions: &Sessions<P>, global: bool) -> Result<()> {
    if global {
        eprintln!(
            "ul-auth: warning: --global only means something for Unleash Live; removing the \
             local {} only",
            P::KIND.token_name()
        );
    }
    // Under the profile's lock, so a renewal in another process cannot bring it back.
    if sessions.lock()?.remove()? {
        eprintln!(
            "Removed the cached {} of profile {}. {}",
            P::KIND.token_name(),
            ctx.profile,
            P::LOGOUT_NOTE
        );
    } else {
        eprintln!("No cached credential for profile {}", ctx.profile);
    }
    Ok(())
}

/// The shared HTTP client of the provider commands.
pub fn http() -> Result<unleashlive_auth::api::http::HttpClient> {
    Ok(unleashlive_auth::api::http::HttpClient::new()?)
}

/// The provider's API base from the settings (or its default).
pub fn base_url(ctx: &Ctx, kind: ProviderKind) -> Result<String> {
    let base = kind.base_url(ctx.settings.base_url.as_deref())?;
    unleashlive_auth::config::refuse_plain_http(
        "base_url",
        &base,
        ctx.settings.allow_http.unwrap_or(false),
    )?;
    Ok(base)
}
