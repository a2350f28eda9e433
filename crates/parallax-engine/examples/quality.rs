//! Prints the quality of the free-text comparison on the labelled set
//! (`data/labelled/`): the pool by grouped k-fold cross-validation (each
//! company scored with constants fitted on the other folds), the pool with
//! the built-in constants, and the untouched holdout with the built-in
//! constants.
//!
//! ```text
//! cargo run --release -p parallax-engine --example quality [-- --model DIR] [--fit]
//! ```
//!
//! Without `--model` only the lexical fallback is measured. `--fit` also
//! prints the constants fitted on the whole pool and the gap threshold that
//! best separates its cross-validated scores: what `Calibration::MINILM` /
//! `Calibration::LEXICAL` and `GAP_BELOW` hold. `--write-mean FILE` writes
//! the mean of the pool's claim vectors (`data/minilm-mean.json`).

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;

use parallax_engine::eval::{
    FOLDS, LabelledPair, QualityReport, Split, best_gap_threshold, claim_texts, evaluate, fit,
    folds, labelled_pairs,
};
use parallax_engine::{
    Calibration, Embedder, Method, ScoreInputs, SimilaritySource, TextComparison,
    compare_text_scored,
};

struct Args {
    model: Option<PathBuf>,
    fit: bool,
    misses: bool,
    write_mean: Option<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        model: None,
        fit: false,
        misses: false,
        write_mean: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--model" => args.model = Some(it.next().ok_or("--model needs a folder")?.into()),
            "--fit" => args.fit = true,
            "--misses" => args.misses = true,
            "--write-mean" => {
                args.write_mean = Some(it.next().ok_or("--write-mean needs a file")?.into());
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(args)
}

/// Vectors of every claim of every pair, embedded once.
type Cache = HashMap<String, Vec<f32>>;

fn embed_all(embedder: &dyn Embedder, pairs: &[LabelledPair]) -> Result<Cache, String> {
    let texts = claim_texts(&pairs.iter().collect::<Vec<_>>());
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let vectors = embedder.embed(&refs).map_err(|e| e.to_string())?;
    Ok(texts.into_iter().zip(vectors).collect())
}

fn run(
    pairs: &[&LabelledPair],
    cache: Option<&Cache>,
    calibration: &Calibration,
) -> Vec<(TextComparison, ScoreInputs)> {
    let lookup = |t: &str| cache.and_then(|c| c.get(t).cloned());
    let source = match cache {
        Some(_) => SimilaritySource::Vectors(&lookup),
        None => SimilaritySource::Lexical,
    };
    pairs
        .iter()
        .map(|p| {
            compare_text_scored(&p.question, &p.a, &p.b, source, calibration)
                .expect("every claim was embedded")
        })
        .collect()
}

fn print_report(method: &str, name: &str, r: &QualityReport) {
    let median = |g: usize| r.median_by_grade[g].map_or("-".to_owned(), |m| format!("{m:.0}"));
    let kinds = r.contradictions_by_kind;
    println!(
        "{method:<8} {name:<14} pairs {:>3}  ρ {:>5}  4–5 under gap {:>4.1} %  1–2 over gap {:>4.1} %  medians by grade {}/{}/{}/{}/{}  contradictions {:.2} (negation {}/{}, magnitude {}/{}, meaning {}/{}; precision {:.2})  claims P {:.2} R {:.2}",
        r.pairs,
        r.spearman.map_or("n/a".to_owned(), |s| format!("{s:.3}")),
        100.0 * r.aligned_under_gap,
        100.0 * r.misaligned_over_gap,
        median(0),
        median(1),
        median(2),
        median(3),
        median(4),
        r.contradiction_recall,
        kinds[0].0,
        kinds[0].1,
        kinds[1].0,
        kinds[1].1,
        kinds[2].0,
        kinds[2].1,
        r.contradiction_precision,
        r.claim_precision,
        r.claim_recall,
    );
    let misses = r.misses();
    if !misses.is_empty() {
        println!("{:<24} misses: {}", "", misses.join("; "));
    }
}

fn samples(
    pairs: &[&LabelledPair],
    results: &[(TextComparison, ScoreInputs)],
) -> Vec<(ScoreInputs, u8)> {
    results
        .iter()
        .zip(pairs)
        .map(|((_, inputs), p)| (inputs.clone(), p.grade))
        .collect()
}

/// Prints the pool's strong contradictions the engine missed or made up, and the pairs
/// scored furthest from their grade (never the holdout's).
fn print_misses(pool: &[&LabelledPair], results: &[TextComparison]) {
    use parallax_engine::eval::claims_overlap;
    for (p, r) in pool.iter().zip(results) {
        for l in p.contradictions.iter().filter(|l| l.kind.is_strong()) {
            let found = r
                .contradictions
                .iter()
                .any(|c| claims_overlap(&p.a, &c.a, &l.a) && claims_overlap(&p.b, &c.b, &l.b));
            if !found {
                println!("missed {:?} in {}: {:?} || {:?}", l.kind, p.id, l.a, l.b);
            }
        }
        for c in r.contradictions.iter().filter(|c| c.conflict.is_strong()) {
            let labelled = p
                .contradictions
                .iter()
                .any(|l| claims_overlap(&p.a, &c.a, &l.a) && claims_overlap(&p.b, &c.b, &l.b));
            if !labelled {
                println!(
                    "false {:?} in {} (grade {}): {}",
                    c.conflict, p.id, p.grade, c.explanation
                );
            }
        }
        let off = r.score - (f64::from(p.grade) - 1.0) * 25.0;
        if off.abs() >= 40.0 {
            println!(
                "off by {off:+.0} in {} (grade {}): {}",
                p.id, p.grade, r.explanation
            );
        }
    }
}

fn report(
    method: Method,
    pairs: &[LabelledPair],
    cache: Option<&Cache>,
    print_fit: bool,
    misses: bool,
) {
    let label = match method {
        Method::Minilm => "minilm",
        Method::Lexical => "lexical",
    };
    let builtin = Calibration::for_method(method);
    let pool: Vec<&LabelledPair> = pairs.iter().filter(|p| p.split == Split::Pool).collect();
    let holdout: Vec<&LabelledPair> = pairs.iter().filter(|p| p.split == Split::Holdout).collect();
    let pool_results = run(&pool, cache, &builtin);
    // Cross-validation: each fold scored with constants fitted on the others.
    let fold = folds(&pool);
    let mut out_of_fold: Vec<TextComparison> =
        pool_results.iter().map(|(c, _)| c.clone()).collect();
    for f in 0..FOLDS {
        let train: Vec<(ScoreInputs, u8)> = pool_results
            .iter()
            .zip(&pool)
            .zip(&fold)
            .filter(|(_, k)| **k != f)
            .map(|(((_, inputs), p), _)| (inputs.clone(), p.grade))
            .collect();
        let fitted = fit(&train, builtin);
        for (k, ((_, inputs), _)) in pool_results.iter().zip(&fold).enumerate() {
            if fold[k] == f {
                out_of_fold[k].score = fitted.score(inputs);
            }
        }
    }
    print_report(
        label,
        &format!("pool {FOLDS}-fold CV"),
        &evaluate(&pool, &out_of_fold),
    );
    let in_sample: Vec<TextComparison> = pool_results.into_iter().map(|(c, _)| c).collect();
    if misses {
        print_misses(&pool, &in_sample);
    }
    print_report(label, "pool built-in", &evaluate(&pool, &in_sample));
    let held: Vec<TextComparison> = run(&holdout, cache, &builtin)
        .into_iter()
        .map(|(c, _)| c)
        .collect();
    print_report(label, "holdout", &evaluate(&holdout, &held));
    if print_fit {
        let all = run(&pool, cache, &builtin);
        let fitted = fit(&samples(&pool, &all), builtin);
        let scored: Vec<(f64, u8)> = out_of_fold
            .iter()
            .zip(&pool)
            .map(|(c, p)| (c.score, p.grade))
            .collect();
        println!("{label}: built-in {builtin:?}");
        println!("{label}: fitted   {fitted:?}");
        println!(
            "{label}: gap threshold separating the cross-validated scores best: {}",
            best_gap_threshold(&scored)
        );
    }
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("{e}\nusage: quality [--model DIR] [--fit] [--misses] [--write-mean FILE]");
            return ExitCode::from(2);
        }
    };
    let pairs = labelled_pairs().expect("data/labelled parses");
    let holdout = pairs.iter().filter(|p| p.split == Split::Holdout).count();
    println!(
        "labelled pairs: {} ({} pool in {FOLDS} folds by company, {holdout} holdout)",
        pairs.len(),
        pairs.len() - holdout,
    );
    report(Method::Lexical, &pairs, None, args.fit, false);
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
        if let Some(path) = &args.write_mean {
            let pool: Vec<&LabelledPair> =
                pairs.iter().filter(|p| p.split == Split::Pool).collect();
            let texts = claim_texts(&pool);
            let mut mean = vec![0.0f64; model.dimension()];
            for t in &texts {
                mean.iter_mut()
                    .zip(&cache[t])
                    .for_each(|(m, x)| *m += f64::from(*x));
            }
            let mean: Vec<f32> = mean
                .iter()
                .map(|m| (m / texts.len() as f64) as f32)
                .collect();
            let json = serde_json::to_string(&mean).expect("numbers serialise");
            if let Err(e) = std::fs::write(path, json + "\n") {
                eprintln!("cannot write {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
            println!(
                "mean of {} pool claim vectors written to {}",
                texts.len(),
                path.display()
            );
        }
        report(Method::Minilm, &pairs, Some(&cache), args.fit, args.misses);
    }
    ExitCode::SUCCESS
}
