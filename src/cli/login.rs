//! `ul-auth login`: sign in and answer whatever Cognito asks.

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use serde_json::json;
use unleashlive_auth::clock::{self, Clock, SystemClock};
use unleashlive_auth::cognito::{Answer, AuthFlow, MfaMethod};
use unleashlive_auth::{Challenge, ChallengeKind, CognitoClient, Error, Session, SignIn};

use super::args::{Flow, LoginArgs, MfaChoice, Output};
use super::commands::{Ctx, human_duration, runtime};
use super::prompt::{self, Stdin};

/// A chain longer than this (new password → MFA setup → MFA code ...) is a server bug.
const MAX_CHALLENGES: usize = 6;

pub fn login(ctx: &Ctx, args: LoginArgs) -> Result<()> {
    let config = ctx.config()?;
    let manager = ctx.manager()?;
    let mut stdin = Stdin;
    let username = prompt::username(args.username.clone())?;
    let password = prompt::password(args.password_stdin, &mut stdin)?;
    let flow = match args.flow {
        Flow::Srp => AuthFlow::Srp,
        Flow::Password => AuthFlow::Password,
    };
    let session = runtime()?.block_on(async {
        let cognito = CognitoClient::new(config).await;
        let mut outcome = cognito.sign_in(flow, &username, &password).await?;
        let mut code_used = false;
        for _ in 0..MAX_CHALLENGES {
            match outcome {
                SignIn::Done(session) => return Ok(session),
                SignIn::Challenge(mut challenge) => {
                    let answer =
                        ask(&cognito, &mut challenge, &args, &mut stdin, &mut code_used).await?;
                    outcome = cognito.answer(challenge, answer).await?;
                }
            }
        }
        bail!(Error::UnexpectedResponse(format!(
            "Cognito asked more than {MAX_CHALLENGES} challenges in a row"
        )))
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
        Output::Json => println!(
            "{}",
            json!({
                "username": session.username(),
                "sub": c.sub,
                "email": c.email,
                "identityId": c.identity_id,
                "companyId": c.company_id,
                "teamId": c.team_id,
                "expiresAt": clock::rfc3339(session.expires_at()),
            })
        ),
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
async fn ask(
    cognito: &CognitoClient,
    challenge: &mut Challenge,
    args: &LoginArgs,
    stdin: &mut Stdin,
    code_used: &mut bool,
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
        ChallengeKind::SoftwareTokenMfa | ChallengeKind::SmsMfa | ChallengeKind::EmailOtp => {
            let source = match challenge.kind() {
                ChallengeKind::SoftwareTokenMfa => "your authenticator app".to_owned(),
                other => format!(
                    "the {} sent to {}",
                    if *other == ChallengeKind::SmsMfa {
                        "SMS"
                    } else {
                        "e-mail"
                    },
                    challenge.code_destination().unwrap_or("you")
                ),
            };
            Ok(Answer::Code(code(args, code_used, &source, &unanswered)?))
        }
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
    code_used: &mut bool,
    source: &str,
    unanswered: &dyn Fn(&str) -> anyhow::Error,
) -> Result<String> {
    if let Some(code) = &args.mfa_code
        && !*code_used
    {
        *code_used = true;
        return Ok(code.clone());
    }
    if prompt::interactive() {
        return prompt::visible(&format!("Code from {source}: "));
    }
    Err(unanswered(&format!(
        "this account needs a code from {source}: pass --mfa-code CODE (or set UL_MFA_CODE), \
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
