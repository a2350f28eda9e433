//! Vision questions from anywhere (JSON, forms, built values): validation
//! never panics, and whatever it accepts keeps the kind's limits.

#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use parallax_domain::vision::{
    KindSettings, MAX_QUESTION_WEIGHT, MAX_SCALE_STEPS, Question, QuestionKind,
};

#[path = "common.rs"]
mod common;

fn check(kind: QuestionKind, prompt: &str, weight: i64) {
    let Ok(kind) = kind.validated() else { return };
    assert!(kind.scale_points().count() <= MAX_SCALE_STEPS as usize + 1);
    assert!(kind.options().len() <= 20);
    if let QuestionKind::Scale { min, max, .. } = &kind {
        assert!(min < max);
        assert_eq!(kind.scale_points().count() as i64, max - min + 1);
    }
    assert_eq!(
        kind.clone().validated(),
        Ok(kind.clone()),
        "validation is idempotent"
    );
    if let Ok(question) = Question::new("k".into(), prompt, "", kind)
        && let Ok(weighted) = question.with_weight(weight)
    {
        assert!((1..=MAX_QUESTION_WEIGHT).contains(&weighted.weight));
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(kind) = serde_json::from_slice::<QuestionKind>(data) {
        check(kind, "A question?", 1);
    }
    let mut u = Unstructured::new(data);
    let Ok(kind) = common::kind(&mut u) else {
        return;
    };
    let prompt: String = u.arbitrary().unwrap_or_default();
    let weight: i64 = u.arbitrary().unwrap_or_default();
    check(kind.clone(), &prompt, weight);
    // The form's spelling of the same kind.
    let (options, unit, number_min, number_max, min, max) = match &kind {
        QuestionKind::Ranking { options }
        | QuestionKind::SingleChoice { options }
        | QuestionKind::MultipleChoice { options } => {
            (options.join("\n"), String::new(), None, None, 0, 0)
        }
        QuestionKind::Number { unit, min, max } => (String::new(), unit.clone(), *min, *max, 0, 0),
        QuestionKind::Scale { min, max, .. } => {
            (String::new(), String::new(), None, None, *min, *max)
        }
        QuestionKind::Text => Default::default(),
    };
    let settings = KindSettings {
        options: &options,
        unit: &unit,
        number_min,
        number_max,
        scale_min: min,
        scale_max: max,
        min_label: "low",
        max_label: "high",
    };
    if let Ok(parsed) = QuestionKind::parse(kind.name(), &settings) {
        check(parsed, "A question?", 1);
    }
});
