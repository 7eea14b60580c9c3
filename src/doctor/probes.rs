//! The probes themselves, one method of [`Doctor`] each.

use super::{Advice, Check, Doctor};
use crate::api::auth::Auth;
use crate::aws::identity::IdentityClient;
use crate::clock::rfc3339;
use crate::cognito::session::Session;
use crate::cognito::{CognitoClient, FlowAnswer};
use crate::error::Error;
use crate::token::jwks::JwksCache;
use crate::token::verify::Verifier;

impl Doctor {
    /// The cached session, if there is one that has not expired.
    pub(super) fn usable_session(&self) -> Option<Session> {
        let sessions = self.sessions.as_ref()?;
        let session = sessions.cached().ok()??;
        (!session.is_expired(self.clock.now())).then_some(session)
    }

    /// The credential the API checks use: the usable session's ID token as it is (never
    /// renewed, not even after a 401: a refusal is what the check reports), else the token at
    /// hand.
    pub(super) fn api_auth(&self) -> Option<Auth> {
        match self.usable_session() {
            Some(session) => Some(Auth::IdToken(session.id_token().clone())),
            None => self.token.clone(),
        }
    }

    /// The token at hand when the session is what [`Doctor::api_auth`] chose: the API checks
    /// then try it too, since whether each API takes a PAT is itself unverified.
    pub(super) fn also_token(&self) -> Option<Auth> {
        self.usable_session().and(self.token.clone())
    }

    /// `check` with a note of how the same call went with the token at hand, if any.
    pub(super) async fn with_token_note<F, Fut>(&self, check: Check, probe: F) -> Check
    where
        F: FnOnce(Auth) -> Fut,
        Fut: std::future::Future<Output = std::result::Result<(), Error>>,
    {
        let Some(token) = self.also_token() else {
            return check;
        };
        let kind = token.kind_name();
        let note = match probe(token).await {
            Ok(()) => format!("the {kind} works too"),
            Err(e) => format!("the {kind} does not: {}", crate::error::chain(&e)),
        };
        Check {
            detail: format!("{}; {note}", check.detail),
            ..check
        }
    }

    /// "check SETTING and the credential".
    pub(super) fn check_and_credential(&self, setting: &'static str) -> String {
        format!(
            "check {} and the credential",
            self.say(Advice::Setting(setting))
        )
    }

    pub(super) fn no_credential(&self, name: &str) -> Check {
        let detail = format!(
            "no credential: {}, or {}",
            self.say(Advice::SignIn),
            self.say(Advice::GiveToken)
        );
        Check::skip(name, detail)
    }

    pub(super) async fn cognito(&self) -> Check {
        const NAME: &str = "cognito";
        let client = CognitoClient::new(self.config.clone()).await;
        let answers = match client.probe_flows().await {
            Ok(answers) => answers,
            Err(e) => {
                let fix = format!(
                    "check {}, {}, {} and the network",
                    self.say(Advice::Setting("region")),
                    self.say(Advice::Setting("user_pool_id")),
                    self.say(Advice::Setting("client_id"))
                );
                return Check::fail(NAME, &e, &fix);
            }
        };
        let allowed = |flow: &str| {
            answers
                .iter()
                .any(|(f, a)| *f == flow && *a == FlowAnswer::Allowed)
        };
        let flows: Vec<String> = answers
            .iter()
            .map(|(flow, answer)| match answer {
                FlowAnswer::Allowed => format!("{flow} allowed"),
                FlowAnswer::NotAllowed(_) => format!("{flow} not allowed"),
                FlowAnswer::Unknown(why) => format!("{flow} unknown ({why})"),
            })
            .collect();
        let detail = format!(
            "user pool {} and app client {} answer (probed with a made-up user); {}",
            self.config.user_pool_id(),
            self.config.client_id(),
            flows.join(", ")
        );
        match (allowed("USER_SRP_AUTH"), allowed("USER_PASSWORD_AUTH")) {
            (true, _) => Check::ok(NAME, detail),
            (false, true) => Check::ok(
                NAME,
                format!("{detail}; {}", self.say(Advice::SignInWithPassword)),
            ),
            (false, false) => Check::fail(
                NAME,
                &Error::FlowNotEnabled {
                    flow: "USER_SRP_AUTH and USER_PASSWORD_AUTH".into(),
                    message: detail,
                },
                &format!(
                    "the app client must allow SRP or password sign-in; check {}",
                    self.say(Advice::Setting("client_id"))
                ),
            ),
        }
    }

    pub(super) async fn jwks(&self) -> Check {
        const NAME: &str = "jwks";
        let url = self.config.jwks_url();
        let fetched = match JwksCache::new(url.clone()) {
            Ok(cache) => cache.fetch_now().await.map(|n| (n, cache.kids())),
            Err(e) => Err(e),
        };
        match fetched {
            Ok((count, kids)) => Check::ok(
                NAME,
                format!("{count} RS256 keys at {url} (kid {})", kids.join(", ")),
            ),
            Err(e) => {
                let fix = format!(
                    "check {} (or the pool id) and the network",
                    self.say(Advice::Setting("jwks_url"))
                );
                Check::fail(NAME, &e, &fix)
            }
        }
    }

    pub(super) async fn refresh_check(&self) -> Check {
        const NAME: &str = "refresh";
        if !self.refresh {
            return Check::skip(
                NAME,
                format!(
                    "not asked: {} renews the session with its refresh token (the cached tokens \
                     are replaced)",
                    self.say(Advice::AskForRefresh)
                ),
            );
        }
        let Some(sessions) = &self.sessions else {
            return Check::skip(NAME, self.no_session());
        };
        let before = match sessions.cached() {
            Ok(Some(session)) => session,
            Ok(None) => {
                return Check::skip(NAME, format!("not signed in: {}", self.say(Advice::SignIn)));
            }
            Err(e) => return Check::fail(NAME, &e, "remove the cache file and sign in again"),
        };
        match sessions.renew_now().await {
            Ok(after) => {
                let rotated = match (before.refresh_token(), after.refresh_token()) {
                    (Some(old), Some(new)) if old.secret() != new.secret() => "rotated",
                    _ => "kept",
                };
                Check::ok(
                    NAME,
                    format!(
                        "new ID and access tokens valid until {}; the refresh token was {rotated}",
                        rfc3339(after.expires_at())
                    ),
                )
            }
            Err(e) => Check::fail(NAME, &e, &self.say(Advice::SignIn)),
        }
    }

    pub(super) async fn session(&self) -> Check {
        const NAME: &str = "session";
        let Some(sessions) = &self.sessions else {
            return Check::skip(NAME, self.no_session());
        };
        let session = match sessions.cached() {
            Ok(Some(session)) => session,
            Ok(None) => {
                return Check::skip(NAME, format!("not signed in: {}", self.say(Advice::SignIn)));
            }
            Err(e) => return Check::fail(NAME, &e, "remove the cache file and sign in again"),
        };
        if session.is_expired(self.clock.now()) {
            return Check::skip(
                NAME,
                format!(
                    "the cached ID token expired at {}; {} renews it",
                    rfc3339(session.expires_at()),
                    self.say(Advice::Refresh)
                ),
            );
        }
        let verifier = match Verifier::builder(&self.config).build() {
            Ok(v) => v,
            Err(e) => {
                let fix = format!("check {}", self.say(Advice::Setting("jwks_url")));
                return Check::fail(NAME, &e, &fix);
            }
        };
        let id = verifier.verify_id_token(session.id_token().secret()).await;
        let access = verifier
            .verify_access_token(session.access_token().secret())
            .await;
        match (id, access) {
            (Ok(_), Ok(_)) => Check::ok(
                NAME,
                format!(
                    "the cached ID and access tokens of {} verify against the pool's keys; valid \
                     until {}",
                    session.username(),
                    rfc3339(session.expires_at())
                ),
            ),
            (Err(e), _) | (_, Err(e)) => Check::fail(NAME, &e, &self.say(Advice::SignIn)),
        }
    }

    pub(super) async fn identity(&self) -> Check {
        const NAME: &str = "identity";
        let Some(session) = self.usable_session() else {
            let why = match &self.sessions {
                Some(_) => "needs a signed-in, unexpired session".to_owned(),
                None => self.no_session(),
            };
            return Check::skip(NAME, why);
        };
        let client = IdentityClient::new(self.config.clone()).await;
        let outcome = async {
            let id = client.identity_id(&session).await?;
            let credentials = client.credentials_for(&id, &session).await?;
            Ok::<_, Error>((id, credentials.expires_at()))
        }
        .await;
        match outcome {
            Ok((id, until)) => {
                let claim = match &session.claims().identity_id {
                    Some(claimed) if *claimed == id => "the same as the token's custom:identityId",
                    Some(_) => "NOT the token's custom:identityId (uploads use GetId's)",
                    None => "the token has no custom:identityId",
                };
                Check::ok(
                    NAME,
                    format!(
                        "GetId gave {id} ({claim}); GetCredentialsForIdentity gave credentials \
                         until {}",
                        rfc3339(until)
                    ),
                )
            }
            Err(e) => {
                let fix = format!("check {}", self.say(Advice::Setting("identity_pool_id")));
                Check::fail(NAME, &e, &fix)
            }
        }
    }
}
