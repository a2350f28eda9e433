//! The lexical fallback: words, a light English stemmer, stop words and a
//! sparse TF-IDF space.
//!
//! Used when no embedding model is installed, and always for pattern labels.
//! A text becomes a sparse vector of stemmed content terms weighted by
//! sublinear term frequency × smoothed inverse document frequency, where the
//! "documents" are the texts being compared (the claims of both answers, or
//! every claim of a round for patterns). Terms of the question are discounted:
//! both people repeat them, so they say little about agreement. A few generic
//! business words get a lower prior weight for the same reason. Similarity is
//! the cosine of these vectors, so the rest of the engine treats lexical and
//! neural vectors alike.

use std::collections::HashMap;

/// Words of `text` with their byte offsets: runs of letters and digits, with
/// inner apostrophes and hyphens kept ("don't", "mid-sized").
pub fn words(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (k, &(i, c)) in chars.iter().enumerate() {
        let joiner = (c == '\'' || c == '’' || c == '-')
            && start.is_some()
            && chars.get(k + 1).is_some_and(|&(_, n)| n.is_alphanumeric());
        if c.is_alphanumeric() || joiner {
            start.get_or_insert(i);
        } else if let Some(s) = start.take() {
            out.push((s, &text[s..i]));
        }
    }
    if let Some(s) = start {
        out.push((s, &text[s..]));
    }
    out
}

/// Function words and filler that carry no meaning for agreement.
const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "actually",
    "after",
    "again",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "basically",
    "be",
    "because",
    "been",
    "before",
    "being",
    "believe",
    "between",
    "both",
    "but",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "don't",
    "down",
    "each",
    "even",
    "every",
    "few",
    "for",
    "from",
    "further",
    "get",
    "gets",
    "getting",
    "go",
    "going",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "him",
    "his",
    "honestly",
    "how",
    "i",
    "i'd",
    "i'm",
    "if",
    "in",
    "into",
    "is",
    "it",
    "it's",
    "its",
    "just",
    "let",
    "like",
    "lot",
    "lots",
    "me",
    "might",
    "more",
    "most",
    "much",
    "must",
    "my",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "on",
    "once",
    "one",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "out",
    "over",
    "own",
    "per",
    "probably",
    "quite",
    "rather",
    "really",
    "same",
    "say",
    "see",
    "she",
    "should",
    "so",
    "some",
    "such",
    "than",
    "that",
    "that's",
    "the",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "thing",
    "things",
    "think",
    "this",
    "those",
    "through",
    "to",
    "too",
    "under",
    "until",
    "up",
    "us",
    "very",
    "was",
    "way",
    "we",
    "we'll",
    "we're",
    "were",
    "what",
    "when",
    "where",
    "whether",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "within",
    "would",
    "yes",
    "yet",
    "you",
    "your",
];

/// Words so common in answers about a business that a match on them alone
/// says little; they keep a reduced weight rather than none.
const GENERIC_WORDS: &[&str] = &[
    "business",
    "company",
    "customer",
    "customers",
    "make",
    "makes",
    "need",
    "needs",
    "people",
    "product",
    "products",
    "want",
    "wants",
    "work",
    "year",
    "years",
    "time",
    "new",
    "good",
    "better",
    "best",
    "use",
    "help",
    "helps",
    "able",
    "first",
    "right",
    "today",
    "team",
];

/// Weight of a generic word relative to an ordinary content word.
const GENERIC_WEIGHT: f32 = 0.4;
/// Weight of a term that also appears in the question.
const QUESTION_WEIGHT: f32 = 0.3;

/// Whether `word` (any case) is a stop word.
pub fn is_stop_word(word: &str) -> bool {
    // Most words are lower-case already: no copy for them.
    if !word.chars().any(char::is_uppercase) {
        return STOP_WORDS.binary_search(&word).is_ok();
    }
    let lower = word.to_lowercase();
    STOP_WORDS.binary_search(&lower.as_str()).is_ok()
}

/// A light suffix-stripping stemmer: enough to join "clinic/clinics/clinical",
/// "integrate/integration", "reliable/reliability", "make/making". Not Porter:
/// it never needs to produce real words, only the same key for close forms.
pub fn stem(word: &str) -> String {
    let mut w = word.to_lowercase().replace('’', "'");
    if let Some(base) = w.strip_suffix("'s") {
        w = base.to_owned();
    }
    w.retain(|c| c != '\'');
    let rules: &[(&str, &str, usize)] = &[
        ("ies", "i", 3),
        ("sses", "ss", 3),
        ("ness", "", 4),
        ("ments", "", 4),
        ("ment", "", 4),
        ("ations", "at", 3),
        ("ation", "at", 3),
        ("abilities", "abl", 3),
        ("ability", "abl", 3),
        ("ibility", "ibl", 3),
        ("ably", "abl", 3),
        ("ingly", "", 4),
        ("ings", "", 3),
        ("ing", "", 3),
        ("edly", "", 4),
        // "speed", "need": not a past tense; stop here.
        ("eed", "eed", 1),
        ("ed", "", 3),
        ("ly", "", 4),
        ("al", "", 4),
    ];
    for &(suffix, replacement, min_stem) in rules {
        if let Some(base) = w.strip_suffix(suffix)
            && base.chars().count() >= min_stem
        {
            w = format!("{base}{replacement}");
            break;
        }
    }
    // Plural "s" after the longer rules, so "clinicals" and "clinics" meet.
    if w.len() > 3
        && w.ends_with('s')
        && !w.ends_with("ss")
        && !w.ends_with("us")
        && !w.ends_with("is")
    {
        w.pop();
    }
    if w.len() > 3 && (w.ends_with('e') || w.ends_with('y')) {
        // "make"/"making", "company"/"companies" ("compani").
        let last = w.pop();
        if last == Some('y') {
            w.push('i');
        }
    }
    // "running" → "runn" → "run": undouble a final consonant left by "-ing"/"-ed".
    let bytes = w.as_bytes();
    if w.len() > 3
        && bytes[w.len() - 1] == bytes[w.len() - 2]
        && !matches!(bytes[w.len() - 1], b'l' | b's' | b'z')
        && bytes[w.len() - 1].is_ascii_alphabetic()
    {
        w.pop();
    }
    w
}

/// Stemmed content terms of `text`, in order, stop words and pure numbers
/// dropped (numbers are compared by the quantities module instead).
pub fn content_terms(text: &str) -> Vec<String> {
    words(text)
        .into_iter()
        .filter(|(_, w)| !is_stop_word(w) && !w.chars().all(|c| c.is_ascii_digit()))
        .map(|(_, w)| stem(w))
        .filter(|t| t.len() > 1)
        .collect()
}

/// How many terms [`content_terms`] finds in `text`, without building them:
/// claim splitting counts content words of every piece of every answer.
pub fn content_term_count(text: &str) -> usize {
    words(text)
        .into_iter()
        .filter(|(_, w)| !is_stop_word(w) && !w.chars().all(|c| c.is_ascii_digit()))
        .filter(|(_, w)| {
            // A word of four or more bytes without apostrophes keeps a stem
            // of at least two bytes: every suffix rule leaves three or more
            // characters, and lower-casing keeps one byte per character.
            (w.len() >= 4 && !w.contains(['\'', '’'])) || stem(w).len() > 1
        })
        .count()
}

/// A sparse unit vector over term ids, sorted by id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SparseVector(Vec<(u32, f32)>);

impl SparseVector {
    /// Cosine similarity with another vector of the same space.
    pub fn cosine(&self, other: &SparseVector) -> f64 {
        let (mut i, mut j, mut dot) = (0, 0, 0.0f64);
        while i < self.0.len() && j < other.0.len() {
            let (a, b) = (self.0[i], other.0[j]);
            match a.0.cmp(&b.0) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    dot += f64::from(a.1) * f64::from(b.1);
                    i += 1;
                    j += 1;
                }
            }
        }
        dot
    }

    /// Whether the text had no content term at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds `other` into `self` (used to build an answer's centroid).
    fn add(&mut self, other: &SparseVector) {
        let mut merged: HashMap<u32, f32> = self.0.iter().copied().collect();
        for &(id, w) in &other.0 {
            *merged.entry(id).or_default() += w;
        }
        self.0 = merged.into_iter().collect();
        self.0.sort_unstable_by_key(|&(id, _)| id);
    }

    fn normalise(&mut self) {
        let norm = self.0.iter().map(|&(_, w)| w * w).sum::<f32>().sqrt();
        if norm > 0.0 {
            self.0.iter_mut().for_each(|(_, w)| *w /= norm);
        }
    }

    /// The normalised sum of unit vectors: the direction of a whole answer.
    pub fn centroid<'a>(vectors: impl IntoIterator<Item = &'a SparseVector>) -> SparseVector {
        let mut sum = SparseVector::default();
        vectors.into_iter().for_each(|v| sum.add(v));
        sum.normalise();
        sum
    }
}

/// A TF-IDF space fitted on the texts under comparison.
#[derive(Debug, Clone)]
pub struct LexicalSpace {
    ids: HashMap<String, u32>,
    weights: Vec<f32>,
}

impl LexicalSpace {
    /// Fits term weights on `documents`; terms found in `discount` (the
    /// question) get a reduced weight.
    pub fn fit(documents: &[&str], discount: &str) -> Self {
        let mut ids: HashMap<String, u32> = HashMap::new();
        let mut df: Vec<u32> = Vec::new();
        for doc in documents {
            let mut terms = content_terms(doc);
            terms.sort_unstable();
            terms.dedup();
            for t in terms {
                let next = u32::try_from(ids.len()).unwrap_or(u32::MAX);
                let id = *ids.entry(t).or_insert(next);
                if id as usize == df.len() {
                    df.push(0);
                }
                df[id as usize] += 1;
            }
        }
        let question: Vec<String> = content_terms(discount);
        let generic: Vec<String> = GENERIC_WORDS.iter().map(|w| stem(w)).collect();
        let n = documents.len().max(1) as f32;
        let mut weights = vec![0.0; df.len()];
        for (term, &id) in &ids {
            let mut w = (1.0 + n / df[id as usize] as f32).ln();
            if generic.contains(term) {
                w *= GENERIC_WEIGHT;
            }
            if question.contains(term) {
                w *= QUESTION_WEIGHT;
            }
            weights[id as usize] = w;
        }
        LexicalSpace { ids, weights }
    }

    /// The unit TF-IDF vector of `text`; terms unseen when fitting are ignored.
    pub fn vector(&self, text: &str) -> SparseVector {
        let mut tf: HashMap<u32, f32> = HashMap::new();
        for t in content_terms(text) {
            if let Some(&id) = self.ids.get(&t) {
                *tf.entry(id).or_default() += 1.0;
            }
        }
        let mut v = SparseVector(
            tf.into_iter()
                .map(|(id, n)| (id, (1.0 + n.ln()) * self.weights[id as usize]))
                .filter(|&(_, w)| w > 0.0)
                .collect(),
        );
        v.0.sort_unstable_by_key(|&(id, _)| id);
        v.normalise();
        v
    }

    /// The fitted weight of a stemmed term (0 when unseen).
    pub fn weight(&self, term: &str) -> f32 {
        self.ids
            .get(term)
            .map_or(0.0, |&id| self.weights[id as usize])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_term_count_agrees_with_the_terms() {
        for text in [
            "",
            "Honestly.",
            "The team's 3 engineers ship it's fine, don't they? A b c",
            "Independent clinics' owners; running needs speed, ONLY 20 seats.",
            "x-ray s’s I'd me ok go",
            "\u{212A}\u{212A} \u{212A} éé é xy-ing ab-ed ings",
        ] {
            assert_eq!(
                content_term_count(text),
                content_terms(text).len(),
                "{text}"
            );
        }
    }

    #[test]
    fn stop_words_are_sorted_for_binary_search() {
        assert!(STOP_WORDS.windows(2).all(|w| w[0] < w[1]));
        assert!(is_stop_word("The"));
        assert!(!is_stop_word("clinic"));
    }

    #[test]
    fn stemmer_joins_close_forms() {
        for (a, b) in [
            ("clinic", "clinics"),
            ("clinical", "clinics"),
            ("integrate", "integration"),
            ("reliable", "reliability"),
            ("make", "making"),
            ("company", "companies"),
            ("run", "running"),
            ("automate", "automation"),
            ("customer's", "customers"),
            ("speed", "speeds"),
        ] {
            assert_eq!(stem(a), stem(b), "{a} vs {b}");
        }
        assert_ne!(stem("clinic"), stem("client"));
    }

    #[test]
    fn words_keep_offsets_and_inner_punctuation() {
        let text = "Mid-sized clinics don't wait.";
        let ws = words(text);
        assert_eq!(ws[0], (0, "Mid-sized"));
        assert_eq!(ws[2].1, "don't");
        assert!(ws.iter().all(|&(i, w)| &text[i..i + w.len()] == w));
    }

    #[test]
    fn identical_texts_are_similar_and_unrelated_are_not() {
        let docs = [
            "small dental clinics that run on paper",
            "dental clinics still running on paper records",
            "we will list the company on the stock exchange",
        ];
        let space = LexicalSpace::fit(&docs, "Who is the ideal customer?");
        let v: Vec<_> = docs.iter().map(|d| space.vector(d)).collect();
        assert!((v[0].cosine(&v[0]) - 1.0).abs() < 1e-6);
        assert!(v[0].cosine(&v[1]) > 0.5);
        assert!(v[0].cosine(&v[2]) < 0.05);
    }

    #[test]
    fn question_terms_weigh_less() {
        let space = LexicalSpace::fit(
            &["ideal customer clinics", "ideal clinics"],
            "ideal customer",
        );
        assert!(space.weight(&stem("ideal")) < space.weight(&stem("clinics")));
    }
}
