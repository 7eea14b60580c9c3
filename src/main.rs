//! `ul-auth`: sign in to Unleash Live and hand its tokens to other programs.

mod cli;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};
use tracing_subscriber::EnvFilter;
use unleashlive_auth::{Error, ErrorClass};

/// Exit codes, as documented in `--help` and the README.
pub mod exit {
    /// Anything else.
    pub const OTHER: u8 = 1;
    /// Bad flags or settings.
    pub const USAGE: u8 = 2;
    /// Authentication: credentials, session, challenge.
    pub const AUTH: u8 = 3;
    /// Service or network.
    pub const SERVICE: u8 = 4;
}

fn main() -> ExitCode {
    // Parsed by hand rather than with `Cli::parse()` to keep the matches, which know whether
    // a secret came from the command line, and the command that parsed them: for `token` and
    // `header` a command of those two alone (`cli::hot`), else the whole tree, built once.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let (mut command, matches) = cli::hot::parse(&args).unwrap_or_else(|| {
        let mut command = cli::args::Cli::command();
        let matches = command
            .try_get_matches_from_mut(args)
            .unwrap_or_else(|e| e.exit());
        (command, matches)
    });
    let cli = cli::args::Cli::from_arg_matches(&matches).unwrap_or_else(|e| {
        e.format(&mut command).exit();
    });
    init_logging(cli.global.verbose);
    for warning in cli::exposed::on_command_line(&command, &matches) {
        eprintln!("ul-auth: warning: {warning}");
    }
    let profile = cli.global.profile.clone();
    match cli::run(cli) {
        Ok(code) => code,
        Err(err) => {
            let code = exit_code(&err);
            eprintln!("ul-auth: {}", cli::hints::render(&err, &profile));
            ExitCode::from(code)
        }
    }
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "warn,unleashlive_auth=debug,ul_auth=debug",
        _ => "debug,unleashlive_auth=trace,ul_auth=trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}

fn exit_code(err: &anyhow::Error) -> u8 {
    match err.chain().find_map(|e| e.downcast_ref::<Error>()) {
        Some(e) => match e.class() {
            ErrorClass::Usage => exit::USAGE,
            ErrorClass::Authentication => exit::AUTH,
            ErrorClass::Service => exit::SERVICE,
            _ => exit::OTHER,
        },
        None => exit::OTHER,
    }
}
