//! Quality evaluation on the labelled set in `data/labelled.json`.
//!
//! Each labelled pair holds a template question, a business leader's answer
//! (A), a technical lead's answer (B), a grade of their alignment from 1
//! (opposed) to 5 (same meaning), and the claims only one side made, copied
//! verbatim from the answers. About half the pairs are marked `tune` (for
//! fitting [`crate::Calibration`]) and half `report` (for the figures in
//! BENCHMARKS.md).
//!
//! Measures:
//!
//! * Spearman's ρ between the comparison score and the grade;
//! * precision and recall of one-sided claims. A predicted only-A claim is
//!   correct when it *overlaps* a labelled only-A claim (same for B): both are
//!   located in the answer, and their byte ranges must share at least half of
//!   the shorter one. This forgives a different cut ("we sell to clinics" vs
//!   "we sell to clinics, mostly small ones") but not a different claim.
//!   Precision = correct predicted claims / predicted claims; recall =
//!   labelled claims overlapped by some predicted claim / labelled claims;
//!   both pooled over all pairs of the split.

use serde::{Deserialize, Serialize};

use crate::TextComparison;
use crate::kinds::spearman;

/// The labelled set, built into the crate so tests and examples need no IO.
pub const LABELLED_JSON: &str = include_str!("../data/labelled.json");

/// Which half of the labelled set a pair belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Split {
    /// Used to fit thresholds and calibration.
    Tune,
    /// Held out; the reported figures come from it.
    Report,
}

/// One graded pair of answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelledPair {
    /// Stable identifier.
    pub id: String,
    /// Tuning or report half.
    pub split: Split,
    /// The template question.
    pub question: String,
    /// The business leader's answer.
    pub a: String,
    /// The technical lead's answer.
    pub b: String,
    /// Alignment from 1 (opposed) to 5 (same meaning).
    pub grade: u8,
    /// Claims only A made, verbatim from `a`.
    pub a_only: Vec<String>,
    /// Claims only B made, verbatim from `b`.
    pub b_only: Vec<String>,
}

/// Parses the built-in labelled set.
pub fn labelled_pairs() -> Result<Vec<LabelledPair>, serde_json::Error> {
    serde_json::from_str(LABELLED_JSON)
}

/// Quality figures for one method on one split.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QualityReport {
    /// Pairs evaluated.
    pub pairs: usize,
    /// Spearman's ρ of score vs grade; `None` when undefined.
    pub spearman: Option<f64>,
    /// Share of predicted one-sided claims that overlap a labelled one.
    pub claim_precision: f64,
    /// Share of labelled one-sided claims overlapped by a predicted one.
    pub claim_recall: f64,
    /// Predicted one-sided claims.
    pub predicted_claims: usize,
    /// Labelled one-sided claims.
    pub labelled_claims: usize,
}

/// Whether `predicted` and `labelled`, both substrings of `answer`, share at
/// least half of the shorter one's bytes.
pub fn claims_overlap(answer: &str, predicted: &str, labelled: &str) -> bool {
    let (Some(p), Some(l)) = (answer.find(predicted), answer.find(labelled)) else {
        return false;
    };
    let shared = (p + predicted.len())
        .min(l + labelled.len())
        .saturating_sub(p.max(l));
    let shorter = predicted.len().min(labelled.len());
    shorter > 0 && 2 * shared >= shorter
}

/// Scores `results[k]`, the comparison of `pairs[k]`, against the labels.
pub fn evaluate(pairs: &[&LabelledPair], results: &[TextComparison]) -> QualityReport {
    let grades: Vec<f64> = pairs.iter().map(|p| f64::from(p.grade)).collect();
    let scores: Vec<f64> = results.iter().map(|r| r.score).collect();
    let (mut predicted, mut correct, mut labelled, mut found) = (0, 0, 0, 0);
    for (pair, result) in pairs.iter().zip(results) {
        for (answer, guessed, truth) in [
            (&pair.a, &result.a_only, &pair.a_only),
            (&pair.b, &result.b_only, &pair.b_only),
        ] {
            predicted += guessed.len();
            correct += guessed
                .iter()
                .filter(|g| truth.iter().any(|t| claims_overlap(answer, g, t)))
                .count();
            labelled += truth.len();
            found += truth
                .iter()
                .filter(|t| guessed.iter().any(|g| claims_overlap(answer, g, t)))
                .count();
        }
    }
    let ratio = |x: usize, n: usize| if n == 0 { 1.0 } else { x as f64 / n as f64 };
    QualityReport {
        pairs: pairs.len(),
        spearman: spearman(&scores, &grades),
        claim_precision: ratio(correct, predicted),
        claim_recall: ratio(found, labelled),
        predicted_claims: predicted,
        labelled_claims: labelled,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare_text_lexical;

    #[test]
    fn labelled_set_is_large_balanced_and_verbatim() {
        let pairs = labelled_pairs().unwrap();
        assert!(pairs.len() >= 40);
        let report = pairs.iter().filter(|p| p.split == Split::Report).count();
        assert!(report * 3 >= pairs.len() && report * 3 <= 2 * pairs.len());
        for p in &pairs {
            assert!((1..=5).contains(&p.grade), "{}", p.id);
            for claim in &p.a_only {
                assert!(p.a.contains(claim.as_str()), "{}: {claim:?} not in A", p.id);
            }
            for claim in &p.b_only {
                assert!(p.b.contains(claim.as_str()), "{}: {claim:?} not in B", p.id);
            }
        }
        let mut ids: Vec<&str> = pairs.iter().map(|p| p.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), pairs.len());
    }

    #[test]
    fn overlap_forgives_a_different_cut_but_not_a_different_claim() {
        let answer = "We sell to clinics, mostly small ones. We never sell to hospitals.";
        assert!(claims_overlap(
            answer,
            "We sell to clinics, mostly small ones.",
            "We sell to clinics"
        ));
        assert!(!claims_overlap(
            answer,
            "We never sell to hospitals.",
            "We sell to clinics"
        ));
        assert!(!claims_overlap(
            answer,
            "not in the answer",
            "We sell to clinics"
        ));
    }

    #[test]
    fn perfect_predictions_score_perfectly() {
        let pair = LabelledPair {
            id: "x".into(),
            split: Split::Tune,
            question: "Who is our ideal customer?".into(),
            a: "Small dental clinics. They hate paperwork.".into(),
            b: "Small dental clinics. Listing on the stock exchange.".into(),
            grade: 3,
            a_only: vec!["They hate paperwork.".into()],
            b_only: vec!["Listing on the stock exchange.".into()],
        };
        let result = compare_text_lexical(&pair.question, &pair.a, &pair.b);
        let report = evaluate(&[&pair], &[result]);
        assert_eq!((report.claim_precision, report.claim_recall), (1.0, 1.0));
        assert_eq!(report.spearman, None);
    }
}
