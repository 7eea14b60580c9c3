//! A signed-in Cognito session: the three tokens, the decoded ID-token claims and the expiry.

use std::time::{Duration, SystemTime};

use crate::clock;
use crate::error::{Cause, Error, Result};
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
    /// Expiry on the *local* clock (the token's `exp` corrected by the skew).
    expires_at: SystemTime,
    /// Server time minus local time when the tokens arrived, in seconds.
    skew_secs: i64,
    legacy_refresh: bool,
    /// The device Cognito remembers for this user.
    device: Option<crate::cognito::Device>,
    /// NewDeviceMetadata (key, group key) not yet confirmed.
    pub(crate) new_device: Option<(String, String)>,
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
            .map_err(|e| Error::undecodable_token("ID token from Cognito", e))?;
        if claims.token_use != TokenUse::Id {
            return Err(Error::invalid_token(
                "the ID token's token_use is not \"id\"",
            ));
        }
        let access: AccessClaims = decode_claims_unverified(access_token.secret())
            .map_err(|e| Error::undecodable_token("access token from Cognito", e))?;
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
            skew_secs: 0,
            legacy_refresh: false,
            device: None,
            new_device: None,
        })
    }

    /// Builds a session from tokens that arrived from Cognito at `received_at` (local clock),
    /// remembering how far the server's clock (the ID token's `iat`) is from ours, so expiry
    /// and refresh decisions hold on a machine whose clock is off.
    ///
    /// # Errors
    /// As [`Session::from_tokens`].
    pub fn received(
        id_token: IdToken,
        access_token: AccessToken,
        refresh_token: Option<RefreshToken>,
        received_at: SystemTime,
    ) -> Result<Self> {
        let mut session = Self::from_tokens(id_token, access_token, refresh_token)?;
        if let Some(iat) = session.claims.iat {
            session.set_skew(iat - clock::unix_seconds(received_at));
        }
        Ok(session)
    }

    fn set_skew(&mut self, skew_secs: i64) {
        // Within a few seconds the difference is network latency, not a wrong clock.
        let skew_secs = if skew_secs.abs() <= 5 { 0 } else { skew_secs };
        if skew_secs != 0 {
            tracing::debug!(skew_secs, "the local clock differs from Cognito's");
        }
        let server_expiry = clock::unix_seconds(self.expires_at) + self.skew_secs;
        self.skew_secs = skew_secs;
        self.expires_at = clock::from_unix_seconds(server_expiry - skew_secs);
    }

    /// How far Cognito's clock is ahead of the local one (negative: behind), as measured when
    /// the tokens arrived.
    pub fn clock_skew(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.skew_secs.unsigned_abs())
    }

    /// Server time minus local time, in seconds.
    pub fn clock_skew_secs(&self) -> i64 {
        self.skew_secs
    }

    /// Whether refreshes of this session go through REFRESH_TOKEN_AUTH because the endpoint
    /// does not implement GetTokensFromRefreshToken (remembered per profile).
    pub fn uses_legacy_refresh(&self) -> bool {
        self.legacy_refresh
    }

    /// The device Cognito remembers for this user, if any.
    pub fn device(&self) -> Option<&crate::cognito::Device> {
        self.device.as_ref()
    }

    /// Sets or clears the remembered device.
    pub fn set_device(&mut self, device: Option<crate::cognito::Device>) {
        self.device = device;
    }

    /// Marks the session as refreshed through REFRESH_TOKEN_AUTH from now on.
    pub fn set_legacy_refresh(&mut self, legacy: bool) {
        self.legacy_refresh = legacy;
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

    /// When the ID and access tokens stop being accepted, on the local clock (corrected for
    /// the server's clock skew).
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

/// What the cache keeps of a Cognito session: the tokens (claims are decoded again on load).
#[derive(serde::Serialize, serde::Deserialize)]
struct Record {
    id_token: String,
    access_token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    /// The endpoint lacks GetTokensFromRefreshToken: refresh with REFRESH_TOKEN_AUTH.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    legacy_refresh: bool,
    /// Server time minus local time when the tokens arrived.
    #[serde(default, skip_serializing_if = "is_zero")]
    skew_secs: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    device_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    device_group_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    device_password: Option<String>,
}

fn is_zero(v: &i64) -> bool {
    *v == 0
}

impl crate::credentials::store::Persist for Session {
    const PROVIDER: &'static str = "unleash-live";
    const KEYCHAIN_FIELDS: &'static [&'static str] = &["refresh_token", "device_password"];

    fn to_record(&self) -> serde_json::Value {
        let record = Record {
            id_token: self.id_token.secret().to_owned(),
            access_token: self.access_token.secret().to_owned(),
            refresh_token: self.refresh_token.as_ref().map(|t| t.secret().to_owned()),
            legacy_refresh: self.legacy_refresh,
            skew_secs: self.skew_secs,
            device_key: self.device.as_ref().map(|d| d.key().to_owned()),
            device_group_key: self.device.as_ref().map(|d| d.group_key().to_owned()),
            device_password: self
                .device
                .as_ref()
                .map(|d| d.password().secret().to_owned()),
        };
        serde_json::to_value(record).unwrap_or_default()
    }

    fn from_record(record: serde_json::Value) -> Result<Self> {
        let r: Record = serde_json::from_value(record).map_err(|e| {
            let cause = Cause::json_without_values(e);
            Error::undecodable_token("not a Cognito session record", cause)
        })?;
        let mut session = Session::from_tokens(
            IdToken::new(r.id_token),
            AccessToken::new(r.access_token),
            r.refresh_token.map(RefreshToken::new),
        )?;
        session.legacy_refresh = r.legacy_refresh;
        session.set_skew(r.skew_secs);
        if let (Some(key), Some(group), Some(password)) =
            (r.device_key, r.device_group_key, r.device_password)
        {
            session.device = Some(crate::cognito::Device::new(
                key,
                group,
                crate::secret::DevicePassword::new(password),
            ));
        }
        Ok(session)
    }
}
