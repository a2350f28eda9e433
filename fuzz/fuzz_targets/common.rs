//! Building question kinds and answers from fuzzer bytes, shared by the
//! targets.

use arbitrary::{Result, Unstructured};
use parallax_domain::vision::{AnswerValue, QuestionKind};

/// Any kind, with any settings: most of them invalid.
pub fn kind(u: &mut Unstructured<'_>) -> Result<QuestionKind> {
    Ok(match u.int_in_range(0..=5)? {
        0 => QuestionKind::Text,
        1 => QuestionKind::Ranking {
            options: u.arbitrary()?,
        },
        2 => QuestionKind::SingleChoice {
            options: u.arbitrary()?,
        },
        3 => QuestionKind::MultipleChoice {
            options: u.arbitrary()?,
        },
        4 => QuestionKind::Number {
            unit: u.arbitrary()?,
            min: u.arbitrary()?,
            max: u.arbitrary()?,
        },
        _ => QuestionKind::Scale {
            min: u.arbitrary()?,
            max: u.arbitrary()?,
            min_label: u.arbitrary()?,
            max_label: u.arbitrary()?,
        },
    })
}

/// Any answer value.
pub fn answer(u: &mut Unstructured<'_>) -> Result<AnswerValue> {
    Ok(match u.int_in_range(0..=5)? {
        0 => AnswerValue::Text(u.arbitrary()?),
        1 => AnswerValue::Ranking(u.arbitrary()?),
        2 => AnswerValue::Choice(u.arbitrary()?),
        3 => AnswerValue::Choices(u.arbitrary()?),
        4 => AnswerValue::Number(u.arbitrary()?),
        _ => AnswerValue::Scale(u.arbitrary()?),
    })
}
