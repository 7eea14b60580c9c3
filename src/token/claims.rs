//! Typed claims of Cognito ID and access tokens. Unknown claims are kept in `other`.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

pub use crate::error::token::TokenUse;

/// The claims of a Cognito ID token, including Unleash Live's custom attributes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IdClaims {
    /// The user's stable id (the samples call it `uid`).
    pub sub: String,
    /// The user's e-mail (absent when the app client may not read it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Whether the e-mail is verified (Cognito may send `"true"` as a string).
    #[serde(
        default,
        deserialize_with = "bool_or_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub email_verified: Option<bool>,
    /// The user name in the pool.
    #[serde(
        rename = "cognito:username",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub username: Option<String>,
    /// Issuer, `https://cognito-idp.<region>.amazonaws.com/<poolId>`.
    pub iss: String,
    /// Audience: the app client id.
    pub aud: String,
    /// Always [`TokenUse::Id`] for an ID token.
    pub token_use: TokenUse,
    /// When the user authenticated (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
    /// Issued at (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    /// Expiry (Unix seconds).
    pub exp: i64,
    /// Unleash Live: the user's identity-pool identity id (`custom:identityId`).
    #[serde(
        rename = "custom:identityId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub identity_id: Option<String>,
    /// Unleash Live: the user's company (`custom:companyId`).
    #[serde(
        rename = "custom:companyId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub company_id: Option<String>,
    /// Unleash Live: the user's team (`custom:teamId`).
    #[serde(
        rename = "custom:teamId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub team_id: Option<String>,
    /// Every other claim, unchanged.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// The claims of a Cognito access token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The user name in the pool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// When the user authenticated (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
    /// Issued at (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    /// Expiry (Unix seconds).
    pub exp: i64,
    /// Every other claim, unchanged.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

fn bool_or_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Loose {
        Bool(bool),
        Str(String),
    }
    Ok(match Option::<Loose>::deserialize(d)? {
        None => None,
        Some(Loose::Bool(b)) => Some(b),
        Some(Loose::Str(s)) => match s.as_str() {
            "true" => Some(true),
            "false" => Some(false),
            other => {
                return Err(serde::de::Error::custom(format!(
                    "email_verified is neither true nor false: {other:?}"
                )));
            }
        },
    })
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
