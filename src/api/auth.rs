//! Which credential an Unleash Live API takes, and in which header.
//!
//! [`ApiKind`] names the kinds of API; [`Auth`] holds one credential and turns it into the one
//! header ([`AuthHeader`]) a request to an API kind needs. The HTTP layer only ever asks an
//! `Auth` for a header and, after a 401, whether it can renew: another token system is one more
//! `Auth` variant here and nothing changes there.

use std::sync::Arc;

use futures_util::FutureExt as _;
use futures_util::future::BoxFuture;

use crate::CognitoSessions;
use crate::cognito::session::Session;
use crate::error::{Error, Result};
use crate::providers::{Provider, ProviderKind, Sessions};
use crate::secret::{ApiKey, IdToken, PersonalAccessToken};
pub use crate::transport::AuthHeader;

/// The kinds of Unleash Live API, each authenticated its own way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApiKind {
    /// Media Drive GraphQL: `authorization: <ID token>` (no `Bearer`).
    Graphql,
    /// REST (flights, missions, tasks): `x-amz-cognito-security-token: <ID token>`.
    Rest,
    /// Analytics: a personal access token (`Authorization: Bearer`) or a legacy API key
    /// (`x-api-key`); it takes no Cognito token.
    Analytics,
}

impl ApiKind {
    /// The header name this API reads a Cognito ID token from (`authorization` for
    /// [`ApiKind::Analytics`], which takes none: see [`Auth::header`]).
    pub fn header_name(self) -> &'static str {
        match self {
            ApiKind::Graphql | ApiKind::Analytics => "authorization",
            ApiKind::Rest => "x-amz-cognito-security-token",
        }
    }

    /// The header (name, value) carrying the session's ID token for this API.
    pub fn header_for(self, session: &Session) -> (&'static str, &str) {
        (self.header_name(), session.id_token().secret())
    }
}

/// The credential requests are made with.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Auth {
    /// A cached Cognito session, refreshed before it expires and once more after a 401.
    Cognito(CognitoSessions),
    /// A Cognito ID token used as it is, in the header each API kind takes, never renewed
    /// (diagnostics that must not touch the cached session; short scripts).
    IdToken(IdToken),
    /// A personal access token: `Authorization: Bearer <PAT>` on every API.
    Pat(PersonalAccessToken),
    /// A legacy API key: `x-api-key: <key>` on every API.
    ApiKey(ApiKey),
    /// Another token system's token ([`crate::providers`]), in that provider's header
    /// whatever the API kind, renewed as the provider allows. Made with `Auth::from(sessions)`.
    Provider(ProviderAuth),
}

/// A provider's [`Sessions`], whatever the provider.
#[derive(Clone)]
pub struct ProviderAuth(Arc<dyn TokenSource>);

impl std::fmt::Debug for ProviderAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("ProviderAuth")
            .field(&self.0.kind().name())
            .finish()
    }
}

/// What `Auth` needs of a provider's sessions, object-safe.
trait TokenSource: Send + Sync {
    fn kind(&self) -> ProviderKind;
    fn header(&self) -> BoxFuture<'_, Result<AuthHeader>>;
    fn renews(&self) -> bool;
    fn renew(&self) -> BoxFuture<'_, Result<()>>;
}

impl<P: Provider> TokenSource for Sessions<P> {
    fn kind(&self) -> ProviderKind {
        P::KIND
    }

    fn header(&self) -> BoxFuture<'_, Result<AuthHeader>> {
        async move { self.current().await?.header() }.boxed()
    }

    fn renews(&self) -> bool {
        matches!(self.cached(), Ok(Some(token)) if self.renewer().0.can_renew(&token))
    }

    fn renew(&self) -> BoxFuture<'_, Result<()>> {
        async move { self.renew_now().await.map(drop) }.boxed()
    }
}

impl<P: Provider> From<Sessions<P>> for Auth {
    fn from(sessions: Sessions<P>) -> Self {
        Auth::Provider(ProviderAuth(Arc::new(sessions)))
    }
}

impl Auth {
    /// The header a request to `kind` needs, renewing a Cognito session first when it is about
    /// to expire.
    ///
    /// # Errors
    /// [`Error::Config`] for a Cognito session on the analytics API (it takes a PAT or an API
    /// key); the errors of [`CognitoSessions::current`](crate::SessionManager::current);
    /// [`Error::InvalidToken`] for a credential that cannot be a header value.
    pub async fn header(&self, kind: ApiKind) -> Result<AuthHeader> {
        match self {
            Auth::Cognito(sessions) => {
                let session = sessions.current().await?;
                cognito_header(kind, &session)
            }
            Auth::IdToken(token) => id_token_header(kind, token),
            Auth::Pat(pat) => AuthHeader::new("authorization", &format!("Bearer {}", pat.secret())),
            Auth::ApiKey(key) => AuthHeader::new("x-api-key", key.secret()),
            Auth::Provider(source) => source.0.header().await,
        }
    }

    /// Whether [`Auth::renew`] can get a new credential after the service refused this one.
    pub fn renews(&self) -> bool {
        match self {
            Auth::Cognito(_) => true,
            Auth::Provider(source) => source.0.renews(),
            Auth::IdToken(_) | Auth::Pat(_) | Auth::ApiKey(_) => false,
        }
    }

    /// Renews the credential now (after a 401). A no-op for static credentials.
    ///
    /// # Errors
    /// The errors of [`CognitoSessions::renew_now`](crate::SessionManager::renew_now).
    pub async fn renew(&self) -> Result<()> {
        match self {
            Auth::Cognito(sessions) => sessions.renew_now().await.map(drop),
            Auth::Provider(source) => source.0.renew().await,
            Auth::IdToken(_) | Auth::Pat(_) | Auth::ApiKey(_) => Ok(()),
        }
    }

    /// A short name of the credential kind, for messages.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Auth::Cognito(_) => "Cognito session",
            Auth::IdToken(_) => "Cognito ID token",
            Auth::Pat(_) => "personal access token",
            Auth::ApiKey(_) => "API key",
            Auth::Provider(source) => source.0.kind().token_name(),
        }
    }
}

fn cognito_header(kind: ApiKind, session: &Session) -> Result<AuthHeader> {
    id_token_header(kind, session.id_token())
}

fn id_token_header(kind: ApiKind, token: &IdToken) -> Result<AuthHeader> {
    if kind == ApiKind::Analytics {
        return Err(Error::config(
            "UL_API_TOKEN",
            "the analytics API takes a personal access token or an API key, not a Cognito session",
        ));
    }
    AuthHeader::new(kind.header_name(), token.secret())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_pat_is_a_bearer_token_on_every_api_and_never_shows_in_debug() {
        let auth = Auth::Pat(PersonalAccessToken::new("ul_pat_s3cr3t"));
        for kind in [ApiKind::Graphql, ApiKind::Rest, ApiKind::Analytics] {
            let h = auth.header(kind).await.unwrap();
            assert_eq!(h.name(), "authorization");
            assert_eq!(h.value().to_str().unwrap(), "Bearer ul_pat_s3cr3t");
            assert_eq!(h.secret(), "ul_pat_s3cr3t");
            assert!(!format!("{h:?} {auth:?}").contains("s3cr3t"));
        }
    }

    #[tokio::test]
    async fn an_api_key_goes_in_x_api_key() {
        let h = Auth::ApiKey(ApiKey::new("k-123"))
            .header(ApiKind::Analytics)
            .await
            .unwrap();
        assert_eq!(h.name(), "x-api-key");
        assert_eq!(h.value().to_str().unwrap(), "k-123");
    }

    #[test]
    fn a_credential_with_a_newline_is_refused_without_echoing_it() {
        let err = AuthHeader::new("x-api-key", "abc\ndef").unwrap_err();
        assert!(!err.to_string().contains("abc"));
    }

    #[test]
    fn debug_of_a_header_or_an_auth_never_shows_the_credential() {
        let header = AuthHeader::new("authorization", "Bearer ul_pat_SeCrEt1234").unwrap();
        let auth = Auth::Pat(crate::PersonalAccessToken::new("ul_pat_SeCrEt1234"));
        let shown = format!("{header:?} {auth:?}");
        assert!(!shown.contains("SeCrEt1234"), "{shown}");
    }
}
