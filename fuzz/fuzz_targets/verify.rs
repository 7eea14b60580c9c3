//! Arbitrary input to the unverified decoders and the verifier: none may panic, and the
//! verifier may never accept a token (nobody here holds the private key of its key set).
//!
//! Each input is tried twice: as the token text itself, and as the JSON inside a well-formed
//! token (header and payload split at the first NUL byte; without one, the input is the payload
//! after a valid header naming the key) whose signature has the key's length. Random text
//! almost never gets past base64url and the key lookup; the second form puts the fuzzer's bytes
//! straight into the header and claims parsers and every input through the RSA check.
#![no_main]

use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use libfuzzer_sys::fuzz_target;
use unleashlive_auth::Config;
use unleashlive_auth::clock::Clock;
use unleashlive_auth::token::unverified::decode_payload_unverified;
use unleashlive_auth::token::verify::UnverifiedJwt;
use unleashlive_auth::token::{JwksCache, Verifier};

#[derive(Debug)]
struct Fixed;
impl Clock for Fixed {
    fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_800_000_000)
    }
}

/// The length of the key's modulus, so a signature of this many bytes reaches the RSA check.
const KEY_BYTES: usize = 256;

/// A verifier with one fixed (never fetched) 2048-bit key named `k`.
fn verifier() -> &'static (Verifier, tokio::runtime::Runtime) {
    static V: OnceLock<(Verifier, tokio::runtime::Runtime)> = OnceLock::new();
    V.get_or_init(|| {
        // 0xc5 repeated, ending in 0x01: a well-formed modulus nobody has the factors of.
        let n = format!("{}AQ", "xcXF".repeat(85));
        let jwks = format!(r#"{{"keys":[{{"kty":"RSA","kid":"k","n":"{n}","e":"AQAB"}}]}}"#);
        let verifier = Verifier::builder(&Config::unleash_live())
            .jwks(JwksCache::fixed(jwks.as_bytes()).expect("the fuzz key set"))
            .clock(std::sync::Arc::new(Fixed))
            .build()
            .expect("the fuzz verifier");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");
        (verifier, runtime)
    })
}

/// `data` as the header and payload JSON of a token with a signature of [`KEY_BYTES`].
fn well_formed(data: &[u8]) -> String {
    const HEADER: &[u8] = br#"{"alg":"RS256","kid":"k"}"#;
    let (header, payload) = match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (HEADER, data),
    };
    let signature: Vec<u8> = data
        .iter()
        .copied()
        .chain(std::iter::repeat(0x5a))
        .take(KEY_BYTES)
        .collect();
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload),
        URL_SAFE_NO_PAD.encode(signature)
    )
}

/// Decodes `token` unverified and verifies it as an ID token, an access token or both.
fn check(token: &str, id: bool, access: bool) {
    let _ = UnverifiedJwt::parse(token);
    let _ = decode_payload_unverified(token);
    let (verifier, runtime) = verifier();
    if id {
        let outcome = runtime.block_on(verifier.verify_id_token(token));
        assert!(outcome.is_err(), "accepted an ID token nobody signed");
    }
    if access {
        let outcome = runtime.block_on(verifier.verify_access_token(token));
        assert!(outcome.is_err(), "accepted an access token nobody signed");
    }
}

fuzz_target!(|data: &[u8]| {
    check(&String::from_utf8_lossy(data), true, true);
    // One kind, picked by the input, for the well-formed form: the two differ only after a
    // valid signature, so a second RSA check of the same bytes would find nothing new.
    let access = data.len() % 2 == 1;
    check(&well_formed(data), !access, access);
});
