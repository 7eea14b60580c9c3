//! Unleash (feature flags, usually self-hosted): a static API token made in the instance's
//! admin UI, sent raw in `Authorization` (no `Bearer`). It does not expire unless the admin
//! gave it an expiry, and cannot be renewed from here.
//!
//! Its shape tells its kind: `*:*.<random>` is an admin token, `project:environment.<random>`
//! a client/frontend token for one project, `[]:environment.<random>` for several.

use std::time::SystemTime;

use http::Method;

use super::{HeaderStyle, Provider, ProviderKind, Token};
use crate::credentials::ApiKind;
use crate::error::{Error, Result};
use crate::secret::ProviderToken;
use crate::transport::{AuthHeader, HttpClient, Request};

/// An Unleash instance.
#[derive(Debug, Clone)]
pub struct Unleash {
    http: HttpClient,
    base: Option<String>,
}

impl Provider for Unleash {
    const KIND: ProviderKind = ProviderKind::Unleash;
    type Credential = Token<Self>;

    fn header(token: &Token<Self>, _: ApiKind) -> Result<AuthHeader> {
        HeaderStyle::Raw("authorization").header(token.value())
    }
}

/// What an Unleash token's shape says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenShape {
    /// `*:*.<random>`: an admin token.
    Admin,
    /// `project:environment.<random>` (`project` is `[]` for a multi-project token).
    Scoped {
        /// The project, or `[]` for several.
        project: String,
        /// The environment.
        environment: String,
    },
    /// Anything else (e.g. a personal access token).
    Other,
}

impl TokenShape {
    /// Reads the shape of `token`.
    pub fn of(token: &str) -> Self {
        let Some((scope, random)) = token.split_once('.') else {
            return TokenShape::Other;
        };
        let Some((project, environment)) = scope.split_once(':') else {
            return TokenShape::Other;
        };
        if random.is_empty() || project.is_empty() || environment.is_empty() {
            return TokenShape::Other;
        }
        if project == "*" && environment == "*" {
            TokenShape::Admin
        } else {
            TokenShape::Scoped {
                project: project.to_owned(),
                environment: environment.to_owned(),
            }
        }
    }

    /// In words, for `status`.
    pub fn describe(&self) -> String {
        match self {
            TokenShape::Admin => "admin token (*:*)".into(),
            TokenShape::Scoped {
                project,
                environment,
            } if project == "[]" => {
                format!("several projects, environment {environment}")
            }
            TokenShape::Scoped {
                project,
                environment,
            } => format!("project {project}, environment {environment}"),
            TokenShape::Other => {
                "unrecognised shape (a personal access token, or an older token)".into()
            }
        }
    }

    /// The visible part of the token: its scope (`project:environment.`), nothing of the
    /// random part.
    pub fn prefix(token: &str) -> &str {
        match (Self::of(token), token.find('.')) {
            (TokenShape::Other, _) | (_, None) => "",
            (_, Some(dot)) => &token[..=dot],
        }
    }
}

/// The Unleash APIs a token can open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnleashApi {
    /// Client API (backend SDK tokens): `GET /api/client/features`.
    Client,
    /// Frontend API (frontend tokens): `GET /api/frontend`.
    Frontend,
    /// Admin API (admin tokens, personal access tokens): `GET /api/admin/projects`.
    Admin,
}

impl UnleashApi {
    /// The path of the cheap call that proves access.
    pub fn path(self) -> &'static str {
        match self {
            UnleashApi::Client => "/api/client/features",
            UnleashApi::Frontend => "/api/frontend",
            UnleashApi::Admin => "/api/admin/projects",
        }
    }

    /// Its name, as in the docs.
    pub fn name(self) -> &'static str {
        match self {
            UnleashApi::Client => "Client API",
            UnleashApi::Frontend => "Frontend API",
            UnleashApi::Admin => "Admin API",
        }
    }

    fn needs(self) -> &'static str {
        match self {
            UnleashApi::Client => "a backend (client) token",
            UnleashApi::Frontend => "a frontend token",
            UnleashApi::Admin => "an admin token or a personal access token",
        }
    }
}

impl Unleash {
    /// The instance at `base` (its URL, e.g. `https://unleash.example.com`). Without one,
    /// tokens can still be stored and handed out; [`Unleash::check`] then says which setting
    /// is missing.
    ///
    /// # Errors
    /// [`Error::Config`] when `base` is not an http(s) URL.
    pub fn new(http: HttpClient, base: Option<&str>) -> Result<Self> {
        let base = match base.map(str::trim).filter(|b| !b.is_empty()) {
            Some(base) => Some(ProviderKind::Unleash.base_url(Some(base))?),
            None => None,
        };
        Ok(Unleash { http, base })
    }

    /// A token given by the user, checked to be sendable, ready to store.
    ///
    /// # Errors
    /// [`Error::InvalidToken`] for an empty token or one a header cannot carry.
    pub fn token(value: &str, now: SystemTime) -> Result<Token<Self>> {
        let value = value.trim();
        if value.is_empty() {
            return Err(Error::invalid_token("the Unleash API token is empty"));
        }
        let token = Token::new(ProviderToken::new(value), now);
        token.header()?;
        Ok(token)
    }

    /// One cheap call to `api` with `token`. `Ok(())` when it answers 2xx.
    ///
    /// # Errors
    /// [`Error::Config`] without a base URL; [`Error::NotAuthorized`] explaining a 401 (unknown or expired token) or a 403 (the
    /// token's kind or scope does not open that API); the errors of [`HttpClient::send`].
    pub async fn check(&self, token: &Token<Self>, api: UnleashApi) -> Result<()> {
        let base = ProviderKind::Unleash.base_url(self.base.as_deref())?;
        token.ensure_issued_by(&base)?;
        let request = Request::new(Method::GET, &format!("{base}{}", api.path()))?
            .header("accept", "application/json")
            .secret_header(token.header()?);
        match self.http.fetch(&request).await {
            Ok(_) => Ok(()),
            Err(Error::Http { status: 401, .. }) => Err(Error::NotAuthorized {
                message: format!(
                    "the {} refused the token (HTTP 401): Unleash does not know it, or it has \
                     expired or been deleted; create a new one under Configure → API access",
                    api.name()
                ),
            }),
            Err(Error::Http { status: 403, .. }) => Err(Error::NotAuthorized {
                message: format!(
                    "the {} refused the token (HTTP 403): the token is valid, but its kind or \
                     scope ({}) does not open this API, which takes {}",
                    api.name(),
                    TokenShape::of(token.value().secret()).describe(),
                    api.needs()
                ),
            }),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_are_read_from_the_token() {
        assert_eq!(TokenShape::of("*:*.abcdef"), TokenShape::Admin);
        assert_eq!(
            TokenShape::of("default:production.abc"),
            TokenShape::Scoped {
                project: "default".into(),
                environment: "production".into()
            }
        );
        assert!(
            TokenShape::of("[]:development.abc")
                .describe()
                .contains("several projects")
        );
        assert_eq!(TokenShape::of("user:abcdef"), TokenShape::Other);
        assert_eq!(TokenShape::of("no-dot"), TokenShape::Other);
        assert_eq!(
            TokenShape::prefix("default:production.s3cr3t"),
            "default:production."
        );
        assert_eq!(TokenShape::prefix("opaque-s3cr3t"), "");
    }
}
