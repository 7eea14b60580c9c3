//! Unleash Live's Cognito sign-in as a provider: a [`Session`] is its credential, renewed with
//! the refresh token, and its ID token goes in the header each kind of API reads.

use std::time::SystemTime;

use super::client::CognitoClient;
use super::session::Session;
use crate::ProviderKind;
use crate::credentials::manager::Credential;
use crate::credentials::provider::{ApiKind, Provider};
use crate::error::{Error, Result};
use crate::secret::IdToken;
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

/// The header an ID token goes in for `kind`; the analytics API takes none.
pub(crate) fn id_token_header(kind: ApiKind, token: &IdToken) -> Result<AuthHeader> {
    if kind == ApiKind::Analytics {
        return Err(Error::config(
            "UL_API_TOKEN",
            "the analytics API takes a personal access token or an API key, not a Cognito session",
        ));
    }
    AuthHeader::new(kind.header_name(), token.secret())
}
