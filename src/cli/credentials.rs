//! `ul-auth credentials`: temporary AWS credentials from the identity pool, for the aws CLI's
//! `credential_process`, a shell, or a program; and the AWS part of `exec`'s environment.

use anyhow::Result;
use serde_json::json;
use unleashlive_auth::aws::identity::AwsCredentials;
use unleashlive_auth::clock;

use super::args::CredentialsFormat;
use super::ctx::Ctx;
use super::out::{runtime, write_stdout};

pub fn credentials(ctx: &Ctx, format: CredentialsFormat) -> Result<()> {
    let (creds, region) = fetch(ctx)?;
    let expiration = clock::rfc3339(creds.expires_at());
    let text = match format {
        CredentialsFormat::CredentialProcess => json!({
            "Version": 1,
            "AccessKeyId": creds.access_key_id(),
            "SecretAccessKey": creds.secret_access_key().secret(),
            "SessionToken": creds.session_token().secret(),
            "Expiration": expiration,
        })
        .to_string(),
        CredentialsFormat::Json => json!({
            "accessKeyId": creds.access_key_id(),
            "secretAccessKey": creds.secret_access_key().secret(),
            "sessionToken": creds.session_token().secret(),
            "expiresAt": expiration,
            "identityId": creds.identity_id(),
            "region": region,
        })
        .to_string(),
        CredentialsFormat::Env => {
            let mut lines = String::new();
            for (name, value) in env_pairs(&creds, &region) {
                lines.push_str(&format!("export {name}={}\n", shell_quote(&value)));
            }
            lines.push_str(&format!(
                "export AWS_CREDENTIAL_EXPIRATION={}",
                shell_quote(&expiration)
            ));
            lines
        }
    };
    write_stdout(&text)
}

/// The AWS variables `exec` gives its command.
///
/// # Errors
/// When nobody is signed in or the identity pool cannot give credentials.
pub fn aws_env(ctx: &Ctx) -> Result<Vec<(&'static str, String)>> {
    let (creds, region) = fetch(ctx)?;
    let mut env = env_pairs(&creds, &region);
    // As `--format env` exports it: tools that cache credentials know when these expire.
    env.push((
        "AWS_CREDENTIAL_EXPIRATION",
        clock::rfc3339(creds.expires_at()),
    ));
    Ok(env)
}

fn env_pairs(creds: &AwsCredentials, region: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ACCESS_KEY_ID", creds.access_key_id().to_owned()),
        (
            "AWS_SECRET_ACCESS_KEY",
            creds.secret_access_key().secret().to_owned(),
        ),
        (
            "AWS_SESSION_TOKEN",
            creds.session_token().secret().to_owned(),
        ),
        ("AWS_REGION", region.to_owned()),
        // The aws CLI v1 reads only this one.
        ("AWS_DEFAULT_REGION", region.to_owned()),
    ]
}

/// Credentials for the profile's user (the session refreshed first when needed), and the
/// region they are for. The identity id is remembered next to the session, so a later run
/// skips GetId.
fn fetch(ctx: &Ctx) -> Result<(AwsCredentials, String)> {
    let ul = ctx.ul()?;
    let region = ul.config().region().to_owned();
    let creds = runtime()?.block_on(ul.aws_credentials().credentials())?;
    Ok((creds, region))
}

/// A POSIX shell word that stands for exactly `value`.
fn shell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::shell_quote;

    #[test]
    fn shell_quoting_survives_quotes_and_metacharacters() {
        assert_eq!(shell_quote("abc"), "'abc'");
        assert_eq!(shell_quote("a'b"), r"'a'\''b'");
        assert_eq!(shell_quote("$(rm -rf /)"), "'$(rm -rf /)'");
    }
}
