//! The warning when a secret is typed on the command line instead of its variable, where
//! every user of the machine can read it with `ps` for as long as the command runs.

use clap::ArgMatches;
use clap::parser::ValueSource;

/// The clap ids of the arguments whose value is a secret (each also has a variable and `-`).
const SECRET_ARGS: [&str; 6] = [
    "client_secret",
    "mfa_code",
    "code",
    "otp",
    "api_key",
    "token",
];

/// One warning for each secret whose value was given on the command line (rather than in its
/// variable or as `-` for standard input): while the command runs, every user of the machine
/// can read it with `ps`. The warning names the safer forms, never the value. `cmd` is the
/// command that parsed `matches`.
pub fn on_command_line(cmd: &clap::Command, matches: &ArgMatches) -> Vec<String> {
    let mut warnings = Vec::new();
    let mut seen = Vec::new();
    collect_exposed(cmd, matches, &mut seen, &mut warnings);
    warnings
}

fn collect_exposed(
    cmd: &clap::Command,
    matches: &ArgMatches,
    seen: &mut Vec<String>,
    warnings: &mut Vec<String>,
) {
    for arg in cmd.get_arguments() {
        let id = arg.get_id().as_str();
        if !SECRET_ARGS.contains(&id)
            || seen.iter().any(|s| s == id)
            || matches.value_source(id) != Some(ValueSource::CommandLine)
        {
            continue;
        }
        let from_stdin = matches
            .get_raw(id)
            .into_iter()
            .flatten()
            .all(|v| v == "-" || v.is_empty());
        if from_stdin {
            continue;
        }
        seen.push(id.to_owned());
        let variable = arg
            .get_env()
            .map(|v| v.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (what, dash) = match arg.get_long() {
            Some(long) => (format!("the value of --{long}"), format!("`--{long} -`")),
            None => (
                format!("the {} argument of `{}`", id.to_uppercase(), cmd.get_name()),
                format!("`{} -`", cmd.get_name()),
            ),
        };
        warnings.push(format!(
            "{what} is on the command line, where every user of this machine can read it \
             (ps) while ul-auth runs; set {variable} instead, or pass {dash} to read it from \
             standard input"
        ));
    }
    if let Some((name, sub_matches)) = matches.subcommand()
        && let Some(sub) = cmd.find_subcommand(name)
    {
        collect_exposed(sub, sub_matches, seen, warnings);
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;
    use crate::cli::args::Cli;
    use crate::cli::secrets::ALL;

    /// Every secret argument of every subcommand, with its variable.
    fn secret_args(cmd: &clap::Command, out: &mut Vec<(String, Option<String>)>) {
        for arg in cmd.get_arguments() {
            if SECRET_ARGS.contains(&arg.get_id().as_str()) {
                let variable = arg.get_env().map(|v| v.to_string_lossy().into_owned());
                out.push((format!("{} {}", cmd.get_name(), arg.get_id()), variable));
            }
        }
        for sub in cmd.get_subcommands() {
            secret_args(sub, out);
        }
    }

    #[test]
    fn every_secret_argument_has_a_variable_that_exec_removes() {
        let mut found = Vec::new();
        secret_args(&Cli::command(), &mut found);
        for id in SECRET_ARGS {
            assert!(found.iter().any(|(name, _)| name.ends_with(id)), "{id}");
        }
        for (name, variable) in found {
            let variable = variable.unwrap_or_else(|| panic!("{name} has no variable"));
            assert!(ALL.contains(&variable.as_str()), "{name}: {variable}");
        }
    }
}
