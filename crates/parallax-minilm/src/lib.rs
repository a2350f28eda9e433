//! all-MiniLM-L6-v2 sentence embeddings on candle, in-process, CPU, f32.
//!
//! [`MiniLm`] is the neural [`Embedder`] of the analysis engine: it reads
//! `model.safetensors`, `tokenizer.json` and `config.json` from a folder and
//! produces the same unit-length vectors as sentence-transformers (masked mean
//! pooling, then L2 normalisation). The [`install`](mod@install) module
//! obtains and verifies those files.

mod batching;
mod encoder;
pub mod install;
mod math;
mod pooling;
mod weights;

use std::path::{Path, PathBuf};

use parallax_engine::{EmbedError, Embedder};
use tokenizers::{Tokenizer, TruncationParams};

use crate::encoder::{Batch, Encoder};
pub use crate::install::{default_model_dir, install, is_installed};

/// The files a model folder must hold, in the order they are installed.
pub const MODEL_FILES: [&str; 3] = ["model.safetensors", "tokenizer.json", "config.json"];

/// Longest input, in tokens including `[CLS]` and `[SEP]`, that the model
/// sees; longer texts are cut, as sentence-transformers does for this model.
pub const MAX_TOKENS: usize = 256;

/// Texts per forward pass unless [`MiniLm::with_batch_size`] says otherwise.
pub const DEFAULT_BATCH_SIZE: usize = 32;

/// Most tokens, padding included, in one forward pass: 8 texts of 256 tokens.
/// Bounds peak memory (about 25 kB per token) while keeping matrix products
/// large enough to run at full speed.
const MAX_BATCH_TOKENS: usize = 2048;

/// Failure to load or install the model.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// A file could not be read, written or moved.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder concerned.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A model file holds something other than what this crate expects.
    #[error("{path}: {message}")]
    Format {
        /// The file concerned.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// A file's SHA-256 differs from the one recorded for all-MiniLM-L6-v2.
    #[error("{file}: checksum mismatch (expected {expected}, found {actual})")]
    Checksum {
        /// Name of the model file.
        file: String,
        /// The recorded digest, hex.
        expected: String,
        /// The digest of the file found, hex.
        actual: String,
    },
    /// No way to obtain the model worked; the message says what was tried.
    #[error("could not obtain the model: {0}")]
    Unavailable(String),
    /// The tokenizer could not be loaded or configured.
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    /// The tensor library failed.
    #[error("candle: {0}")]
    Candle(#[from] candle_core::Error),
    /// A worker thread pool could not be started.
    #[error("thread pool: {0}")]
    ThreadPool(#[from] rayon::ThreadPoolBuildError),
}

impl ModelError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn format(path: &Path, message: impl Into<String>) -> Self {
        Self::Format {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }
}

/// all-MiniLM-L6-v2 loaded in memory, ready to embed.
///
/// Cheap to share behind an `Arc`; `embed` takes `&self` and may run from
/// several threads at once (each call then competes for the same cores).
pub struct MiniLm {
    tokenizer: Tokenizer,
    encoder: Encoder,
    batch_size: usize,
    pool: Option<rayon::ThreadPool>,
}

impl MiniLm {
    /// Loads `model.safetensors`, `tokenizer.json` and `config.json` from
    /// `dir`. Does not verify checksums: see [`is_installed`] for that.
    pub fn load(dir: &Path) -> Result<Self, ModelError> {
        let tokenizer = load_tokenizer(&dir.join("tokenizer.json"))?;
        let encoder = Encoder::load(&dir.join("config.json"), &dir.join("model.safetensors"))?;
        Ok(Self {
            tokenizer,
            encoder,
            batch_size: DEFAULT_BATCH_SIZE,
            pool: None,
        })
    }

    /// Runs every later `embed` on a dedicated pool of `threads` worker
    /// threads instead of rayon's global pool, so embedding can be kept off
    /// the cores that serve requests.
    pub fn with_threads(mut self, threads: usize) -> Result<Self, ModelError> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .thread_name(|i| format!("minilm-{i}"))
            .build()?;
        self.pool = Some(pool);
        Ok(self)
    }

    /// Sets how many texts go through the model together (at least 1).
    pub fn with_batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size.max(1);
        self
    }

    /// Number of tokens the model sees for each text, `[CLS]` and `[SEP]`
    /// included, after truncation to [`MAX_TOKENS`].
    pub fn token_counts(&self, texts: &[&str]) -> Result<Vec<usize>, ModelError> {
        Ok(self.tokenize(texts)?.iter().map(Vec::len).collect())
    }

    fn tokenize(&self, texts: &[&str]) -> Result<Vec<Vec<u32>>, ModelError> {
        let inputs: Vec<&str> = texts.to_vec();
        let encodings = self
            .tokenizer
            .encode_batch(inputs, true)
            .map_err(|e| ModelError::Tokenizer(e.to_string()))?;
        Ok(encodings
            .into_iter()
            .map(|e| e.get_ids().to_vec())
            .collect())
    }

    fn embed_all(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, ModelError> {
        let ids = self.tokenize(texts)?;
        let lengths: Vec<usize> = ids.iter().map(Vec::len).collect();
        let mut vectors = vec![Vec::new(); texts.len()];
        for batch in batching::plan(&lengths, self.batch_size, MAX_BATCH_TOKENS) {
            let rows: Vec<&[u32]> = batch.iter().map(|&i| ids[i].as_slice()).collect();
            let input = Batch::new(&rows);
            let hidden = self.encoder.forward(&input)?;
            let pooled =
                pooling::mean_pool(&hidden, input.seq_len, self.dimension(), &input.lengths);
            for (&i, mut vector) in batch.iter().zip(pooled) {
                pooling::l2_normalize(&mut vector);
                vectors[i] = vector;
            }
        }
        Ok(vectors)
    }
}

impl Embedder for MiniLm {
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let run = || self.embed_all(texts).map_err(|e| EmbedError(e.to_string()));
        match &self.pool {
            Some(pool) => pool.install(run),
            None => run(),
        }
    }

    fn dimension(&self) -> usize {
        self.encoder.hidden_size()
    }
}

/// Loads the tokenizer and replaces its packaged fixed 128-token padding and
/// truncation with sentence-transformers' behaviour: cut at [`MAX_TOKENS`],
/// no padding (batches are padded to their longest text by the encoder).
fn load_tokenizer(path: &Path) -> Result<Tokenizer, ModelError> {
    let mut tokenizer =
        Tokenizer::from_file(path).map_err(|e| ModelError::format(path, e.to_string()))?;
    tokenizer.with_padding(None);
    tokenizer
        .with_truncation(Some(TruncationParams {
            max_length: MAX_TOKENS,
            ..TruncationParams::default()
        }))
        .map_err(|e| ModelError::Tokenizer(e.to_string()))?;
    Ok(tokenizer)
}
