//! The vision: questions of six kinds, answers that each kind validates, the
//! built-in template, and pillars.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{Invalid, bounded_text};

/// What kind of answer a question takes, with the kind's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum QuestionKind {
    /// Free text in the person's own words.
    Text,
    /// Order every option, most important first.
    Ranking {
        /// The options to order.
        options: Vec<String>,
    },
    /// Pick one option.
    SingleChoice {
        /// The options.
        options: Vec<String>,
    },
    /// Pick any number of options.
    MultipleChoice {
        /// The options.
        options: Vec<String>,
    },
    /// A number with a unit, e.g. paying customers.
    Number {
        /// The unit shown after the number.
        unit: String,
        /// The smallest answer accepted. Omitted: 0, since most numbers
        /// asked are counts; null: no minimum.
        #[serde(default = "count_minimum")]
        min: Option<f64>,
        /// The largest answer accepted; omitted or null: no maximum.
        #[serde(default)]
        max: Option<f64>,
    },
    /// A point on a scale, e.g. 1–5.
    Scale {
        /// Lowest value.
        min: i64,
        /// Highest value.
        max: i64,
        /// What the lowest value means.
        min_label: String,
        /// What the highest value means.
        max_label: String,
    },
}

impl QuestionKind {
    /// The stored spelling of the kind.
    pub fn name(&self) -> &'static str {
        match self {
            QuestionKind::Text => "text",
            QuestionKind::Ranking { .. } => "ranking",
            QuestionKind::SingleChoice { .. } => "single_choice",
            QuestionKind::MultipleChoice { .. } => "multiple_choice",
            QuestionKind::Number { .. } => "number",
            QuestionKind::Scale { .. } => "scale",
        }
    }

    /// The spelling shown to people.
    pub fn label(&self) -> &'static str {
        match self {
            QuestionKind::Text => "Free text",
            QuestionKind::Ranking { .. } => "Ranking",
            QuestionKind::SingleChoice { .. } => "Single choice",
            QuestionKind::MultipleChoice { .. } => "Multiple choice",
            QuestionKind::Number { .. } => "Number with unit",
            QuestionKind::Scale { .. } => "Scale",
        }
    }

    /// The options of choice and ranking kinds.
    pub fn options(&self) -> &[String] {
        match self {
            QuestionKind::Ranking { options }
            | QuestionKind::SingleChoice { options }
            | QuestionKind::MultipleChoice { options } => options,
            _ => &[],
        }
    }

    /// A count: a number in `unit`, never below zero.
    pub fn count(unit: &str) -> Self {
        QuestionKind::Number {
            unit: unit.to_owned(),
            min: count_minimum(),
            max: None,
        }
    }

    /// Builds a kind from form-like input: the `kind`'s name and the
    /// settings typed for it.
    pub fn parse(kind: &str, settings: &KindSettings<'_>) -> Result<Self, Invalid> {
        let options = || {
            settings
                .options
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        let kind = match kind {
            "text" => QuestionKind::Text,
            "ranking" => QuestionKind::Ranking { options: options() },
            "single_choice" => QuestionKind::SingleChoice { options: options() },
            "multiple_choice" => QuestionKind::MultipleChoice { options: options() },
            "number" => QuestionKind::Number {
                unit: settings.unit.to_owned(),
                min: settings.number_min,
                max: settings.number_max,
            },
            "scale" => QuestionKind::Scale {
                min: settings.scale_min,
                max: settings.scale_max,
                min_label: settings.min_label.to_owned(),
                max_label: settings.max_label.to_owned(),
            },
            other => {
                return Err(Invalid::new(
                    "kind",
                    format!("unknown question kind {other:?}"),
                ));
            }
        };
        kind.validated()
    }

    /// The points a scale question offers, at most `MAX_SCALE_STEPS + 1` of
    /// them even for a scale stored before its bounds were checked, so no
    /// page loops in proportion to a number someone typed. Empty for other
    /// kinds.
    pub fn scale_points(&self) -> impl Iterator<Item = i64> + use<> {
        let (min, max) = match self {
            QuestionKind::Scale { min, max, .. } => (*min, *max),
            _ => (1, 0),
        };
        (min..=max).take(MAX_SCALE_STEPS as usize + 1)
    }

    /// Checks the kind's settings, however it was built (form or JSON):
    /// 2–20 distinct options of 1–120 characters, a unit of 1–40
    /// characters, a scale with min < max, at most [`MAX_SCALE_STEPS`]
    /// steps and bounds within ±[`MAX_SCALE_BOUND`].
    pub fn validated(self) -> Result<Self, Invalid> {
        let options = |list: Vec<String>| -> Result<Vec<String>, Invalid> {
            if list.len() < 2 {
                return Err(Invalid::new(
                    "options",
                    "need at least two options, one per line",
                ));
            }
            if list.len() > 20 {
                return Err(Invalid::new("options", "may have at most 20 options"));
            }
            let list = list
                .iter()
                .map(|option| bounded_text("options", option, 1, 120))
                .collect::<Result<Vec<_>, _>>()?;
            for (i, option) in list.iter().enumerate() {
                if list[..i].iter().any(|o| o.eq_ignore_ascii_case(option)) {
                    return Err(Invalid::new(
                        "options",
                        format!("\"{option}\" appears twice"),
                    ));
                }
            }
            Ok(list)
        };
        Ok(match self {
            QuestionKind::Text => QuestionKind::Text,
            QuestionKind::Ranking { options: list } => QuestionKind::Ranking {
                options: options(list)?,
            },
            QuestionKind::SingleChoice { options: list } => QuestionKind::SingleChoice {
                options: options(list)?,
            },
            QuestionKind::MultipleChoice { options: list } => QuestionKind::MultipleChoice {
                options: options(list)?,
            },
            QuestionKind::Number { unit, min, max } => {
                for (field, bound) in [("number_min", min), ("number_max", max)] {
                    if bound.is_some_and(|b| !b.is_finite() || b.abs() > MAX_NUMBER) {
                        return Err(Invalid::new(field, "enter a finite number"));
                    }
                }
                if let (Some(min), Some(max)) = (min, max)
                    && min > max
                {
                    return Err(Invalid::new(
                        "number_max",
                        "the largest answer may not be below the smallest",
                    ));
                }
                QuestionKind::Number {
                    unit: bounded_text("unit", &unit, 1, 40)?,
                    min,
                    max,
                }
            }
            QuestionKind::Scale {
                min,
                max,
                min_label,
                max_label,
            } => {
                let bounded = |v: i64| (-MAX_SCALE_BOUND..=MAX_SCALE_BOUND).contains(&v);
                if !bounded(min) || !bounded(max) {
                    return Err(Invalid::new(
                        "min",
                        format!(
                            "scale bounds must lie between -{MAX_SCALE_BOUND} and {MAX_SCALE_BOUND}"
                        ),
                    ));
                }
                // Checked: `max - min` overflows for extreme bounds.
                if min >= max
                    || max
                        .checked_sub(min)
                        .is_none_or(|steps| steps > MAX_SCALE_STEPS)
                {
                    return Err(Invalid::new(
                        "max",
                        format!("the scale needs min < max and at most {MAX_SCALE_STEPS} steps"),
                    ));
                }
                QuestionKind::Scale {
                    min,
                    max,
                    min_label: bounded_text("min_label", &min_label, 0, 60)?,
                    max_label: bounded_text("max_label", &max_label, 0, 60)?,
                }
            }
        })
    }
}

/// What a form typed for a question's kind; each kind reads its own.
#[derive(Debug, Clone, Default)]
pub struct KindSettings<'a> {
    /// Ranking and choices: one option per line.
    pub options: &'a str,
    /// Number: the unit.
    pub unit: &'a str,
    /// Number: the smallest answer, if any.
    pub number_min: Option<f64>,
    /// Number: the largest answer, if any.
    pub number_max: Option<f64>,
    /// Scale: lowest value.
    pub scale_min: i64,
    /// Scale: highest value.
    pub scale_max: i64,
    /// Scale: what the lowest value means.
    pub min_label: &'a str,
    /// Scale: what the highest value means.
    pub max_label: &'a str,
}

/// The default minimum of a number question: 0, for counts.
pub fn count_minimum() -> Option<f64> {
    Some(0.0)
}

/// The largest magnitude of a number answer or bound.
pub const MAX_NUMBER: f64 = 1e15;

/// The most steps a scale may have.
pub const MAX_SCALE_STEPS: i64 = 100;
/// The largest magnitude of a scale bound.
pub const MAX_SCALE_BOUND: i64 = 1_000_000;

/// One question of a vision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Question {
    /// Stable across versions, so versions can be compared question by question.
    pub key: String,
    /// The question itself.
    pub prompt: String,
    /// What a good answer contains.
    pub help: String,
    /// The kind of answer it takes.
    pub kind: QuestionKind,
    /// How much it counts in a round's alignment index, relative to the
    /// other questions: 1–10, 1 for every question unless the leader says
    /// otherwise (and for versions written before weights existed).
    #[serde(default = "default_question_weight")]
    pub weight: i64,
}

/// The weight of a question nobody weighted.
pub const DEFAULT_QUESTION_WEIGHT: i64 = 1;
/// The largest question weight.
pub const MAX_QUESTION_WEIGHT: i64 = 10;

/// [`DEFAULT_QUESTION_WEIGHT`], for serde defaults of stored questions and
/// of what is derived from them.
pub fn default_question_weight() -> i64 {
    DEFAULT_QUESTION_WEIGHT
}

/// The message for a weight that is not a whole number from 1 to
/// [`MAX_QUESTION_WEIGHT`], wherever it was typed.
pub fn invalid_weight() -> Invalid {
    Invalid::new(
        "weight",
        format!("must be a whole number from 1 to {MAX_QUESTION_WEIGHT}"),
    )
}

impl Question {
    /// Validates prompt and help text; the weight is the default.
    pub fn new(key: String, prompt: &str, help: &str, kind: QuestionKind) -> Result<Self, Invalid> {
        Ok(Self {
            key,
            prompt: bounded_text("prompt", prompt, 3, 300)?,
            help: bounded_text("help", help, 0, 600)?,
            kind: kind.validated()?,
            weight: DEFAULT_QUESTION_WEIGHT,
        })
    }

    /// The same question with another weight, 1–[`MAX_QUESTION_WEIGHT`].
    pub fn with_weight(self, weight: i64) -> Result<Self, Invalid> {
        if !(1..=MAX_QUESTION_WEIGHT).contains(&weight) {
            return Err(invalid_weight());
        }
        Ok(Self { weight, ..self })
    }

    /// Validates an answer for this question's kind.
    pub fn validate(&self, answer: &AnswerValue) -> Result<AnswerValue, Invalid> {
        let field = "answer";
        match (&self.kind, answer) {
            (QuestionKind::Text, AnswerValue::Text(text)) => {
                Ok(AnswerValue::Text(bounded_text(field, text, 1, 5000)?))
            }
            (QuestionKind::Ranking { options }, AnswerValue::Ranking(order)) => {
                let ranked = canonical(field, options, order)?;
                let mut seen: Vec<&String> = Vec::new();
                for item in &ranked {
                    if seen.contains(&item) {
                        return Err(Invalid::new(field, format!("“{item}” is ranked twice")));
                    }
                    seen.push(item);
                }
                if let Some(missing) = options.iter().find(|o| !ranked.contains(o)) {
                    return Err(Invalid::new(
                        field,
                        format!("“{missing}” is missing: rank every option exactly once"),
                    ));
                }
                Ok(AnswerValue::Ranking(ranked))
            }
            (QuestionKind::SingleChoice { options }, AnswerValue::Choice(choice)) => {
                let chosen = canonical(field, options, std::slice::from_ref(choice))?;
                Ok(AnswerValue::Choice(
                    chosen.into_iter().next().unwrap_or_default(),
                ))
            }
            (QuestionKind::MultipleChoice { options }, AnswerValue::Choices(choices)) => {
                if choices.is_empty() {
                    return Err(Invalid::new(field, "choose at least one option"));
                }
                let choices = canonical(field, options, choices)?;
                let mut unique = choices.clone();
                unique.sort();
                unique.dedup();
                if unique.len() != choices.len() {
                    return Err(Invalid::new(field, "each option can be chosen once"));
                }
                Ok(AnswerValue::Choices(choices))
            }
            (QuestionKind::Number { unit, min, max }, AnswerValue::Number(n)) => {
                if !n.is_finite() || n.abs() > MAX_NUMBER {
                    Err(Invalid::new(field, "enter a finite number"))
                } else if let Some(min) = min.filter(|min| n < min) {
                    Err(Invalid::new(
                        field,
                        format!("enter at least {} {unit}", format_number(min)),
                    ))
                } else if let Some(max) = max.filter(|max| n > max) {
                    Err(Invalid::new(
                        field,
                        format!("enter at most {} {unit}", format_number(max)),
                    ))
                } else {
                    Ok(answer.clone())
                }
            }
            (QuestionKind::Scale { min, max, .. }, AnswerValue::Scale(v)) => {
                if v < min || v > max {
                    Err(Invalid::new(
                        field,
                        format!("choose a value from {min} to {max}"),
                    ))
                } else {
                    Ok(answer.clone())
                }
            }
            (kind, _) => Err(Invalid::new(
                field,
                format!(
                    "this question takes a {} answer",
                    kind.label().to_lowercase()
                ),
            )),
        }
    }

    /// Parses an answer typed into a form for this question's kind: text,
    /// ranking as options in order (one per line), choices by option text,
    /// numbers with `.` or `,` and thousands separators.
    pub fn parse_form_answer(&self, values: &[String]) -> Result<AnswerValue, Invalid> {
        let first = values.first().map(String::as_str).unwrap_or("").trim();
        let answer = match &self.kind {
            QuestionKind::Text => AnswerValue::Text(first.to_owned()),
            QuestionKind::Ranking { .. } => AnswerValue::Ranking(
                values
                    .iter()
                    .flat_map(|v| v.lines())
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
            ),
            QuestionKind::SingleChoice { .. } => AnswerValue::Choice(first.to_owned()),
            QuestionKind::MultipleChoice { .. } => AnswerValue::Choices(
                values
                    .iter()
                    .map(|v| v.trim().to_owned())
                    .filter(|v| !v.is_empty())
                    .collect(),
            ),
            QuestionKind::Number { .. } => {
                let cleaned: String = first
                    .chars()
                    .filter(|c| !c.is_whitespace() && *c != '_')
                    .collect();
                let cleaned = if cleaned.matches(',').count() >= 1
                    && !cleaned.contains('.')
                    && cleaned.rsplit(',').next().is_some_and(|t| t.len() != 3)
                {
                    cleaned.replace(',', ".")
                } else {
                    cleaned.replace(',', "")
                };
                AnswerValue::Number(
                    cleaned
                        .parse::<f64>()
                        .map_err(|_| Invalid::new("answer", "enter a number, e.g. 1200 or 3.5"))?,
                )
            }
            QuestionKind::Scale { .. } => AnswerValue::Scale(
                first
                    .parse::<i64>()
                    .map_err(|_| Invalid::new("answer", "choose a point on the scale"))?,
            ),
        };
        self.validate(&answer)
    }
}

/// A person's answer to one question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum AnswerValue {
    /// Free text.
    Text(String),
    /// Options in order, most important first.
    Ranking(Vec<String>),
    /// One option.
    Choice(String),
    /// Several options.
    Choices(Vec<String>),
    /// A number (its unit is the question's).
    Number(f64),
    /// A point on the question's scale.
    Scale(i64),
}

impl AnswerValue {
    /// A one-line rendering for lists and exports.
    pub fn display(&self) -> String {
        match self {
            AnswerValue::Text(t) => t.clone(),
            AnswerValue::Ranking(items) => items
                .iter()
                .enumerate()
                .map(|(i, s)| format!("{}. {s}", i + 1))
                .collect::<Vec<_>>()
                .join("  "),
            AnswerValue::Choice(c) => c.clone(),
            AnswerValue::Choices(c) => c.join(", "),
            AnswerValue::Number(n) => format_number(*n),
            AnswerValue::Scale(v) => v.to_string(),
        }
    }
}

/// A number with thousands separators and no needless decimals.
pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        let digits = (n.abs() as i64).to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        if n < 0.0 { format!("-{out}") } else { out }
    } else {
        format!("{n:.2}")
    }
}

/// One of the few things that matter most, with its weight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Pillar {
    /// Short name.
    pub name: String,
    /// What it means.
    pub description: String,
    /// Relative weight, 1–100.
    pub weight: i64,
}

impl Pillar {
    /// Validates a pillar.
    pub fn new(name: &str, description: &str, weight: i64) -> Result<Self, Invalid> {
        if !(1..=100).contains(&weight) {
            return Err(Invalid::new("weight", "must be between 1 and 100"));
        }
        Ok(Self {
            name: bounded_text("name", name, 1, 60)?,
            description: bounded_text("description", description, 0, 400)?,
            weight,
        })
    }
}

/// How two versions of a vision differ, question by question (matched by key).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct VisionDiff {
    /// Questions only in the newer version.
    pub added: Vec<Question>,
    /// Questions only in the older version.
    pub removed: Vec<Question>,
    /// Questions in both whose wording, help, kind or weight changed.
    pub changed: Vec<Change<Question>>,
    /// Whether the order of the shared questions changed.
    pub reordered: bool,
    /// Pillars only in the newer version (by name).
    pub pillars_added: Vec<Pillar>,
    /// Pillars only in the older version (by name).
    pub pillars_removed: Vec<Pillar>,
    /// Pillars whose description or weight changed.
    pub pillars_changed: Vec<Change<Pillar>>,
}

/// One thing in both versions of a vision that differs between them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Change<T> {
    /// As the older version has it.
    pub old: T,
    /// As the newer version has it.
    pub new: T,
}

impl VisionDiff {
    /// Whether the versions are the same.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.changed.is_empty()
            && !self.reordered
            && self.pillars_added.is_empty()
            && self.pillars_removed.is_empty()
            && self.pillars_changed.is_empty()
    }
}

/// Compares two versions of a vision.
pub fn diff(old: (&[Question], &[Pillar]), new: (&[Question], &[Pillar])) -> VisionDiff {
    let (old_q, old_p) = old;
    let (new_q, new_p) = new;
    let find = |list: &[Question], key: &str| list.iter().position(|q| q.key == key);
    let shared_old: Vec<&str> = old_q
        .iter()
        .filter(|q| find(new_q, &q.key).is_some())
        .map(|q| q.key.as_str())
        .collect();
    let shared_new: Vec<&str> = new_q
        .iter()
        .filter(|q| find(old_q, &q.key).is_some())
        .map(|q| q.key.as_str())
        .collect();
    let pillar = |list: &[Pillar], name: &str| {
        list.iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
            .cloned()
    };
    VisionDiff {
        added: new_q
            .iter()
            .filter(|q| find(old_q, &q.key).is_none())
            .cloned()
            .collect(),
        removed: old_q
            .iter()
            .filter(|q| find(new_q, &q.key).is_none())
            .cloned()
            .collect(),
        changed: old_q
            .iter()
            .filter_map(|o| find(new_q, &o.key).map(|i| (o.clone(), new_q[i].clone())))
            .filter(|(o, n)| o != n)
            .map(|(old, new)| Change { old, new })
            .collect(),
        reordered: shared_old != shared_new,
        pillars_added: new_p
            .iter()
            .filter(|p| pillar(old_p, &p.name).is_none())
            .cloned()
            .collect(),
        pillars_removed: old_p
            .iter()
            .filter(|p| pillar(new_p, &p.name).is_none())
            .cloned()
            .collect(),
        pillars_changed: old_p
            .iter()
            .filter_map(|o| pillar(new_p, &o.name).map(|n| (o.clone(), n)))
            .filter(|(o, n)| o != n)
            .map(|(old, new)| Change { old, new })
            .collect(),
    }
}

/// The options as the vision spells them, for items given without regard to
/// case or surrounding spaces; an item that is no option is named.
fn canonical(
    field: &'static str,
    options: &[String],
    given: &[String],
) -> Result<Vec<String>, Invalid> {
    given
        .iter()
        .map(|item| {
            let item = item.trim();
            options
                .iter()
                .find(|o| o.trim().to_lowercase() == item.to_lowercase())
                .cloned()
                .ok_or_else(|| Invalid::new(field, format!("“{item}” is not one of the options")))
        })
        .collect()
}

/// The built-in template: the key questions of a vision.
pub fn template() -> Vec<Question> {
    let q = |key: &str, prompt: &str, help: &str, kind: QuestionKind| Question {
        key: key.to_owned(),
        prompt: prompt.to_owned(),
        help: help.to_owned(),
        kind,
        weight: DEFAULT_QUESTION_WEIGHT,
    };
    let text = |key: &str, prompt: &str, help: &str| q(key, prompt, help, QuestionKind::Text);
    vec![
        text(
            "ideal-customer",
            "Who is our ideal customer?",
            "Name the kind of organisation or person, their size, the situation they are in and the problem that makes them look for us. Concrete beats broad.",
        ),
        text(
            "why-us",
            "Why would someone choose us over the competition?",
            "The one or two reasons a customer picks us instead of the alternatives they really consider (including doing nothing). Name the alternatives.",
        ),
        text(
            "feeling",
            "What feeling or impact should the product create?",
            "What a customer should feel or be able to do after using it, in their words. Describe the change in their day, not features.",
        ),
        text(
            "horizon-3",
            "Where does the company stand in 3 years?",
            "Customers, revenue, team size, markets and what the product does then. Numbers and dates make differences visible.",
        ),
        text(
            "horizon-5",
            "Where does the company stand in 5 years?",
            "The same points as for 3 years: how large, which markets, what position against competitors.",
        ),
        text(
            "horizon-10",
            "Where does the company stand in 10 years?",
            "The long-term ambition: the role the company plays in its market and what it is known for.",
        ),
        q(
            "priorities",
            "Rank our business priorities for the next 12 months.",
            "Most important first. Ranking forces the trade-offs that a list of equals hides.",
            QuestionKind::Ranking {
                options: [
                    "Growth",
                    "Revenue",
                    "Reliability",
                    "Speed of delivery",
                    "Cost",
                    "Security and compliance",
                    "User experience",
                ]
                .map(String::from)
                .to_vec(),
            },
        ),
    ]
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn scale(min: i64, max: i64) -> Result<QuestionKind, Invalid> {
        QuestionKind::Scale {
            min,
            max,
            min_label: String::new(),
            max_label: String::new(),
        }
        .validated()
    }

    #[test]
    fn options_match_without_regard_to_case_and_errors_name_the_option() {
        let q = Question::new(
            "rank".into(),
            "Rank",
            "",
            QuestionKind::Ranking {
                options: vec!["Growth".into(), "Revenue".into(), "Cost".into()],
            },
        )
        .unwrap();
        let ranked = |items: &[&str]| {
            q.validate(&AnswerValue::Ranking(
                items.iter().map(|s| (*s).to_owned()).collect(),
            ))
        };
        assert_eq!(
            ranked(&["revenue", " GROWTH ", "cost"]).unwrap(),
            AnswerValue::Ranking(vec!["Revenue".into(), "Growth".into(), "Cost".into()])
        );
        assert_eq!(
            ranked(&["Growth", "growth", "Cost"]).unwrap_err().message,
            "“Growth” is ranked twice"
        );
        assert_eq!(
            ranked(&["Growth", "Cost"]).unwrap_err().message,
            "“Revenue” is missing: rank every option exactly once"
        );
        assert_eq!(
            ranked(&["Growth", "Revenue", "Speed"]).unwrap_err().message,
            "“Speed” is not one of the options"
        );
        let choice = Question::new(
            "pick".into(),
            "Pick",
            "",
            QuestionKind::SingleChoice {
                options: vec!["Build".into(), "Buy".into()],
            },
        )
        .unwrap();
        assert_eq!(
            choice.validate(&AnswerValue::Choice("buy".into())).unwrap(),
            AnswerValue::Choice("Buy".into())
        );
    }

    #[test]
    fn extreme_scale_bounds_are_refused_without_overflow() {
        assert!(scale(i64::MIN, i64::MAX).is_err());
        assert!(scale(i64::MAX - 1, i64::MAX).is_err());
        assert!(scale(i64::MIN, i64::MIN + 1).is_err());
        assert!(scale(-MAX_SCALE_BOUND, -MAX_SCALE_BOUND + 100).is_ok());
        assert!(scale(0, 101).is_err());
    }

    #[test]
    fn a_stored_scale_never_offers_more_than_the_step_limit() {
        let unchecked = QuestionKind::Scale {
            min: i64::MIN,
            max: i64::MAX,
            min_label: String::new(),
            max_label: String::new(),
        };
        assert_eq!(
            unchecked.scale_points().count(),
            MAX_SCALE_STEPS as usize + 1
        );
        assert_eq!(QuestionKind::Text.scale_points().count(), 0);
    }

    fn any_kind() -> impl Strategy<Value = QuestionKind> {
        let options = proptest::collection::vec("\\PC{0,8}", 0..24);
        prop_oneof![
            Just(QuestionKind::Text),
            options
                .clone()
                .prop_map(|options| QuestionKind::Ranking { options }),
            options
                .clone()
                .prop_map(|options| QuestionKind::SingleChoice { options }),
            options.prop_map(|options| QuestionKind::MultipleChoice { options }),
            (
                "\\PC{0,50}",
                proptest::option::of(-1e16..1e16f64),
                proptest::option::of(-1e16..1e16f64)
            )
                .prop_map(|(unit, min, max)| QuestionKind::Number { unit, min, max }),
            (any::<i64>(), any::<i64>()).prop_map(|(min, max)| QuestionKind::Scale {
                min,
                max,
                min_label: "low".into(),
                max_label: "high".into(),
            }),
        ]
    }

    fn any_answer() -> impl Strategy<Value = AnswerValue> {
        let list = proptest::collection::vec("\\PC{0,8}", 0..24);
        prop_oneof![
            "(?s).{0,40}".prop_map(AnswerValue::Text),
            list.clone().prop_map(AnswerValue::Ranking),
            "\\PC{0,8}".prop_map(AnswerValue::Choice),
            list.prop_map(AnswerValue::Choices),
            any::<f64>().prop_map(AnswerValue::Number),
            any::<i64>().prop_map(AnswerValue::Scale),
        ]
    }

    proptest! {
        #[test]
        fn scale_bounds_are_checked_for_every_pair(min in any::<i64>(), max in any::<i64>()) {
            let within = (-MAX_SCALE_BOUND..=MAX_SCALE_BOUND).contains(&min)
                && (-MAX_SCALE_BOUND..=MAX_SCALE_BOUND).contains(&max);
            let expected = within && min < max && max - min <= MAX_SCALE_STEPS;
            let kind = scale(min, max);
            prop_assert_eq!(kind.is_ok(), expected);
            if let Ok(kind) = kind {
                prop_assert_eq!(kind.scale_points().count() as i64, max - min + 1);
            }
        }

        #[test]
        fn valid_kinds_keep_their_limits_and_accept_only_fitting_answers(
            kind in any_kind(),
            answer in any_answer(),
        ) {
            let Ok(kind) = kind.validated() else { return Ok(()) };
            prop_assert!(kind.options().len() <= 20);
            prop_assert!(kind.scale_points().count() <= MAX_SCALE_STEPS as usize + 1);
            let question = Question::new("k".into(), "A question?", "", kind.clone()).unwrap();
            if let Ok(valid) = question.validate(&answer) {
                match (&kind, &valid) {
                    (QuestionKind::Scale { min, max, .. }, AnswerValue::Scale(v)) => {
                        prop_assert!(min <= v && v <= max);
                    }
                    (QuestionKind::Number { min, max, .. }, AnswerValue::Number(n)) => {
                        prop_assert!(n.is_finite() && n.abs() <= MAX_NUMBER);
                        prop_assert!(min.is_none_or(|min| min <= *n) && max.is_none_or(|max| *n <= max));
                    }
                    (QuestionKind::Text, AnswerValue::Text(t)) => {
                        prop_assert!(!t.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r')));
                    }
                    (QuestionKind::Ranking { options }, AnswerValue::Ranking(order)) => {
                        prop_assert_eq!(options.len(), order.len());
                    }
                    (QuestionKind::SingleChoice { options }, AnswerValue::Choice(c)) => {
                        prop_assert!(options.contains(c));
                    }
                    (QuestionKind::MultipleChoice { options }, AnswerValue::Choices(c)) => {
                        prop_assert!(!c.is_empty() && c.iter().all(|c| options.contains(c)));
                    }
                    (kind, valid) => prop_assert!(false, "{kind:?} accepted {valid:?}"),
                }
            }
        }
    }

    fn question(kind: QuestionKind) -> Question {
        Question::new("k".into(), "A question?", "", kind).unwrap()
    }

    fn opts(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn each_kind_rejects_malformed_answers_with_a_message() {
        let text = question(QuestionKind::Text);
        assert!(text.validate(&AnswerValue::Text("  ".into())).is_err());
        assert!(
            text.validate(&AnswerValue::Number(3.0))
                .unwrap_err()
                .message
                .contains("free text")
        );
        let ranking = question(QuestionKind::Ranking {
            options: opts(&["a", "b", "c"]),
        });
        assert!(
            ranking
                .validate(&AnswerValue::Ranking(opts(&["a", "b"])))
                .unwrap_err()
                .message
                .contains("exactly once")
        );
        assert!(
            ranking
                .validate(&AnswerValue::Ranking(opts(&["a", "a", "b"])))
                .is_err()
        );
        assert!(
            ranking
                .validate(&AnswerValue::Ranking(opts(&["c", "a", "b"])))
                .is_ok()
        );
        let single = question(QuestionKind::SingleChoice {
            options: opts(&["x", "y"]),
        });
        assert!(single.validate(&AnswerValue::Choice("z".into())).is_err());
        let multi = question(QuestionKind::MultipleChoice {
            options: opts(&["x", "y"]),
        });
        assert!(multi.validate(&AnswerValue::Choices(vec![])).is_err());
        assert!(
            multi
                .validate(&AnswerValue::Choices(opts(&["x", "x"])))
                .is_err()
        );
        assert!(
            multi
                .validate(&AnswerValue::Choices(opts(&["y", "x"])))
                .is_ok()
        );
        let number = question(QuestionKind::count("clinics"));
        assert!(number.validate(&AnswerValue::Number(f64::NAN)).is_err());
        assert_eq!(
            number
                .parse_form_answer(&["-5".into()])
                .unwrap_err()
                .message,
            "enter at least 0 clinics",
            "a count is never negative"
        );
        let bounded = question(QuestionKind::Number {
            unit: "%".into(),
            min: Some(-50.0),
            max: Some(200.0),
        });
        assert!(bounded.validate(&AnswerValue::Number(-20.0)).is_ok());
        assert_eq!(
            bounded
                .validate(&AnswerValue::Number(250.0))
                .unwrap_err()
                .message,
            "enter at most 200 %"
        );
        // Stored before bounds existed: a count from zero.
        let stored: QuestionKind =
            serde_json::from_str(r#"{"type":"number","unit":"clinics"}"#).unwrap();
        assert_eq!(stored, QuestionKind::count("clinics"));
        let unbounded: QuestionKind =
            serde_json::from_str(r#"{"type":"number","unit":"EUR","min":null}"#).unwrap();
        assert!(
            question(unbounded)
                .validate(&AnswerValue::Number(-3.0))
                .is_ok()
        );
        assert!(
            number
                .parse_form_answer(&["about a thousand".into()])
                .unwrap_err()
                .message
                .contains("enter a number")
        );
        assert_eq!(
            number.parse_form_answer(&["1,000".into()]).unwrap(),
            AnswerValue::Number(1000.0)
        );
        assert_eq!(
            number.parse_form_answer(&["2,5".into()]).unwrap(),
            AnswerValue::Number(2.5)
        );
        let scale = question(QuestionKind::Scale {
            min: 1,
            max: 5,
            min_label: "low".into(),
            max_label: "high".into(),
        });
        assert!(
            scale
                .validate(&AnswerValue::Scale(6))
                .unwrap_err()
                .message
                .contains("from 1 to 5")
        );
        assert!(scale.parse_form_answer(&["".into()]).is_err());
    }

    #[test]
    fn kinds_parse_from_forms() {
        let options = |options| KindSettings {
            options,
            ..KindSettings::default()
        };
        assert!(QuestionKind::parse("ranking", &options("one")).is_err());
        assert!(QuestionKind::parse("ranking", &options("a\nA")).is_err());
        let scale = KindSettings {
            scale_min: 5,
            scale_max: 1,
            ..KindSettings::default()
        };
        assert!(QuestionKind::parse("scale", &scale).is_err());
        assert!(QuestionKind::parse("poem", &KindSettings::default()).is_err());
        // Kinds that arrive as JSON are held to the same rules.
        let one_option = QuestionKind::Ranking {
            options: vec!["only".into()],
        };
        assert!(Question::new("k".into(), "Rank these?", "", one_option).is_err());
        let no_unit = QuestionKind::count(" ");
        assert!(Question::new("k".into(), "How many?", "", no_unit).is_err());
        let clinics = KindSettings {
            unit: "clinics",
            number_min: Some(0.0),
            ..KindSettings::default()
        };
        assert_eq!(
            QuestionKind::parse("number", &clinics).unwrap(),
            QuestionKind::count("clinics")
        );
        let upside_down = KindSettings {
            number_min: Some(10.0),
            number_max: Some(1.0),
            ..clinics
        };
        assert_eq!(
            QuestionKind::parse("number", &upside_down)
                .unwrap_err()
                .field,
            "number_max"
        );
        // Each kind reads only its own settings.
        let everything = KindSettings {
            options: "a\nb",
            unit: "clinics",
            scale_min: 1,
            scale_max: 5,
            ..KindSettings::default()
        };
        assert_eq!(
            QuestionKind::parse("text", &everything).unwrap(),
            QuestionKind::Text
        );
    }

    #[test]
    fn weights_are_one_by_default_and_bounded() {
        let q = question(QuestionKind::Text);
        assert_eq!(q.weight, 1);
        assert_eq!(q.clone().with_weight(10).unwrap().weight, 10);
        for bad in [0, -1, 11] {
            let err = q.clone().with_weight(bad).unwrap_err();
            assert_eq!(err.field, "weight");
        }
        // Versions stored before weights existed read as weight 1.
        let old: Question = serde_json::from_value(serde_json::json!({
            "key": "k", "prompt": "A question?", "help": "", "kind": {"type": "text"}
        }))
        .unwrap();
        assert_eq!(old.weight, 1);
    }

    #[test]
    fn the_template_covers_the_key_questions() {
        let t = template();
        assert_eq!(t.len(), 7);
        assert!(t.iter().all(|q| !q.help.is_empty()));
        assert!(matches!(
            t.last().unwrap().kind,
            QuestionKind::Ranking { .. }
        ));
        let keys: std::collections::HashSet<_> = t.iter().map(|q| &q.key).collect();
        assert_eq!(keys.len(), t.len());
    }

    #[test]
    fn answers_round_trip_through_json() {
        for value in [
            AnswerValue::Text("hi".into()),
            AnswerValue::Ranking(opts(&["a"])),
            AnswerValue::Number(2.5),
            AnswerValue::Scale(3),
        ] {
            let json = serde_json::to_string(&value).unwrap();
            assert_eq!(serde_json::from_str::<AnswerValue>(&json).unwrap(), value);
        }
    }

    #[test]
    fn versions_differ_by_question() {
        let v1 = template();
        let mut v2 = v1.clone();
        v2.remove(1);
        v2[0].prompt = "Who exactly is our ideal customer?".into();
        v2.push(
            Question::new(
                "paying".into(),
                "How many paying customers in 3 years?",
                "",
                QuestionKind::count("customers"),
            )
            .unwrap(),
        );
        v2.swap(1, 2);
        let pillars = vec![Pillar::new("Reliability", "", 40).unwrap()];
        let d = diff((&v1, &[]), (&v2, &pillars));
        assert_eq!(d.added.len(), 1);
        assert_eq!(d.removed[0].key, "why-us");
        assert_eq!(d.changed.len(), 1);
        assert!(d.reordered);
        assert_eq!(d.pillars_added.len(), 1);
        assert!(diff((&v1, &[]), (&v1, &[])).is_empty());
        let json = serde_json::to_value(&d).unwrap();
        assert_eq!(
            json["changed"][0]["new"]["prompt"],
            "Who exactly is our ideal customer?"
        );
        assert_eq!(serde_json::from_value::<VisionDiff>(json).unwrap(), d);
    }

    #[test]
    fn numbers_are_formatted_for_people() {
        assert_eq!(format_number(1_000_000.0), "1,000,000");
        assert_eq!(format_number(-1200.0), "-1,200");
        assert_eq!(format_number(2.5), "2.50");
    }
}
