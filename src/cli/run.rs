//! `ul-auth`'s entry: the profile resolved by the library (flags and variables over the config
//! file's table), then `doctor` or the command for the profile's provider.

use std::process::ExitCode;

use anyhow::Result;
use unleashlive_auth::ClientSecret;
use unleashlive_auth::config::Profile;

use super::args::{Cli, Command};
use super::ctx::{Ctx, endpoint_origin};
use super::prompt::Stdin;

pub fn run(cli: Cli) -> Result<ExitCode> {
    let mut given = cli.global.settings.to_settings();
    if let Some(secret) = given.client_secret.take() {
        let secret = Stdin.unless_dash(secret.secret(), "the app client secret")?;
        given.client_secret = Some(ClientSecret::new(secret.as_str()));
    }
    let mut profile = Profile::builder(cli.global.profile.as_str()).overrides(given);
    if let Some(path) = &cli.global.config {
        profile = profile.config_file(path);
    }
    let resolved = profile.resolve()?;
    let origin = endpoint_origin(&resolved, &cli.global.settings);
    let ctx = Ctx::new(resolved, cli.global.output, origin);
    if let Command::Doctor(args) = cli.command {
        return super::doctor::run(&ctx, args);
    }
    let provider = ctx.resolved.provider()?;
    super::commands::run(&ctx, provider, cli.command)
}
