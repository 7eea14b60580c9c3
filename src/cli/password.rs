//! `ul-auth password forgot|confirm|change`.

use anyhow::{Result, bail};
use unleashlive_auth::{CognitoClient, Error, OneTimeCode, Password};

use super::args::PasswordCommand;
use super::ctx::{Ctx, note_endpoint};
use super::out::runtime;
use super::prompt::{self, Stdin};
use super::secrets::RESET_CODE;

pub fn run(ctx: &Ctx, action: PasswordCommand) -> Result<()> {
    let rt = runtime()?;
    match action {
        PasswordCommand::Forgot { username } => {
            let username = prompt::username(username)?;
            let cognito = rt.block_on(CognitoClient::new(ctx.config()?));
            let sent = rt.block_on(cognito.forgot_password(&username))?;
            let how = match sent.medium.as_deref() {
                Some("SMS") => "by SMS",
                Some("EMAIL") => "by e-mail",
                _ => "",
            };
            eprintln!(
                "A reset code was sent {how} to {}.",
                sent.destination
                    .as_deref()
                    .unwrap_or("the account's verified address")
            );
            eprintln!(
                "Then run `ul-auth password confirm --username {username}` and type the code \
                 when asked (or give it in {RESET_CODE}, or on standard input with `--code -`)"
            );
        }
        PasswordCommand::Confirm {
            username,
            code,
            new_password_stdin,
        } => {
            // A code typed on the command line stays readable in `ps` for as long as we wait
            // at the new-password prompt: refuse that combination before waiting.
            if !new_password_stdin && code_on_command_line() {
                bail!(Error::Config {
                    setting: "--code".into(),
                    reason: format!(
                        "a reset code given on the command line would stay visible to other \
                         users (ps) while ul-auth waits for the new password; give it in \
                         {RESET_CODE}, with `--code -` (standard input), or when asked"
                    ),
                });
            }
            let config = ctx.config()?;
            note_endpoint(ctx, &config, "the new password");
            let username = prompt::username(username)?;
            let code = reset_code(code)?;
            let new_password = new_password(new_password_stdin, &mut Stdin)?;
            let cognito = rt.block_on(CognitoClient::new(config));
            rt.block_on(cognito.confirm_forgot_password(&username, code.secret(), &new_password))?;
            eprintln!("Password changed. Sign in with `ul-auth login --username {username}`.");
        }
        PasswordCommand::Change {
            password_stdin,
            new_password_stdin,
        } => {
            note_endpoint(ctx, &ctx.config()?, "the password change");
            let mut stdin = Stdin;
            let current = prompt::password(password_stdin, &mut stdin)?;
            let new_password = new_password(new_password_stdin, &mut stdin)?;
            let manager = ctx.manager()?;
            rt.block_on(async {
                let session = manager.current().await?;
                manager
                    .renewer()
                    .client()
                    .await
                    .change_password(&session, &current, &new_password)
                    .await
            })?;
            eprintln!("Password changed; this session stays signed in.");
        }
    }
    Ok(())
}

/// Whether `--code` was given a value on the command line itself (not `-`, not the variable).
fn code_on_command_line() -> bool {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    args.iter().enumerate().any(|(i, arg)| {
        let arg = arg.to_string_lossy();
        match arg.strip_prefix("--code") {
            Some("") => args.get(i + 1).is_some_and(|v| v != "-"),
            Some(rest) => rest.strip_prefix('=').is_some_and(|v| v != "-"),
            None => false,
        }
    })
}

/// The reset code: the flag's or variable's value (`-`: the first line of standard input), else
/// a prompt on a terminal.
fn reset_code(given: Option<OneTimeCode>) -> Result<OneTimeCode> {
    if let Some(code) = given.filter(|c| !c.secret().is_empty()) {
        let code = Stdin.unless_dash(code.secret(), "the reset code")?;
        return Ok(OneTimeCode::new(code.as_str()));
    }
    if prompt::interactive() {
        return Ok(OneTimeCode::new(prompt::visible("Reset code: ")?));
    }
    Err(Error::NotAuthorized {
        message: format!(
            "no reset code: set {RESET_CODE}, or pass `--code -` to read it from standard input \
             (the new password then goes on the next line, with --new-password-stdin), or run \
             on a terminal to be prompted"
        ),
    }
    .into())
}

fn new_password(from_stdin: bool, stdin: &mut Stdin) -> Result<Password> {
    if from_stdin {
        return stdin.secret_line("the new password");
    }
    if !prompt::interactive() {
        anyhow::bail!(unleashlive_auth::Error::InvalidAnswer(
            "no new password: pass --new-password-stdin, or run on a terminal to be prompted"
                .into()
        ));
    }
    prompt::new_password()
}
