//! Times the analysis of a whole alignment round, end to end: 12 questions,
//! the leader's vision and 10 participants (~150 words per answer), each
//! participant compared with the vision on every question (120 free-text
//! comparisons), then the alignment index, the heatmap and the patterns.
//!
//! ```text
//! cargo run --release -p parallax-engine --example round_bench [-- --model DIR]
//! ```
//!
//! With `--model`, claims are embedded with MiniLM into a cache keyed by
//! text, as the app does by text hash in its database; three figures are
//! printed: the first analysis with nothing cached (every claim embedded
//! during it), the analysis with every vector cached (what the app does at
//! the reveal, having embedded each answer's claims when it was submitted),
//! and the re-analysis after one participant changed one answer (only the
//! new claims embedded). Each run also shows the time of the comparisons
//! and of the pattern clustering. Without `--model` the lexical fallback is
//! timed, which has nothing to cache.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use parallax_engine::synthetic::{Rng, answer};
use parallax_engine::{
    ClaimSource, Embedder, SimilaritySource, SourcedClaim, TextComparison, alignment_index,
    compare_text_lexical, compare_text_with, find_patterns, heatmap_svg, split_claims,
};

const QUESTIONS: usize = 12;
const PARTICIPANTS: usize = 10;
const RUNS: usize = 3;

#[derive(Clone)]
struct Round {
    questions: Vec<String>,
    participants: Vec<String>,
    /// `vision[q]`: the leader's answer to question `q`.
    vision: Vec<String>,
    /// `answers[q][p]`.
    answers: Vec<Vec<String>>,
}

fn round() -> Round {
    let mut rng = Rng::new(0x5eed_cafe_f00d);
    let questions: Vec<String> = (1..=QUESTIONS).map(|q| format!("Question {q}")).collect();
    let participants: Vec<String> = (1..=PARTICIPANTS).map(|p| format!("Lead {p}")).collect();
    let vision = (0..QUESTIONS).map(|_| answer(&mut rng)).collect();
    let answers = (0..QUESTIONS)
        .map(|_| (0..PARTICIPANTS).map(|_| answer(&mut rng)).collect())
        .collect();
    Round {
        questions,
        participants,
        vision,
        answers,
    }
}

/// What one analysis produced and where its time went.
struct Outcome {
    svg_bytes: usize,
    patterns: usize,
    /// The free-text comparisons, index and heatmap.
    comparing: Duration,
    /// Clustering the one-sided claims into patterns.
    clustering: Duration,
}

/// Everything the round summary shows, computed from cached vectors (or the
/// lexical fallback when `cache` is `None`). Returns the SVG size and the
/// number of patterns, so the work cannot be optimised away.
fn analyse(round: &Round, cache: Option<&HashMap<String, Vec<f32>>>) -> Outcome {
    let start = Instant::now();
    let lookup = |t: &str| cache.and_then(|c| c.get(t).cloned());
    let mut cells = vec![vec![None; PARTICIPANTS]; QUESTIONS];
    let mut unmatched: Vec<SourcedClaim> = Vec::new();
    for (q, question) in round.questions.iter().enumerate() {
        for (p, participant) in round.participants.iter().enumerate() {
            let (a, b) = (&round.vision[q], &round.answers[q][p]);
            let comparison: TextComparison = match cache {
                Some(_) => compare_text_with(question, a, b, &lookup).expect("all claims cached"),
                None => compare_text_lexical(question, a, b),
            };
            cells[q][p] = Some(comparison.score);
            let source = |who: &str| ClaimSource {
                round: "bench".to_owned(),
                question: question.clone(),
                participant: who.to_owned(),
            };
            unmatched.extend(comparison.a_only.into_iter().map(|text| SourcedClaim {
                text,
                source: source("Leader"),
            }));
            unmatched.extend(comparison.b_only.into_iter().map(|text| SourcedClaim {
                text,
                source: source(participant),
            }));
        }
    }
    let index = alignment_index(&cells, &[]).expect("equal weights");
    assert!(index.overall.is_some());
    let svg = heatmap_svg(&round.questions, &round.participants, &cells);
    let comparing = start.elapsed();
    let source = match cache {
        Some(_) => SimilaritySource::Vectors(&lookup),
        None => SimilaritySource::Lexical,
    };
    let start = Instant::now();
    let patterns = find_patterns(&unmatched, source).expect("all claims cached");
    Outcome {
        svg_bytes: svg.len(),
        patterns: patterns.len(),
        comparing,
        clustering: start.elapsed(),
    }
}

fn breakdown(outcome: &Outcome) -> String {
    format!(
        "{} patterns, heatmap {} bytes; comparisons {}, patterns {}",
        outcome.patterns,
        outcome.svg_bytes,
        ms(outcome.comparing),
        ms(outcome.clustering)
    )
}

/// Embeds the claims the cache lacks; returns how many were embedded. Each
/// answer is split once, as the app does.
fn fill_cache(round: &Round, model: &dyn Embedder, cache: &mut HashMap<String, Vec<f32>>) -> usize {
    let mut seen = HashSet::new();
    let mut missing: Vec<String> = Vec::new();
    for answer in round.vision.iter().chain(round.answers.iter().flatten()) {
        for claim in split_claims(answer) {
            if !cache.contains_key(&claim.text) && seen.insert(claim.text.clone()) {
                missing.push(claim.text);
            }
        }
    }
    let refs: Vec<&str> = missing.iter().map(String::as_str).collect();
    let vectors = model.embed(&refs).expect("embedding works");
    let count = missing.len();
    cache.extend(missing.into_iter().zip(vectors));
    count
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let model_dir: Option<PathBuf> = match (args.next().as_deref(), args.next()) {
        (None, _) => None,
        (Some("--model"), Some(dir)) => Some(dir.into()),
        _ => {
            eprintln!("usage: round_bench [--model DIR]");
            return ExitCode::from(2);
        }
    };
    let round = round();
    let words: usize = round
        .answers
        .iter()
        .flatten()
        .chain(&round.vision)
        .map(|a| a.split_whitespace().count())
        .sum();
    println!(
        "round: {QUESTIONS} questions x {PARTICIPANTS} participants + vision, {} words per answer on average, {} comparisons",
        words / (QUESTIONS * (PARTICIPANTS + 1)),
        QUESTIONS * PARTICIPANTS
    );
    let Some(dir) = model_dir else {
        let times: Vec<Duration> = (0..RUNS)
            .map(|_| {
                let start = Instant::now();
                let outcome = analyse(&round, None);
                let elapsed = start.elapsed();
                println!("  lexical run: {} ({})", ms(elapsed), breakdown(&outcome));
                elapsed
            })
            .collect();
        println!(
            "lexical: full round analysis, median of {RUNS}: {}",
            ms(median(times))
        );
        return ExitCode::SUCCESS;
    };
    let load = Instant::now();
    let model = match parallax_minilm::MiniLm::load(&dir) {
        Ok(model) => model,
        Err(e) => {
            eprintln!("cannot load the model from {}: {e}", dir.display());
            return ExitCode::FAILURE;
        }
    };
    println!("model load: {}", ms(load.elapsed()));
    let (mut cold, mut warm, mut changed) = (Vec::new(), Vec::new(), Vec::new());
    for run in 0..RUNS {
        let mut cache = HashMap::new();
        let start = Instant::now();
        let embedded = fill_cache(&round, &model, &mut cache);
        let outcome = analyse(&round, Some(&cache));
        cold.push(start.elapsed());
        println!(
            "  minilm run {run}: first analysis {} ({embedded} claims embedded, {})",
            ms(start.elapsed()),
            breakdown(&outcome)
        );

        let start = Instant::now();
        let outcome = analyse(&round, Some(&cache));
        warm.push(start.elapsed());
        println!(
            "  minilm run {run}: every vector cached {} ({})",
            ms(start.elapsed()),
            breakdown(&outcome)
        );

        // One participant rewrites one answer: only its new claims are embedded.
        let mut edited = round.clone();
        let mut rng = Rng::new(0xabc + run as u64);
        edited.answers[4][2] = answer(&mut rng);
        let start = Instant::now();
        let embedded = fill_cache(&edited, &model, &mut cache);
        analyse(&edited, Some(&cache));
        changed.push(start.elapsed());
        println!(
            "  minilm run {run}: re-analysis after one changed answer {} ({embedded} claims embedded)",
            ms(start.elapsed())
        );
    }
    println!(
        "minilm: first analysis (embed all claims + analyse), median of {RUNS}: {}",
        ms(median(cold))
    );
    println!(
        "minilm: analysis at the reveal (claims embedded at submit, every vector cached), median of {RUNS}: {}",
        ms(median(warm))
    );
    println!(
        "minilm: re-analysis after one changed answer, median of {RUNS}: {}",
        ms(median(changed))
    );
    ExitCode::SUCCESS
}
