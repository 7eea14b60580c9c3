//! What each subcommand does (login lives in `login.rs`).

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use serde_json::json;
use unleashlive_auth::clock::{self, Clock, SystemClock};
use unleashlive_auth::config::{self, ConfigFile, Settings};
use unleashlive_auth::token::unverified::decode_payload_unverified;
use unleashlive_auth::{
    ApiKind, ClientSecret, CognitoRenewer, CognitoSessions, Config, Error, ProviderKind, Session,
    SessionStore,
};

use super::args::{Cli, Command, ExecArgs, HeaderApi, Output, TokenKind};
use super::prompt::Stdin;

pub struct Ctx {
    pub profile: String,
    pub settings: Settings,
    pub output: Output,
    /// Where an endpoint override would come from (`--endpoint-url`, AWS_ENDPOINT_URL or the
    /// config file), for the notice before a password is used.
    pub endpoint_origin: Option<String>,
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
        Ok(runtime()?.block_on(manager.current())?)
    }
}

/// Says on stderr, before a password is used, that Cognito is not AWS's: an AWS_ENDPOINT_URL
/// exported for a local emulator would otherwise receive `what` unnoticed.
pub fn note_endpoint(ctx: &Ctx, config: &Config, what: &str) {
    if let Some(url) = &config.endpoint_url {
        let origin = ctx
            .endpoint_origin
            .as_deref()
            .unwrap_or("the endpoint_url setting");
        eprintln!(
            "ul-auth: note: Cognito is redirected to {url} by {origin}: {what} goes there, not \
             to https://cognito-idp.{}.amazonaws.com",
            config.region
        );
    }
}

/// Which layer set the endpoint override: the flag, its variable, or the profile's table.
fn endpoint_origin(given: &Settings, file: Option<&Path>, profile: &str) -> Option<String> {
    if let Some(url) = &given.endpoint_url {
        // clap folds the flag and the variable into one value; the variable holding that
        // same value is where it came from.
        let variable = std::env::var(config::env::ENDPOINT_URL).unwrap_or_default();
        return Some(if variable.trim() == url.trim() {
            config::env::ENDPOINT_URL.to_owned()
        } else {
            "--endpoint-url".to_owned()
        });
    }
    let file = file?;
    Some(format!("endpoint_url in [{profile}] of {}", file.display()))
}

pub fn run(cli: Cli) -> Result<ExitCode> {
    config::validate_profile(&cli.global.profile)?;
    let file_path = cli.global.config.clone().or_else(ConfigFile::default_path);
    let file = match &file_path {
        Some(path) => ConfigFile::load(path)?,
        None => ConfigFile::default(),
    };
    let mut given = cli.global.settings.to_settings();
    if let Some(secret) = given.client_secret.take() {
        let secret = Stdin.unless_dash(secret.secret(), "the app client secret")?;
        given.client_secret = Some(ClientSecret::new(secret.as_str()));
    }
    let endpoint_origin = endpoint_origin(&given, file_path.as_deref(), &cli.global.profile);
    let ctx = Ctx {
        settings: layered(given, file.profile(&cli.global.profile)),
        profile: cli.global.profile,
        output: cli.global.output,
        endpoint_origin,
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
        Command::Exec(args) => exec(&ctx, &args),
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
    let renewed = runtime()?.block_on(manager.renew_now())?;
    super::provider::report_renewal(ctx, Some(renewed.expires_at()));
    Ok(())
}

/// Runs CMD with the tokens (and, unless --no-aws, the identity pool's AWS credentials) in its
/// environment and returns its exit status as ours. Without AWS credentials CMD is not run:
/// it would otherwise act with whatever AWS profile or keys ul-auth was started with.
fn exec(ctx: &Ctx, args: &ExecArgs) -> Result<ExitCode> {
    let session = ctx.session()?;
    let aws_env = if args.no_aws {
        Vec::new()
    } else {
        super::credentials::aws_env(ctx).context(
            "the command was not run: the identity pool gave no AWS credentials for it (pass \
             --no-aws to run it without any)",
        )?
    };
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
    super::exec::run(args, env, !args.no_aws)
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
            "ul-auth: could not revoke the refresh token on the server ({}): it stays valid \
             until it expires, for anyone holding a copy (the local session was removed; \
             `ul-auth login` then `ul-auth logout --global` revokes every refresh token of \
             the user)",
            unleashlive_auth::text::terminal_safe(&unleashlive_auth::error::chain(&e))
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
