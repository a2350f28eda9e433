//! A round's alignment index: the weighted mean of question scores, per
//! participant and overall.
//!
//! Scores come as a grid, one row per question and one column per
//! participant (each participant compared with the vision), the same layout
//! as the heatmap. Missing scores (not answered, analysis off) are skipped and
//! the remaining weights renormalised, so a skipped question neither counts as
//! 0 nor as 100. The overall index is the weighted mean over every present
//! cell, which equals the mean of the participants' indexes when nothing is
//! missing.
//!
//! A misaligned cell (a score under [`GAP_BELOW`], where a gap is proposed)
//! counts [`MISALIGNED_WEIGHT`] times its question's weight: a mean that lets
//! ten agreeing questions average away a contradiction on the one that
//! matters most would promise an alignment that is not there.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::InputError;
use crate::text::GAP_BELOW;

/// How many times its weight a misaligned cell counts in the index.
pub const MISALIGNED_WEIGHT: f64 = 3.0;

/// Alignment per participant and for the whole round, 0–100.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AlignmentIndex {
    /// The round's index; `None` when no question has a score.
    pub overall: Option<f64>,
    /// One index per participant column; `None` for a participant without
    /// any score.
    pub per_participant: Vec<Option<f64>>,
}

/// Computes the index from `cells[question][participant]`. `weights` holds
/// one non-negative weight per question; empty means equal weights.
pub fn alignment_index(
    cells: &[Vec<Option<f64>>],
    weights: &[f64],
) -> Result<AlignmentIndex, InputError> {
    if !weights.is_empty() && weights.len() != cells.len() {
        return Err(InputError::Weights(format!(
            "{} weights for {} questions",
            weights.len(),
            cells.len()
        )));
    }
    if weights.iter().any(|w| !w.is_finite() || *w < 0.0) {
        return Err(InputError::Weights(
            "weights must be finite and non-negative".to_owned(),
        ));
    }
    let question_weight = |q: usize| weights.get(q).copied().unwrap_or(1.0);
    let weight = |q: usize, score: f64| {
        question_weight(q)
            * if score < GAP_BELOW {
                MISALIGNED_WEIGHT
            } else {
                1.0
            }
    };
    let participants = cells.iter().map(Vec::len).max().unwrap_or(0);
    let mean = |scores: &mut dyn Iterator<Item = (f64, f64)>| {
        let (sum, total) = scores.fold((0.0, 0.0), |(s, t), (score, w)| (s + score * w, t + w));
        (total > 0.0).then(|| sum / total)
    };
    let present = |q: usize, p: usize| cells[q].get(p).copied().flatten().filter(|s| s.is_finite());
    let per_participant = (0..participants)
        .map(|p| {
            mean(&mut (0..cells.len()).filter_map(|q| present(q, p).map(|s| (s, weight(q, s)))))
        })
        .collect();
    let overall = mean(&mut (0..cells.len()).flat_map(|q| {
        (0..participants).filter_map(move |p| present(q, p).map(|s| (s, weight(q, s))))
    }));
    Ok(AlignmentIndex {
        overall,
        per_participant,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn equal_weights_average_each_participant() {
        let cells = vec![vec![Some(80.0), Some(55.0)], vec![Some(60.0), None]];
        let index = alignment_index(&cells, &[]).unwrap();
        assert_eq!(index.per_participant, [Some(70.0), Some(55.0)]);
        assert_eq!(index.overall, Some(65.0));
    }

    #[test]
    fn weights_favour_the_questions_that_matter() {
        let cells = vec![vec![Some(100.0)], vec![Some(60.0)]];
        let index = alignment_index(&cells, &[3.0, 1.0]).unwrap();
        assert_eq!(index.overall, Some(90.0));
        assert!(alignment_index(&cells, &[1.0]).is_err());
        assert!(alignment_index(&cells, &[1.0, -1.0]).is_err());
    }

    #[test]
    fn a_contradicted_question_of_weight_three_pulls_the_index_under_70() {
        // Eleven questions at 95, the one weighted ×3 contradicted (capped at 5).
        let mut cells = vec![vec![Some(95.0)]; 11];
        cells.push(vec![Some(5.0)]);
        let mut weights = vec![1.0; 11];
        weights.push(3.0);
        let index = alignment_index(&cells, &weights).unwrap();
        let overall = index.overall.unwrap();
        assert!(overall < 70.0, "{overall}");
        let plain = (11.0 * 95.0 + 3.0 * 5.0) / 14.0;
        assert!(plain > 70.0, "a plain weighted mean would say {plain}");
    }

    #[test]
    fn nothing_scored_gives_no_index() {
        let index = alignment_index(&[vec![None, None]], &[]).unwrap();
        assert_eq!(index.overall, None);
        assert_eq!(index.per_participant, [None, None]);
    }

    proptest! {
        #[test]
        fn index_stays_within_the_scores(cells in proptest::collection::vec(proptest::collection::vec(proptest::option::of(0.0f64..=100.0), 3), 1..6)) {
            let index = alignment_index(&cells, &[]).unwrap();
            for value in index.per_participant.iter().chain([&index.overall]).flatten() {
                prop_assert!((0.0..=100.0 + 1e-9).contains(value));
            }
        }
    }
}
