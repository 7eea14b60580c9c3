//! The errors of token verification and of the signing-key cache: why a token was refused
//! ([`Rejection`]) and why the keys could not be had ([`JwksError`]). They are defined here,
//! at the bottom with [`Error`](super::Error) that carries them, so that `error` depends on
//! no module above it; `token::verify` and `token::jwks` re-export them where they are used.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::Cause;
use crate::clock;

/// `token_use`: which kind of Cognito token this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenUse {
    /// An ID token.
    Id,
    /// An access token.
    Access,
}

/// Why a token was refused. Values copied from the token (algorithm, key id, issuer,
/// audience) are cut to 64 characters; the token itself never appears.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Rejection {
    /// Longer than [`MAX_TOKEN_BYTES`](crate::token::unverified::MAX_TOKEN_BYTES).
    #[error("the token is {bytes} bytes, more than the {limit}-byte limit")]
    Oversize {
        /// The token's length.
        bytes: usize,
        /// The limit.
        limit: usize,
    },
    /// Not three dot-separated segments.
    #[error("not a JWT: {found} dot-separated segments instead of 3")]
    SegmentCount {
        /// How many segments there are.
        found: usize,
    },
    /// A segment is not unpadded base64url.
    #[error("the {0} is not base64url")]
    NotBase64(Segment),
    /// The header or payload is not JSON.
    #[error("the {0} is not JSON")]
    NotJson(Segment),
    /// The header or payload is JSON but not an object.
    #[error("the {0} is not a JSON object")]
    NotObject(Segment),
    /// A header field has the wrong type or appears twice.
    #[error("malformed header: {0}")]
    MalformedHeader(String),
    /// The header's algorithm is not RS256 (this includes `none` and every HMAC algorithm).
    #[error("algorithm {} is not accepted (only RS256)", alg.as_deref().map_or("(none given)".into(), |a| format!("{a:?}")))]
    AlgorithmNotAllowed {
        /// The header's `alg`, if any.
        alg: Option<String>,
    },
    /// The header lists critical extensions (`crit`), none of which this verifier implements.
    #[error("the header has critical extensions (crit), which are not supported")]
    CriticalHeader,
    /// The header names no key.
    #[error("the header names no signing key (no kid)")]
    MissingKeyId,
    /// The pool's key set has no key of that name, even after a refetch.
    #[error("the user pool has no signing key {kid:?}")]
    UnknownKey {
        /// The header's `kid`.
        kid: String,
    },
    /// The signature does not match the pool's key.
    #[error("the signature does not match the user pool's key {kid:?}")]
    BadSignature {
        /// The key it was checked against.
        kid: String,
    },
    /// A claim has the wrong type, or the claims do not fit the token kind.
    #[error("malformed claims: {0}")]
    MalformedClaims(String),
    /// A claim that must be present is missing (or null).
    #[error("the claim {0:?} is missing")]
    MissingClaim(String),
    /// Issued by someone other than this user pool.
    #[error("issued by {found:?}, not by this user pool ({expected})")]
    WrongIssuer {
        /// The token's `iss`.
        found: String,
        /// The pool's issuer.
        expected: String,
    },
    /// An ID token where an access token was asked for, or the reverse.
    #[error("token_use is {found:?}, not {:?}", use_name(*.expected))]
    WrongTokenUse {
        /// The kind the caller asked for.
        expected: TokenUse,
        /// The token's `token_use`.
        found: String,
    },
    /// Issued to an app client that is not allowed.
    #[error("issued to app client {found:?}, which is not an allowed client")]
    WrongAudience {
        /// The token's `aud` (ID token) or `client_id` (access token).
        found: String,
    },
    /// `exp` is past, beyond the leeway.
    #[error("expired at {} (it is now {})", date(*.exp), date(*.now))]
    Expired {
        /// The token's `exp`.
        exp: i64,
        /// The verifier's clock, Unix seconds.
        now: i64,
    },
    /// `nbf` is still ahead, beyond the leeway.
    #[error("not valid before {} (it is now {})", date(*.nbf), date(*.now))]
    NotYetValid {
        /// The token's `nbf`.
        nbf: i64,
        /// The verifier's clock, Unix seconds.
        now: i64,
    },
    /// `iat` is in the future, beyond the leeway.
    #[error("issued in the future, at {} (it is now {})", date(*.iat), date(*.now))]
    IssuedInFuture {
        /// The token's `iat`.
        iat: i64,
        /// The verifier's clock, Unix seconds.
        now: i64,
    },
}

/// The three parts of a JWT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segment {
    /// The first part.
    Header,
    /// The second part, the claims.
    Payload,
    /// The third part.
    Signature,
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Segment::Header => "header",
            Segment::Payload => "payload",
            Segment::Signature => "signature",
        })
    }
}

pub(crate) fn use_name(token_use: TokenUse) -> &'static str {
    match token_use {
        TokenUse::Id => "id",
        TokenUse::Access => "access",
    }
}

fn date(unix: i64) -> String {
    clock::rfc3339(clock::from_unix_seconds(unix))
}

/// Why the signing keys could not be had. Its message is the failure;
/// [`Error::Jwks`](super::Error::Jwks) around it names where the keys were to come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwksError {
    /// Where the keys were to come from (the URL, or "the given JWKS").
    pub source_name: String,
    /// What went wrong.
    pub failure: JwksFailure,
}

impl fmt::Display for JwksError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.failure.fmt(f)
    }
}

impl std::error::Error for JwksError {
    // The failure's own message is this error's: its cause comes next.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&self.failure)
    }
}

/// What went wrong getting the signing keys.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JwksFailure {
    /// The HTTP client could not be set up.
    #[error("cannot set up the HTTP client")]
    Setup(#[source] Cause),
    /// No connection, DNS or TLS failure (the HTTP client's error is the source).
    #[error("cannot reach it")]
    Unreachable(#[source] Cause),
    /// The connect or total time limit was hit.
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    /// The server answered with a status other than 2xx (redirects are not followed).
    #[error("HTTP status {0}")]
    Status(u16),
    /// The document is larger than [`MAX_JWKS_BYTES`](crate::token::jwks::MAX_JWKS_BYTES).
    #[error("the document is larger than {0} bytes")]
    TooLarge(usize),
    /// The body is not JSON.
    #[error("the document is not JSON")]
    NotJson,
    /// JSON, but not a key set of the expected shape.
    #[error("malformed key set: {0}")]
    Malformed(String),
    /// A well-formed key set without a single key that can verify RS256.
    #[error("no RS256 signing key in the key set")]
    NoUsableKey,
}
