//! The settings table: every setting once, with its config-file key, CLI flag, environment
//! variable, default, check and help text. Everything else is generated from it: the
//! [`Setting`] list and its [`SettingSpec`]s, the [`Settings`] layer (fields, environment
//! lookup, stacking, builder methods), the [`Config`] fields and accessors, the
//! [`env`] names and the validation that turns a layer into a [`Config`]. The CLI builds its
//! flags and hints from the [`SettingSpec`]s.

use std::path::PathBuf;

use serde::Deserialize;

use super::validate;
use super::value::{self, Optional, Presence as _, Required, SettingValue as _, View as _};
use crate::error::{Error, Result, SettingName};
use crate::secret::ClientSecret;

/// What kind of value a setting holds (how a program should ask for it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Kind {
    /// Plain text (an id, a name).
    Text,
    /// An `http(s)` URL; plain `http` to another machine needs the `allow_http` switch.
    Url,
    /// A secret: never shown, never echoed.
    Secret,
    /// A directory.
    Path,
    /// On or off (`true`/`false` in the config file; present or not as a flag).
    Switch,
}

/// Whether a setting is one most users meet, or one for special set-ups (the CLI shows
/// those only in `--help`, not in `-h`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Place {
    /// Shown everywhere.
    Main,
    /// Shown in the long help only.
    Advanced,
}

/// Everything the table says about one setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SettingSpec {
    /// The setting.
    pub setting: Setting,
    /// Its key in a config-file profile (and its name in messages), e.g. `user_pool_id`.
    pub key: &'static str,
    /// Its command-line flag without the dashes, e.g. `user-pool-id`.
    pub flag: &'static str,
    /// Its environment variable, e.g. `UL_USER_POOL_ID`.
    pub env: &'static str,
    /// The production default, when there is one.
    pub default: Option<&'static str>,
    /// What kind of value it holds.
    pub kind: Kind,
    /// Where a program lists it.
    pub place: Place,
    /// One line for people, e.g. for `--help`.
    pub help: &'static str,
}

macro_rules! settings_table {
    (@default $default:literal) => { Some(concat!($default)) };
    (@default) => { None };
    (
        @spec $variant:ident $field:ident $flag:literal $env:literal $kind:ident $place:ident
        $help:literal $($default:literal)?
    ) => {
        SettingSpec {
            setting: Setting::$variant,
            key: stringify!($field),
            flag: $flag,
            env: $env,
            default: settings_table!(@default $($default)?),
            kind: Kind::$kind,
            place: Place::$place,
            help: $help,
        }
    };
    (
        config {$(
            $(#[doc = $doc:literal])+
            $variant:ident $field:ident: $presence:ident $ty:ty $(= $default:literal)?,
            fn $getter:ident -> $view:ty, $kind:ident, $place:ident,
            env $env_const:ident = $env:literal, flag $flag:literal,
            tidy $tidy:path, check $check:path, help $help:literal;
        )*}
        profile {$(
            $(#[doc = $pdoc:literal])+
            $pvariant:ident $pfield:ident: $pty:ty $(= $pdefault:literal)?,
            $pkind:ident, $pplace:ident, env $penv_const:ident = $penv:literal,
            flag $pflag:literal, help $phelp:literal;
        )*}
    ) => {
        /// One entry of the settings table. Its [`Display`](std::fmt::Display) is its
        /// config-file key.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Setting {
            $($(#[doc = $doc])+ $variant,)*
            $($(#[doc = $pdoc])+ $pvariant,)*
        }

        static TABLE: &[SettingSpec] = &[
            $(settings_table!(
                @spec $variant $field $flag $env $kind $place $help $($default)?
            ),)*
            $(settings_table!(
                @spec $pvariant $pfield $pflag $penv $pkind $pplace $phelp $($pdefault)?
            ),)*
        ];

        impl Setting {
            /// Every setting, in the table's order.
            pub const ALL: &'static [Setting] = &[
                $(Setting::$variant,)* $(Setting::$pvariant,)*
            ];
        }

        /// Environment variable names: one per setting, plus the two that choose the profile
        /// and the config file.
        pub mod env {
            $($(#[doc = $doc])+ pub const $env_const: &str = $env;)*
            $($(#[doc = $pdoc])+ pub const $penv_const: &str = $penv;)*
            /// Profile name.
            pub const PROFILE: &str = "UL_PROFILE";
            /// Config file path (default `$XDG_CONFIG_HOME/unleashlive-auth/config.toml`).
            pub const CONFIG_FILE: &str = "UL_CONFIG_FILE";
        }

        /// One layer of optional settings (a config-file profile, the environment, a
        /// program's own options). Also the way to build a [`Config`]: set what differs from
        /// production, then [`Settings::resolve`].
        #[derive(Debug, Clone, Default, Deserialize)]
        #[serde(deny_unknown_fields)]
        #[non_exhaustive]
        pub struct Settings {
            $($(#[doc = $doc])+ pub $field: Option<$ty>,)*
            $($(#[doc = $pdoc])+ pub $pfield: Option<$pty>,)*
        }

        impl Settings {
            /// `self` stacked over `lower`: each setting set here wins, the rest come from
            /// `lower`.
            #[must_use]
            pub fn over(self, lower: Settings) -> Settings {
                Settings {
                    $($field: self.$field.or(lower.$field),)*
                    $($pfield: self.$pfield.or(lower.$pfield),)*
                }
            }

            /// Sets `setting` from its text form, as an environment variable writes it.
            pub fn set_text(&mut self, setting: Setting, text: &str) {
                match setting {
                    $(Setting::$variant => self.$field = Some(value::SettingValue::from_text(text)),)*
                    $(Setting::$pvariant => self.$pfield = Some(value::SettingValue::from_text(text)),)*
                }
            }

            /// Whether this layer sets `setting`.
            pub fn is_set(&self, setting: Setting) -> bool {
                match setting {
                    $(Setting::$variant => self.$field.is_some(),)*
                    $(Setting::$pvariant => self.$pfield.is_some(),)*
                }
            }

            /// Leaves `setting` unset in this layer.
            pub fn unset(&mut self, setting: Setting) {
                match setting {
                    $(Setting::$variant => self.$field = None,)*
                    $(Setting::$pvariant => self.$pfield = None,)*
                }
            }

            $(
                $(#[doc = $doc])+
                #[must_use]
                pub fn $field(mut self, value: impl Into<$ty>) -> Self {
                    self.$field = Some(value.into());
                    self
                }
            )*
            $(
                $(#[doc = $pdoc])+
                #[must_use]
                pub fn $pfield(mut self, value: impl Into<$pty>) -> Self {
                    self.$pfield = Some(value.into());
                    self
                }
            )*

            /// These settings over the production defaults, checked.
            ///
            /// # Errors
            /// [`Error::Config`] naming the first invalid setting.
            pub fn resolve(self) -> Result<Config> {
                let config = Config {
                    $($field: $presence::fill(
                        self.$field.map($tidy),
                        Setting::$variant.spec().default,
                    ),)*
                };
                $(
                    if let Some(value) = $presence::get(&config.$field) {
                        $check(value).map_err(|reason| Error::config(Setting::$variant, reason))?;
                    }
                )*
                validate::across(&config)?;
                Ok(config)
            }
        }

        /// The checked settings every other part of the library works from. There is no
        /// unchecked one: a `Config` comes from [`Config::unleash_live`],
        /// [`Settings::resolve`] or a resolved [`Profile`](super::Profile).
        #[derive(Debug, Clone)]
        pub struct Config {
            $($field: <$presence as value::Presence>::Of<$ty>,)*
        }

        impl Config {
            $(
                $(#[doc = $doc])+
                pub fn $getter(&self) -> $view {
                    self.$field.view()
                }
            )*

            /// These settings as a layer, e.g. to change one and resolve again.
            pub fn to_settings(&self) -> Settings {
                Settings {
                    $($field: $presence::get(&self.$field).cloned(),)*
                    $($pfield: None,)*
                }
            }

            /// The settings whose values differ between `self` and `other` (e.g.
            /// [`Config::unleash_live`]), in the table's order.
            pub fn differences(&self, other: &Config) -> Vec<Setting> {
                let mut differ = Vec::new();
                $(
                    if self.$field != other.$field {
                        differ.push(Setting::$variant);
                    }
                )*
                differ
            }

            /// Every URL setting that has a value.
            pub(crate) fn urls(&self) -> impl Iterator<Item = (Setting, &str)> {
                [$((Setting::$variant, $presence::get(&self.$field).and_then(|v| v.text())),)*]
                    .into_iter()
                    .filter(|(setting, _)| setting.spec().kind == Kind::Url)
                    .filter_map(|(setting, url)| Some((setting, url?)))
            }
        }
    };
}

settings_table! {
    config {
        /// AWS region of the user pool, e.g. `ap-southeast-2`.
        Region region: Required String = "ap-southeast-2", fn region -> &str, Text, Main,
            env REGION = "UL_REGION", flag "region",
            tidy value::as_given, check validate::region, help "AWS region of the user pool";
        /// Cognito user pool id, `<region>_<name>`.
        UserPoolId user_pool_id: Required String = "ap-southeast-2_UnpJmDeN5",
            fn user_pool_id -> &str, Text, Main, env USER_POOL_ID = "UL_USER_POOL_ID",
            flag "user-pool-id", tidy value::as_given, check validate::user_pool_id,
            help "Cognito user pool id";
        /// Cognito app client id.
        ClientId client_id: Required String = "7jhe1lfkb5pvhbkicc3d14m0ej", fn client_id -> &str,
            Text, Main, env CLIENT_ID = "UL_CLIENT_ID", flag "client-id",
            tidy value::as_given, check validate::client_id, help "App client id";
        /// App client secret, only for app clients created with one.
        ClientSecret client_secret: Optional ClientSecret,
            fn client_secret -> Option<&ClientSecret>, Secret, Main,
            env CLIENT_SECRET = "UL_CLIENT_SECRET", flag "client-secret",
            tidy value::as_given, check validate::client_secret,
            help "App client secret, only for app clients created with one";
        /// Cognito identity pool id, `<region>:<uuid>`.
        IdentityPoolId identity_pool_id: Required String =
            "ap-southeast-2:359c9d8b-02e4-457f-b185-4f3ff3f639d7", fn identity_pool_id -> &str,
            Text, Main, env IDENTITY_POOL_ID = "UL_IDENTITY_POOL_ID", flag "identity-pool-id",
            tidy value::as_given, check validate::identity_pool_id,
            help "Cognito identity pool id";
        /// REST API base URL (flights, analytics), without a trailing slash.
        ApiUrl api_url: Required String = "https://api.unleashlive.com", fn api_url -> &str,
            Url, Advanced, env API_URL = "UL_API_URL", flag "api-url",
            tidy value::trim_slash, check validate::url, help "REST API base URL";
        /// Media Drive GraphQL URL.
        GraphqlUrl graphql_url: Required String = "https://mediadrive-api.unleashlive.com/graphql",
            fn graphql_url -> &str, Url, Advanced, env GRAPHQL_URL = "UL_GRAPHQL_URL",
            flag "graphql-url", tidy value::as_given, check validate::url,
            help "Media Drive GraphQL URL";
        /// Media Drive download CDN base URL.
        MediaCdnUrl media_cdn_url: Required String = "https://library.unleashlive.com",
            fn media_cdn_url -> &str, Url, Advanced, env MEDIA_CDN_URL = "UL_MEDIA_CDN_URL",
            flag "media-cdn-url", tidy value::trim_slash, check validate::url,
            help "Media Drive download CDN";
        /// Flight log download CDN base URL.
        FlightsCdnUrl flights_cdn_url: Required String = "https://flights.unleashlive.com",
            fn flights_cdn_url -> &str, Url, Advanced, env FLIGHTS_CDN_URL = "UL_FLIGHTS_CDN_URL",
            flag "flights-cdn-url", tidy value::trim_slash, check validate::url,
            help "Flight log download CDN";
        /// Media Drive upload bucket.
        UploadBucket upload_bucket: Required String = "library-upload-syd-cloud",
            fn upload_bucket -> &str, Text, Advanced, env UPLOAD_BUCKET = "UL_UPLOAD_BUCKET",
            flag "upload-bucket", tidy value::as_given, check validate::bucket,
            help "Media Drive upload bucket";
        /// AWS endpoint override (tests, emulators); none: the real AWS endpoints.
        EndpointUrl endpoint_url: Optional String, fn endpoint_url -> Option<&str>, Url, Main,
            env ENDPOINT_URL = "AWS_ENDPOINT_URL", flag "endpoint-url",
            tidy value::trim_slash, check validate::url,
            help "AWS endpoint override, e.g. a local emulator";
        /// Explicit JWKS URL; none: derived from the pool (or the endpoint override), see
        /// [`Config::jwks_url`](crate::config::Config::jwks_url).
        JwksUrl jwks_url: Optional String, fn explicit_jwks_url -> Option<&str>, Url, Advanced,
            env JWKS_URL = "UL_JWKS_URL", flag "jwks-url", tidy value::as_given,
            check validate::url, help "JWKS URL for token verification";
        /// Whether plain `http://` may be used to hosts other than this machine (loopback is
        /// always allowed, for emulators). Off: credentials travel only over TLS.
        AllowHttp allow_http: Required bool = false, fn allow_http -> bool, Switch, Advanced,
            env ALLOW_HTTP = "UL_ALLOW_HTTP", flag "allow-http", tidy value::as_given,
            check validate::any,
            help "Allow plain http:// URLs to hosts other than this machine (credentials would \
                  cross the network unencrypted; loopback is always allowed)";
    }
    profile {
        /// Directory of the session cache (default `$XDG_CACHE_HOME/unleashlive-auth`).
        CacheDir cache_dir: PathBuf, Path, Main, env CACHE_DIR = "UL_CACHE_DIR",
            flag "cache-dir",
            help "Directory of the session cache [default: $XDG_CACHE_HOME/unleashlive-auth]";
        /// Which token system the profile uses ([`ProviderKind`](crate::config::ProviderKind) name:
        /// `unleash-live`, `unith`, `unleash`, `unleashx`).
        Provider provider: String = "unleash-live", Text, Main, env PROVIDER = "UL_PROVIDER",
            flag "provider",
            help "Token system of the profile: unleash-live, unith, unleash, unleashx";
        /// The API base of a provider other than Unleash Live.
        BaseUrl base_url: String, Url, Main, env BASE_URL = "UL_BASE_URL", flag "base-url",
            help "API base of the provider [defaults: unith https://platform-api.unith.ai, \
                  unleashx https://www.tryunleashx.com; unleash: your instance's URL, required]";
    }
}

impl Setting {
    /// What the table says about this setting.
    pub fn spec(self) -> &'static SettingSpec {
        &TABLE[self as usize]
    }

    /// Its config-file key, e.g. `user_pool_id`.
    pub fn key(self) -> &'static str {
        self.spec().key
    }

    /// The setting whose config-file key is `key`.
    pub fn from_key(key: &str) -> Option<Setting> {
        Setting::ALL.iter().copied().find(|s| s.key() == key)
    }
}

impl std::fmt::Display for Setting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key())
    }
}

impl From<Setting> for SettingName {
    fn from(setting: Setting) -> Self {
        SettingName::new_static(setting.key())
    }
}

impl Settings {
    /// The settings found in the environment (unset and blank variables count as absent).
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// The settings found through `lookup` (an injectable environment); blank values count
    /// as absent.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let mut settings = Settings::default();
        for &setting in Setting::ALL {
            if let Some(text) = lookup(setting.spec().env).filter(|v| !v.trim().is_empty()) {
                settings.set_text(setting, &text);
            }
        }
        settings
    }
}
