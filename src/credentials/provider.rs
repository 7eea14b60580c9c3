//! What makes a token system a provider: the credential it stores, the header that credential
//! goes in for each kind of API, and whether (and how) it is renewed without the user.
//!
//! Unleash Live's Cognito sign-in ([`CognitoRenewer`](crate::CognitoRenewer), a
//! [`Session`](crate::Session)), its personal access tokens and legacy API keys
//! ([`credentials::pat`](crate::credentials::pat)), UNITH, Unleash and UnleashX
//! ([`crate::providers`]) are all providers: the store, the [`SessionManager`] (single-flight
//! renewal) and [`Auth`](crate::Auth) are written once over this trait.

use std::future::Future;

use crate::config::ProviderKind;
use crate::credentials::manager::{Credential, SessionManager};
use crate::credentials::store::SessionStore;
use crate::error::{Error, Result};
use crate::secret::{IdToken, ProviderToken};
use crate::transport::AuthHeader;

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
    /// [`ApiKind::Analytics`], which takes none: see [`Provider::header`]).
    pub fn header_name(self) -> &'static str {
        match self {
            ApiKind::Graphql | ApiKind::Analytics => "authorization",
            ApiKind::Rest => "x-amz-cognito-security-token",
        }
    }
}

/// How a token that goes in the same header for every API rides on a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderStyle {
    /// `Authorization: Bearer <token>`.
    Bearer,
    /// `<name>: <token>`, the token alone (Unleash: `authorization`; UnleashX: `token`).
    Raw(&'static str),
}

impl HeaderStyle {
    /// The header name.
    pub fn name(self) -> &'static str {
        match self {
            HeaderStyle::Bearer => "authorization",
            HeaderStyle::Raw(name) => name,
        }
    }

    /// The header carrying `token`.
    ///
    /// # Errors
    /// [`Error::InvalidToken`] for a token that cannot be a header value.
    pub fn header(self, token: &ProviderToken) -> Result<AuthHeader> {
        self.header_for(token.secret())
    }

    /// The header carrying the secret `value`.
    ///
    /// # Errors
    /// [`Error::InvalidToken`] for a value that cannot be a header value.
    pub(crate) fn header_for(self, value: &str) -> Result<AuthHeader> {
        match self {
            HeaderStyle::Bearer => AuthHeader::new("authorization", &format!("Bearer {value}")),
            HeaderStyle::Raw(name) => AuthHeader::new(name, value),
        }
    }
}

/// One token system. Implementations hold what they need to renew (an HTTP client, a base
/// URL, a secret at hand); the storing, locking, single-flight renewal and header stamping are
/// shared.
pub trait Provider: Sized + Send + Sync + 'static {
    /// Which service this is.
    const KIND: ProviderKind;

    /// What the store keeps for a profile and the manager hands out: a
    /// [`Session`](crate::Session) for Cognito, a [`Token<Self>`](crate::providers::Token) for
    /// UNITH, Unleash and UnleashX, the token itself for a PAT or an API key.
    type Credential: Credential;

    /// What the profile's entry in the store is called besides the profile's name (a PAT:
    /// `.pat`, so `default.pat.json` lives beside the session in `default.json`).
    const ENTRY_SUFFIX: &'static str = "";

    /// The header `credential` goes in on a request to an API of `kind`.
    ///
    /// # Errors
    /// [`Error::Config`] when this credential is not for that kind of API (a Cognito session
    /// on the analytics API); [`Error::InvalidToken`] for a credential that cannot be a
    /// header value.
    fn header(credential: &Self::Credential, kind: ApiKind) -> Result<AuthHeader>;

    /// What its credential is called in messages ("Cognito session", "UNITH bearer token").
    fn credential_name() -> &'static str {
        Self::KIND.token_name()
    }

    /// A fresh credential to replace `current`. The default: these credentials cannot be
    /// renewed, so the user must sign in again.
    ///
    /// # Errors
    /// [`Error::SignInAgain`] when renewal needs the user; the service's errors.
    fn renew(
        &self,
        current: &Self::Credential,
    ) -> impl Future<Output = Result<Self::Credential>> + Send {
        let _ = current;
        std::future::ready(Err(Error::SignInAgain {
            reason: format!(
                "this {} cannot be renewed without you",
                Self::credential_name()
            ),
        }))
    }

    /// Whether [`Provider::renew`] is worth trying now without the user (used to decide
    /// whether a refused credential is renewed once).
    fn can_renew(&self, current: &Self::Credential) -> bool {
        let _ = current;
        false
    }
}

/// A provider's credentials for one profile, renewed (when the provider can) before they
/// expire.
pub type Sessions<P> = SessionManager<P>;

/// The session manager of `provider` for `profile` in `store`.
pub fn sessions<P: Provider>(
    store: SessionStore,
    profile: impl Into<String>,
    provider: P,
) -> Sessions<P> {
    SessionManager::new(store, profile, provider)
}

/// The name an [`Error::Config`] gives the credential itself when it is the wrong kind for
/// the API (a Cognito session where a personal access token or an API key is needed).
pub const CREDENTIAL: &str = "credential";

/// The header an ID token goes in for `kind`; the analytics API takes none.
pub(crate) fn id_token_header(kind: ApiKind, token: &IdToken) -> Result<AuthHeader> {
    if kind == ApiKind::Analytics {
        return Err(Error::config(
            CREDENTIAL,
            "the analytics API takes a personal access token or an API key, not a Cognito session",
        ));
    }
    AuthHeader::new(kind.header_name(), token.secret())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_follow_the_style() {
        let token = ProviderToken::new("abc");
        let h = HeaderStyle::Bearer.header(&token).unwrap();
        assert_eq!(
            (h.name(), h.value().to_str().unwrap()),
            ("authorization", "Bearer abc")
        );
        let h = HeaderStyle::Raw("token").header(&token).unwrap();
        assert_eq!((h.name(), h.value().to_str().unwrap()), ("token", "abc"));
    }
}
