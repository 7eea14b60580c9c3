//! The server side of SRP, written from the server's formulas (v = g^x, B = k·v + g^b,
//! S = (A·v^u)^b) with another big-integer crate than `src/cognito/srp.rs`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use num_bigint::BigUint;
use sha2::{Digest, Sha256};

use super::{PendingSrp, random_bytes};

/// RFC 3526 group 15 (3072-bit MODP), typed in from the RFC.
const N_HEX: &str = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF";

pub(super) fn n() -> BigUint {
    BigUint::parse_bytes(N_HEX.as_bytes(), 16).unwrap()
}

/// The bytes the JS helper hashes for a number: its hex, made even, with a 00 byte when the
/// top bit is set.
pub(super) fn padded_bytes(x: &BigUint) -> Vec<u8> {
    let mut bytes = x.to_bytes_be();
    if bytes[0] & 0x80 != 0 {
        bytes.insert(0, 0);
    }
    bytes
}

pub(super) fn sha(parts: &[&[u8]]) -> Vec<u8> {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().to_vec()
}

pub(super) fn x_of(pool: &str, user_id: &str, password: &str, salt: &BigUint) -> BigUint {
    let inner = sha(&[
        pool.as_bytes(),
        user_id.as_bytes(),
        b":",
        password.as_bytes(),
    ]);
    BigUint::from_bytes_be(&sha(&[&padded_bytes(salt), &inner]))
}

/// The signature a client proving `verifier` must send.
pub(super) fn expected_signature(
    pool: &str,
    user: &str,
    verifier: &BigUint,
    p: &PendingSrp,
    timestamp: &str,
) -> String {
    let n = n();
    let u = BigUint::from_bytes_be(&sha(&[&padded_bytes(&p.a), &padded_bytes(&p.big_b)]));
    let s = ((&p.a * verifier.modpow(&u, &n)) % &n).modpow(&p.b, &n);
    let hk = hkdf::Hkdf::<Sha256>::new(Some(&padded_bytes(&u)), &padded_bytes(&s));
    let mut key = [0u8; 16];
    hk.expand(b"Caldera Derived Key", &mut key).unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(pool.as_bytes());
    mac.update(user.as_bytes());
    mac.update(&p.secret_block);
    mac.update(timestamp.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

pub(super) fn srp_b(verifier: &BigUint) -> (BigUint, BigUint) {
    let n = n();
    let k = BigUint::from_bytes_be(&sha(&[
        &padded_bytes(&n),
        &padded_bytes(&BigUint::from(2u32)),
    ]));
    let b = BigUint::from_bytes_be(&random_bytes(32));
    let big_b = (k * verifier + BigUint::from(2u32).modpow(&b, &n)) % &n;
    (b, big_b)
}

/// `Sun Nov 2 18:07:27 UTC 2026`: weekday, month, unpadded day, time, UTC, year.
pub(super) fn plausible_timestamp(t: &str) -> bool {
    let parts: Vec<&str> = t.split(' ').collect();
    parts.len() == 6
        && ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].contains(&parts[0])
        && parts[1].len() == 3
        && !parts[2].starts_with('0')
        && parts[3].len() == 8
        && parts[4] == "UTC"
        && parts[5].len() == 4
}
