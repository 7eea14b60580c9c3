//! Media Drive from the command line: the Unleash Live JS media-drive samples, in Rust, on
//! the `unleashlive_auth` library.
//!
//! ```text
//! cargo run --bin media-drive -- list FOLDER_ID --all
//! ```
//!
//! Credentials, first found: a personal access token in `UL_API_TOKEN` (sent as
//! `Authorization: Bearer`, as the current docs recommend for Media Drive); the token stored
//! for the profile with `ul-auth pat set`; the session `ul-auth login` cached for the profile,
//! refreshed when needed. `upload` needs that Cognito session (the identity pool gives the S3
//! credentials): add `--session` to use it even when a token is set or stored. The profile is
//! `UL_PROFILE` (default `default`); `UL_CACHE_DIR` moves the cache.
//! `media-drive login` signs in with `UL_USERNAME` / `UL_PASSWORD`.
//! Endpoints: `UL_GRAPHQL_URL`, `UL_MEDIA_CDN_URL`, `UL_UPLOAD_BUCKET`, `UL_IDENTITY_POOL_ID`
//! and the other `ul-auth` settings (`UL_REGION`, `UL_USER_POOL_ID`, `UL_CLIENT_ID`,
//! `AWS_ENDPOINT_URL`).
//!
//! `download` never replaces a file: an item whose (made-safe) name is taken, by a file from
//! before or by another item of the same folder, is saved as `name (2).jpg`, `name (3).jpg`...
//! and the output says so (`--output json`: each entry's `path`, `requestedName` and
//! `renamed`); `--overwrite` replaces files from before. Ctrl-C removes the file being
//! downloaded. Names and ids from the service are printed with control and invisible format
//! characters escaped.
//!
//! Exit codes: 0 ok, 1 other, 2 usage, 3 authentication, 4 service, 130 Ctrl-C.

#[path = "../common.rs"]
mod common;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context as _, Result, bail};
use clap::{Parser, Subcommand};
use futures_util::TryStreamExt as _;
use unleashlive_auth::api::download::DownloadDir;
use unleashlive_auth::api::media_drive::{ListOptions, MediaDrive, MediaItem};
use unleashlive_auth::aws::upload::Progress;
use unleashlive_auth::text::terminal_safe;
use unleashlive_auth::{CognitoRenewer, Error};

use common::{Ctx, Global, Output, print_json, progress};

/// Browse, upload, download, move, rename and delete Media Drive items.
#[derive(Debug, Parser)]
#[command(name = "media-drive", version)]
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
    /// Show one item: its id, name and location (what the official samples read of it).
    Get { id: String },
    /// List a folder (one page unless --all).
    List {
        folder: String,
        /// Items per page.
        #[arg(long)]
        limit: Option<u32>,
        /// Only this type: I image, V video, M model, R report, FL flight log, D document.
        #[arg(long = "type")]
        item_type: Option<String>,
        /// Follow nextToken to the last page.
        #[arg(long)]
        all: bool,
    },
    /// Upload a file into a folder.
    Upload {
        file: PathBuf,
        #[arg(long)]
        folder: String,
    },
    /// Download every file of a folder. A name that is taken (a file already there, or two
    /// items of the same name) gets a number: `name (2).jpg`.
    Download {
        folder: String,
        #[arg(long, default_value = ".")]
        out: PathBuf,
        #[arg(long = "type")]
        item_type: Option<String>,
        /// Replace files that were in --out before (two items still never share a name).
        #[arg(long)]
        overwrite: bool,
    },
    /// Move items into another folder (sent once: if the answer is lost, check with `get`).
    Move {
        #[arg(required = true)]
        ids: Vec<String>,
        /// The folder's id.
        #[arg(long)]
        to: String,
    },
    /// Rename an item (sent once: if the answer is lost, check with `get`).
    Rename { id: String, name: String },
    /// Delete items (sent once: if the answer is lost, check with `get`).
    Delete {
        #[arg(required = true)]
        ids: Vec<String>,
    },
}

fn main() -> ExitCode {
    common::init_logging();
    let cli = Cli::parse();
    common::exit("media-drive", run(cli))
}

fn run(cli: Cli) -> Result<()> {
    let ctx = Ctx::new(&cli.global)?;
    common::run_until_ctrl_c(async {
        let drive = ctx.ul.media_drive();
        match cli.command {
            Command::Login => ctx.login().await,
            Command::Get { id } => {
                let item = folder(&drive, &id).await?;
                match ctx.output {
                    Output::Json => print_json(&item),
                    Output::Text => {
                        let name = item.name.as_deref().unwrap_or("-");
                        let location = item.location.as_deref().unwrap_or("-");
                        println!("id        {}", terminal_safe(&item.id));
                        println!("name      {}", terminal_safe(name));
                        println!("location  {}", terminal_safe(location));
                        println!("lists at  {}", terminal_safe(&item.listing_location()));
                        Ok(())
                    }
                }
            }
            Command::List {
                folder: id,
                limit,
                item_type,
                all,
            } => {
                let location = folder(&drive, &id).await?.listing_location();
                let mut options = ListOptions::default();
                options.limit = limit;
                options.item_type = item_type;
                let items: Vec<MediaItem> = if all {
                    drive.list(&location, options).try_collect().await?
                } else {
                    drive.list_page(&location, &options, None).await?.items
                };
                show(&ctx, &items)
            }
            Command::Upload { file, folder: id } => {
                if ctx.auth().sessions::<CognitoRenewer>().is_none() {
                    bail!(Error::Config {
                        setting: "UL_API_TOKEN".into(),
                        reason: "uploads need the Cognito session: the S3 credentials come from \
                                 the identity pool, which takes no personal access token"
                            .into(),
                    });
                }
                let folder = folder(&drive, &id).await?;
                let uploader = ctx.ul.uploader().await;
                let report = progress(&file.display().to_string()).map(|p| {
                    Arc::new(move |sent: u64, total: u64| p(sent, Some(total))) as Progress
                });
                let done = drive.upload(&uploader, &folder, &file, report).await?;
                match ctx.output {
                    Output::Json => print_json(&serde_json::json!({
                        "bucket": done.bucket, "key": done.key, "size": done.size,
                        "location": done.location, "name": done.name,
                    })),
                    Output::Text => {
                        println!(
                            "uploaded {} ({}) to s3://{}/{}",
                            terminal_safe(&done.name),
                            common::size(done.size),
                            terminal_safe(&done.bucket),
                            terminal_safe(&done.key)
                        );
                        Ok(())
                    }
                }
            }
            Command::Download {
                folder: id,
                out,
                item_type,
                overwrite,
            } => {
                let location = folder(&drive, &id).await?.listing_location();
                let mut options = ListOptions::default();
                options.item_type = item_type;
                let items: Vec<MediaItem> = drive.list(&location, options).try_collect().await?;
                let to = DownloadDir::new(out).overwrite(overwrite);
                let mut paths = Vec::new();
                for item in items
                    .iter()
                    .filter(|i| !i.is_folder() && i.s3_path.is_some())
                {
                    let report = progress(item.name.as_deref().unwrap_or(&item.id));
                    let done = drive
                        .download(item, &to, report.as_ref().map(|p| p as _))
                        .await
                        .with_context(|| format!("downloading {:?}", item.id))?;
                    if ctx.output == Output::Text {
                        println!("{}", common::downloaded_line(&done));
                    }
                    paths.push(serde_json::json!({
                        "id": item.id,
                        "path": done.path,
                        "bytes": done.bytes,
                        "requestedName": done.requested_name,
                        "renamed": done.renamed(),
                    }));
                }
                if ctx.output == Output::Json {
                    print_json(&paths)?;
                }
                Ok(())
            }
            Command::Move { ids, to } => {
                let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
                let moved = drive.move_items(&refs, &to).await?;
                let text = format!("moved {} into {to}", ids.join(" "));
                done(&ctx, &moved, &terminal_safe(&text))
            }
            Command::Rename { id, name } => {
                let renamed = drive.rename(&id, &name).await?;
                done(
                    &ctx,
                    &serde_json::json!({ "id": renamed }),
                    &format!("renamed {id} to {name:?}"),
                )
            }
            Command::Delete { ids } => {
                let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
                let deleted = drive.delete(&ids).await?;
                let text = format!("deleted {}", deleted.delete_items.join(" "));
                done(&ctx, &deleted, &terminal_safe(&text))
            }
        }
    })
}

async fn folder(drive: &MediaDrive, id: &str) -> Result<MediaItem> {
    drive
        .get(id)
        .await?
        .with_context(|| format!("Media Drive has no item {id:?}"))
}

fn done(ctx: &Ctx, value: &impl serde::Serialize, text: &str) -> Result<()> {
    match ctx.output {
        Output::Json => print_json(value),
        Output::Text => {
            println!("{text}");
            Ok(())
        }
    }
}

fn show(ctx: &Ctx, items: &[MediaItem]) -> Result<()> {
    if ctx.output == Output::Json {
        return print_json(&items);
    }
    println!("{:<38} {:<4} {:<20} NAME", "ID", "TYPE", "CREATED");
    for item in items {
        let kind = if item.is_folder() {
            "dir"
        } else {
            item.item_type.as_deref().unwrap_or("-")
        };
        let created = item.created_at.map_or_else(|| "-".to_owned(), created);
        println!(
            "{:<38} {:<4} {:<20} {}",
            terminal_safe(&item.id),
            terminal_safe(kind),
            created,
            terminal_safe(item.name.as_deref().unwrap_or(""))
        );
    }
    Ok(())
}

/// Service timestamps come in seconds or milliseconds.
fn created(t: i64) -> String {
    let secs = if t > 100_000_000_000 { t / 1000 } else { t };
    unleashlive_auth::clock::rfc3339(unleashlive_auth::clock::from_unix_seconds(secs))
}
