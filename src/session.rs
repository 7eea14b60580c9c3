//! A signed-in Cognito session: the three tokens, the decoded ID-token claims and the expiry.

use std::time::{Duration, SystemTime};

use crate::clock;
use crate::error::{Error, Result};
use crate::secret::{AccessToken, IdToken, RefreshToken};
use crate::token::unverified::decode_claims_unverified;
use crate::token::{AccessClaims, IdClaims, TokenUse};

/// The tokens of one signed-in user, with the ID token's claims decoded.
#[derive(Debug, Clone)]
pub struct Session {
    id_token: IdToken,
    access_token: AccessToken,
    refresh_token: Option<RefreshToken>,
    claims: IdClaims,
    expires_at: SystemTime,
}

impl Session {
    /// Builds a session from tokens Cognito just returned, decoding (not verifying) the claims.
    ///
    /// # Errors
    /// [`Error::InvalidToken`] when either token is malformed or is not the kind it claims to be.
    pub fn from_tokens(
        id_token: IdToken,
        access_token: AccessToken,
        refresh_token: Option<RefreshToken>,
    ) -> Result<Self> {
        let claims: IdClaims = decode_claims_unverified(id_token.secret())
            .map_err(|e| Error::invalid_token(format!("ID token from Cognito: {e}")))?;
        if claims.token_use != TokenUse::Id {
            return Err(Error::invalid_token(
                "the ID token's token_use is not \"id\"",
            ));
        }
        let access: AccessClaims = decode_claims_unverified(access_token.secret())
            .map_err(|e| Error::invalid_token(format!("access token from Cognito: {e}")))?;
        if access.token_use != TokenUse::Access {
            return Err(Error::invalid_token(
                "the access token's token_use is not \"access\"",
            ));
        }
        // Both tokens are issued together; the session is as good as the one expiring first.
        let expires_at = clock::from_unix_seconds(claims.exp.min(access.exp));
        Ok(Session {
            id_token,
            access_token,
            refresh_token,
            claims,
            expires_at,
        })
    }

    /// The ID token (for Unleash Live's GraphQL and REST APIs).
    pub fn id_token(&self) -> &IdToken {
        &self.id_token
    }

    /// The access token.
    pub fn access_token(&self) -> &AccessToken {
        &self.access_token
    }

    /// The refresh token, when Cognito issued one.
    pub fn refresh_token(&self) -> Option<&RefreshToken> {
        self.refresh_token.as_ref()
    }

    /// The ID token's claims (decoded from a token received from Cognito, not re-verified).
    pub fn claims(&self) -> &IdClaims {
        &self.claims
    }

    /// The pool's user name (`cognito:username`, falling back to `sub`).
    pub fn username(&self) -> &str {
        self.claims.username.as_deref().unwrap_or(&self.claims.sub)
    }

    /// When the ID and access tokens stop being accepted.
    pub fn expires_at(&self) -> SystemTime {
        self.expires_at
    }

    /// Time left at `now`; zero once expired.
    pub fn time_left(&self, now: SystemTime) -> Duration {
        self.expires_at
            .duration_since(now)
            .unwrap_or(Duration::ZERO)
    }

    /// Whether the tokens are expired at `now`.
    pub fn is_expired(&self, now: SystemTime) -> bool {
        self.time_left(now).is_zero()
    }
}
