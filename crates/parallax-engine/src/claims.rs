//! Splitting an answer into claims: the units that are matched across two
//! answers and reported as shared or one-sided.
//!
//! A claim is a sentence, a bullet line, or a clause of a long sentence cut at
//! ";", "but", "whereas", "however" or "although", or at "and" when a new
//! subject follows ("…, and we …"), so "speed and reliability" stays whole. Each
//! claim is an exact substring of the answer, trimmed of bullets, whitespace,
//! joining words and trailing commas, so the UI can highlight it in place.
//! Fragments with fewer than two content words are merged into a neighbour:
//! "Honestly." is not a claim.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::lexical::{content_term_count, words};

/// One claim of an answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Claim {
    /// The claim as written: `answer[start..end]`.
    pub text: String,
    /// Byte offset of the claim in the answer.
    pub start: usize,
    /// Byte offset just past the claim in the answer.
    pub end: usize,
}

/// Abbreviations whose final period does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "approx", "dr", "e.g", "eg", "etc", "i.e", "ie", "inc", "ltd", "mr", "mrs", "ms", "no", "st",
    "vs",
];

/// Words at which a long sentence splits into clauses; the word itself
/// belongs to neither claim.
const CLAUSE_WORDS: &[&str] = &["but", "whereas", "however", "although", "and"];

/// Fewest words on each side of a clause split.
const MIN_CLAUSE_WORDS: usize = 4;
/// Words that open a new clause after "and": "…and we expand", "…and the
/// team grows". Without one, "and" joins nouns or verbs of one claim.
const CLAUSE_SUBJECTS: &[&str] = &[
    "every", "everyone", "he", "i", "it", "its", "nobody", "our", "she", "that", "the", "their",
    "there", "these", "they", "this", "those", "we", "you",
];
/// Fewest content words for a piece to be a claim on its own.
const MIN_CONTENT_WORDS: usize = 2;

/// Splits `answer` into claims, in order of appearance.
pub fn split_claims(answer: &str) -> Vec<Claim> {
    let mut pieces: Vec<(usize, usize)> = Vec::new();
    for (start, end) in segments(answer) {
        for (s, e) in sentences(answer, start, end) {
            pieces.extend(clauses(answer, s, e));
        }
    }
    let pieces = merge_short(answer, pieces);
    pieces
        .into_iter()
        .filter_map(|(s, e)| trim(answer, s, e))
        .map(|(start, end)| Claim {
            text: answer[start..end].to_owned(),
            start,
            end,
        })
        .collect()
}

/// Byte length of a bullet marker at the start of `line` ("- ", "* ", "• ",
/// "1. ", "2) ", "a) "), if any.
fn bullet_len(line: &str) -> Option<usize> {
    for marker in ["- ", "* ", "• ", "· ", "– ", "— "] {
        if line.starts_with(marker) {
            return Some(marker.len());
        }
    }
    let prefix: String = line
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    let numbered = !prefix.is_empty()
        && (prefix.chars().all(|c| c.is_ascii_digit()) || prefix.len() == 1)
        && prefix.len() <= 3;
    let rest = &line[prefix.len()..];
    (numbered && (rest.starts_with(". ") || rest.starts_with(") "))).then_some(prefix.len() + 2)
}

/// Paragraphs and bullet items as byte ranges: a blank line or a bullet
/// starts a new segment, a wrapped line continues the current one.
fn segments(answer: &str) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    let mut current: Option<(usize, usize)> = None;
    let mut offset = 0;
    for line in answer.split_inclusive('\n') {
        let line_start = offset;
        offset += line.len();
        let indent = line.len() - line.trim_start().len();
        let body = line.trim();
        if body.is_empty() {
            out.extend(current.take());
            continue;
        }
        let body_start = line_start + indent;
        let body_end = body_start + body.len();
        match bullet_len(body) {
            Some(marker) => {
                out.extend(current.take());
                current = Some((body_start + marker, body_end));
            }
            None => match current.as_mut() {
                Some(seg) => seg.1 = body_end,
                None => current = Some((body_start, body_end)),
            },
        }
    }
    out.extend(current);
    out
}

/// Sentences of `answer[start..end]`, cut after ".", "!", "?" or ";" that is
/// followed by whitespace, unless the period closes an abbreviation or an
/// initial ("U.S.").
fn sentences(answer: &str, start: usize, end: usize) -> Vec<(usize, usize)> {
    let text = &answer[start..end];
    let mut out = Vec::new();
    let mut from = 0;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (k, &(i, c)) in chars.iter().enumerate() {
        if !matches!(c, '.' | '!' | '?' | ';') {
            continue;
        }
        let next = chars.get(k + 1).map(|&(_, n)| n);
        if !next.is_none_or(char::is_whitespace) {
            continue;
        }
        if c == '.' {
            let before = &text[from..i];
            let last_word = before
                .rsplit(|ch: char| ch.is_whitespace() || ch == '(')
                .next()
                .unwrap_or("")
                .to_lowercase();
            // "1. Grow revenue": a list number, not a sentence.
            let list_number =
                before.trim().len() <= 2 && before.trim().chars().all(|ch| ch.is_ascii_digit());
            if list_number
                || ABBREVIATIONS.contains(&last_word.as_str())
                || (last_word.chars().count() == 1 && last_word.chars().all(char::is_alphabetic))
                || last_word.contains('.')
            {
                continue;
            }
        }
        out.push((start + from, start + i + c.len_utf8()));
        from = i + c.len_utf8();
    }
    if from < text.len() {
        out.push((start + from, end));
    }
    out
}

/// Clauses of one sentence, cut before a clause word when both sides are
/// long enough to be claims of their own.
fn clauses(answer: &str, start: usize, end: usize) -> Vec<(usize, usize)> {
    let text = &answer[start..end];
    let ws = words(text);
    let mut out = Vec::new();
    let mut from_word = 0;
    let mut from_byte = 0;
    for (k, &(offset, word)) in ws.iter().enumerate() {
        if k == from_word || !CLAUSE_WORDS.iter().any(|c| c.eq_ignore_ascii_case(word)) {
            continue;
        }
        let left = &ws[from_word..k];
        let right = &ws[k + 1..];
        let long_enough = |side: &[(usize, &str)]| {
            side.len() >= MIN_CLAUSE_WORDS
                && side
                    .iter()
                    .filter(|(_, w)| !crate::lexical::is_stop_word(w))
                    .count()
                    >= MIN_CONTENT_WORDS
        };
        let opens_clause = !word.eq_ignore_ascii_case("and")
            || right
                .first()
                .is_some_and(|(_, w)| CLAUSE_SUBJECTS.contains(&w.to_lowercase().as_str()));
        if !opens_clause || !long_enough(left) || !long_enough(right) {
            continue;
        }
        out.push((start + from_byte, start + offset));
        from_byte = offset + word.len();
        from_word = k + 1;
    }
    out.push((start + from_byte, end));
    out
}

/// Merges pieces with too few content words into the previous piece (or the
/// next one when it comes first).
fn merge_short(answer: &str, pieces: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    let mut carry: Option<usize> = None;
    for (s, e) in pieces {
        let s = carry.take().unwrap_or(s);
        if content_term_count(&answer[s..e]) >= MIN_CONTENT_WORDS {
            out.push((s, e));
        } else if let Some(last) = out.last_mut() {
            last.1 = e;
        } else {
            carry = Some(s);
        }
    }
    if let Some(s) = carry {
        // Only short pieces in the whole answer: keep them as one claim.
        out.push((s, answer.len()));
    }
    out
}

/// Trims whitespace, leading punctuation, and trailing ",;:" from a piece;
/// `None` when nothing with a letter or digit remains.
fn trim(answer: &str, start: usize, end: usize) -> Option<(usize, usize)> {
    let text = &answer[start..end];
    let lead = text.len()
        - text
            .trim_start_matches(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':' | '-'))
            .len();
    let body = &text[lead..];
    let body =
        body.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':' | '-'));
    body.chars()
        .any(char::is_alphanumeric)
        .then_some((start + lead, start + lead + body.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(answer: &str) -> Vec<String> {
        split_claims(answer).into_iter().map(|c| c.text).collect()
    }

    #[test]
    fn sentences_become_claims_quoted_from_the_answer() {
        let answer = "Small dental clinics with 3-10 chairs. They run on paper, e.g. printed calendars! Do they pay monthly?";
        let claims = split_claims(answer);
        assert_eq!(claims.len(), 3, "{claims:?}");
        for c in &claims {
            assert_eq!(&answer[c.start..c.end], c.text);
        }
        assert_eq!(claims[1].text, "They run on paper, e.g. printed calendars!");
    }

    #[test]
    fn clauses_split_at_but_and_semicolon() {
        let claims = texts(
            "We sell to independent clinics first; hospitals come much later. Price matters to them but onboarding speed matters even more.",
        );
        assert_eq!(
            claims,
            [
                "We sell to independent clinics first",
                "hospitals come much later.",
                "Price matters to them",
                "onboarding speed matters even more."
            ]
        );
    }

    #[test]
    fn short_lists_joined_by_and_stay_whole() {
        assert_eq!(
            texts("Speed and reliability matter most to mid-sized clinics.").len(),
            1
        );
        let long = texts(
            "We want to serve small dental clinics in Germany and we expand into veterinary practices after that.",
        );
        assert_eq!(long.len(), 2, "{long:?}");
        assert!(long[1].starts_with("we expand"));
        assert_eq!(
            texts("We serve small dental clinics in Germany and expand into veterinary practices.")
                .len(),
            1
        );
        assert_eq!(
            texts("1. Grow recurring revenue. 2. Keep churn low.").len(),
            2
        );
    }

    #[test]
    fn bullets_are_claims_without_their_markers() {
        let claims = texts(
            "Priorities:\n- grow recurring revenue\n- keep churn below 3%\n2) hire two senior engineers",
        );
        assert_eq!(
            claims,
            [
                "Priorities:\n- grow recurring revenue",
                "keep churn below 3%",
                "hire two senior engineers"
            ]
        );
    }

    #[test]
    fn filler_merges_into_a_neighbour() {
        let claims = texts("Honestly. Clinics that hate their current software.");
        assert_eq!(
            claims,
            ["Honestly. Clinics that hate their current software."]
        );
        assert!(split_claims("   ").is_empty());
    }
}
