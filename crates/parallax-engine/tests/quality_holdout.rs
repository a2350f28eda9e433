//! The analysis quality on the untouched holdout (three companies no tuning
//! has seen), with the real model (PARALLAX_MODEL_DIR, installed by
//! scripts/test.sh) and the built-in constants.
//!
//! The floors below are a regression guard at the level measured when they
//! were set (BENCHMARKS.md): a change that makes the scores worse on answers
//! the engine was never tuned on fails here. Issue 11's targets are higher;
//! the report prints the ones still missed.

use std::collections::HashMap;
use std::path::PathBuf;

use parallax_engine::eval::{LabelledPair, Split, claim_texts, evaluate, labelled_pairs};
use parallax_engine::{Embedder, compare_text_with};
use parallax_minilm::MiniLm;

fn model_dir() -> PathBuf {
    std::env::var_os("PARALLAX_MODEL_DIR")
        .map(PathBuf::from)
        .expect(
            "PARALLAX_MODEL_DIR is not set: point it at an installed all-MiniLM-L6-v2 \
         (scripts/test.sh installs one); this test needs the real model",
        )
}

#[test]
fn holdout_scores_hold_on_answers_never_tuned_on() {
    let pairs = labelled_pairs().unwrap();
    let holdout: Vec<&LabelledPair> = pairs.iter().filter(|p| p.split == Split::Holdout).collect();
    assert!(holdout.len() >= 50, "{}", holdout.len());
    let model = MiniLm::load(&model_dir()).unwrap();
    let texts = claim_texts(&holdout);
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let vectors: HashMap<String, Vec<f32>> = texts
        .iter()
        .cloned()
        .zip(model.embed(&refs).unwrap())
        .collect();
    let results: Vec<_> = holdout
        .iter()
        .map(|p| compare_text_with(&p.question, &p.a, &p.b, &|t| vectors.get(t).cloned()).unwrap())
        .collect();
    let r = evaluate(&holdout, &results);
    println!("{r:#?}");
    println!("issue 11 targets still missed: {:?}", r.misses());
    let rho = r.spearman.unwrap();
    assert!(rho >= 0.55, "Spearman {rho:.3}");
    assert!(
        r.aligned_under_gap <= 0.35,
        "4–5 under the gap threshold: {:.2}",
        r.aligned_under_gap
    );
    assert!(
        r.misaligned_over_gap <= 0.35,
        "1–2 over the gap threshold: {:.2}",
        r.misaligned_over_gap
    );
    let median = |g: usize| r.median_by_grade[g - 1].unwrap();
    assert!(
        median(5) > median(3) && median(3) > median(1),
        "{:?}",
        r.median_by_grade
    );
    assert!(
        median(5) >= 70.0 && median(1) <= 30.0,
        "{:?}",
        r.median_by_grade
    );
    assert!(
        r.contradiction_recall >= 0.35,
        "contradiction recall {:.2}",
        r.contradiction_recall
    );
    assert!(r.claim_recall >= 0.85, "claim recall {:.2}", r.claim_recall);
    assert!(
        r.claim_precision >= 0.45,
        "claim precision {:.2}",
        r.claim_precision
    );
}
