//! The setting flags, made from the library's settings table (`unleashlive_auth::config`):
//! one flag per setting, each also read from its variable, and the hint that says how to set
//! a setting an error names.

use clap::parser::ValueSource;
use clap::{Arg, ArgAction, ArgMatches, Args, FromArgMatches};
use unleashlive_auth::Error;
use unleashlive_auth::config::{Kind, PROFILE_SETTING, Place, Setting, SettingSpec, Settings, env};

/// One flag per setting of the library's settings table (`unleashlive_auth::config::Setting`),
/// each also read from its environment variable; flags, help and hints all come from the table.
#[derive(Debug, Default)]
pub struct SettingArgs {
    given: Settings,
    from_env: Vec<Setting>,
}

const SETTINGS_HEADING: &str = "Settings (flag > env > config file > production default)";

impl SettingArgs {
    /// The flags (and their variables) as a settings layer; an empty value counts as not
    /// given, as in `Settings::from_env`, so `UL_PROVIDER=` does not hide the config file.
    pub fn to_settings(&self) -> Settings {
        self.given.clone()
    }

    /// Whether `setting` came from its environment variable rather than its flag (clap folds
    /// the two into one value).
    pub fn came_from_env(&self, setting: Setting) -> bool {
        self.from_env.contains(&setting)
    }
}

impl Args for SettingArgs {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        let cmd = cmd.next_help_heading(SETTINGS_HEADING);
        Setting::ALL
            .iter()
            .fold(cmd, |cmd, setting| cmd.arg(setting_arg(setting.spec())))
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}

impl FromArgMatches for SettingArgs {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let mut args = SettingArgs::default();
        args.update_from_arg_matches(matches)?;
        Ok(args)
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        for &setting in Setting::ALL {
            let id = setting.key();
            let text = match setting.spec().kind {
                // Off is not a choice: a profile's `allow_http = true` still applies.
                Kind::Switch => matches.get_flag(id).then(|| "true".to_owned()),
                _ => matches
                    .get_one::<String>(id)
                    .filter(|v| !v.trim().is_empty())
                    .cloned(),
            };
            if let Some(text) = text {
                self.given.set_text(setting, &text);
                if matches.value_source(id) == Some(ValueSource::EnvVariable) {
                    self.from_env.push(setting);
                }
            }
        }
        Ok(())
    }
}

/// The flag of one setting.
fn setting_arg(spec: &SettingSpec) -> Arg {
    let mut help = spec.help.to_owned();
    if spec.kind == Kind::Secret {
        help.push_str(
            "; `-` reads it from the first line of standard input (before any other line \
             ul-auth reads there)",
        );
    }
    if let Some(default) = spec.default.filter(|_| spec.kind != Kind::Switch) {
        help.push_str(&format!(" [default: {default}]"));
    }
    // As clap names a derived flag's value: the setting's name in capitals.
    let capitals = spec.env.strip_prefix("UL_").unwrap_or(spec.env);
    let arg = Arg::new(spec.key)
        .long(spec.flag)
        .env(spec.env)
        .global(true)
        .help(help)
        .hide_short_help(spec.place == Place::Advanced);
    match spec.kind {
        Kind::Switch => arg
            .action(ArgAction::SetTrue)
            .value_parser(clap::builder::FalseyValueParser::new()),
        Kind::Secret => arg.hide_env_values(true).value_name(capitals),
        Kind::Url => arg.value_name("URL"),
        Kind::Path => arg.value_name("DIR"),
        _ => arg.value_name(capitals),
    }
}

/// How to set what an [`Error::Config`] names (its setting, and the settings its reason quotes
/// in backquotes): each one's flag and variable, from the library's settings table.
pub fn setting_hint(err: &Error) -> Option<String> {
    let Error::Config { setting, reason } = err else {
        return None;
    };
    let mut named: Vec<Setting> = Setting::from_key(setting.as_str()).into_iter().collect();
    for quoted in reason.split('`').skip(1).step_by(2) {
        if let Some(other) = Setting::from_key(quoted)
            && !named.contains(&other)
        {
            named.push(other);
        }
    }
    let mut ways: Vec<String> = named
        .iter()
        .map(|setting| {
            let spec = setting.spec();
            let on = if spec.kind == Kind::Switch { "=1" } else { "" };
            format!("{}: --{} or {}{on}", spec.key, spec.flag, spec.env)
        })
        .collect();
    if setting == PROFILE_SETTING {
        ways.push(format!("profile: --profile or {}", env::PROFILE));
    }
    (!ways.is_empty()).then(|| format!("({})", ways.join("; ")))
}

#[cfg(test)]
mod tests {
    use std::ffi::OsStr;

    use clap::{CommandFactory as _, Parser as _};

    use super::*;
    use crate::cli::args::Cli;

    #[test]
    fn every_setting_of_the_table_is_a_flag_with_its_variable() {
        let cmd = Cli::command();
        for &setting in Setting::ALL {
            let spec = setting.spec();
            let arg = cmd
                .get_arguments()
                .find(|a| a.get_id() == spec.key)
                .unwrap_or_else(|| panic!("no flag for {setting}"));
            assert_eq!(arg.get_long(), Some(spec.flag));
            assert_eq!(arg.get_env(), Some(OsStr::new(spec.env)));
            assert!(arg.is_global_set(), "{setting}");
        }
    }

    #[test]
    fn flags_make_a_settings_layer_without_blank_values() {
        let cli = Cli::try_parse_from([
            "ul-auth",
            "--region",
            "us-east-1",
            "--upload-bucket",
            " ",
            "--allow-http",
            "status",
        ])
        .unwrap();
        let layer = cli.global.settings.to_settings();
        assert_eq!(layer.region.as_deref(), Some("us-east-1"));
        assert_eq!(layer.upload_bucket, None);
        assert_eq!(layer.allow_http, Some(true));
        assert!(!cli.global.settings.came_from_env(Setting::Region));
    }

    #[test]
    fn the_hint_names_the_flag_and_variable_of_each_setting_an_error_names() {
        let err = Error::Config {
            setting: Setting::UserPoolId.into(),
            reason: "in another region (set `region` to match)".into(),
        };
        let hint = setting_hint(&err).unwrap();
        for needle in ["--user-pool-id", "UL_USER_POOL_ID", "--region", "UL_REGION"] {
            assert!(hint.contains(needle), "{needle}: {hint}");
        }
        let profile = Error::Config {
            setting: PROFILE_SETTING.into(),
            reason: "bad".into(),
        };
        assert!(setting_hint(&profile).unwrap().contains("UL_PROFILE"));
        let other = Error::Config {
            setting: "--folder".into(),
            reason: "no such item".into(),
        };
        assert_eq!(setting_hint(&other), None);
    }
}
