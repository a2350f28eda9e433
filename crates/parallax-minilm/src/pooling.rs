//! From per-token hidden states to one unit-length sentence vector.

/// Averages each text's token vectors, ignoring its padding.
///
/// `hidden` holds `lengths.len()` texts × `seq_len` tokens × `dim` values,
/// row-major; text `t` has `lengths[t]` real tokens followed by padding.
/// Averaging the padding too (as candle's BERT example does) would pull short
/// texts in a batch towards the padding vector.
pub(crate) fn mean_pool(
    hidden: &[f32],
    seq_len: usize,
    dim: usize,
    lengths: &[usize],
) -> Vec<Vec<f32>> {
    lengths
        .iter()
        .enumerate()
        .map(|(t, &len)| {
            let mut sum = vec![0f32; dim];
            let text = &hidden[t * seq_len * dim..][..len * dim];
            for token in text.chunks_exact(dim) {
                for (s, x) in sum.iter_mut().zip(token) {
                    *s += x;
                }
            }
            // sentence-transformers clamps the token count to at least 1e-9.
            let count = (len as f32).max(1e-9);
            sum.iter_mut().for_each(|s| *s /= count);
            sum
        })
        .collect()
}

/// Scales `vector` to unit length; a zero vector stays zero, as in
/// `torch.nn.functional.normalize` (which divides by `max(norm, 1e-12)`).
pub(crate) fn l2_normalize(vector: &mut [f32]) {
    let norm = vector.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
    vector.iter_mut().for_each(|x| *x /= norm);
}

#[cfg(test)]
mod tests {
    use super::{l2_normalize, mean_pool};

    #[test]
    fn mean_pool_ignores_padding() {
        // Two texts, three positions, two dimensions.
        let hidden = [
            1.0, 2.0, 3.0, 4.0, 100.0, 100.0, // text 0: two tokens + padding
            5.0, 6.0, 7.0, 8.0, 9.0, 10.0, // text 1: three tokens
        ];
        let pooled = mean_pool(&hidden, 3, 2, &[2, 3]);
        assert_eq!(pooled, vec![vec![2.0, 3.0], vec![7.0, 8.0]]);
    }

    #[test]
    fn mean_pool_of_no_tokens_is_zero() {
        assert_eq!(mean_pool(&[1.0, 1.0], 1, 2, &[0]), vec![vec![0.0, 0.0]]);
    }

    #[test]
    fn normalised_vector_has_unit_length() {
        let mut v = vec![3.0, 4.0];
        l2_normalize(&mut v);
        assert_eq!(v, vec![0.6, 0.8]);
    }

    #[test]
    fn zero_vector_stays_zero() {
        let mut v = vec![0.0; 4];
        l2_normalize(&mut v);
        assert_eq!(v, vec![0.0; 4]);
    }
}
