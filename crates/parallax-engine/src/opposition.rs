//! Contradictions in meaning: a claim one side makes and the other negates
//! ("We sell to large enterprises" / "We do not sell to large enterprises"),
//! and opposite positions on the same subject without a negation ("onshore
//! remains our core" / "half of revenue from outside onshore", "pause the
//! launch" / "finish the launch first").
//!
//! Sentence embeddings place a claim and its negation close together, so these
//! are found by rule, on words:
//!
//! * **Negation.** A clause holding a negation cue ("not", "never", "no
//!   longer", "won't", "stop"…) contradicts a claim of the other side that
//!   states most of the clause's content terms (at least two of them, and two
//!   thirds) without negating them. Skipped when the question itself is
//!   negative ("What will we *not* do?"), where a plain list already means
//!   "not".
//! * **Opposition.** Pairs of opposite positions ([`OPPOSITES`]): a claim
//!   taking one pole and a claim taking the other, about the same subject —
//!   a content term they share within a few words of the pole words (none
//!   for the company's own future: "independent" vs "acquired"). A negated
//!   pole counts as the opposite one ("not our core" = outside).

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use crate::lexical::{is_stop_word, stem, words};
use crate::quantities::{Conflict, Contradiction};

/// Cue words that negate their clause. "stop"/"cease" negate an activity.
const NEGATION_CUES: &[&str] = &[
    "not", "no", "never", "nobody", "none", "nothing", "neither", "nor", "cannot", "stop", "stops",
    "stopped", "cease",
];

/// Phrases that look negative but are not ("not only", "no other tool").
const NOT_NEGATIONS: &[&str] = &[
    "not only",
    "not just",
    "no other",
    "no one else",
    "nobody else",
    "no doubt",
    "no matter",
    "not least",
    "never been",
    "no more than",
    "not more than",
    "no less than",
    "no later than",
    "not later than",
    "no fewer than",
];

/// Phrases after which what follows is refused, not stated: "rather than
/// building it ourselves", "instead of firefighting", "without a vendor".
const CONTRAST_CUES: &[&str] = &["rather than", "instead of", "without"];

/// Words in a negated clause that are part of the negation, not its content.
const NEGATION_FILLER: &[&str] = &["longer", "yet", "anymore", "ever", "more"];

/// Opposite positions: (name, one pole, the other). Phrases are matched on
/// stemmed words, so "finishing" matches "finish".
pub const OPPOSITES: &[(&str, &[&str], &[&str])] = &[
    (
        "core vs outside",
        &[
            "core",
            "central",
            "heart of",
            "mainstay",
            "backbone",
            "bread and butter",
            "main focus",
            "focus on",
            "stay in",
            "stick to",
        ],
        &[
            "outside",
            "beyond",
            "non-core",
            "peripheral",
            "diversify",
            "away from",
            "exit",
            "abandon",
            "wind down",
            "move on from",
            "side business",
            "stay out of",
        ],
    ),
    (
        "pause vs finish",
        &[
            "pause",
            "halt",
            "freeze",
            "shelve",
            "postpone",
            "suspend",
            "on hold",
            "park",
            "deprioritise",
            "deprioritize",
            "can wait",
            "wait",
            "waits",
            "put aside",
            "sunset",
        ],
        &[
            "finish",
            "complete",
            "continue",
            "keep going",
            "ship",
            "accelerate",
            "double down",
            "prioritise",
            "prioritize",
            "first",
        ],
    ),
    (
        "build vs buy",
        &[
            "build our own",
            "build it",
            "build them",
            "build the",
            "in-house",
            "ourselves",
            "our own",
            "develop our own",
            "train our own",
            "own model",
            "own models",
        ],
        &[
            "buy it",
            "buy the",
            "buy them",
            "license",
            "licensed",
            "outsource",
            "outsourced",
            "white-label",
            "off-the-shelf",
            "third party",
            "third-party",
            "partner with",
            "rent",
            "from a vendor",
            "a vendor",
            "acquiring a",
            "acquire a",
        ],
    ),
    (
        "independent vs acquired",
        &[
            "still independent",
            "stay independent",
            "remain independent",
            "independent company",
            "we are independent",
            "independence",
            "stay private",
            "bootstrapped",
            "self-funded",
            "founder-led",
            "founder-owned",
        ],
        &[
            "acquired",
            "be bought",
            "bought by",
            "buys us",
            "buy us",
            "sold to",
            "sold off",
            "sell the company",
            "merge with",
            "merger",
            "part of a bigger",
            "part of a larger",
            "part of one of",
        ],
    ),
    (
        "small vs large customers",
        &[
            "small",
            "smb",
            "smbs",
            "sme",
            "smes",
            "startups",
            "mid-size",
            "mid-sized",
            "independent",
        ],
        &[
            "enterprise",
            "enterprises",
            "large",
            "corporate",
            "corporates",
            "upmarket",
            "fortune",
            "big",
            "chains",
            "groups",
        ],
    ),
    (
        "more vs less",
        &[
            "increase", "grow", "raise", "expand", "more", "higher", "double",
        ],
        &[
            "decrease", "reduce", "cut", "shrink", "fewer", "less", "lower", "halve",
        ],
    ),
    (
        "cheap vs premium",
        &[
            "cheap",
            "cheaper",
            "cheapest",
            "low-cost",
            "budget",
            "affordable",
            "low price",
        ],
        &[
            "premium",
            "expensive",
            "luxury",
            "high-end",
            "higher price",
            "price premium",
        ],
    ),
    (
        "cloud vs on-premise",
        &["cloud", "saas", "hosted by us"],
        &[
            "on-premise",
            "on-premises",
            "on-prem",
            "self-hosted",
            "own data centre",
            "own data center",
            "own servers",
        ],
    ),
    (
        "work with vs replace",
        &["alongside", "work with", "integrate with", "complement"],
        &["replace", "replaces", "instead of"],
    ),
];

/// Words either side of a pole phrase searched for the subject it is about.
const WINDOW: usize = 4;

/// One word of a claim.
struct Word {
    lower: String,
    stem: String,
    /// Whether a negation or contrast cue before it in its clause refuses it.
    refused: bool,
    /// Whether it carries content (not a stop word).
    content: bool,
    /// Index of the clause the word belongs to.
    clause: usize,
}

/// A claim read for negations and poles.
struct Reading {
    words: Vec<Word>,
    /// Per clause: whether it holds a negation cue.
    negated: Vec<bool>,
    /// Per clause: its content stems, negation words left out.
    clause_terms: Vec<Vec<String>>,
    /// Per clause: whether a content word follows its negation ("which the
    /// big platforms do not" leaves out what they do not do).
    scoped: Vec<bool>,
    /// (word index, pole phrase) for every pole phrase whose first word is
    /// that word.
    openers: Vec<(usize, Opener)>,
}

impl Reading {
    fn new(text: &str) -> Reading {
        let mut out: Vec<Word> = Vec::new();
        let mut clause = 0;
        let mut last_end = 0;
        for (start, w) in words(text) {
            if text[last_end..start].contains([',', ';', ':', '.', '!', '?', '(', ')', '—', '–'])
            {
                clause += 1;
            }
            last_end = start + w.len();
            let lower = w.to_lowercase().replace('’', "'");
            out.push(Word {
                stem: stem(&lower),
                content: is_content(&lower),
                lower,
                refused: false,
                clause,
            });
        }
        let clauses = out.last().map_or(0, |w| w.clause + 1);
        // "will not stop offering" says "will offer": cues cancel in pairs.
        let cue: Vec<bool> = (0..out.len()).map(|k| is_cue(&out, k)).collect();
        let mut cues = vec![0usize; clauses];
        for (w, _) in out.iter().zip(&cue).filter(|(_, c)| **c) {
            cues[w.clause] += 1;
        }
        let negated: Vec<bool> = cues.iter().map(|c| c % 2 == 1).collect();
        // Word by word: refused after an odd number of cues in its clause.
        let mut seen = 0usize;
        for k in 0..out.len() {
            if k > 0 && out[k].clause != out[k - 1].clause {
                seen = 0;
            }
            out[k].refused = seen % 2 == 1;
            // A contrast phrase ends at this word: what follows is refused.
            let contrast = matches!(out[k].lower.as_str(), "than" | "of" | "without")
                && CONTRAST_CUES.iter().any(|p| {
                    let len = p.split_whitespace().count();
                    k + 1 >= len && phrase_at(&out, k + 1 - len, p)
                });
            if cue[k] || contrast {
                seen += 1;
            }
        }
        let mut scoped = vec![false; clauses];
        let mut clause_terms = vec![Vec::new(); clauses];
        for w in &out {
            if w.refused && w.content && !NEGATION_FILLER.contains(&w.lower.as_str()) {
                scoped[w.clause] = true;
            }
            let negation_word = NEGATION_CUES.contains(&w.lower.as_str())
                || w.lower.ends_with("n't")
                || NEGATION_FILLER.contains(&w.lower.as_str());
            if !negation_word && w.content && !clause_terms[w.clause].contains(&w.stem) {
                clause_terms[w.clause].push(w.stem.clone());
            }
        }
        let openers = out
            .iter()
            .enumerate()
            .flat_map(|(k, w)| {
                let by_stem = OPENERS.get(w.stem.as_str()).into_iter().flatten();
                let by_word = OPENERS
                    .get(w.lower.as_str())
                    .filter(|_| w.lower != w.stem)
                    .into_iter()
                    .flatten();
                by_stem.chain(by_word).map(move |o| (k, *o))
            })
            .collect();
        Reading {
            words: out,
            negated,
            clause_terms,
            scoped,
            openers,
        }
    }

    /// Content stems stated without negation.
    fn affirmed(&self) -> Vec<&str> {
        self.words
            .iter()
            .filter(|w| !w.refused && w.content)
            .map(|w| w.stem.as_str())
            .collect()
    }

    /// The subjects the claim takes a pole of group `g` on: each content
    /// term within [`WINDOW`] words of a pole phrase, with the pole (a
    /// refused phrase flips it). Terms after "than" are what is compared
    /// against, not the subject; `ignore` holds the question's terms.
    fn poles(&self, g: usize, ignore: &[String]) -> Vec<(String, bool)> {
        let mut out: Vec<(String, bool)> = Vec::new();
        let hits = self
            .openers
            .iter()
            .filter(|(k, o)| o.group == g && phrase_at(&self.words, *k, o.phrase));
        for &(k, o) in hits {
            let len = o.phrase.split_whitespace().count();
            let taken = o.pole ^ self.words[k].refused;
            let from = k.saturating_sub(WINDOW);
            let to = (k + len + WINDOW).min(self.words.len());
            for i in (from..k).chain(k + len..to) {
                let w = &self.words[i];
                let compared = self.words[..i]
                    .iter()
                    .rev()
                    .take(3)
                    .any(|p| p.lower == "than" && p.clause == w.clause);
                if w.content
                    && w.clause == self.words[k].clause
                    && !compared
                    && !POLE_STEMS[g].contains(&w.stem)
                    && !ignore.contains(&w.stem)
                {
                    out.push((w.stem.clone(), taken));
                }
            }
            if SUBJECTLESS.contains(&OPPOSITES[g].0) {
                out.push((String::new(), taken));
            }
        }
        out
    }
}

/// Oppositions about the company as a whole: "still independent" and "will
/// have been acquired" contradict without naming a common subject.
const SUBJECTLESS: &[&str] = &["independent vs acquired"];

/// Whether `words[k]` negates its clause ("not", "won't"; not "not only").
fn is_cue(words: &[Word], k: usize) -> bool {
    let lower = words[k].lower.as_str();
    (NEGATION_CUES.contains(&lower) || lower.ends_with("n't"))
        && !NOT_NEGATIONS.iter().any(|p| phrase_at(words, k, p))
}

fn is_content(lower: &str) -> bool {
    !is_stop_word(lower) && lower.chars().any(char::is_alphabetic) && lower.len() > 1
}

/// The stem of every word of every phrase above, computed once: phrases are
/// matched against every word of every claim of a round.
static STEMS: LazyLock<HashMap<&'static str, String>> = LazyLock::new(|| {
    OPPOSITES
        .iter()
        .flat_map(|(_, a, b)| a.iter().chain(b.iter()))
        .chain(NOT_NEGATIONS)
        .chain(CONTRAST_CUES)
        .flat_map(|p| p.split_whitespace())
        .map(|w| (w, stem(w)))
        .collect()
});

/// A pole phrase: its group in [`OPPOSITES`], which pole, and the words.
#[derive(Debug, Clone, Copy)]
struct Opener {
    group: usize,
    pole: bool,
    phrase: &'static str,
}

/// Pole phrases by the stem (and the word) they open with.
static OPENERS: LazyLock<HashMap<String, Vec<Opener>>> = LazyLock::new(|| {
    let mut map: HashMap<String, Vec<Opener>> = HashMap::new();
    for (group, (_, first, second)) in OPPOSITES.iter().enumerate() {
        for (pole, phrases) in [(false, first), (true, second)] {
            for &phrase in phrases.iter() {
                let opener = Opener {
                    group,
                    pole,
                    phrase,
                };
                let head = phrase.split_whitespace().next().unwrap_or_default();
                let mut keys = vec![head.to_owned(), stem(head)];
                keys.dedup();
                for key in keys {
                    map.entry(key).or_default().push(opener);
                }
            }
        }
    }
    map
});

/// Per group, the stems of its pole phrases' words: they cannot be the
/// subject a pole is taken on.
static POLE_STEMS: LazyLock<Vec<HashSet<String>>> = LazyLock::new(|| {
    OPPOSITES
        .iter()
        .map(|(_, a, b)| {
            a.iter()
                .chain(b.iter())
                .flat_map(|p| p.split_whitespace())
                .map(stem)
                .collect()
        })
        .collect()
});

fn stem_of(word: &'static str) -> &'static str {
    STEMS.get(word).map_or(word, String::as_str)
}

/// Whether the words from `k` on spell `phrase` (compared by stem).
fn phrase_at(words: &[Word], k: usize, phrase: &'static str) -> bool {
    phrase.split_whitespace().enumerate().all(|(i, p)| {
        words
            .get(k + i)
            .is_some_and(|w| w.lower == p || w.stem == stem_of(p))
    })
}

/// Words by which a claim affirms an action outright, even in answer to a
/// negative question: "We *will* serve vertical farms *too*".
const AFFIRMATIVE: &[&str] = &[
    "will", "should", "must", "do", "does", "also", "too", "start", "keep", "continue", "yes",
];

/// Contradictions in meaning between claims of `a` and `b`. `question`
/// terms do not count as a shared subject.
pub fn find_oppositions(question: &str, a: &[&str], b: &[&str]) -> Vec<Contradiction> {
    let ra: Vec<Reading> = a.iter().map(|t| Reading::new(t)).collect();
    let rb: Vec<Reading> = b.iter().map(|t| Reading::new(t)).collect();
    let asked = Reading::new(question);
    let ignore: Vec<String> = asked.words.iter().map(|w| w.stem.clone()).collect();
    // "What will we not do?": a plain list of things already means "not".
    let negative = asked.negated.iter().any(|&n| n);
    let poles = |r: &Reading| -> Vec<Vec<(String, bool)>> {
        (0..OPPOSITES.len()).map(|g| r.poles(g, &ignore)).collect()
    };
    let pa: Vec<_> = ra.iter().map(poles).collect();
    let pb: Vec<_> = rb.iter().map(poles).collect();
    // Where each answer as a whole takes both poles on a subject ("small
    // clinics first, clinic groups from 2028" on both sides), its claims
    // sequence the two positions rather than oppose each other.
    let both_poles = |claims: &[Vec<Vec<(String, bool)>>], g: usize, term: &str| {
        let mut seen = [false; 2];
        for (t, pole) in claims.iter().flat_map(|c| &c[g]) {
            if t == term {
                seen[usize::from(*pole)] = true;
            }
        }
        seen == [true; 2]
    };
    let settled = |g: usize, term: &str| both_poles(&pa, g, term) && both_poles(&pb, g, term);
    let mut out = Vec::new();
    for (i, x) in ra.iter().enumerate() {
        for (j, y) in rb.iter().enumerate() {
            let found = if negates(x, y, negative) || negates(y, x, negative) {
                Some((Conflict::Negation, "one side negates the other"))
            } else {
                opposed(&pa[i], &pb[j], settled).map(|name| (Conflict::Opposition, name))
            };
            if let Some((conflict, what)) = found {
                out.push(Contradiction {
                    a: a[i].to_owned(),
                    b: b[j].to_owned(),
                    conflict,
                    kind: None,
                    a_quantity: None,
                    b_quantity: None,
                    explanation: what.to_owned(),
                });
            }
        }
    }
    out
}

/// Whether a negated clause of `x` denies what `y` affirms. Under a
/// negative question `y` must affirm outright ([`AFFIRMATIVE`]): there a
/// bare "Consulting projects." already means "no consulting".
fn negates(x: &Reading, y: &Reading, negative_question: bool) -> bool {
    let affirms_outright = || {
        y.words
            .iter()
            .any(|w| AFFIRMATIVE.contains(&w.lower.as_str()))
    };
    if !x.negated.iter().any(|&n| n) || (negative_question && !affirms_outright()) {
        return false;
    }
    let affirmed = y.affirmed();
    (0..x.negated.len())
        .filter(|&c| x.negated[c] && x.scoped[c])
        .map(|c| &x.clause_terms[c])
        .any(|terms| {
            let shared = terms
                .iter()
                .filter(|t| affirmed.contains(&t.as_str()))
                .count();
            shared >= 2 && 3 * shared >= 2 * terms.len()
        })
}

/// The name of the opposition two claims take on a shared subject, if any:
/// a subject on which each takes one pole only, and not the same one, unless
/// `settled(g, term)` says both answers take both poles of group `g` on it.
/// `px[g]` and `py[g]` are the claims' subjects and poles for group `g`.
fn opposed(
    px: &[Vec<(String, bool)>],
    py: &[Vec<(String, bool)>],
    settled: impl Fn(usize, &str) -> bool,
) -> Option<&'static str> {
    let pole_of = |p: &[(String, bool)], term: &str| {
        let first = p.iter().any(|(t, pole)| t == term && !pole);
        let second = p.iter().any(|(t, pole)| t == term && *pole);
        (first != second).then_some(second)
    };
    OPPOSITES.iter().enumerate().find_map(|(g, group)| {
        let (x, y) = (&px[g], &py[g]);
        x.iter()
            .any(|(term, _)| match (pole_of(x, term), pole_of(y, term)) {
                (Some(a), Some(b)) => a != b && !settled(g, term),
                _ => false,
            })
            .then_some(group.0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const Q: &str = "Who is our ideal customer?";

    fn conflicts(question: &str, a: &str, b: &str) -> Vec<Conflict> {
        find_oppositions(question, &[a], &[b])
            .into_iter()
            .map(|c| c.conflict)
            .collect()
    }

    #[test]
    fn a_negated_claim_contradicts_the_claim() {
        assert_eq!(
            conflicts(
                Q,
                "We sell to large enterprises.",
                "We do not sell to large enterprises."
            ),
            [Conflict::Negation]
        );
        assert_eq!(
            conflicts(
                Q,
                "Turbine manufacturers are not our customers.",
                "Turbine manufacturers are our customers too."
            ),
            [Conflict::Negation]
        );
    }

    #[test]
    fn both_sides_sequencing_the_same_two_positions_do_not_oppose() {
        let a = [
            "Independent clinics with 3 to 15 practitioners in Germany.",
            "Clinic groups follow from 2028.",
        ];
        let b = [
            "Small independent clinics first.",
            "Clinic groups come in 2028.",
        ];
        assert!(find_oppositions(Q, &a, &b).is_empty());
        // One side holding only one of the positions still opposes.
        let groups_only = ["Clinic groups with 20 or more locations."];
        assert_eq!(
            find_oppositions(Q, &a, &groups_only).len()
                + find_oppositions(Q, &groups_only, &b).len(),
            2,
            "each small-clinics claim opposes the groups-only answer"
        );
    }

    #[test]
    fn a_negation_about_something_else_is_not_a_contradiction() {
        assert!(conflicts(Q, "We do not sell to hospitals.", "We sell to clinics.").is_empty());
        assert!(
            conflicts(
                Q,
                "Hospitals are not our customers.",
                "Clinics are our customers."
            )
            .is_empty()
        );
        assert!(
            conflicts(
                Q,
                "No other tool compares answers by meaning.",
                "Our tool compares answers by meaning."
            )
            .is_empty()
        );
        assert!(
            conflicts(
                Q,
                "We never sell to hospitals.",
                "We never sell to hospitals either."
            )
            .is_empty()
        );
        assert_eq!(
            conflicts(
                Q,
                "We will stop offering the on-premise installation.",
                "We will not stop offering the on-premise installation."
            ),
            [Conflict::Negation]
        );
    }

    #[test]
    fn a_negative_question_does_not_make_every_answer_a_negation() {
        let q = "What will we deliberately not do?";
        assert!(
            conflicts(
                q,
                "We will not do consulting.",
                "Consulting projects for banks."
            )
            .is_empty()
        );
        assert_eq!(
            conflicts(
                q,
                "We won't serve vertical farms.",
                "We will serve vertical farms too."
            ),
            [Conflict::Negation]
        );
    }

    #[test]
    fn opposite_positions_on_the_same_subject_contradict() {
        assert_eq!(
            conflicts(
                Q,
                "In five years hospitals remain our core.",
                "Half of our revenue comes from outside hospitals."
            ),
            [Conflict::Opposition]
        );
        assert_eq!(
            conflicts(
                Q,
                "Pause the blade-monitoring project and put everyone on the US launch.",
                "Finish the blade-monitoring project, then the launch."
            ),
            [Conflict::Opposition]
        );
        assert_eq!(
            conflicts(
                Q,
                "We build the speech models in-house.",
                "We license speech models from a vendor."
            ),
            [Conflict::Opposition]
        );
    }

    #[test]
    fn opposite_words_about_different_subjects_do_not_contradict() {
        assert!(
            conflicts(
                Q,
                "Lower prices than competitors.",
                "Higher quality than competitors."
            )
            .is_empty()
        );
        assert!(conflicts(Q, "We grow revenue.", "We cut costs.").is_empty());
        assert!(conflicts(Q, "Grow revenue and cut costs.", "Grow revenue.").is_empty());
    }
}
