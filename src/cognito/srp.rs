//! Cognito's SRP-6a, the maths only: no I/O, no clock, and no randomness except in the
//! `generate` constructors, which have deterministic twins for tests.
//!
//! Cognito's variant differs from RFC 5054 in details a generic SRP library gets wrong, so
//! everything here follows what amazon-cognito-identity-js (`AuthenticationHelper`) and pycognito
//! (`AWSSRP`) put on the wire:
//!
//! * group: the RFC 3526 3072-bit prime `N`, `g = 2`, `H = SHA-256`, `k = H(pad(N) | pad(g))`;
//! * `pad(n)` is the minimal big-endian two's-complement encoding of `n ≥ 0` (Java's
//!   `BigInteger.toByteArray`): no leading zero bytes, except one `0x00` when the first byte has
//!   its top bit set. Every hash and the HKDF see these bytes, never a fixed-width encoding, which
//!   is why a port that pads to 384 bytes fails about one sign-in in 256;
//! * `u = H(pad(A) | pad(B))`, `x = H(pad(salt) | H(poolName | userId | ":" | password))`;
//! * `S = (B - k·g^x)^(a + u·x) mod N`; key = HKDF-SHA256(ikm `pad(S)`, salt `pad(u)`,
//!   info `"Caldera Derived Key"`), 16 bytes;
//! * signature = `base64(HMAC-SHA256(key, poolName | userId | secretBlock | timestamp))`.
//!
//! Remembered devices run the same maths with the device group key as the pool name and the
//! device key as the user id; [`DeviceSecret`] makes the verifier `ConfirmDevice` registers.
//!
//! Exponentiations with secret exponents (`a`, `x`, `a + u·x`) are constant-time in the exponent's
//! value; they leak only a public bound on its length.

use std::fmt;

use base64::Engine as _;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use crypto_bigint::modular::ConstMontyForm;
use crypto_bigint::{CtAssign as _, CtEq as _, NonZero, U256, U512, U3072, U6144, Uint, Word};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::clock::Civil;

/// The RFC 3526 3072-bit MODP prime, as in both reference libraries.
const N_HEX: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74",
    "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437",
    "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05",
    "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB",
    "9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718",
    "3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33",
    "A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864",
    "D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2",
    "08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
);

/// `k = H(pad(N) | pad(g))`, fixed by the group; a test recomputes it.
const K_HEX: &str = "538282c4354742d7cbbde2359fcf67f9f5b3a6b08791e5011b43b8a5b66d9ee6";

// N's Montgomery constants are computed at compile time, so no call pays for them.
mod group {
    crypto_bigint::const_monty_params!(Modulus, crypto_bigint::U3072, super::N_HEX);
}

type Residue = ConstMontyForm<group::Modulus, { U3072::LIMBS }>;

const N: U3072 = U3072::from_be_hex(N_HEX);
const NON_ZERO_N: NonZero<U3072> = NonZero::<U3072>::new_unwrap(N);
const G: Residue = Residue::new(&U3072::from_u8(2));
const K: Residue = Residue::new(&U256::from_be_hex(K_HEX).resize());

/// Bytes of a group element, and the most an injected `a` may have.
const GROUP_BYTES: usize = 384;
/// SHA-256 output: the bit length of `x` and `u`.
const HASH_BITS: u32 = 256;
/// What the reference libraries draw for `a`.
const SMALL_A_BYTES: usize = 128;
/// `B` may exceed `N` (the libraries reduce it) but not without bound: twice the group size is
/// far above anything a real server sends and keeps the reduction a fixed-size one.
const MAX_B_BYTES: usize = 2 * GROUP_BYTES;
const DEVICE_PASSWORD_BYTES: usize = 40;
const DEVICE_SALT_BYTES: usize = 16;

const HKDF_INFO: &[u8] = b"Caldera Derived Key";

/// Node's `Buffer.from(s, 'base64')` and Python's `b64decode` both take a secret block with or
/// without its trailing `=`, so we do too.
const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Why an SRP step could not be computed.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum SrpError {
    /// The server's `SRP_B` is zero modulo `N` (or longer than 6144 bits). A client that answered
    /// would give a forged server a key it can compute without knowing the password.
    #[error("server sent an invalid SRP_B (zero modulo N or longer than 6144 bits)")]
    InvalidServerB,
    /// `u = H(pad(A) | pad(B))` is zero, which would make `S` independent of the password.
    #[error("SRP scrambling parameter u is zero")]
    ZeroU,
    /// A challenge field that should be a hexadecimal number is empty or has other characters.
    #[error("{field} is not a hexadecimal number")]
    BadHex {
        /// The challenge parameter, e.g. `SRP_B`.
        field: &'static str,
    },
    /// A challenge field that should be base64 is empty or not base64.
    #[error("{field} is not valid base64")]
    BadBase64 {
        /// The challenge parameter, e.g. `SECRET_BLOCK`.
        field: &'static str,
    },
    /// The injected secret exponent is empty, longer than 384 bytes, or zero modulo `N`.
    #[error("the SRP secret exponent must be 1 to 384 bytes and not zero modulo N")]
    InvalidSmallA,
    /// The operating system's random number generator failed.
    #[error("operating system randomness failed: {0}")]
    Random(getrandom::Error),
}

/// The client half of one SRP exchange: the secret `a` and the public `A = g^a mod N`.
///
/// Make one per `InitiateAuth`, send [`large_a_hex`](Self::large_a_hex) as `SRP_A`, and answer
/// the `PASSWORD_VERIFIER` (or `DEVICE_PASSWORD_VERIFIER`) challenge with
/// [`password_claim`](Self::password_claim). `a` is wiped on drop and never printed.
pub struct SrpClient {
    small_a: Zeroizing<U3072>,
    /// A public bound on the bit length of `a` (8 × its byte length): exponentiations walk this
    /// many bits whatever `a`'s value, so timing reveals only the length the caller chose.
    small_a_bits: u32,
    large_a: U3072,
}

impl SrpClient {
    /// A client with a fresh 128-byte secret from the operating system, as the libraries draw it.
    ///
    /// # Errors
    /// [`SrpError::Random`] if the operating system has no randomness to give.
    pub fn generate() -> Result<Self, SrpError> {
        let mut bytes = Zeroizing::new([0u8; SMALL_A_BYTES]);
        getrandom::fill(bytes.as_mut()).map_err(SrpError::Random)?;
        Self::from_small_a(bytes.as_ref())
    }

    /// A client with the given secret exponent `a` (big-endian bytes), for tests and
    /// reproducible runs. Like pycognito, `a` is taken modulo `N`.
    ///
    /// # Errors
    /// [`SrpError::InvalidSmallA`] if `a_be_bytes` is empty, longer than 384 bytes, or zero
    /// modulo `N` (which would make `A = 1`).
    pub fn from_small_a(a_be_bytes: &[u8]) -> Result<Self, SrpError> {
        if a_be_bytes.is_empty() || a_be_bytes.len() > GROUP_BYTES {
            return Err(SrpError::InvalidSmallA);
        }
        let mut buf = Zeroizing::new([0u8; GROUP_BYTES]);
        buf[GROUP_BYTES - a_be_bytes.len()..].copy_from_slice(a_be_bytes);
        let small_a = Zeroizing::new(U3072::from_be_slice(buf.as_ref()).rem(&NON_ZERO_N));
        if bool::from(small_a.is_zero()) {
            return Err(SrpError::InvalidSmallA);
        }
        // At most 3072, so the cast cannot truncate.
        let small_a_bits = (a_be_bytes.len() * 8) as u32;
        let large_a = pow_g(&*small_a, small_a_bits).retrieve();
        Ok(Self {
            small_a,
            small_a_bits,
            large_a,
        })
    }

    /// `SRP_A` for `InitiateAuth`: lowercase hex of `A` without leading zeros, as the libraries
    /// send it.
    pub fn large_a_hex(&self) -> String {
        to_hex_unpadded(&be_bytes_minimal(&self.large_a))
    }

    /// The `PASSWORD_CLAIM_SIGNATURE` that answers a password-verifier challenge.
    ///
    /// # Errors
    /// [`SrpError::BadHex`] or [`SrpError::BadBase64`] if `SRP_B`, `SALT` or `SECRET_BLOCK` is
    /// malformed, [`SrpError::InvalidServerB`] if `B ≡ 0 (mod N)`, [`SrpError::ZeroU`] if
    /// `u = 0`.
    pub fn password_claim(&self, input: &ClaimInput<'_>) -> Result<PasswordClaim, SrpError> {
        self.claim_steps(input).map(|steps| steps.claim)
    }

    /// [`password_claim`](Self::password_claim) keeping every intermediate value, so the vector
    /// tests can check each step rather than only the final signature.
    fn claim_steps(&self, input: &ClaimInput<'_>) -> Result<ClaimSteps, SrpError> {
        let b_bytes = parse_hex("SRP_B", input.srp_b_hex)?;
        let b = reduce_server_b(&b_bytes)?;
        let salt = parse_hex("SALT", input.salt_hex)?;
        let secret_block = decode_base64("SECRET_BLOCK", input.secret_block_b64)?;

        // u hashes B as sent, not reduced: the libraries hash the number they were given.
        let u_digest = sha256(&[&pad(&be_bytes_minimal(&self.large_a)), &pad(&b_bytes)]);
        let u = U256::from_be_slice(&u_digest);
        if bool::from(u.is_zero()) {
            return Err(SrpError::ZeroU);
        }
        let x = compute_x(input.pool_name, input.user_id, input.password, &salt);

        // Montgomery subtraction wraps modulo N instead of going negative, which is the
        // libraries' `(B - k·g^x) mod N`.
        let base = b.sub(&K.mul(&pow_g(&*x, HASH_BITS)));
        // a < N < 2^3072 - 2^3005 and u·x < 2^512, so a + u·x fits in 3072 bits.
        let ux: U512 = u.concatenating_mul(&*x);
        let exponent = Zeroizing::new(self.small_a.wrapping_add(&ux.resize()));
        let exponent_bits = self.small_a_bits.max(2 * HASH_BITS) + 1;
        let s = Zeroizing::new(
            base.pow_amm_bounded_exp(&exponent, exponent_bits)
                .retrieve(),
        );

        let mut key = Zeroizing::new([0u8; 16]);
        hkdf::Hkdf::<Sha256>::new(
            Some(&pad(trim_leading_zeros(&u_digest))),
            &Zeroizing::new(pad(&be_bytes_minimal(&*s))),
        )
        .expand(HKDF_INFO, key.as_mut())
        .expect("16 bytes is within HKDF-SHA256's 8160-byte output limit");

        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.as_ref())
            .expect("HMAC takes keys of any length");
        mac.update(input.pool_name.as_bytes());
        mac.update(input.user_id.as_bytes());
        mac.update(&secret_block);
        mac.update(input.timestamp.as_bytes());
        let signature = STANDARD.encode(mac.finalize().into_bytes());

        Ok(ClaimSteps {
            x,
            u,
            s,
            key,
            claim: PasswordClaim {
                signature,
                timestamp: input.timestamp.to_owned(),
            },
        })
    }
}

impl fmt::Debug for SrpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SrpClient")
            .field("small_a", &"[redacted]")
            .field("large_a", &self.large_a_hex())
            .finish()
    }
}

/// What a password-verifier challenge supplies, plus the caller's secret and timestamp.
///
/// For a remembered device (`DEVICE_PASSWORD_VERIFIER`), `pool_name` is the device group key,
/// `user_id` the device key and `password` the device password.
#[derive(Clone, Copy)]
pub struct ClaimInput<'a> {
    /// The part of the user pool id after `_` (see [`pool_name`]), or the device group key.
    pub pool_name: &'a str,
    /// The challenge's `USER_ID_FOR_SRP` (not necessarily what the user typed), or the device key.
    pub user_id: &'a str,
    /// The user's password, or the device password.
    pub password: &'a str,
    /// The challenge's `SRP_B`, hex.
    pub srp_b_hex: &'a str,
    /// The challenge's `SALT`, hex.
    pub salt_hex: &'a str,
    /// The challenge's `SECRET_BLOCK`, base64; sent back unchanged as
    /// `PASSWORD_CLAIM_SECRET_BLOCK`.
    pub secret_block_b64: &'a str,
    /// The `TIMESTAMP` to send, from [`cognito_timestamp`]. It is signed, so it must be sent
    /// exactly as given here.
    pub timestamp: &'a str,
}

impl fmt::Debug for ClaimInput<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClaimInput")
            .field("pool_name", &self.pool_name)
            .field("user_id", &self.user_id)
            .field("password", &"[redacted]")
            .field("srp_b_hex", &self.srp_b_hex)
            .field("salt_hex", &self.salt_hex)
            .field("secret_block_b64", &self.secret_block_b64)
            .field("timestamp", &self.timestamp)
            .finish()
    }
}

/// The answer to a password-verifier challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PasswordClaim {
    /// `PASSWORD_CLAIM_SIGNATURE`, base64.
    pub signature: String,
    /// `TIMESTAMP`: the string the signature covers.
    pub timestamp: String,
}

/// One claim's intermediate values.
#[cfg_attr(not(test), allow(dead_code, reason = "read only by the vector tests"))]
struct ClaimSteps {
    x: Zeroizing<U256>,
    u: U256,
    s: Zeroizing<U3072>,
    key: Zeroizing<[u8; 16]>,
    claim: PasswordClaim,
}

/// The `TIMESTAMP` Cognito expects, e.g. `Sun Nov 2 18:07:27 UTC 2025`: English names, UTC, and
/// the day of the month without a leading zero (Java's `EEE MMM d HH:mm:ss z yyyy`).
pub fn cognito_timestamp(unix_seconds: i64) -> String {
    let c = Civil::from_unix(unix_seconds);
    format!(
        "{} {} {} {:02}:{:02}:{:02} UTC {}",
        WEEKDAYS[c.weekday as usize % 7],
        MONTHS[(c.month as usize + 11) % 12],
        c.day,
        c.hour,
        c.minute,
        c.second,
        c.year
    )
}

/// The pool name SRP hashes: the part of a user pool id after the first `_`
/// (`eu-west-1_AbC123` → `AbC123`). An id without `_` is returned whole.
pub fn pool_name(user_pool_id: &str) -> &str {
    match user_pool_id.split_once('_') {
        Some((_, name)) => name,
        None => user_pool_id,
    }
}

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

/// `g^exponent`, where `exponent < 2^bits` and `bits` is public.
fn pow_g<const LIMBS: usize>(exponent: &Uint<LIMBS>, bits: u32) -> Residue {
    if bits <= COMB_X.max_bits() {
        COMB_X.pow(exponent.as_words())
    } else if bits <= COMB_A.max_bits() {
        COMB_A.pow(exponent.as_words())
    } else {
        G.pow_bounded_exp(exponent, bits)
    }
}

/// Fixed-base exponentiation of `g` by a 4-tooth comb (Lim–Lee). The exponent bits at
/// `c`, `c + s`, `c + 2s` and `c + 3s` index a table of products of `g^(2^(i·s))`, so a
/// `4s`-bit exponent costs `s` squarings and `s` multiplications where square-and-multiply with
/// 4-bit windows needs `4s` squarings and `s` multiplications: `A` comes out about 2.4 times
/// faster. The table is read in full at every step, so which entry is used does not show.
struct Comb {
    spacing: u32,
    table: [Residue; 16],
}

/// For `A = g^a` with `a` of up to 1024 bits.
const COMB_A: Comb = Comb::new(256, [G_POW_2_256, G_POW_2_512, G_POW_2_768]);
/// For `g^x` with a 256-bit `x`.
const COMB_X: Comb = Comb::new(64, [G_POW_2_64, G_POW_2_128, G_POW_2_192]);

impl Comb {
    /// `bases[i - 1]` is `g^(2^(i·spacing)) mod N` as plain hex; computing those at compile time
    /// would take const evaluation half a minute, so they are literals a test recomputes.
    const fn new(spacing: u32, bases: [&str; 3]) -> Self {
        let powers = [
            G,
            Residue::new(&U3072::from_be_hex(bases[0])),
            Residue::new(&U3072::from_be_hex(bases[1])),
            Residue::new(&U3072::from_be_hex(bases[2])),
        ];
        let mut table = [Residue::ONE; 16];
        let mut j = 1;
        while j < 16 {
            // Entry j = entry (j without its lowest set bit) × the power for that bit.
            let rest = j & (j - 1);
            table[j] = table[rest].mul(&powers[(j ^ rest).trailing_zeros() as usize]);
            j += 1;
        }
        Self { spacing, table }
    }

    const fn max_bits(&self) -> u32 {
        4 * self.spacing
    }

    /// `g^e` for `e < 2^max_bits`, given as little-endian words.
    fn pow(&self, exponent: &[Word]) -> Residue {
        // Positions are public; only the bit values are secret.
        let bit = |pos: u32| -> Word {
            let limb = (pos / Word::BITS) as usize;
            exponent
                .get(limb)
                .map_or(0, |w| (w >> (pos % Word::BITS)) & 1)
        };
        let mut acc = Residue::ONE;
        for column in (0..self.spacing).rev() {
            acc = acc.square();
            let index = (0..4).fold(0, |index, tooth| {
                index | (bit(column + tooth * self.spacing) << tooth)
            });
            let mut entry = self.table[0];
            for (j, candidate) in (0..).zip(&self.table) {
                entry.ct_assign(candidate, index.ct_eq(&j));
            }
            acc = acc.mul(&entry);
        }
        acc
    }
}

const G_POW_2_64: &str = concat!(
    "24d45fec935a7ce5568c844b7d4936784543c5f9ca8982eb5be6eb39785c8e40",
    "c88e31bb110275c52dd3ed7c5c929b311bdedef320e0b85102ad61381f696d39",
    "48c0ccc8d608f8c3c554f6c6f8c052bb7ebc95580d2e04319eb5b451f21d355d",
    "53081fade5618342188218466c716093da85981318a58cd6eddebe7f6b0185b3",
    "7876cf3571ead6a3df1a6811a3f8d64a622572b02bdd8ccb9e429f11ff01c082",
    "b10ad0bd8bb1b5845bdadf46c1b5e4558253a55dd88962acadd5a47df89afb1b",
    "ee4c2511812c74fecaf661a58a61319ed5682f217fe1498770d05b4c26b46f21",
    "f9c86457bd2fff95dcf52bca566edc412eeb3973b81891b9c18e3eb8120762ad",
    "04496de506d3e66005d67bb6aa80900bade29104716194b3bbae44fb9eb51eff",
    "be409b305af4f431fa154ae3ebfbade7d36bcc0d6657c34226c6303f6c10314e",
    "8dec9a8c1257f1c144922160eb4b87f0f737f2f43276187a243dc69c828cdecc",
    "961aceb0167d22f7b86635d97393327259c016af1ec7cdecb13060ce5bf63dca",
);
const G_POW_2_128: &str = concat!(
    "8c91af84249658896165e3e190488d84241d642b509d63551e46eb58c5d315bc",
    "3c8886c34fcdbd10882dd3d7dfda5d407cc80cf6c9fc8fb6cb36c9e366b3c2ae",
    "3704ee863a08d0d82b5bce7d2e6efe1667dd7a68cb5328855c156d8e35984ded",
    "8ec26c97cf92adba6c1c5718cd07cbbb7d099337e9304777e11f37a36c2851ee",
    "b66a3f6bd44d67b93a3a6937ec493ea1731c25c7132cbb3bf82217c356d51e09",
    "20c7429d710876de0dabc1bcd4c0b12136379df592b6aadd3488dd384aae221e",
    "49d4dde76db6c02a24f6e636fe6c53f2ae84e252731dec6f2716d511f1fc49f9",
    "37fd3b99326b123667d61a3f215b70c8a1a0b46128e58c0b0bb171831fa77290",
    "1bba3874faf37f31ba5887f8facb8bd3ce99c20cf52160c226dfa867b942473b",
    "52d884922940a49ca0e2ed2e09a786f73f2dc7d6163d3e2ae0b94ebc038f0327",
    "705377c48cfc21817950c9847526707a7d737601b2195e10db219bd9c0e3771f",
    "2fd832038c8f9245e855efaf433c487a1f2eea103873d7684f9088e07806734a",
);
const G_POW_2_192: &str = concat!(
    "91938495281e0db3fcb28ce10a65827fc0d6e2379df6c34a6a25601d08fd69ca",
    "7017933e0ac3b54d9cd5b75095d04de5da1f2f678eca1642c61f31da766ef3e2",
    "b99377d87c51b97ca97ad9cca0ebd08dfabbc71ac9a52ef3851fb52d8c9c7653",
    "c0f58bf941808da25f196008ee855e3e23ee2a717cb2941b4601f0214dc56088",
    "47f6a234712686a331203b9797c8f22a3199937ce1fa94b0bf6a4b29ffbf52d6",
    "31fddf5996d75ec1c07a6a598cf31a24484de28e4ff4b604a7259610387276a2",
    "b6ca8e398ef31c79951591946f7896d73426d729b565923a29ac8474a9679220",
    "bf2fca4b391efb930e48e5561d38d49956a30c2c9e80bb081d1ac85ade60a8ed",
    "dba0af98a67c857087da66a5a22d912e1eb52ed1494c88ae7ca68f14c2f1b351",
    "b44d0057bd13ab52d4e481c69c7640b5ec9ee8bcf7cf89f5184e3e79410eac49",
    "be975eab18fcdff23f45015a5edc3ab489f2e54e4d3b20094828380e8cfb9fde",
    "c68d2d82bd475ff05d2f0643785c31cdb980e56eb35b524be1841df24f6ad99f",
);
const G_POW_2_256: &str = concat!(
    "c8be99f3d54d5ad0bd02283135f14fc354362d7b6f62bd2b0cbdb784def4b49b",
    "984691eedfb837e67fd1a1217b2bac44566329bafc322074a7d1e447c90b3932",
    "56f879f75cdc0fd99824d80593a1c08b4745fbdbd72c947f92927d0668bdcdd9",
    "34284f0465c484ce638a724e02731827fc1453d3305f4b1a4697127a2f4babed",
    "cbbb9583663ac4da699eb3951e9f85f943362374f229e189eb3802c66268e516",
    "f0d842f9fb19659eadf08f3e67fb4f0464b07e310f561aa177a773caf657408a",
    "ba80e90d9dc520ebb3ed104ab7a72650b373c6d96a80093b3ccd1d2f02e343de",
    "0b37c7f242d2b300a82e5f662eefb2428c038cc88751e2cd3a80e4e7a0e5157d",
    "9314215b1b2bcc95ffa475dd2d857fc13514011ed25a1082e03f5932534a83d3",
    "47f9931fc823c8b9296ba9427bbc241f092117f226b9cdb7e5bb5775c6da162e",
    "646d4bc1540713d76c91ae7217890c7df67638ae648151dbb696af70168441d7",
    "5ae68bc3da5a4f1806c8c9352f11ceb4f8161dfe9394f8995f13516a40c6f15f",
);
const G_POW_2_512: &str = concat!(
    "cedba5e798c6df14275244ff17332131382f10b3921b2f83e1df46efd383b408",
    "cda7a6d4c61b47d27d037a94106d752c2e4ed1caa8c782d24b0e5b025fced3da",
    "e6a711139562358910e6752d1bdb97bae370917174ed455dc232d6a6803323ed",
    "fd706c995918ae9a20521f1c0e5c5352e7ab5587305e981f000fd1e16b65d966",
    "0c4ed419333601e9bf98604a84e4a63e2f24922dbe454402d18edfec7be64e7e",
    "84839563c1b8ddb46b47d5e83796a71a36eddc598797889fdd3a5e356d95082b",
    "dec3bd28ffd44ace2238f73acd5ab9f4138f558c0e040631779f00b68c17e030",
    "b60f174340480092358e0ff64e91d8bd37f45b155e6a721b69752c2504a951f2",
    "2436f47f593027c5c14ee2bb4a5b2af36e441000b44a9cc9779b0d3e14f9591c",
    "d3b0a333f75681e35d9a5786b0cb8aee1121393f06ab24e1bef679ac27bd927b",
    "1ccc63b29578ee29995e23450b042e0fddb655c0e659bf199158198669ed794c",
    "3df8a248ece01371d3f16b443d37848b268bba3b7434e53f0fc13a7c4114aa1a",
);
const G_POW_2_768: &str = concat!(
    "44fc639b3dee08f5c3425e4d4f76ddf69554bac287f0a21be24873ced6dee8ce",
    "a1918df7b1eaede1e780af945c8afa70eafd08e50dc3a7e9c3e6872237778bf6",
    "6a28f7daaf3ae0dedb616aa03d25292de521a67de11a2bb83e782c62d0428228",
    "7652c87b06d22186effa67b9d63f897225771f88cc7f2d278bbdede2a71ec9dc",
    "92ec9e885006c6c74b20fc8075b1f1c8137a53a178adb7748f6535c80f83128c",
    "fe53f72b8e0bc3e3d4e225d90be07c2a7daec97733575e9a65db2efad7531b4d",
    "c9bc7c807afa3f8d881f59118e07f35606cdd729a7d53524bbef39f57a4b21f8",
    "be4c45adfd70f0bf859f50d97c634ca5e88b0edcaee04f07b6d0863ca7d90003",
    "071a38cd9304f3d9ce54467fc7ec12c804c5bded625533aac4345ac015134570",
    "a4a511023ec4cbef9369d2544fbbf8c931fbf02182695cee7a983485c1c01c83",
    "d179d5408ba6f83c2d0199694d060dc43ea4ba98391c555f86a083bdac3ab0af",
    "af72011f7772fe9779d3b4745fe3c7f42e62f2183d80b42e4f53ba025f3ead05",
);

/// `B mod N` in Montgomery form, refusing `B ≡ 0` and oversized `B`.
fn reduce_server_b(b_bytes: &[u8]) -> Result<Residue, SrpError> {
    if b_bytes.len() > MAX_B_BYTES {
        return Err(SrpError::InvalidServerB);
    }
    let wide: U6144 = uint_from_be(b_bytes).ok_or(SrpError::InvalidServerB)?;
    // B is public, so a variable-time reduction is fine.
    let b = U3072::rem_wide_vartime(wide.split(), &NON_ZERO_N);
    if bool::from(b.is_zero()) {
        return Err(SrpError::InvalidServerB);
    }
    Ok(Residue::new(&b))
}

/// `x = H(pad(salt) | H(name | id | ":" | password))` for `salt` without leading zero bytes.
fn compute_x(name: &str, id: &str, password: &str, salt: &[u8]) -> Zeroizing<U256> {
    let mut inner = Sha256::new();
    inner.update(name.as_bytes());
    inner.update(id.as_bytes());
    inner.update(b":");
    inner.update(password.as_bytes());
    let inner = Zeroizing::new(<[u8; 32]>::from(inner.finalize()));
    let outer = Zeroizing::new(sha256(&[&pad(salt), inner.as_ref()]));
    Zeroizing::new(U256::from_be_slice(outer.as_ref()))
}

fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().into()
}

/// The libraries' `padHex`, as bytes, of a number given without leading zero bytes.
fn pad(magnitude: &[u8]) -> Vec<u8> {
    match magnitude.first() {
        None => vec![0],
        Some(&first) if first & 0x80 != 0 => [&[0], magnitude].concat(),
        Some(_) => magnitude.to_vec(),
    }
}

/// A hex number from the server as big-endian bytes without leading zeros (zero → empty).
///
/// Any number of digits is accepted, odd ones included: Cognito prints its numbers without
/// leading zeros, so one `SRP_B` in sixteen has an odd number of digits.
fn parse_hex(field: &'static str, hex: &str) -> Result<Vec<u8>, SrpError> {
    let nibbles = hex
        .bytes()
        .map(|digit| char::from(digit).to_digit(16).map(|n| n as u8))
        .collect::<Option<Vec<u8>>>()
        .filter(|nibbles| !nibbles.is_empty())
        .ok_or(SrpError::BadHex { field })?;
    let significant = trim_leading_zeros(&nibbles);
    // An odd count leaves a lone high nibble, which is a whole byte of its own.
    let (lone, pairs) = significant.split_at(significant.len() % 2);
    Ok(lone
        .iter()
        .copied()
        .chain(pairs.chunks_exact(2).map(|pair| (pair[0] << 4) | pair[1]))
        .collect())
}

fn decode_base64(field: &'static str, b64: &str) -> Result<Vec<u8>, SrpError> {
    LENIENT_BASE64
        .decode(b64)
        .ok()
        .filter(|bytes| !bytes.is_empty())
        .ok_or(SrpError::BadBase64 { field })
}

fn trim_leading_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

/// Big-endian bytes of `x` without leading zeros (zero → empty); wiped on drop, as `x` may be
/// `S`.
fn be_bytes_minimal<const LIMBS: usize>(x: &Uint<LIMBS>) -> Zeroizing<Vec<u8>> {
    let bytes: Zeroizing<Vec<u8>> = Zeroizing::new(
        x.as_words()
            .iter()
            .rev()
            .flat_map(|word| word.to_be_bytes())
            .collect(),
    );
    Zeroizing::new(trim_leading_zeros(&bytes).to_vec())
}

/// `x` from big-endian bytes, or `None` if they do not fit.
fn uint_from_be<const LIMBS: usize>(bytes: &[u8]) -> Option<Uint<LIMBS>> {
    let width = LIMBS * size_of::<Word>();
    let fill = width.checked_sub(bytes.len())?;
    let mut buf = Zeroizing::new(vec![0u8; width]);
    buf[fill..].copy_from_slice(bytes);
    Some(Uint::from_be_slice(&buf))
}

/// Lowercase hex without leading zeros, as `BigInteger.toString(16)` prints it (zero → `"0"`).
fn to_hex_unpadded(bytes: &[u8]) -> String {
    let hex: String = trim_leading_zeros(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    match hex.strip_prefix('0') {
        Some(rest) => rest.to_owned(),
        None if hex.is_empty() => "0".to_owned(),
        None => hex,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crypto_bigint::U4096;
    use proptest::prelude::*;
    use serde_json::Value;

    const VECTORS: &str = include_str!("../../tests/data/srp_vectors.json");

    fn vectors() -> Value {
        serde_json::from_str(VECTORS).expect("srp_vectors.json is valid JSON")
    }

    fn field<'v>(v: &'v Value, name: &str) -> &'v str {
        v[name]
            .as_str()
            .unwrap_or_else(|| panic!("vector field {name} missing in {v}"))
    }

    fn hex_of<const LIMBS: usize>(x: &Uint<LIMBS>) -> String {
        to_hex_unpadded(&be_bytes_minimal(x))
    }

    fn hex_bytes(hex: &str) -> Vec<u8> {
        parse_hex("test", hex).expect("test hex")
    }

    fn client(small_a_hex: &str) -> SrpClient {
        SrpClient::from_small_a(&hex_bytes(small_a_hex)).expect("valid a")
    }

    fn input<'a>(v: &'a Value) -> ClaimInput<'a> {
        ClaimInput {
            pool_name: field(v, "pool_name"),
            user_id: field(v, "user_id"),
            password: field(v, "password"),
            srp_b_hex: field(v, "srp_b"),
            salt_hex: field(v, "salt"),
            secret_block_b64: field(v, "secret_block"),
            timestamp: field(v, "timestamp"),
        }
    }

    const SOME_A: &str = "6a09e667f3bcc908b2fb1366ea957d3e3adec17512775099da2f590b0667322a";

    fn sample_input(srp_b_hex: &str) -> ClaimInput<'_> {
        ClaimInput {
            pool_name: "AbC123",
            user_id: "0d8e8f5a-user",
            password: "hunter2-Pässword",
            srp_b_hex,
            salt_hex: "8a3c",
            secret_block_b64: "c2VjcmV0IGJsb2Nr",
            timestamp: "Sun Nov 2 18:07:27 UTC 2025",
        }
    }

    #[test]
    fn k_is_the_hash_of_padded_n_and_padded_g() {
        let k = sha256(&[&pad(&be_bytes_minimal(&N)), &pad(&[2])]);
        assert_eq!(to_hex_unpadded(&k), K_HEX);
        assert_eq!(hex_of(&K.retrieve()), K_HEX);
        // N's top bit is set, so pad(N) is 385 bytes starting with 0x00.
        assert_eq!(pad(&be_bytes_minimal(&N)).len(), GROUP_BYTES + 1);
    }

    /// Runs the claim described by `v`'s inputs and checks every step against `expected`.
    fn check_claim(v: &Value, expected: &Value) {
        let name = field(v, "name");
        let c = client(field(v, "small_a"));
        assert_eq!(c.large_a_hex(), field(expected, "large_a"), "A of {name}");
        let steps = c.claim_steps(&input(v)).expect(name);
        assert_eq!(hex_of(&*steps.x), field(expected, "x"), "x of {name}");
        assert_eq!(hex_of(&steps.u), field(expected, "u"), "u of {name}");
        assert_eq!(hex_of(&*steps.s), field(expected, "s"), "S of {name}");
        assert_eq!(
            hex_padded(&*steps.key),
            field(expected, "key"),
            "key of {name}"
        );
        let claim = c.password_claim(&input(v)).expect(name);
        assert_eq!(
            claim.signature,
            field(expected, "signature"),
            "signature of {name}"
        );
        assert_eq!(
            claim.timestamp,
            field(v, "timestamp"),
            "timestamp of {name}"
        );
    }

    #[test]
    fn user_vectors_match_both_reference_libraries_at_every_step() {
        let all = vectors();
        let users = all["user"].as_array().expect("user vectors");
        assert!(users.len() >= 20, "only {} user vectors", users.len());
        for v in users {
            check_claim(v, v);
        }
    }

    #[test]
    fn device_vectors_match_both_reference_libraries() {
        let all = vectors();
        let devices = all["device"].as_array().expect("device vectors");
        assert!(!devices.is_empty());
        for v in devices {
            let name = field(v, "name");
            let password_bytes = hex_array(field(v, "random_bytes_password"));
            let secret = DeviceSecret::from_random_bytes(
                &password_bytes,
                hex_array(field(v, "random_bytes_salt")),
            );
            assert_eq!(secret.password(), field(v, "random_password"), "{name}");

            let (group_key, device_key) = (field(v, "device_group_key"), field(v, "device_key"));
            let x = compute_x(
                group_key,
                device_key,
                secret.password(),
                trim_leading_zeros(secret.salt()),
            );
            assert_eq!(hex_of(&*x), field(v, "x"), "x of {name}");
            let config = secret.verifier_config(group_key, device_key);
            assert_eq!(config.salt, field(v, "salt_b64"), "salt of {name}");
            assert_eq!(
                config.password_verifier,
                field(v, "verifier_b64"),
                "verifier of {name}"
            );
            let sent = |b64: &str| hex_padded(&STANDARD.decode(b64).expect("base64"));
            assert_eq!(
                sent(&config.salt),
                field(v, "salt"),
                "padded salt of {name}"
            );
            assert_eq!(
                sent(&config.password_verifier),
                field(v, "verifier"),
                "{name}"
            );

            // DEVICE_PASSWORD_VERIFIER with the secret registered above.
            let auth = &v["auth"];
            assert_eq!(field(auth, "password"), secret.password(), "{name}");
            check_claim(auth, auth);
        }
    }

    #[test]
    fn salt_with_leading_zero_bytes_is_read_as_a_number_like_the_js_library() {
        // pycognito hashes such a SALT string as given; a verifier made over the salt as a number
        // (as Cognito's, and the JS library's) matches only the JS reading.
        let all = vectors();
        let probes = all["disagreements"]["vectors"]
            .as_array()
            .expect("disagreements");
        assert!(!probes.is_empty());
        for v in probes {
            assert!(field(v, "salt").starts_with("00"));
            check_claim(v, &v["amazon_cognito_identity_js"]);
        }
    }

    #[test]
    fn timestamps_match_both_reference_libraries() {
        let all = vectors();
        let stamps = all["timestamps"].as_array().expect("timestamp vectors");
        assert!(!stamps.is_empty());
        for t in stamps {
            let secs = t["unix_seconds"].as_i64().expect("unix_seconds");
            assert_eq!(cognito_timestamp(secs), field(t, "formatted"), "at {secs}");
        }
    }

    fn hex_padded(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Fixed-size bytes from hex that keeps its leading zeros, as the device random bytes do.
    fn hex_array<const LEN: usize>(hex: &str) -> [u8; LEN] {
        let mut out = [0; LEN];
        assert_eq!(hex.len(), 2 * LEN, "{hex}");
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("hex");
        }
        out
    }

    /// The server's side of SRP-6a for `v = g^x`: `B = k·v + g^b` and `S = (A·v^u)^b`.
    fn simulated_server(client: &SrpClient, x: &U256, b_offset: &U3072) -> (String, U3072) {
        let v = G.pow(x);
        let small_b =
            U256::from_be_hex("bb67ae8584caa73b3c6ef372fe94f82ba54ff53a5f1d36f1510e527fade682d1");
        let large_b = K.mul(&v).add(&G.pow(&small_b)).retrieve();
        // The server may send any B ≡ k·v + g^b (mod N); u hashes what it sent.
        let sent = large_b
            .resize::<{ U6144::LIMBS }>()
            .wrapping_add(&b_offset.resize());
        let b_hex = hex_of(&sent);
        let a_pad = pad(&be_bytes_minimal(&client.large_a));
        let u = U256::from_be_slice(&sha256(&[&a_pad, &pad(&be_bytes_minimal(&sent))]));
        let s = Residue::new(&client.large_a)
            .mul(&v.pow(&u))
            .pow(&small_b)
            .retrieve();
        (b_hex, s)
    }

    #[test]
    fn client_and_a_simulated_server_derive_the_same_s() {
        let c = client(SOME_A);
        let (pool, user, password, salt_hex) = ("Pool", "user-1", "correct horse", "01f4");
        let x = compute_x(pool, user, password, &hex_bytes(salt_hex));
        for offset in [U3072::ZERO, N] {
            let (b_hex, server_s) = simulated_server(&c, &x, &offset);
            let input = ClaimInput {
                pool_name: pool,
                user_id: user,
                password,
                srp_b_hex: &b_hex,
                salt_hex,
                secret_block_b64: "AAAA",
                timestamp: "Mon Jan 5 00:00:00 UTC 2026",
            };
            let steps = c.claim_steps(&input).expect("claim");
            assert_eq!(*steps.s, server_s, "B + {}", hex_of(&offset));
        }
    }

    #[test]
    fn comb_bases_are_the_powers_of_g_they_claim_to_be() {
        for (exponent_log2, hex) in [
            (64, G_POW_2_64),
            (128, G_POW_2_128),
            (192, G_POW_2_192),
            (256, G_POW_2_256),
            (512, G_POW_2_512),
            (768, G_POW_2_768),
        ] {
            let expected = G.square_repeat_vartime(exponent_log2).retrieve();
            assert_eq!(U3072::from_be_hex(hex), expected, "g^(2^{exponent_log2})");
        }
    }

    #[test]
    fn comb_exponentiation_matches_square_and_multiply() {
        let patterns = [
            U3072::ZERO,
            U3072::ONE,
            U3072::from_u8(2),
            U3072::MAX.shr_vartime(3072 - 256),
            U3072::MAX.shr_vartime(3072 - 1024),
            U3072::ONE.shl_vartime(255),
            U3072::ONE.shl_vartime(1023),
            U3072::from_be_hex(&format!("{:0>768}", SOME_A)),
            U3072::from_be_hex(&format!("{:0>768}", SOME_A.repeat(4))),
        ];
        for e in patterns {
            let bits = if e.bit_width() <= 256 { 256 } else { 1024 };
            let plain = G.pow_bounded_exp(&e, bits).retrieve();
            assert_eq!(pow_g(&e, bits).retrieve(), plain, "g^{}", hex_of(&e));
            assert_eq!(
                COMB_A.pow(e.as_words()).retrieve(),
                plain,
                "g^{}",
                hex_of(&e)
            );
        }
        let long_a = [0xa5; GROUP_BYTES - 1];
        let via_fallback = SrpClient::from_small_a(&long_a).unwrap();
        let e = U3072::from_be_slice(&[&[0], &long_a[..]].concat());
        assert_eq!(via_fallback.large_a, G.pow(&e).retrieve());
        assert!(via_fallback.password_claim(&sample_input("1234")).is_ok());
    }

    #[test]
    fn pad_adds_a_zero_byte_when_the_high_bit_is_set() {
        assert_eq!(pad(&[0x80]), vec![0x00, 0x80]);
        assert_eq!(pad(&[0xff, 0x01]), vec![0x00, 0xff, 0x01]);
        assert_eq!(pad(&[0x7f, 0xff]), vec![0x7f, 0xff]);
        assert_eq!(
            pad(&hex_bytes("8")),
            vec![0x08],
            "a lone high nibble is not a high bit"
        );
    }

    #[test]
    fn pad_prefixes_odd_length_hex_with_a_zero_nibble() {
        assert_eq!(hex_bytes("abc"), vec![0x0a, 0xbc]);
        assert_eq!(pad(&hex_bytes("abc")), vec![0x0a, 0xbc]);
        assert_eq!(pad(&hex_bytes("fabc")), vec![0x00, 0xfa, 0xbc]);
        assert_eq!(pad(&hex_bytes("1")), vec![0x01]);
    }

    #[test]
    fn pad_reads_hex_as_a_number() {
        // Leading zeros are not part of the number, and zero is a single zero byte.
        assert_eq!(pad(&hex_bytes("0000ff")), vec![0x00, 0xff]);
        assert_eq!(pad(&hex_bytes("000")), vec![0x00]);
        assert_eq!(pad(&hex_bytes("00AbC")), vec![0x0a, 0xbc]);
    }

    #[test]
    fn malformed_hex_is_an_error_naming_the_field() {
        for bad in ["", "0x12", "12 34", "g", "١٢"] {
            assert!(
                matches!(
                    parse_hex("SALT", bad),
                    Err(SrpError::BadHex { field: "SALT" })
                ),
                "{bad:?}"
            );
        }
        let c = client(SOME_A);
        let err = c.password_claim(&sample_input("zz")).unwrap_err();
        assert!(
            matches!(err, SrpError::BadHex { field: "SRP_B" }),
            "{err:?}"
        );
        let input = ClaimInput {
            salt_hex: "",
            ..sample_input("1234")
        };
        let err = c.password_claim(&input).unwrap_err();
        assert!(matches!(err, SrpError::BadHex { field: "SALT" }), "{err:?}");
    }

    #[test]
    fn malformed_secret_block_is_an_error() {
        let c = client(SOME_A);
        for bad in ["", "@@@@", "c2VjcmV0=garbage"] {
            let input = ClaimInput {
                secret_block_b64: bad,
                ..sample_input("1234")
            };
            let err = c.password_claim(&input).unwrap_err();
            assert!(
                matches!(
                    err,
                    SrpError::BadBase64 {
                        field: "SECRET_BLOCK"
                    }
                ),
                "{bad:?}: {err:?}"
            );
        }
    }

    #[test]
    fn secret_block_padding_is_optional() {
        let c = client(SOME_A);
        let padded = ClaimInput {
            secret_block_b64: "c2VjcmV0IGJsb2NrIQ==",
            ..sample_input("1234")
        };
        let unpadded = ClaimInput {
            secret_block_b64: "c2VjcmV0IGJsb2NrIQ",
            ..padded
        };
        assert_eq!(
            c.password_claim(&padded).unwrap(),
            c.password_claim(&unpadded).unwrap()
        );
    }

    #[test]
    fn server_b_that_is_zero_modulo_n_is_rejected() {
        let c = client(SOME_A);
        let n = hex_of(&N);
        let two_n = hex_of(&N.resize::<{ U4096::LIMBS }>().shl_vartime(1));
        let three_n = hex_of(
            &N.resize::<{ U4096::LIMBS }>()
                .wrapping_mul(&U4096::from_u8(3)),
        );
        for b in ["0", "0000", &n, &two_n, &three_n, &format!("000{n}")] {
            let err = c.password_claim(&sample_input(b)).unwrap_err();
            assert!(matches!(err, SrpError::InvalidServerB), "{err:?}");
        }
    }

    #[test]
    fn server_b_longer_than_6144_bits_is_rejected() {
        let c = client(SOME_A);
        let huge = format!("1{}", "0".repeat(MAX_B_BYTES * 2));
        let err = c.password_claim(&sample_input(&huge)).unwrap_err();
        assert!(matches!(err, SrpError::InvalidServerB), "{err:?}");
        let largest = "f".repeat(MAX_B_BYTES * 2);
        assert!(c.password_claim(&sample_input(&largest)).is_ok());
    }

    #[test]
    fn small_a_must_be_nonempty_at_most_384_bytes_and_nonzero_mod_n() {
        assert!(matches!(
            SrpClient::from_small_a(&[]),
            Err(SrpError::InvalidSmallA)
        ));
        assert!(matches!(
            SrpClient::from_small_a(&[0; 16]),
            Err(SrpError::InvalidSmallA)
        ));
        assert!(matches!(
            SrpClient::from_small_a(&[1; 385]),
            Err(SrpError::InvalidSmallA)
        ));
        let n_bytes = be_bytes_minimal(&N);
        assert!(matches!(
            SrpClient::from_small_a(&n_bytes),
            Err(SrpError::InvalidSmallA)
        ));
        assert_eq!(SrpClient::from_small_a(&[2]).unwrap().large_a_hex(), "4");
    }

    #[test]
    fn generated_clients_differ_and_can_answer() {
        let one = SrpClient::generate().unwrap();
        let two = SrpClient::generate().unwrap();
        assert_ne!(one.large_a_hex(), two.large_a_hex());
        assert!(one.large_a_hex().len() > 700);
        assert!(one.password_claim(&sample_input("1234")).is_ok());
    }

    #[test]
    fn large_a_hex_is_lowercase_without_leading_zeros() {
        let a = client(SOME_A).large_a_hex();
        assert!(!a.starts_with('0'));
        assert!(
            a.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        );
        assert_eq!(to_hex_unpadded(&[0x00, 0x0a, 0xbc]), "abc");
        assert_eq!(to_hex_unpadded(&[]), "0");
    }

    #[test]
    fn secrets_do_not_appear_in_debug_output() {
        let c = client(SOME_A);
        let shown = format!("{c:?}");
        assert!(!shown.contains("6a09e667"), "{shown}");
        assert!(shown.contains("[redacted]"));
        let shown = format!("{:?}", sample_input("1234"));
        assert!(!shown.contains("hunter2"), "{shown}");
        let device = DeviceSecret::from_parts("device-pw-secret".into(), [7; 16]);
        assert!(!format!("{device:?}").contains("device-pw-secret"));
    }

    #[test]
    fn timestamp_day_is_not_zero_padded_but_time_is() {
        assert_eq!(
            cognito_timestamp(1_762_106_847),
            "Sun Nov 2 18:07:27 UTC 2025"
        );
        assert_eq!(cognito_timestamp(0), "Thu Jan 1 00:00:00 UTC 1970");
        assert_eq!(
            cognito_timestamp(951_782_400 + 86_399),
            "Tue Feb 29 23:59:59 UTC 2000"
        );
        assert_eq!(
            cognito_timestamp(1_764_547_200),
            "Mon Dec 1 00:00:00 UTC 2025"
        );
    }

    #[test]
    fn timestamps_far_from_now_do_not_panic() {
        for secs in [i64::MIN, -1, i64::MAX] {
            assert!(cognito_timestamp(secs).contains(" UTC "), "{secs}");
        }
    }

    #[test]
    fn pool_name_is_the_part_after_the_region() {
        assert_eq!(pool_name("eu-west-1_AbC123"), "AbC123");
        assert_eq!(pool_name("us-east-1_a_b"), "a_b");
        assert_eq!(pool_name("nounderscore"), "nounderscore");
    }

    #[test]
    fn generated_device_secret_has_a_40_byte_base64_password_and_16_byte_salt() {
        let d = DeviceSecret::generate().unwrap();
        assert_eq!(STANDARD.decode(d.password()).unwrap().len(), 40);
        assert_eq!(d.password().len(), 56);
        assert_ne!(d.salt(), &[0; 16]);
        let config = d.verifier_config("group", "us-east-1_device");
        assert_eq!(
            config,
            device_verifier("group", "us-east-1_device", d.password(), d.salt())
        );
    }

    #[test]
    fn device_salt_is_sent_as_a_padded_number() {
        let mut salt = [0x11; 16];
        salt[0] = 0;
        let config = device_verifier("g", "d", "p", &salt);
        assert_eq!(STANDARD.decode(&config.salt).unwrap(), salt[1..].to_vec());
        let config = device_verifier("g", "d", "p", &[0x90; 16]);
        let sent = STANDARD.decode(&config.salt).unwrap();
        assert_eq!(sent.len(), 17);
        assert_eq!(sent[0], 0);
        let verifier = STANDARD.decode(&config.password_verifier).unwrap();
        assert!(verifier.len() <= GROUP_BYTES + 1);
        assert!(verifier[0] < 0x80);
    }

    fn hexish() -> impl Strategy<Value = String> {
        prop_oneof![
            ".{0,40}",
            "[0-9a-fA-F]{0,20}",
            "[0-9a-f]{760,775}",
            "0{0,3}[0-9a-f]{1,1600}",
            "[0-9a-fA-F]{1,10}[^0-9a-fA-F][0-9a-f]{0,10}",
        ]
    }

    fn base64ish() -> impl Strategy<Value = String> {
        prop_oneof![".{0,40}", "[A-Za-z0-9+/]{0,64}={0,3}"]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        #[test]
        fn password_claim_never_panics_on_server_strings(
            b in hexish(),
            salt in hexish(),
            block in base64ish(),
        ) {
            let c = client(SOME_A);
            let input = ClaimInput {
                srp_b_hex: &b,
                salt_hex: &salt,
                secret_block_b64: &block,
                ..sample_input("1")
            };
            let _ = c.password_claim(&input);
        }

        #[test]
        fn padding_never_panics_and_matches_the_libraries(hex in hexish()) {
            if let Ok(bytes) = parse_hex("x", &hex) {
                let padded = pad(&bytes);
                // The libraries' padHex on the number the hex denotes.
                let digits = hex.trim_start_matches('0').to_ascii_lowercase();
                let digits = if digits.is_empty() { "0".to_owned() } else { digits };
                let expected = if digits.len() % 2 == 1 {
                    format!("0{digits}")
                } else if digits.starts_with(['8', '9', 'a', 'b', 'c', 'd', 'e', 'f']) {
                    format!("00{digits}")
                } else {
                    digits
                };
                prop_assert_eq!(hex_padded(&padded), expected);
            }
        }
    }
}
