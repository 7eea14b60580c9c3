//! Which credential an Unleash Live API takes, and in which header.
//!
//! [`ApiKind`] names the kinds of API; [`Auth`] holds one credential and turns it into the one
//! header ([`AuthHeader`]) a request to an API kind needs — which header is the provider's
//! decision ([`Provider::header`]). The HTTP layer only ever asks an `Auth` for a header and,
//! after a 401, whether it can renew: another token system is one more [`Provider`] and
//! nothing changes here or there.

use std::any::Any;
use std::sync::Arc;

use futures_util::FutureExt as _;
use futures_util::future::BoxFuture;

#[cfg(feature = "cognito")]
use crate::CognitoSessions;
use crate::credentials::pat::{LegacyApiKey, Pat};
pub use crate::credentials::provider::ApiKind;
use crate::credentials::provider::id_token_header;
use crate::credentials::provider::{Provider, Sessions};
use crate::error::Result;
use crate::secret::{ApiKey, IdToken, PersonalAccessToken};
pub use crate::transport::AuthHeader;

/// The credential requests are made with: a provider's sessions, renewed as the provider
/// allows, or a static credential used as it is.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Auth {
    /// A Cognito ID token used as it is, in the header each API kind takes, never renewed
    /// (diagnostics that must not touch the cached session; short scripts).
    IdToken(IdToken),
    /// A personal access token: `Authorization: Bearer <PAT>` on every API.
    Pat(PersonalAccessToken),
    /// A legacy API key: `x-api-key: <key>` on every API.
    ApiKey(ApiKey),
    /// Any provider's [`Sessions`] — Unleash Live's Cognito sessions, UNITH, Unleash or
    /// UnleashX tokens, a stored PAT — in the header the provider gives each API kind,
    /// renewed before expiry and once more after a 401 as the provider allows. Made with
    /// `Auth::from(sessions)`.
    Provider(ProviderAuth),
}

/// A provider's [`Sessions`], whatever the provider.
#[derive(Clone)]
pub struct ProviderAuth(Arc<dyn TokenSource>);

impl std::fmt::Debug for ProviderAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("ProviderAuth")
            .field(&self.0.kind_name())
            .finish()
    }
}

/// What `Auth` needs of a provider's sessions, object-safe.
trait TokenSource: Send + Sync {
    fn kind_name(&self) -> &'static str;
    fn header(&self, kind: ApiKind) -> BoxFuture<'_, Result<AuthHeader>>;
    fn renews(&self) -> bool;
    fn renew(&self) -> BoxFuture<'_, Result<()>>;
    fn as_any(&self) -> &dyn Any;
}

impl<P: Provider> TokenSource for Sessions<P> {
    fn kind_name(&self) -> &'static str {
        P::credential_name()
    }

    fn header(&self, kind: ApiKind) -> BoxFuture<'_, Result<AuthHeader>> {
        async move { P::header(&self.current().await?, kind) }.boxed()
    }

    fn renews(&self) -> bool {
        self.can_renew()
    }

    fn renew(&self) -> BoxFuture<'_, Result<()>> {
        async move { self.renew_now().await.map(drop) }.boxed()
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl<P: Provider> From<Sessions<P>> for Auth {
    fn from(sessions: Sessions<P>) -> Self {
        Auth::Provider(ProviderAuth(Arc::new(sessions)))
    }
}

impl Auth {
    /// A cached Cognito session, refreshed before it expires and once more after a 401: the
    /// same as `Auth::from(sessions)`, by the name the variant had before every provider
    /// went through [`Auth::Provider`].
    #[allow(non_snake_case)]
    #[cfg(feature = "cognito")]
    pub fn Cognito(sessions: CognitoSessions) -> Self {
        Auth::from(sessions)
    }

    /// The sessions of provider `P` behind this `Auth`, when it is made of them (e.g. the
    /// Cognito sessions an upload needs for its AWS credentials).
    pub fn sessions<P: Provider>(&self) -> Option<Sessions<P>> {
        match self {
            Auth::Provider(source) => source.0.as_any().downcast_ref::<Sessions<P>>().cloned(),
            Auth::IdToken(_) | Auth::Pat(_) | Auth::ApiKey(_) => None,
        }
    }

    /// The header a request to `kind` needs, renewing the provider's credential first when it
    /// is about to expire.
    ///
    /// # Errors
    /// [`Error::Config`](crate::Error::Config) for a Cognito session or ID token on the
    /// analytics API (it takes a PAT or an API key); the errors of
    /// [`SessionManager::current`](crate::SessionManager::current);
    /// [`Error::InvalidToken`](crate::Error::InvalidToken) for a credential that cannot be a
    /// header value.
    pub async fn header(&self, kind: ApiKind) -> Result<AuthHeader> {
        match self {
            Auth::IdToken(token) => id_token_header(kind, token),
            Auth::Pat(pat) => Pat::header(pat, kind),
            Auth::ApiKey(key) => LegacyApiKey::header(key, kind),
            Auth::Provider(source) => source.0.header(kind).await,
        }
    }

    /// Whether [`Auth::renew`] can get a new credential after the service refused this one.
    pub fn renews(&self) -> bool {
        match self {
            Auth::Provider(source) => source.0.renews(),
            Auth::IdToken(_) | Auth::Pat(_) | Auth::ApiKey(_) => false,
        }
    }

    /// Renews the credential now (after a 401). A no-op for static credentials.
    ///
    /// # Errors
    /// The errors of [`SessionManager::renew_now`](crate::SessionManager::renew_now).
    pub async fn renew(&self) -> Result<()> {
        match self {
            Auth::Provider(source) => source.0.renew().await,
            Auth::IdToken(_) | Auth::Pat(_) | Auth::ApiKey(_) => Ok(()),
        }
    }

    /// A short name of the credential kind, for messages.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Auth::IdToken(_) => "Cognito ID token",
            Auth::Pat(_) => Pat::credential_name(),
            Auth::ApiKey(_) => LegacyApiKey::credential_name(),
            Auth::Provider(source) => source.0.kind_name(),
        }
    }
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
