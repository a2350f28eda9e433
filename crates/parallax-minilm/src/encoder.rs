//! The BERT encoder of all-MiniLM-L6-v2, written for CPU inference.
//!
//! candle-transformers' `BertModel` would do, but this leaner version was
//! measured faster on a 2-core CPU: query, key and value are one fused matrix
//! product, the attention scale is folded into the query weights, bias, GELU,
//! residual and layer norm run fused and in place over rows in parallel, and
//! attention runs per text over its real tokens only, so no padding mask is
//! built or applied.

use std::path::Path;

use candle_core::{CpuStorage, Device, InplaceOp1, InplaceOp2, Layout, Tensor};
use rayon::prelude::*;
use serde::Deserialize;

use crate::weights::SafeTensors;
use crate::{ModelError, math};

/// The fields of `config.json` the encoder uses.
#[derive(Deserialize)]
struct Config {
    vocab_size: usize,
    hidden_size: usize,
    num_hidden_layers: usize,
    num_attention_heads: usize,
    intermediate_size: usize,
    max_position_embeddings: usize,
    type_vocab_size: usize,
    layer_norm_eps: f64,
    hidden_act: String,
}

/// Token ids of several texts, padded with id 0 to the longest.
pub(crate) struct Batch {
    ids: Vec<u32>,
    /// Real tokens per text.
    pub(crate) lengths: Vec<usize>,
    /// Tokens per text after padding.
    pub(crate) seq_len: usize,
}

impl Batch {
    pub(crate) fn new(rows: &[&[u32]]) -> Self {
        let lengths: Vec<usize> = rows.iter().map(|r| r.len()).collect();
        let seq_len = lengths.iter().copied().max().unwrap_or(0);
        let mut ids = vec![0; rows.len() * seq_len];
        for (dst, row) in ids.chunks_mut(seq_len.max(1)).zip(rows) {
            dst[..row.len()].copy_from_slice(row);
        }
        Self {
            ids,
            lengths,
            seq_len,
        }
    }
}

struct LayerNorm {
    gamma: Vec<f32>,
    beta: Vec<f32>,
    eps: f32,
}

impl LayerNorm {
    fn load(st: &mut SafeTensors, prefix: &str, dim: usize, eps: f32) -> Result<Self, ModelError> {
        Ok(Self {
            gamma: st.f32(&format!("{prefix}.weight"), &[dim])?,
            beta: st.f32(&format!("{prefix}.bias"), &[dim])?,
            eps,
        })
    }

    /// Normalises one token's vector in place, as `torch.nn.LayerNorm`
    /// (biased variance).
    fn apply(&self, row: &mut [f32]) {
        let n = row.len() as f32;
        let mean = math::sum(row) / n;
        let var = math::squared_deviation(row, mean) / n;
        let inv = 1.0 / (var + self.eps).sqrt();
        for ((x, g), b) in row.iter_mut().zip(&self.gamma).zip(&self.beta) {
            *x = (*x - mean) * inv * g + b;
        }
    }
}

/// A dense layer: weight stored transposed (`in × out`, row-major) so that
/// `x · W` is a plain matrix product, and its bias kept apart to be fused.
struct Dense {
    weight: Tensor,
    bias: Vec<f32>,
}

/// A PyTorch linear layer's `out × in` weight and its bias, as stored.
type Linear = (Vec<f32>, Vec<f32>);

fn read_linear(
    st: &mut SafeTensors,
    prefix: &str,
    inputs: usize,
    outputs: usize,
) -> Result<Linear, ModelError> {
    let weight = st.f32(&format!("{prefix}.weight"), &[outputs, inputs])?;
    let bias = st.f32(&format!("{prefix}.bias"), &[outputs])?;
    Ok((weight, bias))
}

impl Dense {
    fn load(
        st: &mut SafeTensors,
        prefix: &str,
        inputs: usize,
        outputs: usize,
    ) -> Result<Self, ModelError> {
        Self::fused(vec![read_linear(st, prefix, inputs, outputs)?], inputs)
    }

    /// One dense layer computing all of `parts` (same inputs), their outputs
    /// side by side.
    fn fused(parts: Vec<Linear>, inputs: usize) -> Result<Self, ModelError> {
        let outputs: usize = parts.iter().map(|(_, b)| b.len()).sum();
        let mut transposed = vec![0f32; inputs * outputs];
        let mut bias = Vec::with_capacity(outputs);
        let mut col = 0;
        for (w, b) in parts {
            for (o, row) in w.chunks_exact(inputs).enumerate() {
                for (i, x) in row.iter().enumerate() {
                    transposed[i * outputs + col + o] = *x;
                }
            }
            col += b.len();
            bias.extend(b);
        }
        Ok(Self {
            weight: Tensor::from_vec(transposed, (inputs, outputs), &Device::Cpu)?,
            bias,
        })
    }

    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        x.matmul(&self.weight)
    }
}

struct Layer {
    qkv: Dense,
    attention_out: Dense,
    attention_norm: LayerNorm,
    intermediate: Dense,
    output: Dense,
    output_norm: LayerNorm,
}

/// all-MiniLM-L6-v2's transformer: token ids in, per-token hidden states out.
pub(crate) struct Encoder {
    word_embeddings: Vec<f32>,
    position_embeddings: Vec<f32>,
    token_type_embedding: Vec<f32>,
    embedding_norm: LayerNorm,
    layers: Vec<Layer>,
    hidden: usize,
    heads: usize,
    vocab: usize,
    max_positions: usize,
}

impl Encoder {
    pub(crate) fn load(config: &Path, weights: &Path) -> Result<Self, ModelError> {
        let text = std::fs::read_to_string(config).map_err(|e| ModelError::io(config, e))?;
        let cfg: Config =
            serde_json::from_str(&text).map_err(|e| ModelError::format(config, e.to_string()))?;
        if cfg.hidden_act != "gelu" {
            return Err(ModelError::format(
                config,
                format!("hidden_act {} is not supported", cfg.hidden_act),
            ));
        }
        if cfg.num_attention_heads == 0 || !cfg.hidden_size.is_multiple_of(cfg.num_attention_heads)
        {
            return Err(ModelError::format(
                config,
                "hidden_size not divisible by heads",
            ));
        }
        let (h, inter) = (cfg.hidden_size, cfg.intermediate_size);
        let eps = cfg.layer_norm_eps as f32;
        let mut st = SafeTensors::open(weights)?;
        let word_embeddings = st.f32("embeddings.word_embeddings.weight", &[cfg.vocab_size, h])?;
        let position_embeddings = st.f32(
            "embeddings.position_embeddings.weight",
            &[cfg.max_position_embeddings, h],
        )?;
        let mut token_type_embedding = st.f32(
            "embeddings.token_type_embeddings.weight",
            &[cfg.type_vocab_size, h],
        )?;
        // Single texts only ever use token type 0.
        token_type_embedding.truncate(h);
        let embedding_norm = LayerNorm::load(&mut st, "embeddings.LayerNorm", h, eps)?;
        // Scaling the query by 1/sqrt(head size) up front saves a pass over
        // the score matrix.
        let scale = 1.0 / ((h / cfg.num_attention_heads) as f32).sqrt();
        let mut layers = Vec::with_capacity(cfg.num_hidden_layers);
        for l in 0..cfg.num_hidden_layers {
            let p = format!("encoder.layer.{l}");
            let (mut qw, mut qb) =
                read_linear(&mut st, &format!("{p}.attention.self.query"), h, h)?;
            qw.iter_mut().chain(qb.iter_mut()).for_each(|x| *x *= scale);
            let k = read_linear(&mut st, &format!("{p}.attention.self.key"), h, h)?;
            let v = read_linear(&mut st, &format!("{p}.attention.self.value"), h, h)?;
            let attention = format!("{p}.attention.output");
            layers.push(Layer {
                qkv: Dense::fused(vec![(qw, qb), k, v], h)?,
                attention_out: Dense::load(&mut st, &format!("{attention}.dense"), h, h)?,
                attention_norm: LayerNorm::load(
                    &mut st,
                    &format!("{attention}.LayerNorm"),
                    h,
                    eps,
                )?,
                intermediate: Dense::load(&mut st, &format!("{p}.intermediate.dense"), h, inter)?,
                output: Dense::load(&mut st, &format!("{p}.output.dense"), inter, h)?,
                output_norm: LayerNorm::load(&mut st, &format!("{p}.output.LayerNorm"), h, eps)?,
            });
        }
        Ok(Self {
            word_embeddings,
            position_embeddings,
            token_type_embedding,
            embedding_norm,
            layers,
            hidden: h,
            heads: cfg.num_attention_heads,
            vocab: cfg.vocab_size,
            max_positions: cfg.max_position_embeddings,
        })
    }

    pub(crate) fn hidden_size(&self) -> usize {
        self.hidden
    }

    /// Hidden states of the last layer, `texts × seq_len × hidden`,
    /// row-major.
    pub(crate) fn forward(&self, batch: &Batch) -> candle_core::Result<Vec<f32>> {
        let (b, s, h) = (batch.lengths.len(), batch.seq_len, self.hidden);
        if b == 0 || s == 0 {
            return Ok(Vec::new());
        }
        if s > self.max_positions {
            candle_core::bail!("{s} tokens exceed the model's {}", self.max_positions);
        }
        if let Some(id) = batch.ids.iter().find(|&&id| id as usize >= self.vocab) {
            candle_core::bail!("token id {id} outside the vocabulary");
        }
        let mut hidden = Tensor::from_vec(self.embed(batch), (b * s, h), &Device::Cpu)?;
        for layer in &self.layers {
            hidden = self.layer(layer, &hidden, b, s, &batch.lengths)?;
        }
        hidden.flatten_all()?.to_vec1()
    }

    fn embed(&self, batch: &Batch) -> Vec<f32> {
        let h = self.hidden;
        let mut x = vec![0f32; batch.ids.len() * h];
        x.par_chunks_mut(h)
            .zip(batch.ids.par_iter())
            .enumerate()
            .for_each(|(t, (row, &id))| {
                let position = t % batch.seq_len;
                let word = &self.word_embeddings[id as usize * h..][..h];
                let pos = &self.position_embeddings[position * h..][..h];
                let token_type = &self.token_type_embedding[..h];
                for i in 0..h {
                    row[i] = word[i] + pos[i] + token_type[i];
                }
                self.embedding_norm.apply(row);
            });
        x
    }

    /// Multi-head self-attention: `tokens × hidden` in, the heads' context
    /// vectors `tokens × hidden` out.
    ///
    /// Texts are attended in runs of equal length, over their real tokens
    /// only, and the runs go in parallel. That needs no padding mask, does no
    /// work on padding, and keeps the many small per-head matrix products of
    /// long texts busy on both cores; short texts, batched by length, mostly
    /// form one or two runs per batch. The rows of padding positions come out
    /// as zeros: nothing reads them (real tokens never attend to padding, and
    /// pooling skips it).
    fn attention(
        &self,
        layer: &Layer,
        x: &Tensor,
        b: usize,
        s: usize,
        lengths: &[usize],
    ) -> candle_core::Result<Tensor> {
        let (h, heads) = (self.hidden, self.heads);
        let qkv = layer.qkv.forward(x)?;
        qkv.inplace_op1(&AddBias(&layer.qkv.bias))?;
        let qkv = qkv.reshape((b, s, 3, heads, h / heads))?;
        let runs = equal_runs(lengths)
            .into_par_iter()
            .map(|(first, count)| {
                let len = lengths[first];
                // (texts, len, 3, heads, head size) → (3, texts, heads, len, head size).
                let qkv = qkv
                    .narrow(0, first, count)?
                    .narrow(1, 0, len)?
                    .permute((2, 0, 3, 1, 4))?
                    .contiguous()?;
                let (q, k, v) = (qkv.get(0)?, qkv.get(1)?, qkv.get(2)?);
                let probs = q.matmul(&k.t()?)?;
                probs.inplace_op1(&Softmax)?;
                // (texts, heads, len, head size) → (texts, len, heads, head size).
                let context = probs.matmul(&v)?.transpose(1, 2)?;
                if len == s {
                    Ok(context)
                } else {
                    let shape = (count, s - len, heads, h / heads);
                    let padding = Tensor::zeros(shape, context.dtype(), &Device::Cpu)?;
                    Tensor::cat(&[context, padding], 1)
                }
            })
            .collect::<candle_core::Result<Vec<_>>>()?;
        Tensor::cat(&runs, 0)?.reshape((b * s, h))
    }

    fn layer(
        &self,
        layer: &Layer,
        x: &Tensor,
        b: usize,
        s: usize,
        lengths: &[usize],
    ) -> candle_core::Result<Tensor> {
        let context = self.attention(layer, x, b, s, lengths)?;
        let attended = layer.attention_out.forward(&context)?;
        attended.inplace_op2(
            x,
            &AddResidualNorm {
                bias: &layer.attention_out.bias,
                norm: &layer.attention_norm,
            },
        )?;
        let inner = layer.intermediate.forward(&attended)?;
        inner.inplace_op1(&AddBiasGelu(&layer.intermediate.bias))?;
        let out = layer.output.forward(&inner)?;
        out.inplace_op2(
            &attended,
            &AddResidualNorm {
                bias: &layer.output.bias,
                norm: &layer.output_norm,
            },
        )?;
        Ok(out)
    }
}

/// `(first, count)` for each run of consecutive equal values in `lengths`.
fn equal_runs(lengths: &[usize]) -> Vec<(usize, usize)> {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for (i, &len) in lengths.iter().enumerate() {
        match runs.last_mut() {
            Some((first, count)) if lengths[*first] == len => *count += 1,
            _ => runs.push((i, 1)),
        }
    }
    runs
}

/// The contiguous f32 values of a tensor's storage.
fn values_mut<'a>(
    storage: &'a mut CpuStorage,
    layout: &Layout,
) -> candle_core::Result<&'a mut [f32]> {
    match (storage, layout.contiguous_offsets()) {
        (CpuStorage::F32(v), Some((start, end))) => Ok(&mut v[start..end]),
        _ => candle_core::bail!("expected a contiguous f32 tensor"),
    }
}

fn values<'a>(storage: &'a CpuStorage, layout: &Layout) -> candle_core::Result<&'a [f32]> {
    match (storage, layout.contiguous_offsets()) {
        (CpuStorage::F32(v), Some((start, end))) => Ok(&v[start..end]),
        _ => candle_core::bail!("expected a contiguous f32 tensor"),
    }
}

/// Rows of at least this many values are worth a rayon task each.
const MIN_ROWS_PER_TASK: usize = 8;

/// `x += bias`, row by row.
struct AddBias<'a>(&'a [f32]);

impl InplaceOp1 for AddBias<'_> {
    fn name(&self) -> &'static str {
        "add-bias"
    }

    fn cpu_fwd(&self, storage: &mut CpuStorage, layout: &Layout) -> candle_core::Result<()> {
        let bias = self.0;
        values_mut(storage, layout)?
            .par_chunks_mut(bias.len())
            .with_min_len(MIN_ROWS_PER_TASK)
            .for_each(|row| {
                for (x, b) in row.iter_mut().zip(bias) {
                    *x += b;
                }
            });
        Ok(())
    }
}

/// `x = gelu(x + bias)` with the exact (erf) GELU that BERT uses.
struct AddBiasGelu<'a>(&'a [f32]);

impl InplaceOp1 for AddBiasGelu<'_> {
    fn name(&self) -> &'static str {
        "add-bias-gelu"
    }

    fn cpu_fwd(&self, storage: &mut CpuStorage, layout: &Layout) -> candle_core::Result<()> {
        let bias = self.0;
        values_mut(storage, layout)?
            .par_chunks_mut(bias.len())
            .with_min_len(MIN_ROWS_PER_TASK)
            .for_each(|row| {
                for (x, b) in row.iter_mut().zip(bias) {
                    let v = *x + b;
                    *x = 0.5 * v * (1.0 + math::erf(v * std::f32::consts::FRAC_1_SQRT_2));
                }
            });
        Ok(())
    }
}

/// `x = layer_norm(x + bias + residual)`, row by row.
struct AddResidualNorm<'a> {
    bias: &'a [f32],
    norm: &'a LayerNorm,
}

impl InplaceOp2 for AddResidualNorm<'_> {
    fn name(&self) -> &'static str {
        "add-residual-norm"
    }

    fn cpu_fwd(
        &self,
        dst: &mut CpuStorage,
        dst_l: &Layout,
        residual: &CpuStorage,
        residual_l: &Layout,
    ) -> candle_core::Result<()> {
        let dim = self.bias.len();
        let residual = values(residual, residual_l)?;
        let dst = values_mut(dst, dst_l)?;
        if residual.len() != dst.len() {
            candle_core::bail!("residual and output differ in size");
        }
        dst.par_chunks_mut(dim)
            .zip(residual.par_chunks(dim))
            .with_min_len(MIN_ROWS_PER_TASK)
            .for_each(|(row, res)| {
                // Indexing equal-length slices (rather than zipping three
                // iterators) is what lets the compiler vectorise this loop.
                let (res, bias) = (&res[..row.len()], &self.bias[..row.len()]);
                for i in 0..row.len() {
                    row[i] += res[i] + bias[i];
                }
                self.norm.apply(row);
            });
        Ok(())
    }
}

/// Softmax over the last axis of attention scores, row by row.
struct Softmax;

impl InplaceOp1 for Softmax {
    fn name(&self) -> &'static str {
        "softmax"
    }

    fn cpu_fwd(&self, storage: &mut CpuStorage, layout: &Layout) -> candle_core::Result<()> {
        let row_len = *layout.dims().last().unwrap_or(&1);
        values_mut(storage, layout)?
            .par_chunks_mut(row_len.max(1))
            .with_min_len(MIN_ROWS_PER_TASK)
            .for_each(softmax);
        Ok(())
    }
}

fn softmax(row: &mut [f32]) {
    let max = math::max(row);
    // Exponentiate, then sum, in separate passes so that both vectorise.
    for x in row.iter_mut() {
        *x = math::exp_non_positive(*x - max);
    }
    let inv = 1.0 / math::sum(row);
    row.iter_mut().for_each(|x| *x *= inv);
}

#[cfg(test)]
mod tests {
    use super::{Batch, LayerNorm, equal_runs, softmax};

    #[test]
    fn runs_of_equal_lengths() {
        assert_eq!(
            equal_runs(&[3, 3, 5, 7, 7, 7, 3]),
            vec![(0, 2), (2, 1), (3, 3), (6, 1)]
        );
        assert!(equal_runs(&[]).is_empty());
    }

    #[test]
    fn batch_pads_to_longest() {
        let batch = Batch::new(&[&[101, 7, 102], &[101, 102]]);
        assert_eq!(batch.seq_len, 3);
        assert_eq!(batch.lengths, vec![3, 2]);
        assert_eq!(batch.ids, vec![101, 7, 102, 101, 102, 0]);
    }

    #[test]
    fn softmax_matches_definition() {
        let mut row = [1.0, 2.0, 3.0];
        softmax(&mut row);
        let e = [1f32.exp(), 2f32.exp(), 3f32.exp()];
        let sum: f32 = e.iter().sum();
        for (got, want) in row.iter().zip(e.iter().map(|x| x / sum)) {
            assert!((got - want).abs() < 1e-6);
        }
    }

    #[test]
    fn layer_norm_matches_definition() {
        let norm = LayerNorm {
            gamma: vec![1.0, 2.0],
            beta: vec![0.5, 0.0],
            eps: 0.0,
        };
        let mut row = [1.0, 3.0];
        norm.apply(&mut row);
        assert_eq!(row, [-0.5, 2.0]);
    }
}
