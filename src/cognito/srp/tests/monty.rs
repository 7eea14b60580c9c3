//! The squaring, table lookup and fixed-window exponentiation of `monty` against crypto-bigint's
//! own operations and against num-bigint, on edge values and random ones.

use num_bigint::BigUint;
use proptest::prelude::*;

use super::super::monty::{pow, select, square};
use super::*;

fn big<const LIMBS: usize>(x: &Uint<LIMBS>) -> BigUint {
    BigUint::from_bytes_be(&be_bytes_minimal(x))
}

/// Residues whose Montgomery form is at the edges: 0, 1, N − 1, and 1, 2, N − 1 as numbers.
fn edge_residues() -> Vec<Residue> {
    let n_minus_1 = N.wrapping_sub(&U3072::ONE);
    vec![
        Residue::from_montgomery(U3072::ZERO),
        Residue::from_montgomery(U3072::ONE),
        Residue::from_montgomery(n_minus_1),
        Residue::ONE,
        Residue::new(&U3072::from_u8(2)),
        Residue::new(&n_minus_1),
        Residue::new(&U3072::MAX),
        Residue::new(&U3072::from_be_hex(&format!("{:0>768}", SOME_A.repeat(4)))),
    ]
}

#[test]
fn squaring_matches_crypto_bigints_on_edge_values() {
    for x in edge_residues() {
        assert_eq!(square(&x), x.square(), "{}", hex_of(x.as_montgomery()));
    }
}

#[test]
fn select_returns_the_entry_at_each_index() {
    let table: Vec<Residue> = (1..=32u8)
        .map(|i| Residue::new(&U3072::from_u8(i)))
        .collect();
    for (index, entry) in (0..).zip(&table) {
        assert_eq!(select(&table, index), *entry, "index {index}");
    }
}

/// Checks `pow` against crypto-bigint's `pow_bounded_exp` and num-bigint's `modpow` of the
/// exponent's low `bits` bits.
fn check_pow(base: &Residue, exponent: &U3072, bits: u32) {
    let ours = pow(base, exponent, bits);
    assert_eq!(
        ours,
        base.pow_bounded_exp(exponent, bits),
        "{}^{} over {bits} bits",
        hex_of(&base.retrieve()),
        hex_of(exponent)
    );
    let low_bits = big(exponent) % (BigUint::from(1u8) << bits);
    let expected = big(&base.retrieve()).modpow(&low_bits, &big(&N));
    assert_eq!(big(&ours.retrieve()), expected, "num-bigint, {bits} bits");
}

#[test]
fn fixed_window_exponentiation_matches_on_edge_exponents() {
    let all_ones = |bits: u32| U3072::MAX.shr_vartime(3072 - bits);
    let some = U3072::from_be_hex(&format!("{:0>768}", SOME_A.repeat(4)));
    let exponents = [
        (U3072::ZERO, 0),
        (U3072::ZERO, 1025),
        (U3072::ONE, 1),
        (U3072::ONE, 1025),
        (U3072::from_u8(2), 2),
        (all_ones(5), 5),
        (all_ones(6), 6),
        (all_ones(64), 64),
        (all_ones(65), 65),
        (all_ones(1025), 1025),
        (all_ones(3072), 3072),
        (U3072::ONE.shl_vartime(1024), 1025),
        (U3072::ONE.shl_vartime(3071), 3072),
        (some, 1024),
        // Bits at and above the bound are ignored, as crypto-bigint does.
        (some, 1000),
        (all_ones(3072), 1023),
    ];
    let bases = edge_residues();
    for (exponent, bits) in exponents {
        for base in &bases[..4] {
            check_pow(base, &exponent, bits);
        }
    }
    for base in &bases {
        check_pow(base, &some, 1024);
    }
}

fn words() -> impl Strategy<Value = U3072> {
    prop::collection::vec(any::<Word>(), U3072::LIMBS).prop_map(|words| {
        let mut x = U3072::ZERO;
        x.as_mut_words().copy_from_slice(&words);
        x
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn squaring_matches_crypto_bigints(x in words()) {
        let x = Residue::new(&x);
        prop_assert_eq!(square(&x), x.square());
    }

    #[test]
    fn fixed_window_exponentiation_matches(base in words(), exponent in words(), bits in 1u32..1100) {
        check_pow(&Residue::new(&base), &exponent, bits);
    }
}
