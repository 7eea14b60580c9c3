//! The client side of one SRP sign-in: `A = g^a` for `InitiateAuth`, then the password claim
//! (`g^x`, `S`, HKDF, HMAC) for `RespondToAuthChallenge`, with a 128-byte `a` as the reference
//! libraries draw it. `scripts/bench-srp` runs this next to GMP (`mpz_powm` through Python's
//! gmpy2) and CPython's `pow` on the same numbers, and prints the ratio to GMP against the target
//! of issue 20 (at most 1.5 times GMP for the two rows together).
//!
//! ```text
//! cargo bench --bench srp
//! scripts/bench-srp
//! ```
#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented pub fn"
)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use unleashlive_auth::cognito::srp::{ClaimInput, SrpClient};

/// A fixed 128-byte `a`, so runs (and the GMP and CPython comparisons) use the same exponent.
const SMALL_A_HEX: &str = concat!(
    "c4a8e0d2f1b39a7786e5d4c3b2a19f8e7d6c5b4a39281706f5e4d3c2b1a09f8e",
    "7d6c5b4a392817065f4e3d2c1b0a9f8e7d6c5b4a3928170654f3e2d1c0b9a897",
    "86f5e4d3c2b1a09f8e7d6c5b4a392817063f2e1d0c9b8a79685746352413f2e1",
    "d0c9b8a7968574635241302f1e0d0c9b8a79685746352413021f0e9d8c7b6a59",
);
/// A server `B` below `N` with its top bit set, as most real ones have.
const SRP_B_HEX: &str = concat!(
    "b3f2e1d0c9b8a7968574635241302f1e0d0c9b8a79685746352413021f0e9d8c",
    "7b6a594837261504f3e2d1c0b9a897867564534231201f0e0d9c8b7a69584736",
    "2514f3e2d1c0b9a89786756453423120100f1e2d3c4b5a69788796a5b4c3d2e1",
    "f00112233445566778899aabbccddeeff00112233445566778899aabbccddeef",
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210",
    "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0",
    "1122334455667788990011223344556677889900112233445566778899001122",
    "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90",
    "5566778899aabbccddeeff00112233445566778899aabbccddeeff0011223344",
    "13579bdf02468ace13579bdf02468ace13579bdf02468ace13579bdf02468ace",
    "2468ace013579bdf2468ace013579bdf2468ace013579bdf2468ace013579bdf",
);

fn small_a() -> Vec<u8> {
    (0..SMALL_A_HEX.len() / 2)
        .map(|i| u8::from_str_radix(&SMALL_A_HEX[2 * i..2 * i + 2], 16).unwrap_or(0))
        .collect()
}

fn input() -> ClaimInput<'static> {
    ClaimInput {
        pool_name: "AbCdEf123",
        user_id: "5b0c7f3e-9a1d-4e2b-8c6f-0d1e2f3a4b5c",
        password: "correct horse battery staple",
        srp_b_hex: SRP_B_HEX,
        salt_hex: "9f2a4c6e8b0d1f3a5c7e9b1d3f5a7c9e",
        secret_block_b64: "c2VjcmV0IGJsb2NrIHNlbnQgYnkgdGhlIHNlcnZlcg==",
        timestamp: "Sun Nov 2 18:07:27 UTC 2025",
    }
}

fn bench_srp(c: &mut Criterion) {
    let a = small_a();
    let mut group = c.benchmark_group("srp");
    group.sample_size(20);
    group.bench_function("large_a", |b| {
        b.iter(|| SrpClient::from_small_a(black_box(&a)).map(|c| c.large_a_hex()))
    });
    let client = match SrpClient::from_small_a(&a) {
        Ok(client) => client,
        Err(e) => panic!("benchmark a rejected: {e}"),
    };
    let input = input();
    group.bench_function("password_claim", |b| {
        b.iter(|| client.password_claim(black_box(&input)))
    });
    group.finish();
}

criterion_group!(benches, bench_srp);
criterion_main!(benches);
