//! Arbitrary bytes as a JWKS document (what the network hands the key cache): never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use unleashlive_auth::token::JwksCache;

fuzz_target!(|data: &[u8]| {
    if let Ok(cache) = JwksCache::fixed(data) {
        assert!(!cache.kids().is_empty(), "an accepted key set has a key");
    }
});
