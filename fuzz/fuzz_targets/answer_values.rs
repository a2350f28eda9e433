//! Answer values of every shape against questions of every kind, from JSON,
//! from forms and as built values: validation never panics, and what it
//! accepts fits the question.

#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use parallax_domain::vision::{AnswerValue, Question, QuestionKind};

#[path = "common.rs"]
mod common;

fn check(question: &Question, answer: &AnswerValue) {
    let Ok(valid) = question.validate(answer) else {
        return;
    };
    assert_eq!(
        question.validate(&valid).as_ref(),
        Ok(&valid),
        "validation is idempotent"
    );
    let _ = valid.display();
    match (&question.kind, &valid) {
        (QuestionKind::Scale { min, max, .. }, AnswerValue::Scale(v)) => {
            assert!(min <= v && v <= max);
        }
        (QuestionKind::Number { min, max, .. }, AnswerValue::Number(n)) => {
            assert!(n.is_finite() && n.abs() <= 1e15);
            assert!(min.is_none_or(|min| min <= *n) && max.is_none_or(|max| *n <= max));
        }
        (QuestionKind::Text, AnswerValue::Text(text)) => {
            assert!(!text.is_empty() && text.chars().count() <= 5000);
        }
        (QuestionKind::Ranking { options }, AnswerValue::Ranking(order)) => {
            assert_eq!(options.len(), order.len());
        }
        (QuestionKind::SingleChoice { options }, AnswerValue::Choice(choice)) => {
            assert!(options.contains(choice));
        }
        (QuestionKind::MultipleChoice { options }, AnswerValue::Choices(chosen)) => {
            assert!(!chosen.is_empty() && chosen.iter().all(|c| options.contains(c)));
        }
        (kind, valid) => panic!("{kind:?} accepted {valid:?}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(kind) = common::kind(&mut u) else {
        return;
    };
    let Ok(question) = Question::new("k".into(), "A question?", "", kind) else {
        return;
    };
    if let Ok(answer) = common::answer(&mut u) {
        check(&question, &answer);
    }
    let typed: Vec<String> = u.arbitrary().unwrap_or_default();
    if let Ok(answer) = question.parse_form_answer(&typed) {
        check(&question, &answer);
    }
    if let Ok(answer) = serde_json::from_slice::<AnswerValue>(u.take_rest()) {
        check(&question, &answer);
    }
    let ms = i64::from_le_bytes(
        data.get(..8)
            .and_then(|b| b.try_into().ok())
            .unwrap_or_default(),
    );
    if let Ok(Some(due)) = parallax_domain::round::due_at("due_at", Some(ms)) {
        use parallax_domain::round::{EARLIEST_DUE_AT, LATEST_DUE_AT};
        assert!((EARLIEST_DUE_AT..=LATEST_DUE_AT).contains(&due));
    }
});
