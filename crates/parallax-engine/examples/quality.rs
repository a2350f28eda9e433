//! Prints the quality report of the free-text comparison on the labelled set
//! (`data/labelled.json`): Spearman of score vs grade, and precision/recall
//! of one-sided claims, per split.
//!
//! ```text
//! cargo run --release -p parallax-engine --example quality [-- --model DIR] [--tune]
//! ```
//!
//! Without `--model` only the lexical fallback is measured. `--tune` searches
//! the calibration constants on the tuning split only and prints the best
//! ones next to the built-in constants.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;

use parallax_engine::eval::{LabelledPair, QualityReport, Split, evaluate, labelled_pairs};
use parallax_engine::{
    Calibration, Embedder, Method, SimilaritySource, TextComparison, compare_text_calibrated,
    texts_to_embed,
};

struct Args {
    model: Option<PathBuf>,
    tune: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        model: None,
        tune: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--model" => args.model = Some(it.next().ok_or("--model needs a folder")?.into()),
            "--tune" => args.tune = true,
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(args)
}

/// Vectors of every claim of every pair, embedded once.
type Cache = HashMap<String, Vec<f32>>;

fn embed_all(embedder: &dyn Embedder, pairs: &[LabelledPair]) -> Result<Cache, String> {
    let mut texts: Vec<String> = pairs
        .iter()
        .flat_map(|p| texts_to_embed(&p.a, &p.b))
        .collect();
    texts.sort();
    texts.dedup();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let vectors = embedder.embed(&refs).map_err(|e| e.to_string())?;
    Ok(texts.into_iter().zip(vectors).collect())
}

fn run(
    pairs: &[&LabelledPair],
    cache: Option<&Cache>,
    calibration: &Calibration,
) -> Vec<TextComparison> {
    let lookup = |t: &str| cache.and_then(|c| c.get(t).cloned());
    let source = match cache {
        Some(_) => SimilaritySource::Vectors(&lookup),
        None => SimilaritySource::Lexical,
    };
    pairs
        .iter()
        .map(|p| {
            compare_text_calibrated(&p.question, &p.a, &p.b, source, calibration)
                .expect("every claim was embedded")
        })
        .collect()
}

fn split(pairs: &[LabelledPair], which: Split) -> Vec<&LabelledPair> {
    pairs.iter().filter(|p| p.split == which).collect()
}

fn print_report(method: &str, name: &str, r: &QualityReport) {
    println!(
        "{method:<8} {name:<8} pairs {:>2}  spearman {:>5}  claim precision {:.2}  recall {:.2}  ({} predicted, {} labelled)",
        r.pairs,
        r.spearman.map_or("n/a".to_owned(), |s| format!("{s:.3}")),
        r.claim_precision,
        r.claim_recall,
        r.predicted_claims,
        r.labelled_claims
    );
}

/// Grid search on the tuning split: the match threshold first (most recall
/// at precision ≥ 0.75, else best F1), then the score constants (best ρ,
/// then least squared distance to the grade scale).
fn tune(pairs: &[&LabelledPair], cache: Option<&Cache>, base: Calibration) -> Calibration {
    let steps = |from: f64, to: f64, step: f64| {
        let n = ((to - from) / step).round() as usize;
        (0..=n).map(move |k| from + step * k as f64)
    };
    let mut best = base;
    let mut best_key = (false, f64::NEG_INFINITY);
    for threshold in steps(0.05, 0.9, 0.025) {
        let calibration = Calibration {
            match_threshold: threshold,
            ..base
        };
        let r = evaluate(pairs, &run(pairs, cache, &calibration));
        let f1 = 2.0 * r.claim_precision * r.claim_recall
            / (r.claim_precision + r.claim_recall).max(1e-9);
        let key = if r.claim_precision >= 0.75 {
            (true, r.claim_recall + f1 * 1e-3)
        } else {
            (false, f1)
        };
        if key > best_key {
            best_key = key;
            best = calibration;
        }
    }
    let results = run(pairs, cache, &best);
    let grades: Vec<f64> = pairs.iter().map(|p| f64::from(p.grade)).collect();
    // Rank quality first (ρ to two decimals), then closeness to the scale
    // people read: grade 1 → 0, grade 5 → 100. The ramp must span at least
    // 0.3 of cosine so that the score stays graded rather than a step.
    let mut best_key = (i64::MIN, f64::NEG_INFINITY);
    let mut tuned = best;
    for floor in steps(0.0, 0.7, 0.05) {
        for ceiling in steps(floor + 0.3, 1.0, 0.05) {
            for weight in steps(0.0, 1.0, 0.1) {
                for penalty in [0.0, 5.0, 10.0, 15.0, 20.0] {
                    let c = Calibration {
                        floor,
                        ceiling,
                        answer_weight: weight,
                        contradiction_penalty: penalty,
                        ..best
                    };
                    let scores: Vec<f64> = results
                        .iter()
                        .map(|r| c.score(r.answer_similarity, r.coverage, r.contradictions.len()))
                        .collect();
                    let rho = parallax_engine::kinds::spearman(&scores, &grades).unwrap_or(-1.0);
                    let error: f64 = scores
                        .iter()
                        .zip(&grades)
                        .map(|(s, g)| (s - (g - 1.0) * 25.0).powi(2))
                        .sum();
                    let key = ((rho * 100.0).round() as i64, -error);
                    if key > best_key {
                        best_key = key;
                        tuned = c;
                    }
                }
            }
        }
    }
    tuned
}

fn report(method: Method, pairs: &[LabelledPair], cache: Option<&Cache>, tune_first: bool) {
    let label = match method {
        Method::Minilm => "minilm",
        Method::Lexical => "lexical",
    };
    let builtin = Calibration::for_method(method);
    if tune_first {
        let tuned = tune(&split(pairs, Split::Tune), cache, builtin);
        println!("{label}: built-in {builtin:?}");
        println!("{label}: tuned    {tuned:?}");
        for (name, which) in [("tune", Split::Tune), ("report", Split::Report)] {
            let part = split(pairs, which);
            print_report(
                label,
                &format!("{name}*"),
                &evaluate(&part, &run(&part, cache, &tuned)),
            );
        }
    }
    for (name, which) in [("tune", Split::Tune), ("report", Split::Report)] {
        let part = split(pairs, which);
        print_report(label, name, &evaluate(&part, &run(&part, cache, &builtin)));
    }
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("{e}\nusage: quality [--model DIR] [--tune]");
            return ExitCode::from(2);
        }
    };
    let pairs = labelled_pairs().expect("data/labelled.json parses");
    println!(
        "labelled pairs: {} ({} tune, {} report); rows marked * use constants tuned in this run",
        pairs.len(),
        split(&pairs, Split::Tune).len(),
        split(&pairs, Split::Report).len()
    );
    report(Method::Lexical, &pairs, None, args.tune);
    if let Some(dir) = args.model {
        let model = match parallax_minilm::MiniLm::load(&dir) {
            Ok(model) => model,
            Err(e) => {
                eprintln!("cannot load the model from {}: {e}", dir.display());
                return ExitCode::FAILURE;
            }
        };
        let cache = match embed_all(&model, &pairs) {
            Ok(cache) => cache,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        };
        report(Method::Minilm, &pairs, Some(&cache), args.tune);
    }
    ExitCode::SUCCESS
}
