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

/// Why two claims contradict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Conflict {
    /// One side negates what the other states.
    Negation,
    /// Opposite positions on the same subject ("core" vs "outside").
    Opposition,
    /// The same measure, a factor of two or more apart.
    Magnitude,
    /// The same measure, materially but less than a factor of two apart.
    Figure,
}

impl Conflict {
    /// Whether the conflict makes the pair misaligned whatever else they
    /// share: all but a moderate difference in a figure.
    pub fn is_strong(self) -> bool {
        self != Conflict::Figure
    }

    /// What analyses stored before conflicts were told apart hold: figures.
    fn stored_before() -> Conflict {
        Conflict::Figure
    }
}

/// Two claims that contradict each other.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Contradiction {
    /// The claim from answer A.
    pub a: String,
    /// The claim from answer B.
    pub b: String,
    /// Why they contradict.
    #[serde(default = "Conflict::stored_before")]
    pub conflict: Conflict,
    /// What the two numbers measure, for numeric conflicts.
    pub kind: Option<QuantityKind>,
    /// The number as written in A, for numeric conflicts.
    pub a_quantity: Option<String>,
    /// The number as written in B, for numeric conflicts.
    pub b_quantity: Option<String>,
    /// One line for the listening session, e.g. "300 clinics vs 1,000 clinics".
    pub explanation: String,
}

/// Ratio from which two values of the same measure are a different order of
/// magnitude rather than a different estimate: €1.2M vs €12M, 40 vs 400.
pub const MAGNITUDE_RATIO: f64 = 2.0;

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

    /// How many times larger the larger value is (years and horizons
    /// compare spans from today, so 2027 vs 2030 is not "1.001×").
    pub fn ratio(&self, other: &Quantity) -> f64 {
        if self.kind == QuantityKind::Year {
            return 1.0 + (self.value - other.value).abs() / 3.0;
        }
        let (lo, hi) = if self.value.abs() < other.value.abs() {
            (self.value.abs(), other.value.abs())
        } else {
            (other.value.abs(), self.value.abs())
        };
        if lo == 0.0 { f64::INFINITY } else { hi / lo }
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
    contradictions_of(a, b, &qa, &qb, related)
}

/// [`find_contradictions`] on quantities already extracted: `qa[i]` from
/// `a[i]`, `qb[j]` from `b[j]`.
pub(crate) fn contradictions_of(
    a: &[&str],
    b: &[&str],
    qa: &[Vec<Quantity>],
    qb: &[Vec<Quantity>],
    related: &dyn Fn(usize, usize) -> bool,
) -> Vec<Contradiction> {
    let mut out: Vec<Contradiction> = Vec::new();
    for (i, xs) in qa.iter().enumerate() {
        for (j, ys) in qb.iter().enumerate() {
            for x in xs {
                for y in ys {
                    if !x.same_measure(y) || !x.differs_materially(y) {
                        continue;
                    }
                    // "free" and "zero downtime" are not estimates; a range or
                    // list with a value the other side states agrees with it.
                    let zero = x.kind != QuantityKind::Year && (x.value == 0.0 || y.value == 0.0);
                    let agrees = |q: &Quantity, others: &[Quantity]| {
                        others
                            .iter()
                            .any(|o| q.same_measure(o) && !q.differs_materially(o))
                    };
                    if zero || agrees(x, ys) || agrees(y, xs) {
                        continue;
                    }
                    if !x.is_time() && !horizons_compatible(xs, ys) {
                        continue;
                    }
                    if !x.unit_identifies_subject() && !related(i, j) {
                        continue;
                    }
                    // The same pair of numbers repeated in other claims is one finding.
                    let duplicate = out.iter().any(|c| {
                        c.a_quantity.as_deref() == Some(&x.text)
                            && c.b_quantity.as_deref() == Some(&y.text)
                    });
                    if !duplicate {
                        out.push(Contradiction {
                            a: a[i].to_owned(),
                            b: b[j].to_owned(),
                            conflict: if x.ratio(y) >= MAGNITUDE_RATIO {
                                Conflict::Magnitude
                            } else {
                                Conflict::Figure
                            },
                            kind: Some(x.kind),
                            a_quantity: Some(x.text.clone()),
                            b_quantity: Some(y.text.clone()),
                            explanation: format!("{} vs {}", x.text, y.text),
                        });
                    }
                }
            }
        }
    }
    out
}

/// Claim pairs `(i, j)` that state the same measure with values that agree
/// ("€2M" / "2 million euros", "a third" / "33%"): agreement on a number
/// counts for alignment as a contradicting one counts against it.
pub fn find_agreements(
    a: &[&str],
    b: &[&str],
    related: &dyn Fn(usize, usize) -> bool,
) -> Vec<(usize, usize)> {
    let qa: Vec<Vec<Quantity>> = a.iter().map(|t| extract_quantities(t)).collect();
    let qb: Vec<Vec<Quantity>> = b.iter().map(|t| extract_quantities(t)).collect();
    agreements_of(&qa, &qb, related)
}

/// [`find_agreements`] on quantities already extracted.
pub(crate) fn agreements_of(
    qa: &[Vec<Quantity>],
    qb: &[Vec<Quantity>],
    related: &dyn Fn(usize, usize) -> bool,
) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (i, xs) in qa.iter().enumerate() {
        for (j, ys) in qb.iter().enumerate() {
            let agree = xs.iter().any(|x| {
                ys.iter().any(|y| {
                    x.same_measure(y)
                        && !x.differs_materially(y)
                        && (x.unit_identifies_subject() || related(i, j))
                })
            });
            if agree {
                out.push((i, j));
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

/// Number words below a hundred that combine ("twenty-five", "four hundred").
const UNITS: &[(&str, f64)] = &[
    ("zero", 0.0),
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
    ("thirteen", 13.0),
    ("fourteen", 14.0),
    ("fifteen", 15.0),
    ("sixteen", 16.0),
    ("seventeen", 17.0),
    ("eighteen", 18.0),
    ("nineteen", 19.0),
];

const TENS: &[(&str, f64)] = &[
    ("twenty", 20.0),
    ("thirty", 30.0),
    ("forty", 40.0),
    ("fifty", 50.0),
    ("sixty", 60.0),
    ("seventy", 70.0),
    ("eighty", 80.0),
    ("ninety", 90.0),
];

/// Scale words inside a spelled number: "four hundred", "two million".
const SCALES: &[(&str, f64)] = &[
    ("hundred", 1e2),
    ("thousand", 1e3),
    ("million", 1e6),
    ("billion", 1e9),
];

/// Denominators of spelled fractions: "a third", "two thirds", "a quarter of".
const FRACTIONS: &[(&str, f64)] = &[
    ("half", 2.0),
    ("halves", 2.0),
    ("third", 3.0),
    ("thirds", 3.0),
    ("quarter", 4.0),
    ("quarters", 4.0),
    ("fifth", 5.0),
    ("fifths", 5.0),
    ("tenth", 10.0),
    ("tenths", 10.0),
];

/// Verbs that state a change of one half: "halve churn" = "cut churn by 50%".
const HALVING: &[&str] = &["halve", "halves", "halved", "halving"];

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

/// A number written in words, read from the token where it starts.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Spelled {
    value: f64,
    /// The first token after the number.
    next: usize,
    /// Byte end of its last word.
    end: usize,
    /// A share ("a third", "half of"): a percentage, `value` in percent.
    fraction: bool,
    /// A relative change ("halve", "by half"): a percentage of nothing named.
    change: bool,
}

/// Reads "four hundred", "twenty-five", "two and a half million", "a dozen",
/// "a third", "three quarters of", "half of", "by half" and "halve" starting
/// at `tokens[k]`. A bare "a"/"an" counts as one only before a scale, a
/// dozen or a time unit ("a decade").
fn spelled(tokens: &[Token], k: usize) -> Option<Spelled> {
    let word = |i: usize| match tokens.get(i) {
        Some(Token::Word { lower, end, .. }) => Some((lower.as_str(), *end)),
        _ => None,
    };
    let (first, first_end) = word(k)?;
    if HALVING.contains(&first) {
        return Some(Spelled {
            value: 50.0,
            next: k + 1,
            end: first_end,
            fraction: true,
            change: true,
        });
    }
    let follows = |i: usize, words: &[&str]| word(i).is_some_and(|(w, _)| words.contains(&w));
    if first == "half"
        && follows(k + 1, &["a", "an"])
        && word(k + 2).is_some_and(|(w, _)| time_unit(w).is_some())
    {
        // "half a year": the time unit follows.
        return Some(Spelled {
            value: 0.5,
            next: k + 2,
            end: first_end,
            fraction: false,
            change: false,
        });
    }
    if first == "half" {
        // "half of revenue", "half the customers", "cut it by half", "in half".
        let before = k.checked_sub(1).is_some_and(|p| follows(p, &["by", "in"]));
        let after = follows(k + 1, &["of", "the", "our", "their"]);
        return (before || after).then_some(Spelled {
            value: 50.0,
            next: k + 1,
            end: first_end,
            fraction: true,
            change: before,
        });
    }
    let (mut total, mut current, mut i, mut end) = (0.0f64, 0.0f64, k, first_end);
    let mut seen = false;
    // What the last word was: 0 none, 1 unit or teen, 2 tens, 3 scale.
    let mut last = 0u8;
    while let Some((w, e)) = word(i) {
        if let Some(v) = lookup(UNITS, w) {
            if last == 1 || (last == 2 && v >= 10.0) {
                break;
            }
            current += v;
            last = 1;
        } else if let Some(v) = lookup(TENS, w) {
            if last == 1 || last == 2 {
                break;
            }
            current += v;
            last = 2;
        } else if let Some(scale) = lookup(SCALES, w) {
            if scale == 1e2 {
                current = current.max(1.0) * scale;
            } else {
                total += current.max(1.0) * scale;
                current = 0.0;
            }
            last = 3;
        } else if w == "dozen" || w == "dozens" {
            current = current.max(1.0) * 12.0;
            last = 3;
        } else if (w == "a" || w == "an") && !seen {
            let next = word(i + 1).map(|(n, _)| n).unwrap_or("");
            let before_quantity = lookup(SCALES, next).is_some()
                || next == "dozen"
                || (lookup(FRACTIONS, next).is_some() && next != "quarter")
                || (next == "quarter" && follows(i + 2, &["of"]));
            if !before_quantity && time_unit(next).is_none() {
                return None;
            }
            current = 1.0;
            last = 1;
        } else if w == "and" && seen && follows(i + 1, &["a"]) && follows(i + 2, &["half"]) {
            // "two and a half million"
            current += 0.5;
            i += 3;
            end = word(i - 1).map_or(end, |(_, e)| e);
            last = 1;
            continue;
        } else if w == "and"
            && last == 3
            && word(i + 1)
                .is_some_and(|(n, _)| lookup(UNITS, n).is_some() || lookup(TENS, n).is_some())
        {
            // "two hundred and fifty"
            i += 1;
            continue;
        } else if let Some(denominator) = lookup(FRACTIONS, w).filter(|_| seen && last == 1) {
            // "a third", "two thirds"; "a quarter" only as "a quarter of".
            if w.starts_with("quarter") && !follows(i + 1, &["of"]) {
                break;
            }
            return Some(Spelled {
                value: 100.0 * (total + current) / denominator,
                next: i + 1,
                end: e,
                fraction: true,
                change: false,
            });
        } else {
            break;
        }
        seen = true;
        end = e;
        i += 1;
    }
    seen.then_some(Spelled {
        value: total + current,
        next: i,
        end,
        fraction: false,
        change: false,
    })
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
        let mut change = false;
        let (mut value, start, mut end, mut currency, mut percent, spelled, mut next) =
            match &tokens[k] {
                Token::Number {
                    value,
                    start,
                    end,
                    currency,
                    percent,
                } => (*value, *start, *end, *currency, *percent, false, k + 1),
                Token::Word { start, .. } => match spelled(&tokens, k) {
                    Some(n) => {
                        change = n.change;
                        (n.value, *start, n.end, None, n.fraction, true, n.next)
                    }
                    None => {
                        if let Some(horizon) = year_number(text, &tokens, k) {
                            out.push(horizon);
                            k += 2;
                        } else {
                            k += 1;
                        }
                        continue;
                    }
                },
                Token::Break => {
                    k += 1;
                    continue;
                }
            };
        let raw_value = value;
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
            // "€150 a month" and "€1,800 a year" are the same price.
            let per = match (word(next), word(next + 1)) {
                (Some((w, _)), Some((unit, e)))
                    if matches!(w, "a" | "an" | "per" | "each" | "every")
                        && time_unit(unit).is_some() =>
                {
                    Some((time_unit(unit).unwrap_or(365.0), e, 2))
                }
                (Some((unit, e)), _)
                    if time_unit(unit).is_some() && text[end..].starts_with('/') =>
                {
                    Some((time_unit(unit).unwrap_or(365.0), e, 1))
                }
                _ => None,
            };
            match per {
                Some((days, e, words)) => {
                    end = e;
                    next += words;
                    Some((
                        QuantityKind::Money,
                        value * 365.0 / days,
                        format!("{code}/yr"),
                    ))
                }
                None => Some((QuantityKind::Money, value, code.to_owned())),
            }
        } else if percent {
            let noun = head_noun(&tokens, noun_from).filter(|_| !change);
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

/// "year three" / "year 3": a horizon named by its year number.
fn year_number(text: &str, tokens: &[Token], k: usize) -> Option<Quantity> {
    let Some(Token::Word { lower, start, .. }) = tokens.get(k) else {
        return None;
    };
    let unit = time_unit(lower)?;
    let (n, end) = match tokens.get(k + 1)? {
        Token::Number {
            value,
            currency: None,
            percent: false,
            end,
            ..
        } if *value < 100.0 => (*value, *end),
        Token::Word { lower: w, end, .. } => (lookup(UNITS, w).filter(|&v| v > 1.0)?, *end),
        _ => return None,
    };
    Some(Quantity {
        kind: QuantityKind::Horizon,
        value: n * unit,
        unit: String::new(),
        text: text[*start..end].to_owned(),
    })
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
    fn numbers_written_as_words_are_numbers() {
        let count = |text: &str| {
            let q = extract_quantities(text);
            assert_eq!(q.len(), 1, "{text}: {q:?}");
            (q[0].kind, q[0].value, q[0].unit.clone())
        };
        assert_eq!(
            count("four hundred customers"),
            (QuantityKind::Count, 400.0, stem("customers"))
        );
        assert_eq!(count("twenty-five engineers").1, 25.0);
        assert_eq!(count("two hundred and fifty clinics").1, 250.0);
        assert_eq!(count("a dozen engineers").1, 12.0);
        assert_eq!(
            count("two and a half million euros"),
            (QuantityKind::Money, 2.5e6, "EUR".into())
        );
        assert_eq!(
            count("twelve thousand users"),
            (QuantityKind::Count, 12e3, stem("users"))
        );
        let third = count("a third of revenue");
        assert_eq!(
            (third.0, third.2),
            (QuantityKind::Percentage, stem("revenue"))
        );
        assert!((third.1 - 100.0 / 3.0).abs() < 1e-9);
        assert_eq!(count("three quarters of our revenue").1, 75.0);
        assert_eq!(count("half of revenue").1, 50.0);
        assert_eq!(
            count("halve churn"),
            (QuantityKind::Percentage, 50.0, String::new())
        );
        assert_eq!(
            count("cut churn by half"),
            (QuantityKind::Percentage, 50.0, String::new())
        );
        assert_eq!(
            count("in a decade"),
            (QuantityKind::Horizon, 3650.0, String::new())
        );
        assert_eq!(count("within a quarter").1, 91.0);
        assert_eq!(count("twenty-five percent").1, 25.0);
        assert!(extract_quantities("a great product for our first half").is_empty());
    }

    #[test]
    fn prices_per_period_compare_per_year() {
        let q = extract_quantities("€150 a month");
        assert_eq!(
            (q[0].value, q[0].unit.as_str()),
            (150.0 * 365.0 / 30.0, "EUR/yr")
        );
        let any = |_: usize, _: usize| true;
        assert!(
            find_contradictions(&["€150/month per site"], &["€1,800 a year per site"], &any)
                .is_empty()
        );
        assert_eq!(
            find_contradictions(&["€150 a month"], &["€150 a year"], &any)[0].conflict,
            Conflict::Magnitude
        );
    }

    #[test]
    fn ranges_and_lists_agree_with_a_value_inside_them() {
        let any = |_: usize, _: usize| true;
        assert!(find_contradictions(&["between $100M and $1B"], &["$1B"], &any).is_empty());
        assert!(
            find_contradictions(
                &["a quarter to half a year ahead"],
                &["three to six months ahead"],
                &any
            )
            .is_empty()
        );
        assert!(find_contradictions(&["$0 setup"], &["$900 setup"], &any).is_empty());
        let range = extract_quantities("between fifty and five hundred turbines");
        assert_eq!(range.last().map(|q| q.value), Some(500.0), "{range:?}");
    }

    #[test]
    fn the_same_number_in_words_and_digits_does_not_contradict() {
        let any = |_: usize, _: usize| true;
        assert!(
            find_contradictions(&["400 customers"], &["four hundred customers"], &any).is_empty()
        );
        assert!(find_contradictions(&["33% of revenue"], &["a third of revenue"], &any).is_empty());
        assert_eq!(
            find_contradictions(&["400 customers"], &["forty customers"], &any).len(),
            1
        );
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
        assert_eq!(found[0].kind, Some(QuantityKind::Horizon));
        assert_eq!(found[0].explanation, "18 months vs 3 years");
    }
}
