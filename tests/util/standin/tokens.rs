//! Tokens: minting them (JWT-shaped, unsigned), refreshing with rotation and a grace period,
//! revoking them, and global sign-out.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use wiremock::ResponseTemplate;

use super::{CognitoStandIn, State, error, hex, ok, random_bytes};

/// A JWT-shaped token (the stand-in's tokens are decoded, not verified, by the client).
pub fn fake_jwt(claims: &Value) -> String {
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","kid":"standin"}"#),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        URL_SAFE_NO_PAD.encode(b"not-a-real-signature")
    )
}

impl CognitoStandIn {
    /// An AuthenticationResult for `user_id`, remembered so later calls can check its tokens.
    pub(super) fn tokens(&self, state: &mut State, user_id: &str, with_refresh: bool) -> Value {
        #[allow(clippy::disallowed_methods)] // token times as a real server issues them
        let real = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        // The server's clock, `set_clock_offset` seconds off the real one.
        let now = real.saturating_add_signed(state.clock_offset);
        let lifetime = if state.lifetime_secs == 0 {
            3600
        } else {
            state.lifetime_secs
        };
        let iss = format!(
            "https://cognito-idp.ap-southeast-2.amazonaws.com/{}",
            self.pool_id
        );
        let jti = hex(&random_bytes(8));
        let id = fake_jwt(&json!({
            "sub": user_id, "cognito:username": user_id, "iss": iss, "aud": self.client_id,
            "token_use": "id", "iat": now, "auth_time": now, "exp": now + lifetime, "jti": jti,
            "custom:teamId": "team-7", "custom:companyId": "company-42",
        }));
        let access = fake_jwt(&json!({
            "sub": user_id, "username": user_id, "iss": iss, "client_id": self.client_id,
            "token_use": "access", "iat": now, "auth_time": now, "exp": now + lifetime, "jti": jti,
        }));
        state
            .access_tokens
            .insert(access.clone(), user_id.to_owned());
        let mut result = json!({
            "IdToken": id, "AccessToken": access, "ExpiresIn": lifetime, "TokenType": "Bearer",
        });
        if with_refresh {
            let refresh = format!("standin-refresh-{}", hex(&random_bytes(16)));
            state
                .refresh_tokens
                .insert(refresh.clone(), user_id.to_owned());
            result["RefreshToken"] = json!(refresh);
        }
        result
    }

    /// GetTokensFromRefreshToken: rotates the refresh token unless told to keep it.
    pub(super) fn get_tokens_from_refresh_token(
        &self,
        state: &mut State,
        body: &Value,
    ) -> ResponseTemplate {
        if self.client_secret.as_deref() != body["ClientSecret"].as_str() {
            return error("NotAuthorizedException", "Client secret does not match");
        }
        if let Some(key) = body["DeviceKey"].as_str()
            && !state.devices.contains_key(key)
        {
            return error("ResourceNotFoundException", "Device does not exist.");
        }
        let token = body["RefreshToken"].as_str().unwrap_or_default();
        let user_id = match state.refresh_tokens.get(token).cloned() {
            Some(user_id) => user_id,
            // A rotated token still works within the grace period.
            None => match state.spent.get(token) {
                Some((user_id, at)) if at.elapsed() < state.grace => user_id.clone(),
                _ => {
                    return error("NotAuthorizedException", "Refresh Token has been revoked");
                }
            },
        };
        if state.keep_refresh_tokens {
            let result = self.tokens(state, &user_id, false);
            return ok(json!({ "AuthenticationResult": result }));
        }
        // Rotation: the old token is spent, a new one comes back.
        if state.refresh_tokens.remove(token).is_some() {
            state.spent.insert(
                token.to_owned(),
                (user_id.clone(), std::time::Instant::now()),
            );
        }
        let result = self.tokens(state, &user_id, true);
        ok(json!({ "AuthenticationResult": result }))
    }

    /// RevokeToken: only refresh tokens can be revoked.
    pub(super) fn revoke_token(&self, state: &mut State, body: &Value) -> ResponseTemplate {
        if self.client_secret.as_deref() != body["ClientSecret"].as_str() {
            return error("NotAuthorizedException", "Client secret does not match");
        }
        let token = body["Token"].as_str().unwrap_or_default();
        if state.refresh_tokens.remove(token).is_none() {
            return error("UnsupportedTokenTypeException", "not a refresh token");
        }
        ok(json!({}))
    }
}

/// InitiateAuth with REFRESH_TOKEN_AUTH.
pub(super) fn refresh_token_auth(state: &State) -> ResponseTemplate {
    if state.keep_refresh_tokens {
        return error(
            "InvalidParameterException",
            "the stand-in only rotates here",
        );
    }
    // What Cognito answers on app clients with refresh-token rotation.
    error(
        "NotAuthorizedException",
        "REFRESH_TOKEN_AUTH is not allowed when refresh token rotation is enabled; use GetTokensFromRefreshToken",
    )
}

/// GlobalSignOut: every token of the access token's user stops working.
pub(super) fn global_sign_out(state: &mut State, body: &Value) -> ResponseTemplate {
    let token = body["AccessToken"].as_str().unwrap_or_default();
    let Some(user_id) = state.access_tokens.get(token).cloned() else {
        return error("NotAuthorizedException", "Access Token has been revoked");
    };
    state.refresh_tokens.retain(|_, u| *u != user_id);
    state.access_tokens.retain(|_, u| *u != user_id);
    ok(json!({}))
}
