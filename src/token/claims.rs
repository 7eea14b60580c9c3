//! Typed claims of Cognito ID and access tokens. Unknown claims are kept in `other`.
//!
//! They are read in one pass (`de.rs`), each known claim straight into its field: a derived
//! `#[serde(flatten)]` would first copy the whole object into serde's generic buffer, which
//! made decoding a Cognito ID token about twice as slow (issue 20).

use serde::Serialize;
use serde_json::{Map, Value};

mod de;

pub use crate::error::token::TokenUse;

/// The claims of a Cognito ID token, including Unleash Live's custom attributes.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct IdClaims {
    /// The user's stable id (the samples call it `uid`).
    pub sub: String,
    /// The user's e-mail (absent when the app client may not read it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Whether the e-mail is verified (Cognito may send `"true"` as a string).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
    /// The user name in the pool.
    #[serde(rename = "cognito:username", skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Issuer, `https://cognito-idp.<region>.amazonaws.com/<poolId>`.
    pub iss: String,
    /// Audience: the app client id.
    pub aud: String,
    /// Always [`TokenUse::Id`] for an ID token.
    pub token_use: TokenUse,
    /// When the user authenticated (Unix seconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
    /// Issued at (Unix seconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    /// Expiry (Unix seconds).
    pub exp: i64,
    /// Unleash Live: the user's identity-pool identity id (`custom:identityId`).
    #[serde(rename = "custom:identityId", skip_serializing_if = "Option::is_none")]
    pub identity_id: Option<String>,
    /// Unleash Live: the user's company (`custom:companyId`).
    #[serde(rename = "custom:companyId", skip_serializing_if = "Option::is_none")]
    pub company_id: Option<String>,
    /// Unleash Live: the user's team (`custom:teamId`).
    #[serde(rename = "custom:teamId", skip_serializing_if = "Option::is_none")]
    pub team_id: Option<String>,
    /// Every other claim, unchanged.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// The claims of a Cognito access token.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct AccessClaims {
    /// The user's stable id.
    pub sub: String,
    /// Issuer.
    pub iss: String,
    /// The app client the token was issued to.
    pub client_id: String,
    /// Always [`TokenUse::Access`] for an access token.
    pub token_use: TokenUse,
    /// OAuth scopes, space-separated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The user name in the pool.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// When the user authenticated (Unix seconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
    /// Issued at (Unix seconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    /// Expiry (Unix seconds).
    pub exp: i64,
    /// Every other claim, unchanged.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_claims_keep_custom_attributes_and_unknown_claims() {
        let json = serde_json::json!({
            "sub": "s", "iss": "i", "aud": "a", "token_use": "id", "exp": 10,
            "email_verified": "true", "custom:teamId": "team-7", "jti": "j1",
            "cognito:username": "pilot"
        });
        let c: IdClaims = serde_json::from_value(json).unwrap();
        assert_eq!(c.team_id.as_deref(), Some("team-7"));
        assert_eq!(c.email_verified, Some(true));
        assert_eq!(c.email, None);
        assert_eq!(c.username.as_deref(), Some("pilot"));
        assert_eq!(c.other["jti"], "j1");
    }

    #[test]
    fn an_access_token_is_not_an_id_token() {
        let json = serde_json::json!({
            "sub": "s", "iss": "i", "aud": "a", "token_use": "banana", "exp": 10
        });
        assert!(serde_json::from_value::<IdClaims>(json).is_err());
    }
}
