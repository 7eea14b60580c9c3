//! `ul-auth login`: sign in and answer whatever Cognito asks.

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use unleashlive_auth::clock::{self, Clock, SystemClock};
use unleashlive_auth::cognito::{Answer, AuthFlow, FirstFactor, MfaMethod};
use unleashlive_auth::{
    Challenge, ChallengeKind, CognitoClient, CognitoSessions, Error, Password, Session, SignIn,
};

use super::args::{Flow, LoginArgs, MfaChoice, Output, Prefer};
use super::ctx::{Ctx, note_endpoint};
use super::out::{human_duration, runtime};
use super::prompt::{self, Stdin};
use super::secrets::{MFA_CODE, OTP_CODE};

/// A chain longer than this (new password → MFA setup → MFA code ...) is a server bug.
const MAX_CHALLENGES: usize = 6;

pub fn login(ctx: &Ctx, manager: &CognitoSessions, args: LoginArgs) -> Result<()> {
    let config = ctx.config()?;
    note_endpoint(ctx, &config, "the sign-in");
    let mut stdin = Stdin;
    let username = prompt::username(
        args.username
            .clone()
            .or_else(|| std::env::var("UL_USERNAME").ok()),
    )?;
    let preferred = args.prefer.map(first_factor);
    // Choice-based sign-in may need no password at all (an e-mailed code).
    let mut password = match (args.flow, preferred) {
        (Flow::UserAuth, None) => None,
        (Flow::UserAuth, Some(f)) if !f.needs_password() => None,
        _ => Some(prompt::password(args.password_stdin, &mut stdin)?),
    };
    // A device remembered at an earlier sign-in of this profile is proven again, unless that
    // session visibly belonged to someone else. (If Cognito does not know it for this user,
    // the sign-in is retried without it.)
    let remembered = match manager.cached() {
        Ok(Some(previous)) => {
            let same_user = [
                previous.claims().email.as_deref(),
                previous.claims().username.as_deref(),
            ]
            .iter()
            .flatten()
            .any(|name| name.eq_ignore_ascii_case(&username))
                || previous.claims().email.is_none();
            previous.device().filter(|_| same_user).cloned()
        }
        _ => None,
    };
    let session = runtime()?.block_on(async {
        let cognito = CognitoClient::new(config)
            .await
            .with_device(if args.no_remember_device {
                None
            } else {
                remembered
            })
            .remember_new_devices(!args.no_remember_device);
        let mut outcome = match (args.flow, &password) {
            (Flow::UserAuth, p) => {
                cognito
                    .sign_in_with_choice(&username, preferred, p.as_ref())
                    .await?
            }
            (Flow::Srp, Some(p)) => cognito.sign_in(AuthFlow::Srp, &username, p).await?,
            (Flow::Password, Some(p)) => cognito.sign_in(AuthFlow::Password, &username, p).await?,
            (_, None) => bail!("no password"),
        };
        let mut code_used = false;
        for _ in 0..MAX_CHALLENGES {
            match outcome {
                SignIn::Done(session) => return Ok(session),
                SignIn::Challenge(mut challenge) => {
                    let answer = ask(
                        &cognito,
                        &mut challenge,
                        &args,
                        &mut stdin,
                        &mut code_used,
                        &mut password,
                    )
                    .await?;
                    outcome = cognito.answer(challenge, answer).await?;
                }
            }
        }
        bail!(Error::UnexpectedResponse {
            message: format!("Cognito asked more than {MAX_CHALLENGES} challenges in a row"),
            source: None,
        })
    })?;
    drop(password);
    manager.replace(session.clone())?;
    tracing::debug!(profile = %ctx.profile, "session cached");
    print_signed_in(ctx, &session);
    Ok(())
}

fn print_signed_in(ctx: &Ctx, session: &Session) {
    let c = session.claims();
    match ctx.output {
        Output::Json => println!("{}", super::out::session_json(session)),
        Output::Text => {
            println!(
                "Signed in as {} (team {}, company {})",
                c.email.as_deref().unwrap_or(session.username()),
                c.team_id.as_deref().unwrap_or("-"),
                c.company_id.as_deref().unwrap_or("-"),
            );
            println!(
                "Session valid until {} ({}); profile {}",
                clock::rfc3339(session.expires_at()),
                human_duration(session.time_left(SystemClock.now())),
                ctx.profile
            );
        }
    }
}

/// The answer to one challenge, from flags, stdin or a terminal prompt.
fn first_factor(p: Prefer) -> FirstFactor {
    match p {
        Prefer::Password => FirstFactor::Password,
        Prefer::PasswordSrp => FirstFactor::PasswordSrp,
        Prefer::EmailOtp => FirstFactor::EmailOtp,
        Prefer::SmsOtp => FirstFactor::SmsOtp,
    }
}

fn factor_from_name(name: &str) -> Option<FirstFactor> {
    match name {
        "PASSWORD" => Some(FirstFactor::Password),
        "PASSWORD_SRP" => Some(FirstFactor::PasswordSrp),
        "EMAIL_OTP" => Some(FirstFactor::EmailOtp),
        "SMS_OTP" => Some(FirstFactor::SmsOtp),
        _ => None,
    }
}

async fn ask(
    cognito: &CognitoClient,
    challenge: &mut Challenge,
    args: &LoginArgs,
    stdin: &mut Stdin,
    code_used: &mut bool,
    password: &mut Option<Password>,
) -> Result<Answer> {
    let name = challenge.kind().as_str().to_owned();
    let unanswered = |how: &str| -> anyhow::Error {
        anyhow::Error::new(Error::ChallengeRequired {
            challenge: name.clone(),
        })
        .context(how.to_owned())
    };
    match challenge.kind() {
        ChallengeKind::NewPasswordRequired => {
            let password = if args.new_password_stdin {
                stdin.secret_line("the new password")?
            } else if prompt::interactive() {
                eprintln!("This account must choose a new password.");
                prompt::new_password()?
            } else {
                return Err(unanswered(
                    "this account must choose a new password (first sign-in of an invited user): \
                     pass it with --new-password-stdin, or run on a terminal to be prompted",
                ));
            };
            let mut attributes = parse_attributes(&args.attributes)?;
            for needed in challenge.required_attributes() {
                if attributes.contains_key(&needed) {
                    continue;
                }
                if !prompt::interactive() {
                    return Err(unanswered(&format!(
                        "the pool also requires the attribute {needed:?}: pass --attribute {needed}=VALUE"
                    )));
                }
                attributes.insert(needed.clone(), prompt::visible(&format!("{needed}: "))?);
            }
            Ok(Answer::NewPassword {
                password,
                attributes,
            })
        }
        ChallengeKind::SoftwareTokenMfa
        | ChallengeKind::SmsMfa
        | ChallengeKind::EmailOtp
        | ChallengeKind::SmsOtp => {
            let source = match challenge.kind() {
                ChallengeKind::SoftwareTokenMfa => "your authenticator app".to_owned(),
                other => format!(
                    "the {} sent to {}",
                    if matches!(other, ChallengeKind::SmsMfa | ChallengeKind::SmsOtp) {
                        "SMS"
                    } else {
                        "e-mail"
                    },
                    challenge.code_destination().unwrap_or("you")
                ),
            };
            Ok(Answer::Code(code(
                args,
                stdin,
                code_used,
                &source,
                &unanswered,
            )?))
        }
        ChallengeKind::SelectChallenge => {
            let offered: Vec<&str> = challenge
                .available_challenges()
                .iter()
                .map(String::as_str)
                .filter(|c| factor_from_name(c).is_some())
                .collect();
            let passkey = challenge
                .available_challenges()
                .iter()
                .any(|c| c == "WEB_AUTHN");
            let note = if passkey {
                " (WEB_AUTHN, a passkey, is also offered but cannot be used from a terminal)"
            } else {
                ""
            };
            let factor = if let Some(p) = args.prefer {
                first_factor(p)
            } else if prompt::interactive() && !offered.is_empty() {
                if passkey {
                    eprintln!("Passkeys (WEB_AUTHN) cannot be used from a terminal.");
                }
                let i = prompt::choose("Choose how to sign in", &offered)?;
                factor_from_name(offered[i]).unwrap_or(FirstFactor::PasswordSrp)
            } else {
                return Err(unanswered(&format!(
                    "choose how to sign in: Cognito offers {}{note}; pass \
                     --prefer password|password-srp|email-otp|sms-otp",
                    offered.join(", ")
                )));
            };
            if factor.needs_password() && password.is_none() {
                *password = Some(prompt::password(args.password_stdin, stdin)?);
            }
            Ok(Answer::Choose {
                factor,
                password: if factor.needs_password() {
                    password.clone()
                } else {
                    None
                },
            })
        }
        ChallengeKind::WebAuthn => Err(unanswered(
            "Cognito asks for a passkey (WEB_AUTHN), which cannot be used from a terminal; \
             choose another method with --prefer",
        )),
        ChallengeKind::SelectMfaType => {
            let choices = challenge.mfa_choices();
            let method = match args.mfa_method {
                Some(MfaChoice::Totp) => MfaMethod::Totp,
                Some(MfaChoice::Sms) => MfaMethod::Sms,
                Some(MfaChoice::Email) => MfaMethod::Email,
                None if prompt::interactive() && !choices.is_empty() => {
                    let names: Vec<&str> = choices.iter().map(|m| m.as_str()).collect();
                    let i = prompt::choose("Choose an MFA method", &names)?;
                    choices[i]
                }
                None => {
                    let names: Vec<&str> = choices.iter().map(|m| m.as_str()).collect();
                    return Err(unanswered(&format!(
                        "the account offers several MFA methods ({}): pass --mfa-method totp|sms|email",
                        names.join(", ")
                    )));
                }
            };
            Ok(Answer::SelectMfa(method))
        }
        ChallengeKind::MfaSetup => {
            if !prompt::interactive() {
                return Err(unanswered(
                    "this account must set up an authenticator app first: run `ul-auth login` \
                     on a terminal once to enrol it",
                ));
            }
            let setup = cognito.begin_totp_setup(challenge).await?;
            eprintln!("This account must set up an authenticator app (TOTP).");
            eprintln!("Secret (type it into the app): {}", setup.secret().secret());
            eprintln!("Or open / scan: {}", setup.otpauth_uri("Unleash Live"));
            Ok(Answer::Code(prompt::visible("Code shown by the app: ")?))
        }
        _ => Err(unanswered(&format!(
            "ul-auth cannot answer the {name} challenge"
        ))),
    }
}

fn code(
    args: &LoginArgs,
    stdin: &mut Stdin,
    code_used: &mut bool,
    source: &str,
    unanswered: &dyn Fn(&str) -> anyhow::Error,
) -> Result<String> {
    if let Some(code) = args.code.as_ref().or(args.mfa_code.as_ref())
        && !*code_used
    {
        *code_used = true;
        if code.secret() == "-" {
            // The code is only known once Cognito has sent it: read it from stdin now.
            eprintln!("Waiting for the code from {source} on standard input");
        }
        return Ok(stdin
            .unless_dash(code.secret(), "the code")?
            .as_str()
            .to_owned());
    }
    if prompt::interactive() {
        return prompt::visible(&format!("Code from {source}: "));
    }
    Err(unanswered(&format!(
        "this sign-in needs the code from {source}: set {MFA_CODE} (or {OTP_CODE}), or pass \
         `--mfa-code -` (or `--code -`) to read it from standard input once it has been sent; \
         or run on a terminal to be prompted"
    )))
}

fn parse_attributes(pairs: &[String]) -> Result<BTreeMap<String, String>> {
    pairs
        .iter()
        .map(|pair| {
            let (k, v) = pair
                .split_once('=')
                .with_context(|| format!("--attribute {pair:?}: expected NAME=VALUE"))?;
            Ok((k.trim().to_owned(), v.to_owned()))
        })
        .collect()
}
