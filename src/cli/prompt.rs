//! Reading credentials from flags, the environment, stdin or a terminal.

use std::io::{BufRead, IsTerminal};

use anyhow::{Context, Result, bail};
use unleashlive_auth::{Error, Password};

/// Whether a person can be asked: stdin and stderr are terminals.
pub fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

pub fn username(given: Option<String>) -> Result<String> {
    if let Some(u) = given.filter(|u| !u.trim().is_empty()) {
        return Ok(u.trim().to_owned());
    }
    if !interactive() {
        return Err(Error::NotAuthorized {
            message: "no username: pass --username or set UL_USERNAME".into(),
        }
        .into());
    }
    eprint!("Username (e-mail): ");
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the username")?;
    let line = line.trim();
    if line.is_empty() {
        bail!(Error::NotAuthorized {
            message: "no username given".into()
        });
    }
    Ok(line.to_owned())
}

/// The password from UL_PASSWORD, the first line of stdin, or a hidden prompt.
pub fn password(from_stdin: bool) -> Result<Password> {
    if from_stdin {
        let mut line = zeroize::Zeroizing::new(String::new());
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("reading the password from standard input")?;
        let trimmed = line.trim_end_matches(['\n', '\r']);
        if trimmed.is_empty() {
            bail!(Error::NotAuthorized {
                message: "--password-stdin was given but standard input held no password".into()
            });
        }
        return Ok(Password::new(trimmed));
    }
    if let Ok(p) = std::env::var("UL_PASSWORD")
        && !p.is_empty()
    {
        return Ok(Password::new(p));
    }
    if !interactive() {
        bail!(Error::NotAuthorized {
            message: "no password: set UL_PASSWORD, pass --password-stdin, or run on a terminal to be prompted".into()
        });
    }
    let p = zeroize::Zeroizing::new(
        rpassword::prompt_password("Password: ").context("reading the password")?,
    );
    if p.is_empty() {
        bail!(Error::NotAuthorized {
            message: "no password given".into()
        });
    }
    Ok(Password::new(p.as_str()))
}
