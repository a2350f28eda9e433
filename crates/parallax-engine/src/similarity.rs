//! All pairwise dot products of a set of vectors, with the CPU's widest
//! vector instructions (detected at run time).
//!
//! The patterns of a round cluster over a thousand claims, which needs
//! every pair's cosine: half a gigaflop, the largest single cost of an
//! analysis whose vectors are cached. A plain loop compiles for the baseline
//! x86-64 (four lanes, no fused multiply-add); `pulp` dispatches to AVX2 or
//! AVX-512 code without `unsafe` in this crate.

use pulp::{Arch, Simd, WithSimd};

/// The n × n matrix (row-major) of the dot products of `rows`, `n` rows of
/// `dim` values laid end to end (all zero when `dim` is 0).
pub(crate) fn gram(rows: &[f32], n: usize, dim: usize) -> Vec<f32> {
    assert_eq!(rows.len(), n * dim, "{n} rows of {dim} values");
    let mut out = vec![0.0; n * n];
    if n > 0 && dim > 0 {
        Arch::new().dispatch(Gram {
            rows,
            dim,
            n,
            out: &mut out,
        });
    }
    out
}

struct Gram<'a> {
    rows: &'a [f32],
    dim: usize,
    n: usize,
    out: &'a mut [f32],
}

impl WithSimd for Gram<'_> {
    type Output = ();

    /// Blocks of 2 rows × 4 rows: eight accumulators share six loads, and
    /// each block fills its mirror image too. Edge blocks repeat the last
    /// row, which rewrites the same values.
    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        let Gram { rows, dim, n, out } = self;
        let row = |i: usize| S::as_simd_f32s(&rows[i * dim..(i + 1) * dim]);
        let last = n - 1;
        for i0 in (0..n).step_by(2) {
            let i1 = (i0 + 1).min(last);
            let ((a0, a0_tail), (a1, a1_tail)) = (row(i0), row(i1));
            for j0 in (i0..n).step_by(4) {
                let js = [
                    j0,
                    (j0 + 1).min(last),
                    (j0 + 2).min(last),
                    (j0 + 3).min(last),
                ];
                let [b0, b1, b2, b3] = js.map(row);
                let zero = simd.splat_f32s(0.0);
                let mut acc = [[zero; 4]; 2];
                let lanes = a0.iter().zip(a1).zip(b0.0).zip(b1.0).zip(b2.0).zip(b3.0);
                for (((((&x0, &x1), &y0), &y1), &y2), &y3) in lanes {
                    for (c, y) in [y0, y1, y2, y3].into_iter().enumerate() {
                        acc[0][c] = simd.mul_add_e_f32s(x0, y, acc[0][c]);
                        acc[1][c] = simd.mul_add_e_f32s(x1, y, acc[1][c]);
                    }
                }
                let tails = [b0.1, b1.1, b2.1, b3.1];
                for (c, &j) in js.iter().enumerate() {
                    for (r, (i, tail)) in [(i0, a0_tail), (i1, a1_tail)].into_iter().enumerate() {
                        let rest: f32 = tail.iter().zip(tails[c]).map(|(x, y)| x * y).sum();
                        let value = simd.reduce_sum_f32s(acc[r][c]) + rest;
                        out[i * n + j] = value;
                        out[j * n + i] = value;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(rows: &[f32], dim: usize) -> Vec<f32> {
        let n = rows.len() / dim;
        let row = |i: usize| &rows[i * dim..(i + 1) * dim];
        (0..n * n)
            .map(|k| row(k / n).iter().zip(row(k % n)).map(|(x, y)| x * y).sum())
            .collect()
    }

    #[test]
    fn matches_the_plain_loop_for_every_shape() {
        let mut seed = 7u32;
        let mut next = || {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (seed >> 8) as f32 / (1u32 << 24) as f32 - 0.5
        };
        for (n, dim) in [(1, 1), (2, 3), (5, 7), (9, 16), (13, 384), (6, 35)] {
            let rows: Vec<f32> = (0..n * dim).map(|_| next()).collect();
            let (fast, slow) = (gram(&rows, n, dim), naive(&rows, dim));
            assert_eq!(fast.len(), n * n);
            for (f, s) in fast.iter().zip(&slow) {
                assert!((f - s).abs() < 1e-4, "{n}×{dim}: {f} vs {s}");
            }
        }
        assert!(gram(&[], 0, 384).is_empty());
        // Vectors of no dimension (a damaged cache) give zeros, not a panic.
        assert_eq!(gram(&[], 3, 0), vec![0.0; 9]);
    }
}
