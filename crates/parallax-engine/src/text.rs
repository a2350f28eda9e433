//! Free-text comparison: a 0–100 alignment score, the claims both people
//! made, the claims only one made, and the numbers that contradict.
//!
//! # How it works
//!
//! Both answers are split into claims ([`crate::claims`]). Each claim gets a
//! unit vector: a sentence embedding (looked up by text, so the app can serve
//! them from its cache) or, in the fallback, a TF-IDF vector
//! ([`crate::lexical`]). A claim is *shared* when its most similar claim on the
//! other side has cosine ≥ [`Calibration::match_threshold`]; otherwise it is
//! reported as only-A or only-B.
//!
//! # Calibration of the score
//!
//! Raw cosines are not percentages: unrelated MiniLM sentences on the same
//! topic still reach ~0.3, paraphrases ~0.8. MiniLM vectors are first
//! centred ([`Calibration::centre`], [`MINILM_MEAN`]): what all business
//! text shares is taken off, so the cosine measures what the two claims say
//! rather than that both talk business. The score combines
//!
//! * `s` — the cosine between the two answers' directions (the normalised mean
//!   of each answer's claim vectors), mapped linearly from
//!   [`Calibration::floor`] (→ 0) to [`Calibration::ceiling`] (→ 1);
//! * `c` — the mean, over every claim of both sides, of its best cosine on the
//!   other side mapped from [`Calibration::claim_floor`] to
//!   [`Calibration::claim_ceiling`]: agreement claim by claim, so a long
//!   answer that says the same in other order and words scores as aligned.
//!   Two related claims that state the same number ([`crate::quantities`]) or
//!   the same market ([`crate::regions`]) count as matched;
//! * `f` — the figures that differ moderately (18 months vs 2 years),
//!
//! as `score = clamp(100 · (w·s + (1 − w)·c) − p·f, 0, 100)` with `w` =
//! [`Calibration::answer_weight`] and `p` =
//! [`Calibration::contradiction_penalty`]. A *strong* contradiction — a
//! negated claim, opposite positions ([`crate::opposition`]) or a figure off
//! by a factor of two or more — caps the score below [`GAP_BELOW`]
//! ([`CONTRADICTED_MIN`]), whatever the cosines say: embeddings put "we sell
//! to X" and "we do not sell to X" side by side. Identical answers score 100.
//! The constants per method are fitted on the labelled pool and reported by
//! cross-validation and on an untouched holdout in BENCHMARKS.md
//! ([`crate::eval`], `examples/quality.rs`).
//!
//! The answer direction is built from the claim vectors rather than from an
//! embedding of the whole answer: the same texts are embedded once, which
//! halves the embedding work of a round.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::claims::{Claim, split_claims};
use crate::lexical::{LexicalSpace, SparseVector};
use crate::opposition::find_oppositions;
use crate::quantities::{
    Conflict, Contradiction, Quantity, agreements_of, contradictions_of, extract_quantities,
};
use crate::regions::{countries, share_a_country};
use crate::{EmbedError, Embedder, Method};

/// Where claim vectors come from.
#[derive(Clone, Copy)]
pub enum SimilaritySource<'a> {
    /// The lexical fallback, computed on the spot.
    Lexical,
    /// Precomputed sentence embeddings, looked up by exact text.
    Vectors(&'a dyn Fn(&str) -> Option<Vec<f32>>),
}

impl std::fmt::Debug for SimilaritySource<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SimilaritySource::Lexical => "Lexical",
            SimilaritySource::Vectors(_) => "Vectors",
        })
    }
}

/// A lookup could not supply a usable vector.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum VectorError {
    /// No vector for this text: embed it (see [`texts_to_embed`]) first.
    #[error("no vector for text {0:?}")]
    Missing(String),
    /// Vectors of different models were mixed.
    #[error("vector of length {found} where {expected} was expected")]
    Dimension {
        /// Length of the first vector seen.
        expected: usize,
        /// Length of the offending vector.
        found: usize,
    },
}

/// The mean of the all-MiniLM-L6-v2 vectors of every claim of the labelled
/// pool (`data/minilm-mean.json`, written by `examples/quality.rs
/// --write-mean`): a fitted constant like the others, never the holdout.
pub static MINILM_MEAN: LazyLock<Vec<f32>> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../data/minilm-mean.json"))
        .expect("data/minilm-mean.json is a list of numbers")
});

/// Scores below this propose a gap in the app: chosen on the cross-validated
/// labelled set as the cut that best separates pairs graded 1–2 from pairs
/// graded 4–5 (BENCHMARKS.md). `parallax compare --json` reports it as `gap`.
pub const GAP_BELOW: f64 = 50.0;

/// The score of a pair with a strong contradiction is at most
/// `CONTRADICTED_MIN + (CONTRADICTED_MAX - CONTRADICTED_MIN) × s`, where `s`
/// is the share of claims no strong contradiction touches: a negated or
/// tenfold-off one-line answer scores 5, a long answer with one contradicted
/// claim stays below [`GAP_BELOW`], whatever its cosines say.
pub const CONTRADICTED_MIN: f64 = 5.0;
/// See [`CONTRADICTED_MIN`].
pub const CONTRADICTED_MAX: f64 = GAP_BELOW - 5.0;

/// Constants that turn similarities into matches and a score; see the module
/// documentation for the formula.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Calibration {
    /// Answer cosine mapped to 0.
    pub floor: f64,
    /// Answer cosine mapped to 1.
    pub ceiling: f64,
    /// A claim's best cosine on the other side mapped to 0.
    pub claim_floor: f64,
    /// A claim's best cosine on the other side mapped to 1.
    pub claim_ceiling: f64,
    /// Weight of the answer cosine against the claims' matches, 0–1.
    pub answer_weight: f64,
    /// Claim cosine from which two claims say the same thing.
    pub match_threshold: f64,
    /// Claim cosine from which two claims talk about the same subject, so
    /// that their numbers can agree or contradict and their positions oppose.
    pub related_threshold: f64,
    /// Points taken off per figure that differs moderately.
    pub contradiction_penalty: f64,
    /// Whether sentence vectors are centred first: the mean of
    /// all-MiniLM-L6-v2 claim vectors ([`MINILM_MEAN`]) is taken off and the
    /// rest renormalised, so that what every business answer shares no
    /// longer counts as agreement.
    pub centre: bool,
}

/// What a score is computed from; [`Calibration::score`] turns it into 0–100.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreInputs {
    /// Cosine between the two answers' directions.
    pub answer_similarity: f64,
    /// Each claim's (both sides') best cosine on the other side, raised to
    /// the match threshold where the two claims agree on a number or market.
    pub best: Vec<f64>,
    /// Figures that differ moderately.
    pub figures: usize,
    /// Strong contradictions (negation, opposition, a factor off).
    pub strong: usize,
    /// Share of claims (both sides) that a strong contradiction touches.
    pub contradicted_share: f64,
}

impl Calibration {
    /// Fitted for all-MiniLM-L6-v2 on the labelled pool.
    pub const MINILM: Calibration = Calibration {
        floor: 0.0,
        ceiling: 0.2,
        claim_floor: 0.0,
        claim_ceiling: 0.5,
        answer_weight: 0.0,
        match_threshold: 0.4,
        related_threshold: 0.25,
        contradiction_penalty: 2.5,
        centre: true,
    };

    /// Fitted for the lexical fallback on the labelled pool.
    pub const LEXICAL: Calibration = Calibration {
        floor: 0.0,
        ceiling: 0.2,
        claim_floor: 0.0,
        claim_ceiling: 0.2,
        answer_weight: 0.2,
        match_threshold: 0.175,
        related_threshold: 0.1,
        contradiction_penalty: 7.5,
        centre: false,
    };

    /// The fitted constants for `method`.
    pub fn for_method(method: Method) -> Calibration {
        match method {
            Method::Minilm => Calibration::MINILM,
            Method::Lexical => Calibration::LEXICAL,
        }
    }

    /// The score formula of the module documentation.
    pub fn score(&self, inputs: &ScoreInputs) -> f64 {
        let ramp =
            |x: f64, lo: f64, hi: f64| ((x - lo) / (hi - lo).max(f64::EPSILON)).clamp(0.0, 1.0);
        let answer = ramp(inputs.answer_similarity, self.floor, self.ceiling);
        let claims = if inputs.best.is_empty() {
            0.0
        } else {
            inputs
                .best
                .iter()
                .map(|&b| ramp(b, self.claim_floor, self.claim_ceiling))
                .sum::<f64>()
                / inputs.best.len() as f64
        };
        let blended = self.answer_weight * answer + (1.0 - self.answer_weight) * claims;
        let mut score = 100.0 * blended - self.contradiction_penalty * inputs.figures as f64;
        if inputs.strong > 0 {
            let untouched = 1.0 - inputs.contradicted_share.clamp(0.0, 1.0);
            score = score.min(CONTRADICTED_MIN + (CONTRADICTED_MAX - CONTRADICTED_MIN) * untouched);
        }
        score.clamp(0.0, 100.0)
    }
}

/// A claim of A and the claim of B that says the same thing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SharedClaim {
    /// The claim as written in A.
    pub a: String,
    /// The matching claim as written in B.
    pub b: String,
    /// Their cosine similarity.
    pub similarity: f64,
}

/// The comparison of two free-text answers. Every claim string is an exact
/// substring of its answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TextComparison {
    /// Alignment, 0–100.
    pub score: f64,
    /// Which method produced the similarities.
    pub method: Method,
    /// Cosine between the two answers' directions, before calibration.
    pub answer_similarity: f64,
    /// Share of all claims (both sides) that found a match, 0–1.
    pub coverage: f64,
    /// Claims both made, as pairs.
    pub shared: Vec<SharedClaim>,
    /// Claims only A made.
    pub a_only: Vec<String>,
    /// Claims only B made.
    pub b_only: Vec<String>,
    /// Quantities that contradict.
    pub contradictions: Vec<Contradiction>,
    /// One line for people.
    pub explanation: String,
}

/// Every text a comparison of `a` and `b` will look up: the claims of both,
/// without duplicates. Embed these (or fetch them from the cache) before
/// calling [`compare_text_with`].
pub fn texts_to_embed(a: &str, b: &str) -> Vec<String> {
    let mut texts: Vec<String> = split_claims(a)
        .into_iter()
        .chain(split_claims(b))
        .map(|c| c.text)
        .collect();
    let mut seen = std::collections::HashSet::new();
    texts.retain(|t| seen.insert(t.clone()));
    texts
}

/// Compares with precomputed embeddings; pure, never embeds. Fails when the
/// lookup lacks a text of [`texts_to_embed`].
pub fn compare_text_with(
    question: &str,
    a: &str,
    b: &str,
    lookup: &dyn Fn(&str) -> Option<Vec<f32>>,
) -> Result<TextComparison, VectorError> {
    compare_text_calibrated(
        question,
        a,
        b,
        SimilaritySource::Vectors(lookup),
        &Calibration::MINILM,
    )
}

/// Compares with the lexical fallback.
pub fn compare_text_lexical(question: &str, a: &str, b: &str) -> TextComparison {
    let claims_a = split_claims(a);
    let claims_b = split_claims(b);
    let texts: Vec<&str> = claims_a
        .iter()
        .chain(&claims_b)
        .map(|c| c.text.as_str())
        .collect();
    let encoded = Encoded::lexical(&texts, question);
    compare_encoded(
        question,
        &claims_a,
        &claims_b,
        &encoded,
        &Calibration::LEXICAL,
    )
    .0
}

/// Compares, embedding the claims with `embedder`; `None` uses the lexical
/// fallback.
pub fn compare_text(
    question: &str,
    a: &str,
    b: &str,
    embedder: Option<&dyn Embedder>,
) -> Result<TextComparison, EmbedError> {
    let Some(embedder) = embedder else {
        return Ok(compare_text_lexical(question, a, b));
    };
    let texts = texts_to_embed(a, b);
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let vectors = embedder.embed(&refs)?;
    if vectors.len() != texts.len() {
        return Err(EmbedError(format!(
            "{} vectors for {} texts",
            vectors.len(),
            texts.len()
        )));
    }
    let by_text: HashMap<&str, Vec<f32>> = refs.into_iter().zip(vectors).collect();
    compare_text_with(question, a, b, &|t| by_text.get(t).cloned())
        .map_err(|e| EmbedError(e.to_string()))
}

/// Compares with explicit vectors and constants (used to tune them).
pub fn compare_text_calibrated(
    question: &str,
    a: &str,
    b: &str,
    source: SimilaritySource<'_>,
    calibration: &Calibration,
) -> Result<TextComparison, VectorError> {
    compare_text_scored(question, a, b, source, calibration).map(|(c, _)| c)
}

/// [`compare_text_calibrated`] with what its score was computed from, so
/// that other constants can re-score it without comparing again.
pub fn compare_text_scored(
    question: &str,
    a: &str,
    b: &str,
    source: SimilaritySource<'_>,
    calibration: &Calibration,
) -> Result<(TextComparison, ScoreInputs), VectorError> {
    let claims_a = split_claims(a);
    let claims_b = split_claims(b);
    let texts: Vec<&str> = claims_a
        .iter()
        .chain(&claims_b)
        .map(|c| c.text.as_str())
        .collect();
    let mut encoded = Encoded::encode(&texts, source, question)?;
    if calibration.centre {
        encoded.centre(&MINILM_MEAN);
    }
    Ok(compare_encoded(
        question,
        &claims_a,
        &claims_b,
        &encoded,
        calibration,
    ))
}

/// The comparison proper, on claims of A then B encoded in that order.
fn compare_encoded(
    question: &str,
    claims_a: &[Claim],
    claims_b: &[Claim],
    encoded: &Encoded,
    calibration: &Calibration,
) -> (TextComparison, ScoreInputs) {
    let (n, m) = (claims_a.len(), claims_b.len());
    let texts: Vec<&str> = claims_a
        .iter()
        .chain(claims_b)
        .map(|c| c.text.as_str())
        .collect();
    let method = encoded.method();
    if n == 0 || m == 0 {
        return one_side_empty(method, claims_a, claims_b);
    }
    let (ta, tb) = (&texts[..n], &texts[n..]);
    let raw = |i: usize, j: usize| encoded.cosine(i, n + j);
    let related = |i: usize, j: usize| raw(i, j) >= calibration.related_threshold;
    // Claims that state the same number or market say the same thing about
    // it, however differently they are worded.
    let qa: Vec<Vec<Quantity>> = ta.iter().map(|t| extract_quantities(t)).collect();
    let qb: Vec<Vec<Quantity>> = tb.iter().map(|t| extract_quantities(t)).collect();
    let mut agreeing = agreements_of(&qa, &qb, &related);
    let markets_a: Vec<Vec<&str>> = ta.iter().map(|t| countries(t)).collect();
    let markets_b: Vec<Vec<&str>> = tb.iter().map(|t| countries(t)).collect();
    for (i, x) in markets_a.iter().enumerate() {
        for (j, y) in markets_b.iter().enumerate() {
            if share_a_country(x, y) && related(i, j) && !agreeing.contains(&(i, j)) {
                agreeing.push((i, j));
            }
        }
    }
    let threshold = calibration.match_threshold;
    let sim = |i: usize, j: usize| {
        let s = raw(i, j);
        if agreeing.contains(&(i, j)) {
            s.max(threshold)
        } else {
            s
        }
    };
    let mut contradictions = contradictions_of(ta, tb, &qa, &qb, &related);
    contradictions.extend(find_oppositions(question, ta, tb));
    let touched_a = |i: usize| contradictions.iter().any(|c| c.a == ta[i]);
    let touched_b = |j: usize| contradictions.iter().any(|c| c.b == tb[j]);
    let best_b: Vec<(usize, f64)> = (0..n).map(|i| best(m, |j| sim(i, j))).collect();
    let best_a: Vec<(usize, f64)> = (0..m).map(|j| best(n, |i| sim(i, j))).collect();
    let mut pairs: Vec<(usize, usize, f64)> = Vec::new();
    for (i, &(j, s)) in best_b.iter().enumerate() {
        if s >= threshold {
            pairs.push((i, j, s));
        }
    }
    for (j, &(i, s)) in best_a.iter().enumerate() {
        if s >= threshold && !pairs.iter().any(|&(pi, pj, _)| pi == i && pj == j) {
            pairs.push((i, j, s));
        }
    }
    // Claims that contradict each other are not a claim both made.
    pairs.retain(|&(i, j, _)| !contradictions.iter().any(|c| c.a == ta[i] && c.b == tb[j]));
    pairs.sort_by_key(|&(i, j, _)| (i, j));
    // A contradicted claim is not one-sided either: both spoke about it.
    let a_only: Vec<String> = (0..n)
        .filter(|&i| best_b[i].1 < threshold && !touched_a(i))
        .map(|i| claims_a[i].text.clone())
        .collect();
    let b_only: Vec<String> = (0..m)
        .filter(|&j| best_a[j].1 < threshold && !touched_b(j))
        .map(|j| claims_b[j].text.clone())
        .collect();
    let strong: Vec<&Contradiction> = contradictions
        .iter()
        .filter(|c| c.conflict.is_strong())
        .collect();
    let touched_strong = (0..n)
        .filter(|&i| strong.iter().any(|c| c.a == ta[i]))
        .count()
        + (0..m)
            .filter(|&j| strong.iter().any(|c| c.b == tb[j]))
            .count();
    let inputs = ScoreInputs {
        answer_similarity: encoded.centroid_cosine(0..n, n..n + m),
        best: best_b.iter().chain(&best_a).map(|&(_, s)| s).collect(),
        figures: contradictions.len() - strong.len(),
        strong: strong.len(),
        contradicted_share: touched_strong as f64 / (n + m) as f64,
    };
    let coverage = 1.0 - (a_only.len() + b_only.len()) as f64 / (n + m) as f64;
    let score = calibration.score(&inputs);
    let shared: Vec<SharedClaim> = pairs
        .into_iter()
        .map(|(i, j, similarity)| SharedClaim {
            a: claims_a[i].text.clone(),
            b: claims_b[j].text.clone(),
            similarity,
        })
        .collect();
    let mut comparison = TextComparison {
        score,
        method,
        answer_similarity: inputs.answer_similarity,
        coverage,
        shared,
        a_only,
        b_only,
        contradictions,
        explanation: String::new(),
    };
    comparison.explanation = comparison.explain_for("A", "B");
    (comparison, inputs)
}

/// Index and value of the largest of `f(0..len)`.
fn best(len: usize, f: impl Fn(usize) -> f64) -> (usize, f64) {
    (0..len).map(|k| (k, f(k))).fold(
        (0, f64::NEG_INFINITY),
        |acc, x| if x.1 > acc.1 { x } else { acc },
    )
}

fn one_side_empty(method: Method, a: &[Claim], b: &[Claim]) -> (TextComparison, ScoreInputs) {
    let both_empty = a.is_empty() && b.is_empty();
    let score = if both_empty { 100.0 } else { 0.0 };
    let inputs = ScoreInputs {
        answer_similarity: if both_empty { 1.0 } else { 0.0 },
        best: vec![0.0; a.len() + b.len()],
        figures: 0,
        strong: 0,
        contradicted_share: 0.0,
    };
    let comparison = TextComparison {
        score,
        method,
        answer_similarity: if both_empty { 1.0 } else { 0.0 },
        coverage: if both_empty { 1.0 } else { 0.0 },
        shared: Vec::new(),
        a_only: a.iter().map(|c| c.text.clone()).collect(),
        b_only: b.iter().map(|c| c.text.clone()).collect(),
        contradictions: Vec::new(),
        explanation: if both_empty {
            "Both answers are empty.".to_owned()
        } else {
            "One answer is empty: nothing to compare.".to_owned()
        },
    };
    (comparison, inputs)
}

impl TextComparison {
    /// The one-line explanation, naming the two people: "Misaligned (32/100,
    /// MiniLM): 1 said by both, 2 only by Lena, 2 only by Tom; contradicted:
    /// 1 opposite position." The comparison itself names them A and B.
    pub fn explain_for(&self, a: &str, b: &str) -> String {
        let score = self.score;
        let verdict = match score {
            s if s >= 80.0 => "Aligned",
            s if s >= 60.0 => "Mostly aligned",
            s if s >= GAP_BELOW => "Partly aligned",
            _ => "Misaligned",
        };
        let method = match self.method {
            Method::Minilm => "MiniLM",
            Method::Lexical => "lexical fallback",
        };
        let count = |conflict: Conflict| {
            self.contradictions
                .iter()
                .filter(|c| c.conflict == conflict)
                .count()
        };
        let found: Vec<String> = [
            (Conflict::Negation, "negated claim", "negated claims"),
            (
                Conflict::Opposition,
                "opposite position",
                "opposite positions",
            ),
            (
                Conflict::Magnitude,
                "figure off by a factor",
                "figures off by a factor",
            ),
            (
                Conflict::Figure,
                "figure that differs",
                "figures that differ",
            ),
        ]
        .into_iter()
        .filter_map(|(conflict, one, many)| match count(conflict) {
            0 => None,
            1 => Some(format!("1 {one}")),
            k => Some(format!("{k} {many}")),
        })
        .collect();
        let conflicts = if found.is_empty() {
            String::new()
        } else {
            format!("; contradicted: {}", found.join(", "))
        };
        let (shared, a_only, b_only) = (self.shared.len(), self.a_only.len(), self.b_only.len());
        format!(
            "{verdict} ({score:.0}/100, {method}): {shared} said by both, {a_only} only by {a}, {b_only} only by {b}{conflicts}."
        )
    }
}

/// Unit vectors of a set of texts, from either source.
pub(crate) enum Encoded {
    Dense(Vec<Vec<f32>>),
    Sparse(Vec<SparseVector>),
}

impl Encoded {
    /// Vectors of `texts`; for the lexical source, fitted on `texts` with
    /// `question` discounted.
    pub(crate) fn encode(
        texts: &[&str],
        source: SimilaritySource<'_>,
        question: &str,
    ) -> Result<Encoded, VectorError> {
        match source {
            SimilaritySource::Lexical => Ok(Encoded::lexical(texts, question)),
            SimilaritySource::Vectors(lookup) => {
                let mut out: Vec<Vec<f32>> = Vec::with_capacity(texts.len());
                for text in texts {
                    let mut v =
                        lookup(text).ok_or_else(|| VectorError::Missing((*text).to_owned()))?;
                    if let Some(first) = out.first()
                        && first.len() != v.len()
                    {
                        return Err(VectorError::Dimension {
                            expected: first.len(),
                            found: v.len(),
                        });
                    }
                    normalise(&mut v);
                    out.push(v);
                }
                Ok(Encoded::Dense(out))
            }
        }
    }

    /// Takes `mean` off every dense vector and renormalises; vectors of
    /// another length (another model) and sparse vectors stay as they are.
    pub(crate) fn centre(&mut self, mean: &[f32]) {
        if let Encoded::Dense(vectors) = self {
            for v in vectors.iter_mut().filter(|v| v.len() == mean.len()) {
                v.iter_mut().zip(mean).for_each(|(x, m)| *x -= m);
                normalise(v);
            }
        }
    }

    /// TF-IDF vectors fitted on `texts`, with `question` terms discounted.
    pub(crate) fn lexical(texts: &[&str], question: &str) -> Encoded {
        let space = LexicalSpace::fit(texts, question);
        Encoded::Sparse(texts.iter().map(|t| space.vector(t)).collect())
    }

    pub(crate) fn method(&self) -> Method {
        match self {
            Encoded::Dense(_) => Method::Minilm,
            Encoded::Sparse(_) => Method::Lexical,
        }
    }

    pub(crate) fn len(&self) -> usize {
        match self {
            Encoded::Dense(v) => v.len(),
            Encoded::Sparse(v) => v.len(),
        }
    }

    pub(crate) fn cosine(&self, i: usize, j: usize) -> f64 {
        match self {
            Encoded::Dense(v) => dot(&v[i], &v[j]),
            Encoded::Sparse(v) => v[i].cosine(&v[j]),
        }
    }

    /// Every pair's cosine as an n × n row-major matrix.
    pub(crate) fn pairwise(&self) -> Vec<f32> {
        match self {
            Encoded::Dense(v) => {
                let dim = v.first().map_or(0, Vec::len);
                crate::similarity::gram(&v.concat(), v.len(), dim)
            }
            Encoded::Sparse(v) => {
                let n = v.len();
                let mut out = vec![1.0; n * n];
                for i in 0..n {
                    for j in i + 1..n {
                        let s = v[i].cosine(&v[j]) as f32;
                        out[i * n + j] = s;
                        out[j * n + i] = s;
                    }
                }
                out
            }
        }
    }

    /// Cosine between the normalised means of two ranges of vectors.
    pub(crate) fn centroid_cosine(&self, a: Range<usize>, b: Range<usize>) -> f64 {
        match self {
            Encoded::Dense(v) => {
                let centroid = |r: Range<usize>| {
                    let mut sum = vec![0.0f32; v.first().map_or(0, Vec::len)];
                    for x in &v[r] {
                        sum.iter_mut().zip(x).for_each(|(s, x)| *s += x);
                    }
                    normalise(&mut sum);
                    sum
                };
                dot(&centroid(a), &centroid(b))
            }
            Encoded::Sparse(v) => {
                SparseVector::centroid(&v[a]).cosine(&SparseVector::centroid(&v[b]))
            }
        }
    }
}

/// Dot product with eight independent accumulators: float addition is not
/// reassociated by the compiler, and a single running sum would keep the
/// pattern clustering of a round (n² dot products) from vectorising.
fn dot(a: &[f32], b: &[f32]) -> f64 {
    let mut acc = [0.0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    f64::from(acc.iter().sum::<f32>() + tail)
}

fn normalise(v: &mut [f32]) {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const QUESTION: &str = "Who is our ideal customer?";
    const LEADER: &str = "Independent dental clinics with three to ten chairs. They still book patients on paper and lose hours every week to no-shows. In three years we serve 300 clinics.";
    const TECH: &str = "Small dental practices that still keep their appointment book on paper. Their biggest pain is patients who do not show up. We should be in 1,000 clinics by then. We must integrate with their x-ray software.";
    const UNRELATED: &str = "A stock exchange listing. Revenue from advertising banners on a mobile game for teenagers.";

    /// A toy embedder: bag of stemmed words hashed into 64 dimensions.
    struct HashEmbedder;

    impl Embedder for HashEmbedder {
        fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
            Ok(texts
                .iter()
                .map(|t| {
                    let mut v = vec![0.0f32; 64];
                    for term in crate::lexical::content_terms(t) {
                        let h = term
                            .bytes()
                            .fold(7usize, |h, b| h.wrapping_mul(31).wrapping_add(b as usize));
                        v[h % 64] += 1.0;
                    }
                    normalise(&mut v);
                    v
                })
                .collect())
        }

        fn dimension(&self) -> usize {
            64
        }
    }

    #[test]
    fn identical_answers_score_100_with_every_claim_shared() {
        let c = compare_text_lexical(QUESTION, LEADER, LEADER);
        assert!((c.score - 100.0).abs() < 1e-6, "{}", c.score);
        assert_eq!(c.shared.len(), 3);
        assert!(c.a_only.is_empty() && c.b_only.is_empty() && c.contradictions.is_empty());
        assert_eq!(c.method, Method::Lexical);
    }

    #[test]
    fn unrelated_answers_score_low_and_everything_is_one_sided() {
        let c = compare_text_lexical(QUESTION, LEADER, UNRELATED);
        assert!(c.score < 20.0, "{}", c.score);
        assert!(c.shared.is_empty());
        assert_eq!(c.a_only.len(), 3);
    }

    #[test]
    fn close_answers_flag_the_contradicting_count_and_the_extra_claim() {
        let c = compare_text_lexical(QUESTION, LEADER, TECH);
        assert_eq!(c.contradictions.len(), 1, "{:?}", c.contradictions);
        assert_eq!(
            c.contradictions[0].explanation,
            "300 clinics vs 1,000 clinics"
        );
        assert!(
            c.b_only.iter().any(|s| s.contains("x-ray")),
            "{:?}",
            c.b_only
        );
        let unrelated = compare_text_lexical(QUESTION, LEADER, UNRELATED);
        assert!(c.score > unrelated.score);
    }

    #[test]
    fn claims_are_substrings_of_their_answers() {
        let c = compare_text_lexical(QUESTION, LEADER, TECH);
        for s in &c.shared {
            assert!(LEADER.contains(&s.a) && TECH.contains(&s.b));
        }
        assert!(c.a_only.iter().all(|s| LEADER.contains(s)));
        assert!(c.b_only.iter().all(|s| TECH.contains(s)));
    }

    #[test]
    fn precomputed_vectors_give_the_same_result_as_embedding() {
        let direct = compare_text(QUESTION, LEADER, TECH, Some(&HashEmbedder)).unwrap();
        assert_eq!(direct.method, Method::Minilm);
        let texts = texts_to_embed(LEADER, TECH);
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let cache: HashMap<String, Vec<f32>> = texts
            .iter()
            .cloned()
            .zip(HashEmbedder.embed(&refs).unwrap())
            .collect();
        let cached = compare_text_with(QUESTION, LEADER, TECH, &|t| cache.get(t).cloned()).unwrap();
        assert_eq!(direct, cached);
    }

    #[test]
    fn a_missing_vector_is_an_error_naming_the_text() {
        let err = compare_text_with(QUESTION, LEADER, TECH, &|_| None).unwrap_err();
        assert!(matches!(err, VectorError::Missing(t) if LEADER.contains(&t)));
    }

    #[test]
    fn empty_answers() {
        assert_eq!(compare_text_lexical(QUESTION, "", "").score, 100.0);
        let c = compare_text_lexical(QUESTION, LEADER, "  ");
        assert_eq!((c.score, c.a_only.len()), (0.0, 3));
    }

    #[test]
    fn json_has_the_keys_the_cli_promises() {
        let json = serde_json::to_value(compare_text_lexical(QUESTION, LEADER, TECH)).unwrap();
        for key in [
            "score",
            "method",
            "shared",
            "a_only",
            "b_only",
            "contradictions",
        ] {
            assert!(json.get(key).is_some(), "{key}");
        }
        assert_eq!(json["method"], "lexical");
        assert!(
            json["contradictions"][0]["a"].is_string()
                && json["contradictions"][0]["b"].is_string()
        );
        assert!(json["shared"][0]["a"].is_string());
    }

    proptest! {
        #[test]
        fn score_is_bounded_and_symmetric(a in "[a-z ,.0-9]{0,120}", b in "[a-z ,.0-9]{0,120}") {
            let ab = compare_text_lexical(QUESTION, &a, &b);
            let ba = compare_text_lexical(QUESTION, &b, &a);
            prop_assert!((0.0..=100.0).contains(&ab.score));
            // Sums in another order differ in the last bits; scores show as integers.
            prop_assert!((ab.score - ba.score).abs() < 1e-3);
            prop_assert_eq!(ab.a_only, ba.b_only);
        }
    }
}
