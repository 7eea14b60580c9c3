//! What every command runs with: the profile, its layered settings, the output format, and the
//! ways to the profile's store, configuration and Cognito session. It imports no command
//! module.

use std::path::Path;

use anyhow::Result;
use unleashlive_auth::config::{self, Settings};
use unleashlive_auth::{
    CognitoRenewer, CognitoSessions, Config, ProviderKind, Session, SessionStore,
};

use super::args::Output;
use super::hints::with_login_hint;
use super::out::runtime;

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
        runtime()?
            .block_on(manager.current())
            .map_err(|e| with_login_hint(e, &self.profile).into())
    }

    /// The provider's API base from the settings (or its default).
    pub fn base_url(&self, kind: ProviderKind) -> Result<String> {
        let base = kind.base_url(self.settings.base_url.as_deref())?;
        config::refuse_plain_http("base_url", &base, self.settings.allow_http.unwrap_or(false))?;
        Ok(base)
    }
}

/// The shared HTTP client of the provider commands.
pub fn http() -> Result<unleashlive_auth::api::http::HttpClient> {
    Ok(unleashlive_auth::api::http::HttpClient::new()?)
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
pub fn endpoint_origin(given: &Settings, file: Option<&Path>, profile: &str) -> Option<String> {
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
