//! Arbitrary input to the unverified decoders and the verifier: none may panic, and the
//! verifier may never accept a token (nobody here holds the private key of its key set).
#![no_main]

use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use libfuzzer_sys::fuzz_target;
use unleashlive_auth::clock::Clock;
use unleashlive_auth::token::unverified::decode_payload_unverified;
use unleashlive_auth::token::verify::UnverifiedJwt;
use unleashlive_auth::token::{JwksCache, Verifier};
use unleashlive_auth::Config;

#[derive(Debug)]
struct Fixed;
impl Clock for Fixed {
    fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_800_000_000)
    }
}

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

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = UnverifiedJwt::parse(&text);
    let _ = decode_payload_unverified(&text);
    let (verifier, runtime) = verifier();
    let id = runtime.block_on(verifier.verify_id_token(&text));
    let access = runtime.block_on(verifier.verify_access_token(&text));
    assert!(id.is_err() && access.is_err(), "accepted a token nobody signed");
});
