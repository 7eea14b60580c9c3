//! `ul-auth verify`: check a token's signature and claims against the user pool.

use std::io::Read;

use anyhow::{Context, Result};
use unleashlive_auth::token::Verifier;

use super::args::TokenKind;
use super::ctx::Ctx;
use super::out::{runtime, write_stdout};

/// Far more than any token (the verifier refuses anything over 16 KiB).
const STDIN_LIMIT: u64 = 1 << 20;

/// Verifies `token` (`-` = standard input; none = the cached session's token of `kind`) and
/// prints its claims as JSON. A refused token is an `Error::TokenRejected`, which `main`
/// reports on stderr with exit code 3.
pub fn verify(ctx: &Ctx, token: Option<&str>, kind: TokenKind) -> Result<()> {
    let config = ctx.config()?;
    let token = match token {
        Some("-") => read_stdin()?,
        Some(token) => token.to_owned(),
        None => {
            let session = ctx.session()?;
            match kind {
                TokenKind::Id => session.id_token().secret().to_owned(),
                TokenKind::Access => session.access_token().secret().to_owned(),
            }
        }
    };
    let verifier = Verifier::builder(&config).build()?;
    let runtime = runtime()?;
    let claims = match kind {
        TokenKind::Id => serde_json::to_value(runtime.block_on(verifier.verify_id_token(&token))?),
        TokenKind::Access => {
            serde_json::to_value(runtime.block_on(verifier.verify_access_token(&token))?)
        }
    }?;
    // `ul-auth verify | head -1` is not a failure.
    write_stdout(&serde_json::to_string_pretty(&claims)?)
}

/// The token on standard input, surrounding whitespace removed. Whatever is there goes to
/// the verifier, which says what is wrong with it (exit 3), rather than failing here.
fn read_stdin() -> Result<String> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .take(STDIN_LIMIT)
        .read_to_end(&mut bytes)
        .context("reading the token from standard input")?;
    Ok(String::from_utf8_lossy(&bytes).trim().to_owned())
}
