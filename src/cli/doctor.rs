//! `ul-auth doctor`: the library's probes (`unleashlive_auth::doctor`) for this profile, plus
//! the rows only the binary can make (settings, other providers' profiles), printed as a table
//! or as JSON.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;
use serde_json::json;
use unleashlive_auth::config::{Profile, Setting, env};
use unleashlive_auth::doctor::{self, Check, Doctor, Status};
use unleashlive_auth::text::terminal_safe;
use unleashlive_auth::{
    ApiKey, Auth, CognitoRenewer, CognitoSessions, Config, Error, ErrorClass, ProviderKind,
};

use super::args::Output;
use super::ctx::Ctx;
use super::out::runtime;
use super::pat::analytics_auth;
use super::subargs::{CredArgs, DoctorArgs};

pub fn run(ctx: &Ctx, args: DoctorArgs) -> Result<ExitCode> {
    let mut checks = Vec::new();
    let since = Instant::now();
    // The Unleash Live settings of this profile, whatever provider it names.
    match ctx.resolved.config() {
        Ok(config) => {
            checks.push(timed(config_check(ctx, config), since));
            checks.extend(probe(ctx, config.clone(), &args));
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
    checks.extend(provider_checks(ctx));
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
    let changed: Vec<&str> = config
        .differences(&Config::unleash_live())
        .into_iter()
        .map(Setting::key)
        .collect();
    let against = if changed.is_empty() {
        "the production endpoints".to_owned()
    } else {
        format!("production except {}", changed.join(", "))
    };
    Check::ok(
        "config",
        format!(
            "profile {}: pool {} in {}, app client {}; {against}",
            ctx.profile,
            config.user_pool_id(),
            config.region(),
            config.client_id()
        ),
    )
}

fn probe(ctx: &Ctx, config: Config, args: &DoctorArgs) -> Vec<Check> {
    let mut checks = Vec::new();
    let since = Instant::now();
    let http = match super::ctx::http() {
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
    let provider = ctx.settings().provider.as_deref().unwrap_or("unleash-live");
    match ctx.resolved.provider() {
        Ok(ProviderKind::UnleashLive) => match ctx.resolved.cache_dir() {
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
fn provider_checks(ctx: &Ctx) -> Vec<Check> {
    let file = ctx.resolved.config_file();
    let mut names: Vec<String> = file.profile_names().map(str::to_owned).collect();
    if !names.contains(&ctx.profile) {
        names.push(ctx.profile.clone());
    }
    let mut checks = Vec::new();
    for name in names {
        let since = Instant::now();
        let row = format!("provider:{name}");
        let resolved = if name == ctx.profile {
            Ok(ctx.resolved.clone())
        } else {
            other_profile(ctx, &name)
        };
        let kind = match resolved
            .as_ref()
            .map_err(Clone::clone)
            .and_then(Profile::provider)
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
        let Ok(resolved) = resolved else { continue };
        let sub = Ctx::new(resolved, ctx.output, None);
        let check = match super::commands::check_profile(&sub, kind) {
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

/// Another profile of the config file: its own table only (this run's flags and variables
/// are for this run's profile), over this run's cache directory.
fn other_profile(ctx: &Ctx, name: &str) -> unleashlive_auth::Result<Profile> {
    let cache_dir = ctx
        .resolved
        .cache_dir()
        .ok()
        .and_then(|d| d.to_str())
        .map(str::to_owned);
    let mut builder = Profile::builder(name)
        .environment(move |var| cache_dir.clone().filter(|_| var == env::CACHE_DIR));
    if let Some(path) = ctx.resolved.config_file_path() {
        builder = builder.config_file(path);
    }
    builder.resolve()
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
