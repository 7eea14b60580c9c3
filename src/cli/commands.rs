//! What each subcommand does.

use std::io::Write;
use std::time::Duration;

use anyhow::{Context, Result};
use serde_json::json;
use unleashlive_auth::clock::{self, Clock, SystemClock};
use unleashlive_auth::config::{self, ConfigFile, Settings};
use unleashlive_auth::token::unverified::decode_payload_unverified;
use unleashlive_auth::{ApiKind, CognitoClient, Config, Error, Session, SessionStore, SignIn};

use super::args::{Cli, Command, HeaderApi, LoginArgs, Output, TokenKind};
use super::prompt;

struct Ctx {
    profile: String,
    settings: Settings,
    output: Output,
}

impl Ctx {
    fn config(&self) -> Result<Config> {
        Ok(self.settings.clone().resolve()?)
    }

    fn store(&self) -> Result<SessionStore> {
        Ok(SessionStore::new(config::cache_dir(&self.settings)?))
    }

    /// The cached session, usable now.
    fn session(&self) -> Result<Session> {
        let store = self.store()?;
        let Some(session) = store.load(&self.profile)? else {
            return Err(Error::NotSignedIn {
                profile: self.profile.clone(),
            }
            .into());
        };
        if session.is_expired(SystemClock.now()) {
            return Err(Error::SignInAgain {
                reason: format!(
                    "the session of profile {} expired at {}; run `ul-auth login`",
                    self.profile,
                    clock::rfc3339(session.expires_at())
                ),
            }
            .into());
        }
        Ok(session)
    }
}

pub fn run(cli: Cli) -> Result<()> {
    config::validate_profile(&cli.global.profile)?;
    let file_path = cli.global.config.clone().or_else(ConfigFile::default_path);
    let file = match &file_path {
        Some(path) => ConfigFile::load(path)?,
        None => ConfigFile::default(),
    };
    let ctx = Ctx {
        settings: cli
            .global
            .settings
            .to_settings()
            .over(file.profile(&cli.global.profile)),
        profile: cli.global.profile,
        output: cli.global.output,
    };
    match cli.command {
        Command::Login(args) => login(&ctx, args),
        Command::Claims { kind } => claims(&ctx, kind),
        Command::Token { kind } => token(&ctx, kind),
        Command::Header { api } => header(&ctx, api),
        Command::Logout => logout(&ctx),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

fn login(ctx: &Ctx, args: LoginArgs) -> Result<()> {
    let config = ctx.config()?;
    let store = ctx.store()?;
    let username = prompt::username(args.username)?;
    let password = prompt::password(args.password_stdin)?;
    let outcome = runtime()?.block_on(async {
        let cognito = CognitoClient::new(config).await;
        cognito.sign_in_with_password(&username, &password).await
    })?;
    drop(password);
    let session = match outcome {
        SignIn::Done(session) => session,
        SignIn::Challenge(challenge) => {
            return Err(Error::ChallengeRequired {
                challenge: challenge.kind().as_str().to_owned(),
            })
            .context(challenge_hint(challenge.kind().as_str()));
        }
    };
    let path = store.save(&ctx.profile, &session)?;
    tracing::debug!(path = %path.display(), "session cached");
    let c = session.claims();
    match ctx.output {
        Output::Json => println!(
            "{}",
            json!({
                "username": session.username(),
                "sub": c.sub,
                "email": c.email,
                "identityId": c.identity_id,
                "companyId": c.company_id,
                "teamId": c.team_id,
                "expiresAt": clock::rfc3339(session.expires_at()),
            })
        ),
        Output::Text => {
            let left = session.time_left(SystemClock.now());
            println!(
                "Signed in as {} (team {}, company {})",
                c.email.as_deref().unwrap_or(session.username()),
                c.team_id.as_deref().unwrap_or("-"),
                c.company_id.as_deref().unwrap_or("-"),
            );
            println!(
                "Session valid until {} ({}); profile {}",
                clock::rfc3339(session.expires_at()),
                human_duration(left),
                ctx.profile
            );
        }
    }
    Ok(())
}

fn challenge_hint(name: &str) -> String {
    let what = match name {
        "NEW_PASSWORD_REQUIRED" => {
            "this account must choose a new password (first sign-in of an invited user)"
        }
        "SOFTWARE_TOKEN_MFA" => "this account needs a code from its authenticator app",
        "SMS_MFA" => "this account needs a code sent by SMS",
        "EMAIL_OTP" => "this account needs a code sent by e-mail",
        "MFA_SETUP" => "this account must set up multi-factor authentication first",
        "SELECT_MFA_TYPE" => "this account must choose an MFA method",
        _ => "Cognito asks for an extra step",
    };
    format!("sign-in not finished: {what}")
}

fn human_duration(d: Duration) -> String {
    let mins = d.as_secs() / 60;
    if mins >= 120 {
        format!("{} h {} min left", mins / 60, mins % 60)
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

fn logout(ctx: &Ctx) -> Result<()> {
    let removed = ctx.store()?.remove(&ctx.profile)?;
    if removed {
        eprintln!(
            "Signed out: removed the cached session of profile {}",
            ctx.profile
        );
    } else {
        eprintln!("No cached session for profile {}", ctx.profile);
    }
    Ok(())
}

/// One line on stdout. A closed pipe (`| head`) is not an error.
fn write_stdout(line: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{line}").and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
