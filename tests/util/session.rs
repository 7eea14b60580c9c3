//! The signed-in fixtures: the pilot signed in with the library (a `Session` cached as profile
//! `default`) or with `ul-auth login` (a private [`Home`] holding the cache), on moto or on the
//! Cognito stand-in.

use unleashlive_auth::cognito::AuthFlow;
use unleashlive_auth::{Challenge, CognitoClient, Config, Password, Session, SessionStore, SignIn};

use super::{Home, PASSWORD, PILOT, Pool};

/// Signs the pilot in with the library (`flow`) and caches the session as profile `default`.
pub async fn signed_in(config: Config, flow: AuthFlow, store: &SessionStore) -> Session {
    let cognito = CognitoClient::new(config).await;
    let session = done(
        cognito
            .sign_in(flow, PILOT, &Password::new(PASSWORD))
            .await
            .unwrap(),
    );
    store.save("default", &session).unwrap();
    session
}

/// A fresh pool on moto, and a home where the pilot signed in with `ul-auth login`.
pub async fn signed_in_on_moto() -> (Pool, Home) {
    let pool = Pool::create().await;
    let home = Home::new();
    home.login(&pool.env());
    (pool, home)
}

/// The session a sign-in ended in; panics on a challenge.
pub fn done(outcome: SignIn) -> Session {
    match outcome {
        SignIn::Done(session) => session,
        SignIn::Challenge(c) => panic!(
            "expected a session, got the {} challenge",
            c.kind().as_str()
        ),
    }
}

/// The challenge a sign-in ended in; panics on a session.
pub fn challenge(outcome: SignIn) -> Challenge {
    match outcome {
        SignIn::Challenge(c) => c,
        SignIn::Done(_) => panic!("expected a challenge"),
    }
}

impl Home {
    /// `ul-auth login` as the pilot against `env`, the password on standard input; panics
    /// unless it exits 0.
    pub fn login(&self, env: &[(String, String)]) {
        self.run(
            &["login", "--username", PILOT, "--password-stdin"],
            env,
            Some(&format!("{PASSWORD}\n")),
        )
        .expect_code(0);
    }
}
