//! What each subcommand does (login lives in `login.rs`).

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use serde_json::json;
use unleashlive_auth::clock::{self, Clock, SystemClock};
use unleashlive_auth::config::{self, ConfigFile, Settings};
use unleashlive_auth::token::unverified::decode_payload_unverified;
use unleashlive_auth::{
    ApiKind, CognitoRenewer, CognitoSessions, Config, Error, ProviderKind, Session, SessionStore,
};

use super::args::{Cli, Command, HeaderApi, Output, TokenKind};

pub struct Ctx {
    pub profile: String,
    pub settings: Settings,
    pub output: Output,
}

impl Ctx {
    pub fn config(&self) -> Result<Config> {
        Ok(self.settings.clone().resolve()?)
    }

    pub fn store(&self) -> Result<SessionStore> {
        Ok(SessionStore::new(config::cache_dir(&self.settings)?))
    }

    pub fn manager(&self) -> Result<CognitoSessions> {
        Ok(CognitoSessions::new(
            self.store()?,
            self.profile.clone(),
            CognitoRenewer::new(self.config()?),
        ))
    }

    /// A session valid for a while, refreshed first when it is about to expire. With a
    /// fresh cached session this reads one file and touches no network.
    pub fn session(&self) -> Result<Session> {
        let manager = self.manager()?;
        runtime()?
            .block_on(manager.current())
            .map_err(|e| with_login_hint(e, &self.profile).into())
    }
}

pub fn with_login_hint(e: Error, profile: &str) -> Error {
    match e {
        Error::SignInAgain { reason } => Error::SignInAgain {
            reason: format!("{reason}; run `ul-auth --profile {profile} login`"),
        },
        other => other,
    }
}

pub fn run(cli: Cli) -> Result<ExitCode> {
    config::validate_profile(&cli.global.profile)?;
    let file_path = cli.global.config.clone().or_else(ConfigFile::default_path);
    let file = match &file_path {
        Some(path) => ConfigFile::load(path)?,
        None => ConfigFile::default(),
    };
    let ctx = Ctx {
        settings: layered(
            cli.global.settings.to_settings(),
            file.profile(&cli.global.profile),
        ),
        profile: cli.global.profile,
        output: cli.global.output,
    };
    let ok = |r: Result<()>| r.map(|()| ExitCode::SUCCESS);
    let command = match cli.command {
        Command::Doctor(args) => return super::doctor::run(&ctx, &file, args),
        other => other,
    };
    let provider = ProviderKind::parse(ctx.settings.provider.as_deref().unwrap_or("unleash-live"))?;
    if provider != ProviderKind::UnleashLive {
        return super::provider::run(&ctx, provider, command);
    }
    if matches!(command, Command::Login(_) | Command::Logout { .. }) {
        super::provider::ensure_profile_holds(&ctx, provider)?;
    }
    match command {
        Command::Login(args) => ok(super::login::login(&ctx, args)),
        Command::Status => status(&ctx),
        Command::Claims { kind } => ok(claims(&ctx, kind)),
        Command::Token { kind } => ok(token(&ctx, kind)),
        Command::Header { api: Some(api) } => ok(header(&ctx, api)),
        Command::Header { api: None } => Err(Error::Config {
            setting: "API".into(),
            reason: "name the Unleash Live API: `ul-auth header graphql` or `ul-auth header rest`"
                .into(),
        }
        .into()),
        Command::Check { api: Some(_) } => Err(super::provider::usage(
            "--api",
            format!(
                "selects an Unleash API; profile {} uses Unleash Live (pass --provider unleash)",
                ctx.profile
            ),
        )),
        Command::Check { api: None } => ok(super::verify::verify(&ctx, None, TokenKind::Id)),
        Command::SecretKey(_) => Err(super::provider::usage(
            "secret-key",
            format!(
                "manages UNITH secret keys; profile {} uses Unleash Live (pass --provider unith)",
                ctx.profile
            ),
        )),
        Command::Refresh => ok(refresh(&ctx)),
        Command::Credentials { format } => ok(super::credentials::credentials(&ctx, format)),
        Command::Exec { command } => exec(&ctx, command),
        Command::Logout { global } => logout(&ctx, global),
        Command::Password(action) => ok(super::password::run(&ctx, action)),
        Command::Devices(action) => ok(super::devices::run(&ctx, action)),
        Command::Verify { token, kind } => ok(super::verify::verify(&ctx, token.as_deref(), kind)),
        Command::Pat(action) => super::pat::run(&ctx, action),
        Command::Analytics(args) => super::analytics::run(&ctx, args),
        Command::Doctor(args) => super::doctor::run(&ctx, &file, args),
    }
}

/// Flags and variables over the profile's table. The table's `base_url` belongs to the
/// table's provider: when another provider is chosen for this run it is dropped, so one
/// service's credentials are never sent to another's URL.
pub fn layered(given: Settings, mut profile: Settings) -> Settings {
    if let Some(chosen) = &given.provider {
        let configured = profile.provider.as_deref().unwrap_or("unleash-live");
        if !chosen.trim().eq_ignore_ascii_case(configured.trim()) {
            profile.base_url = None;
        }
    }
    given.over(profile)
}

pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

pub fn human_duration(d: Duration) -> String {
    let mins = d.as_secs() / 60;
    if mins >= 120 {
        format!("{} h {} min left", mins / 60, mins % 60)
    } else if d.as_secs() < 60 {
        format!("{} s left", d.as_secs())
    } else {
        format!("{mins} min left")
    }
}

fn pick(session: &Session, kind: TokenKind) -> &str {
    match kind {
        TokenKind::Id => session.id_token().secret(),
        TokenKind::Access => session.access_token().secret(),
    }
}

fn status(ctx: &Ctx) -> Result<ExitCode> {
    let session = ctx.store()?.load::<Session>(&ctx.profile)?;
    let now = SystemClock.now();
    let Some(session) = session else {
        match ctx.output {
            Output::Json => println!("{}", json!({ "profile": ctx.profile, "signedIn": false })),
            Output::Text => println!(
                "Not signed in (profile {}); run `ul-auth login`",
                ctx.profile
            ),
        }
        return Ok(ExitCode::from(crate::exit::AUTH));
    };
    let c = session.claims();
    let left = session.time_left(now);
    match ctx.output {
        Output::Json => println!(
            "{}",
            json!({
                "profile": ctx.profile,
                "signedIn": true,
                "username": session.username(),
                "sub": c.sub,
                "email": c.email,
                "identityId": c.identity_id,
                "companyId": c.company_id,
                "teamId": c.team_id,
                "expiresAt": clock::rfc3339(session.expires_at()),
                "secondsLeft": left.as_secs(),
                "refreshable": session.refresh_token().is_some(),
            })
        ),
        Output::Text => {
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
    }
    Ok(ExitCode::SUCCESS)
}

fn claims(ctx: &Ctx, kind: TokenKind) -> Result<()> {
    let session = ctx.session()?;
    let payload = decode_payload_unverified(pick(&session, kind))?;
    let text = serde_json::to_string_pretty(&payload)?;
    write_stdout(&text)
}

fn token(ctx: &Ctx, kind: TokenKind) -> Result<()> {
    let session = ctx.session()?;
    write_stdout(pick(&session, kind))
}

fn header(ctx: &Ctx, api: HeaderApi) -> Result<()> {
    let session = ctx.session()?;
    let kind = match api {
        HeaderApi::Graphql => ApiKind::Graphql,
        HeaderApi::Rest => ApiKind::Rest,
    };
    let (name, value) = kind.header_for(&session);
    write_stdout(&format!("{name}: {value}"))
}

fn refresh(ctx: &Ctx) -> Result<()> {
    let manager = ctx.manager()?;
    let renewed = runtime()?
        .block_on(manager.renew_now())
        .map_err(|e| with_login_hint(e, &ctx.profile))?;
    super::provider::report_renewal(ctx, Some(renewed.expires_at()));
    Ok(())
}

/// Runs CMD with the tokens in its environment and returns its exit status as ours.
fn exec(ctx: &Ctx, command: Vec<OsString>) -> Result<ExitCode> {
    let session = ctx.session()?;
    // CMD may need only the tokens: a failing identity pool costs it the AWS variables, not
    // the run.
    let aws_env = super::credentials::aws_env(ctx).unwrap_or_else(|e| {
        eprintln!("ul-auth: warning: running without AWS credentials: {e:#}");
        Vec::new()
    });
    let (name, value) = ApiKind::Rest.header_for(&session);
    let mut env = vec![
        ("UL_ID_TOKEN", session.id_token().secret().to_owned()),
        (
            "UL_ACCESS_TOKEN",
            session.access_token().secret().to_owned(),
        ),
        // The names every provider's `exec` sets: the token and the REST API's header line.
        ("UL_TOKEN", session.id_token().secret().to_owned()),
        ("UL_AUTH_HEADER", format!("{name}: {value}")),
    ];
    env.extend(aws_env);
    run_with_env(&command, env)
}

/// Runs CMD (program and arguments) with `env` added to ours; its exit status becomes ours
/// (127 when it cannot be found, 126 when it cannot run, 128 + N when killed by signal N).
pub fn run_with_env(command: &[OsString], env: Vec<(&'static str, String)>) -> Result<ExitCode> {
    let env: Vec<(&str, zeroize::Zeroizing<String>)> = env
        .into_iter()
        .map(|(k, v)| (k, zeroize::Zeroizing::new(v)))
        .collect();
    let (program, args) = command
        .split_first()
        .context("no command given: ul-auth exec -- CMD [ARGS...]")?;
    let status = std::process::Command::new(program)
        .args(args)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .status();
    let status = match status {
        Ok(status) => status,
        Err(e) => {
            eprintln!("ul-auth: cannot run {}: {e}", program.to_string_lossy());
            // What shells answer for a command that cannot be found or run.
            let code = if e.kind() == std::io::ErrorKind::NotFound {
                127
            } else {
                126
            };
            return Ok(ExitCode::from(code));
        }
    };
    if let Some(code) = status.code() {
        return Ok(ExitCode::from(u8::try_from(code & 0xff).unwrap_or(1)));
    }
    // Killed by a signal: report it as shells do, 128 + signal number.
    let signal = std::os::unix::process::ExitStatusExt::signal(&status).unwrap_or(0);
    Ok(ExitCode::from(u8::try_from(128 + signal).unwrap_or(1)))
}

/// Signs out of the server, then removes the local session, all under the profile's lock: a
/// refresh running in another process (the aws CLI's `credential_process`, say) finishes
/// first, and its result is what gets revoked; none starts until the file is gone. The local
/// session goes even when the server call fails (the user asked to be signed out here), but
/// a refresh token that may still work is an error, never a warning.
fn logout(ctx: &Ctx, global: bool) -> Result<ExitCode> {
    let manager = ctx.manager()?;
    let locked = manager.lock()?;
    let mut failure = None;
    let mut revocation_failed = None;
    if let Some(session) = locked.stored()? {
        let rt = runtime()?;
        if global {
            // GlobalSignOut needs a live access token: refresh first if needed.
            let result = rt.block_on(async {
                let session = locked.valid().await?;
                manager
                    .renewer()
                    .client()
                    .await
                    .global_sign_out(&session)
                    .await
            });
            match result {
                Ok(()) => {
                    eprintln!("Signed out everywhere: every refresh token of this user is revoked")
                }
                Err(e) => failure = Some(e),
            }
        } else if session.refresh_token().is_none() {
            eprintln!("This session has no refresh token, so there is nothing to revoke");
        } else {
            let result =
                rt.block_on(async { manager.renewer().client().await.revoke(&session).await });
            match result {
                Ok(()) => {
                    eprintln!("Revoked this session's refresh token (other devices stay signed in)")
                }
                Err(e) => revocation_failed = Some(e),
            }
        }
    }
    if locked.remove()? {
        eprintln!("Removed the cached session of profile {}", ctx.profile);
    } else {
        eprintln!("No cached session for profile {}", ctx.profile);
    }
    drop(locked);
    if let Some(e) = failure {
        return Err(anyhow::Error::new(e).context(
            "the global sign-out failed: the user's refresh tokens stay valid until they \
             expire (the local session was removed)",
        ));
    }
    if let Some(e) = revocation_failed {
        eprintln!(
            "ul-auth: could not revoke the refresh token on the server ({e}): it stays valid \
             until it expires, for anyone holding a copy (the local session was removed; \
             `ul-auth login` then `ul-auth logout --global` revokes every refresh token of \
             the user)"
        );
        return Ok(ExitCode::from(crate::exit::SERVICE));
    }
    Ok(ExitCode::SUCCESS)
}

/// One line on stdout. A closed pipe (`| head`) is not an error.
pub fn write_stdout(line: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{line}").and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(provider: Option<&str>, base_url: Option<&str>) -> Settings {
        let mut s = Settings::default();
        s.provider = provider.map(str::to_owned);
        s.base_url = base_url.map(str::to_owned);
        s
    }

    #[test]
    fn a_profiles_base_url_serves_only_the_profiles_own_provider() {
        let table = || settings(Some("unleash"), Some("https://flags.example"));
        let other = layered(settings(Some("unith"), None), table());
        assert_eq!(other.base_url, None);
        let same = layered(settings(Some("Unleash"), None), table());
        assert_eq!(same.base_url.as_deref(), Some("https://flags.example"));
        let unchosen = layered(settings(None, None), table());
        assert_eq!(unchosen.base_url.as_deref(), Some("https://flags.example"));
        let flag = layered(settings(Some("unith"), Some("http://127.0.0.1:1")), table());
        assert_eq!(flag.base_url.as_deref(), Some("http://127.0.0.1:1"));
    }
}
