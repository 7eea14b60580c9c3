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

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Algorithm;
use jsonwebtoken::crypto::JwtVerifier;
use serde::Deserialize;
use serde::de::{DeserializeOwned, IgnoredAny};

use crate::clock::{self, SharedClock};
use crate::config::{Config, env};
use crate::error::{Error, Result};
use crate::token::jwks::{JwksCache, RsaKey};
use crate::token::unverified::MAX_TOKEN_BYTES;
use crate::token::{AccessClaims, IdClaims, TokenUse};

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

/// A token taken apart, before any check.
struct Parts<'t> {
    jwt: UnverifiedJwt,
    signing_input: &'t str,
    payload: Vec<u8>,
    signature: Vec<u8>,
}

impl UnverifiedJwt {
    /// Takes a token apart. Refuses, before anything else: tokens over [`MAX_TOKEN_BYTES`],
    /// other than three segments, segments that are not unpadded base64url, a header or
    /// payload that is not a JSON object, registered claims of the wrong type.
    ///
    /// # Errors
    /// [`Error::TokenRejected`] with the first problem found.
    pub fn parse(token: &str) -> Result<Self> {
        split(token).map(|p| p.jwt).map_err(Error::TokenRejected)
    }
}

fn split(token: &str) -> Result<Parts<'_>, Rejection> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(Rejection::Oversize {
            bytes: token.len(),
            limit: MAX_TOKEN_BYTES,
        });
    }
    let (signing_input, signature) = token.rsplit_once('.').unwrap_or((token, ""));
    let Some((header, payload)) = signing_input.split_once('.') else {
        return Err(Rejection::SegmentCount {
            found: token.split('.').count(),
        });
    };
    if payload.contains('.') {
        return Err(Rejection::SegmentCount {
            found: token.split('.').count(),
        });
    }
    let header = base64url(header, Segment::Header)?;
    let payload = base64url(payload, Segment::Payload)?;
    let signature = base64url(signature, Segment::Signature)?;
    let raw_header: RawHeader = json(&header, Segment::Header)?;
    let claims: RawClaims = json(&payload, Segment::Payload)?;
    Ok(Parts {
        jwt: UnverifiedJwt {
            alg: raw_header.alg,
            kid: raw_header.kid,
            critical: raw_header.crit.is_some(),
            iss: claims.iss,
            token_use: claims.token_use,
            aud: claims.aud,
            client_id: claims.client_id,
            exp: claims.exp,
            nbf: claims.nbf,
            iat: claims.iat,
        },
        signing_input,
        payload,
        signature,
    })
}

fn base64url(segment: &str, which: Segment) -> Result<Vec<u8>, Rejection> {
    // Strict: no padding, no non-canonical trailing bits, so one token has one spelling.
    URL_SAFE_NO_PAD
        .decode(segment.as_bytes())
        .map_err(|_| Rejection::NotBase64(which))
}

fn json<T: DeserializeOwned>(bytes: &[u8], which: Segment) -> Result<T, Rejection> {
    serde_json::from_slice(bytes).map_err(|e| {
        let object = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
        match (e.classify(), object, which) {
            (serde_json::error::Category::Data, true, Segment::Header) => {
                Rejection::MalformedHeader(detail(&e))
            }
            (serde_json::error::Category::Data, true, _) => Rejection::MalformedClaims(detail(&e)),
            (serde_json::error::Category::Data, false, _) => Rejection::NotObject(which),
            _ => Rejection::NotJson(which),
        }
    })
}

/// serde's message, cut short (it may quote a claim's value).
fn detail(e: &serde_json::Error) -> String {
    const MAX: usize = 160;
    let text = e.to_string();
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
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

/// Options of a [`Verifier`]; see [`Verifier::builder`].
#[derive(Debug)]
pub struct VerifierBuilder {
    issuer: String,
    jwks_url: String,
    client_ids: Vec<String>,
    leeway: Duration,
    required: Vec<String>,
    clock: Option<SharedClock>,
    jwks: Option<JwksCache>,
}

impl VerifierBuilder {
    /// Replaces the allowed app clients (default: the config's client id).
    pub fn client_ids<I, S>(mut self, ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.client_ids = ids.into_iter().map(Into::into).collect();
        self
    }

    /// Allows one more app client.
    pub fn allow_client(mut self, id: impl Into<String>) -> Self {
        self.client_ids.push(id.into());
        self
    }

    /// How far `exp`, `nbf` and `iat` may be off (default [`DEFAULT_LEEWAY`]).
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// A claim every accepted token must have, not null (e.g. `custom:companyId`).
    pub fn require_claim(mut self, name: impl Into<String>) -> Self {
        self.required.push(name.into());
        self
    }

    /// The clock for `exp`, `nbf` and `iat` (default: the system clock).
    pub fn clock(mut self, clock: SharedClock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Uses this key cache (to share one between verifiers, or a [`JwksCache::fixed`] set)
    /// instead of one fetching from the config's JWKS URL.
    pub fn jwks(mut self, jwks: JwksCache) -> Self {
        self.jwks = Some(jwks);
        self
    }

    /// The verifier.
    ///
    /// # Errors
    /// [`Error::Config`] when no app client is allowed or the JWKS URL is not http(s);
    /// [`Error::Jwks`] when the HTTP client cannot be set up.
    pub fn build(self) -> Result<Verifier> {
        if self.client_ids.iter().all(String::is_empty) {
            return Err(Error::config(
                env::CLIENT_ID,
                "no app client id to check the audience against",
            ));
        }
        let clock = self.clock.unwrap_or_else(clock::system);
        let jwks = match self.jwks {
            Some(jwks) => jwks,
            None => JwksCache::builder(self.jwks_url)
                .clock(clock.clone())
                .build()?,
        };
        Ok(Verifier {
            issuer: self.issuer,
            client_ids: self.client_ids,
            leeway: i64::try_from(self.leeway.as_secs()).unwrap_or(i64::MAX),
            required: self.required,
            clock,
            jwks,
        })
    }
}

impl Verifier {
    /// A verifier for `config`'s user pool: issuer [`Config::issuer`], keys from
    /// [`Config::jwks_url`], audience [`Config::client_id`].
    pub fn builder(config: &Config) -> VerifierBuilder {
        VerifierBuilder {
            issuer: config.issuer(),
            jwks_url: config.jwks_url(),
            client_ids: vec![config.client_id.clone()],
            leeway: DEFAULT_LEEWAY,
            required: Vec::new(),
            clock: None,
            jwks: None,
        }
    }

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

    async fn verify<T: DeserializeOwned>(&self, token: &str, expected: TokenUse) -> Result<T> {
        let outcome = self.check(token, expected).await;
        if let Err(Error::TokenRejected(reason)) = &outcome {
            tracing::debug!(%reason, "token rejected");
        }
        let payload = outcome?;
        serde_json::from_slice(&payload)
            .map_err(|e| Error::TokenRejected(Rejection::MalformedClaims(detail(&e))))
    }

    /// Every check; the payload bytes of a token that passes them all.
    async fn check(&self, token: &str, expected: TokenUse) -> Result<Vec<u8>> {
        let parts = split(token).map_err(Error::TokenRejected)?;
        let jwt = &parts.jwt;
        if jwt.alg.as_deref() != Some("RS256") {
            return Err(Error::TokenRejected(Rejection::AlgorithmNotAllowed {
                alg: jwt.alg.as_deref().map(excerpt),
            }));
        }
        if jwt.critical {
            return Err(Error::TokenRejected(Rejection::CriticalHeader));
        }
        let Some(kid) = &jwt.kid else {
            return Err(Error::TokenRejected(Rejection::MissingKeyId));
        };
        let key = self.jwks.key(kid).await?;
        signature_matches(&key, &parts).map_err(Error::TokenRejected)?;
        self.check_claims(jwt, expected, &parts.payload)
            .map_err(Error::TokenRejected)?;
        Ok(parts.payload)
    }

    fn check_claims(
        &self,
        jwt: &UnverifiedJwt,
        expected: TokenUse,
        payload: &[u8],
    ) -> Result<(), Rejection> {
        let missing = |name: &str| Rejection::MissingClaim(name.to_owned());
        let iss = jwt.iss.as_deref().ok_or_else(|| missing("iss"))?;
        if iss != self.issuer {
            return Err(Rejection::WrongIssuer {
                found: excerpt(iss),
                expected: self.issuer.clone(),
            });
        }
        let token_use = jwt
            .token_use
            .as_deref()
            .ok_or_else(|| missing("token_use"))?;
        if token_use != use_name(expected) {
            return Err(Rejection::WrongTokenUse {
                expected,
                found: excerpt(token_use),
            });
        }
        let (audience, name) = match expected {
            TokenUse::Id => (&jwt.aud, "aud"),
            TokenUse::Access => (&jwt.client_id, "client_id"),
        };
        let audience = audience.as_deref().ok_or_else(|| missing(name))?;
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

/// RS256 over `header.payload` with the pool's key: the key's own [`JwtVerifier`], pinned to
/// RS256 whatever the token's header says, so no process-wide jsonwebtoken provider chosen
/// elsewhere can change the algorithm.
fn signature_matches(key: &RsaKey, parts: &Parts<'_>) -> Result<(), Rejection> {
    let bad = || Rejection::BadSignature {
        kid: excerpt(&key.kid),
    };
    if parts.signature.len() != key.modulus_len {
        return Err(bad());
    }
    let verifier: &dyn JwtVerifier = &key.verifier;
    if verifier.algorithm() != Algorithm::RS256 {
        return Err(bad());
    }
    verifier
        .verify(parts.signing_input.as_bytes(), &parts.signature)
        .map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use super::*;

    #[derive(Debug)]
    struct At(SystemTime);
    impl clock::Clock for At {
        fn now(&self) -> SystemTime {
            self.0
        }
    }

    const NOW: i64 = 1_800_000_000;

    fn verifier(leeway: u64) -> Verifier {
        let mut n = vec![0xc5_u8; 256];
        n[255] = 1;
        let jwks = serde_json::json!({"keys": [{"kty": "RSA", "kid": "k", "n": URL_SAFE_NO_PAD.encode(n), "e": "AQAB"}]});
        let mut config = Config::unleash_live();
        config.client_id = "client-1".into();
        Verifier::builder(&config)
            .jwks(JwksCache::fixed(jwks.to_string().as_bytes()).unwrap())
            .clock(std::sync::Arc::new(At(clock::from_unix_seconds(NOW))))
            .leeway(Duration::from_secs(leeway))
            .require_claim("custom:companyId")
            .build()
            .unwrap()
    }

    fn claims(edit: impl FnOnce(&mut UnverifiedJwt)) -> UnverifiedJwt {
        let mut jwt = UnverifiedJwt {
            iss: Some(Config::unleash_live().issuer()),
            token_use: Some("id".into()),
            aud: Some("client-1".into()),
            exp: Some(NOW + 3600),
            iat: Some(NOW),
            ..UnverifiedJwt::default()
        };
        edit(&mut jwt);
        jwt
    }

    fn check(v: &Verifier, jwt: &UnverifiedJwt) -> Result<(), Rejection> {
        v.check_claims(jwt, TokenUse::Id, br#"{"custom:companyId": "c"}"#)
    }

    #[test]
    fn times_are_checked_against_the_injected_clock_with_the_leeway() {
        let v = verifier(60);
        assert_eq!(check(&v, &claims(|_| {})), Ok(()));
        let cases = [
            (claims(|c| c.exp = Some(NOW - 59)), None),
            (
                claims(|c| c.exp = Some(NOW - 60)),
                Some(Rejection::Expired {
                    exp: NOW - 60,
                    now: NOW,
                }),
            ),
            (claims(|c| c.nbf = Some(NOW + 60)), None),
            (
                claims(|c| c.nbf = Some(NOW + 61)),
                Some(Rejection::NotYetValid {
                    nbf: NOW + 61,
                    now: NOW,
                }),
            ),
            (
                claims(|c| c.iat = Some(NOW + 61)),
                Some(Rejection::IssuedInFuture {
                    iat: NOW + 61,
                    now: NOW,
                }),
            ),
            (
                claims(|c| c.exp = Some(i64::MIN)),
                Some(Rejection::Expired {
                    exp: i64::MIN,
                    now: NOW,
                }),
            ),
            (claims(|c| c.exp = Some(i64::MAX)), None),
        ];
        for (jwt, want) in cases {
            assert_eq!(check(&v, &jwt).err(), want, "{jwt:?}");
        }
        let strict = verifier(0);
        assert!(matches!(
            check(&strict, &claims(|c| c.exp = Some(NOW))),
            Err(Rejection::Expired { .. })
        ));
    }

    #[test]
    fn missing_registered_or_required_claims_are_named() {
        let v = verifier(60);
        for (jwt, name) in [
            (claims(|c| c.iss = None), "iss"),
            (claims(|c| c.token_use = None), "token_use"),
            (claims(|c| c.aud = None), "aud"),
            (claims(|c| c.exp = None), "exp"),
        ] {
            assert_eq!(check(&v, &jwt), Err(Rejection::MissingClaim(name.into())));
        }
        for payload in [&b"{}"[..], br#"{"custom:companyId": null}"#] {
            assert_eq!(
                v.check_claims(&claims(|_| {}), TokenUse::Id, payload),
                Err(Rejection::MissingClaim("custom:companyId".into()))
            );
        }
    }

    #[test]
    fn messages_quote_at_most_an_excerpt_of_token_values() {
        let long = "x".repeat(5000);
        let msg = Rejection::WrongIssuer {
            found: excerpt(&long),
            expected: "https://issuer".into(),
        }
        .to_string();
        assert!(msg.len() < 200, "{msg}");
        assert_eq!(excerpt("émoji🙂"), "émoji🙂");
        assert_eq!(excerpt(&"é".repeat(70)).chars().count(), 65);
    }

    #[test]
    fn structure_is_refused_before_anything_else() {
        let h = URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","kid":"k"}"#);
        let p = URL_SAFE_NO_PAD.encode(r#"{"exp":1}"#);
        let cases = [
            (String::new(), Rejection::SegmentCount { found: 1 }),
            (format!("{h}.{p}"), Rejection::SegmentCount { found: 2 }),
            (
                format!("{h}.{p}.c2ln.x"),
                Rejection::SegmentCount { found: 4 },
            ),
            (
                format!("{h}=.{p}.c2ln"),
                Rejection::NotBase64(Segment::Header),
            ),
            (
                format!("{h}.{p}.c2l*"),
                Rejection::NotBase64(Segment::Signature),
            ),
            (
                format!("{h}.{}.c2ln", URL_SAFE_NO_PAD.encode("{\"exp\":")),
                Rejection::NotJson(Segment::Payload),
            ),
            (
                format!("{}.{p}.c2ln", URL_SAFE_NO_PAD.encode("[1]")),
                Rejection::NotObject(Segment::Header),
            ),
            (
                format!(
                    "{h}.{}.c2ln",
                    URL_SAFE_NO_PAD.encode(r#"{"exp":1,"exp":2}"#)
                ),
                Rejection::MalformedClaims("duplicate field `exp` at line 1 column 14".into()),
            ),
        ];
        for (token, want) in cases {
            assert_eq!(split(&token).err(), Some(want), "{token}");
        }
    }
}
