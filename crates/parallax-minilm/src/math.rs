//! Vectorisable `erf`, `exp` and reductions for the encoder's row passes.
//!
//! The compiler keeps a plain `iter().sum()` over f32 in order, one element
//! at a time; summing into eight lanes lets it use vector instructions.
//! libm's `erf` and `exp` branch on the argument, so the compiler cannot vectorise
//! loops over them; GELU's `erf` alone took about 17 % of embedding time.
//! These are straight-line polynomials that vectorise, accurate to a few
//! units in the last place, far below what changes a sentence vector.
//! Plain `a * b + c` rather than `mul_add`: without FMA in the target
//! features `mul_add` is a library call.

/// The error function, within 5e-7 of the exact value.
///
/// A rational approximation on [-4, 4] (the one Eigen and XLA use for f32);
/// beyond that `erf` is ±1 to f32 precision.
#[inline]
pub(crate) fn erf(x: f32) -> f32 {
    let x = x.clamp(-4.0, 4.0);
    let x2 = x * x;
    let mut p = -2.726_142_3e-10_f32;
    p = p * x2 + 2.770_681_4e-8;
    p = p * x2 + -2.101_024e-6;
    p = p * x2 + -5.692_506_4e-5;
    p = p * x2 + -7.349_906_3e-4;
    p = p * x2 + -2.954_6e-3;
    p = p * x2 + -1.609_603_3e-2;
    let mut q = -1.456_607_2e-5_f32;
    q = q * x2 + -2.133_740_6e-4;
    q = q * x2 + -1.682_827e-3;
    q = q * x2 + -7.373_329e-3;
    q = q * x2 + -1.426_474e-2;
    x * p / q
}

/// `e^x` for `x` ≤ 0 (softmax after subtracting the row maximum), within
/// 3e-7 relative; arguments below -87 give e^-87 (tiny, never subnormal).
#[inline]
pub(crate) fn exp_non_positive(x: f32) -> f32 {
    // Below this e^x is subnormal; softmax weights that small do not matter.
    let x = x.max(-87.0);
    // Adding 1.5·2^23 rounds x·log2(e) to an integer n held in the low
    // mantissa bits, without a (non-vectorising) float-to-int conversion.
    const SHIFT: f32 = 12_582_912.0;
    let shifted = x * std::f32::consts::LOG2_E + SHIFT;
    let n = shifted - SHIFT;
    // r = x - n·ln 2, with ln 2 split in two for precision (Cephes).
    let r = n * -0.693_359_4 + x;
    let r = n * 2.121_944_4e-4 + r;
    let mut p = 1.987_569_1e-4_f32;
    p = p * r + 1.398_2e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 0.5;
    let e_r = p * (r * r) + r + 1.0;
    let n = (shifted.to_bits() as i32).wrapping_sub(SHIFT.to_bits() as i32);
    let two_to_n = f32::from_bits((n.wrapping_add(127) as u32) << 23);
    e_r * two_to_n
}

const LANES: usize = 8;

/// Sum of `xs`, accumulated in eight interleaved lanes.
#[inline]
pub(crate) fn sum(xs: &[f32]) -> f32 {
    fold_lanes(xs, 0.0, |acc, x| acc + x, |a, b| a + b)
}

/// Largest of `xs` (negative infinity when empty).
#[inline]
pub(crate) fn max(xs: &[f32]) -> f32 {
    fold_lanes(xs, f32::NEG_INFINITY, f32::max, f32::max)
}

/// Σ (x - mean)², accumulated in eight interleaved lanes.
#[inline]
pub(crate) fn squared_deviation(xs: &[f32], mean: f32) -> f32 {
    fold_lanes(
        xs,
        0.0,
        |acc, x| acc + (x - mean) * (x - mean),
        |a, b| a + b,
    )
}

#[inline]
fn fold_lanes(
    xs: &[f32],
    init: f32,
    step: impl Fn(f32, f32) -> f32,
    merge: impl Fn(f32, f32) -> f32,
) -> f32 {
    let mut acc = [init; LANES];
    let chunks = xs.chunks_exact(LANES);
    let rest = chunks.remainder();
    for chunk in chunks {
        for (a, &x) in acc.iter_mut().zip(chunk) {
            *a = step(*a, x);
        }
    }
    let tail = rest.iter().fold(init, |a, &x| step(a, x));
    acc.into_iter().fold(tail, merge)
}

#[cfg(test)]
mod tests {
    use super::{erf, exp_non_positive, max, squared_deviation, sum};

    #[test]
    fn reductions_match_plain_loops() {
        let xs: Vec<f32> = (0..37).map(|i| ((i * 7919) % 101) as f32 - 50.0).collect();
        assert_eq!(sum(&xs), xs.iter().sum::<f32>());
        assert_eq!(max(&xs), 50.0);
        let mean = sum(&xs) / xs.len() as f32;
        let plain: f32 = xs.iter().map(|x| (x - mean) * (x - mean)).sum();
        assert!((squared_deviation(&xs, mean) - plain).abs() < 1e-3 * plain);
        assert_eq!(sum(&[]), 0.0);
        assert_eq!(max(&[]), f32::NEG_INFINITY);
        assert_eq!(max(&[-3.0]), -3.0);
    }

    #[test]
    fn erf_is_close_to_libm() {
        let worst = (-600_000..=600_000)
            .map(|i| i as f32 * 1e-5)
            .map(|x| (erf(x) - candle_core::cpu::erf::erf_f32(x)).abs())
            .fold(0f32, f32::max);
        assert!(worst < 5e-7, "{worst}");
        assert!((erf(100.0) - 1.0).abs() < 2e-7);
        assert!((erf(-100.0) + 1.0).abs() < 2e-7);
    }

    #[test]
    fn exp_is_close_to_std() {
        let worst = (0..=870_000)
            .map(|i| -(i as f32) * 1e-4)
            .map(|x| ((exp_non_positive(x) - x.exp()) / x.exp()).abs())
            .fold(0f32, f32::max);
        assert!(worst < 3e-7, "{worst}");
        assert_eq!(exp_non_positive(0.0), 1.0);
        assert!(exp_non_positive(-1000.0) < 1e-37);
        assert!(exp_non_positive(f32::NEG_INFINITY) < 1e-37);
    }
}
