//! Numbers in answers, and the contradictions between them.
//!
//! Extracts money ("$1.2M", "€300k", "2 million dollars"), percentages,
//! counts of a thing ("300 clinics", "1,000 paying customers"), calendar
//! years ("by 2030") and durations or horizons ("in 3 years", "within 18
//! months", "a decade"). Two quantities contradict when they measure the same
//! thing and differ materially: counts of the same noun always qualify; money,
//! percentages, years and horizons are too generic on their own, so their
//! claims must also be related (the caller decides, by similarity). Counts
//! stated for different horizons ("300 clinics in 3 years" vs "1,000 clinics
//! in 10 years") do not contradict.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::lexical::{is_stop_word, stem};

/// What a quantity measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuantityKind {
    /// An amount of money; `unit` is the currency code.
    Money,
    /// A percentage, 0–100; `unit` is the stemmed noun it applies to, if any.
    Percentage,
    /// A count of things; `unit` is the stemmed noun counted.
    Count,
    /// A calendar year.
    Year,
    /// A duration or time horizon, in days.
    Horizon,
}

/// A number found in an answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Quantity {
    /// What is measured.
    pub kind: QuantityKind,
    /// The value in base units (currency units, percent, count, year, days).
    pub value: f64,
    /// Currency code, stemmed noun, or empty.
    pub unit: String,
    /// The quantity as written in the answer.
    pub text: String,
}

/// Two claims that quantify the same thing differently.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Contradiction {
    /// The claim from answer A.
    pub a: String,
    /// The claim from answer B.
    pub b: String,
    /// What the two numbers measure.
    pub kind: QuantityKind,
    /// The number as written in A.
    pub a_quantity: String,
    /// The number as written in B.
    pub b_quantity: String,
    /// One line for the listening session, e.g. "300 clinics vs 1,000 clinics".
    pub explanation: String,
}

/// Relative difference from which two values of the same measure contradict:
/// 18 months vs 2 years (0.25) does, 95 vs 100 customers does not.
pub const MATERIAL_DIFFERENCE: f64 = 0.25;

impl Quantity {
    /// Whether the quantity is a point in time or a horizon.
    pub fn is_time(&self) -> bool {
        matches!(self.kind, QuantityKind::Year | QuantityKind::Horizon)
    }

    /// Whether both quantities measure the same thing in the same unit.
    pub fn same_measure(&self, other: &Quantity) -> bool {
        self.kind == other.kind && self.unit == other.unit
    }

    /// Whether the values differ materially (years: by one year or more).
    pub fn differs_materially(&self, other: &Quantity) -> bool {
        if self.kind == QuantityKind::Year {
            return (self.value - other.value).abs() >= 1.0;
        }
        let scale = self.value.abs().max(other.value.abs());
        scale > 0.0 && (self.value - other.value).abs() / scale >= MATERIAL_DIFFERENCE
    }

    /// Whether a shared unit identifies the thing measured (a counted noun,
    /// or the noun after a percentage); otherwise the claims must be related.
    fn unit_identifies_subject(&self) -> bool {
        match self.kind {
            QuantityKind::Count => true,
            QuantityKind::Percentage => !self.unit.is_empty(),
            QuantityKind::Money | QuantityKind::Year | QuantityKind::Horizon => false,
        }
    }
}

/// Flags quantities of `a` and `b` that measure the same thing differently.
/// `related(i, j)` says whether claim `a[i]` and claim `b[j]` talk about the
/// same subject; generic measures (money, years, horizons) need it.
pub fn find_contradictions(
    a: &[&str],
    b: &[&str],
    related: &dyn Fn(usize, usize) -> bool,
) -> Vec<Contradiction> {
    let qa: Vec<Vec<Quantity>> = a.iter().map(|t| extract_quantities(t)).collect();
    let qb: Vec<Vec<Quantity>> = b.iter().map(|t| extract_quantities(t)).collect();
    let mut out: Vec<Contradiction> = Vec::new();
    for (i, xs) in qa.iter().enumerate() {
        for (j, ys) in qb.iter().enumerate() {
            for x in xs {
                for y in ys {
                    if !x.same_measure(y) || !x.differs_materially(y) {
                        continue;
                    }
                    if !x.is_time() && !horizons_compatible(xs, ys) {
                        continue;
                    }
                    if !x.unit_identifies_subject() && !related(i, j) {
                        continue;
                    }
                    // The same pair of numbers repeated in other claims is one finding.
                    let duplicate = out
                        .iter()
                        .any(|c| c.a_quantity == x.text && c.b_quantity == y.text);
                    if !duplicate {
                        out.push(Contradiction {
                            a: a[i].to_owned(),
                            b: b[j].to_owned(),
                            kind: x.kind,
                            a_quantity: x.text.clone(),
                            b_quantity: y.text.clone(),
                            explanation: format!("{} vs {}", x.text, y.text),
                        });
                    }
                }
            }
        }
    }
    out
}

/// Claims speak of the same time when either names no horizon or they share
/// one that does not differ materially.
fn horizons_compatible(xs: &[Quantity], ys: &[Quantity]) -> bool {
    let hx: Vec<&Quantity> = xs.iter().filter(|q| q.is_time()).collect();
    let hy: Vec<&Quantity> = ys.iter().filter(|q| q.is_time()).collect();
    hx.is_empty()
        || hy.is_empty()
        || hx.iter().any(|x| {
            hy.iter()
                .any(|y| x.same_measure(y) && !x.differs_materially(y))
        })
}

/// A token of the quantity scanner.
#[derive(Debug, Clone)]
enum Token {
    Number {
        value: f64,
        start: usize,
        end: usize,
        currency: Option<&'static str>,
        percent: bool,
    },
    Word {
        lower: String,
        start: usize,
        end: usize,
    },
    Break,
}

const WORD_NUMBERS: &[(&str, f64)] = &[
    ("a", 1.0),
    ("an", 1.0),
    ("one", 1.0),
    ("two", 2.0),
    ("three", 3.0),
    ("four", 4.0),
    ("five", 5.0),
    ("six", 6.0),
    ("seven", 7.0),
    ("eight", 8.0),
    ("nine", 9.0),
    ("ten", 10.0),
    ("eleven", 11.0),
    ("twelve", 12.0),
    ("fifteen", 15.0),
    ("eighteen", 18.0),
    ("twenty", 20.0),
    ("thirty", 30.0),
    ("fifty", 50.0),
    ("hundred", 100.0),
];

const MULTIPLIERS: &[(&str, f64)] = &[
    ("k", 1e3),
    ("thousand", 1e3),
    ("m", 1e6),
    ("mn", 1e6),
    ("mio", 1e6),
    ("million", 1e6),
    ("millions", 1e6),
    ("b", 1e9),
    ("bn", 1e9),
    ("billion", 1e9),
];

const CURRENCY_WORDS: &[(&str, &str)] = &[
    ("dollar", "USD"),
    ("dollars", "USD"),
    ("usd", "USD"),
    ("euro", "EUR"),
    ("euros", "EUR"),
    ("eur", "EUR"),
    ("pound", "GBP"),
    ("pounds", "GBP"),
    ("gbp", "GBP"),
];

/// Time units in days.
const TIME_UNITS: &[(&str, f64)] = &[
    ("minute", 1.0 / 1440.0),
    ("hour", 1.0 / 24.0),
    ("day", 1.0),
    ("week", 7.0),
    ("month", 30.0),
    ("quarter", 91.0),
    ("year", 365.0),
    ("yr", 365.0),
    ("decade", 3650.0),
];

fn lookup<T: Copy>(table: &[(&str, T)], key: &str) -> Option<T> {
    table.iter().find(|(k, _)| *k == key).map(|&(_, v)| v)
}

fn time_unit(word: &str) -> Option<f64> {
    let singular = word.strip_suffix('s').unwrap_or(word);
    lookup(TIME_UNITS, singular)
}

/// Splits `text` into numbers (with attached currency, multiplier and percent
/// sign), lower-cased words, and breaks at sentence punctuation.
fn tokenize(text: &str) -> Vec<Token> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut tokens = Vec::new();
    let mut k = 0;
    while k < chars.len() {
        let (i, c) = chars[k];
        let currency = match c {
            '$' => Some("USD"),
            '€' => Some("EUR"),
            '£' => Some("GBP"),
            _ => None,
        };
        let digit_at = |k: usize| chars.get(k).is_some_and(|&(_, d)| d.is_ascii_digit());
        if (currency.is_some() && digit_at(k + 1)) || c.is_ascii_digit() {
            let start = i;
            let mut m = if currency.is_some() { k + 1 } else { k };
            let mut digits = String::new();
            while m < chars.len() {
                let d = chars[m].1;
                if d.is_ascii_digit() {
                    digits.push(d);
                } else if (d == ',' || d == '.') && digit_at(m + 1) {
                    if d == '.' {
                        digits.push('.');
                    }
                } else {
                    break;
                }
                m += 1;
            }
            let mut value: f64 = digits.parse().unwrap_or(0.0);
            // An attached suffix: "1.2M", "300k", "20%", "3bn".
            let rest: String = chars[m..]
                .iter()
                .map(|&(_, ch)| ch)
                .take_while(|ch| ch.is_alphabetic() || *ch == '%')
                .collect();
            let mut percent = false;
            if rest == "%" {
                percent = true;
                m += 1;
            } else if let Some(mult) = lookup(MULTIPLIERS, &rest.to_lowercase()) {
                value *= mult;
                m += rest.chars().count();
            }
            let end = chars.get(m).map_or(text.len(), |&(p, _)| p);
            tokens.push(Token::Number {
                value,
                start,
                end,
                currency,
                percent,
            });
            k = m;
        } else if c.is_alphabetic() {
            let mut m = k;
            while m < chars.len() && (chars[m].1.is_alphabetic() || chars[m].1 == '\'') {
                m += 1;
            }
            let end = chars.get(m).map_or(text.len(), |&(p, _)| p);
            tokens.push(Token::Word {
                lower: text[i..end].to_lowercase(),
                start: i,
                end,
            });
            k = m;
        } else {
            if matches!(c, '.' | ',' | ';' | ':' | '!' | '?' | '(' | ')' | '\n') {
                tokens.push(Token::Break);
            }
            k += 1;
        }
    }
    tokens
}

/// All quantities in `text`, in order.
pub fn extract_quantities(text: &str) -> Vec<Quantity> {
    let tokens = tokenize(text);
    let mut out = Vec::new();
    let word = |k: usize| match tokens.get(k) {
        Some(Token::Word { lower, end, .. }) => Some((lower.as_str(), *end)),
        _ => None,
    };
    let mut k = 0;
    while k < tokens.len() {
        let (mut value, start, mut end, mut currency, mut percent, spelled) = match &tokens[k] {
            Token::Number {
                value,
                start,
                end,
                currency,
                percent,
            } => (*value, *start, *end, *currency, *percent, false),
            Token::Word { lower, start, end } => match lookup(WORD_NUMBERS, lower) {
                Some(v) => (v, *start, *end, None, false, true),
                None => {
                    // "year three" / "year 3" is a horizon too.
                    if let (Some(unit), Some(next)) = (time_unit(lower), tokens.get(k + 1)) {
                        let n = match next {
                            Token::Number {
                                value,
                                currency: None,
                                percent: false,
                                ..
                            } if *value < 100.0 => Some(*value),
                            Token::Word { lower: w, .. } => {
                                lookup(WORD_NUMBERS, w).filter(|&v| v > 1.0)
                            }
                            _ => None,
                        };
                        if let (
                            Some(n),
                            Token::Word { end: e, .. } | Token::Number { end: e, .. },
                        ) = (n, next)
                        {
                            out.push(Quantity {
                                kind: QuantityKind::Horizon,
                                value: n * unit,
                                unit: String::new(),
                                text: text[*start..*e].to_owned(),
                            });
                            k += 2;
                            continue;
                        }
                    }
                    k += 1;
                    continue;
                }
            },
            Token::Break => {
                k += 1;
                continue;
            }
        };
        let raw_value = value;
        let mut next = k + 1;
        // Spelled multipliers and units: "2 million", "20 percent", "5 euros".
        if let Some((w, e)) = word(next)
            && let Some(mult) = lookup(MULTIPLIERS, w)
        {
            value *= mult;
            end = e;
            next += 1;
        }
        if let Some((w, e)) = word(next) {
            if w == "percent" {
                percent = true;
                end = e;
                next += 1;
            } else if let Some(code) = lookup(CURRENCY_WORDS, w) {
                currency = Some(code);
                end = e;
                next += 1;
            }
        }
        let mut noun_from = next;
        if percent || currency.is_some() {
            // "20% of revenue", "$2M in revenue": the noun follows a preposition.
            while let Some((w, _)) = word(noun_from) {
                if matches!(w, "of" | "in" | "our" | "the" | "from") {
                    noun_from += 1;
                } else {
                    break;
                }
            }
        }
        let after_year_word = k > 0
            && matches!(&tokens[k - 1], Token::Word { lower, .. }
                if matches!(lower.as_str(), "in" | "by" | "until" | "before" | "since" | "from" | "after" | "of" | "end"));
        let quantity = if let Some(code) = currency {
            Some((QuantityKind::Money, value, code.to_owned()))
        } else if percent {
            let noun = head_noun(&tokens, noun_from);
            if let Some((_, e)) = noun {
                end = e;
            }
            Some((
                QuantityKind::Percentage,
                value,
                noun.map(|(n, _)| n).unwrap_or_default(),
            ))
        } else if let Some((days, e)) = word(next).and_then(|(w, e)| time_unit(w).map(|d| (d, e))) {
            end = e;
            next += 1;
            Some((QuantityKind::Horizon, value * days, String::new()))
        } else if !spelled
            && value == raw_value
            && value.fract() == 0.0
            && (1900.0..=2100.0).contains(&value)
            && !text[start..end].contains(',')
            && (after_year_word || head_noun(&tokens, next).is_none())
        {
            Some((QuantityKind::Year, value, String::new()))
        } else if let Some((noun, e)) = head_noun(&tokens, next).filter(|_| !spelled || value > 1.0)
        {
            end = e;
            Some((QuantityKind::Count, value, noun))
        } else {
            None
        };
        if let Some((kind, value, unit)) = quantity {
            out.push(Quantity {
                kind,
                value,
                unit,
                text: text[start..end].to_owned(),
            });
        }
        k = next.max(k + 1);
    }
    out
}

/// The noun counted after a number: among the next (up to three) content
/// words before a break or stop word, the first plural one, else the first.
/// Returns its stem and the byte end of the phrase up to it.
fn head_noun(tokens: &[Token], from: usize) -> Option<(String, usize)> {
    let mut phrase: Vec<(&str, usize)> = Vec::new();
    for token in tokens.iter().skip(from).take(3) {
        match token {
            Token::Word { lower, end, .. }
                if lower.len() >= 3 && !is_stop_word(lower) && time_unit(lower).is_none() =>
            {
                phrase.push((lower.as_str(), *end));
            }
            _ => break,
        }
    }
    let &(w, e) = phrase
        .iter()
        .find(|(w, _)| w.len() > 3 && w.ends_with('s') && !w.ends_with("ss"))
        .or(phrase.first())?;
    Some((stem(w), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(QuantityKind, f64, String)> {
        extract_quantities(text)
            .into_iter()
            .map(|q| (q.kind, q.value, q.unit))
            .collect()
    }

    #[test]
    fn extracts_money_in_several_notations() {
        assert_eq!(
            kinds("ARR of $1.2M"),
            [(QuantityKind::Money, 1.2e6, "USD".into())]
        );
        assert_eq!(
            kinds("about €300k"),
            [(QuantityKind::Money, 3e5, "EUR".into())]
        );
        assert_eq!(
            kinds("2 million dollars"),
            [(QuantityKind::Money, 2e6, "USD".into())]
        );
    }

    #[test]
    fn extracts_counts_with_their_noun() {
        let q = extract_quantities("We serve 1,000 small clinics and 2 million paying users.");
        assert_eq!(q[0].kind, QuantityKind::Count);
        assert_eq!(q[0].value, 1000.0);
        assert_eq!(q[0].unit, stem("clinics"));
        assert_eq!(q[0].text, "1,000 small clinics");
        assert_eq!(
            (q[1].value, q[1].unit.as_str()),
            (2e6, stem("users").as_str())
        );
    }

    #[test]
    fn extracts_percentages_years_and_horizons() {
        assert_eq!(
            kinds("20% of revenue")[0],
            (QuantityKind::Percentage, 20.0, stem("revenue"))
        );
        assert_eq!(
            kinds("15 percent")[0],
            (QuantityKind::Percentage, 15.0, String::new())
        );
        assert_eq!(
            kinds("by 2030")[0],
            (QuantityKind::Year, 2030.0, String::new())
        );
        assert_eq!(
            kinds("in 3 years")[0],
            (QuantityKind::Horizon, 3.0 * 365.0, String::new())
        );
        assert_eq!(
            kinds("within 18 months")[0],
            (QuantityKind::Horizon, 540.0, String::new())
        );
        assert_eq!(
            kinds("in three years")[0],
            (QuantityKind::Horizon, 3.0 * 365.0, String::new())
        );
        assert_eq!(
            kinds("by year five")[0],
            (QuantityKind::Horizon, 5.0 * 365.0, String::new())
        );
        assert!(kinds("we are one team").is_empty());
    }

    #[test]
    fn flags_different_counts_of_the_same_thing() {
        let found = find_contradictions(
            &["In three years we serve 300 clinics."],
            &["By then we should be in 1,000 clinics across Europe."],
            &|_, _| false,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].explanation, "300 clinics vs 1,000 clinics");
    }

    #[test]
    fn close_counts_and_different_horizons_do_not_contradict() {
        let none = |_: usize, _: usize| false;
        assert!(find_contradictions(&["about 95 customers"], &["100 customers"], &none).is_empty());
        assert!(
            find_contradictions(
                &["300 clinics in 3 years"],
                &["1,000 clinics in 10 years"],
                &none
            )
            .is_empty()
        );
    }

    #[test]
    fn generic_measures_need_related_claims() {
        let a = ["Break even within 18 months."];
        let b = ["We reach break-even in 3 years."];
        assert!(find_contradictions(&a, &b, &|_, _| false).is_empty());
        let found = find_contradictions(&a, &b, &|_, _| true);
        assert_eq!(found[0].kind, QuantityKind::Horizon);
        assert_eq!(found[0].explanation, "18 months vs 3 years");
    }
}
