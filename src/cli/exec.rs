//! The one runner behind every provider's `exec`: CMD gets the credential in its environment,
//! and loses the secrets ul-auth itself was handed (a password in UL_PASSWORD is meant for
//! ul-auth, not for every program it starts).

use std::process::ExitCode;

use anyhow::{Context, Result};

use super::args::ExecArgs;
use super::secrets;

/// The variables through which a program finds AWS credentials. They are removed when the
/// identity pool's credentials take their place, so CMD never mixes ours with a profile or
/// keys it was started with, and with --no-aws.
pub const AWS_CREDENTIAL_VARS: [&str; 14] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
];

/// Runs CMD (program and arguments) with our environment minus the secret variables (and the
/// AWS credential variables when `replaces_aws` or --no-aws), plus `set`; its exit status
/// becomes ours (127 when it cannot be found, 126 when it cannot run, 128 + N when killed by
/// signal N).
pub fn run(
    args: &ExecArgs,
    set: Vec<(&'static str, String)>,
    replaces_aws: bool,
) -> Result<ExitCode> {
    let set: Vec<(&str, zeroize::Zeroizing<String>)> = set
        .into_iter()
        .map(|(k, v)| (k, zeroize::Zeroizing::new(v)))
        .collect();
    let removed = removed(args, replaces_aws);
    let (program, rest) = args
        .command
        .split_first()
        .context("no command given: ul-auth exec -- CMD [ARGS...]")?;
    let mut command = std::process::Command::new(program);
    command.args(rest);
    for name in &removed {
        command.env_remove(name);
    }
    let status = command
        .envs(set.iter().map(|(k, v)| (*k, v.as_str())))
        .status();
    let status = match status {
        Ok(status) => status,
        Err(e) => {
            eprintln!("ul-auth: cannot run {}: {e}", program.to_string_lossy());
            // What shells answer for a command that cannot be found or run.
            let code = if e.kind() == std::io::ErrorKind::NotFound {
                127
            } else {
                126
            };
            return Ok(ExitCode::from(code));
        }
    };
    if let Some(code) = status.code() {
        return Ok(ExitCode::from(u8::try_from(code & 0xff).unwrap_or(1)));
    }
    // Killed by a signal: report it as shells do, 128 + signal number.
    let signal = std::os::unix::process::ExitStatusExt::signal(&status).unwrap_or(0);
    Ok(ExitCode::from(u8::try_from(128 + signal).unwrap_or(1)))
}

/// The variables CMD does not inherit: the secrets, the AWS credential variables when they
/// are replaced or unwanted, less those kept with --keep-env.
fn removed(args: &ExecArgs, replaces_aws: bool) -> Vec<&'static str> {
    let mut removed: Vec<&'static str> = secrets::ALL.to_vec();
    if replaces_aws || args.no_aws {
        removed.extend(AWS_CREDENTIAL_VARS);
    }
    for kept in &args.keep_env {
        if !removed.contains(&kept.as_str()) {
            // Most likely a typo: say so rather than keep nothing silently.
            eprintln!(
                "ul-auth: warning: --keep-env {kept}: exec does not remove {kept} here, so \
                 there is nothing to keep"
            );
        }
    }
    removed.retain(|name| !args.keep_env.iter().any(|kept| kept == name));
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(keep: &[&str], no_aws: bool) -> ExecArgs {
        ExecArgs {
            keep_env: keep.iter().map(|k| (*k).to_owned()).collect(),
            no_aws,
            command: vec!["true".into()],
        }
    }

    #[test]
    fn every_secret_goes_the_aws_variables_only_when_replaced_or_unwanted() {
        let plain = removed(&args(&[], false), false);
        assert_eq!(plain, secrets::ALL);
        assert!(!plain.contains(&"AWS_PROFILE"));
        for (replaces, no_aws) in [(true, false), (false, true)] {
            let gone = removed(&args(&[], no_aws), replaces);
            assert!(gone.contains(&"AWS_PROFILE") && gone.contains(&"UL_PASSWORD"));
        }
    }

    #[test]
    fn keep_env_keeps_exactly_the_named_variable() {
        let gone = removed(&args(&["UL_PASSWORD", "AWS_PROFILE"], true), false);
        assert!(!gone.contains(&"UL_PASSWORD") && !gone.contains(&"AWS_PROFILE"));
        assert!(gone.contains(&"UL_CLIENT_SECRET") && gone.contains(&"AWS_ACCESS_KEY_ID"));
    }
}
