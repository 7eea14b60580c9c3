//! Command-line arguments.

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};
use unleashlive_auth::config::{Setting, env};
use unleashlive_auth::secret::OneTimeCode;

use super::secrets;
pub use super::setting_args::{SettingArgs, setting_hint};

const ABOUT: &str = "Sign in to Unleash Live and hand its tokens to other programs.";

const LONG_ABOUT: &str = "\
Sign in to Unleash Live (its AWS Cognito user pool) once, keep the session in a private cache, \
and hand out the ID token, its claims or a ready-made header to other programs.

Credentials:
  Sign in with the e-mail and password you use on cloud.unleashlive.com.
  The username comes from --username or UL_USERNAME (else a prompt on a terminal).
  The password comes from UL_PASSWORD, from standard input with --password-stdin,
  or from a hidden prompt on a terminal. It is never stored anywhere.
  After `ul-auth login`, the other commands use the cached session of the profile
  ($XDG_CACHE_HOME/unleashlive-auth/<profile>.json, mode 0600; UL_CACHE_DIR moves it).
  Codes, keys and tokens come from their variables or, with `-` as the value, standard input:
  typed on the command line, any local user can read them (ps), and ul-auth warns.

Other token systems (--provider NAME, UL_PROVIDER, or provider = \"NAME\" in the profile):
  unith     e-mail + secret key (Manage account -> Generate) -> 7-day bearer token
  unleash   an API token from your instance (Configure -> API access); set --base-url
  unleashx  an e-mailed one-time code -> a minted API token (never expires)
  Each has login, status, token, header, check, exec and logout; see `ul-auth login --help`.

Settings:
  The production Unleash Live pool is the default. Every setting can be changed, highest
  first: command-line flag > environment variable > the profile's table in the config file
  ($XDG_CONFIG_HOME/unleashlive-auth/config.toml, e.g. `[default]` / `[staging]` with keys
  ";

/// The long help: the keys of the config file come from the settings table.
fn long_about() -> String {
    let keys: Vec<&str> = Setting::ALL.iter().map(|s| s.key()).collect();
    format!("{LONG_ABOUT}{}).", keys.join(", "))
}

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  anything else (local I/O, unexpected failures)
  2  usage: bad flags or settings
  3  authentication: wrong credentials, no session, expired session, unanswered challenge
  4  service or network: Cognito unreachable, timed out, throttled or failing

Examples:
  ul-auth login --username pilot@example.com
  printf '%s\\n' \"$PASSWORD\" | ul-auth login --username pilot@example.com --password-stdin
  curl -H \"$(ul-auth header rest)\" https://api.unleashlive.com/v1/flights/team
  ul-auth claims | jq -r '.[\"custom:teamId\"]'
  ul-auth doctor --folder FOLDER_ID      # what production really answers, one row per flow";

#[derive(Debug, Parser)]
#[command(name = "ul-auth", version, about = ABOUT, long_about = long_about(), after_long_help = EXIT_CODES)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// Profile: names the config-file table and the cached session.
    #[arg(long, global = true, env = env::PROFILE, default_value = "default")]
    pub profile: String,

    /// Config file [default: $XDG_CONFIG_HOME/unleashlive-auth/config.toml].
    #[arg(long, global = true, env = env::CONFIG_FILE, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Output format: human-readable text, or stable JSON for scripts.
    #[arg(long, global = true, value_enum, default_value_t = Output::Text)]
    pub output: Output,

    /// More log output on stderr (-v debug, -vv trace); RUST_LOG overrides.
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub verbose: u8,

    #[command(flatten)]
    pub settings: SettingArgs,
}

// Secret arguments are parsed straight into their redacting types, so the derived `Debug`
// of the parsed command line can never show one (the client secret: see `SettingArgs`, whose
// `Settings` hold it as a `ClientSecret`).
fn one_time_code(value: &str) -> Result<OneTimeCode, std::convert::Infallible> {
    Ok(OneTimeCode::new(value.trim()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Text,
    Json,
}

// `token`'s arguments, a struct of their own so that `hot.rs` can build this one command (a
// plain comment: a doc comment here would replace the variant's in `--help`).
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// Which token.
    #[arg(long, value_enum, default_value_t = TokenKind::Id)]
    pub kind: TokenKind,
}

// `header`'s arguments, as `TokenArgs`.
#[derive(Debug, Args)]
pub struct HeaderArgs {
    /// Which Unleash Live API (not used by the other providers).
    #[arg(value_enum)]
    pub api: Option<HeaderApi>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TokenKind {
    /// The ID token (what Unleash Live's APIs take).
    Id,
    /// The access token.
    Access,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HeaderApi {
    /// Media Drive GraphQL: `authorization: <ID token>`.
    Graphql,
    /// REST (flights, missions, tasks): `x-amz-cognito-security-token: <ID token>`.
    Rest,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CredentialsFormat {
    /// The JSON the aws CLI and SDKs read from a `credential_process` (Version 1).
    CredentialProcess,
    /// `export AWS_...='...'` lines: eval "$(ul-auth credentials --format env)".
    Env,
    /// {accessKeyId, secretAccessKey, sessionToken, expiresAt, identityId, region}.
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sign in and cache the credential of the profile's provider.
    ///
    /// unleash-live: e-mail and password; the password comes from UL_PASSWORD, standard input
    /// (--password-stdin) or a hidden prompt, and is never stored.
    ///
    /// unith: --email (UNITH_EMAIL) and the secret key (UNITH_SECRET_KEY, --secret-key-stdin
    /// or a hidden prompt) are exchanged for a 7-day bearer token; it renews itself when the
    /// key is at hand (UNITH_SECRET_KEY, or --remember).
    ///
    /// unleash: the API token (UNLEASH_API_TOKEN, --token-stdin or a hidden prompt) is stored
    /// as it is.
    ///
    /// unleashx: --username (UNLEASHX_USERNAME). Without a code a one-time code is e-mailed and
    /// asked for on a terminal (elsewhere: run again with the code in UNLEASHX_OTP, or on
    /// standard input with `--otp -`). With
    /// the code, the login MINTS A NEW API TOKEN and stores it: every login makes another
    /// token, and earlier ones stay valid until deleted in the UnleashX web app.
    ///
    /// Prints who signed in and until when.
    Login(LoginArgs),
    /// Show who is signed in on this profile and until when (exit 3 when nobody is).
    Status,
    /// Print the cached token's claims as JSON (names exactly as in the token).
    Claims {
        /// Which token.
        #[arg(long, value_enum, default_value_t = TokenKind::Id)]
        kind: TokenKind,
    },
    /// Print the raw token alone on stdout, for `$(ul-auth token)`.
    Token(TokenArgs),
    /// Print the one header an API needs, for `curl -H "$(ul-auth header rest)"` (Unleash
    /// Live: name the API; other providers have one header and take no argument).
    Header(HeaderArgs),
    /// Prove the credential works: Unleash Live verifies the ID token against the pool's keys;
    /// UNITH exchanges the secret key again (or shows the cached bearer's expiry when no key
    /// is at hand); Unleash calls one of its APIs; UnleashX calls its verify endpoint.
    Check {
        /// Unleash only: which API to call [default: client].
        #[arg(long, value_enum)]
        api: Option<UnleashApiArg>,
    },
    /// UNITH secret keys.
    #[command(subcommand)]
    SecretKey(SecretKeyCommand),
    /// Renew the credential now: Unleash Live gets new ID and access tokens with the cached
    /// refresh token; UNITH exchanges the secret key at hand again.
    Refresh,
    /// Print temporary AWS credentials from the identity pool, for the aws CLI's
    /// credential_process, a shell or a program (see --help for the ~/.aws/config recipe).
    #[command(after_long_help = super::subargs::AWS_CONFIG_RECIPE)]
    Credentials {
        /// Output format.
        #[arg(long, value_enum, default_value_t = CredentialsFormat::CredentialProcess)]
        format: CredentialsFormat,
    },
    /// Run CMD with the credential in its environment and exit with CMD's exit code. Nothing
    /// secret is printed.
    ///
    /// unleash-live: UL_ID_TOKEN and UL_ACCESS_TOKEN (refreshed first if needed), UL_TOKEN
    /// (the ID token) and UL_AUTH_HEADER (the REST header line) and, from the identity pool,
    /// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_CREDENTIAL_EXPIRATION,
    /// AWS_REGION (in place of any AWS credentials or AWS_PROFILE ul-auth was started with).
    /// When the identity pool gives none, CMD is not run: --no-aws runs it without any.
    /// Other providers: UL_TOKEN (the token) and UL_AUTH_HEADER (the whole header line), plus
    /// UNLEASH_API_TOKEN for unleash.
    ///
    /// The secrets ul-auth itself reads are removed from CMD's environment: UL_PASSWORD,
    /// UL_CLIENT_SECRET, UNITH_SECRET_KEY, UL_API_KEY, UL_API_TOKEN, UNLEASH_API_TOKEN (set
    /// again for unleash), the one-time codes UL_MFA_CODE, UL_OTP_CODE, UL_RESET_CODE,
    /// UNLEASHX_OTP, and UL_VERIFY_TOKEN. --keep-env NAME passes one on.
    Exec(ExecArgs),
    /// Check a token's signature and claims against the user pool and print its claims as
    /// JSON (exit 3 with the reason on stderr when it is refused).
    Verify {
        /// The token, or - to read it from standard input [default: the cached session's].
        #[arg(value_name = "TOKEN|-", env = secrets::VERIFY_TOKEN, hide_env_values = true)]
        token: Option<String>,
        /// Which kind of token it must be.
        #[arg(long, value_enum, default_value_t = TokenKind::Id)]
        kind: TokenKind,
    },
    /// Remove the cached credential of the profile. Unleash Live also revokes its refresh
    /// token on the server (other devices stay signed in); --global signs out everywhere.
    Logout {
        /// Revoke every refresh token of the user on every device (GlobalSignOut).
        #[arg(long)]
        global: bool,
    },
    /// Forgotten or changed passwords.
    #[command(subcommand)]
    Password(PasswordCommand),
    /// Devices Cognito remembers for the signed-in user.
    #[command(subcommand)]
    Devices(DevicesCommand),
    /// Personal access tokens for the analytics API, stored per profile and never printed.
    #[command(subcommand)]
    Pat(super::subargs::PatCommand),
    /// The analytics API (a PAT or a legacy API key): version, devices, sessions, pull.
    Analytics(super::subargs::AnalyticsArgs),
    /// Probe every flow against the configured endpoints (production by default), read-only,
    /// one row each: settings; the user pool, app client and the sign-in flows it allows
    /// (asked with a made-up user, no real account touched); the pool's keys; the cached
    /// session's tokens; the identity pool; Media Drive GraphQL and how its schema differs
    /// from what this tool sends; the flights API; analytics with a PAT; each other
    /// provider profile's `check`.
    ///
    /// Credentials: the profile's cached session from `ul-auth login` (used as it is: never
    /// refreshed unless --refresh), and a personal access token from UL_API_TOKEN or `ul-auth
    /// pat set` (or a legacy key in UL_API_KEY) for analytics, and for the APIs when no session
    /// is usable. Rows that need a missing credential are skipped, saying which.
    ///
    /// Exit 0 when nothing fails, else the worst failure's code (4 service, 3 authentication,
    /// 2 usage). `--output json` prints {"checks":[{"name","status","detail","ms"}]}. No
    /// token, key or password is ever shown.
    Doctor(super::subargs::DoctorArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UnleashApiArg {
    /// Client API (backend tokens): GET /api/client/features.
    Client,
    /// Frontend API (frontend tokens): GET /api/frontend.
    Frontend,
    /// Admin API (admin tokens, personal access tokens): GET /api/admin/projects.
    Admin,
}

#[derive(Debug, Subcommand)]
pub enum SecretKeyCommand {
    /// Replace the account's UNITH secret key: delete it, generate a new one, print the new
    /// one ONCE on stdout, and replace the remembered key. Every program using the old key
    /// stops working.
    Rotate,
}

#[derive(Debug, Subcommand)]
pub enum DevicesCommand {
    /// List the remembered devices (this one is marked).
    List,
    /// Forget a device (default: this one); it must then sign in fully again.
    Forget {
        /// The device key (from `devices list`).
        key: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum PasswordCommand {
    /// Ask Cognito to send a reset code to the account's e-mail or phone.
    Forgot {
        /// Login name (e-mail).
        #[arg(long, env = "UL_USERNAME")]
        username: Option<String>,
    },
    /// Set a new password with the code from `password forgot`.
    Confirm {
        /// Login name (e-mail).
        #[arg(long, env = "UL_USERNAME")]
        username: Option<String>,
        /// The code that was sent; `-` reads it from the first line of standard input (the
        /// new password, with --new-password-stdin, on the next) [default: a prompt].
        #[arg(long, env = secrets::RESET_CODE, hide_env_values = true, value_parser = one_time_code)]
        code: Option<OneTimeCode>,
        /// Read the new password from standard input instead of prompting twice.
        #[arg(long)]
        new_password_stdin: bool,
    },
    /// Change the password of the signed-in user (current password from UL_PASSWORD,
    /// --password-stdin or a prompt).
    Change {
        /// Read the current password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        /// Read the new password from standard input (the line after the current one when
        /// --password-stdin is also given).
        #[arg(long)]
        new_password_stdin: bool,
    },
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Login name: the e-mail used on cloud.unleashlive.com [env: UL_USERNAME]; for
    /// unleashx, the UnleashX e-mail [env: UNLEASHX_USERNAME; default: the stored token's].
    #[arg(long)]
    pub username: Option<String>,
    /// unith: the account's e-mail [default: the one of the cached token].
    #[arg(long, env = "UNITH_EMAIL", help_heading = "UNITH")]
    pub email: Option<String>,
    /// unith: read the secret key from the first line of standard input [default:
    /// UNITH_SECRET_KEY, else a hidden prompt].
    #[arg(long, help_heading = "UNITH")]
    pub secret_key_stdin: bool,
    /// unith: keep the secret key (0600 cache file, or the OS keychain) so the 7-day bearer
    /// renews itself; without it the key is never written anywhere.
    #[arg(long, help_heading = "UNITH")]
    pub remember: bool,
    /// unleash: read the API token from the first line of standard input [default:
    /// UNLEASH_API_TOKEN, else a hidden prompt].
    #[arg(long, help_heading = "Unleash")]
    pub token_stdin: bool,
    /// unleashx: the one-time code from the e-mail (`-` reads it from standard input);
    /// without it a code is requested.
    #[arg(
        long,
        env = secrets::UNLEASHX_OTP,
        hide_env_values = true,
        help_heading = "UnleashX",
        value_parser = one_time_code
    )]
    pub otp: Option<OneTimeCode>,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    pub password_stdin: bool,
    /// How the password is proven: srp never sends it (like the official samples);
    /// password sends it to Cognito over TLS (USER_PASSWORD_AUTH).
    #[arg(long, value_enum, env = "UL_AUTH_FLOW", default_value_t = Flow::Srp)]
    pub flow: Flow,
    /// First sign-in of an invited user: read the new password from standard input
    /// (the line after the password when --password-stdin is also given).
    #[arg(long)]
    pub new_password_stdin: bool,
    /// Attribute the pool requires with a new password, NAME=VALUE (repeatable).
    #[arg(long = "attribute", value_name = "NAME=VALUE")]
    pub attributes: Vec<String>,
    /// MFA code (authenticator app, SMS or e-mail) for accounts with MFA; `-` reads it from
    /// standard input once Cognito asks for it.
    #[arg(long, env = secrets::MFA_CODE, hide_env_values = true, value_parser = one_time_code)]
    pub mfa_code: Option<OneTimeCode>,
    /// MFA method to use when the account has several.
    #[arg(long, value_enum, env = "UL_MFA_METHOD")]
    pub mfa_method: Option<MfaChoice>,
    /// With --flow user-auth: the sign-in method to use (else Cognito's offer is shown).
    #[arg(long, value_enum, env = "UL_PREFER")]
    pub prefer: Option<Prefer>,
    /// Do not let Cognito remember this device (pools with device tracking otherwise
    /// remember it, and later sign-ins and refreshes prove it).
    #[arg(long)]
    pub no_remember_device: bool,
    /// One-time code sent by e-mail or SMS (choice-based sign-in); `-` reads it from
    /// standard input after Cognito has sent it.
    #[arg(long, env = secrets::OTP_CODE, hide_env_values = true, value_parser = one_time_code)]
    pub code: Option<OneTimeCode>,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Pass the variable NAME on to CMD although exec would remove it (repeatable).
    #[arg(long, value_name = "NAME")]
    pub keep_env: Vec<String>,
    /// Run CMD without AWS credentials: the identity pool is not asked, and AWS_ACCESS_KEY_ID,
    /// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_PROFILE and the other variables that
    /// choose AWS credentials are removed from its environment.
    #[arg(long)]
    pub no_aws: bool,
    /// The command and its arguments, after `--`.
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        required = true,
        value_name = "CMD"
    )]
    pub command: Vec<std::ffi::OsString>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Prefer {
    /// The password, sent over TLS.
    Password,
    /// The password, proven with SRP.
    PasswordSrp,
    /// A one-time code by e-mail.
    EmailOtp,
    /// A one-time code by SMS.
    SmsOtp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Flow {
    /// USER_SRP_AUTH (default): the password never leaves this machine.
    Srp,
    /// USER_PASSWORD_AUTH: the password goes to Cognito over TLS.
    Password,
    /// USER_AUTH (choice-based): password, SRP, or a code by e-mail or SMS (see --prefer).
    UserAuth,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MfaChoice {
    /// Authenticator app (TOTP).
    Totp,
    /// Code by SMS.
    Sms,
    /// Code by e-mail.
    Email,
}

#[cfg(test)]
mod tests {
    use clap::Parser as _;

    use super::Cli;

    #[test]
    fn debug_of_a_parsed_command_line_shows_no_secret_argument() {
        let secrets = ["cs-S3CRET", "111222", "333444", "555666", "ak-S3CRET"];
        let login = Cli::try_parse_from([
            "ul-auth",
            "--client-secret",
            secrets[0],
            "login",
            "--mfa-code",
            secrets[1],
            "--code",
            secrets[2],
            "--otp",
            secrets[3],
        ])
        .unwrap();
        let pull =
            Cli::try_parse_from(["ul-auth", "analytics", "--api-key", secrets[4], "version"])
                .unwrap();
        let reset =
            Cli::try_parse_from(["ul-auth", "password", "confirm", "--code", secrets[1]]).unwrap();
        let shown = format!("{login:?} {pull:?} {reset:?}");
        for secret in secrets {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
    }
}
