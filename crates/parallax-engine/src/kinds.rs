//! Scores for the question kinds other than free text. Each yields a 0–100
//! score and a one-line explanation:
//!
//! * ranking — Spearman's rank correlation ρ mapped as `50 · (ρ + 1)`, with
//!   the items whose ranks differ most;
//! * number with a unit — `100 · (1 − |a − b| / max(|a|, |b|))`;
//! * single choice — 100 when equal, else 0;
//! * multiple choice — Jaccard index × 100;
//! * scale — `100 · (1 − |a − b| / (max − min))`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::InputError;

/// The comparison of two answers to a question that is not free text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct KindComparison {
    /// Alignment, 0–100.
    pub score: f64,
    /// One line for people.
    pub explanation: String,
    /// What the score was computed from.
    pub details: KindDetails,
}

/// Kind-specific findings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum KindDetails {
    /// Two rankings.
    Ranking {
        /// Spearman's ρ, −1–1.
        correlation: f64,
        /// Items with the largest rank difference, largest first (at most 3).
        largest_differences: Vec<RankDifference>,
    },
    /// Two numbers in the same unit.
    Number {
        /// |a − b| / max(|a|, |b|).
        relative_difference: f64,
    },
    /// Two single choices.
    SingleChoice {
        /// Whether both chose the same option.
        agreed: bool,
    },
    /// Two sets of choices.
    MultipleChoice {
        /// Options both chose.
        shared: Vec<String>,
        /// Options only A chose.
        a_only: Vec<String>,
        /// Options only B chose.
        b_only: Vec<String>,
    },
    /// Two points on a scale.
    Scale {
        /// |a − b|.
        distance: f64,
        /// max − min.
        range: f64,
    },
}

/// An item ranked differently by the two people (ranks start at 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RankDifference {
    /// The ranked item.
    pub item: String,
    /// Its rank in A (items A left out share the rank after the last).
    pub rank_a: f64,
    /// Its rank in B.
    pub rank_b: f64,
}

/// Compares two rankings (best first). Items present in only one ranking
/// count as tied after the last item in the other.
pub fn compare_ranking(a: &[String], b: &[String]) -> KindComparison {
    let mut items: Vec<&String> = a.iter().collect();
    items.extend(b.iter().filter(|x| !a.contains(x)));
    let rank_in = |list: &[String], item: &String| {
        list.iter()
            .position(|x| x == item)
            .map_or(list.len() as f64 + 1.0, |p| p as f64 + 1.0)
    };
    let ra: Vec<f64> = items.iter().map(|x| rank_in(a, x)).collect();
    let rb: Vec<f64> = items.iter().map(|x| rank_in(b, x)).collect();
    let correlation = spearman(&ra, &rb).unwrap_or(1.0);
    let mut differences: Vec<RankDifference> = items
        .iter()
        .zip(ra.iter().zip(&rb))
        .filter(|(_, (x, y))| x != y)
        .map(|(item, (&rank_a, &rank_b))| RankDifference {
            item: (*item).clone(),
            rank_a,
            rank_b,
        })
        .collect();
    differences.sort_by(|x, y| {
        (y.rank_a - y.rank_b)
            .abs()
            .total_cmp(&(x.rank_a - x.rank_b).abs())
    });
    differences.truncate(3);
    let score = 50.0 * (correlation + 1.0);
    let explanation = match differences.first() {
        None => "Same order.".to_owned(),
        Some(d) => format!(
            "Rank correlation {correlation:.2}; largest disagreement: \"{}\" ranked {} vs {}.",
            d.item, d.rank_a, d.rank_b
        ),
    };
    KindComparison {
        score,
        explanation,
        details: KindDetails::Ranking {
            correlation,
            largest_differences: differences,
        },
    }
}

/// Compares two numbers in the same `unit` (e.g. paying customers in 3 years).
pub fn compare_number(a: f64, b: f64, unit: &str) -> Result<KindComparison, InputError> {
    if !a.is_finite() || !b.is_finite() {
        return Err(InputError::NotFinite);
    }
    let scale = a.abs().max(b.abs());
    let relative_difference = if scale == 0.0 {
        0.0
    } else {
        ((a - b).abs() / scale).min(1.0)
    };
    let score = 100.0 * (1.0 - relative_difference);
    let explanation = if relative_difference == 0.0 {
        format!("Same number: {a} {unit}.")
    } else {
        format!(
            "{a} vs {b} {unit}: {:.0}% apart.",
            100.0 * relative_difference
        )
    };
    Ok(KindComparison {
        score,
        explanation,
        details: KindDetails::Number {
            relative_difference,
        },
    })
}

/// Compares two single choices.
pub fn compare_single_choice(a: &str, b: &str) -> KindComparison {
    let agreed = a == b;
    KindComparison {
        score: if agreed { 100.0 } else { 0.0 },
        explanation: if agreed {
            format!("Both chose \"{a}\".")
        } else {
            format!("\"{a}\" vs \"{b}\".")
        },
        details: KindDetails::SingleChoice { agreed },
    }
}

/// Compares two sets of choices by their Jaccard index (two empty sets agree).
pub fn compare_multiple_choice(a: &[String], b: &[String]) -> KindComparison {
    let mut shared: Vec<String> = a.iter().filter(|x| b.contains(x)).cloned().collect();
    shared.dedup();
    let mut a_only: Vec<String> = a.iter().filter(|x| !b.contains(x)).cloned().collect();
    a_only.dedup();
    let mut b_only: Vec<String> = b.iter().filter(|x| !a.contains(x)).cloned().collect();
    b_only.dedup();
    let union = shared.len() + a_only.len() + b_only.len();
    let jaccard = if union == 0 {
        1.0
    } else {
        shared.len() as f64 / union as f64
    };
    let explanation = format!("{} of {} chosen options shared.", shared.len(), union);
    KindComparison {
        score: 100.0 * jaccard,
        explanation,
        details: KindDetails::MultipleChoice {
            shared,
            a_only,
            b_only,
        },
    }
}

/// Compares two points on a scale from `min` to `max`.
pub fn compare_scale(a: f64, b: f64, min: f64, max: f64) -> Result<KindComparison, InputError> {
    if ![a, b, min, max].iter().all(|x| x.is_finite()) {
        return Err(InputError::NotFinite);
    }
    let inside = |x: f64| (min..=max).contains(&x);
    if min >= max || !inside(a) || !inside(b) {
        return Err(InputError::OutOfScale { min, max });
    }
    let (distance, range) = ((a - b).abs(), max - min);
    let score = 100.0 * (1.0 - distance / range);
    let explanation = format!("{a} vs {b} on a {min}–{max} scale.");
    Ok(KindComparison {
        score,
        explanation,
        details: KindDetails::Scale { distance, range },
    })
}

/// Spearman's rank correlation of paired samples (average ranks for ties);
/// `None` when fewer than two pairs or either side is constant.
pub fn spearman(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.len() != y.len() || x.len() < 2 {
        return None;
    }
    pearson(&average_ranks(x), &average_ranks(y))
}

fn average_ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&i, &j| values[i].total_cmp(&values[j]));
    let mut ranks = vec![0.0; values.len()];
    let mut k = 0;
    while k < order.len() {
        let mut end = k;
        while end + 1 < order.len() && values[order[end + 1]] == values[order[k]] {
            end += 1;
        }
        let rank = (k + end) as f64 / 2.0 + 1.0;
        order[k..=end].iter().for_each(|&i| ranks[i] = rank);
        k = end + 1;
    }
    ranks
}

fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let cov: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let vx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
    let vy: f64 = y.iter().map(|b| (b - my).powi(2)).sum();
    (vx > 0.0 && vy > 0.0).then(|| (cov / (vx * vy).sqrt()).clamp(-1.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn list(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn same_ranking_scores_100_and_reversed_scores_0() {
        let a = list(&["growth", "quality", "hiring", "profit"]);
        assert_eq!(compare_ranking(&a, &a).score, 100.0);
        let reversed: Vec<String> = a.iter().rev().cloned().collect();
        let c = compare_ranking(&a, &reversed);
        assert!(c.score.abs() < 1e-9);
        let KindDetails::Ranking {
            largest_differences,
            ..
        } = c.details
        else {
            panic!()
        };
        assert!(["growth", "profit"].contains(&largest_differences[0].item.as_str()));
    }

    #[test]
    fn one_swap_names_the_swapped_items() {
        let a = list(&["growth", "quality", "hiring", "profit"]);
        let b = list(&["profit", "quality", "hiring", "growth"]);
        let c = compare_ranking(&a, &b);
        assert!(c.score > 0.0 && c.score < 50.0, "{}", c.score);
        assert!(c.explanation.contains("growth") || c.explanation.contains("profit"));
    }

    #[test]
    fn numbers_compare_by_relative_difference() {
        let c = compare_number(300.0, 1000.0, "clinics").unwrap();
        assert!((c.score - 30.0).abs() < 1e-9);
        assert_eq!(compare_number(0.0, 0.0, "").unwrap().score, 100.0);
        assert_eq!(
            compare_number(f64::NAN, 1.0, ""),
            Err(InputError::NotFinite)
        );
    }

    #[test]
    fn choices_and_scales() {
        assert_eq!(compare_single_choice("B2B", "B2B").score, 100.0);
        assert_eq!(compare_single_choice("B2B", "B2C").score, 0.0);
        let c = compare_multiple_choice(
            &list(&["speed", "price", "support"]),
            &list(&["speed", "design"]),
        );
        assert!((c.score - 25.0).abs() < 1e-9);
        assert_eq!(compare_scale(2.0, 4.0, 1.0, 5.0).unwrap().score, 50.0);
        assert!(compare_scale(6.0, 4.0, 1.0, 5.0).is_err());
    }

    #[test]
    fn spearman_handles_ties_and_constants() {
        assert_eq!(spearman(&[1.0, 2.0, 3.0], &[10.0, 20.0, 30.0]), Some(1.0));
        assert_eq!(spearman(&[1.0, 1.0], &[1.0, 2.0]), None);
        let rho = spearman(&[1.0, 2.0, 2.0, 3.0], &[1.0, 2.0, 3.0, 4.0]).unwrap();
        assert!(rho > 0.9 && rho < 1.0);
    }

    proptest! {
        #[test]
        fn ranking_scores_are_bounded_and_symmetric(
            a in proptest::collection::vec("[a-e]", 0..6),
            b in proptest::collection::vec("[a-e]", 0..6),
        ) {
            let dedup = |v: Vec<String>| { let mut out = Vec::new(); for x in v { if !out.contains(&x) { out.push(x); } } out };
            let (a, b) = (dedup(a), dedup(b));
            let ab = compare_ranking(&a, &b).score;
            prop_assert!((0.0..=100.0).contains(&ab));
            prop_assert!((ab - compare_ranking(&b, &a).score).abs() < 1e-9);
        }

        #[test]
        fn number_scores_are_bounded_and_symmetric(a in -1e9f64..1e9, b in -1e9f64..1e9) {
            let ab = compare_number(a, b, "").unwrap().score;
            prop_assert!((0.0..=100.0).contains(&ab));
            prop_assert!((ab - compare_number(b, a, "").unwrap().score).abs() < 1e-9);
        }
    }
}
