//! Squaring, table lookup and fixed-window exponentiation modulo the group prime `N`, on
//! crypto-bigint's integers and limb arithmetic.
//!
//! `ConstMontyForm::square` multiplies a number by itself with the interleaved multiply-reduce
//! loop, so it does as much work as a multiplication. Squaring with crypto-bigint's Karatsuba
//! `widening_square` and then reducing separately, with a reduction that uses the shape of `N`,
//! is about a fifth faster, and squarings are most of an exponentiation.

use crypto_bigint::{CtAssign as _, CtEq as _, Limb, U3072, Uint, Word};

use super::{N, Residue};

const LIMBS: usize = U3072::LIMBS;

// N ≡ −1 (mod 2^Word::BITS) (its low 64 bits are all ones), so −N⁻¹ mod 2^Word::BITS is 1 and
// each Montgomery reduction step's multiplier is the word it clears, with no multiplication.
// The reduction also walks two rows per pass, so the limb count must be even.
const _: () = assert!(N.as_words()[0] == Word::MAX && LIMBS.is_multiple_of(2));

/// Window width of [`pow`]. For the ~1025-bit exponent of `S`, 5 bits costs 30 operations for
/// the table and one multiplication per window (205): fewer than 4 (14 + 256); 6 (62 + 171)
/// measured the same as 5 within noise, with a table twice the size to scan at every window.
const WINDOW: u32 = 5;

/// `x²`, with the same result as `x.square()` in less time.
pub(super) fn square(x: &Residue) -> Residue {
    let (lo, hi) = x.as_montgomery().widening_square();
    Residue::from_montgomery(reduce(&lo, &hi))
}

/// `(hi·2^3072 + lo)·2^−3072 mod N`, fully reduced, for `hi·2^3072 + lo < N·2^3072`.
///
/// Each row adds `u·N·2^(64i)` with `u` the row's lowest word (see the assertion above), which
/// clears that word. Rows go two per pass, which halves the loads and stores of the running sum
/// and gives the processor two independent carry chains. No branch or index depends on the
/// value.
fn reduce(lo: &U3072, hi: &U3072) -> U3072 {
    let n = N.as_limbs();
    let mut t = [Limb::ZERO; 2 * LIMBS];
    t[..LIMBS].copy_from_slice(lo.as_limbs());
    t[LIMBS..].copy_from_slice(hi.as_limbs());
    // What the passes so far carry into word i + LIMBS.
    let mut top = Limb::ZERO;
    for i in (0..LIMBS).step_by(2) {
        // u0·N[0] + t[i] = u0·2^64 exactly: word i becomes zero and u0 carries into word i + 1.
        let u0 = t[i];
        let (u1, mut carry0) = u0.carrying_mul_add(n[1], t[i + 1], u0);
        // The same holds for the second row at word i + 1.
        let mut carry1 = u1;
        for j in 2..LIMBS {
            let (sum, c0) = u0.carrying_mul_add(n[j], t[i + j], carry0);
            let (sum, c1) = u1.carrying_mul_add(n[j - 1], sum, carry1);
            (t[i + j], carry0, carry1) = (sum, c0, c1);
        }
        let (sum, spill) = t[i + LIMBS].carrying_add(carry0, top);
        let (sum, c1) = u1.carrying_mul_add(n[LIMBS - 1], sum, carry1);
        t[i + LIMBS] = sum;
        (t[i + LIMBS + 1], top) = t[i + LIMBS + 1].carrying_add(spill, c1);
    }
    // The result is below 2N, so at most one subtraction of N reduces it fully.
    let mut out = U3072::ZERO;
    out.as_mut_limbs().copy_from_slice(&t[LIMBS..]);
    let (minus_n, borrow) = out.borrowing_sub(&N, Limb::ZERO);
    out.ct_assign(&minus_n, (!top.is_zero()).or(borrow.is_zero()));
    out
}

/// `table[index]`, reading every entry in full so that neither the timing nor the memory
/// accesses show which one was wanted.
pub(super) fn select(table: &[Residue], index: Word) -> Residue {
    let mut words = [0; LIMBS];
    for (j, entry) in (0..).zip(table) {
        // All ones for the wanted entry, zero for the others.
        let mask = Word::from(index.ct_eq(&j).to_u8()).wrapping_neg();
        for (word, &from) in words.iter_mut().zip(entry.as_montgomery().as_words()) {
            *word |= from & mask;
        }
    }
    Residue::from_montgomery(U3072::from_words(words))
}

/// `base^exponent`, reading only the low `bits` bits of `exponent` (`bits` is public; its value
/// shows in the timing, the exponent's does not). Fixed windows of [`WINDOW`] bits, each one
/// `WINDOW` squarings and one multiplication by a table entry chosen with [`select`].
pub(super) fn pow<const EXP_LIMBS: usize>(
    base: &Residue,
    exponent: &Uint<EXP_LIMBS>,
    bits: u32,
) -> Residue {
    let bits = bits.min(Uint::<EXP_LIMBS>::BITS);
    if bits == 0 {
        return Residue::ONE;
    }
    let mut table = [Residue::ONE; 1 << WINDOW];
    table[1] = *base;
    for i in 2..table.len() {
        table[i] = if i.is_multiple_of(2) {
            square(&table[i / 2])
        } else {
            table[i - 1].mul(base)
        };
    }
    let words = exponent.as_words();
    let last = (bits - 1) / WINDOW;
    // The top window may be partial; bits at `bits` and above are ignored.
    let top_width = bits - last * WINDOW;
    let mut acc = select(&table, window(words, last * WINDOW, top_width));
    for k in (0..last).rev() {
        for _ in 0..WINDOW {
            acc = square(&acc);
        }
        acc = acc.mul(&select(&table, window(words, k * WINDOW, WINDOW)));
    }
    acc
}

/// Bits `pos .. pos + width` of the little-endian `words` (zero past the end), `width` at most
/// a word. Only the public position decides which words are read.
fn window(words: &[Word], pos: u32, width: u32) -> Word {
    let limb = (pos / Word::BITS) as usize;
    let shift = pos % Word::BITS;
    let low = words.get(limb).map_or(0, |w| w >> shift);
    let high = if shift + width > Word::BITS {
        words.get(limb + 1).map_or(0, |w| w << (Word::BITS - shift))
    } else {
        0
    };
    let mask = if width >= Word::BITS {
        Word::MAX
    } else {
        (1 << width) - 1
    };
    (low | high) & mask
}

#[cfg(test)]
mod reduce_tests {
    use super::*;

    /// The one outcome random inputs practically never reach: a sum that lands on `[N, 2^3072)`
    /// with no carry out of the top word. With `lo = 2^3072 − N` the first row's multiplier
    /// chain makes `lo + 1·N = 2^3072` exactly, so `hi = N − 1` sums to `N`, which must reduce
    /// to 0 (and `hi = N − 2` to `N − 1`, unchanged).
    #[test]
    fn a_sum_of_exactly_n_without_a_top_carry_is_reduced() {
        let lo = U3072::ZERO.wrapping_sub(&N);
        assert_eq!(reduce(&lo, &N.wrapping_sub(&U3072::ONE)), U3072::ZERO);
        let below = N.wrapping_sub(&U3072::ONE);
        assert_eq!(reduce(&lo, &N.wrapping_sub(&U3072::from_u8(2))), below);
    }
}
