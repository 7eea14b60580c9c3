//! Arbitrary bytes as a JWKS document (what the network hands the key cache): never a panic.
//!
//! Each input is also read as the numbers of one RSA key in an otherwise well-formed document:
//! the first byte picks the modulus and exponent lengths (around the 2048- and 8192-bit and
//! 8-byte limits), the rest fills them. Random JSON almost never holds a 2048-bit modulus; this
//! way aws-lc is handed odd, even, short, long and zero-led moduli and odd exponents, and every
//! key it accepts checks a signature of its length (the token is refused whatever the
//! signature: it has no issuer).
#![no_main]

use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use libfuzzer_sys::fuzz_target;
use unleashlive_auth::Config;
use unleashlive_auth::clock::Clock;
use unleashlive_auth::token::{JwksCache, Verifier};

#[derive(Debug)]
struct Fixed;
impl Clock for Fixed {
    fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_800_000_000)
    }
}

/// Modulus lengths in bytes, around the accepted 256..=1024 (2048 to 8192 bits).
const MODULUS_BYTES: [usize; 16] = [
    0, 1, 64, 255, 256, 257, 300, 384, 511, 512, 513, 768, 1023, 1024, 1025, 1100,
];

/// `len` bytes of `source` repeated (0xc5 when it is empty).
fn fill(source: &[u8], len: usize) -> Vec<u8> {
    if source.is_empty() {
        return vec![0xc5; len];
    }
    source.iter().copied().cycle().take(len).collect()
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime")
    })
}

/// A document with one RS256 key whose `n` and `e` come from `data`, and the key's length in
/// bytes as a verifier counts it (leading zeros dropped).
fn key_document(data: &[u8]) -> Option<(String, usize)> {
    let (&lengths, rest) = data.split_first()?;
    let e_len = usize::from(lengths & 0x0f) % 10; // up to 9: one past the 8-byte limit
    let (e, n) = rest.split_at(e_len.min(rest.len()));
    let n = fill(n, MODULUS_BYTES[usize::from(lengths >> 4)]);
    let modulus_len = n.len() - n.iter().take_while(|&&b| b == 0).count();
    let document = format!(
        r#"{{"keys":[{{"kty":"RSA","kid":"k","alg":"RS256","use":"sig","n":"{}","e":"{}"}}]}}"#,
        URL_SAFE_NO_PAD.encode(n),
        URL_SAFE_NO_PAD.encode(e),
    );
    Some((document, modulus_len))
}

fuzz_target!(|data: &[u8]| {
    if let Ok(cache) = JwksCache::fixed(data) {
        assert!(!cache.kids().is_empty(), "an accepted key set has a key");
    }
    let Some((document, modulus_len)) = key_document(data) else {
        return;
    };
    let Ok(cache) = JwksCache::fixed(document.as_bytes()) else {
        return;
    };
    assert_eq!(cache.kids(), ["k"], "the one key is kept");
    let verifier = Verifier::builder(&Config::unleash_live())
        .jwks(cache)
        .clock(Arc::new(Fixed))
        .build()
        .expect("a verifier");
    let token = format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","kid":"k"}"#),
        URL_SAFE_NO_PAD.encode(br#"{"token_use":"id"}"#),
        URL_SAFE_NO_PAD.encode(fill(data, modulus_len)),
    );
    let outcome = runtime().block_on(verifier.verify_id_token(&token));
    assert!(outcome.is_err(), "accepted a token without an issuer");
});
