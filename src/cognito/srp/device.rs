//! Remembered devices: the device's own secret (password and salt), and the verifier
//! `ConfirmDevice` registers for it, made with the same maths as a user's.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use zeroize::Zeroizing;

#[cfg(doc)]
use super::ClaimInput;
use super::{
    DEVICE_PASSWORD_BYTES, DEVICE_SALT_BYTES, HASH_BITS, SrpError, be_bytes_minimal, compute_x,
    pad, pow_g, to_hex_unpadded, trim_leading_zeros,
};

/// The secret a remembered device keeps: its random password and the salt of its verifier.
///
/// Store both with the device key and group key. The password answers every later
/// `DEVICE_PASSWORD_VERIFIER` challenge; [`verifier_config`](Self::verifier_config) goes to
/// `ConfirmDevice` once.
pub struct DeviceSecret {
    password: Zeroizing<String>,
    salt: [u8; DEVICE_SALT_BYTES],
}

impl DeviceSecret {
    /// A fresh device secret: base64 of 40 random bytes as the password (as the JS library makes
    /// it) and 16 random bytes of salt.
    ///
    /// # Errors
    /// [`SrpError::Random`] if the operating system has no randomness to give.
    pub fn generate() -> Result<Self, SrpError> {
        let mut password_bytes = Zeroizing::new([0u8; DEVICE_PASSWORD_BYTES]);
        let mut salt = [0u8; DEVICE_SALT_BYTES];
        getrandom::fill(password_bytes.as_mut()).map_err(SrpError::Random)?;
        getrandom::fill(&mut salt).map_err(SrpError::Random)?;
        Ok(Self::from_random_bytes(&password_bytes, salt))
    }

    /// The secret [`generate`](Self::generate) makes from the given random bytes: the password
    /// is their base64, as in the JS library.
    pub fn from_random_bytes(
        password_bytes: &[u8; DEVICE_PASSWORD_BYTES],
        salt: [u8; DEVICE_SALT_BYTES],
    ) -> Self {
        Self::from_parts(STANDARD.encode(password_bytes), salt)
    }

    /// A device secret from known parts: a stored one, or a fixed one in tests.
    pub fn from_parts(password: String, salt: [u8; DEVICE_SALT_BYTES]) -> Self {
        Self {
            password: Zeroizing::new(password),
            salt,
        }
    }

    /// The device password, for [`ClaimInput::password`] in device SRP.
    pub fn password(&self) -> &str {
        &self.password
    }

    /// The raw salt bytes.
    pub fn salt(&self) -> &[u8; DEVICE_SALT_BYTES] {
        &self.salt
    }

    /// `ConfirmDevice`'s `DeviceSecretVerifierConfig` for this secret.
    pub fn verifier_config(
        &self,
        device_group_key: &str,
        device_key: &str,
    ) -> DeviceVerifierConfig {
        device_verifier(device_group_key, device_key, &self.password, &self.salt)
    }
}

impl fmt::Debug for DeviceSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceSecret")
            .field("password", &"[redacted]")
            .field("salt", &to_hex_unpadded(&self.salt))
            .finish()
    }
}

/// `DeviceSecretVerifierConfig` for `ConfirmDevice`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeviceVerifierConfig {
    /// `PasswordVerifier`: base64 of `pad(g^x mod N)`.
    pub password_verifier: String,
    /// `Salt`: base64 of `pad(salt)`. The JS library reads the random salt as a number, so
    /// leading zero bytes are dropped and a `0x00` goes before a high first byte; Cognito later
    /// returns it as the `SALT` of device challenges.
    pub salt: String,
}

/// The device verifier `g^x mod N`, `x = H(pad(salt) | H(groupKey | deviceKey | ":" | password))`,
/// encoded as `ConfirmDevice` wants it. `salt` is big-endian bytes of any length.
pub fn device_verifier(
    device_group_key: &str,
    device_key: &str,
    device_password: &str,
    salt: &[u8],
) -> DeviceVerifierConfig {
    let salt = trim_leading_zeros(salt);
    let x = compute_x(device_group_key, device_key, device_password, salt);
    let verifier = pow_g(&*x, HASH_BITS).retrieve();
    DeviceVerifierConfig {
        password_verifier: STANDARD.encode(pad(&be_bytes_minimal(&verifier))),
        salt: STANDARD.encode(pad(salt)),
    }
}
