//! Remembered devices: confirming a new device (ConfirmDevice with an SRP verifier of a random
//! device password), proving it on later sign-ins (DEVICE_SRP_AUTH → DEVICE_PASSWORD_VERIFIER),
//! and listing or forgetting devices.

use aws_sdk_cognitoidentityprovider::types::{ChallengeNameType, DeviceSecretVerifierConfigType};
use tracing::Instrument as _;

use super::client::CognitoClient;
use super::sign_in::{Challenge, ChallengeKind, SignIn};
use super::srp::{self, DeviceSecret, SrpClient};
use crate::clock;
use crate::cognito::session::Session;
use crate::error::{Cause, Error, Result};
use crate::secret::DevicePassword;

/// A device Cognito remembers for a user: its key, its group key and its secret password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    key: String,
    group_key: String,
    password: DevicePassword,
}

impl Device {
    /// A remembered device.
    pub fn new(key: String, group_key: String, password: DevicePassword) -> Self {
        Device {
            key,
            group_key,
            password,
        }
    }

    /// The device key (sent as DEVICE_KEY).
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The device group key (plays the pool name's part in device SRP).
    pub fn group_key(&self) -> &str {
        &self.group_key
    }

    /// The device's secret password.
    pub fn password(&self) -> &DevicePassword {
        &self.password
    }
}

/// One device in [`CognitoClient::list_devices`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeviceListing {
    /// The device key.
    pub key: String,
    /// The `device_name` attribute, when set.
    pub name: Option<String>,
    /// When the device last signed in (Unix seconds).
    pub last_authenticated: Option<i64>,
    /// `remembered` / `not_remembered`, when known.
    pub status: Option<String>,
}

impl CognitoClient {
    /// The same client, sending `device` as DEVICE_KEY (a device remembered earlier).
    pub fn with_device(mut self, device: Option<Device>) -> Self {
        self.device = device;
        self
    }

    /// The same client, confirming (or not) new devices Cognito offers to remember.
    pub fn remember_new_devices(mut self, remember: bool) -> Self {
        self.remember_new_devices = remember;
        self
    }

    /// After a sign-in step: prove the remembered device when Cognito asks
    /// (DEVICE_SRP_AUTH), confirm a new device when Cognito offers one, and carry the device
    /// into the session.
    pub(crate) async fn settle(&self, outcome: SignIn) -> Result<SignIn> {
        let outcome = match (outcome, &self.device) {
            (SignIn::Challenge(c), Some(device)) if c.kind == ChallengeKind::DeviceSrpAuth => {
                self.prove_device(c, device).await?
            }
            (other, _) => other,
        };
        let SignIn::Done(mut session) = outcome else {
            return Ok(outcome);
        };
        match session.new_device.take() {
            Some((key, group_key)) if self.remember_new_devices => {
                let device = self.confirm_device(&session, key, group_key).await?;
                session.set_device(Some(device));
            }
            Some(_) => session.set_device(None),
            None => session.set_device(self.device.clone()),
        }
        Ok(SignIn::Done(session))
    }

    async fn prove_device(&self, challenge: Challenge, device: &Device) -> Result<SignIn> {
        let srp = SrpClient::generate().map_err(|e| Error::Srp(Cause::new(e)))?;
        let responses = vec![
            ("USERNAME".to_owned(), challenge.username.clone()),
            ("SRP_A".to_owned(), srp.large_a_hex()),
        ];
        let next = self
            .respond_raw(challenge, ChallengeNameType::DeviceSrpAuth, responses)
            .await?;
        let SignIn::Challenge(verifier) = next else {
            return Ok(next);
        };
        if verifier.kind != ChallengeKind::DevicePasswordVerifier {
            return Ok(SignIn::Challenge(verifier));
        }
        let secret_block = verifier.required("SECRET_BLOCK")?.to_owned();
        let timestamp = srp::cognito_timestamp(clock::unix_seconds(self.clock.now()));
        let claim = srp
            .password_claim(&srp::ClaimInput {
                pool_name: device.group_key(),
                user_id: device.key(),
                password: device.password().secret(),
                srp_b_hex: verifier.required("SRP_B")?,
                salt_hex: verifier.required("SALT")?,
                secret_block_b64: &secret_block,
                timestamp: &timestamp,
            })
            .map_err(|e| Error::Srp(Cause::new(e)))?;
        let responses = vec![
            ("USERNAME".to_owned(), verifier.username.clone()),
            ("PASSWORD_CLAIM_SECRET_BLOCK".to_owned(), secret_block),
            ("PASSWORD_CLAIM_SIGNATURE".to_owned(), claim.signature),
            ("TIMESTAMP".to_owned(), timestamp),
        ];
        self.respond_raw(
            verifier,
            ChallengeNameType::DevicePasswordVerifier,
            responses,
        )
        .await
    }

    /// ConfirmDevice: registers a random device password's SRP verifier, then marks the
    /// device remembered when the pool leaves that to the user.
    async fn confirm_device(
        &self,
        session: &Session,
        key: String,
        group_key: String,
    ) -> Result<Device> {
        let span = tracing::info_span!("confirm_device");
        let secret = DeviceSecret::generate().map_err(|e| Error::Srp(Cause::new(e)))?;
        let config = secret.verifier_config(&group_key, &key);
        let verifier = DeviceSecretVerifierConfigType::builder()
            .password_verifier(config.password_verifier)
            .salt(config.salt)
            .build();
        let out = self
            .idp
            .confirm_device()
            .access_token(session.access_token().secret())
            .device_key(&key)
            .device_secret_verifier_config(verifier)
            .device_name(device_name())
            .send()
            .instrument(span.clone())
            .await
            .map_err(|e| self.map_error(e, None))?;
        if out.user_confirmation_necessary() {
            self.idp
                .update_device_status()
                .access_token(session.access_token().secret())
                .device_key(&key)
                .device_remembered_status(
                    aws_sdk_cognitoidentityprovider::types::DeviceRememberedStatusType::Remembered,
                )
                .send()
                .instrument(span)
                .await
                .map_err(|e| self.map_error(e, None))?;
        }
        Ok(Device::new(
            key,
            group_key,
            DevicePassword::new(secret.password()),
        ))
    }

    /// ListDevices for the signed-in user.
    ///
    /// # Errors
    /// [`Error::SignInAgain`] for an expired session; Cognito and network errors.
    pub async fn list_devices(&self, session: &Session) -> Result<Vec<DeviceListing>> {
        let mut devices = Vec::new();
        let mut token = None;
        // Bounded: 60 per page is Cognito's maximum; nobody has 6,000 devices.
        for _ in 0..100 {
            let out = self
                .idp
                .list_devices()
                .access_token(session.access_token().secret())
                .limit(60)
                .set_pagination_token(token.take())
                .send()
                .await
                .map_err(|e| self.map_error(e, None))?;
            for d in out.devices() {
                let attr = |name: &str| {
                    d.device_attributes()
                        .iter()
                        .find(|a| a.name() == name)
                        .and_then(|a| a.value())
                        .map(str::to_owned)
                };
                devices.push(DeviceListing {
                    key: d.device_key().unwrap_or_default().to_owned(),
                    name: attr("device_name"),
                    last_authenticated: d.device_last_authenticated_date().map(|t| t.secs()),
                    status: attr("device_status"),
                });
            }
            match out.pagination_token {
                Some(next) => token = Some(next),
                None => break,
            }
        }
        Ok(devices)
    }

    /// ForgetDevice: Cognito stops remembering the device.
    ///
    /// # Errors
    /// [`Error::DeviceNotFound`] for an unknown key; Cognito and network errors.
    pub async fn forget_device(&self, session: &Session, key: &str) -> Result<()> {
        self.idp
            .forget_device()
            .access_token(session.access_token().secret())
            .device_key(key)
            .send()
            .await
            .map_err(|e| self.map_error(e, None))?;
        Ok(())
    }
}

/// What the device is called in the user's device list.
fn device_name() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown host".into());
    format!("ul-auth on {host}")
}
