//! Times a round's analysis in the real app, until the result is stored:
//! SQLite in a temporary folder, all-MiniLM-L6-v2 loaded, the leader and 10
//! technical leads answering 12 free-text questions with ~150 words each
//! (`parallax_engine::synthetic`), the analysis worker running as under
//! `serve`.
//!
//! ```text
//! cargo bench -p parallax --bench reveal -- --model DIR
//! ```
//!
//! Two figures, each the median of 3 rounds (every round on a fresh
//! database, so nothing is cached from another run):
//!
//! * **at the reveal**: answers submitted with analysis on, so the worker
//!   embedded their claims after each submit; the clock runs from the reveal
//!   to the stored analysis;
//! * **cold**: answers submitted with analysis off, so nothing was embedded;
//!   the clock runs from switching analysis on to the stored analysis.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parallax::server;
use parallax::settings::Settings;
use parallax_app::accounts::SignUp;
use parallax_app::rounds::{NewRound, VisionEdit};
use parallax_app::{Actor, App};
use parallax_domain::vision::{AnswerValue, QuestionKind};
use parallax_domain::workspace::Role;
use parallax_engine::synthetic::{Rng, answer};

const LEADS: usize = 10;
const QUESTIONS: usize = 12;
const RUNS: u64 = 3;

struct People {
    leader: Actor,
    leads: Vec<Actor>,
}

async fn sign_up(app: &App, n: usize) -> anyhow::Result<Actor> {
    let (session, _) = app
        .sign_up(&SignUp {
            name: format!("Person {n}"),
            email: format!("person{n}@bench.test"),
            password: "a long bench password".into(),
            workspace: String::new(),
        })
        .await?;
    Ok(Actor { user: session.user })
}

async fn people(app: &App) -> anyhow::Result<People> {
    let leader = sign_up(app, 0).await?;
    let mut leads = Vec::new();
    for n in 1..=LEADS {
        leads.push(sign_up(app, n).await?);
    }
    Ok(People { leader, leads })
}

/// A workspace whose vision asks 12 free-text questions, a round in it sent
/// to everyone, answered and submitted; returns the workspace and round ids.
async fn answered_round(
    app: &App,
    people: &People,
    seed: u64,
    analysis_on: bool,
) -> anyhow::Result<(i64, i64)> {
    let leader = &people.leader;
    let w = app
        .create_workspace(leader, &format!("Bench {seed}"))
        .await?
        .id;
    for lead in &people.leads {
        let (_, secret) = app.create_invite(leader, w, Role::TechLead).await?;
        app.accept_invite(lead, &secret).await?;
    }
    app.set_analysis_enabled(leader, w, analysis_on).await?;
    let mut vision = app.vision(leader, w).await?.vision;
    let others: Vec<String> = vision
        .questions
        .iter()
        .filter(|q| q.kind != QuestionKind::Text)
        .map(|q| q.key.clone())
        .collect();
    for key in others {
        let edit = VisionEdit::RemoveQuestion { key };
        vision = app.edit_vision(leader, w, vision.version, edit).await?;
    }
    while vision.questions.len() < QUESTIONS {
        let edit = VisionEdit::AddQuestion {
            prompt: format!("What matters most, part {}?", vision.questions.len() + 1),
            help: String::new(),
            kind: QuestionKind::Text,
            weight: None,
        };
        vision = app.edit_vision(leader, w, vision.version, edit).await?;
    }
    let round = app
        .create_round(
            leader,
            w,
            &NewRound {
                title: format!("Bench round {seed}"),
                participants: people.leads.iter().map(Actor::id).collect(),
                due_at: None,
            },
        )
        .await?;
    app.send_round(leader, w, round.id).await?;
    let mut rng = Rng::new(0x5eed + seed);
    let everyone: Vec<&Actor> = std::iter::once(leader).chain(&people.leads).collect();
    for actor in everyone {
        for question in &vision.questions {
            let text = AnswerValue::Text(answer(&mut rng));
            app.save_answer(actor, w, round.id, &question.key, &text, None)
                .await?;
        }
        app.submit_answers(actor, w, round.id).await?;
    }
    Ok((w, round.id))
}

/// Waits for the stored analysis; returns the time since `start`, the
/// analysis' own elapsed time and how many texts it embedded.
async fn analysed(
    app: &App,
    round_id: i64,
    start: Instant,
) -> anyhow::Result<(Duration, u64, u64)> {
    loop {
        if let Some(record) = app.store().analysis(round_id).await? {
            match record.status.as_str() {
                "done" => {
                    let took = start.elapsed();
                    let result: serde_json::Value =
                        serde_json::from_str(record.result.as_deref().unwrap_or("{}"))?;
                    let field = |name: &str| result[name].as_u64().unwrap_or(0);
                    return Ok((took, field("elapsed_ms"), field("embedded")));
                }
                "failed" => anyhow::bail!("analysis failed: {:?}", record.error),
                _ => {}
            }
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

/// A fresh app on its own SQLite file, so that no run finds vectors cached
/// by another, with the model set and the analysis worker running.
struct Instance {
    app: App,
    people: People,
    worker: tokio::task::JoinHandle<()>,
    _data: tempfile::TempDir,
}

async fn instance(model: Arc<parallax_minilm::MiniLm>) -> anyhow::Result<Instance> {
    let data = tempfile::tempdir()?;
    let settings = Settings {
        data_dir: data.path().to_path_buf(),
        open_signup: true,
        ..Settings::default()
    };
    let app = server::app(server::open_store(&settings).await?, &settings);
    let worker = tokio::spawn(app.clone().run_analysis_worker());
    app.set_embedder(model).await?;
    let people = people(&app).await?;
    Ok(Instance {
        app,
        people,
        worker,
        _data: data,
    })
}

/// One round on a fresh instance: answered with analysis on (`prepared`)
/// or off, then revealed; returns the time until the analysis is stored,
/// from the reveal or from switching analysis on.
async fn timed_run(
    model: Arc<parallax_minilm::MiniLm>,
    seed: u64,
    prepared: bool,
) -> anyhow::Result<Duration> {
    let Instance {
        app,
        people,
        worker,
        ..
    } = &instance(model).await?;
    let (w, round) = answered_round(app, people, seed, prepared).await?;
    let (took, own, embedded) = if prepared {
        let waited = Instant::now();
        while app.analyzer().backlog() > 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        println!(
            "  run {seed}: the backlog of submitted answers drained {} after the last submit",
            ms(waited.elapsed())
        );
        let start = Instant::now();
        app.reveal_round(&people.leader, w, round, false).await?;
        analysed(app, round, start).await?
    } else {
        app.reveal_round(&people.leader, w, round, false).await?;
        let start = Instant::now();
        app.set_analysis_enabled(&people.leader, w, true).await?;
        analysed(app, round, start).await?
    };
    let label = if prepared { "at the reveal" } else { "cold" };
    println!(
        "  {label}, run {seed}: {} (analysis {own} ms, {embedded} texts embedded during it)",
        ms(took)
    );
    worker.abort();
    Ok(took)
}

async fn run(model_dir: PathBuf) -> anyhow::Result<()> {
    let load = Instant::now();
    let model =
        tokio::task::spawn_blocking(move || parallax_minilm::MiniLm::load(&model_dir)).await??;
    let model = Arc::new(model);
    println!("model load: {}", ms(load.elapsed()));
    println!(
        "round: {QUESTIONS} free-text questions x ({LEADS} technical leads + the leader), ~150 words per answer, SQLite, a fresh database per run"
    );

    let mut prepared = Vec::new();
    let mut cold = Vec::new();
    for seed in 0..RUNS {
        prepared.push(timed_run(model.clone(), seed, true).await?);
    }
    for seed in 0..RUNS {
        cold.push(timed_run(model.clone(), seed, false).await?);
    }
    println!(
        "at the reveal (claims embedded at submit), median of {RUNS}: {}",
        ms(median(prepared))
    );
    println!(
        "cold (nothing embedded before), median of {RUNS}: {}",
        ms(median(cold))
    );
    Ok(())
}

fn main() -> ExitCode {
    // `cargo bench` passes `--bench`; the model folder is the only option.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let model_dir = match args.as_slice() {
        [flag, dir] if flag == "--model" => PathBuf::from(dir),
        _ => {
            eprintln!("usage: reveal --model DIR");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(model_dir)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("benchmark failed: {e:#}");
            ExitCode::FAILURE
        }
    }
}
