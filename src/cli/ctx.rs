//! What every command runs with: the profile as the library resolves it, the output format,
//! and the ways to the profile's store, configuration and Cognito session. It imports no
//! command module.

use anyhow::Result;
use std::sync::OnceLock;
use unleashlive_auth::config::{Origin, Profile, Setting, Settings};

use unleashlive_auth::{
    CognitoSessions, Config, CredentialChoice, ProviderKind, Session, SessionStore, UnleashLive,
};

use super::args::{Output, SettingArgs};
use super::out::runtime;

pub struct Ctx {
    /// The library's entry point for this profile, made on first use (Unleash Live profiles
    /// only: other providers never build it).
    ul: OnceLock<UnleashLive>,
    pub profile: String,
    /// The profile as the library resolves it (flags > env > config file > defaults).
    pub resolved: Profile,
    pub output: Output,
    /// Where an endpoint override would come from (`--endpoint-url`, AWS_ENDPOINT_URL or the
    /// config file), for the notice before a password is used.
    pub endpoint_origin: Option<String>,
}

impl Ctx {
    /// Every layer of the profile's settings, stacked.
    pub fn settings(&self) -> &Settings {
        self.resolved.settings()
    }

    pub fn config(&self) -> Result<Config> {
        Ok(self.resolved.config()?.clone())
    }

    pub fn store(&self) -> Result<SessionStore> {
        Ok(SessionStore::new(self.resolved.cache_dir()?))
    }

    /// The library's entry point for this (Unleash Live) profile, as resolved once with this
    /// run's flags; it hands out the session manager, the AWS credentials and the API clients.
    pub fn ul(&self) -> Result<&UnleashLive> {
        if let Some(ul) = self.ul.get() {
            return Ok(ul);
        }
        let built = runtime()?.block_on(
            UnleashLive::builder()
                .resolved(self.resolved.clone())
                .credential(CredentialChoice::Session)
                .build(),
        )?;
        Ok(self.ul.get_or_init(|| built))
    }

    pub fn manager(&self) -> Result<CognitoSessions> {
        Ok(self.ul()?.sessions().clone())
    }

    /// A session valid for a while, refreshed first when it is about to expire. With a
    /// fresh cached session this reads one file and touches no network.
    pub fn session(&self) -> Result<Session> {
        let manager = self.manager()?;
        Ok(runtime()?.block_on(manager.current())?)
    }

    /// The provider's API base from the settings (or its default).
    pub fn base_url(&self, kind: ProviderKind) -> Result<String> {
        Ok(self.resolved.base_url_for(kind)?)
    }
}

/// The shared HTTP client of the provider commands.
pub fn http() -> Result<unleashlive_auth::api::http::HttpClient> {
    Ok(unleashlive_auth::api::http::HttpClient::new()?)
}

impl Ctx {
    /// The context of one run: the profile as resolved, the output format, and where an
    /// endpoint override came from.
    pub fn new(resolved: Profile, output: Output, endpoint_origin: Option<String>) -> Ctx {
        Ctx {
            ul: OnceLock::new(),
            profile: resolved.name().to_owned(),
            resolved,
            output,
            endpoint_origin,
        }
    }
}

/// Says on stderr, before a password is used, that Cognito is not AWS's: an AWS_ENDPOINT_URL
/// exported for a local emulator would otherwise receive `what` unnoticed.
pub fn note_endpoint(ctx: &Ctx, config: &Config, what: &str) {
    if let Some(url) = config.endpoint_url() {
        let origin = ctx
            .endpoint_origin
            .as_deref()
            .unwrap_or("the endpoint_url setting");
        eprintln!(
            "ul-auth: note: Cognito is redirected to {url} by {origin}: {what} goes there, not \
             to https://cognito-idp.{}.amazonaws.com",
            config.region()
        );
    }
}

/// Which layer set the endpoint override: the flag, its variable, or the profile's table.
pub fn endpoint_origin(profile: &Profile, flags: &SettingArgs) -> Option<String> {
    let setting = Setting::EndpointUrl;
    match profile.origin(setting) {
        Origin::Given if !flags.came_from_env(setting) => {
            Some(format!("--{}", setting.spec().flag))
        }
        Origin::Given | Origin::Environment => Some(setting.spec().env.to_owned()),
        Origin::ConfigFile => Some(format!(
            "{setting} in [{}] of {}",
            profile.name(),
            profile
                .config_file_path()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        )),
        _ => None,
    }
}
