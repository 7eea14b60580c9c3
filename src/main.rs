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
    // a secret came from the command line.
    let matches = cli::args::Cli::command().get_matches();
    let cli = cli::args::Cli::from_arg_matches(&matches).unwrap_or_else(|e| {
        e.format(&mut cli::args::Cli::command()).exit();
    });
    init_logging(cli.global.verbose);
    for warning in cli::exposed::on_command_line(&matches) {
        eprintln!("ul-auth: warning: {warning}");
    }
    match cli::run(cli) {
        Ok(code) => code,
        Err(err) => {
            let code = exit_code(&err);
            eprintln!("ul-auth: {}", render(&err));
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

/// The error and its causes on one line, outermost first.
/// Errors quote what servers said (GraphQL messages, excerpts, device ids): whatever in them a
/// terminal would act on is shown escaped.
/// An invalid setting also says how to set it here (its flag and variable).
fn render(err: &anyhow::Error) -> String {
    err.chain()
        .map(|e| {
            let hint = e.downcast_ref::<Error>().and_then(cli::args::setting_hint);
            let text = match hint {
                Some(hint) => format!("{e} {hint}"),
                None => e.to_string(),
            };
            unleashlive_auth::text::terminal_safe(&text).into_owned()
        })
        .collect::<Vec<_>>()
        .join(": ")
}

#[cfg(test)]
mod render_tests {
    use super::render;

    #[test]
    fn an_invalid_setting_says_which_flags_and_variables_set_it() {
        let err = unleashlive_auth::Settings::default()
            .api_url("http://api.example.com")
            .resolve()
            .unwrap_err();
        let shown = render(&anyhow::Error::new(err));
        for needle in [
            "api_url",
            "--api-url",
            "UL_API_URL",
            "--allow-http",
            "UL_ALLOW_HTTP=1",
        ] {
            assert!(shown.contains(needle), "{needle}: {shown}");
        }
        let usage = anyhow::Error::new(unleashlive_auth::Error::Config {
            setting: "--folder".into(),
            reason: "no such item".into(),
        });
        assert_eq!(render(&usage), "invalid setting --folder: no such item");
    }

    #[test]
    fn an_error_quoting_a_server_shows_its_escape_sequences_escaped() {
        let err = anyhow::Error::new(unleashlive_auth::Error::Service {
            code: "errors".into(),
            message: "name \u{1b}]0;owned\u{7} \u{202e}gpj.exe".into(),
        })
        .context("listing");
        let shown = render(&err);
        assert!(
            !shown.contains('\u{1b}') && !shown.contains('\u{202e}'),
            "{shown:?}"
        );
        assert!(
            shown.contains("\\u{1b}") && shown.starts_with("listing: "),
            "{shown}"
        );
    }
}
