//! Where to sign in and which APIs to call.
//!
//! Every setting is listed once, in the settings table ([`Setting`], [`SettingSpec`]): its
//! config-file key, flag, environment variable, default and check. [`Config::unleash_live`]
//! holds the production values; the layers, highest first, are: a program's own options
//! (`ul-auth`'s flags) > environment variable > profile in the TOML config file > the
//! production default. [`Settings`] is one such layer; [`Settings::over`] stacks them and
//! [`Settings::resolve`] checks the result into a [`Config`], which therefore is always valid.
//! [`Profile::resolve`] does all of it the way `ul-auth` does.

mod file;
mod paths;
mod profile;
mod provider;
mod settings;
mod validate;
mod value;

pub use file::ConfigFile;
pub use paths::cache_dir;
pub use profile::{Origin, Profile, ProfileBuilder};
pub use provider::ProviderKind;
pub use settings::{Config, Kind, Place, Setting, SettingSpec, Settings, env};
pub use validate::{PROFILE_SETTING, refuse_plain_http, validate_profile};

impl Config {
    /// The production Unleash Live settings (from the official samples' configuration).
    pub fn unleash_live() -> Self {
        Settings::default()
            .resolve()
            .expect("the table's defaults pass its checks (a unit test proves it)")
    }

    /// The pool's name as SRP uses it: the part of the pool id after `_`.
    pub fn pool_name(&self) -> &str {
        let pool = self.user_pool_id();
        pool.split_once('_').map_or(pool, |(_, name)| name)
    }

    /// The token issuer, `https://cognito-idp.<region>.amazonaws.com/<poolId>`.
    pub fn issuer(&self) -> String {
        format!(
            "https://cognito-idp.{}.amazonaws.com/{}",
            self.region(),
            self.user_pool_id()
        )
    }

    /// Where the pool's signing keys are: the `jwks_url` setting, else derived from the
    /// endpoint override (emulators serve it there), else the real Cognito URL.
    pub fn jwks_url(&self) -> String {
        if let Some(url) = self.explicit_jwks_url() {
            return url.to_owned();
        }
        match self.endpoint_url() {
            Some(endpoint) => format!(
                "{}/{}/.well-known/jwks.json",
                endpoint.trim_end_matches('/'),
                self.user_pool_id()
            ),
            None => format!("{}/.well-known/jwks.json", self.issuer()),
        }
    }
}

#[cfg(test)]
mod tests;
