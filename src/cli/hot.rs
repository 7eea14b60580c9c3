//! The command line of the hot path, `ul-auth token` and `ul-auth header`, parsed without
//! building the whole command tree: clap copies every global argument (the profile, the
//! settings table) into each of the ~25 subcommands before it parses, which was a quarter of
//! a cached `ul-auth token` (issue 20). Here the same global arguments and the same two
//! subcommands, from the same derive code, are all there is. Anything this parser does not
//! accept (another command, `--help`, a typo, a bad value) is left to the full parser, so what
//! a user sees for it is unchanged; what it does accept it reads as the full parser would
//! (tested on both parsers below).

use std::ffi::OsString;

use clap::{ArgMatches, Args, Command};

use super::args::{Global, HeaderArgs, TokenArgs};

/// The command and its matches when `args` (program name first) run `token` or `header`.
pub fn parse(args: &[OsString]) -> Option<(Command, ArgMatches)> {
    if !args.iter().skip(1).any(|a| a == "token" || a == "header") {
        return None;
    }
    let mut command = Global::augment_args(Command::new("ul-auth"))
        .subcommand(TokenArgs::augment_args(Command::new("token")))
        .subcommand(HeaderArgs::augment_args(Command::new("header")))
        .subcommand_required(true)
        .disable_help_subcommand(true);
    let matches = command.try_get_matches_from_mut(args).ok()?;
    Some((command, matches))
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, FromArgMatches};

    use super::*;
    use crate::cli::args::Cli;

    fn os(args: &[&str]) -> Vec<OsString> {
        std::iter::once("ul-auth")
            .chain(args.iter().copied())
            .map(OsString::from)
            .collect()
    }

    #[test]
    fn reads_what_the_full_parser_reads() {
        for args in [
            &["token"][..],
            &["token", "--kind", "access"],
            &["token", "--kind=id"],
            &["--profile", "p", "token"],
            &["token", "--profile", "p", "--output", "json", "-vv"],
            &["header"],
            &["header", "rest"],
            &["--region", "eu-west-1", "header", "graphql"],
            &[
                "token",
                "--client-secret",
                "s3cret",
                "--endpoint-url",
                "http://127.0.0.1:9",
            ],
            &["--provider", "unith", "header"],
        ] {
            let argv = os(args);
            let (command, hot) = parse(&argv).unwrap_or_else(|| panic!("{args:?} not taken"));
            let full = Cli::command().try_get_matches_from(&argv).unwrap();
            let hot_cli = Cli::from_arg_matches(&hot).unwrap();
            let full_cli = Cli::from_arg_matches(&full).unwrap();
            assert_eq!(format!("{hot_cli:?}"), format!("{full_cli:?}"), "{args:?}");
            // The secret warning sees the same thing through either command.
            let mut full_command = Cli::command();
            let full = full_command.try_get_matches_from_mut(&argv).unwrap();
            assert_eq!(
                crate::cli::exposed::on_command_line(&command, &hot),
                crate::cli::exposed::on_command_line(&full_command, &full),
                "{args:?}"
            );
        }
    }

    #[test]
    fn leaves_everything_else_to_the_full_parser() {
        for args in [
            &[][..],
            &["status"],
            &["tokn"],
            &["token", "--help"],
            &["header", "--help"],
            &["--help", "token"],
            &["help", "token"],
            &["--version"],
            &["token", "extra"],
            &["token", "--kind", "refresh"],
            &["header", "soap"],
            &["login", "--username", "token"],
            &["verify", "token"],
        ] {
            assert!(parse(&os(args)).is_none(), "{args:?}");
        }
    }
}
