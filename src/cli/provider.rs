//! The one trait the command set runs over. Unleash Live (Cognito), UNITH, Unleash and
//! UnleashX each implement it where they really differ — how to log in, how to prove the
//! credential works, what `status` shows, what `exec` exports, what signing out means on the
//! server — and `commands.rs` writes status, token, header, refresh, check, exec and logout
//! once over it. It imports no command module.

use std::process::ExitCode;

use anyhow::Result;
use unleashlive_auth::credentials::LockedSession;
use unleashlive_auth::providers::{self, Provider, Sessions};
use unleashlive_auth::{ApiKind, AuthHeader};

use super::args::{Command, ExecArgs, HeaderApi, LoginArgs, TokenKind, UnleashApiArg};
use super::ctx::Ctx;
use super::out::runtime;

/// What a provider made of a command: it ran it (one only this provider has, or a refusal),
/// or it is one of the shared ones.
pub enum Own {
    Ran(ExitCode),
    Shared(Command),
}

/// What signing out on the server came to; the local credential is removed whatever it is.
pub enum SignOut {
    /// Nothing failed (or there was nothing to do).
    Done,
    /// A failure that makes `logout` fail, after the local credential is gone.
    Failed(anyhow::Error),
    /// A failure `logout` reports (this warning on stderr, exit 4) after the local credential
    /// is gone.
    NotRevoked(String),
}

/// A provider as the CLI drives it.
pub trait CliProvider: Provider {
    /// The provider, from the profile's settings and the environment.
    fn build(ctx: &Ctx) -> Result<Self>;

    /// Runs the commands only this provider has and refuses those it lacks; hands back the
    /// shared ones.
    fn own(ctx: &Ctx, command: Command) -> Result<Own>;

    /// `ul-auth login`.
    fn login(ctx: &Ctx, sessions: &Sessions<Self>, args: LoginArgs) -> Result<()>;

    /// `ul-auth status` for the cached credential (`None`: not signed in).
    fn status(ctx: &Ctx, cached: Option<Self::Credential>) -> Result<ExitCode>;

    /// Refuses a `--kind` of token the provider does not have, before anything is read.
    fn has_token(kind: TokenKind) -> Result<()>;

    /// The token `ul-auth token --kind KIND` prints (and `exec` exports as `UL_TOKEN` with
    /// [`TokenKind::Id`]).
    fn token(credential: &Self::Credential, kind: TokenKind) -> &str;

    /// The kind of API whose header `ul-auth header [API]` prints.
    fn header_api(api: Option<HeaderApi>) -> Result<ApiKind>;

    /// `ul-auth check`: proves the credential works; what to say on stderr (`None` when the
    /// answer was printed already).
    fn check(
        ctx: &Ctx,
        sessions: &Sessions<Self>,
        api: Option<UnleashApiArg>,
    ) -> Result<Option<String>>;

    /// The variables `exec` sets besides `UL_TOKEN` and `UL_AUTH_HEADER`, and whether they
    /// replace the AWS credentials CMD would inherit.
    fn exec_env(
        ctx: &Ctx,
        credential: &Self::Credential,
        args: &ExecArgs,
    ) -> Result<(Vec<(&'static str, String)>, bool)>;

    /// Signs out on the server before `logout` removes the local credential, under the
    /// profile's lock.
    fn sign_out(
        ctx: &Ctx,
        sessions: &Sessions<Self>,
        locked: &LockedSession<Self>,
        global: bool,
    ) -> Result<SignOut>;

    /// What `logout` says once the local credential is removed (or was not there).
    fn removed(ctx: &Ctx, removed: bool) -> String;
}

/// The provider's sessions for the profile.
pub fn open<P: CliProvider>(ctx: &Ctx) -> Result<Sessions<P>> {
    Ok(providers::sessions(
        ctx.store()?,
        ctx.profile.clone(),
        P::build(ctx)?,
    ))
}

/// A credential valid for a while, renewed first when the provider can.
/// (`ctx` is kept for the callers: the CLI's hints are added where the error is shown.)
pub fn current<P: Provider>(_ctx: &Ctx, sessions: &Sessions<P>) -> Result<P::Credential> {
    Ok(runtime()?.block_on(sessions.current())?)
}

/// `name: value`, exactly as the provider's requests carry it.
pub fn header_line(header: &AuthHeader) -> String {
    format!(
        "{}: {}",
        header.name(),
        header.value().to_str().unwrap_or_default()
    )
}
