//! The checks of the settings table: one per setting (each says what is wrong, the table adds
//! which setting), then the rules that involve two settings. Messages name settings by their
//! config-file key in backquotes (`` `region` ``), never a flag or a variable: a program
//! explains how its users set them.

use super::{Config, Setting};
use crate::error::{Error, Result};
use crate::secret::ClientSecret;

/// What is wrong with one value.
pub(crate) type Check = std::result::Result<(), String>;

/// An AWS region, e.g. `ap-southeast-2`, `us-gov-west-1`.
pub(crate) fn region(region: &str) -> Check {
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
        Err(format!(
            "{region:?} is not an AWS region (e.g. ap-southeast-2)"
        ))
    }
}

/// `<region>_<name>` (that the region is the configured one is checked in [`across`]).
pub(crate) fn user_pool_id(id: &str) -> Check {
    match id.split_once('_') {
        Some((region, name)) if !region.is_empty() && !name.is_empty() => Ok(()),
        _ => Err(format!(
            "{id:?} is not a user pool id (expected <region>_<name>, e.g. ap-southeast-2_UnpJmDeN5)"
        )),
    }
}

/// Letters and digits.
pub(crate) fn client_id(id: &str) -> Check {
    if id.trim().is_empty() {
        return Err("the app client id is empty".into());
    }
    if !id.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(format!(
            "{id:?} is not an app client id (letters and digits only)"
        ));
    }
    Ok(())
}

/// Not empty (an app client without a secret has no `client_secret` at all).
pub(crate) fn client_secret(secret: &ClientSecret) -> Check {
    if secret.secret().is_empty() {
        return Err(format!(
            "the client secret is empty (leave `{}` unset for app clients without a secret)",
            Setting::ClientSecret
        ));
    }
    Ok(())
}

/// `<region>:<uuid>`.
pub(crate) fn identity_pool_id(id: &str) -> Check {
    match id.split_once(':') {
        Some((region_part, rest)) if region(region_part).is_ok() && !rest.is_empty() => Ok(()),
        _ => Err(format!(
            "{id:?} is not an identity pool id (expected <region>:<uuid>)"
        )),
    }
}

/// An `http(s)` URL with a host.
pub(crate) fn url(value: &str) -> Check {
    let uri: http::Uri = value
        .parse()
        .map_err(|e| format!("{value:?} is not a URL: {e}"))?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        _ => return Err(format!("{value:?} is not an http(s) URL")),
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(format!("{value:?} has no host"));
    }
    Ok(())
}

/// Not empty.
pub(crate) fn bucket(name: &str) -> Check {
    if name.trim().is_empty() {
        return Err("the bucket name is empty".into());
    }
    Ok(())
}

/// Any value will do.
pub(crate) fn any<T: ?Sized>(_: &T) -> Check {
    Ok(())
}

/// The rules that involve two settings: the pool is in the region; no URL is plain http to
/// another machine unless `allow_http`.
pub(crate) fn across(config: &Config) -> Result<()> {
    let (pool_region, _) = config.user_pool_id().split_once('_').unwrap_or_default();
    if pool_region != config.region() {
        return Err(Error::config(
            Setting::UserPoolId,
            format!(
                "user pool {:?} is in region {pool_region:?}, but the region is {:?} (set `{}` \
                 to match)",
                config.user_pool_id(),
                config.region(),
                Setting::Region
            ),
        ));
    }
    for (setting, url) in config.urls() {
        refuse_plain_http(setting, url, config.allow_http())?;
    }
    Ok(())
}

/// Refuses a plain `http://` URL to a host other than this machine unless `allowed`: every
/// URL of ours carries a credential or is trusted for keys.
///
/// # Errors
/// [`Error::Config`] naming the setting and the `allow_http` switch.
pub fn refuse_plain_http(setting: Setting, value: &str, allowed: bool) -> Result<()> {
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
             unencrypted; use https, or allow it with `{}`",
            Setting::AllowHttp
        ),
    ))
}

/// [`url`], as the error of `setting`.
pub(crate) fn url_setting(setting: Setting, value: &str) -> Result<()> {
    url(value).map_err(|reason| Error::config(setting, reason))
}

/// Checks a profile name so it can name a cache file.
///
/// # Errors
/// [`Error::Config`] (setting `profile`) when the name is empty or holds anything but letters,
/// digits, `-`, `_`, `.`.
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
            PROFILE_SETTING,
            format!("{name:?} is not a profile name (letters, digits, '-', '_', '.')"),
        ))
    }
}

/// The name [`Error::Config`] gives the profile name (not a setting of the table: it chooses
/// the table).
pub const PROFILE_SETTING: &str = "profile";
