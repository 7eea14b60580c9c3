//! Token decoding and verification on one core, the key set cached: a Cognito-shaped ID token
//! (about 1 KiB, RS256 with a fresh 2048-bit key) decoded without checks and verified in full,
//! and the reference: the bare aws-lc-rs RSA-2048 PKCS#1 SHA-256 check of the same signature
//! over the same bytes, key parsed once (`token/raw_rsa`). `scripts/bench-verify` prints the
//! ratios.
//!
//! ```text
//! cargo bench --bench verify
//! ```
#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented pub fn"
)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::SystemTime;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{
    KeyPair as _, ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256,
    RsaPublicKeyComponents,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use unleashlive_auth::Config;
use unleashlive_auth::clock::{Clock, from_unix_seconds};
use unleashlive_auth::token::unverified::decode_claims_unverified;
use unleashlive_auth::token::verify::UnverifiedJwt;
use unleashlive_auth::token::{IdClaims, JwksCache, Verifier};

const CLIENT_ID: &str = "7jhe1lfkb5pvhbkicc3d14m0ej";
const IAT: i64 = 1_800_000_000;

#[derive(Debug)]
struct Fixed;
impl Clock for Fixed {
    fn now(&self) -> SystemTime {
        from_unix_seconds(IAT + 60)
    }
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A token with the claims Cognito puts in an Unleash Live ID token, and the key set that
/// verifies it.
fn token_and_jwks(config: &Config) -> (String, String, ParsedPublicKey) {
    let key = match KeyPair::generate(KeySize::Rsa2048) {
        Ok(key) => key,
        Err(e) => panic!("generating the benchmark key: {e}"),
    };
    let header = br#"{"kid":"bench-key","alg":"RS256"}"#;
    let claims = serde_json::json!({
        "sub": "5b0c7f3e-9a1d-4e2b-8c6f-0d1e2f3a4b5c",
        "email_verified": true,
        "iss": config.issuer(),
        "cognito:username": "5b0c7f3e-9a1d-4e2b-8c6f-0d1e2f3a4b5c",
        "custom:identityId": "ap-southeast-2:11111111-2222-3333-4444-555555555555",
        "custom:companyId": "company-42",
        "custom:teamId": "team-7",
        "origin_jti": "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
        "aud": CLIENT_ID,
        "event_id": "a1b2c3d4-e5f6-0718-293a-4b5c6d7e8f90",
        "token_use": "id",
        "auth_time": IAT,
        "exp": IAT + 3600,
        "iat": IAT,
        "jti": "13579bdf-0246-8ace-1357-9bdf02468ace",
        "email": "pilot@example.com"
    });
    let signing_input = format!("{}.{}", b64(header), b64(claims.to_string().as_bytes()));
    let mut signature = vec![0; key.public_modulus_len()];
    if let Err(e) = key.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        signing_input.as_bytes(),
        &mut signature,
    ) {
        panic!("signing the benchmark token: {e}");
    }
    let public = RsaPublicKeyComponents::<Vec<u8>>::from(key.public_key());
    let parsed = RsaPublicKeyComponents {
        n: &public.n[..],
        e: &public.e[..],
    }
    .to_parsed_public_key(&RSA_PKCS1_2048_8192_SHA256)
    .unwrap_or_else(|e| panic!("parsing the benchmark key: {e}"));
    let jwks = serde_json::json!({"keys": [{
        "kty": "RSA", "kid": "bench-key", "alg": "RS256", "use": "sig",
        "n": b64(&public.n), "e": b64(&public.e)
    }]});
    (
        format!("{signing_input}.{}", b64(&signature)),
        jwks.to_string(),
        parsed,
    )
}

fn bench_verify(c: &mut Criterion) {
    let config = Config::unleash_live();
    let (token, jwks, raw_key) = token_and_jwks(&config);
    let (signing_input, signature) = token.rsplit_once('.').unwrap_or_default();
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .unwrap_or_else(|e| panic!("{e}"));
    if let Err(e) = raw_key.verify_sig(signing_input.as_bytes(), &signature) {
        panic!("the reference check fails: {e}");
    }
    let verifier = Verifier::builder(&config)
        .jwks(JwksCache::fixed(jwks.as_bytes()).unwrap_or_else(|e| panic!("{e}")))
        .clock(Arc::new(Fixed))
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    // A benchmark of a failing path would measure the wrong thing.
    if let Err(e) = runtime.block_on(verifier.verify_id_token(&token)) {
        panic!("the benchmark token does not verify: {e}");
    }

    let mut group = c.benchmark_group("token");
    group.throughput(Throughput::Elements(1));
    group.bench_function("decode", |b| {
        b.iter(|| UnverifiedJwt::parse(black_box(&token)))
    });
    group.bench_function("decode_claims", |b| {
        b.iter(|| decode_claims_unverified::<IdClaims>(black_box(&token)))
    });
    group.bench_function("verify", |b| {
        b.iter(|| runtime.block_on(verifier.verify_id_token(black_box(&token))))
    });
    group.bench_function("raw_rsa", |b| {
        b.iter(|| raw_key.verify_sig(black_box(signing_input.as_bytes()), black_box(&signature)))
    });
    group.finish();
}

criterion_group!(benches, bench_verify);
criterion_main!(benches);
