//! "The profile `ul-auth` uses", resolved once for every program: the caller's overrides >
//! the environment > the profile's table in the config file > the production defaults; the
//! cache directory, the provider and its API base; and where each setting came from.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::paths::{self, BoxedLookup, Lookup};
use super::validate::{refuse_plain_http, validate_profile};
use super::{Config, ConfigFile, ProviderKind, Setting, Settings, env};
use crate::error::Result;

/// Where a setting's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Origin {
    /// The caller's overrides (a program's own options, e.g. `ul-auth`'s flags).
    Given,
    /// The setting's environment variable ([`SettingSpec::env`](super::SettingSpec::env)).
    Environment,
    /// The profile's table in the config file ([`Profile::config_file_path`]).
    ConfigFile,
    /// Nowhere: the production default, or no value.
    Default,
}

/// A resolved profile: its settings from every layer, the checked [`Config`], the cache
/// directory, the provider and its API base. Resolving fails only for a bad profile name or
/// an unreadable config file; what only some uses need (the Unleash Live settings, the cache
/// directory, the provider) is resolved at once and each accessor returns its own outcome,
/// so a profile of another provider works with Unleash Live settings it never uses.
///
/// ```no_run
/// use unleashlive_auth::config::{Profile, Settings};
///
/// # fn run() -> Result<(), unleashlive_auth::Error> {
/// let profile = Profile::resolve("default", Settings::default())?;
/// let config = profile.config()?;
/// println!("pool {} in {}", config.user_pool_id(), config.region());
/// println!("sessions in {}", profile.cache_dir()?.display());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Profile {
    name: String,
    settings: Settings,
    origins: BTreeMap<Setting, Origin>,
    file: ConfigFile,
    file_path: Option<PathBuf>,
    config: Result<Config>,
    provider: Result<ProviderKind>,
    cache_dir: Result<PathBuf>,
}

/// How to resolve a [`Profile`]: its name, the caller's overrides, the environment and the
/// config file, each replaceable (tests, programs with their own options).
pub struct ProfileBuilder<'a> {
    name: String,
    overrides: Settings,
    lookup: BoxedLookup<'a>,
    config_file: Option<PathBuf>,
}

impl Profile {
    /// The profile `name` as `ul-auth` resolves it, with `overrides` above every other
    /// layer; the environment is the process's, the config file the one `ul-auth` reads
    /// (`UL_CONFIG_FILE`, else `$XDG_CONFIG_HOME/unleashlive-auth/config.toml`).
    ///
    /// # Errors
    /// [`Error::Config`](crate::Error::Config) for a profile name that cannot name a cache
    /// file, or a config file that cannot be read or parsed.
    pub fn resolve(name: &str, overrides: Settings) -> Result<Profile> {
        Profile::builder(name).overrides(overrides).resolve()
    }

    /// A builder, to replace the environment or the config file.
    pub fn builder(name: impl Into<String>) -> ProfileBuilder<'static> {
        ProfileBuilder {
            name: name.into(),
            overrides: Settings::default(),
            lookup: Box::new(|name| std::env::var(name).ok()),
            config_file: None,
        }
    }

    /// The profile's name (it names the cached credential).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Every layer stacked, before defaults and checks.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The checked Unleash Live settings.
    ///
    /// # Errors
    /// [`Error::Config`](crate::Error::Config) naming the first invalid setting.
    pub fn config(&self) -> Result<&Config> {
        self.config.as_ref().map_err(Clone::clone)
    }

    /// The profile's token system (`provider`, default Unleash Live).
    ///
    /// # Errors
    /// [`Error::Config`](crate::Error::Config) for an unknown provider name.
    pub fn provider(&self) -> Result<ProviderKind> {
        self.provider.clone()
    }

    /// The provider's API base: the `base_url` setting or the provider's default, refused
    /// when plain http to another machine and `allow_http` is off.
    ///
    /// # Errors
    /// [`Error::Config`](crate::Error::Config) for an unknown provider, a missing or invalid
    /// base URL.
    pub fn base_url(&self) -> Result<String> {
        self.base_url_for(self.provider()?)
    }

    /// As [`Profile::base_url`], for `provider` (a program that chose it otherwise).
    ///
    /// # Errors
    /// [`Error::Config`](crate::Error::Config) for a missing or invalid base URL.
    pub fn base_url_for(&self, provider: ProviderKind) -> Result<String> {
        let base = provider.base_url(self.settings.base_url.as_deref())?;
        let allowed = self.settings.allow_http.unwrap_or(false);
        refuse_plain_http(Setting::BaseUrl, &base, allowed)?;
        Ok(base)
    }

    /// The directory of the profile's cached credentials.
    ///
    /// # Errors
    /// [`Error::Config`](crate::Error::Config) when neither `cache_dir` nor a home directory
    /// is known.
    pub fn cache_dir(&self) -> Result<&Path> {
        self.cache_dir.as_deref().map_err(Clone::clone)
    }

    /// Which layer set `setting`.
    pub fn origin(&self, setting: Setting) -> Origin {
        self.origins
            .get(&setting)
            .copied()
            .unwrap_or(Origin::Default)
    }

    /// The config file (empty when there is none).
    pub fn config_file(&self) -> &ConfigFile {
        &self.file
    }

    /// Where the config file is (or would be).
    pub fn config_file_path(&self) -> Option<&Path> {
        self.file_path.as_deref()
    }
}

impl<'a> ProfileBuilder<'a> {
    /// Settings above every other layer (a program's own options).
    #[must_use]
    pub fn overrides(mut self, overrides: Settings) -> Self {
        self.overrides = overrides;
        self
    }

    /// The environment to read instead of the process's (also for `XDG_*` and `HOME`).
    #[must_use]
    pub fn environment<'b>(
        self,
        lookup: impl Fn(&str) -> Option<String> + 'b,
    ) -> ProfileBuilder<'b> {
        ProfileBuilder {
            name: self.name,
            overrides: self.overrides,
            lookup: Box::new(lookup),
            config_file: self.config_file,
        }
    }

    /// The config file to read instead of the default one (a missing file is empty).
    #[must_use]
    pub fn config_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.config_file = Some(path.into());
        self
    }

    /// Reads the config file and stacks the layers.
    ///
    /// # Errors
    /// As [`Profile::resolve`].
    pub fn resolve(self) -> Result<Profile> {
        validate_profile(&self.name)?;
        let lookup: Lookup<'_> = &*self.lookup;
        let file_path = self.config_file.or_else(|| {
            lookup(env::CONFIG_FILE)
                .filter(|p| !p.trim().is_empty())
                .map(PathBuf::from)
                .or_else(|| paths::default_config_file(lookup))
        });
        let file = match &file_path {
            Some(path) => ConfigFile::load(path)?,
            None => ConfigFile::default(),
        };
        let environment = Settings::from_lookup(lookup);
        let (settings, origins) = stack(self.overrides, environment, file.profile(&self.name));
        let cache_dir = paths::cache_dir_in(&settings, lookup);
        let provider = match settings.provider.as_deref() {
            Some(name) => ProviderKind::parse(name),
            None => Ok(ProviderKind::UnleashLive),
        };
        Ok(Profile {
            config: settings.clone().resolve(),
            name: self.name,
            settings,
            origins,
            file,
            file_path,
            provider,
            cache_dir,
        })
    }
}

/// The layers stacked, highest first, and which one set each setting. A profile table's
/// `base_url` belongs to the table's provider: when a higher layer chooses another provider
/// it is dropped, so one service's credentials are never sent to another's URL.
fn stack(
    given: Settings,
    environment: Settings,
    mut table: Settings,
) -> (Settings, BTreeMap<Setting, Origin>) {
    let chosen = given.clone().over(environment.clone()).provider;
    if let Some(chosen) = chosen {
        let default = Setting::Provider.spec().default.unwrap_or_default();
        let configured = table.provider.as_deref().unwrap_or(default);
        if !chosen.trim().eq_ignore_ascii_case(configured.trim()) {
            table.unset(Setting::BaseUrl);
        }
    }
    let mut origins = BTreeMap::new();
    for &setting in Setting::ALL {
        let origin = [
            (Origin::Given, &given),
            (Origin::Environment, &environment),
            (Origin::ConfigFile, &table),
        ]
        .into_iter()
        .find(|(_, layer)| layer.is_set(setting))
        .map_or(Origin::Default, |(origin, _)| origin);
        origins.insert(setting, origin);
    }
    (given.over(environment.over(table)), origins)
}
