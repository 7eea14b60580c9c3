//! The arguments of the subcommands that have their own: `pat`, `analytics` (with the
//! credential flags `doctor` shares), `doctor`, and the `credentials` help text. They live
//! apart from the commands that run them so that `args.rs` imports no command module.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use unleashlive_auth::ApiKey;

/// The `--help` epilogue of `credentials`.
pub const AWS_CONFIG_RECIPE: &str = "\
The ~/.aws/config recipe: the aws CLI and every AWS SDK run ul-auth whenever they need
credentials, and ul-auth refreshes the Unleash Live session behind them as needed.

  [profile unleash]
  credential_process = ul-auth --profile default credentials --format credential-process
  region = ap-southeast-2

  ul-auth login --username pilot@example.com        # once
  aws --profile unleash s3 ls s3://library-upload-syd-cloud/<identityId>/

Settings reach the process as for every command (config file, UL_* variables, or flags on the
credential_process line; use an absolute path when ul-auth is not on the PATH of the program
that reads the profile).

Other ways to hand them out:
  eval \"$(ul-auth credentials --format env)\"   # AWS_* in this shell (expire in about an hour)
  ul-auth exec -- CMD                          # CMD gets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
                                               # AWS_SESSION_TOKEN, AWS_REGION, UL_ID_TOKEN, ...
  ul-auth credentials --format json            # accessKeyId, secretAccessKey, sessionToken,
                                               # expiresAt, identityId, region

The credentials come from the identity pool (UL_IDENTITY_POOL_ID) for the signed-in user and
are printed on stdout only. Exit codes: 3 when nobody is signed in or the identity pool refuses
the session, 4 when it cannot be reached or throttles.";

#[derive(Debug, Subcommand)]
pub enum PatCommand {
    /// Store a personal access token for this profile (read from standard input with
    /// --token-stdin, else a hidden prompt). Create one in the web app: Profile → Developers.
    Set {
        /// Read the token from the first line of standard input.
        #[arg(long)]
        token_stdin: bool,
    },
    /// Show whether a token is stored (only its prefix and last 4 characters); exit 3 if not.
    Status,
    /// Remove the stored token of this profile (it stays valid on the server until it
    /// expires or is revoked in the web app).
    Forget,
}

/// How the analytics commands get their credential.
#[derive(Debug, Args)]
pub struct CredArgs {
    /// Read a personal access token from the first line of standard input [default:
    /// UL_API_TOKEN, else the token stored with `ul-auth pat set`].
    #[arg(long, global = true)]
    pub token_stdin: bool,
    /// A legacy API key, sent as x-api-key (used when no PAT is given on stdin or in
    /// UL_API_TOKEN); `-` reads it from the first line of standard input.
    #[arg(long, global = true, env = super::secrets::API_KEY, hide_env_values = true, value_parser = api_key)]
    pub api_key: Option<ApiKey>,
}

#[derive(Debug, Args)]
pub struct AnalyticsArgs {
    #[command(flatten)]
    pub cred: CredArgs,
    #[command(subcommand)]
    pub command: AnalyticsCommand,
}

#[derive(Debug, Subcommand)]
pub enum AnalyticsCommand {
    /// Print the API version (a quick check that the token is accepted).
    Version,
    /// List the device ids with analytics data.
    Devices,
    /// List the analytics session ids.
    Sessions,
    /// Pull every page of a device's data between two instants as CSV, JSON Lines or Parquet
    /// (one file, a partitioned dataset, or s3://bucket/prefix/).
    Pull(PullArgs),
    /// Per class, the total count and a per-day sparkline, from the API or a dataset.
    #[command(long_about = SUMMARY_ABOUT)]
    Summary(SummaryArgs),
}

#[derive(Debug, Args)]
pub struct PullArgs {
    /// The device id, or `all` for every device `analytics devices` lists.
    #[arg(long)]
    pub device: String,
    /// Start: RFC 3339 (2024-05-01T00:00:00Z, or a date 2024-05-01) or Unix milliseconds.
    #[arg(long)]
    pub from: String,
    /// End: RFC 3339 or Unix milliseconds.
    #[arg(long)]
    pub to: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PullFormat::Csv)]
    pub format: PullFormat,
    /// Write to FILE (through FILE.partial, renamed when complete) [default: stdout]; with
    /// --format parquet also a directory (a dataset) or s3://bucket/prefix/.
    #[arg(long, value_name = "FILE|DIR|S3_URL")]
    pub out: Option<PathBuf>,
    /// Pages requested at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
    /// Continue a pull to --out that stopped, from its last complete page (a dataset: from
    /// its last checkpoint; files written after it are removed first).
    #[arg(long, requires = "out")]
    pub resume: bool,
    /// Write a Parquet dataset in hive-style folders, e.g. `device,date` gives
    /// `device=W1/date=2024-05-01/part-00000.parquet` (the UTC day of each row's timestamp).
    /// Needs --format parquet and --out DIR or s3://bucket/prefix/.
    #[arg(long, value_enum, value_delimiter = ',', value_name = "KEYS")]
    pub partition_by: Vec<PartitionKey>,
    /// With --format parquet: a column whose values change type is written as text instead
    /// of failing the pull (naming the column, page and value).
    #[arg(long)]
    pub lenient_types: bool,
    /// With --format parquet: rows held in memory before they are written (one row group
    /// per partition) and checkpointed; lower it to use less memory, raise it for fewer,
    /// larger files.
    #[arg(long, value_name = "ROWS", default_value_t = 16_384,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub batch_rows: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PullFormat {
    /// A header from the API's keys, then one line per row.
    Csv,
    /// One JSON object per row.
    Jsonl,
    /// Typed columns (integers, doubles, booleans, text, UTC timestamps), Snappy-compressed,
    /// one row group per batch of rows; to a file, a directory or s3://bucket/prefix/ (the
    /// standard AWS credentials: environment, AWS_PROFILE with keys, credential_process or
    /// assume-role, instance roles; not SSO profiles).
    Parquet,
}

/// A partition folder level of a Parquet dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PartitionKey {
    /// `device=<id>`.
    Device,
    /// `date=YYYY-MM-DD` (UTC day of the row's timestamp).
    Date,
}

/// The `--help` text of `analytics summary`.
const SUMMARY_ABOUT: &str = "\
Per class (the class_name column), the total of the count column between --from and --to, and
a sparkline of its sum per UTC day (the day of each row's timestamp).

It pulls every page of --device (page 1 of each device first, then the rest, --concurrency at
once, in any order), or reads a dataset already on disk with --from-dataset: one Parquet file,
or a folder of them read recursively (hive-style device=X/date=YYYY-MM-DD/ folders; names
starting with _ or . are skipped). A dataset needs no credential and no network; there
--device (a device= folder or the device_id column) and --from/--to (both included) are
optional filters. Either way only one number per class and day is kept, so memory does not
grow with the rows.

Text output: a header with the range, then per class, by total (largest first):
  CLASS  TOTAL  SPARKLINE
with one mark per day from the first to the last day of the range (days with data outside it
widen it), scaled per class from ▁ (a little) to █ (that class's busiest day); a day with
nothing is a space. Past 90 days, each mark sums several days (the header says how many). An
end at midnight (a bare date) closes the day before: --to 2024-05-08 draws up to 05-07. While
pages are pulled, a progress line goes to stderr when it is a terminal.

--output json prints the numbers:
  {\"classes\": [{\"class\": \"person\", \"total\": 12, \"perDay\": {\"2024-05-01\": 5, ...}}, ...]}
sorted the same way; days without rows are left out; a class with a fractional count has all
its numbers as floats.

A row whose count is not a number or whose timestamp is neither ISO-8601 nor Unix ms stops
the summary with an error naming the column, page (or file) and value.";

#[derive(Debug, Args)]
pub struct SummaryArgs {
    /// The device id, or `all` for every device `analytics devices` lists. Optional with
    /// --from-dataset (a filter there).
    #[arg(long, required_unless_present = "from_dataset")]
    pub device: Option<String>,
    /// Start: RFC 3339 (2024-05-01T00:00:00Z, or a date 2024-05-01) or Unix milliseconds.
    /// Optional with --from-dataset.
    #[arg(long, required_unless_present = "from_dataset")]
    pub from: Option<String>,
    /// End: RFC 3339 or Unix milliseconds. Optional with --from-dataset.
    #[arg(long, required_unless_present = "from_dataset")]
    pub to: Option<String>,
    /// Read this dataset (a folder of Parquet files or one file) instead of the API.
    #[arg(long, value_name = "DIR")]
    pub from_dataset: Option<PathBuf>,
    /// Pages requested at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Also renew the session with its refresh token, to prove it still works (the cached
    /// tokens are replaced by new ones; nothing else changes).
    #[arg(long)]
    pub refresh: bool,
    /// Also read this Media Drive folder: a `get` and one `list` page, showing the location
    /// format the service uses. Copy the id from the folder's address in the web app.
    #[arg(long, value_name = "ID")]
    pub folder: Option<String>,
}

// Parsed straight into its redacting type, so the derived `Debug` of the parsed command line
// can never show it.
pub(crate) fn api_key(value: &str) -> Result<ApiKey, std::convert::Infallible> {
    Ok(ApiKey::new(value.trim()))
}
