//! Unleash Live's Cognito sign-in as a provider: a [`Session`] is its credential, renewed with
//! the refresh token, and its ID token goes in the header each kind of API reads.

use std::time::SystemTime;

use super::client::CognitoClient;
use super::session::Session;
use crate::config::ProviderKind;
use crate::credentials::manager::Credential;
use crate::credentials::provider::id_token_header;
use crate::credentials::provider::{ApiKind, Provider};
use crate::error::Result;
use crate::transport::AuthHeader;

/// The Unleash Live (Cognito) provider: renews sessions for a
/// [`SessionManager`](crate::SessionManager) and puts the ID token in the header each API
/// kind takes. The AWS SDK client is built on first use only, so handing out a still-valid
/// token never pays for it.
#[derive(Debug)]
pub struct CognitoRenewer {
    config: crate::Config,
    client: tokio::sync::OnceCell<CognitoClient>,
}

impl CognitoRenewer {
    /// A renewer for the pool and app client of `config`.
    pub fn new(config: crate::Config) -> Self {
        CognitoRenewer {
            config,
            client: tokio::sync::OnceCell::new(),
        }
    }

    /// The Cognito client, built on first use.
    pub async fn client(&self) -> &CognitoClient {
        self.client
            .get_or_init(|| CognitoClient::new(self.config.clone()))
            .await
    }
}

impl Provider for CognitoRenewer {
    const KIND: ProviderKind = ProviderKind::UnleashLive;
    type Credential = Session;

    /// `authorization: <ID token>` for GraphQL, `x-amz-cognito-security-token: <ID token>`
    /// for REST; refused for analytics, which takes a PAT or an API key.
    fn header(session: &Session, kind: ApiKind) -> Result<AuthHeader> {
        id_token_header(kind, session.id_token())
    }

    fn credential_name() -> &'static str {
        "Cognito session"
    }

    async fn renew(&self, current: &Session) -> Result<Session> {
        self.client().await.refresh(current).await
    }

    /// Always worth one try after a refusal: without a refresh token the renewal itself says
    /// that the user must sign in again.
    fn can_renew(&self, _: &Session) -> bool {
        true
    }
}

impl Credential for Session {
    fn expires_at(&self) -> Option<SystemTime> {
        Some(Session::expires_at(self))
    }
}

impl ApiKind {
    /// The header (name, value) carrying the session's ID token for this API.
    pub fn header_for(self, session: &Session) -> (&'static str, &str) {
        (self.header_name(), session.id_token().secret())
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use serde_json::json;

    use super::*;
    use crate::credentials::SessionStore;
    use crate::error::Error;
    use crate::secret::{AccessToken, IdToken};

    /// An unsigned JWT with `claims` (the session decodes, never verifies, what Cognito sent).
    fn jwt(claims: &serde_json::Value) -> String {
        let part = |v: &serde_json::Value| URL_SAFE_NO_PAD.encode(v.to_string());
        format!("{}.{}.sig", part(&json!({"alg": "none"})), part(claims))
    }

    fn session() -> Session {
        let exp =
            crate::clock::unix_seconds(crate::clock::Clock::now(&crate::clock::SystemClock)) + 3600;
        let iss = "https://cognito-idp.ap-southeast-2.amazonaws.com/pool";
        let id = jwt(&json!({
            "sub": "u-1", "iss": iss, "aud": "client", "token_use": "id", "exp": exp,
        }));
        let access = jwt(&json!({
            "sub": "u-1", "iss": iss, "client_id": "client", "token_use": "access", "exp": exp,
        }));
        Session::from_tokens(IdToken::new(id), AccessToken::new(access), None).unwrap()
    }

    #[tokio::test]
    async fn a_cognito_session_through_auth_from_takes_each_api_kinds_header() {
        let dir = tempfile::tempdir().unwrap();
        let store = SessionStore::new(dir.path()).with_keychain(false);
        let config = crate::Config::unleash_live();
        let sessions = crate::CognitoSessions::new(store, "default", CognitoRenewer::new(config));
        let session = session();
        sessions.replace(session.clone()).unwrap();
        let auth = crate::Auth::from(sessions);
        let id = session.id_token().secret();

        let graphql = auth.header(ApiKind::Graphql).await.unwrap();
        assert_eq!(
            (graphql.name(), graphql.value().to_str().unwrap()),
            ("authorization", id)
        );
        let rest = auth.header(ApiKind::Rest).await.unwrap();
        assert_eq!(
            (rest.name(), rest.value().to_str().unwrap()),
            ("x-amz-cognito-security-token", id)
        );
        let analytics = auth.header(ApiKind::Analytics).await.unwrap_err();
        assert!(matches!(analytics, Error::Config { .. }), "{analytics}");
        assert!(analytics.to_string().contains("personal access token"));
        // Renewed once after a refusal, named as before, and reachable as Cognito sessions.
        assert!(auth.renews());
        assert_eq!(auth.kind_name(), "Cognito session");
        assert!(auth.sessions::<CognitoRenewer>().is_some());
        assert!(auth.sessions::<crate::credentials::pat::Pat>().is_none());
        assert!(!format!("{auth:?}").contains(id));
    }

    #[test]
    fn an_id_token_alone_takes_the_same_headers_as_its_session() {
        let session = session();
        for kind in [ApiKind::Graphql, ApiKind::Rest, ApiKind::Analytics] {
            let from_session = CognitoRenewer::header(&session, kind).map(|h| h.name());
            let from_token = id_token_header(kind, session.id_token()).map(|h| h.name());
            assert_eq!(from_session.ok(), from_token.ok());
        }
        assert_eq!(
            ApiKind::Rest.header_for(&session),
            ("x-amz-cognito-security-token", session.id_token().secret())
        );
    }
}
