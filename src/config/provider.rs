//! Which token system a profile uses: a setting like the others (`provider`), so it lives
//! here; `unleashlive_auth::providers` re-exports it next to the providers themselves.

use super::{Setting, validate};
use crate::error::{Error, Result};

/// The token systems this toolkit speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProviderKind {
    /// Unleash Live: Cognito sign-in or a personal access token (the default).
    UnleashLive,
    /// UNITH: e-mail + secret key exchanged for a 7-day bearer token.
    Unith,
    /// Unleash (feature flags): a static API token sent raw in `Authorization`.
    Unleash,
    /// UnleashX: an e-mailed one-time code, a login token, then a minted API token.
    UnleashX,
}

impl ProviderKind {
    /// Every provider, in the order `--help` lists them.
    pub const ALL: [ProviderKind; 4] = [
        ProviderKind::UnleashLive,
        ProviderKind::Unith,
        ProviderKind::Unleash,
        ProviderKind::UnleashX,
    ];

    /// The name used in settings (`provider = "unith"`) and in the cache file.
    pub const fn name(self) -> &'static str {
        match self {
            ProviderKind::UnleashLive => "unleash-live",
            ProviderKind::Unith => "unith",
            ProviderKind::Unleash => "unleash",
            ProviderKind::UnleashX => "unleashx",
        }
    }

    /// The service's name, for people.
    pub fn title(self) -> &'static str {
        match self {
            ProviderKind::UnleashLive => "Unleash Live",
            ProviderKind::Unith => "UNITH",
            ProviderKind::Unleash => "Unleash",
            ProviderKind::UnleashX => "UnleashX",
        }
    }

    /// What its token is called, for messages.
    pub fn token_name(self) -> &'static str {
        match self {
            ProviderKind::UnleashLive => "Unleash Live session",
            ProviderKind::Unith => "UNITH bearer token",
            ProviderKind::Unleash => "Unleash API token",
            ProviderKind::UnleashX => "UnleashX API token",
        }
    }

    /// The public API base, when the service has one (Unleash is self-hosted: none).
    pub fn default_base_url(self) -> Option<&'static str> {
        match self {
            ProviderKind::UnleashLive => Some("https://api.unleashlive.com"),
            ProviderKind::Unith => Some("https://platform-api.unith.ai"),
            ProviderKind::Unleash => None,
            ProviderKind::UnleashX => Some("https://www.tryunleashx.com"),
        }
    }

    /// The provider named `name`.
    ///
    /// # Errors
    /// [`Error::Config`] (setting `provider`) for an unknown name, listing the known ones.
    pub fn parse(name: &str) -> Result<Self> {
        let wanted = name.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|p| p.name() == wanted)
            .ok_or_else(|| {
                let known: Vec<&str> = Self::ALL.iter().map(|p| p.name()).collect();
                Error::config(
                    Setting::Provider,
                    format!("unknown provider {name:?}; known: {}", known.join(", ")),
                )
            })
    }

    /// The API base to use: `setting` (the `base_url` setting) or the provider's default,
    /// without a trailing slash.
    ///
    /// # Errors
    /// [`Error::Config`] (setting `base_url`) when the setting is not an http(s) URL, or when
    /// it is missing for a provider without a default (Unleash).
    pub fn base_url(self, setting: Option<&str>) -> Result<String> {
        let url = match (
            setting.map(str::trim).filter(|s| !s.is_empty()),
            self.default_base_url(),
        ) {
            (Some(url), _) => url.to_owned(),
            (None, Some(default)) => default.to_owned(),
            (None, None) => {
                return Err(Error::config(
                    Setting::BaseUrl,
                    format!(
                        "the {} provider has no default API base: set `{}` to your instance's \
                         URL, e.g. https://unleash.example.com",
                        self.name(),
                        Setting::BaseUrl
                    ),
                ));
            }
        };
        validate::url_setting(Setting::BaseUrl, &url)?;
        Ok(url.trim_end_matches('/').to_owned())
    }
}

impl std::fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for ProviderKind {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back_and_unknown_names_list_the_known_ones() {
        for p in ProviderKind::ALL {
            assert_eq!(ProviderKind::parse(p.name()).unwrap(), p);
        }
        let err = ProviderKind::parse("okta").unwrap_err();
        assert!(
            matches!(&err, Error::Config { setting, .. } if setting == "provider"),
            "{err:?}"
        );
        assert!(err.to_string().contains("unleashx"), "{err}");
    }

    #[test]
    fn unleash_has_no_default_base_and_names_the_setting() {
        let err = ProviderKind::Unleash
            .base_url(None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("`base_url`"), "{err}");
        assert!(!err.contains("UL_") && !err.contains("--"), "{err}");
        assert_eq!(
            ProviderKind::Unith.base_url(None).unwrap(),
            "https://platform-api.unith.ai"
        );
        assert_eq!(
            ProviderKind::Unleash
                .base_url(Some("https://flags.example/"))
                .unwrap(),
            "https://flags.example"
        );
        assert!(ProviderKind::Unith.base_url(Some("not a url")).is_err());
    }
}
