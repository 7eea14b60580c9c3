//! Where to sign in and which APIs to call.
//!
//! [`Config::unleash_live`] holds the production values. Every field can be overridden; the
//! layers, highest first, are: CLI flag > environment variable > profile in the TOML config
//! file > the production default. [`Settings`] is one such layer; [`Settings::over`] stacks
//! them and [`Settings::resolve`] validates the result into a [`Config`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::secret::ClientSecret;

/// Environment variable names, one per setting.
pub mod env {
    /// AWS region of the user pool.
    pub const REGION: &str = "UL_REGION";
    /// Cognito user pool id.
    pub const USER_POOL_ID: &str = "UL_USER_POOL_ID";
    /// Cognito app client id.
    pub const CLIENT_ID: &str = "UL_CLIENT_ID";
    /// App client secret (only for app clients that have one).
    pub const CLIENT_SECRET: &str = "UL_CLIENT_SECRET";
    /// Cognito identity pool id.
    pub const IDENTITY_POOL_ID: &str = "UL_IDENTITY_POOL_ID";
    /// REST API base URL.
    pub const API_URL: &str = "UL_API_URL";
    /// Media Drive GraphQL URL.
    pub const GRAPHQL_URL: &str = "UL_GRAPHQL_URL";
    /// Media Drive download CDN.
    pub const MEDIA_CDN_URL: &str = "UL_MEDIA_CDN_URL";
    /// Flight log download CDN.
    pub const FLIGHTS_CDN_URL: &str = "UL_FLIGHTS_CDN_URL";
    /// Media Drive upload bucket.
    pub const UPLOAD_BUCKET: &str = "UL_UPLOAD_BUCKET";
    /// Directory of the session cache.
    pub const CACHE_DIR: &str = "UL_CACHE_DIR";
    /// AWS endpoint override (the standard AWS variable), e.g. a local emulator.
    pub const ENDPOINT_URL: &str = "AWS_ENDPOINT_URL";
    /// Explicit JWKS URL.
    pub const JWKS_URL: &str = "UL_JWKS_URL";
    /// Profile name.
    pub const PROFILE: &str = "UL_PROFILE";
    /// Config file path (default `$XDG_CONFIG_HOME/unleashlive-auth/config.toml`).
    pub const CONFIG_FILE: &str = "UL_CONFIG_FILE";
    /// Which token system a profile uses (`unleash-live`, `unith`, `unleash`, `unleashx`).
    pub const PROVIDER: &str = "UL_PROVIDER";
    /// The API base of a provider other than Unleash Live.
    pub const BASE_URL: &str = "UL_BASE_URL";
    /// `1`: allow plain `http://` URLs to hosts other than this machine.
    pub const ALLOW_HTTP: &str = "UL_ALLOW_HTTP";
}

/// The validated settings every other part of the library works from.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// AWS region, e.g. `ap-southeast-2`.
    pub region: String,
    /// User pool id, `<region>_<name>`.
    pub user_pool_id: String,
    /// App client id.
    pub client_id: String,
    /// App client secret, for app clients created with one.
    pub client_secret: Option<ClientSecret>,
    /// Identity pool id, `<region>:<uuid>`.
    pub identity_pool_id: String,
    /// REST API base URL (flights, analytics), without a trailing slash.
    pub api_url: String,
    /// Media Drive GraphQL endpoint.
    pub graphql_url: String,
    /// Media Drive download CDN base URL.
    pub media_cdn_url: String,
    /// Flight log CDN base URL.
    pub flights_cdn_url: String,
    /// Media Drive upload bucket.
    pub upload_bucket: String,
    /// AWS endpoint override (tests, emulators); `None` = the real AWS endpoints.
    pub endpoint_url: Option<String>,
    /// Explicit JWKS URL; `None` = derived from the pool (or the endpoint override).
    pub jwks_url: Option<String>,
    /// Whether plain `http://` may be used to hosts other than this machine (loopback is
    /// always allowed, for emulators). Off: credentials travel only over TLS.
    pub allow_http: bool,
}

impl Config {
    /// The production Unleash Live settings (from the official samples' configuration).
    pub fn unleash_live() -> Self {
        Config {
            region: "ap-southeast-2".into(),
            user_pool_id: "ap-southeast-2_UnpJmDeN5".into(),
            client_id: "7jhe1lfkb5pvhbkicc3d14m0ej".into(),
            client_secret: None,
            identity_pool_id: "ap-southeast-2:359c9d8b-02e4-457f-b185-4f3ff3f639d7".into(),
            api_url: "https://api.unleashlive.com".into(),
            graphql_url: "https://mediadrive-api.unleashlive.com/graphql".into(),
            media_cdn_url: "https://library.unleashlive.com".into(),
            flights_cdn_url: "https://flights.unleashlive.com".into(),
            upload_bucket: "library-upload-syd-cloud".into(),
            endpoint_url: None,
            jwks_url: None,
            allow_http: false,
        }
    }

    /// The pool's name as SRP uses it: the part of the pool id after `_`.
    pub fn pool_name(&self) -> &str {
        self.user_pool_id
            .split_once('_')
            .map_or(self.user_pool_id.as_str(), |(_, name)| name)
    }

    /// The token issuer, `https://cognito-idp.<region>.amazonaws.com/<poolId>`.
    pub fn issuer(&self) -> String {
        format!(
            "https://cognito-idp.{}.amazonaws.com/{}",
            self.region, self.user_pool_id
        )
    }

    /// Where the pool's signing keys are: the explicit URL, else derived from the endpoint
    /// override (emulators serve it there), else the real Cognito URL.
    pub fn jwks_url(&self) -> String {
        if let Some(url) = &self.jwks_url {
            return url.clone();
        }
        match &self.endpoint_url {
            Some(endpoint) => format!(
                "{}/{}/.well-known/jwks.json",
                endpoint.trim_end_matches('/'),
                self.user_pool_id
            ),
            None => format!("{}/.well-known/jwks.json", self.issuer()),
        }
    }

    /// Checks every field, naming the setting at fault.
    ///
    /// # Errors
    /// [`Error::Config`] for the first invalid setting.
    pub fn validate(&self) -> Result<()> {
        validate_region(&self.region)?;
        match self.user_pool_id.split_once('_') {
            Some((region, name)) if region == self.region && !name.is_empty() => {}
            Some((region, _)) if region != self.region => {
                return Err(Error::config(
                    env::USER_POOL_ID,
                    format!(
                        "user pool {:?} is in region {region:?}, but the region is {:?} (set {} to match)",
                        self.user_pool_id,
                        self.region,
                        env::REGION
                    ),
                ));
            }
            _ => {
                return Err(Error::config(
                    env::USER_POOL_ID,
                    format!(
                        "{:?} is not a user pool id (expected <region>_<name>, e.g. ap-southeast-2_UnpJmDeN5)",
                        self.user_pool_id
                    ),
                ));
            }
        }
        if self.client_id.trim().is_empty() {
            return Err(Error::config(env::CLIENT_ID, "the app client id is empty"));
        }
        if !self.client_id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(Error::config(
                env::CLIENT_ID,
                format!(
                    "{:?} is not an app client id (letters and digits only)",
                    self.client_id
                ),
            ));
        }
        if let Some(secret) = &self.client_secret
            && secret.secret().is_empty()
        {
            return Err(Error::config(
                env::CLIENT_SECRET,
                "the client secret is empty (unset it for app clients without a secret)",
            ));
        }
        match self.identity_pool_id.split_once(':') {
            Some((region, id)) if validate_region(region).is_ok() && !id.is_empty() => {}
            _ => {
                return Err(Error::config(
                    env::IDENTITY_POOL_ID,
                    format!(
                        "{:?} is not an identity pool id (expected <region>:<uuid>)",
                        self.identity_pool_id
                    ),
                ));
            }
        }
        let urls = [
            (env::API_URL, Some(&self.api_url)),
            (env::GRAPHQL_URL, Some(&self.graphql_url)),
            (env::MEDIA_CDN_URL, Some(&self.media_cdn_url)),
            (env::FLIGHTS_CDN_URL, Some(&self.flights_cdn_url)),
            (env::ENDPOINT_URL, self.endpoint_url.as_ref()),
            (env::JWKS_URL, self.jwks_url.as_ref()),
        ];
        for (setting, url) in urls {
            if let Some(url) = url {
                validate_url(setting, url)?;
                refuse_plain_http(setting, url, self.allow_http)?;
            }
        }
        if self.upload_bucket.trim().is_empty() {
            return Err(Error::config(
                env::UPLOAD_BUCKET,
                "the bucket name is empty",
            ));
        }
        Ok(())
    }
}

/// Refuses a plain `http://` URL to a host other than this machine unless `allowed`: every
/// URL of ours carries a credential or is trusted for keys.
///
/// # Errors
/// [`Error::Config`] naming the setting and the way to allow it.
pub fn refuse_plain_http(setting: &str, value: &str, allowed: bool) -> Result<()> {
    let Ok(uri) = value.parse::<http::Uri>() else {
        return Ok(());
    };
    if allowed || uri.scheme_str() != Some("http") {
        return Ok(());
    }
    let host = uri.host().unwrap_or_default().trim_matches(['[', ']']);
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if loopback {
        return Ok(());
    }
    Err(Error::config(
        setting,
        format!(
            "{value:?} is plain http to another machine: tokens and keys would cross the network \
             unencrypted; use https, or allow it with --allow-http / {}=1",
            env::ALLOW_HTTP
        ),
    ))
}

fn validate_region(region: &str) -> Result<()> {
    // e.g. ap-southeast-2, us-gov-west-1
    let parts: Vec<&str> = region.split('-').collect();
    let ok = parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty();
    if ok {
        Ok(())
    } else {
        Err(Error::config(
            env::REGION,
            format!("{region:?} is not an AWS region (e.g. ap-southeast-2)"),
        ))
    }
}

pub(crate) fn validate_url(setting: &str, value: &str) -> Result<()> {
    let uri: http::Uri = value
        .parse()
        .map_err(|e| Error::config(setting, format!("{value:?} is not a URL: {e}")))?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        _ => {
            return Err(Error::config(
                setting,
                format!("{value:?} is not an http(s) URL"),
            ));
        }
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(Error::config(setting, format!("{value:?} has no host")));
    }
    Ok(())
}

/// One layer of optional settings (a config-file profile, the environment, CLI flags).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Settings {
    /// See [`Config::region`].
    pub region: Option<String>,
    /// See [`Config::user_pool_id`].
    pub user_pool_id: Option<String>,
    /// See [`Config::client_id`].
    pub client_id: Option<String>,
    /// See [`Config::client_secret`].
    pub client_secret: Option<ClientSecret>,
    /// See [`Config::identity_pool_id`].
    pub identity_pool_id: Option<String>,
    /// See [`Config::api_url`].
    pub api_url: Option<String>,
    /// See [`Config::graphql_url`].
    pub graphql_url: Option<String>,
    /// See [`Config::media_cdn_url`].
    pub media_cdn_url: Option<String>,
    /// See [`Config::flights_cdn_url`].
    pub flights_cdn_url: Option<String>,
    /// See [`Config::upload_bucket`].
    pub upload_bucket: Option<String>,
    /// See [`Config::endpoint_url`].
    pub endpoint_url: Option<String>,
    /// See [`Config::jwks_url`].
    pub jwks_url: Option<String>,
    /// Directory of the session cache.
    pub cache_dir: Option<PathBuf>,
    /// The token system of the profile ([`crate::providers::ProviderKind`] name).
    pub provider: Option<String>,
    /// The API base of a provider other than Unleash Live.
    pub base_url: Option<String>,
    /// See [`Config::allow_http`].
    pub allow_http: Option<bool>,
}

impl Settings {
    /// The settings found in the environment (unset and empty variables count as absent).
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// The settings found through `lookup` (an injectable environment).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let get = |name: &str| lookup(name).filter(|v| !v.is_empty());
        Settings {
            region: get(env::REGION),
            user_pool_id: get(env::USER_POOL_ID),
            client_id: get(env::CLIENT_ID),
            client_secret: get(env::CLIENT_SECRET).map(ClientSecret::new),
            identity_pool_id: get(env::IDENTITY_POOL_ID),
            api_url: get(env::API_URL),
            graphql_url: get(env::GRAPHQL_URL),
            media_cdn_url: get(env::MEDIA_CDN_URL),
            flights_cdn_url: get(env::FLIGHTS_CDN_URL),
            upload_bucket: get(env::UPLOAD_BUCKET),
            endpoint_url: get(env::ENDPOINT_URL),
            jwks_url: get(env::JWKS_URL),
            cache_dir: get(env::CACHE_DIR).map(PathBuf::from),
            provider: get(env::PROVIDER),
            base_url: get(env::BASE_URL),
            allow_http: get(env::ALLOW_HTTP).map(|v| {
                !matches!(
                    v.trim().to_ascii_lowercase().as_str(),
                    "0" | "false" | "no" | "off"
                )
            }),
        }
    }

    /// `self` stacked over `lower`: each field set here wins, the rest come from `lower`.
    pub fn over(self, lower: Settings) -> Settings {
        Settings {
            region: self.region.or(lower.region),
            user_pool_id: self.user_pool_id.or(lower.user_pool_id),
            client_id: self.client_id.or(lower.client_id),
            client_secret: self.client_secret.or(lower.client_secret),
            identity_pool_id: self.identity_pool_id.or(lower.identity_pool_id),
            api_url: self.api_url.or(lower.api_url),
            graphql_url: self.graphql_url.or(lower.graphql_url),
            media_cdn_url: self.media_cdn_url.or(lower.media_cdn_url),
            flights_cdn_url: self.flights_cdn_url.or(lower.flights_cdn_url),
            upload_bucket: self.upload_bucket.or(lower.upload_bucket),
            endpoint_url: self.endpoint_url.or(lower.endpoint_url),
            jwks_url: self.jwks_url.or(lower.jwks_url),
            cache_dir: self.cache_dir.or(lower.cache_dir),
            provider: self.provider.or(lower.provider),
            base_url: self.base_url.or(lower.base_url),
            allow_http: self.allow_http.or(lower.allow_http),
        }
    }

    /// These settings over the production defaults, validated.
    ///
    /// # Errors
    /// [`Error::Config`] naming the first invalid setting.
    pub fn resolve(self) -> Result<Config> {
        let d = Config::unleash_live();
        let config = Config {
            region: self.region.unwrap_or(d.region),
            user_pool_id: self.user_pool_id.unwrap_or(d.user_pool_id),
            client_id: self.client_id.unwrap_or(d.client_id),
            client_secret: self.client_secret,
            identity_pool_id: self.identity_pool_id.unwrap_or(d.identity_pool_id),
            api_url: trim_slash(self.api_url.unwrap_or(d.api_url)),
            graphql_url: self.graphql_url.unwrap_or(d.graphql_url),
            media_cdn_url: trim_slash(self.media_cdn_url.unwrap_or(d.media_cdn_url)),
            flights_cdn_url: trim_slash(self.flights_cdn_url.unwrap_or(d.flights_cdn_url)),
            upload_bucket: self.upload_bucket.unwrap_or(d.upload_bucket),
            endpoint_url: self.endpoint_url.map(trim_slash),
            jwks_url: self.jwks_url,
            allow_http: self.allow_http.unwrap_or(false),
        };
        config.validate()?;
        Ok(config)
    }
}

fn trim_slash(s: String) -> String {
    s.trim_end_matches('/').to_owned()
}

/// The TOML config file: one table per profile, e.g.
///
/// ```toml
/// [default]
/// client_id = "7jhe1lfkb5pvhbkicc3d14m0ej"
///
/// [staging]
/// user_pool_id = "ap-southeast-2_Example"
/// client_id = "abc123"
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(transparent)]
pub struct ConfigFile {
    profiles: BTreeMap<String, Settings>,
}

impl ConfigFile {
    /// The default location: `$XDG_CONFIG_HOME/unleashlive-auth/config.toml`
    /// (`~/.config/...` when `XDG_CONFIG_HOME` is unset).
    pub fn default_path() -> Option<PathBuf> {
        xdg_dir("XDG_CONFIG_HOME", ".config")
            .map(|d| d.join("unleashlive-auth").join("config.toml"))
    }

    /// Reads the file; a missing file is an empty config.
    ///
    /// # Errors
    /// [`Error::Config`] when the file cannot be read or is not valid TOML of this shape.
    pub fn load(path: &Path) -> Result<Self> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => {
                return Err(Error::config(
                    path.display().to_string(),
                    format!("cannot read the config file: {e}"),
                ));
            }
        };
        toml::from_str(&text).map_err(|e| {
            Error::config(
                path.display().to_string(),
                format!("not a valid config file: {e}"),
            )
        })
    }

    /// The settings of one profile (empty when the profile is not in the file).
    pub fn profile(&self, name: &str) -> Settings {
        self.profiles.get(name).cloned().unwrap_or_default()
    }

    /// The profiles the file defines, in name order.
    pub fn profile_names(&self) -> impl Iterator<Item = &str> {
        self.profiles.keys().map(String::as_str)
    }

    /// Whether the file defines this profile.
    pub fn has_profile(&self, name: &str) -> bool {
        self.profiles.contains_key(name)
    }
}

/// The session cache directory: `$UL_CACHE_DIR`, else `$XDG_CACHE_HOME/unleashlive-auth`,
/// else `~/.cache/unleashlive-auth`.
///
/// # Errors
/// [`Error::Config`] when neither a cache dir nor a home directory is known.
pub fn cache_dir(settings: &Settings) -> Result<PathBuf> {
    if let Some(dir) = &settings.cache_dir {
        return Ok(dir.clone());
    }
    xdg_dir("XDG_CACHE_HOME", ".cache")
        .map(|d| d.join("unleashlive-auth"))
        .ok_or_else(|| {
            Error::config(
                env::CACHE_DIR,
                "no cache directory: set UL_CACHE_DIR or HOME",
            )
        })
}

fn xdg_dir(var: &str, fallback_in_home: &str) -> Option<PathBuf> {
    match std::env::var_os(var) {
        Some(dir) if !dir.is_empty() && Path::new(&dir).is_absolute() => Some(PathBuf::from(dir)),
        _ => std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(|h| PathBuf::from(h).join(fallback_in_home)),
    }
}

/// Checks a profile name so it can name a cache file.
///
/// # Errors
/// [`Error::Config`] when the name is empty or holds anything but letters, digits, `-`, `_`, `.`.
pub fn validate_profile(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(Error::config(
            env::PROFILE,
            format!("{name:?} is not a profile name (letters, digits, '-', '_', '.')"),
        ))
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn plain_http_to_another_machine_is_refused_unless_allowed() {
        let with = |name: &str, value: &str, allow: Option<&str>| {
            Settings::from_lookup(|n| match n {
                n if n == name => Some(value.to_owned()),
                "UL_ALLOW_HTTP" => allow.map(str::to_owned),
                _ => None,
            })
            .resolve()
        };
        for setting in [
            env::API_URL,
            env::GRAPHQL_URL,
            env::ENDPOINT_URL,
            env::JWKS_URL,
        ] {
            let err = with(setting, "http://api.example.com/x", None).unwrap_err();
            let text = err.to_string();
            assert!(
                text.contains(setting) && text.contains("--allow-http"),
                "{text}"
            );
            assert!(with(setting, "http://api.example.com/x", Some("1")).is_ok());
            assert!(with(setting, "http://api.example.com/x", Some("0")).is_err());
            for local in [
                "http://127.0.0.1:5000/x",
                "http://localhost/x",
                "http://[::1]:9/x",
            ] {
                assert!(with(setting, local, None).is_ok(), "{local}");
            }
            assert!(with(setting, "https://api.example.com/x", None).is_ok());
        }
    }

    use super::*;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn defaults_are_the_production_values_and_valid() {
        let c = Settings::default().resolve().unwrap();
        assert_eq!(c.user_pool_id, "ap-southeast-2_UnpJmDeN5");
        assert_eq!(c.client_id, "7jhe1lfkb5pvhbkicc3d14m0ej");
        assert_eq!(c.pool_name(), "UnpJmDeN5");
        assert_eq!(
            c.jwks_url(),
            "https://cognito-idp.ap-southeast-2.amazonaws.com/ap-southeast-2_UnpJmDeN5/.well-known/jwks.json"
        );
    }

    #[test]
    fn flag_beats_env_beats_file_beats_default() {
        let file: ConfigFile = toml::from_str(
            "[default]\nclient_id = \"fromfile\"\nupload_bucket = \"file-bucket\"\napi_url = \"https://file.example\"\n",
        )
        .unwrap();
        let env = Settings::from_lookup(lookup(&[
            ("UL_CLIENT_ID", "fromenv"),
            ("UL_UPLOAD_BUCKET", "env-bucket"),
        ]));
        let flags = Settings {
            client_id: Some("fromflag".into()),
            ..Settings::default()
        };
        let c = flags
            .over(env.over(file.profile("default")))
            .resolve()
            .unwrap();
        assert_eq!(c.client_id, "fromflag");
        assert_eq!(c.upload_bucket, "env-bucket");
        assert_eq!(c.api_url, "https://file.example");
        assert_eq!(c.region, "ap-southeast-2");
    }

    #[test]
    fn pool_in_another_region_names_the_setting() {
        let err = Settings {
            user_pool_id: Some("us-east-1_abc".into()),
            ..Settings::default()
        }
        .resolve()
        .unwrap_err()
        .to_string();
        assert!(err.contains("UL_USER_POOL_ID"), "{err}");
        assert!(err.contains("us-east-1"), "{err}");
    }

    #[test]
    fn empty_client_id_and_bad_urls_are_refused_by_name() {
        let err = Settings {
            client_id: Some(" ".into()),
            ..Settings::default()
        }
        .resolve()
        .unwrap_err()
        .to_string();
        assert!(err.contains("UL_CLIENT_ID"), "{err}");
        for bad in ["not a url", "ftp://x.example", "https://"] {
            let err = Settings {
                graphql_url: Some(bad.into()),
                ..Settings::default()
            }
            .resolve()
            .unwrap_err()
            .to_string();
            assert!(err.contains("UL_GRAPHQL_URL"), "{bad}: {err}");
        }
        let err = Settings {
            region: Some("Sydney".into()),
            ..Settings::default()
        }
        .resolve()
        .unwrap_err()
        .to_string();
        assert!(err.contains("UL_REGION"), "{err}");
    }

    #[test]
    fn endpoint_override_moves_the_jwks_url() {
        let c = Settings {
            endpoint_url: Some("http://127.0.0.1:5000/".into()),
            ..Settings::default()
        }
        .resolve()
        .unwrap();
        assert_eq!(
            c.jwks_url(),
            "http://127.0.0.1:5000/ap-southeast-2_UnpJmDeN5/.well-known/jwks.json"
        );
    }

    #[test]
    fn unknown_keys_in_the_config_file_are_errors() {
        assert!(toml::from_str::<ConfigFile>("[default]\nclientid = \"x\"\n").is_err());
    }

    #[test]
    fn profile_names_cannot_escape_the_cache_dir() {
        assert!(validate_profile("work-2").is_ok());
        for bad in ["", "../x", "a/b", ".hidden"] {
            assert!(validate_profile(bad).is_err(), "{bad}");
        }
    }
}
