//! The analysis engine: compares answers by meaning.
//!
//! This crate holds no model weights and no IO; the neural embedder lives in
//! `parallax-minilm` and plugs in through [`Embedder`].
//!
//! * [`claims`] splits answers into claims; [`text`] compares free-text
//!   answers (score, shared and one-sided claims, contradictions), with
//!   numbers handled by [`quantities`];
//! * [`opposition`] finds contradictions in meaning (negations, opposite
//!   positions) and [`regions`] reads the markets an answer names;
//! * [`kinds`] scores the other question kinds; [`index`] aggregates scores
//!   into a round's alignment index; [`heatmap`] draws them;
//! * [`patterns`] groups one-sided claims into recurring themes;
//! * [`lexical`] is the fallback when no model is installed;
//! * [`eval`] measures quality on the labelled set in `data/labelled.json`;
//!   [`synthetic`] makes answers for the speed benchmarks.

pub mod claims;
pub mod eval;
pub mod heatmap;
pub mod index;
pub mod kinds;
pub mod lexical;
pub mod opposition;
pub mod patterns;
pub mod quantities;
pub mod regions;
mod similarity;
pub mod synthetic;
pub mod text;

pub use claims::{Claim, split_claims};
pub use heatmap::{heatmap_over_rounds_svg, heatmap_svg};
pub use index::{AlignmentIndex, alignment_index};
pub use kinds::{KindComparison, KindDetails};
pub use patterns::{ClaimSource, Pattern, SourcedClaim, find_patterns};
pub use quantities::{Conflict, Contradiction, Quantity, QuantityKind, extract_quantities};
pub use text::{
    Calibration, GAP_BELOW, ScoreInputs, SharedClaim, SimilaritySource, TextComparison,
    VectorError, compare_text, compare_text_calibrated, compare_text_lexical, compare_text_scored,
    compare_text_with, texts_to_embed,
};

/// Which method produced a similarity or score.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// all-MiniLM-L6-v2 sentence embeddings.
    Minilm,
    /// The lexical fallback used when no model is installed.
    Lexical,
}

/// Input that cannot be compared.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InputError {
    /// A number is NaN or infinite.
    #[error("not a finite number")]
    NotFinite,
    /// A scale whose minimum is not below its maximum, or a value outside it.
    #[error("value outside the scale {min}–{max}")]
    OutOfScale {
        /// Scale minimum.
        min: f64,
        /// Scale maximum.
        max: f64,
    },
    /// Weights that do not fit the questions.
    #[error("{0}")]
    Weights(String),
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
