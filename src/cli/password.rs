//! `ul-auth password forgot|confirm|change`.

use anyhow::Result;
use unleashlive_auth::{CognitoClient, Password};

use super::args::PasswordCommand;
use super::commands::{Ctx, runtime};
use super::prompt::{self, Stdin};

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
            eprintln!("Then run: ul-auth password confirm --username {username} --code CODE");
        }
        PasswordCommand::Confirm {
            username,
            code,
            new_password_stdin,
        } => {
            let username = prompt::username(username)?;
            let new_password = new_password(new_password_stdin, &mut Stdin)?;
            let cognito = rt.block_on(CognitoClient::new(ctx.config()?));
            rt.block_on(cognito.confirm_forgot_password(&username, code.secret(), &new_password))?;
            eprintln!("Password changed. Sign in with `ul-auth login --username {username}`.");
        }
        PasswordCommand::Change {
            password_stdin,
            new_password_stdin,
        } => {
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
