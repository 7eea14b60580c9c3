//! `ul-auth devices list|forget`.

use anyhow::Result;
use serde_json::json;
use unleashlive_auth::clock;
use unleashlive_auth::text::terminal_safe;

use super::args::{DevicesCommand, Output};
use super::ctx::Ctx;
use super::out::runtime;

pub fn run(ctx: &Ctx, action: DevicesCommand) -> Result<()> {
    let manager = ctx.manager()?;
    let rt = runtime()?;
    let session = rt.block_on(manager.current())?;
    let this = session.device().map(|d| d.key().to_owned());
    match action {
        DevicesCommand::List => {
            let devices = rt.block_on(async {
                manager
                    .renewer()
                    .client()
                    .await
                    .list_devices(&session)
                    .await
            })?;
            match ctx.output {
                Output::Json => {
                    let list: Vec<_> = devices
                        .iter()
                        .map(|d| {
                            json!({
                                "key": d.key,
                                "name": d.name,
                                "lastAuthenticated": d.last_authenticated.map(|t| clock::rfc3339(clock::from_unix_seconds(t))),
                                "status": d.status,
                                "thisDevice": this.as_deref() == Some(d.key.as_str()),
                            })
                        })
                        .collect();
                    println!("{}", serde_json::Value::Array(list));
                }
                Output::Text if devices.is_empty() => println!("No remembered devices."),
                Output::Text => {
                    for d in &devices {
                        let mark = if this.as_deref() == Some(d.key.as_str()) {
                            "*"
                        } else {
                            " "
                        };
                        // Device names are set by whichever client confirmed the device.
                        println!(
                            "{mark} {}  {}  last sign-in {}",
                            terminal_safe(&d.key),
                            terminal_safe(d.name.as_deref().unwrap_or("-")),
                            d.last_authenticated
                                .map(|t| clock::rfc3339(clock::from_unix_seconds(t)))
                                .unwrap_or_else(|| "-".into())
                        );
                    }
                    if this.is_some() {
                        println!("(* this device)");
                    }
                }
            }
        }
        DevicesCommand::Forget { key } => {
            let Some(key) = key.or_else(|| this.clone()) else {
                anyhow::bail!(unleashlive_auth::Error::InvalidAnswer(
                    "this session has no remembered device: name one (see `ul-auth devices list`)"
                        .into()
                ));
            };
            rt.block_on(async {
                manager
                    .renewer()
                    .client()
                    .await
                    .forget_device(&session, &key)
                    .await
            })?;
            if this.as_deref() == Some(key.as_str()) {
                // Re-read under the lock: a refresh elsewhere may have stored newer tokens
                // meanwhile, and writing back the session read above would undo it.
                let locked = manager.lock()?;
                if let Some(mut stored) = locked.stored()?
                    && stored.device().map(|d| d.key()) == Some(key.as_str())
                {
                    stored.set_device(None);
                    locked.replace(stored)?;
                }
            }
            eprintln!("Forgot device {key}");
        }
    }
    Ok(())
}
