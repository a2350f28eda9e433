//! The analysis of revealed rounds, run as a background job.
//!
//! After a reveal the round is queued; a worker compares each participant's
//! answers with the leader's, question by question, computes the alignment
//! index, the heatmap and the patterns across rounds, and stores the result.
//! Embeddings are cached in the database ([`vector_key`]), so re-analysis
//! embeds only new text. Embedding and scoring run on the blocking pool. Only
//! revealed answers of participants who were not left out are ever compared.
//!
//! So that the analysis at the reveal takes a fraction of a second, the
//! claims of each submitted answer are embedded ahead of it, by the same
//! worker ([`App::prepare_embeddings`]). That step compares nothing and shows
//! nothing: it only fills the cache. Cached vectors are keyed by round,
//! author, question, answer version and text ([`vector_key`]), so a round's
//! analysis can only ever find the very answers it compares: whether a text
//! was cached says nothing about other rounds, other people, or versions of
//! an answer replaced before the reveal.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use parallax_domain::vision::{AnswerValue, QuestionKind};
use parallax_engine::{
    AlignmentIndex, ClaimSource, Embedder, KindComparison, Method, Pattern, SimilaritySource,
    SourcedClaim, TextComparison, alignment_index, compare_text_lexical, compare_text_with,
    find_patterns, heatmap_svg, kinds, split_claims,
};
use parallax_store::{AnswerRecord, RoundRecord};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::Notify;
use utoipa::ToSchema;

use crate::{App, AppError, Result};

/// The model name under which vectors are cached.
const MODEL_KEY: &str = "all-MiniLM-L6-v2";

/// Text embedded ahead of a reveal per turn of the worker, in bytes of
/// answers (~250 claims), so that a queued round analysis never waits
/// behind a long backlog.
const PREPARE_BYTES: usize = 24_000;
/// Most answers waiting to be embedded ahead of their reveal; beyond that
/// new ones are not queued, and the analysis embeds them itself.
const MAX_BACKLOG: usize = 10_000;
/// The author under which a round's revealed pattern claims are cached for
/// the patterns of later rounds (account ids start at 1).
const PATTERN_CLAIMS: i64 = 0;

/// Where a text comes from: the round, the person, the question and the
/// version of their answer (see the module documentation).
#[derive(Debug, Clone, Copy)]
struct Origin<'a> {
    round_id: i64,
    author: i64,
    question_key: &'a str,
    version: i64,
}

impl Origin<'_> {
    /// An answer of a round.
    fn of(round_id: i64, answer: &AnswerRecord) -> Origin<'_> {
        Origin {
            round_id,
            author: answer.user_id,
            question_key: &answer.question_key,
            version: answer.version,
        }
    }

    /// A round's revealed pattern claims, cached for later rounds.
    fn patterns_of(round_id: i64) -> Origin<'static> {
        Origin {
            round_id,
            author: PATTERN_CLAIMS,
            question_key: "",
            version: 0,
        }
    }
}

/// The cache key of a text's vector: the text hashed with its origin.
fn vector_key(origin: Origin<'_>, text: &str) -> String {
    let digest = Sha256::new()
        .chain_update(origin.round_id.to_le_bytes())
        .chain_update(origin.author.to_le_bytes())
        .chain_update(origin.version.to_le_bytes())
        .chain_update((origin.question_key.len() as u64).to_le_bytes())
        .chain_update(origin.question_key.as_bytes())
        .chain_update(text.as_bytes())
        .finalize();
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A text to embed and the key to cache its vector under.
struct Keyed {
    key: String,
    text: String,
}

impl Keyed {
    /// The claims of `answer`, keyed for where it comes from.
    fn claims(origin: Origin<'_>, answer: &str) -> Vec<Keyed> {
        split_claims(answer)
            .into_iter()
            .map(|claim| Keyed {
                key: vector_key(origin, &claim.text),
                text: claim.text,
            })
            .collect()
    }
}

/// A submitted text answer waiting to be embedded.
struct Submitted {
    workspace_id: i64,
    round_id: i64,
    answer: AnswerRecord,
}

impl Submitted {
    fn text(&self) -> &str {
        match &self.answer.value {
            AnswerValue::Text(text) => text,
            _ => "",
        }
    }

    /// Whether `other` is a save of the same answer.
    fn same_answer(&self, other: &Submitted) -> bool {
        self.round_id == other.round_id
            && self.answer.user_id == other.answer.user_id
            && self.answer.question_key == other.answer.question_key
    }
}

/// Where the text model stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "detail", rename_all = "snake_case")]
pub enum ModelState {
    /// Not installed: scores use the lexical fallback.
    Missing,
    /// Being installed or loaded in the background.
    Loading,
    /// Loaded: scores use MiniLM.
    Ready,
    /// Installing or loading failed; the lexical fallback is used.
    Failed(String),
}

/// Holds the embedder (once loaded) and wakes the worker.
#[derive(Default)]
pub struct Analyzer {
    embedder: RwLock<Option<Arc<dyn Embedder>>>,
    state: RwLock<Option<ModelState>>,
    wake: Notify,
    /// Submitted answers waiting to be embedded, oldest first.
    backlog: Mutex<VecDeque<Submitted>>,
    /// Answers taken from the backlog and being embedded now.
    in_flight: AtomicUsize,
}

impl std::fmt::Debug for Analyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analyzer")
            .field("state", &self.state())
            .finish()
    }
}

impl Analyzer {
    /// The model's state.
    pub fn state(&self) -> ModelState {
        self.state
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .unwrap_or(ModelState::Missing)
    }

    /// Records the model's state.
    pub fn set_state(&self, state: ModelState) {
        *self.state.write().unwrap_or_else(|p| p.into_inner()) = Some(state);
    }

    fn embedder(&self) -> Option<Arc<dyn Embedder>> {
        self.embedder
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Submitted answers not yet embedded ahead of their reveal (queued or
    /// being embedded).
    pub fn backlog(&self) -> usize {
        self.backlog.lock().unwrap_or_else(|p| p.into_inner()).len()
            + self.in_flight.load(Ordering::SeqCst)
    }

    /// Takes the oldest answers, up to [`PREPARE_BYTES`] of text (at least
    /// one), off the backlog, counting them as in flight.
    fn take_backlog(&self) -> Vec<Submitted> {
        let mut backlog = self.backlog.lock().unwrap_or_else(|p| p.into_inner());
        let mut taken: Vec<Submitted> = Vec::new();
        let mut bytes = 0;
        while bytes < PREPARE_BYTES
            && let Some(answer) = backlog.pop_front()
        {
            bytes += answer.text().len();
            taken.push(answer);
        }
        self.in_flight.store(taken.len(), Ordering::SeqCst);
        taken
    }
}

/// One participant column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Person {
    /// Account id.
    pub id: i64,
    /// Display name.
    pub name: String,
}

/// One participant's answer to one question, compared with the leader's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Cell {
    /// The participant.
    pub participant_id: i64,
    /// 0–100, None when one side did not answer.
    pub score: Option<f64>,
    /// One line for people.
    pub explanation: String,
    /// Free-text findings (claims, contradictions).
    pub text: Option<TextComparison>,
    /// Findings for other kinds.
    pub kind: Option<KindComparison>,
}

/// One question of the analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QuestionAnalysis {
    /// Question key.
    pub key: String,
    /// Wording.
    pub prompt: String,
    /// Its weight in the alignment index (1 in analyses stored before
    /// weights existed, when every question counted the same).
    #[serde(default = "parallax_domain::vision::default_question_weight")]
    pub weight: i64,
    /// One cell per participant column, in column order.
    pub cells: Vec<Cell>,
}

/// How a participant's own answer to a question changed since the round
/// revealed before this one, by meaning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Movement {
    /// Whose answers.
    pub participant_id: i64,
    /// Question key.
    pub question_key: String,
    /// The earlier round.
    pub from_round_id: i64,
    /// How close the two answers are, 0–100 (100: the same reading).
    pub similarity: f64,
    /// Claims of the new answer the earlier one did not make.
    pub appeared: Vec<String>,
    /// Claims of the earlier answer the new one no longer makes.
    pub disappeared: Vec<String>,
}

/// The stored analysis of a round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RoundAnalysis {
    /// How free text was compared.
    pub method: Method,
    /// Whose answers the others are compared with (the round's leader).
    pub reference: Person,
    /// The compared participants (columns).
    pub participants: Vec<Person>,
    /// Per question.
    pub questions: Vec<QuestionAnalysis>,
    /// The round's alignment index.
    pub index: AlignmentIndex,
    /// Question × participant heatmap.
    pub heatmap_svg: String,
    /// Themes of one-sided claims across questions, people and rounds.
    pub patterns: Vec<Pattern>,
    /// How long the analysis took.
    pub elapsed_ms: u64,
    /// Texts the analysis had to embed itself; the others were in the cache
    /// (embedded at submit time or by an earlier analysis).
    #[serde(default)]
    pub embedded: usize,
    /// How each participant's text answers moved since the round revealed
    /// before this one (empty for the first round and in older analyses).
    /// Read through the trend only, which checks who may see whom.
    #[serde(default)]
    pub movements: Vec<Movement>,
}

impl RoundAnalysis {
    /// The cell of a question and participant.
    pub fn cell(&self, key: &str, participant_id: i64) -> Option<&Cell> {
        self.questions
            .iter()
            .find(|q| q.key == key)?
            .cells
            .iter()
            .find(|c| c.participant_id == participant_id)
    }
}

/// What the listening session shows about the analysis: `{"status": "off"}`,
/// or `{"status": "done", "result": {…}}` once it ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "status", content = "result", rename_all = "snake_case")]
pub enum AnalysisView {
    /// Switched off for the workspace.
    Off,
    /// Queued or running.
    Pending,
    /// Failed; the reason was logged.
    Failed,
    /// Done.
    Done(Box<RoundAnalysis>),
}

impl AnalysisView {
    /// The view without the movements since the round before: the listening
    /// session shows one round, and the earlier round's claims are for those
    /// who may see it ([`crate::trend`] checks).
    pub(crate) fn without_movements(mut self) -> Self {
        if let AnalysisView::Done(analysis) = &mut self {
            analysis.movements.clear();
        }
        self
    }

    /// The view without the question weights (every question counted
    /// alike), for a viewer whom an unrevealed round keeps from the vision's
    /// weights (see [`crate::policy::keeps_vision_hidden`]).
    pub(crate) fn unweighted(mut self) -> Self {
        if let AnalysisView::Done(analysis) = &mut self {
            for question in &mut analysis.questions {
                question.weight = parallax_domain::vision::DEFAULT_QUESTION_WEIGHT;
            }
        }
        self
    }
}

/// Finds the cached vector of a text.
type VectorLookup<'a> = dyn Fn(&str) -> Option<Vec<f32>> + 'a;

/// What one comparison needs, gathered before the CPU work.
struct Pair {
    question: usize,
    participant: usize,
    participant_id: i64,
    prompt: String,
    kind: QuestionKind,
    reference: Option<AnswerValue>,
    answer: Option<AnswerValue>,
}

/// One person's earlier and current answer to a text question.
struct Move {
    participant_id: i64,
    question_key: String,
    prompt: String,
    from_round_id: i64,
    then: String,
    now: String,
}

impl Move {
    fn compare(&self, lookup: Option<&VectorLookup<'_>>) -> Movement {
        let comparison = lookup
            .and_then(|lookup| compare_text_with(&self.prompt, &self.then, &self.now, lookup).ok())
            .unwrap_or_else(|| compare_text_lexical(&self.prompt, &self.then, &self.now));
        // A claim the new answer contradicts is one that went, and the claim
        // contradicting it one that came.
        let (mut appeared, mut disappeared) = (comparison.b_only, comparison.a_only);
        for c in &comparison.contradictions {
            if !appeared.contains(&c.b) {
                appeared.push(c.b.clone());
            }
            if !disappeared.contains(&c.a) {
                disappeared.push(c.a.clone());
            }
        }
        Movement {
            participant_id: self.participant_id,
            question_key: self.question_key.clone(),
            from_round_id: self.from_round_id,
            similarity: comparison.score,
            appeared,
            disappeared,
        }
    }
}

fn compare(pair: &Pair, lookup: Option<&VectorLookup<'_>>) -> Cell {
    let empty = || Cell {
        participant_id: pair.participant_id,
        score: None,
        explanation: "Not answered by both.".into(),
        text: None,
        kind: None,
    };
    let (Some(a), Some(b)) = (&pair.reference, &pair.answer) else {
        return empty();
    };
    let kind = |k: KindComparison| Cell {
        participant_id: pair.participant_id,
        score: Some(k.score),
        explanation: k.explanation.clone(),
        text: None,
        kind: Some(k),
    };
    match (a, b, &pair.kind) {
        (AnswerValue::Text(a), AnswerValue::Text(b), _) => {
            let comparison = match lookup {
                Some(lookup) => compare_text_with(&pair.prompt, a, b, lookup)
                    .unwrap_or_else(|_| compare_text_lexical(&pair.prompt, a, b)),
                None => compare_text_lexical(&pair.prompt, a, b),
            };
            Cell {
                participant_id: pair.participant_id,
                score: Some(comparison.score),
                explanation: comparison.explanation.clone(),
                text: Some(comparison),
                kind: None,
            }
        }
        (AnswerValue::Ranking(a), AnswerValue::Ranking(b), _) => kind(kinds::compare_ranking(a, b)),
        (AnswerValue::Choice(a), AnswerValue::Choice(b), _) => {
            kind(kinds::compare_single_choice(a, b))
        }
        (AnswerValue::Choices(a), AnswerValue::Choices(b), _) => {
            kind(kinds::compare_multiple_choice(a, b))
        }
        (AnswerValue::Number(a), AnswerValue::Number(b), QuestionKind::Number { unit, .. }) => {
            kinds::compare_number(*a, *b, unit)
                .map(kind)
                .unwrap_or_else(|_| empty())
        }
        (AnswerValue::Scale(a), AnswerValue::Scale(b), QuestionKind::Scale { min, max, .. }) => {
            kinds::compare_scale(*a as f64, *b as f64, *min as f64, *max as f64)
                .map(kind)
                .unwrap_or_else(|_| empty())
        }
        _ => empty(),
    }
}

/// What a round's analysis looks up in the cache: the claims of every
/// compared answer (`answers` holds only those), and the earlier rounds'
/// pattern claims with the round that cached them.
fn texts_to_embed(
    round_id: i64,
    answers: &[AnswerRecord],
    before: Option<&(i64, Vec<AnswerRecord>)>,
    earlier: &[(i64, SourcedClaim)],
) -> Vec<Keyed> {
    let text_claims = |round_id: i64, a: &AnswerRecord| match &a.value {
        AnswerValue::Text(text) => Keyed::claims(Origin::of(round_id, a), text),
        _ => Vec::new(),
    };
    let compared = answers.iter().flat_map(|a| text_claims(round_id, a)).chain(
        before
            .into_iter()
            .flat_map(|(id, answers)| answers.iter().flat_map(|a| text_claims(*id, a))),
    );
    let patterns = earlier.iter().map(|(id, claim)| Keyed {
        key: vector_key(Origin::patterns_of(*id), &claim.text),
        text: claim.text.clone(),
    });
    compared.chain(patterns).collect()
}

impl App {
    /// The analyzer (model state, embedder).
    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    /// Installs a loaded embedder and queues again the analyses made
    /// without it.
    pub async fn set_embedder(&self, embedder: Arc<dyn Embedder>) -> Result<()> {
        *self
            .analyzer
            .embedder
            .write()
            .unwrap_or_else(|p| p.into_inner()) = Some(embedder);
        self.analyzer.set_state(ModelState::Ready);
        let requeued = self.store().requeue_analyses_made_with("lexical").await?;
        if requeued > 0 {
            tracing::info!(rounds = requeued, "re-analysing rounds with the text model");
            self.analyzer.wake.notify_one();
        }
        Ok(())
    }

    /// Queues a round's analysis when its workspace has analysis on.
    pub(crate) async fn queue_analysis(&self, workspace_id: i64, round_id: i64) -> Result<()> {
        if self.store().analysis_enabled(workspace_id).await? {
            self.store().request_analysis(round_id).await?;
            self.analyzer.wake.notify_one();
        }
        Ok(())
    }

    /// Queues a participant's own text answers, just submitted (or edited
    /// after submitting), to have their claims embedded ahead of the reveal.
    /// Only queues: the request never waits for the model or the database,
    /// and nothing here can fail it. The worker skips workspaces with
    /// analysis off; at worst the analysis embeds the claims itself.
    pub(crate) fn prepare_embeddings<'a>(
        &self,
        workspace_id: i64,
        round_id: i64,
        answers: impl IntoIterator<Item = &'a AnswerRecord>,
    ) {
        if self.analyzer.embedder().is_none() {
            return;
        }
        let mut backlog = self
            .analyzer
            .backlog
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        for answer in answers {
            if !matches!(answer.value, AnswerValue::Text(_)) {
                continue;
            }
            let submitted = Submitted {
                workspace_id,
                round_id,
                answer: answer.clone(),
            };
            // A newer save of the same answer replaces the queued one (saves
            // may arrive out of order; the older one is dropped).
            if let Some(queued) = backlog.iter_mut().find(|q| q.same_answer(&submitted)) {
                if queued.answer.version <= submitted.answer.version {
                    *queued = submitted;
                }
            } else if backlog.len() < MAX_BACKLOG {
                backlog.push_back(submitted);
            } else {
                tracing::warn!(
                    round_id,
                    "embedding backlog full; the analysis will embed this answer itself"
                );
            }
        }
        drop(backlog);
        self.analyzer.wake.notify_one();
    }

    /// Embeds the claims of one chunk of the backlog into the cache; false
    /// when there was nothing to do.
    async fn embed_backlog(&self) -> bool {
        let Some(embedder) = self.analyzer.embedder() else {
            return false;
        };
        let chunk = self.analyzer.take_backlog();
        if chunk.is_empty() {
            return false;
        }
        let mut enabled: HashMap<i64, bool> = HashMap::new();
        let mut keyed = Vec::new();
        for answer in &chunk {
            let on = match enabled.get(&answer.workspace_id) {
                Some(&on) => on,
                None => {
                    let on = self
                        .store()
                        .analysis_enabled(answer.workspace_id)
                        .await
                        .unwrap_or(false);
                    enabled.insert(answer.workspace_id, on);
                    on
                }
            };
            if on {
                keyed.extend(Keyed::claims(
                    Origin::of(answer.round_id, &answer.answer),
                    answer.text(),
                ));
            }
        }
        if let Err(err) = self.vectors(embedder, &keyed).await {
            tracing::warn!(error = %err, answers = chunk.len(), "could not embed submitted answers ahead of the reveal");
        }
        self.analyzer.in_flight.store(0, Ordering::SeqCst);
        true
    }

    /// What the session shows about a revealed round's analysis.
    pub(crate) async fn analysis_view(
        &self,
        workspace_id: i64,
        round_id: i64,
    ) -> Result<AnalysisView> {
        if !self.store().analysis_enabled(workspace_id).await? {
            return Ok(AnalysisView::Off);
        }
        Ok(match self.store().analysis(round_id).await? {
            Some(record) if record.status == "done" => match record
                .result
                .as_deref()
                .map(serde_json::from_str::<RoundAnalysis>)
            {
                Some(Ok(analysis)) => AnalysisView::Done(Box::new(analysis)),
                _ => AnalysisView::Failed,
            },
            Some(record) if record.status == "failed" => AnalysisView::Failed,
            _ => AnalysisView::Pending,
        })
    }

    /// Runs queued analyses until the process ends. Safe to run in several
    /// instances: each analysis is claimed once.
    pub async fn run_analysis_worker(self) {
        let stale = parallax_store::now_ms() - 10 * 60 * 1000;
        if let Err(err) = self.store().requeue_stale_analyses(stale).await {
            tracing::warn!(error = %err, "could not requeue stale analyses");
        }
        loop {
            match self.store().claim_analysis().await {
                Ok(Some(round_id)) => {
                    let started = Instant::now();
                    match self.analyse_round(round_id).await {
                        Ok(method) => tracing::info!(
                            round_id,
                            method,
                            elapsed_ms = started.elapsed().as_millis() as u64,
                            "round analysed"
                        ),
                        Err(err) => {
                            tracing::error!(round_id, error = %err, "round analysis failed");
                            let _ = self.store().fail_analysis(round_id, &err.to_string()).await;
                        }
                    }
                    continue;
                }
                Ok(None) => {
                    if self.embed_backlog().await {
                        continue;
                    }
                }
                Err(err) => tracing::warn!(error = %err, "could not look for queued analyses"),
            }
            tokio::select! {
                () = self.analyzer.wake.notified() => {}
                () = tokio::time::sleep(Duration::from_secs(5)) => {}
            }
        }
    }

    /// The round of `round`'s workspace revealed just before it, with the
    /// answers `participants` gave there (unless they were left out).
    async fn answers_before(
        &self,
        round: &RoundRecord,
        participants: &[Person],
    ) -> Result<Option<(i64, Vec<AnswerRecord>)>> {
        let Some(revealed) = round.revealed_at else {
            return Ok(None);
        };
        let Some(previous) = self
            .store()
            .rounds(round.workspace_id)
            .await?
            .into_iter()
            .filter(|r| r.revealed_at.is_some_and(|at| at < revealed))
            .max_by_key(|r| r.revealed_at)
        else {
            return Ok(None);
        };
        let voices = self.store().participants(previous.id).await?;
        let answers = self
            .store()
            .revealed_answers(previous.id)
            .await?
            .into_iter()
            .filter(|a| {
                participants.iter().any(|p| p.id == a.user_id)
                    && voices.iter().any(|v| v.user_id == a.user_id && !v.excluded)
            })
            .collect();
        Ok(Some((previous.id, answers)))
    }

    /// Analyses one revealed round now and stores the result; returns the
    /// method used.
    pub async fn analyse_round(&self, round_id: i64) -> Result<&'static str> {
        let started = Instant::now();
        let round = self.store().round_by_id(round_id).await?;
        if !round.state.is_revealed() {
            return Err(AppError::Conflict(
                "only revealed rounds are analysed".into(),
            ));
        }
        let vision = self.store().vision_by_id(round.vision_version_id).await?;
        let voices: Vec<_> = self
            .store()
            .participants(round_id)
            .await?
            .into_iter()
            .filter(|p| !p.excluded)
            .collect();
        // Answers of the left-out never take part, not even in the cache.
        let answers: Vec<AnswerRecord> = self
            .store()
            .revealed_answers(round_id)
            .await?
            .into_iter()
            .filter(|a| voices.iter().any(|v| v.user_id == a.user_id))
            .collect();
        let answer = |user: i64, key: &str| {
            answers
                .iter()
                .find(|a| a.user_id == user && a.question_key == key)
                .map(|a| a.value.clone())
        };
        let reference = voices
            .iter()
            .find(|p| Some(p.user_id) == round.created_by)
            .or_else(|| voices.first())
            .map(|p| Person {
                id: p.user_id,
                name: p.name.clone(),
            })
            .ok_or_else(|| AppError::Conflict("the round has no answers to analyse".into()))?;
        let participants: Vec<Person> = voices
            .iter()
            .filter(|p| p.user_id != reference.id)
            .map(|p| Person {
                id: p.user_id,
                name: p.name.clone(),
            })
            .collect();
        let mut pairs = Vec::new();
        for (qi, q) in vision.questions.iter().enumerate() {
            for (pi, p) in participants.iter().enumerate() {
                pairs.push(Pair {
                    question: qi,
                    participant: pi,
                    participant_id: p.id,
                    prompt: q.prompt.clone(),
                    kind: q.kind.clone(),
                    reference: answer(reference.id, &q.key),
                    answer: answer(p.id, &q.key),
                });
            }
        }
        // Each participant's own text answers in the round revealed before
        // this one, to see how they moved.
        let before = self.answers_before(&round, &participants).await?;
        let mut moves = Vec::new();
        if let Some((from_round, then)) = &before {
            for q in &vision.questions {
                for p in &participants {
                    let then = then
                        .iter()
                        .find(|a| a.user_id == p.id && a.question_key == q.key);
                    if let (Some(AnswerValue::Text(then)), Some(AnswerValue::Text(now))) =
                        (then.map(|a| &a.value), answer(p.id, &q.key))
                    {
                        moves.push(Move {
                            participant_id: p.id,
                            question_key: q.key.clone(),
                            prompt: q.prompt.clone(),
                            from_round_id: *from_round,
                            then: then.clone(),
                            now,
                        });
                    }
                }
            }
        }
        // Claims from earlier analysed rounds join this round's in the
        // patterns; each round cached its pattern claims under its own id.
        let mut earlier: Vec<(i64, SourcedClaim)> = Vec::new();
        for (id, _, json) in self.store().workspace_analyses(round.workspace_id).await? {
            if id == round_id {
                continue;
            }
            if let Ok(previous) = serde_json::from_str::<RoundAnalysis>(&json) {
                earlier.extend(
                    previous
                        .patterns
                        .into_iter()
                        .flat_map(|p| p.claims)
                        .map(|c| (id, c)),
                );
            }
        }
        let embedder = self.analyzer.embedder();
        let mut embedded = 0;
        // Only the model needs keys and vectors: the fallback has nothing to
        // cache.
        let vectors = match &embedder {
            Some(embedder) => match self
                .vectors(
                    embedder.clone(),
                    &texts_to_embed(round_id, &answers, before.as_ref(), &earlier),
                )
                .await
            {
                Ok((v, fresh)) => {
                    embedded = fresh;
                    Some(v)
                }
                Err(err) => {
                    tracing::warn!(error = %err, "embedding failed; using the lexical fallback");
                    None
                }
            },
            None => None,
        };
        let method = if vectors.is_some() {
            Method::Minilm
        } else {
            Method::Lexical
        };
        let earlier: Vec<SourcedClaim> = earlier.into_iter().map(|(_, claim)| claim).collect();
        let round_title = round.title.clone();
        let (analysis, vectors) = tokio::task::spawn_blocking(move || {
            let lookup_fn = |t: &str| vectors.as_ref().and_then(|v| v.get(t).cloned());
            let lookup: Option<&VectorLookup<'_>> = if method == Method::Minilm {
                Some(&lookup_fn)
            } else {
                None
            };
            let mut questions: Vec<QuestionAnalysis> = vision
                .questions
                .iter()
                .map(|q| QuestionAnalysis {
                    key: q.key.clone(),
                    prompt: q.prompt.clone(),
                    weight: q.weight,
                    cells: Vec::new(),
                })
                .collect();
            let mut claims = Vec::new();
            for pair in &pairs {
                let mut cell = compare(pair, lookup);
                if let Some(text) = cell.text.as_mut() {
                    // Name the people, not "A" and "B".
                    text.explanation =
                        text.explain_for(&reference.name, &participants[pair.participant].name);
                    cell.explanation = text.explanation.clone();
                }
                if let Some(text) = &cell.text {
                    let source = |who: &str| ClaimSource {
                        round: round_title.clone(),
                        question: pair.prompt.clone(),
                        participant: who.to_owned(),
                    };
                    claims.extend(text.a_only.iter().map(|t| SourcedClaim {
                        text: t.clone(),
                        source: source(&reference.name),
                    }));
                    claims.extend(text.b_only.iter().map(|t| SourcedClaim {
                        text: t.clone(),
                        source: source(&participants[pair.participant].name),
                    }));
                }
                questions[pair.question].cells.push(cell);
            }
            let cells: Vec<Vec<Option<f64>>> = questions
                .iter()
                .map(|q| q.cells.iter().map(|c| c.score).collect())
                .collect();
            let weights: Vec<f64> = questions.iter().map(|q| q.weight as f64).collect();
            let index = alignment_index(&cells, &weights).unwrap_or(AlignmentIndex {
                overall: None,
                per_participant: vec![None; participants.len()],
            });
            let labels: Vec<String> = questions.iter().map(|q| q.prompt.clone()).collect();
            let names: Vec<String> = participants.iter().map(|p| p.name.clone()).collect();
            let heatmap = heatmap_svg(&labels, &names, &cells);
            claims.extend(earlier);
            let source = match &lookup {
                Some(lookup) => SimilaritySource::Vectors(*lookup),
                None => SimilaritySource::Lexical,
            };
            let patterns = find_patterns(&claims, source)
                .or_else(|_| find_patterns(&claims, SimilaritySource::Lexical))
                .unwrap_or_default()
                .into_iter()
                .filter(|p| p.claims.len() >= 2)
                .take(12)
                .collect();
            let movements = moves.iter().map(|m| m.compare(lookup)).collect();
            let analysis = RoundAnalysis {
                method,
                reference,
                participants,
                questions,
                index,
                heatmap_svg: heatmap,
                patterns,
                elapsed_ms: 0,
                embedded,
                movements,
            };
            (analysis, vectors)
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
        if let Some(vectors) = &vectors
            && let Err(err) = self
                .cache_pattern_claims(round_id, &analysis.patterns, vectors)
                .await
        {
            // Later rounds then embed these claims again; this one is done.
            tracing::warn!(round_id, error = %err, "could not cache the pattern claims");
        }
        let analysis = RoundAnalysis {
            elapsed_ms: started.elapsed().as_millis() as u64,
            ..analysis
        };
        let method_name = match method {
            Method::Minilm => "minilm",
            Method::Lexical => "lexical",
        };
        let json =
            serde_json::to_string(&analysis).map_err(|e| AppError::Internal(e.to_string()))?;
        self.store()
            .finish_analysis(round_id, method_name, &json)
            .await?;
        Ok(method_name)
    }

    /// Caches the vectors of a round's pattern claims under the round, for
    /// the patterns of later rounds.
    async fn cache_pattern_claims(
        &self,
        round_id: i64,
        patterns: &[Pattern],
        vectors: &HashMap<String, Vec<f32>>,
    ) -> Result<()> {
        let rows: Vec<(String, Vec<f32>)> = patterns
            .iter()
            .flat_map(|p| &p.claims)
            .filter_map(|c| {
                let vector = vectors.get(&c.text)?;
                Some((
                    vector_key(Origin::patterns_of(round_id), &c.text),
                    vector.clone(),
                ))
            })
            .collect();
        Ok(self.store().put_embeddings(MODEL_KEY, &rows).await?)
    }

    /// Vectors of the `keyed` texts, by text: from the cache, the rest
    /// embedded (off the async executor, each distinct text once) and cached
    /// under their keys; also how many texts were embedded.
    async fn vectors(
        &self,
        embedder: Arc<dyn Embedder>,
        keyed: &[Keyed],
    ) -> Result<(HashMap<String, Vec<f32>>, usize)> {
        let keys: Vec<String> = keyed.iter().map(|k| k.key.clone()).collect();
        let cached = self.store().embeddings(MODEL_KEY, &keys).await?;
        let mut by_text: HashMap<String, Vec<f32>> = HashMap::new();
        let mut missing: Vec<&Keyed> = Vec::new();
        for k in keyed {
            match cached.get(&k.key) {
                Some(v) => {
                    by_text.insert(k.text.clone(), v.clone());
                }
                None => missing.push(k),
            }
        }
        let mut to_embed: Vec<String> = missing
            .iter()
            .filter(|k| !by_text.contains_key(&k.text))
            .map(|k| k.text.clone())
            .collect();
        to_embed.sort_unstable();
        to_embed.dedup();
        let embedded = to_embed.len();
        if embedded > 0 {
            let texts = to_embed.clone();
            let fresh = tokio::task::spawn_blocking(move || {
                let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
                embedder.embed(&refs)
            })
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
            .map_err(|e| AppError::Internal(e.to_string()))?;
            by_text.extend(to_embed.into_iter().zip(fresh));
        }
        let mut rows: Vec<(String, Vec<f32>)> = missing
            .iter()
            .filter_map(|k| Some((k.key.clone(), by_text.get(&k.text)?.clone())))
            .collect();
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        rows.dedup_by(|a, b| a.0 == b.0);
        if !rows.is_empty() {
            self.store().put_embeddings(MODEL_KEY, &rows).await?;
        }
        Ok((by_text, embedded))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cell `compare` makes for two answers to one question.
    fn cell(
        participant_id: i64,
        kind: QuestionKind,
        a: AnswerValue,
        b: Option<AnswerValue>,
    ) -> Cell {
        let pair = Pair {
            question: 0,
            participant: 0,
            participant_id,
            prompt: "Where does the company stand in 3 years?".into(),
            kind,
            reference: Some(a),
            answer: b,
        };
        compare(&pair, None)
    }

    /// An analysis with every kind of finding: text claims and a
    /// contradiction, each other question kind, an unanswered cell and a
    /// pattern.
    fn analysis() -> RoundAnalysis {
        let text = |s: &str| AnswerValue::Text(s.into());
        let list = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let options = list(&["Growth", "Reliability", "Cost"]);
        let questions = vec![
            QuestionAnalysis {
                key: "horizon-3".into(),
                prompt: "Where does the company stand in 3 years?".into(),
                weight: 3,
                cells: vec![
                    cell(
                        2,
                        QuestionKind::Text,
                        text("We serve 300 small clinics. Revenue doubles; the team stays small."),
                        Some(text(
                            "We serve 1,000 clinics, mostly hospital groups, with a sales team.",
                        )),
                    ),
                    cell(
                        3,
                        QuestionKind::Text,
                        text("We serve 300 small clinics."),
                        None,
                    ),
                ],
            },
            QuestionAnalysis {
                key: "priorities".into(),
                prompt: "Rank our business priorities.".into(),
                weight: 1,
                cells: vec![
                    cell(
                        2,
                        QuestionKind::Ranking {
                            options: options.clone(),
                        },
                        AnswerValue::Ranking(options.clone()),
                        Some(AnswerValue::Ranking(list(&[
                            "Cost",
                            "Growth",
                            "Reliability",
                        ]))),
                    ),
                    cell(
                        3,
                        QuestionKind::MultipleChoice {
                            options: options.clone(),
                        },
                        AnswerValue::Choices(list(&["Growth", "Cost"])),
                        Some(AnswerValue::Choices(list(&["Growth"]))),
                    ),
                ],
            },
            QuestionAnalysis {
                key: "customers".into(),
                prompt: "How many paying customers?".into(),
                weight: 2,
                cells: vec![
                    cell(
                        2,
                        QuestionKind::count("customers"),
                        AnswerValue::Number(1200.0),
                        Some(AnswerValue::Number(850.5)),
                    ),
                    cell(
                        3,
                        QuestionKind::Scale {
                            min: 1,
                            max: 5,
                            min_label: "low".into(),
                            max_label: "high".into(),
                        },
                        AnswerValue::Scale(2),
                        Some(AnswerValue::Scale(5)),
                    ),
                ],
            },
        ];
        let scores: Vec<Vec<Option<f64>>> = questions
            .iter()
            .map(|q| q.cells.iter().map(|c| c.score).collect())
            .collect();
        let weights: Vec<f64> = questions.iter().map(|q| q.weight as f64).collect();
        let labels: Vec<String> = questions.iter().map(|q| q.prompt.clone()).collect();
        let participants = vec![
            Person {
                id: 2,
                name: "Tom".into(),
            },
            Person {
                id: 3,
                name: "Ada".into(),
            },
        ];
        let names: Vec<String> = participants.iter().map(|p| p.name.clone()).collect();
        let claim = |text: &str, participant: &str| SourcedClaim {
            text: text.into(),
            source: ClaimSource {
                round: "Q1 alignment".into(),
                question: "Where does the company stand in 3 years?".into(),
                participant: participant.into(),
            },
        };
        RoundAnalysis {
            method: Method::Lexical,
            reference: Person {
                id: 1,
                name: "Lena".into(),
            },
            index: alignment_index(&scores, &weights).unwrap(),
            heatmap_svg: heatmap_svg(&labels, &names, &scores),
            participants,
            questions,
            patterns: vec![Pattern {
                label: "small clinics vs hospital groups".into(),
                claims: vec![
                    claim("We serve 300 small clinics", "Lena"),
                    claim("mostly hospital groups", "Tom"),
                ],
                participants: names,
                questions: vec!["Where does the company stand in 3 years?".into()],
                rounds: vec!["Q1 alignment".into()],
            }],
            elapsed_ms: 42,
            embedded: 7,
            movements: Vec::new(),
        }
    }

    #[test]
    fn an_analysis_reads_back_as_written() {
        let analysis = analysis();
        let text = analysis.questions[0].cells[0].text.as_ref().unwrap();
        assert!(!text.contradictions.is_empty() && !text.a_only.is_empty());
        assert!(analysis.questions[0].cells[1].score.is_none());
        assert!(analysis.questions[1].cells.iter().all(|c| c.kind.is_some()));

        let json = serde_json::to_string(&analysis).unwrap();
        assert_eq!(
            serde_json::from_str::<RoundAnalysis>(&json).unwrap(),
            analysis
        );

        // The session's shape: the status, and the analysis once it is done.
        let done = AnalysisView::Done(Box::new(analysis));
        let json = serde_json::to_value(&done).unwrap();
        assert_eq!(json["status"], "done");
        assert_eq!(json["result"]["method"], "lexical");
        assert_eq!(serde_json::from_value::<AnalysisView>(json).unwrap(), done);
        let pending = serde_json::to_value(AnalysisView::Pending).unwrap();
        assert_eq!(pending, serde_json::json!({ "status": "pending" }));
        assert_eq!(
            serde_json::from_value::<AnalysisView>(pending).unwrap(),
            AnalysisView::Pending
        );
    }
}
