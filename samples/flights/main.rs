//! Flight logs from the command line: the Unleash Live JS flights samples, in Rust, on the
//! `unleashlive_auth` library.
//!
//! ```text
//! cargo run --bin flights -- list --from 2025-01-01 --to 2025-02-01
//! ```
//!
//! Credentials, first found: a personal access token in `UL_API_TOKEN`; the token stored for
//! the profile with `ul-auth pat set`; the session `ul-auth login` cached for the profile,
//! refreshed when needed (`--session` uses the session even when a token is set or stored).
//! The profile is `UL_PROFILE` (default `default`); `UL_CACHE_DIR` moves the cache.
//! `flights login` signs in with `UL_USERNAME` / `UL_PASSWORD`.
//! Endpoints: `UL_API_URL`, `UL_FLIGHTS_CDN_URL` and the other `ul-auth` settings
//! (`UL_REGION`, `UL_USER_POOL_ID`, `UL_CLIENT_ID`, `AWS_ENDPOINT_URL`).
//!
//! `list` follows the listing's `nextToken` to the last page. When the service says there is
//! more in a form this sample cannot follow, the logs received are shown and stderr says the
//! listing is incomplete, why, and to narrow it with `--from` / `--to`. `--output json` prints
//! `{"logs": [...], "complete": true|false}`.
//!
//! `download` never replaces a file: when the log's name is taken it is saved as
//! `name (2).txt` (`--overwrite` replaces it instead); Ctrl-C removes the file being downloaded.
//! Pilot and drone names and paths from the service are printed with control and invisible
//! format characters escaped.
//!
//! Exit codes: 0 ok (an incomplete listing too), 1 other, 2 usage, 3 authentication,
//! 4 service, 130 Ctrl-C.

#[path = "../common.rs"]
mod common;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};
use clap::{Args, Parser, Subcommand};
use unleashlive_auth::api::download::DownloadDir;
use unleashlive_auth::api::flights::{FlightListing, Flights, Scope};
use unleashlive_auth::clock::{self, Clock as _};
use unleashlive_auth::text::terminal_safe;

use common::{Ctx, Global, Output, print_json, progress};

/// List and download flight logs.
#[derive(Debug, Parser)]
#[command(name = "flights", version)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Sign in with UL_USERNAME / UL_PASSWORD and cache the session.
    Login,
    /// List flight logs.
    List(Range),
    /// Download a flight log. A name that is taken gets a number: `name (2).txt`.
    Download {
        /// The first log of the range.
        #[arg(long, conflicts_with = "s3_path", required_unless_present = "s3_path")]
        first: bool,
        /// The log's s3Path.
        #[arg(long)]
        s3_path: Option<String>,
        #[arg(long, default_value = ".")]
        out: PathBuf,
        /// Replace a file of the same name in --out.
        #[arg(long)]
        overwrite: bool,
        #[command(flatten)]
        range: Range,
    },
}

#[derive(Debug, Args)]
struct Range {
    /// The company's logs instead of the team's.
    #[arg(long)]
    company: bool,
    /// From (RFC 3339 date or date-time, or Unix ms) [default: 30 days ago].
    #[arg(long, value_parser = parse_ms)]
    from: Option<i64>,
    /// To (RFC 3339 date or date-time, or Unix ms) [default: now].
    #[arg(long, value_parser = parse_ms)]
    to: Option<i64>,
}

fn main() -> ExitCode {
    common::init_logging();
    let cli = Cli::parse();
    common::exit("flights", run(cli))
}

fn run(cli: Cli) -> Result<()> {
    let ctx = Ctx::new(&cli.global)?;
    common::run_until_ctrl_c(async {
        let flights = ctx.ul.flights();
        match cli.command {
            Command::Login => ctx.login().await,
            Command::List(range) => {
                let listing = list(&flights, &range).await?;
                show(&ctx, &listing)
            }
            Command::Download {
                first,
                s3_path,
                out,
                overwrite,
                range,
            } => {
                let s3_path = match (first, s3_path) {
                    (_, Some(path)) => path,
                    (true, None) => list(&flights, &range)
                        .await?
                        .logs
                        .into_iter()
                        .find_map(|log| log.s3_path)
                        .context("no flight log with an s3Path in that range")?,
                    (false, None) => bail!("give --first or --s3-path"),
                };
                let report = progress(&s3_path);
                let to = DownloadDir::new(out).overwrite(overwrite);
                let done = flights
                    .download(&s3_path, &to, report.as_ref().map(|p| p as _))
                    .await?;
                match ctx.output {
                    Output::Json => print_json(&serde_json::json!({
                        "path": done.path,
                        "bytes": done.bytes,
                        "requestedName": done.requested_name,
                        "renamed": done.renamed(),
                    })),
                    Output::Text => {
                        println!("{}", common::downloaded_line(&done));
                        Ok(())
                    }
                }
            }
        }
    })
}

/// The listing of `range`; says on stderr when it is incomplete.
async fn list(flights: &Flights, range: &Range) -> Result<FlightListing> {
    let now = clock::unix_seconds(clock::SystemClock.now()) * 1000;
    let from = range.from.unwrap_or(now - 30 * 86_400_000);
    let to = range.to.unwrap_or(now);
    let scope = if range.company {
        Scope::Company
    } else {
        Scope::Team
    };
    let listing = flights.listing(scope, from, to).await?;
    if !listing.complete {
        let field = listing.unfollowed.as_deref().unwrap_or("?");
        eprintln!(
            "flights: the listing is incomplete: the service's page {} says there is more \
             (`{}`) in a form this sample cannot follow; only the {} logs received are \
             shown. Narrow the range with --from/--to and list the rest in further runs.",
            listing.pages,
            terminal_safe(field),
            listing.logs.len()
        );
    }
    Ok(listing)
}

fn show(ctx: &Ctx, listing: &FlightListing) -> Result<()> {
    if ctx.output == Output::Json {
        return print_json(&serde_json::json!({
            "logs": listing.logs,
            "complete": listing.complete,
        }));
    }
    println!(
        "{:<22} {:<16} {:<10} {:>9} {:>9}  S3 PATH",
        "START", "PILOT", "DRONE", "MINUTES", "KM"
    );
    for log in &listing.logs {
        let num = |v: Option<f64>, scale: f64| {
            v.map_or_else(|| "-".to_owned(), |v| format!("{:.1}", v / scale))
        };
        let text = |v: &Option<String>| terminal_safe(v.as_deref().unwrap_or("-")).into_owned();
        println!(
            "{:<22} {:<16} {:<10} {:>9} {:>9}  {}",
            text(&log.flight_start_date),
            text(&log.pilot_name),
            text(&log.drone_name),
            num(log.flight_duration, 60.0),
            num(log.flight_distance, 1000.0),
            text(&log.s3_path),
        );
    }
    Ok(())
}

/// Unix milliseconds, `YYYY-MM-DD` (UTC midnight) or RFC 3339 (`2025-01-31T10:00:00+10:00`).
fn parse_ms(text: &str) -> Result<i64, String> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().map_err(|e| format!("{e}"));
    }
    let bad = || format!("{text:?} is neither Unix ms nor an RFC 3339 date");
    let num = |s: &str| s.parse::<i64>().map_err(|_| bad());
    let (date, time) = text
        .split_once(['T', 't', ' '])
        .unwrap_or((text, "00:00:00Z"));
    let d: Vec<&str> = date.split('-').collect();
    let [y, m, day] = d.as_slice() else {
        return Err(bad());
    };
    let (y, m, day) = (num(y)?, num(m)?, num(day)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) {
        return Err(bad());
    }
    let (clock_part, offset) = match time.find(['Z', 'z', '+', '-']) {
        Some(i) => time.split_at(i),
        None => return Err(bad()),
    };
    let offset_secs = match offset {
        "Z" | "z" => 0,
        o => {
            let (h, mi) = o[1..].split_once(':').ok_or_else(bad)?;
            let secs = num(h)? * 3600 + num(mi)? * 60;
            if o.starts_with('-') { -secs } else { secs }
        }
    };
    let hms: Vec<&str> = clock_part.split(':').collect();
    let [h, mi, s] = hms.as_slice() else {
        return Err(bad());
    };
    let (secs, frac) = s.split_once('.').unwrap_or((s, ""));
    let millis = if frac.is_empty() {
        0
    } else {
        num(&format!("{frac:0<3}")[..3])?
    };
    // Days from civil (Howard Hinnant).
    let (yy, mm) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let doy = (153 * mm + 2) / 5 + day - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    let unix = days * 86_400 + num(h)? * 3600 + num(mi)? * 60 + num(secs)? - offset_secs;
    Ok(unix * 1000 + millis)
}
