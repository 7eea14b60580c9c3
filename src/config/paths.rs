//! Where things are by default: the XDG config file and cache directory.

use std::path::{Path, PathBuf};

use super::{Setting, Settings};
use crate::error::{Error, Result};

/// An environment lookup (`std::env::var`, or a fixed map in tests).
pub(crate) type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// An owned [`Lookup`].
pub(crate) type BoxedLookup<'a> = Box<dyn Fn(&str) -> Option<String> + 'a>;

/// `$XDG_CONFIG_HOME/unleashlive-auth/config.toml`, else `~/.config/...`.
pub(crate) fn default_config_file(lookup: Lookup<'_>) -> Option<PathBuf> {
    xdg_dir(lookup, "XDG_CONFIG_HOME", ".config")
        .map(|d| d.join("unleashlive-auth").join("config.toml"))
}

/// The session cache directory: the `cache_dir` setting, else
/// `$XDG_CACHE_HOME/unleashlive-auth`, else `~/.cache/unleashlive-auth`.
///
/// # Errors
/// [`Error::Config`] when neither a cache dir nor a home directory is known.
pub fn cache_dir(settings: &Settings) -> Result<PathBuf> {
    cache_dir_in(settings, &|name| std::env::var(name).ok())
}

pub(crate) fn cache_dir_in(settings: &Settings, lookup: Lookup<'_>) -> Result<PathBuf> {
    if let Some(dir) = &settings.cache_dir {
        return Ok(dir.clone());
    }
    xdg_dir(lookup, "XDG_CACHE_HOME", ".cache")
        .map(|d| d.join("unleashlive-auth"))
        .ok_or_else(|| {
            Error::config(
                Setting::CacheDir,
                format!(
                    "no cache directory: no home directory is known, so set `{}`",
                    Setting::CacheDir
                ),
            )
        })
}

fn xdg_dir(lookup: Lookup<'_>, var: &str, fallback_in_home: &str) -> Option<PathBuf> {
    match lookup(var) {
        Some(dir) if !dir.is_empty() && Path::new(&dir).is_absolute() => Some(PathBuf::from(dir)),
        _ => lookup("HOME")
            .filter(|h| !h.is_empty())
            .map(|h| PathBuf::from(h).join(fallback_in_home)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xdg_dirs_must_be_absolute_else_home_is_used() {
        let env = |xdg: &'static str| {
            move |name: &str| match name {
                "XDG_CACHE_HOME" => Some(xdg.to_owned()),
                "HOME" => Some("/home/pilot".to_owned()),
                _ => None,
            }
        };
        let dir = cache_dir_in(&Settings::default(), &env("/xdg/cache")).unwrap();
        assert_eq!(dir, Path::new("/xdg/cache/unleashlive-auth"));
        let dir = cache_dir_in(&Settings::default(), &env("relative")).unwrap();
        assert_eq!(dir, Path::new("/home/pilot/.cache/unleashlive-auth"));
        let explicit = Settings::default().cache_dir("/tmp/c");
        assert_eq!(
            cache_dir_in(&explicit, &env("/xdg")).unwrap(),
            Path::new("/tmp/c")
        );
        let err = cache_dir_in(&Settings::default(), &|_| None).unwrap_err();
        assert!(err.to_string().contains("cache_dir"), "{err}");
    }
}
