//! `ul-auth`'s entry: the profile's settings layered (flags and variables over the config
//! file's table), then `doctor` or the command for the profile's provider.

use std::process::ExitCode;

use anyhow::Result;
use unleashlive_auth::config::{self, ConfigFile};
use unleashlive_auth::{ClientSecret, ProviderKind};

use super::args::{Cli, Command};
use super::ctx::{Ctx, endpoint_origin, layered};
use super::prompt::Stdin;

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
    if let Command::Doctor(args) = cli.command {
        return super::doctor::run(&ctx, &file, args);
    }
    let provider = ProviderKind::parse(ctx.settings.provider.as_deref().unwrap_or("unleash-live"))?;
    super::commands::run(&ctx, provider, cli.command)
}
