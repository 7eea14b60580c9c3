//! `ul-auth analytics version|devices|sessions|pull`: the analytics API with a personal access
//! token or a legacy API key (see `pat.rs` for which one is used).

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use anyhow::{Context, Result};
use serde_json::json;
use unleashlive_auth::Error;
use unleashlive_auth::api::analytics::Analytics;
use unleashlive_auth::api::analytics::dataset::{
    DatasetSpec, Partition, pull_dataset, pull_parquet_file, staging_path,
};
use unleashlive_auth::api::analytics::destination::Destination;
use unleashlive_auth::api::analytics::pull::{
    self as analytics_pull, Devices, Format, Progress, PullSpec, partial_path, sidecar_path,
};
use unleashlive_auth::text::terminal_safe;

use super::args::Output;
use super::ctx::Ctx;
use super::out::runtime;
use super::pat::analytics_auth;
use super::subargs::{AnalyticsArgs, AnalyticsCommand, PartitionKey, PullArgs, PullFormat};
use super::times::parse_time;

pub fn run(ctx: &Ctx, args: AnalyticsArgs) -> Result<ExitCode> {
    // Made only when a command calls the API (a summary of a dataset does not).
    let client = || -> Result<Analytics> {
        let auth = analytics_auth(ctx, &args.cred)?;
        Ok(Analytics::new(super::ctx::http()?, auth, &ctx.config()?))
    };
    let rt = runtime()?;
    match args.command {
        AnalyticsCommand::Version => {
            let version = rt.block_on(client()?.version())?;
            match ctx.output {
                Output::Json => println!("{}", json!({ "version": version })),
                Output::Text => println!("{}", terminal_safe(&version)),
            }
        }
        AnalyticsCommand::Devices | AnalyticsCommand::Sessions => {
            let client = client()?;
            let ids = if matches!(args.command, AnalyticsCommand::Devices) {
                rt.block_on(client.devices())?
            } else {
                rt.block_on(client.sessions())?
            };
            match ctx.output {
                Output::Json => println!("{}", json!(ids)),
                Output::Text => ids.iter().for_each(|id| println!("{}", terminal_safe(id))),
            }
        }
        AnalyticsCommand::Pull(pull) => return rt.block_on(run_pull(&client()?, pull)),
        AnalyticsCommand::Summary(args) => {
            return super::analytics_summary::run(ctx, &rt, args, client);
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn run_pull(client: &Analytics, args: PullArgs) -> Result<ExitCode> {
    let spec = PullSpec {
        devices: if args.device == "all" {
            Devices::All
        } else {
            Devices::List(vec![args.device.clone()])
        },
        from_ms: parse_time(&args.from, "--from")?,
        to_ms: parse_time(&args.to, "--to")?,
        format: match args.format {
            PullFormat::Csv => Format::Csv,
            PullFormat::Jsonl => Format::Jsonl,
            PullFormat::Parquet => Format::Parquet,
        },
        concurrency: usize::from(args.concurrency),
    };
    if spec.from_ms > spec.to_ms {
        anyhow::bail!(Error::Config {
            setting: "--from".into(),
            reason: "is after --to".into(),
        });
    }
    if spec.format == Format::Parquet {
        return run_parquet(client, &spec, &args).await;
    }
    if !args.partition_by.is_empty() || args.lenient_types {
        anyhow::bail!(Error::Config {
            setting: "--partition-by / --lenient-types".into(),
            reason: "are for --format parquet".into(),
        });
    }
    let mut meter = Meter::new();
    let report = |p: &Progress| meter.show(p);
    match &args.out {
        Some(out) => {
            let result =
                analytics_pull::pull_to_file(client, &spec, out, args.resume, report).await;
            meter.finish();
            // A refusal to start (a file problem before any page) says itself what to do.
            let refused = meter.pages == 0
                && result
                    .as_ref()
                    .is_err_and(|e| matches!(e, Error::File { .. }));
            let pulled = result.with_context(|| {
                if !refused && partial_path(out).exists() && sidecar_path(out).exists() {
                    format!(
                        "the pull stopped; the rows so far are in {} (run the same command with \
                         --resume to continue)",
                        partial_path(out).display()
                    )
                } else {
                    "the pull failed".to_owned()
                }
            })?;
            eprintln!(
                "Wrote {} rows to {} ({} pages fetched{})",
                pulled.rows,
                out.display(),
                pulled.pages,
                if pulled.resumed { ", resumed" } else { "" }
            );
        }
        None => {
            let closed = Arc::new(AtomicBool::new(false));
            let stdout = PipeAware {
                out: std::io::stdout().lock(),
                closed: closed.clone(),
            };
            let result = analytics_pull::pull(client, &spec, stdout, report).await;
            meter.finish();
            match result {
                // `| head` closing the pipe is not an error.
                Err(_) if closed.load(Ordering::Relaxed) => {}
                other => {
                    other?;
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `--format parquet`: one file, or a dataset in a directory or under `s3://`.
async fn run_parquet(client: &Analytics, spec: &PullSpec, args: &PullArgs) -> Result<ExitCode> {
    let Some(out) = &args.out else {
        anyhow::bail!(Error::Config {
            setting: "--out".into(),
            reason: "is needed with --format parquet (a FILE, a directory, or \
                     s3://bucket/prefix/): Parquet is not written to stdout"
                .into(),
        });
    };
    let mut dataset = DatasetSpec::new(
        args.partition_by
            .iter()
            .map(|key| match key {
                PartitionKey::Device => Partition::Device,
                PartitionKey::Date => Partition::Date,
            })
            .collect(),
    );
    dataset.lenient_types = args.lenient_types;
    dataset.batch_rows = args.batch_rows as usize;
    let target = out.to_string_lossy().into_owned();
    let is_dataset = !dataset.partition_by.is_empty()
        || target.starts_with("s3://")
        || target.ends_with('/')
        || out.is_dir();
    let mut meter = Meter::new();
    let report = |p: &Progress| meter.show(p);
    let (result, place) = if is_dataset {
        let dest = Destination::open(&target).await?;
        let place = dest.describe();
        let result = pull_dataset(client, spec, &dataset, &dest, args.resume, report).await;
        (result, place)
    } else {
        let result = pull_parquet_file(client, spec, &dataset, out, args.resume, report).await;
        (result, out.display().to_string())
    };
    meter.finish();
    let changed_type = result
        .as_ref()
        .is_err_and(|e| e.to_string().contains("changes type"));
    let pulled = result.with_context(|| {
        if changed_type {
            "the pull stopped; run the same command with --resume --lenient-types to go on, \
             writing such columns as text"
                .to_owned()
        } else if meter.pages > 0 {
            format!(
                "the pull stopped; what was written so far is kept (run the same command with \
                 --resume to continue from {})",
                if is_dataset {
                    place.clone()
                } else {
                    staging_path(out).display().to_string()
                }
            )
        } else {
            "the pull failed".to_owned()
        }
    })?;
    eprintln!(
        "Wrote {} rows to {} ({} files, {} pages fetched{})",
        pulled.rows,
        terminal_safe(&place),
        pulled.files.len(),
        pulled.pages,
        if pulled.resumed { ", resumed" } else { "" }
    );
    Ok(ExitCode::SUCCESS)
}

/// Stdout that remembers when the reader went away.
struct PipeAware<W: Write> {
    out: W,
    closed: Arc<AtomicBool>,
}

impl<W: Write> Write for PipeAware<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.out.write(buf).inspect_err(|e| self.note(e))
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush().inspect_err(|e| self.note(e))
    }
}

impl<W: Write> PipeAware<W> {
    fn note(&self, e: &std::io::Error) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            self.closed.store(true, Ordering::Relaxed);
        }
    }
}

/// A progress line on stderr, only when stderr is a terminal; at most ten redraws a second.
struct Meter {
    /// Pages written so far by this run.
    pages: u64,
    tty: bool,
    started: Instant,
    last: Option<Instant>,
    drawn: bool,
}

impl Meter {
    fn new() -> Self {
        Meter {
            pages: 0,
            tty: std::io::stderr().is_terminal(),
            started: Instant::now(),
            last: None,
            drawn: false,
        }
    }

    fn show(&mut self, p: &Progress) {
        self.pages += 1;
        if !self.tty {
            return;
        }
        let now = Instant::now();
        let done = p.page >= p.total_pages && p.device_index + 1 == p.devices;
        if !done
            && self
                .last
                .is_some_and(|t| now.duration_since(t).as_millis() < 100)
        {
            return;
        }
        self.last = Some(now);
        let secs = now.duration_since(self.started).as_secs_f64().max(0.001);
        let device = if p.devices > 1 {
            format!("device {}/{} ", p.device_index + 1, p.devices)
        } else {
            String::new()
        };
        eprint!(
            "\r{device}page {}/{}, {} rows, {:.0} rows/s   ",
            p.page,
            p.total_pages,
            p.rows,
            p.rows as f64 / secs
        );
        self.drawn = true;
    }

    fn finish(&mut self) {
        if self.drawn {
            eprintln!();
            self.drawn = false;
        }
    }
}
