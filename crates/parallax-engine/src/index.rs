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

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::InputError;

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
    let weight = |q: usize| weights.get(q).copied().unwrap_or(1.0);
    let participants = cells.iter().map(Vec::len).max().unwrap_or(0);
    let mean = |scores: &mut dyn Iterator<Item = (f64, f64)>| {
        let (sum, total) = scores.fold((0.0, 0.0), |(s, t), (score, w)| (s + score * w, t + w));
        (total > 0.0).then(|| sum / total)
    };
    let present = |q: usize, p: usize| cells[q].get(p).copied().flatten().filter(|s| s.is_finite());
    let per_participant = (0..participants)
        .map(|p| mean(&mut (0..cells.len()).filter_map(|q| present(q, p).map(|s| (s, weight(q))))))
        .collect();
    let overall = mean(&mut (0..cells.len()).flat_map(|q| {
        (0..participants).filter_map(move |p| present(q, p).map(|s| (s, weight(q))))
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
        let cells = vec![vec![Some(80.0), Some(40.0)], vec![Some(60.0), None]];
        let index = alignment_index(&cells, &[]).unwrap();
        assert_eq!(index.per_participant, [Some(70.0), Some(40.0)]);
        assert_eq!(index.overall, Some(60.0));
    }

    #[test]
    fn weights_favour_the_questions_that_matter() {
        let cells = vec![vec![Some(100.0)], vec![Some(0.0)]];
        let index = alignment_index(&cells, &[3.0, 1.0]).unwrap();
        assert_eq!(index.overall, Some(75.0));
        assert!(alignment_index(&cells, &[1.0]).is_err());
        assert!(alignment_index(&cells, &[1.0, -1.0]).is_err());
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
