//! What both samples share: the profile and settings `ul-auth` uses, the credential, `login`,
//! exit codes, Ctrl-C and a progress line. Every server- or teammate-supplied string printed
//! as text (names, ids, paths, labels, error messages) goes through `terminal_safe`, which
//! escapes control and invisible format characters; JSON escapes them by itself.
//!
//! The credential, first found: a personal access token in `UL_API_TOKEN`, the PAT stored for
//! the profile with `ul-auth pat set`, the profile's Cognito session (`ul-auth login`).
//! `--session` skips the PATs.

#![allow(dead_code)]

use std::borrow::Cow;
use std::future::Future;
use std::io::{IsTerminal as _, Write as _};
use std::process::ExitCode;
use std::sync::OnceLock;

use anyhow::{Context as _, Result, bail};
use clap::{Args, ValueEnum};
use unleashlive_auth::cognito::AuthFlow;
use unleashlive_auth::config::Setting;
use unleashlive_auth::credentials::provider::CREDENTIAL;
use unleashlive_auth::text::terminal_safe;
use unleashlive_auth::{
    Auth, CognitoClient, Config, CredentialChoice, CredentialSource, Error, ErrorClass, Password,
    SignIn, UnleashLive, credentials::pat,
};

/// Flags every subcommand takes.
#[derive(Debug, Args)]
pub struct Global {
    /// Profile: the cached session and config-file table (as for `ul-auth`).
    #[arg(long, global = true, env = "UL_PROFILE", default_value = "default")]
    pub profile: String,
    /// Output: readable text, or JSON for scripts.
    #[arg(long, global = true, value_enum, default_value_t = Output::Text)]
    pub output: Output,
    /// Use the profile's Cognito session even when a personal access token is set
    /// (UL_API_TOKEN) or stored (`ul-auth pat set`).
    #[arg(long, global = true)]
    pub session: bool,
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// Tables.
    Text,
    /// JSON.
    Json,
}

/// Settings, credential and output of one run.
pub struct Ctx {
    /// The profile as `ul-auth` resolves it, with this run's credential: every API client.
    pub ul: UnleashLive,
    pub config: Config,
    pub output: Output,
}

/// When this run chose a PAT: what `exit` adds to an error that asks for the Cognito session.
static SESSION_HINT: OnceLock<String> = OnceLock::new();

impl Ctx {
    /// The profile as `ul-auth` resolves it (environment > config file > production) through
    /// the library's entry point, which also picks the credential (see the module doc).
    pub fn new(global: &Global) -> Result<Ctx> {
        let credential = if global.session {
            CredentialChoice::Session
        } else {
            CredentialChoice::Auto
        };
        let ul = runtime()?.block_on(
            UnleashLive::builder()
                .profile(global.profile.as_str())
                .credential(credential)
                .build(),
        )?;
        if let Some(hint) = session_hint(ul.credential_source(), &global.profile) {
            let _ = SESSION_HINT.set(hint);
        }
        Ok(Ctx {
            config: ul.config().clone(),
            ul,
            output: global.output,
        })
    }

    /// The credential of this run (see the module doc).
    pub fn auth(&self) -> Auth {
        self.ul.auth().clone()
    }

    /// Signs in with `UL_USERNAME` / `UL_PASSWORD` (SRP, as the JS samples) and caches the
    /// session; anything more (MFA, a new password) is left to `ul-auth login`.
    pub async fn login(&self) -> Result<()> {
        let username = std::env::var("UL_USERNAME").context("set UL_USERNAME")?;
        let password = Password::new(std::env::var("UL_PASSWORD").context("set UL_PASSWORD")?);
        let flow = match std::env::var("UL_AUTH_FLOW").as_deref() {
            Ok("password") => AuthFlow::Password,
            _ => AuthFlow::Srp,
        };
        if let Some(endpoint) = self.config.endpoint_url() {
            // Say where the password goes before it goes there (an exported LocalStack URL).
            eprintln!(
                "note: Cognito is redirected to {} by AWS_ENDPOINT_URL / endpoint_url: the \
                 sign-in goes there, not to AWS",
                terminal_safe(endpoint)
            );
        }
        let cognito = CognitoClient::new(self.config.clone()).await;
        match cognito.sign_in(flow, &username, &password).await? {
            SignIn::Done(session) => {
                self.ul.signed_in(session)?;
                eprintln!("signed in as {username}");
                Ok(())
            }
            SignIn::Challenge(c) => bail!(Error::ChallengeRequired {
                challenge: format!("{} (answer it with `ul-auth login`)", c.kind().as_str()),
            }),
        }
    }
}

/// For a run that chose a PAT: how to use the profile's Cognito session instead, for an error
/// that asks for it.
fn session_hint(source: CredentialSource, profile: &str) -> Option<String> {
    let instead = "to use the profile's Cognito session instead, add --session";
    match source {
        CredentialSource::PatFromEnv => Some(format!(
            "this run chose the personal access token in {}; {instead} (or unset {})",
            pat::ENV_VAR,
            pat::ENV_VAR
        )),
        CredentialSource::StoredPat => Some(format!(
            "this run chose the personal access token stored for profile {profile} (`ul-auth \
             pat set`); {instead} (or remove the token with `ul-auth --profile {profile} pat \
             forget`)"
        )),
        _ => None,
    }
}

/// Runs `main`, printing its error on stderr and mapping it to `ul-auth`'s exit codes.
pub fn exit(name: &str, outcome: Result<()>) -> ExitCode {
    let Err(err) = outcome else {
        return ExitCode::SUCCESS;
    };
    if err.downcast_ref::<Interrupted>().is_some() {
        eprintln!("{name}: {err}");
        return ExitCode::from(130);
    }
    if err.downcast_ref::<NotConfirmed>().is_some() {
        eprintln!("{name}: {err}");
        return ExitCode::from(2);
    }
    // Messages can quote the server (a GraphQL error, an item id): escaped, line by line.
    let chain: Vec<String> = err
        .chain()
        .map(|e| {
            let message = e.to_string();
            let lines: Vec<Cow<'_, str>> = message.split('\n').map(terminal_safe).collect();
            lines.join("\n")
        })
        .collect();
    eprintln!("{name}: {}", chain.join(": "));
    let error = err.chain().find_map(|e| e.downcast_ref::<Error>());
    let class = error.map(Error::class);
    match error {
        Some(Error::NotSignedIn { .. }) => eprintln!(
            "{name}: sign in with `{name} login` or `ul-auth login`, or give a personal access \
             token ({} or `ul-auth pat set`)",
            pat::ENV_VAR
        ),
        // A command that needs the Cognito session (an upload) refused the PAT this run chose,
        // or the service refused that PAT: say which token it was and how to use the session.
        Some(Error::Config { setting, .. }) if setting == pat::ENV_VAR || setting == CREDENTIAL => {
            if let Some(hint) = SESSION_HINT.get() {
                eprintln!("{name}: {hint}");
            }
        }
        // An invalid setting: how to set it (the samples read variables and the config file).
        Some(Error::Config { setting, .. }) => {
            if let Some(spec) = Setting::from_key(setting.as_str()).map(Setting::spec) {
                eprintln!(
                    "{name}: set {} in the environment, or {} in the profile's table of the \
                     config file",
                    spec.env, spec.key
                );
            }
        }
        Some(Error::NotAuthorized { .. }) => {
            if let Some(hint) = SESSION_HINT.get() {
                eprintln!(
                    "{name}: {hint}; a refused token may be expired, revoked, or of a role too \
                     low for this call"
                );
            }
        }
        _ => {}
    }
    ExitCode::from(match class {
        Some(ErrorClass::Usage) => 2,
        Some(ErrorClass::Authentication) => 3,
        Some(ErrorClass::Service) => 4,
        _ => 1,
    })
}

/// The error of a run stopped by Ctrl-C (exit code 130).
#[derive(Debug)]
pub struct Interrupted;

/// What an interrupted run adds about a change it may have sent (see [`on_interrupt`]).
static INTERRUPT_NOTE: OnceLock<String> = OnceLock::new();

/// Says what Ctrl-C leaves unknown: for a run that sends a change, that it may have been made
/// and how to look (rather than running it again).
pub fn on_interrupt(note: String) {
    let _ = INTERRUPT_NOTE.set(note);
}

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match INTERRUPT_NOTE.get() {
            Some(note) => write!(f, "interrupted (Ctrl-C); {note}"),
            None => {
                f.write_str("interrupted (Ctrl-C); a half-written download, if any, was removed")
            }
        }
    }
}

impl std::error::Error for Interrupted {}

/// The error of a change that was not confirmed (exit code 2): nothing was sent.
#[derive(Debug)]
pub struct NotConfirmed(String);

impl std::fmt::Display for NotConfirmed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NotConfirmed {}

/// Asks before something that cannot be undone: `--yes` (`yes`) goes ahead; on a terminal
/// (stdin and stderr) `question [y/N]` is asked and only `y`/`yes` goes ahead; with no
/// terminal to ask on (a script) the run stops, telling it to add `--yes`. Call it before
/// the runtime starts, so nothing waits on the network while the user reads.
pub fn confirm(question: &str, yes: bool) -> Result<()> {
    if yes {
        return Ok(());
    }
    let question = terminal_safe(question);
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        bail!(NotConfirmed(format!(
            "{question}: not confirmed, nothing sent; there is no terminal to ask on, so add \
             --yes to go ahead"
        )));
    }
    eprint!("{question} [y/N] ");
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .context("reading the answer")?;
    match answer.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" => Ok(()),
        _ => bail!(NotConfirmed("not confirmed, nothing sent".to_owned())),
    }
}

/// Runs `work` on a current-thread runtime until it ends or Ctrl-C (SIGINT) comes; then the
/// work is dropped, which removes a half-written download (see `unleashlive_auth::api::download`),
/// and the run fails with [`Interrupted`].
pub fn run_until_ctrl_c(work: impl Future<Output = Result<()>>) -> Result<()> {
    runtime()?.block_on(async {
        tokio::select! {
            biased;
            signal = tokio::signal::ctrl_c() => {
                signal.context("listening for Ctrl-C")?;
                Err(Interrupted.into())
            }
            outcome = work => outcome,
        }
    })
}

/// Tracing on stderr, `RUST_LOG` to choose (default: warnings).
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}

/// A progress line on stderr, only when stderr is a terminal.
pub fn progress(label: &str) -> Option<impl Fn(u64, Option<u64>) + Send + Sync + 'static> {
    let label = terminal_safe(label).into_owned();
    let report = move |done: u64, total: Option<u64>| {
        let text = match total {
            Some(t) if t > 0 => format!("{label}: {:>3}% of {}", done * 100 / t, size(t)),
            _ => format!("{label}: {}", size(done)),
        };
        let end = if total == Some(done) { "\n" } else { "" };
        let _ = write!(std::io::stderr(), "\r\x1b[2K{text}{end}");
    };
    std::io::stderr().is_terminal().then_some(report)
}

/// `1.2 MiB`.
pub fn size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// `PATH  SIZE`, and which name was taken when the file got another: the text line of one
/// download, escaped for the terminal.
pub fn downloaded_line(done: &unleashlive_auth::api::download::Downloaded) -> String {
    let renamed = if done.renamed() {
        format!("  ({} was taken)", terminal_safe(&done.requested_name))
    } else {
        String::new()
    };
    let path = done.path.display().to_string();
    format!("{}  {}{renamed}", terminal_safe(&path), size(done.bytes))
}

/// Prints `value` as pretty JSON on stdout.
pub fn print_json(value: &impl serde::Serialize) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// Columns as wide as their widest cell, the last one unpadded.
pub fn print_table(header: &[&str], rows: Vec<Vec<String>>) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let header = header.iter().map(|h| (*h).to_owned()).collect();
    for row in std::iter::once(header).chain(rows) {
        let last = row.len() - 1;
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(i, cell)| {
                if i == last {
                    cell.clone()
                } else {
                    format!("{cell:<width$}", width = widths[i])
                }
            })
            .collect();
        println!("{}", cells.join("  "));
    }
}

/// A current-thread runtime (the samples do one thing at a time).
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}
