//! `ul-auth doctor`: the library's probes (`unleashlive_auth::doctor`) for this profile, plus
//! the rows only the binary can make (settings, other providers' profiles), printed as a table
//! or as JSON.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;
use clap::Args;
use serde_json::json;
use unleashlive_auth::doctor::{self, Check, Doctor, Status};
use unleashlive_auth::text::terminal_safe;
use unleashlive_auth::{
    ApiKey, Auth, CognitoRenewer, CognitoSessions, Config, ConfigFile, Error, ErrorClass,
    ProviderKind, Settings,
};

use super::args::Output;
use super::commands::{Ctx, runtime};
use super::pat::{CredArgs, analytics_auth};

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Also renew the session with its refresh token, to prove it still works (the cached
    /// tokens are replaced by new ones; nothing else changes).
    #[arg(long)]
    pub refresh: bool,
    /// Also read this Media Drive folder: a `get` and one `list` page, showing the location
    /// format the service uses. Copy the id from the folder's address in the web app.
    #[arg(long, value_name = "ID")]
    pub folder: Option<String>,
}

pub fn run(ctx: &Ctx, file: &ConfigFile, args: DoctorArgs) -> Result<ExitCode> {
    let mut checks = Vec::new();
    let since = Instant::now();
    // The Unleash Live settings of this profile, whatever provider it names.
    let mut settings = ctx.settings.clone();
    settings.provider = None;
    settings.base_url = None;
    match settings.clone().resolve() {
        Ok(config) => {
            checks.push(timed(config_check(ctx, &config), since));
            checks.extend(probe(ctx, &settings, config, &args));
        }
        Err(e) => {
            checks.push(timed(
                Check::fail(
                    "config",
                    &e,
                    "fix the setting it names (flag, variable or config file)",
                ),
                since,
            ));
        }
    }
    checks.extend(provider_checks(ctx, file));
    print(ctx.output, &checks)?;
    Ok(ExitCode::from(match doctor::worst(&checks) {
        None => 0,
        Some(ErrorClass::Service) => crate::exit::SERVICE,
        Some(ErrorClass::Authentication) => crate::exit::AUTH,
        Some(ErrorClass::Usage) => crate::exit::USAGE,
        Some(_) => crate::exit::OTHER,
    }))
}

fn timed(mut check: Check, since: Instant) -> Check {
    check.ms = u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX);
    check
}

/// Which settings differ from production, so a report says what it was run against.
fn config_check(ctx: &Ctx, config: &Config) -> Check {
    let production = Config::unleash_live();
    let mut changed = Vec::new();
    let mut note = |name: &str, same: bool| {
        if !same {
            changed.push(name.to_owned());
        }
    };
    note("region", config.region == production.region);
    note(
        "user_pool_id",
        config.user_pool_id == production.user_pool_id,
    );
    note("client_id", config.client_id == production.client_id);
    note(
        "identity_pool_id",
        config.identity_pool_id == production.identity_pool_id,
    );
    note("api_url", config.api_url == production.api_url);
    note("graphql_url", config.graphql_url == production.graphql_url);
    note(
        "endpoint_url",
        config.endpoint_url == production.endpoint_url,
    );
    note("jwks_url", config.jwks_url() == production.jwks_url());
    let against = if changed.is_empty() {
        "the production endpoints".to_owned()
    } else {
        format!("production except {}", changed.join(", "))
    };
    Check::ok(
        "config",
        format!(
            "profile {}: pool {} in {}, app client {}; {against}",
            ctx.profile, config.user_pool_id, config.region, config.client_id
        ),
    )
}

fn probe(ctx: &Ctx, settings: &Settings, config: Config, args: &DoctorArgs) -> Vec<Check> {
    let mut checks = Vec::new();
    let since = Instant::now();
    let http = match super::provider::http() {
        Ok(http) => http,
        Err(e) => {
            checks.push(row_for("http", &e, "", since));
            return checks;
        }
    };
    let mut doctor = Doctor::new(config.clone(), http)
        .wording(super::hints::doctor_words)
        .refresh(args.refresh)
        .folder(args.folder.clone());
    // A profile of another provider holds that provider's token, not a Cognito session.
    let provider = ctx.settings.provider.as_deref().unwrap_or("unleash-live");
    match ProviderKind::parse(provider) {
        Ok(ProviderKind::UnleashLive) => match unleashlive_auth::config::cache_dir(settings) {
            Ok(dir) => {
                let store = unleashlive_auth::SessionStore::new(dir);
                doctor = doctor.sessions(CognitoSessions::new(
                    store,
                    ctx.profile.clone(),
                    CognitoRenewer::new(config),
                ));
            }
            Err(e) => checks.push(row_for("session", &e.into(), "set UL_CACHE_DIR", since)),
        },
        _ => {
            doctor = doctor.without_session(format!(
                "profile {} uses the {provider} provider, not an Unleash Live session: see its \
                 provider:{} row",
                ctx.profile, ctx.profile
            ));
        }
    }
    match token_at_hand(ctx) {
        Ok(Some(token)) => doctor = doctor.token(token),
        Ok(None) => {}
        // A token that cannot be read or sent is a row of its own; the rest still runs.
        Err(e) => checks.push(row_for(
            "pat",
            &e,
            "fix UL_API_TOKEN / UL_API_KEY, or store the token again with `ul-auth pat set`",
            since,
        )),
    }
    match runtime() {
        Ok(rt) => checks.extend(rt.block_on(doctor.run())),
        Err(e) => checks.push(row_for("runtime", &e, "", since)),
    }
    checks
}

/// A failed row for an error of the binary's own set-up.
fn row_for(name: &str, e: &anyhow::Error, fix: &str, since: Instant) -> Check {
    let check = match e.downcast_ref::<Error>() {
        Some(err) => Check::fail(name, err, fix),
        None => Check::differs(name, format!("{e:#}")),
    };
    timed(check, since)
}

/// A PAT or API key if one is at hand (UL_API_TOKEN, UL_API_KEY, the stored PAT); none is not
/// an error here.
fn token_at_hand(ctx: &Ctx) -> Result<Option<Auth>> {
    let cred = CredArgs {
        token_stdin: false,
        api_key: std::env::var(super::secrets::API_KEY)
            .ok()
            .filter(|k| !k.trim().is_empty())
            .map(ApiKey::new),
    };
    match analytics_auth(ctx, &cred) {
        Ok(auth) => Ok(Some(auth)),
        Err(e) if matches!(e.downcast_ref::<Error>(), Some(Error::NotAuthorized { .. })) => {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// `check` of every other provider's profile in the config file (and of this one when it is
/// one).
fn provider_checks(ctx: &Ctx, file: &ConfigFile) -> Vec<Check> {
    let mut names: Vec<String> = file.profile_names().map(str::to_owned).collect();
    if !names.contains(&ctx.profile) {
        names.push(ctx.profile.clone());
    }
    let mut checks = Vec::new();
    for name in names {
        let since = Instant::now();
        let mut settings = if name == ctx.profile {
            ctx.settings.clone()
        } else {
            file.profile(&name)
        };
        if settings.cache_dir.is_none() {
            settings.cache_dir.clone_from(&ctx.settings.cache_dir);
        }
        let row = format!("provider:{name}");
        let kind = match ProviderKind::parse(settings.provider.as_deref().unwrap_or("unleash-live"))
        {
            Ok(ProviderKind::UnleashLive) => continue,
            Ok(kind) => kind,
            Err(e) => {
                checks.push(timed(
                    Check::fail(row, &e, "fix the profile's provider"),
                    since,
                ));
                continue;
            }
        };
        let sub = Ctx {
            profile: name.clone(),
            settings,
            output: ctx.output,
            endpoint_origin: None,
        };
        let check = match super::provider::check_profile(&sub, kind) {
            Ok(said) => Check::ok(row, format!("{}: {said}", kind.title())),
            Err(e) => match e.downcast_ref::<Error>() {
                Some(Error::NotSignedIn { .. }) => Check::skip(
                    row,
                    format!(
                        "{}: not signed in (`ul-auth --profile {name} login`)",
                        kind.title()
                    ),
                ),
                Some(err) => Check::fail(row, err, &format!("`ul-auth --profile {name} login`")),
                None => Check::differs(row, format!("{}: {e:#}", kind.title())),
            },
        };
        checks.push(timed(check, since));
    }
    checks
}

fn print(output: Output, checks: &[Check]) -> Result<()> {
    if output == Output::Json {
        let rows: Vec<_> = checks
            .iter()
            .map(|c| json!({"name": c.name, "status": c.status.as_str(), "detail": c.detail, "ms": c.ms}))
            .collect();
        println!("{}", json!({ "checks": rows }));
        return Ok(());
    }
    let width = checks.iter().map(|c| c.name.len()).max().unwrap_or(0);
    for c in checks {
        let mark = match c.status {
            Status::Ok => " ok ",
            Status::Fail => "FAIL",
            Status::Skip => "skip",
        };
        // Details quote servers (GraphQL messages, key ids, Cognito's messages).
        println!(
            "[{mark}] {:<width$} {:>6} ms  {}",
            terminal_safe(&c.name),
            c.ms,
            terminal_safe(&c.detail)
        );
    }
    let count = |s: Status| checks.iter().filter(|c| c.status == s).count();
    println!(
        "{} ok, {} failed, {} skipped",
        count(Status::Ok),
        count(Status::Fail),
        count(Status::Skip)
    );
    Ok(())
}
