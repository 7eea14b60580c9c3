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
//! value; they leak only a public bound on its length. Powers of `g` use precomputed combs
//! (`comb`); `S`, whose base changes, uses fixed windows and a dedicated squaring (`monty`).

use std::fmt;

use base64::Engine as _;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use crypto_bigint::modular::ConstMontyForm;
use crypto_bigint::{NonZero, U256, U512, U3072, U6144, Uint, Word};
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

mod comb;
mod device;
mod monty;
use comb::pow_g;
pub use device::{DeviceSecret, DeviceVerifierConfig, device_verifier};

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
        let s = Zeroizing::new(monty::pow(&base, &*exponent, exponent_bits).retrieve());

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
mod tests;
