//! Verified decoding of Cognito tokens: the RS256 signature against the pool's key set, then
//! the issuer, `token_use`, audience, expiry, not-before, issued-at and any claims the caller
//! requires.
//!
//! ```no_run
//! use unleashlive_auth::Config;
//! use unleashlive_auth::token::verify::Verifier;
//!
//! # async fn run(token: &str) -> Result<(), unleashlive_auth::Error> {
//! let verifier = Verifier::builder(&Config::unleash_live())
//!     .require_claim("custom:companyId")
//!     .build()?;
//! let claims = verifier.verify_id_token(token).await?;
//! println!("{} of company {:?}", claims.sub, claims.company_id);
//! # Ok(()) }
//! ```
//!
//! The algorithm is pinned to RS256 whatever the header says, the key is the pool's key named
//! by `kid` (never one the token carries: `jwk`, `jku`, `x5u` headers are ignored), and every
//! failure is an [`Error::TokenRejected`] with a [`Rejection`] a caller can match. A malformed
//! token is refused before any key lookup or signature check.

use std::time::Duration;

use serde::Deserialize;
use serde::de::{DeserializeOwned, IgnoredAny};

use crate::clock::{self, SharedClock};
use crate::error::{Error, Result};
use crate::token::jwks::{JwksCache, RsaKey};
use crate::token::jwt::{self, Jwt, detail};
#[cfg(doc)]
use crate::token::unverified::MAX_TOKEN_BYTES;
use crate::token::{AccessClaims, IdClaims, TokenUse};

mod builder;
#[cfg(test)]
mod tests;

pub use builder::VerifierBuilder;

use crate::error::token::use_name;
pub use crate::error::token::{Rejection, Segment};

/// How far `exp`, `nbf` and `iat` may be off by default, for clocks that disagree a little.
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(60);

/// At most 64 characters of a value taken from a token, for a message.
pub(crate) fn excerpt(value: &str) -> String {
    const MAX: usize = 64;
    match value.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &value[..cut]),
        None => value.to_owned(),
    }
}

/// What a token says about itself — header and registered claims — with **nothing checked**:
/// not the signature, not the issuer, not the expiry. This is what [`Verifier`] reads before
/// any cryptography; it is public for diagnostics, benchmarks and fuzzing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct UnverifiedJwt {
    /// Header `alg`.
    pub alg: Option<String>,
    /// Header `kid`.
    pub kid: Option<String>,
    /// Whether the header has `crit`.
    pub critical: bool,
    /// `iss`.
    pub iss: Option<String>,
    /// `token_use` as written.
    pub token_use: Option<String>,
    /// `aud` (ID tokens).
    pub aud: Option<String>,
    /// `client_id` (access tokens).
    pub client_id: Option<String>,
    /// `exp`, Unix seconds.
    pub exp: Option<i64>,
    /// `nbf`, Unix seconds.
    pub nbf: Option<i64>,
    /// `iat`, Unix seconds.
    pub iat: Option<i64>,
}

#[derive(Deserialize)]
struct RawHeader {
    alg: Option<String>,
    kid: Option<String>,
    crit: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct RawClaims {
    iss: Option<String>,
    token_use: Option<String>,
    aud: Option<String>,
    client_id: Option<String>,
    exp: Option<i64>,
    nbf: Option<i64>,
    iat: Option<i64>,
}

impl UnverifiedJwt {
    /// Takes a token apart. Refuses, before anything else: tokens over [`MAX_TOKEN_BYTES`],
    /// other than three segments, a header or payload that is not unpadded base64url of a
    /// JSON object, registered claims of the wrong type. The signature is not decoded:
    /// reading the claims does not need it (verification decodes and checks it).
    ///
    /// # Errors
    /// [`Error::TokenRejected`] with the first problem found.
    pub fn parse(token: &str) -> Result<Self> {
        let segments = jwt::split(token).map_err(Error::TokenRejected)?;
        let parsed: Jwt<'_, RawHeader, RawClaims> =
            segments.decode().map_err(Error::TokenRejected)?;
        Ok(UnverifiedJwt::of(parsed.header, parsed.claims))
    }

    fn of(header: RawHeader, claims: RawClaims) -> Self {
        UnverifiedJwt {
            alg: header.alg,
            kid: header.kid,
            critical: header.crit.is_some(),
            iss: claims.iss,
            token_use: claims.token_use,
            aud: claims.aud,
            client_id: claims.client_id,
            exp: claims.exp,
            nbf: claims.nbf,
            iat: claims.iat,
        }
    }
}

/// The registered claims verification checks, borrowed from whichever reading of the token
/// has them.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Registered<'a> {
    iss: Option<&'a str>,
    token_use: Option<&'a str>,
    aud: Option<&'a str>,
    client_id: Option<&'a str>,
    exp: Option<i64>,
    nbf: Option<i64>,
    iat: Option<i64>,
}

impl UnverifiedJwt {
    pub(crate) fn registered(&self) -> Registered<'_> {
        Registered {
            iss: self.iss.as_deref(),
            token_use: self.token_use.as_deref(),
            aud: self.aud.as_deref(),
            client_id: self.client_id.as_deref(),
            exp: self.exp,
            nbf: self.nbf,
            iat: self.iat,
        }
    }
}

/// The claims types verification returns. A token whose claims decode into one is checked
/// from that single reading; `registered` is `None` when a claim the type keeps in `other`
/// (`nbf`, or the other kind's audience claim) has a form [`UnverifiedJwt::parse`] refuses,
/// so such a token takes the long way and gets the same [`Rejection`] as before.
trait Checked: DeserializeOwned {
    fn registered(&self) -> Option<Registered<'_>>;
}

/// `other[name]` as [`RawClaims`] reads it: absent or null is `Some(None)`; `None` when it has
/// a form `RawClaims` refuses.
fn other_str<'a>(
    other: &'a serde_json::Map<String, serde_json::Value>,
    name: &str,
) -> Option<Option<&'a str>> {
    match other.get(name) {
        None | Some(serde_json::Value::Null) => Some(None),
        Some(serde_json::Value::String(s)) => Some(Some(s)),
        Some(_) => None,
    }
}

fn other_nbf(other: &serde_json::Map<String, serde_json::Value>) -> Option<Option<i64>> {
    match other.get("nbf") {
        None | Some(serde_json::Value::Null) => Some(None),
        Some(value) => value.as_i64().map(Some),
    }
}

impl Checked for IdClaims {
    fn registered(&self) -> Option<Registered<'_>> {
        Some(Registered {
            iss: Some(&self.iss),
            token_use: Some(use_name(self.token_use)),
            aud: Some(&self.aud),
            client_id: other_str(&self.other, "client_id")?,
            exp: Some(self.exp),
            nbf: other_nbf(&self.other)?,
            iat: self.iat,
        })
    }
}

impl Checked for AccessClaims {
    fn registered(&self) -> Option<Registered<'_>> {
        Some(Registered {
            iss: Some(&self.iss),
            token_use: Some(use_name(self.token_use)),
            aud: other_str(&self.other, "aud")?,
            client_id: Some(&self.client_id),
            exp: Some(self.exp),
            nbf: other_nbf(&self.other)?,
            iat: self.iat,
        })
    }
}

/// What the checks after decoding need of a token.
struct Candidate<'a> {
    alg: Option<&'a str>,
    kid: Option<&'a str>,
    critical: bool,
    claims: Registered<'a>,
    signing_input: &'a str,
    signature: &'a [u8],
    payload: &'a [u8],
}

/// Checks Cognito tokens of one user pool. Cheap to clone; clones share the key cache.
#[derive(Debug, Clone)]
pub struct Verifier {
    issuer: String,
    client_ids: Vec<String>,
    leeway: i64,
    required: Vec<String>,
    clock: SharedClock,
    jwks: JwksCache,
}

impl Verifier {
    /// The key cache this verifier uses.
    pub fn jwks(&self) -> &JwksCache {
        &self.jwks
    }

    /// Checks an ID token and returns its claims.
    ///
    /// # Errors
    /// [`Error::TokenRejected`] saying why the token is refused; [`Error::Jwks`] when the
    /// pool's keys cannot be fetched.
    pub async fn verify_id_token(&self, token: &str) -> Result<IdClaims> {
        self.verify(token, TokenUse::Id).await
    }

    /// Checks an access token and returns its claims.
    ///
    /// # Errors
    /// As [`Verifier::verify_id_token`].
    pub async fn verify_access_token(&self, token: &str) -> Result<AccessClaims> {
        self.verify(token, TokenUse::Access).await
    }

    async fn verify<T: Checked>(&self, token: &str, expected: TokenUse) -> Result<T> {
        let outcome = self.check(token, expected).await;
        if let Err(Error::TokenRejected(reason)) = &outcome {
            tracing::debug!(%reason, "token rejected");
        }
        outcome
    }

    /// Every check, then the claims. A token whose claims decode into `T` is read once; any
    /// other takes the long way (registered claims, checks, then `T`), so it is refused for
    /// exactly the reason, and in the order, it always was.
    async fn check<T: Checked>(&self, token: &str, expected: TokenUse) -> Result<T> {
        let rejected = Error::TokenRejected;
        let segments = jwt::split(token).map_err(rejected)?;
        let signature = segments.signature_bytes().map_err(rejected)?;
        if let Ok((header, claims)) = segments.read::<RawHeader, T>()
            && let Some(registered) = claims.registered()
        {
            let candidate = Candidate {
                alg: header.alg.as_deref(),
                kid: header.kid.as_deref(),
                critical: header.crit.is_some(),
                claims: registered,
                signing_input: segments.signing_input,
                signature: &signature,
                payload: segments.payload(),
            };
            self.check_candidate(&candidate, expected).await?;
            return Ok(claims);
        }
        let parsed: Jwt<'_, RawHeader, RawClaims> = segments.decode().map_err(rejected)?;
        let jwt = UnverifiedJwt::of(parsed.header, parsed.claims);
        let candidate = Candidate {
            alg: jwt.alg.as_deref(),
            kid: jwt.kid.as_deref(),
            critical: jwt.critical,
            claims: jwt.registered(),
            signing_input: parsed.signing_input,
            signature: &signature,
            payload: &parsed.payload,
        };
        self.check_candidate(&candidate, expected).await?;
        serde_json::from_slice(&parsed.payload)
            .map_err(|e| Error::TokenRejected(Rejection::MalformedClaims(detail(&e))))
    }

    /// The header, the key, the signature, then the claims.
    async fn check_candidate(&self, token: &Candidate<'_>, expected: TokenUse) -> Result<()> {
        if token.alg != Some("RS256") {
            return Err(Error::TokenRejected(Rejection::AlgorithmNotAllowed {
                alg: token.alg.map(excerpt),
            }));
        }
        if token.critical {
            return Err(Error::TokenRejected(Rejection::CriticalHeader));
        }
        let Some(kid) = token.kid else {
            return Err(Error::TokenRejected(Rejection::MissingKeyId));
        };
        let key = self.jwks.key(kid).await?;
        signature_matches(&key, token.signing_input, token.signature)
            .map_err(Error::TokenRejected)?;
        self.check_claims(&token.claims, expected, token.payload)
            .map_err(Error::TokenRejected)
    }

    fn check_claims(
        &self,
        jwt: &Registered<'_>,
        expected: TokenUse,
        payload: &[u8],
    ) -> Result<(), Rejection> {
        let missing = |name: &str| Rejection::MissingClaim(name.to_owned());
        let iss = jwt.iss.ok_or_else(|| missing("iss"))?;
        if iss != self.issuer {
            return Err(Rejection::WrongIssuer {
                found: excerpt(iss),
                expected: self.issuer.clone(),
            });
        }
        let token_use = jwt.token_use.ok_or_else(|| missing("token_use"))?;
        if token_use != use_name(expected) {
            return Err(Rejection::WrongTokenUse {
                expected,
                found: excerpt(token_use),
            });
        }
        let (audience, name) = match expected {
            TokenUse::Id => (jwt.aud, "aud"),
            TokenUse::Access => (jwt.client_id, "client_id"),
        };
        let audience = audience.ok_or_else(|| missing(name))?;
        if !self.client_ids.iter().any(|id| id == audience) {
            return Err(Rejection::WrongAudience {
                found: excerpt(audience),
            });
        }
        let now = clock::unix_seconds(self.clock.now());
        let exp = jwt.exp.ok_or_else(|| missing("exp"))?;
        if now >= exp.saturating_add(self.leeway) {
            return Err(Rejection::Expired { exp, now });
        }
        if let Some(nbf) = jwt.nbf
            && nbf > now.saturating_add(self.leeway)
        {
            return Err(Rejection::NotYetValid { nbf, now });
        }
        if let Some(iat) = jwt.iat
            && iat > now.saturating_add(self.leeway)
        {
            return Err(Rejection::IssuedInFuture { iat, now });
        }
        if !self.required.is_empty() {
            // Parsed a second time only for callers that ask for extra claims.
            let all: serde_json::Map<String, serde_json::Value> =
                serde_json::from_slice(payload)
                    .map_err(|e| Rejection::MalformedClaims(detail(&e)))?;
            if let Some(name) = self.required.iter().find(|name| {
                all.get(name.as_str())
                    .is_none_or(serde_json::Value::is_null)
            }) {
                return Err(Rejection::MissingClaim(excerpt(name)));
            }
        }
        Ok(())
    }
}

/// RS256 over `header.payload` with the pool's key (its verifier is RS256 whatever the token's
/// header says).
fn signature_matches(key: &RsaKey, signing_input: &str, signature: &[u8]) -> Result<(), Rejection> {
    if signature.len() == key.modulus_len
        && key.verifier.verify(signing_input.as_bytes(), signature)
    {
        Ok(())
    } else {
        Err(Rejection::BadSignature {
            kid: excerpt(&key.kid),
        })
    }
}
