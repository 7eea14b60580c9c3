//! The TOML config file: one table of settings per profile.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::Settings;
use crate::error::{Error, Result};

/// The TOML config file: one table per profile, with the settings' config-file keys, e.g.
///
/// ```toml
/// [default]
/// client_id = "7jhe1lfkb5pvhbkicc3d14m0ej"
///
/// [staging]
/// user_pool_id = "ap-southeast-2_Example"
/// client_id = "abc123"
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct ConfigFile {
    profiles: BTreeMap<String, Settings>,
}

impl ConfigFile {
    /// The default location: `$XDG_CONFIG_HOME/unleashlive-auth/config.toml`
    /// (`~/.config/...` when `XDG_CONFIG_HOME` is unset).
    pub fn default_path() -> Option<PathBuf> {
        super::paths::default_config_file(&|name| std::env::var(name).ok())
    }

    /// Reads the file; a missing file is an empty config.
    ///
    /// # Errors
    /// [`Error::Config`] when the file cannot be read or is not valid TOML of this shape; the
    /// message never quotes the file (it may hold a client secret).
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
        // toml's own text quotes the offending line, which may hold a client secret: the
        // message and the line number only.
        Self::parse(&text).map_err(|e| {
            let line = e.span().map(|span| {
                text.as_bytes()[..span.start.min(text.len())]
                    .iter()
                    .filter(|b| **b == b'\n')
                    .count()
                    + 1
            });
            let at = line.map(|n| format!(" (line {n})")).unwrap_or_default();
            Error::config(
                path.display().to_string(),
                format!("not a valid config file: {}{at}", e.message().trim_end()),
            )
        })
    }

    /// Reads the file's text.
    ///
    /// # Errors
    /// The TOML error when `text` is not valid TOML of this shape (an unknown key included).
    pub fn parse(text: &str) -> std::result::Result<Self, toml::de::Error> {
        toml::from_str(text)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_config_file_is_reported_by_line_without_quoting_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        for text in [
            "[default]\nclient-secret = \"s3cr3t-from-file\"\n",
            "[default]\nclient_secret = \"s3cr3t-from-file\n",
        ] {
            std::fs::write(&path, text).unwrap();
            let shown = ConfigFile::load(&path).unwrap_err().to_string();
            assert!(!shown.contains("s3cr3t"), "{shown}");
            assert!(shown.contains("line 2"), "{shown}");
        }
    }

    #[test]
    fn unknown_keys_in_the_config_file_are_errors() {
        assert!(ConfigFile::parse("[default]\nclientid = \"x\"\n").is_err());
    }

    #[test]
    fn every_setting_of_the_table_is_a_key_of_the_file() {
        for &setting in crate::config::Setting::ALL {
            let value = match setting.spec().kind {
                crate::config::Kind::Switch => "true",
                _ => "\"x\"",
            };
            let text = format!("[p]\n{} = {value}\n", setting.key());
            let file = ConfigFile::parse(&text).unwrap_or_else(|e| panic!("{setting}: {e}"));
            assert!(file.profile("p").is_set(setting), "{setting}");
        }
    }
}
