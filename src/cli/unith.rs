//! UNITH in the CLI: `login` exchanges the e-mail and secret key for a 7-day bearer, `check`
//! exchanges again when a key is at hand, `secret-key rotate` replaces the key.

use anyhow::{Context, Result};
use serde_json::json;
use unleashlive_auth::SecretKey;
use unleashlive_auth::clock::{Clock as _, SystemClock};
use unleashlive_auth::credentials::manager::DEFAULT_MARGIN;
use unleashlive_auth::providers::unith::Unith;
use unleashlive_auth::providers::{Provider as _, ProviderKind, Sessions, Token};

use super::args::{LoginArgs, Output, SecretKeyCommand, UnleashApiArg};
use super::ctx::{Ctx, http};
use super::hints::usage;
use super::out::{expiry_text, runtime};
use super::prompt::{secret_input, visible_input};
use super::provider::{current, open};
use super::token_providers::TokenProvider;

/// Where the secret key is read from when it is not typed.
const KEY_ENV: &str = super::secrets::UNITH_SECRET_KEY;

fn key_from_env() -> Option<SecretKey> {
    std::env::var(KEY_ENV)
        .ok()
        .filter(|k| !k.trim().is_empty())
        .map(|k| SecretKey::new(k.trim()))
}

/// Says where a key goes when the cached bearer is due for renewal and nothing can renew it:
/// the library only says that no key is at hand.
fn note_no_key(ctx: &Ctx) {
    let Ok(store) = ctx.store() else { return };
    let Ok(Some(token)) = store.load::<Token<Unith>>(&ctx.profile) else {
        return;
    };
    let due = token
        .time_left(SystemClock.now())
        .is_some_and(|left| left <= DEFAULT_MARGIN);
    if due && token.remembered_secret().is_none() {
        eprintln!(
            "ul-auth: note: the UNITH bearer renews itself only with its secret key: set {KEY_ENV}, \
             or log in again with --remember"
        );
    }
}

impl TokenProvider for Unith {
    const LOGOUT_NOTE: &'static str = "The bearer stays valid on UNITH until it expires; the \
                                       secret key is unchanged (replace it with `ul-auth \
                                       secret-key rotate` if it leaked).";

    fn build(ctx: &Ctx) -> Result<Self> {
        let unith = Unith::new(http()?, &ctx.base_url(ProviderKind::Unith)?)?;
        Ok(match key_from_env() {
            Some(key) => unith.with_secret_key(key),
            None => {
                note_no_key(ctx);
                unith
            }
        })
    }

    fn details(sessions: &Sessions<Self>, token: &Token<Self>) -> Vec<(&'static str, String)> {
        let renewal = if token.remembered_secret().is_some() {
            "automatic (secret key remembered)"
        } else if sessions.provider().has_secret_key() {
            "automatic while UNITH_SECRET_KEY is set"
        } else {
            "none: run `ul-auth login` again when it expires"
        };
        vec![("Renewal", renewal.to_owned())]
    }

    fn login(ctx: &Ctx, sessions: &Sessions<Self>, args: LoginArgs) -> Result<()> {
        // Signing in again: the cached bearer says whose it was.
        let cached_account = sessions
            .cached()
            .ok()
            .flatten()
            .and_then(|t| t.account().map(str::to_owned));
        let email = visible_input(
            args.email.or(cached_account),
            "the UNITH account e-mail: pass --email or set UNITH_EMAIL",
            "UNITH account e-mail: ",
        )?;
        let key = secret_input(
            args.secret_key_stdin,
            KEY_ENV,
            "--secret-key-stdin",
            "UNITH secret key: ",
            "UNITH secret key",
        )?;
        let unith = sessions
            .provider()
            .clone()
            .with_secret_key(SecretKey::new(key.as_str()));
        let token = runtime()?.block_on(unith.exchange(&email, args.remember))?;
        sessions.replace(token.clone())?;
        match ctx.output {
            Output::Json => println!(
                "{}",
                json!({
                    "provider": "unith",
                    "account": email,
                    "expiresAt": token.expires_at().map(unleashlive_auth::clock::rfc3339),
                    "secretKeyRemembered": args.remember,
                })
            ),
            Output::Text => {
                eprintln!("Signed in to UNITH as {email}");
                eprintln!(
                    "Bearer token valid until {}",
                    expiry_text(token.expires_at())
                );
                if args.remember {
                    eprintln!(
                        "The secret key is remembered for profile {} (0600 cache file or the \
                         OS keychain) and renews the bearer automatically",
                        ctx.profile
                    );
                } else if key_from_env().is_none() {
                    eprintln!(
                        "The secret key was not stored: when the bearer expires, log in again \
                         (or set {KEY_ENV}, or log in with --remember, to renew it \
                         automatically)"
                    );
                }
            }
        }
        Ok(())
    }

    fn check(ctx: &Ctx, sessions: &Sessions<Self>, api: Option<UnleashApiArg>) -> Result<String> {
        if api.is_some() {
            return Err(usage(
                "--api",
                "selects an Unleash API; UNITH has one".into(),
            ));
        }
        let cached = sessions
            .cached()?
            .ok_or_else(|| unleashlive_auth::Error::NotSignedIn {
                profile: ctx.profile.clone(),
            })?;
        if !sessions.provider().can_renew(&cached) {
            let token = current(ctx, sessions)?;
            return Ok(format!(
                "No secret key at hand (set {KEY_ENV}, or log in with --remember), so UNITH \
                 was not asked; the cached bearer is valid until {}",
                expiry_text(token.expires_at())
            ));
        }
        let renewed = runtime()?.block_on(sessions.renew_now())?;
        Ok(format!(
            "UNITH accepted the e-mail and secret key; new bearer valid until {}",
            expiry_text(renewed.expires_at())
        ))
    }

    fn secret_key(ctx: &Ctx, action: SecretKeyCommand) -> Result<()> {
        let SecretKeyCommand::Rotate = action;
        let sessions = &open::<Self>(ctx)?;
        let token = current(ctx, sessions)?;
        let new_key = runtime()?
            .block_on(sessions.provider().rotate(&token))
            .context("rotating the UNITH secret key")?;
        // Remember the new key before showing it: if showing fails, it is not lost too.
        let remembered = token.remembered_secret().is_some();
        if remembered {
            // Under the lock, on what is stored now: a renewal elsewhere may have stored a new
            // bearer meanwhile, which must not be replaced by the one read above.
            let locked = sessions.lock()?;
            let stored = locked.stored()?.unwrap_or(token.clone());
            locked.replace(stored.remembering(Some(new_key.clone())))?;
        }
        // The one place the key is shown: stdout, once, as the command's output. Unlike
        // other output, a closed pipe here is a failure: the old key is already gone.
        let shown = {
            use std::io::Write as _;
            let mut out = std::io::stdout().lock();
            writeln!(out, "{}", new_key.secret()).and_then(|()| out.flush())
        };
        if let Err(e) = shown {
            let fate = if remembered {
                format!(
                    "it is remembered for profile {} and renews the bearer, but cannot be \
                     shown again",
                    ctx.profile
                )
            } else {
                "it was not stored anywhere: run `ul-auth secret-key rotate` again for a key \
                 you can keep"
                    .to_owned()
            };
            return Err(anyhow::anyhow!(
                "the old UNITH secret key was deleted and a new one generated, but writing it \
                 to standard output failed ({e}); {fate}"
            ));
        }
        eprintln!(
            "ul-auth: warning: this new UNITH secret key is shown only this once; store it \
             safely. The old key no longer works: update every program that used it."
        );
        if remembered {
            eprintln!("The remembered key of profile {} was replaced", ctx.profile);
        }
        if key_from_env().is_some() {
            eprintln!("ul-auth: warning: {KEY_ENV} still holds the old key; update it");
        }
        Ok(())
    }
}
