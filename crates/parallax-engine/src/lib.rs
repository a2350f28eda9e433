//! The analysis engine: compares answers by meaning.
//!
//! This crate holds no model weights and no IO; the neural embedder lives in
//! `parallax-minilm` and plugs in through [`Embedder`].

/// Which method produced a similarity or score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// all-MiniLM-L6-v2 sentence embeddings.
    Minilm,
    /// The lexical fallback used when no model is installed.
    Lexical,
}

/// Failure to embed texts.
#[derive(Debug, thiserror::Error)]
#[error("embedding failed: {0}")]
pub struct EmbedError(pub String);

/// Turns texts into L2-normalised sentence vectors.
///
/// Implementations are CPU-bound and synchronous: callers run them off the
/// async executor.
pub trait Embedder: Send + Sync {
    /// One unit-length vector per input text, in input order.
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError>;
    /// Length of every vector this embedder returns.
    fn dimension(&self) -> usize;
}
