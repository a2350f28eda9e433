//! Embedding throughput and memory of `MiniLm` on fixed text sets.
//!
//! ```text
//! cargo bench -p parallax-minilm --bench embed -- [--model DIR] [--file PATH]
//!     [--threads N] [--batch N] [--baseline FILE] [--save-baseline FILE]
//! cargo bench -p parallax-minilm --bench embed -- --write-corpus DIR
//! ```
//!
//! Without `--file` it embeds two generated, deterministic sets: 2,000 short
//! texts (8–16 words) and 500 long ones (120–180 words). `--write-corpus`
//! writes those sets as `short.txt` and `long.txt` (one text per line) so that
//! `scripts/bench-embed.sh` can feed the very same texts to
//! sentence-transformers. The model folder comes from `--model`, else from
//! `PARALLAX_MODEL_DIR`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use parallax_engine::Embedder;
use parallax_minilm::MiniLm;
use serde::{Deserialize, Serialize};

const USAGE: &str = "usage: embed [--model DIR] [--file PATH] [--threads N] [--batch N] \
                     [--baseline FILE] [--save-baseline FILE] [--write-corpus DIR]";

#[derive(Default)]
struct Args {
    model: Option<PathBuf>,
    file: Option<PathBuf>,
    write_corpus: Option<PathBuf>,
    baseline: Option<PathBuf>,
    save_baseline: Option<PathBuf>,
    threads: usize,
    batch: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        threads: 2,
        batch: 32,
        ..Args::default()
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--model" => args.model = Some(value()?.into()),
            "--file" => args.file = Some(value()?.into()),
            "--write-corpus" => args.write_corpus = Some(value()?.into()),
            "--baseline" => args.baseline = Some(value()?.into()),
            "--save-baseline" => args.save_baseline = Some(value()?.into()),
            "--threads" => {
                args.threads = value()?.parse().map_err(|e| format!("--threads: {e}"))?
            }
            "--batch" => args.batch = value()?.parse().map_err(|e| format!("--batch: {e}"))?,
            // `cargo bench` passes `--bench` to every bench binary.
            "--bench" => {}
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    Ok(args)
}

/// One measured set, as saved with `--save-baseline`.
#[derive(Serialize, Deserialize)]
struct SetResult {
    texts: usize,
    tokens: usize,
    seconds: f64,
    sentences_per_s: f64,
    tokens_per_s: f64,
}

/// A whole run, as saved with `--save-baseline`.
#[derive(Serialize, Deserialize)]
struct RunResult {
    sets: BTreeMap<String, SetResult>,
    peak_rss_mb: f64,
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("embed bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let args = parse_args()?;
    let sets: Vec<(String, Vec<String>)> = match &args.file {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let lines = text
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(String::from);
            vec![("file".into(), lines.collect())]
        }
        None => vec![
            ("short".into(), corpus(2_000, 8, 16, 1)),
            ("long".into(), corpus(500, 120, 180, 2)),
        ],
    };
    if let Some(dir) = &args.write_corpus {
        return write_corpus(dir, &sets);
    }
    let model_dir = args
        .model
        .clone()
        .or_else(|| std::env::var_os("PARALLAX_MODEL_DIR").map(PathBuf::from))
        .ok_or("no model: pass --model DIR or set PARALLAX_MODEL_DIR")?;

    let started = Instant::now();
    let model = MiniLm::load(&model_dir)
        .and_then(|m| m.with_threads(args.threads))
        .map_err(|e| e.to_string())?
        .with_batch_size(args.batch);
    println!(
        "model {} loaded in {:.2} s; {} threads, batch {}",
        model_dir.display(),
        started.elapsed().as_secs_f64(),
        args.threads,
        args.batch
    );
    // One small batch first, so one-time set-up is not timed.
    model
        .embed(&["warm up the thread pool"])
        .map_err(|e| e.to_string())?;

    let mut result = RunResult {
        sets: BTreeMap::new(),
        peak_rss_mb: 0.0,
    };
    for (name, texts) in &sets {
        let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
        let tokens: usize = model
            .token_counts(&texts)
            .map_err(|e| e.to_string())?
            .iter()
            .sum();
        let started = Instant::now();
        let vectors = model.embed(&texts).map_err(|e| e.to_string())?;
        let seconds = started.elapsed().as_secs_f64();
        assert_eq!(vectors.len(), texts.len());
        let set = SetResult {
            texts: texts.len(),
            tokens,
            seconds,
            sentences_per_s: texts.len() as f64 / seconds,
            tokens_per_s: tokens as f64 / seconds,
        };
        println!(
            "{name:>5}: {} texts, {} tokens in {:.2} s: {:.1} sentences/s, {:.0} tokens/s",
            set.texts, set.tokens, set.seconds, set.sentences_per_s, set.tokens_per_s
        );
        result.sets.insert(name.clone(), set);
    }
    result.peak_rss_mb = peak_rss_mb()?;
    println!("peak RSS: {:.1} MB", result.peak_rss_mb);

    if let Some(path) = &args.baseline {
        compare(&result, &read_json(path)?);
    }
    if let Some(path) = &args.save_baseline {
        let json = serde_json::to_string_pretty(&result).map_err(|e| e.to_string())?;
        std::fs::write(path, json + "\n").map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

fn write_corpus(dir: &Path, sets: &[(String, Vec<String>)]) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for (name, texts) in sets {
        let path = dir.join(format!("{name}.txt"));
        std::fs::write(&path, texts.join("\n") + "\n")
            .map_err(|e| format!("{}: {e}", path.display()))?;
        println!("wrote {} texts to {}", texts.len(), path.display());
    }
    Ok(())
}

fn read_json(path: &Path) -> Result<RunResult, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn compare(now: &RunResult, before: &RunResult) {
    for (name, set) in &now.sets {
        if let Some(old) = before.sets.get(name) {
            println!(
                "{name:>5}: {:.2}x the baseline's sentences/s ({:.1} then)",
                set.sentences_per_s / old.sentences_per_s,
                old.sentences_per_s
            );
        }
    }
    println!(
        "  rss: {:.2}x the baseline's peak ({:.1} MB then)",
        now.peak_rss_mb / before.peak_rss_mb,
        before.peak_rss_mb
    );
}

/// The process's peak resident memory, from `VmHWM` in `/proc/self/status`.
fn peak_rss_mb() -> Result<f64, String> {
    let status = std::fs::read_to_string("/proc/self/status").map_err(|e| e.to_string())?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .ok_or_else(|| "no VmHWM in /proc/self/status".into())
}

/// `count` texts of `min..=max` words, the same on every run: sentences of
/// 6–20 words drawn from a fixed vocabulary of the product's domain, with
/// numbers and punctuation, so token counts resemble real answers.
fn corpus(count: usize, min: usize, max: usize, seed: u64) -> Vec<String> {
    let mut rng = SplitMix64(seed);
    (0..count)
        .map(|_| {
            let words = min + rng.below(max - min + 1);
            let mut text = String::new();
            let mut sentence_left = 0;
            for i in 0..words {
                if sentence_left == 0 {
                    if i > 0 {
                        text.push_str(". ");
                    }
                    sentence_left = 6 + rng.below(15);
                }
                let word = match rng.below(20) {
                    0 => (rng.below(1_000) * 10).to_string(),
                    1 => format!("{}%", rng.below(100)),
                    _ => VOCABULARY[rng.below(VOCABULARY.len())].to_string(),
                };
                if text.is_empty() || text.ends_with(". ") {
                    let mut chars = word.chars();
                    text.extend(chars.next().map(|c| c.to_ascii_uppercase()));
                    text.push_str(chars.as_str());
                } else {
                    if rng.below(12) == 0 {
                        text.push(',');
                    }
                    text.push(' ');
                    text.push_str(&word);
                }
                sentence_left -= 1;
            }
            text.push('.');
            text
        })
        .collect()
}

/// A tiny deterministic generator, so the corpus never depends on a crate's
/// algorithm changing between versions.
struct SplitMix64(u64);

impl SplitMix64 {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) % n as u64) as usize
    }
}

const VOCABULARY: &[&str] = &[
    "the",
    "a",
    "our",
    "we",
    "they",
    "customers",
    "clinics",
    "team",
    "product",
    "vision",
    "should",
    "must",
    "will",
    "can",
    "want",
    "need",
    "build",
    "sell",
    "grow",
    "ship",
    "reliable",
    "fast",
    "simple",
    "secure",
    "small",
    "large",
    "enterprise",
    "owner-managed",
    "market",
    "pricing",
    "revenue",
    "growth",
    "years",
    "quarter",
    "roadmap",
    "priority",
    "priorities",
    "engineering",
    "platform",
    "integration",
    "integrations",
    "laboratory",
    "booking",
    "reminders",
    "invoices",
    "calendar",
    "support",
    "onboarding",
    "feedback",
    "and",
    "or",
    "but",
    "because",
    "with",
    "without",
    "for",
    "to",
    "of",
    "in",
    "on",
    "at",
    "from",
    "by",
    "is",
    "are",
    "be",
    "more",
    "less",
    "than",
    "every",
    "each",
    "first",
    "then",
    "only",
    "also",
    "not",
    "never",
    "always",
    "today",
    "tomorrow",
    "next",
    "last",
    "focus",
    "effort",
    "work",
    "strategy",
    "initiative",
    "pillar",
    "goal",
    "outcome",
    "metric",
    "churn",
    "retention",
    "conversion",
    "subscription",
    "seat",
    "licence",
    "partner",
    "competition",
    "competitors",
    "advantage",
    "trust",
    "calm",
    "delight",
    "impact",
    "feeling",
    "experience",
    "design",
    "mobile",
    "web",
    "api",
    "database",
    "migration",
    "latency",
    "uptime",
    "incident",
    "security",
    "privacy",
    "compliance",
    "europe",
    "germany",
    "austria",
    "netherlands",
    "region",
    "expansion",
    "hiring",
    "engineers",
    "designers",
    "sales",
    "marketing",
    "leader",
    "founder",
    "contractor",
    "vet",
    "veterinary",
    "practice",
    "receptionist",
    "owner",
    "patients",
    "animals",
    "appointments",
    "schedule",
    "workflow",
    "automation",
    "reporting",
    "dashboard",
    "analytics",
    "insight",
    "decision",
    "process",
    "structure",
    "communication",
    "alignment",
    "gap",
    "round",
    "answer",
    "question",
    "meaning",
    "difference",
];
