//! Patterns: one-sided claims that recur across questions, participants and
//! rounds, grouped into themes with a short label.
//!
//! Claims are clustered by cosine similarity (embeddings when the app has
//! them, TF-IDF otherwise) with average linkage: two groups merge while
//! their claims are, on average, similar enough. Unlike single linkage this
//! does not chain loosely related claims into one blob. A theme is a pattern only when it has claims from at least
//! two sources (question × participant × round). Patterns are ordered by the
//! number of sources, then claims.
//!
//! Labels are noun phrases taken from the claims (runs of up to three
//! content words), chosen by how many of the theme's claims use them and
//! their TF-IDF weight: the theme's phrase, or, when two participants'
//! claims lean on different ones, "X vs Y" (e.g. "enterprise clinics vs
//! small clinics").

use std::collections::{BTreeSet, HashSet};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::Method;
use crate::lexical::{LexicalSpace, is_stop_word, stem, words};
use crate::text::{Encoded, SimilaritySource, VectorError};

/// Cosine from which two MiniLM claims belong to one theme: looser than a
/// claim match, since a theme groups related concerns, not paraphrases.
pub const MINILM_THEME_THRESHOLD: f64 = 0.45;
/// The same for the lexical fallback.
pub const LEXICAL_THEME_THRESHOLD: f64 = 0.12;

/// Where a claim was made.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
pub struct ClaimSource {
    /// Round id or label.
    pub round: String,
    /// Question id or label.
    pub question: String,
    /// Participant id or label.
    pub participant: String,
}

/// A one-sided claim with its source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SourcedClaim {
    /// The claim as written.
    pub text: String,
    /// Where it was made.
    pub source: ClaimSource,
}

/// A recurring theme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Pattern {
    /// A few words, e.g. "enterprise vs small clinics".
    pub label: String,
    /// The claims of the theme, in input order.
    pub claims: Vec<SourcedClaim>,
    /// Distinct participants who made them.
    pub participants: Vec<String>,
    /// Distinct questions they answered.
    pub questions: Vec<String>,
    /// Distinct rounds they came from.
    pub rounds: Vec<String>,
}

/// Groups `claims` into patterns, most recurring first. Identical claims from
/// the same source count once.
pub fn find_patterns(
    claims: &[SourcedClaim],
    source: SimilaritySource<'_>,
) -> Result<Vec<Pattern>, VectorError> {
    let mut seen = HashSet::new();
    let unique: Vec<&SourcedClaim> = claims
        .iter()
        .filter(|c| seen.insert((&c.text, &c.source)))
        .collect();
    let texts: Vec<&str> = unique.iter().map(|c| c.text.as_str()).collect();
    let encoded = Encoded::encode(&texts, source, "")?;
    let threshold = match encoded.method() {
        Method::Minilm => MINILM_THEME_THRESHOLD,
        Method::Lexical => LEXICAL_THEME_THRESHOLD,
    };
    let space = LexicalSpace::fit(&texts, "");
    let mut patterns: Vec<(usize, Pattern)> = cluster(&encoded, threshold)
        .into_iter()
        .filter_map(|members| {
            let claims: Vec<SourcedClaim> = members.iter().map(|&i| unique[i].clone()).collect();
            let sources = claims
                .iter()
                .map(|c| &c.source)
                .collect::<BTreeSet<_>>()
                .len();
            if sources < 2 {
                return None;
            }
            let distinct = |f: fn(&ClaimSource) -> &String| {
                let set: BTreeSet<&String> = claims.iter().map(|c| f(&c.source)).collect();
                set.into_iter().cloned().collect::<Vec<String>>()
            };
            let pattern = Pattern {
                label: label(&space, &claims),
                participants: distinct(|s| &s.participant),
                questions: distinct(|s| &s.question),
                rounds: distinct(|s| &s.round),
                claims,
            };
            Some((sources, pattern))
        })
        .collect();
    patterns.sort_by(|(sa, a), (sb, b)| sb.cmp(sa).then(b.claims.len().cmp(&a.claims.len())));
    Ok(patterns.into_iter().map(|(_, p)| p).collect())
}

/// Average-linkage agglomerative clustering, stopped when no two clusters
/// have a mean similarity ≥ `threshold`; returns member indexes per cluster,
/// each sorted, singletons included. Each row caches its best partner, so a
/// merge usually costs O(n) and the whole pass O(n²).
fn cluster(encoded: &Encoded, threshold: f64) -> Vec<Vec<usize>> {
    let n = encoded.len();
    // Full square matrix, row-major: merges update rows and columns alike.
    let mut sim = encoded.pairwise();
    let threshold = threshold as f32;
    let mut members: Vec<Vec<usize>> = (0..n).map(|i| vec![i]).collect();
    let mut active = vec![true; n];
    let best_of = |sim: &[f32], active: &[bool], i: usize| {
        let row = &sim[i * n..(i + 1) * n];
        row.iter()
            .zip(active)
            .enumerate()
            .filter(|&(j, (_, &on))| on && j != i)
            .fold(None, |acc: Option<(usize, f32)>, (j, (&s, _))| match acc {
                Some(a) if a.1 >= s => Some(a),
                _ => Some((j, s)),
            })
    };
    let mut best: Vec<Option<(usize, f32)>> = (0..n).map(|i| best_of(&sim, &active, i)).collect();
    while let Some((i, (j, _))) = (0..n)
        .filter(|&i| active[i])
        .filter_map(|i| best[i].map(|b| (i, b)))
        .max_by(|x, y| x.1.1.total_cmp(&y.1.1).then(y.0.cmp(&x.0)))
        .filter(|(_, (_, s))| *s >= threshold)
    {
        let (ni, nj) = (members[i].len() as f32, members[j].len() as f32);
        for k in 0..n {
            if active[k] && k != i && k != j {
                let merged = (ni * sim[i * n + k] + nj * sim[j * n + k]) / (ni + nj);
                sim[i * n + k] = merged;
                sim[k * n + i] = merged;
            }
        }
        active[j] = false;
        let moved = std::mem::take(&mut members[j]);
        members[i].extend(moved);
        best[j] = None;
        best[i] = best_of(&sim, &active, i);
        for k in 0..n {
            if !active[k] || k == i {
                continue;
            }
            match best[k] {
                // Its partner changed or vanished: rescan the row.
                Some((b, _)) if b == i || b == j => best[k] = best_of(&sim, &active, k),
                Some((_, v)) if sim[i * n + k] > v => best[k] = Some((i, sim[i * n + k])),
                _ => {}
            }
        }
    }
    let mut clusters: Vec<Vec<usize>> = members.into_iter().filter(|m| !m.is_empty()).collect();
    clusters.iter_mut().for_each(|m| m.sort_unstable());
    clusters
}

/// Common verbs that end a run of content words: a label is a noun phrase
/// ("small clinics"), never "clinics buy".
const VERBS: &[&str] = &[
    "become", "becomes", "build", "builds", "buy", "buys", "come", "comes", "get", "gets", "give",
    "gives", "go", "goes", "grow", "grows", "keep", "keeps", "lead", "leads", "made", "makes",
    "need", "needs", "pay", "pays", "run", "runs", "see", "sees", "sell", "sells", "take", "takes",
    "want", "wants", "win", "wins", "work", "works",
];

/// A label candidate: one to three content words in a row in one claim.
struct Phrase {
    stems: Vec<String>,
    text: String,
}

/// The phrases of `text`: runs of content words (no stop words, verbs or
/// figures) that no punctuation breaks, and every part of a run up to three
/// words long.
fn phrases(text: &str) -> Vec<Phrase> {
    let mut runs: Vec<Vec<&str>> = vec![Vec::new()];
    let mut end = 0;
    for (at, word) in words(text) {
        let lower = word.to_lowercase();
        let content = !is_stop_word(word)
            && !VERBS.contains(&lower.as_str())
            && word.chars().any(char::is_alphabetic)
            && !word.chars().any(|c| c.is_ascii_digit());
        let broken = text[end..at].chars().any(|c| !c.is_whitespace());
        if (broken || !content) && runs.last().is_some_and(|r| !r.is_empty()) {
            runs.push(Vec::new());
        }
        if content && let Some(run) = runs.last_mut() {
            run.push(word);
        }
        end = at + word.len();
    }
    let shown = |w: &str| {
        if w.chars()
            .filter(|c| c.is_alphabetic())
            .all(char::is_uppercase)
            && w.len() > 1
        {
            w.to_owned()
        } else {
            w.to_lowercase()
        }
    };
    let mut out = Vec::new();
    for run in runs {
        for len in 1..=run.len().min(3) {
            for part in run.windows(len) {
                out.push(Phrase {
                    stems: part.iter().map(|w| stem(w)).collect(),
                    text: part.iter().map(|w| shown(w)).collect::<Vec<_>>().join(" "),
                });
            }
        }
    }
    out
}

/// The phrase that best names `claims`: used by the most claims, then
/// carrying the most weight (rarer, longer phrases), then shortest text;
/// none of `avoid`'s claims may use it.
fn best_phrase(
    space: &LexicalSpace,
    claims: &[&SourcedClaim],
    avoid: &[&SourcedClaim],
) -> Option<String> {
    let stems_of = |group: &[&SourcedClaim]| -> Vec<HashSet<String>> {
        group
            .iter()
            .map(|c| words(&c.text).into_iter().map(|(_, w)| stem(w)).collect())
            .collect()
    };
    let own = stems_of(claims);
    let other = stems_of(avoid);
    let covers = |sets: &[HashSet<String>], p: &Phrase| {
        sets.iter()
            .filter(|set| p.stems.iter().all(|s| set.contains(s)))
            .count()
    };
    let mut best: Option<(usize, f32, Phrase)> = None;
    for phrase in claims.iter().flat_map(|c| phrases(&c.text)) {
        if covers(&other, &phrase) > 0 {
            continue;
        }
        let coverage = covers(&own, &phrase);
        let weight: f32 = phrase.stems.iter().map(|s| space.weight(s)).sum();
        let better = best.as_ref().is_none_or(|(c, w, b)| {
            (coverage, weight).partial_cmp(&(*c, *w)) == Some(std::cmp::Ordering::Greater)
                || (coverage == *c && weight == *w && phrase.text < b.text)
        });
        if better {
            best = Some((coverage, weight, phrase));
        }
    }
    best.map(|(_, _, p)| p.text)
}

/// A short, readable name for a theme, taken from its claims: a noun phrase
/// they share, or, when two participants' claims lean on different ones,
/// "X vs Y" (e.g. "enterprise clinics vs small clinics").
fn label(space: &LexicalSpace, claims: &[SourcedClaim]) -> String {
    let mut by_participant: Vec<(&String, Vec<&SourcedClaim>)> = Vec::new();
    for claim in claims {
        match by_participant
            .iter_mut()
            .find(|(p, _)| **p == claim.source.participant)
        {
            Some((_, group)) => group.push(claim),
            None => by_participant.push((&claim.source.participant, vec![claim])),
        }
    }
    by_participant.sort_by_key(|(_, group)| std::cmp::Reverse(group.len()));
    if let [(_, first), (_, second), ..] = by_participant.as_slice()
        && let (Some(x), Some(y)) = (
            best_phrase(space, first, second),
            best_phrase(space, second, first),
        )
    {
        return format!("{x} vs {y}");
    }
    let all: Vec<&SourcedClaim> = claims.iter().collect();
    best_phrase(space, &all, &[]).unwrap_or_else(|| "recurring claims".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(text: &str, question: &str, participant: &str) -> SourcedClaim {
        SourcedClaim {
            text: text.to_owned(),
            source: ClaimSource {
                round: "Q1".to_owned(),
                question: question.to_owned(),
                participant: participant.to_owned(),
            },
        }
    }

    #[test]
    fn recurring_claims_form_a_labelled_pattern_with_their_sources() {
        let claims = [
            claim(
                "Our buyers are enterprise clinics with procurement teams.",
                "customer",
                "Ana",
            ),
            claim(
                "Enterprise clinics buy the compliance module.",
                "3 years",
                "Ana",
            ),
            claim(
                "Our buyers are small clinics with two dentists.",
                "customer",
                "Ben",
            ),
            claim(
                "Small clinics buy because onboarding takes minutes.",
                "compete",
                "Ben",
            ),
            claim("A public listing on the stock exchange.", "10 years", "Ana"),
        ];
        let patterns = find_patterns(&claims, SimilaritySource::Lexical).unwrap();
        assert_eq!(patterns.len(), 1, "{patterns:?}");
        let p = &patterns[0];
        assert_eq!(p.claims.len(), 4);
        assert_eq!(p.participants, ["Ana", "Ben"]);
        assert_eq!(p.questions, ["3 years", "compete", "customer"]);
        assert_eq!(p.label, "enterprise clinics vs small clinics");
    }

    #[test]
    fn labels_are_phrases_of_the_claims_without_verbs_or_figures() {
        let claims = [
            claim(
                "Predictive maintenance goes first for the plants.",
                "3 years",
                "Ana",
            ),
            claim(
                "Predictive maintenance lead time drops by half.",
                "5 years",
                "Ana",
            ),
            claim("We reach 8M ARR from plants in Germany.", "3 years", "Ben"),
            claim(
                "Plants in Germany pay for uptime, 8M ARR.",
                "5 years",
                "Ben",
            ),
        ];
        let texts: Vec<String> = claims.iter().map(|c| c.text.to_lowercase()).collect();
        let documents: Vec<&str> = claims.iter().map(|c| c.text.as_str()).collect();
        let space = LexicalSpace::fit(&documents, "");
        let label = label(&space, &claims);
        let (ana, ben) = label.split_once(" vs ").expect("two readings");
        assert_eq!(
            ana, "predictive maintenance",
            "the longest phrase both claims use"
        );
        for side in [ana, ben] {
            assert!(
                texts.iter().any(|t| t.contains(&side.to_lowercase())),
                "“{side}” of “{label}” is not a phrase of a claim"
            );
            assert!(
                !side.contains("goes") && !side.chars().any(|c| c.is_ascii_digit()),
                "{label}"
            );
        }
    }

    #[test]
    fn one_source_repeating_itself_is_not_a_pattern() {
        let claims = [
            claim("Enterprise clinics first.", "customer", "Ana"),
            claim("Enterprise clinics first.", "customer", "Ana"),
            claim("Enterprise clinics, big ones.", "customer", "Ana"),
        ];
        assert!(
            find_patterns(&claims, SimilaritySource::Lexical)
                .unwrap()
                .is_empty()
        );
    }

    /// Average linkage the slow, obvious way: merge the pair of clusters with
    /// the highest mean pairwise cosine while it reaches the threshold.
    fn reference_clusters(vectors: &[Vec<f32>], threshold: f64) -> Vec<Vec<usize>> {
        let cos = |i: usize, j: usize| -> f64 {
            vectors[i]
                .iter()
                .zip(&vectors[j])
                .map(|(a, b)| f64::from(*a) * f64::from(*b))
                .sum()
        };
        let mut clusters: Vec<Vec<usize>> = (0..vectors.len()).map(|i| vec![i]).collect();
        loop {
            let mut best: Option<(usize, usize, f64)> = None;
            for a in 0..clusters.len() {
                for b in a + 1..clusters.len() {
                    let pairs = (clusters[a].len() * clusters[b].len()) as f64;
                    let mean = clusters[a]
                        .iter()
                        .flat_map(|&i| clusters[b].iter().map(move |&j| (i, j)))
                        .map(|(i, j)| cos(i, j))
                        .sum::<f64>()
                        / pairs;
                    if best.is_none_or(|(_, _, m)| mean > m) {
                        best = Some((a, b, mean));
                    }
                }
            }
            match best {
                Some((a, b, mean)) if mean >= threshold => {
                    let moved = clusters.remove(b);
                    clusters[a].extend(moved);
                }
                _ => break,
            }
        }
        let mut out: Vec<Vec<usize>> = clusters
            .into_iter()
            .map(|mut c| {
                c.sort_unstable();
                c
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn clustering_matches_plain_average_linkage() {
        let mut seed = 11u64;
        let mut next = || {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            ((seed >> 40) as f32 / (1u64 << 24) as f32) - 0.5
        };
        let (mut grouped, mut separated) = (false, false);
        for round in 0..40 {
            let n = 3 + round % 25;
            // A few directions with noise, so that some claims group.
            let centres: Vec<Vec<f32>> =
                (0..4).map(|_| (0..16).map(|_| next()).collect()).collect();
            let vectors: Vec<Vec<f32>> = (0..n)
                .map(|i| {
                    let mut v: Vec<f32> = centres[i % 4].iter().map(|c| c + 0.6 * next()).collect();
                    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
                    v.iter_mut().for_each(|x| *x /= norm);
                    v
                })
                .collect();
            let mut fast = cluster(&Encoded::Dense(vectors.clone()), MINILM_THEME_THRESHOLD);
            fast.sort();
            grouped |= fast.iter().any(|c| c.len() > 1);
            separated |= fast.len() > 1;
            assert_eq!(
                fast,
                reference_clusters(&vectors, MINILM_THEME_THRESHOLD),
                "{n} vectors"
            );
        }
        assert!(
            grouped && separated,
            "the cases exercise merging and stopping"
        );
    }

    #[test]
    fn vectors_drive_the_grouping_when_given() {
        let claims = [
            claim("alpha", "q1", "Ana"),
            claim("beta", "q2", "Ben"),
            claim("gamma", "q3", "Ben"),
        ];
        // "alpha" and "beta" share a direction although they share no word.
        let lookup = |t: &str| match t {
            "alpha" | "beta" => Some(vec![1.0, 0.0]),
            _ => Some(vec![0.0, 1.0]),
        };
        let patterns = find_patterns(&claims, SimilaritySource::Vectors(&lookup)).unwrap();
        assert_eq!(patterns.len(), 1);
        assert_eq!(patterns[0].claims.len(), 2);
        assert_eq!(patterns[0].label, "alpha vs beta");
    }
}
