//! The gap register: gaps proposed by the analysis or added by hand from a
//! revealed round, patterns across rounds, decisions and actions, and the
//! check whether a later round closed a gap.
//!
//! A gap is visible exactly when its round is ([`policy::may_view_gap`]);
//! every list here is built from the revealed rounds the caller may see, so
//! nothing from an unrevealed round ever appears.

use std::collections::{BTreeSet, HashMap};

use parallax_domain::bounded_text;
use parallax_domain::gap::{ActionKind, ActionStatus, GapStatus, Severity, normalised_title};
use parallax_domain::round::Flag;
use parallax_domain::vision::Question;
use parallax_domain::workspace::Role;
use parallax_store::{
    ActionRecord, CommentRecord, GapChange, GapEventRecord, GapRecord, MemberRecord, NewGap,
    NoteRecord, OwnedActionRecord, ParticipantRecord, RoundRecord, StoreError,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::analysis::{AnalysisView, RoundAnalysis};
use crate::policy::{self, Permission};
use crate::{Actor, App, AppError, Result, Stale};

/// Below this analysis score a question is proposed as a gap: the engine's
/// threshold, chosen on its cross-validated labelled set.
pub const PROPOSE_BELOW: f64 = parallax_engine::GAP_BELOW;
/// From this analysis score a later round counts a question as aligned.
pub const ALIGNED_FROM: f64 = 70.0;

/// A revealed round the caller may see, with what gaps are built from.
pub(crate) struct RoundFacts {
    pub(crate) round: RoundRecord,
    pub(crate) participants: Vec<ParticipantRecord>,
    /// The number of the vision version the round asked.
    pub(crate) vision_number: i64,
    pub(crate) questions: Vec<Question>,
    notes: Vec<NoteRecord>,
    pub(crate) analysis: Option<Box<RoundAnalysis>>,
}

impl RoundFacts {
    fn prompt(&self, key: &str) -> Option<&str> {
        self.questions
            .iter()
            .find(|q| q.key == key)
            .map(|q| q.prompt.as_str())
    }

    fn name(&self, user_id: i64) -> Option<&str> {
        self.participants
            .iter()
            .find(|p| p.user_id == user_id)
            .map(|p| p.name.as_str())
    }

    fn flag(&self, key: &str, participant: i64) -> Option<Flag> {
        self.notes
            .iter()
            .find(|n| n.question_key == key && n.participant_id == participant)
            .and_then(|n| n.flag)
    }
}

/// What the caller may see of a workspace's gaps.
pub(crate) struct Register {
    pub(crate) role: Role,
    /// Visible revealed rounds, oldest reveal first.
    pub(crate) rounds: Vec<RoundFacts>,
    pub(crate) gaps: Vec<GapRecord>,
}

impl Register {
    fn round(&self, round_id: i64) -> Option<&RoundFacts> {
        self.rounds.iter().find(|r| r.round.id == round_id)
    }

    /// The rounds revealed after (`later`) or before `facts` that asked
    /// `participant_id` the question `key`, nearest first.
    fn asked(
        &self,
        facts: &RoundFacts,
        key: &str,
        participant_id: i64,
        later: bool,
    ) -> impl Iterator<Item = &RoundFacts> {
        let origin = facts.round.revealed_at;
        let mut rounds: Vec<&RoundFacts> = self
            .rounds
            .iter()
            .filter(move |r| match (r.round.revealed_at, origin) {
                (Some(at), Some(origin)) => (at > origin) == later && at != origin,
                _ => false,
            })
            .filter(move |r| {
                r.prompt(key).is_some()
                    && r.participants
                        .iter()
                        .any(|p| p.user_id == participant_id && !p.excluded)
            })
            .collect();
        if !later {
            rounds.reverse();
        }
        rounds.into_iter()
    }

    /// Whether a round revealed after `facts` asked `participant_id` the
    /// question `key` again: its answers supersede what the earlier round
    /// proposed about them.
    fn asked_again(&self, facts: &RoundFacts, key: &str, participant_id: i64) -> bool {
        self.asked(facts, key, participant_id, true)
            .next()
            .is_some()
    }

    /// Makes `proposal` a drift when the round before `facts` showed its
    /// question aligned for the same person and the readings are apart now.
    fn mark_drift(&self, facts: &RoundFacts, proposal: &mut Proposal) {
        if proposal.source == ProposalSource::Claims {
            return;
        }
        let Some(before) = self
            .asked(
                facts,
                &proposal.question_key,
                proposal.participant_id,
                false,
            )
            .next()
        else {
            return;
        };
        let Some((true, evidence)) = alignment_in(
            before,
            &proposal.question_key,
            Some(proposal.participant_id),
        ) else {
            return;
        };
        let leader = facts
            .round
            .created_by
            .and_then(|id| facts.name(id))
            .unwrap_or("the vision");
        proposal.source = ProposalSource::Drift;
        proposal.severity = Severity::High;
        proposal.title = format!(
            "Drifted apart on “{}”: {leader} and {}",
            short(&proposal.question_prompt),
            proposal.participant_name
        );
        proposal.description = format!(
            "Aligned in “{}” ({evidence}); apart now:\n{}",
            before.round.title, proposal.description
        );
    }
}

/// Whether a later round shows a gap's question aligned.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LoopCheck {
    /// The later round.
    pub round_id: i64,
    /// Its title.
    pub round_title: String,
    /// Whether the question is aligned there now.
    pub aligned: bool,
    /// Why, in words.
    pub evidence: String,
}

/// A gap as a list shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GapView {
    /// The gap.
    #[serde(flatten)]
    pub gap: GapSummary,
    /// Its round's title.
    pub round_title: String,
    /// The question's wording.
    pub question_prompt: Option<String>,
    /// The people involved: the participant and the round's leader.
    pub people: Vec<String>,
    /// Actions not done yet.
    pub open_actions: usize,
    /// What the newest later round says, for open and decided gaps.
    pub loop_check: Option<LoopCheck>,
}

/// The stored fields of a gap, for the API.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GapSummary {
    /// Id.
    pub id: i64,
    /// Round.
    pub round_id: i64,
    /// Question key.
    pub question_key: Option<String>,
    /// Participant.
    pub participant_id: Option<i64>,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Severity.
    pub severity: Severity,
    /// Status.
    pub status: GapStatus,
    /// Decision.
    pub decision: String,
    /// Analysis theme.
    pub theme: Option<String>,
    /// Version.
    pub version: i64,
    /// Added, Unix ms.
    pub created_at: i64,
}

impl From<&GapRecord> for GapSummary {
    fn from(g: &GapRecord) -> Self {
        Self {
            id: g.id,
            round_id: g.round_id,
            question_key: g.question_key.clone(),
            participant_id: g.participant_id,
            title: g.title.clone(),
            description: g.description.clone(),
            severity: g.severity,
            status: g.status,
            decision: g.decision.clone(),
            theme: g.theme.clone(),
            version: g.version,
            created_at: g.created_at,
        }
    }
}

/// One gap with everything about it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GapDetail {
    /// The gap as lists show it.
    pub view: GapView,
    /// The record (for versions and statuses).
    pub gap: GapRecord,
    /// Actions.
    pub actions: Vec<ActionRecord>,
    /// Comments on the actions.
    pub comments: Vec<CommentRecord>,
    /// History.
    pub history: Vec<GapEventRecord>,
    /// Whether the caller manages gaps.
    pub can_manage: bool,
    /// Who may own an action on this gap.
    pub assignable: Vec<MemberRecord>,
}

/// A gap the analysis or the listening session suggests.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Proposal {
    /// Stable within its round (question and participant).
    pub key: String,
    /// Round.
    pub round_id: i64,
    /// Round title.
    pub round_title: String,
    /// Question.
    pub question_key: String,
    /// Wording.
    pub question_prompt: String,
    /// Participant.
    pub participant_id: i64,
    /// Their name.
    pub participant_name: String,
    /// Why it is proposed.
    pub source: ProposalSource,
    /// Suggested title.
    pub title: String,
    /// The findings.
    pub description: String,
    /// Suggested severity.
    pub severity: Severity,
    /// The analysis theme its claims belong to.
    pub theme: Option<String>,
}

/// Why a gap is proposed: the strongest of the findings about a question
/// and participant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProposalSource {
    /// The leader flagged the answer misaligned in the listening session.
    Flag,
    /// The answers contradict: a negation, opposite positions or figures.
    Contradiction,
    /// The analysis scored the two answers far apart.
    LowScore,
    /// Each side made claims the other did not.
    Claims,
    /// Aligned in the round before, apart now: the readings drifted.
    Drift,
}

/// A new gap, by hand.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGapInput {
    /// The revealed round.
    pub round_id: i64,
    /// The question, if one.
    #[serde(default)]
    pub question_key: Option<String>,
    /// The participant, if one.
    #[serde(default)]
    pub participant_id: Option<i64>,
    /// Title.
    pub title: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Severity.
    pub severity: Severity,
}

/// Changes to a gap; absent fields stay.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GapEdit {
    /// The version the editor saw; an edit without one is refused.
    #[serde(default)]
    pub version: Option<i64>,
    /// Title.
    #[serde(default)]
    pub title: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Severity.
    #[serde(default)]
    pub severity: Option<Severity>,
    /// Status.
    #[serde(default)]
    pub status: Option<GapStatus>,
    /// Decision.
    #[serde(default)]
    pub decision: Option<String>,
    /// Close even though actions are open.
    #[serde(default)]
    pub confirm: bool,
}

/// A new action.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAction {
    /// Kind.
    pub kind: ActionKind,
    /// What is to be done.
    pub title: String,
    /// Who does it.
    pub owner_id: i64,
    /// Due date, Unix ms.
    #[serde(default)]
    pub due_at: Option<i64>,
}

/// How a pattern changes from the previous round to the latest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Trend {
    /// More gaps in the latest round than in the one before.
    Growing,
    /// Fewer.
    Shrinking,
    /// As many.
    Steady,
}

impl Trend {
    /// Spelling shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Trend::Growing => "Growing",
            Trend::Shrinking => "Shrinking",
            Trend::Steady => "Steady",
        }
    }
}

/// What the gaps of a pattern share, in the order patterns of equal size
/// are listed.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum PatternBasis {
    /// The same analysis theme.
    Theme,
    /// The same question.
    Question,
    /// The same title, up to case and punctuation.
    Title,
}

/// One gap of a pattern.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PatternGap {
    /// The gap's id.
    pub id: i64,
    /// Its title.
    pub title: String,
    /// The title of the round it came from.
    pub round_title: String,
}

/// Gaps that recur across questions, participants and rounds.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PatternView {
    /// What groups them.
    pub by: PatternBasis,
    /// A few words.
    pub label: String,
    /// The gaps.
    pub gaps: Vec<PatternGap>,
    /// How many rounds they came from.
    pub rounds: usize,
    /// How many distinct people are involved.
    pub participants: usize,
    /// First seen, Unix ms (reveal of the earliest round).
    pub since: i64,
    /// Gaps from the latest visible round.
    pub in_latest_round: usize,
    /// Gaps from the round before it.
    pub in_previous_round: usize,
    /// Growing, shrinking or steady.
    pub trend: Trend,
}

/// Shortens a question's wording for a title.
fn short(prompt: &str) -> String {
    let mut text: String = prompt.chars().take(80).collect();
    if prompt.chars().count() > 80 {
        text.push('…');
    }
    text
}

fn proposals_of(facts: &RoundFacts) -> Vec<Proposal> {
    let leader = facts.round.created_by;
    let reference = leader.and_then(|id| facts.name(id)).unwrap_or("the vision");
    let mut out = Vec::new();
    for q in &facts.questions {
        for p in facts
            .participants
            .iter()
            .filter(|p| !p.excluded && Some(p.user_id) != leader)
        {
            let flag = facts.flag(&q.key, p.user_id);
            if flag == Some(Flag::Aligned) {
                continue;
            }
            let cell = facts
                .analysis
                .as_ref()
                .and_then(|a| a.cell(&q.key, p.user_id));
            let text = cell.and_then(|c| c.text.as_ref());
            let mut findings = Vec::new();
            let mut source = None;
            if flag == Some(Flag::Misaligned) {
                source = Some(ProposalSource::Flag);
                // A private note stays on the session page: a proposal's
                // text becomes a gap that participants read.
                let note = facts
                    .notes
                    .iter()
                    .find(|n| n.question_key == q.key && n.participant_id == p.user_id)
                    .filter(|n| n.shared)
                    .map(|n| n.body.as_str())
                    .filter(|b| !b.is_empty());
                findings.push(match note {
                    Some(note) => format!("Flagged misaligned in the listening session: {note}"),
                    None => "Flagged misaligned in the listening session.".to_owned(),
                });
            }
            if let Some(text) = text.filter(|t| !t.contradictions.is_empty()) {
                source.get_or_insert(ProposalSource::Contradiction);
                findings.extend(
                    text.contradictions.iter().map(|c| {
                        format!("Contradiction ({}): “{}” vs “{}”", c.explanation, c.a, c.b)
                    }),
                );
            }
            if let Some((score, cell)) = cell.and_then(|c| c.score.map(|s| (s, c)))
                && score < PROPOSE_BELOW
            {
                source.get_or_insert(ProposalSource::LowScore);
                findings.push(format!(
                    "Alignment score {score:.0}/100: {}",
                    cell.explanation
                ));
            }
            if let Some(text) = text.filter(|t| !t.a_only.is_empty() && !t.b_only.is_empty()) {
                source.get_or_insert(ProposalSource::Claims);
                let leader_name = leader.and_then(|l| facts.name(l)).unwrap_or("The leader");
                findings.extend(
                    text.a_only
                        .iter()
                        .map(|c| format!("Only {leader_name} said: “{c}”")),
                );
                findings.extend(
                    text.b_only
                        .iter()
                        .map(|c| format!("Only {} said: “{c}”", p.name)),
                );
            }
            let Some(source) = source else { continue };
            let prompt = short(&q.prompt);
            let (title, severity) = match source {
                // A gap lies between two readings: the title blames no one.
                // (A drift is marked later, against the round before.)
                ProposalSource::Flag | ProposalSource::Drift => (
                    format!("Two readings of “{prompt}”: {} and {}", reference, p.name),
                    Severity::High,
                ),
                ProposalSource::Contradiction => (
                    format!("Contradicting answers to “{prompt}”"),
                    Severity::High,
                ),
                ProposalSource::LowScore => (
                    format!("Two readings of “{prompt}”: {} and {}", reference, p.name),
                    Severity::Medium,
                ),
                ProposalSource::Claims => {
                    (format!("Different points on “{prompt}”"), Severity::Low)
                }
            };
            let theme = text.and_then(|text| {
                facts
                    .analysis
                    .as_ref()?
                    .patterns
                    .iter()
                    .find_map(|pattern| {
                        pattern
                            .claims
                            .iter()
                            .any(|c| {
                                c.source.round == facts.round.title
                                    && c.source.question == q.prompt
                                    && (text.a_only.contains(&c.text)
                                        || text.b_only.contains(&c.text))
                            })
                            .then(|| pattern.label.clone())
                    })
            });
            out.push(Proposal {
                key: format!("{}:{}", q.key, p.user_id),
                round_id: facts.round.id,
                round_title: facts.round.title.clone(),
                question_key: q.key.clone(),
                question_prompt: q.prompt.clone(),
                participant_id: p.user_id,
                participant_name: p.name.clone(),
                source,
                title,
                description: findings.join("\n"),
                severity,
                theme,
            });
        }
    }
    out
}

/// What a round says about one question (and participant, when the gap
/// names one): None when it says nothing.
fn alignment_in(facts: &RoundFacts, key: &str, participant: Option<i64>) -> Option<(bool, String)> {
    let others = |p: &&ParticipantRecord| !p.excluded && Some(p.user_id) != facts.round.created_by;
    let people: Vec<i64> = match participant {
        Some(id)
            if facts
                .participants
                .iter()
                .filter(others)
                .any(|p| p.user_id == id) =>
        {
            vec![id]
        }
        _ => facts
            .participants
            .iter()
            .filter(others)
            .map(|p| p.user_id)
            .collect(),
    };
    let flags: Vec<Flag> = people.iter().filter_map(|p| facts.flag(key, *p)).collect();
    if !flags.is_empty() {
        let aligned = flags.iter().all(|f| *f == Flag::Aligned);
        return Some((
            aligned,
            if aligned {
                "flagged aligned in the listening session".to_owned()
            } else {
                "still flagged as not aligned".to_owned()
            },
        ));
    }
    let analysis = facts.analysis.as_ref()?;
    let scores: Vec<f64> = people
        .iter()
        .filter_map(|p| analysis.cell(key, *p).and_then(|c| c.score))
        .collect();
    if scores.is_empty() {
        return None;
    }
    let lowest = scores.iter().copied().fold(f64::INFINITY, f64::min);
    let aligned = lowest >= ALIGNED_FROM;
    Some((
        aligned,
        format!(
            "analysis score {lowest:.0}/100 ({} from {ALIGNED_FROM:.0})",
            if aligned { "aligned" } else { "not aligned" }
        ),
    ))
}

fn loop_check(register: &Register, gap: &GapRecord) -> Option<LoopCheck> {
    let key = gap.question_key.as_deref()?;
    if !gap.status.is_active() {
        return None;
    }
    let origin = register.round(gap.round_id)?.round.revealed_at?;
    register
        .rounds
        .iter()
        .rev()
        .filter(|r| r.round.revealed_at.is_some_and(|at| at > origin))
        .find_map(|r| {
            let (aligned, evidence) = alignment_in(r, key, gap.participant_id)?;
            Some(LoopCheck {
                round_id: r.round.id,
                round_title: r.round.title.clone(),
                aligned,
                evidence,
            })
        })
}

fn gap_view(register: &Register, gap: &GapRecord, actions: &[ActionRecord]) -> GapView {
    let facts = register.round(gap.round_id);
    let mut people = Vec::new();
    if let Some(facts) = facts {
        for id in [gap.participant_id, facts.round.created_by]
            .into_iter()
            .flatten()
        {
            if let Some(name) = facts.name(id)
                && !people.iter().any(|p| p == name)
            {
                people.push(name.to_owned());
            }
        }
    }
    GapView {
        gap: GapSummary::from(gap),
        round_title: facts.map(|f| f.round.title.clone()).unwrap_or_default(),
        question_prompt: gap
            .question_key
            .as_deref()
            .and_then(|k| facts.and_then(|f| f.prompt(k)))
            .map(str::to_owned),
        people,
        open_actions: actions
            .iter()
            .filter(|a| a.gap_id == gap.id && a.status.is_open())
            .count(),
        loop_check: loop_check(register, gap),
    }
}

fn stale_gap(gap: &GapRecord) -> AppError {
    AppError::Stale(Box::new(Stale {
        version: gap.version,
        text: gap.title.clone(),
        value: serde_json::to_value(GapSummary::from(gap)).unwrap_or_default(),
    }))
}

impl App {
    /// The revealed rounds the caller may see, and the gaps that came from them.
    pub(crate) async fn register(&self, actor: &Actor, workspace_id: i64) -> Result<Register> {
        let role = self
            .authorize(actor, workspace_id, Permission::ViewWorkspace)
            .await?;
        let mut rounds = Vec::new();
        for (round, is_participant) in self
            .store()
            .rounds_with_participation(workspace_id, actor.id())
            .await?
        {
            if !policy::may_view_gap(role, is_participant, round.state) {
                continue;
            }
            let participants = self.store().participants(round.id).await?;
            let analysis = match self.analysis_view(workspace_id, round.id).await? {
                AnalysisView::Done(analysis) => Some(analysis),
                _ => None,
            };
            let vision = self.store().vision_by_id(round.vision_version_id).await?;
            rounds.push(RoundFacts {
                vision_number: vision.number,
                questions: vision.questions,
                notes: self.store().notes(round.id).await?,
                participants,
                analysis,
                round,
            });
        }
        rounds.sort_by_key(|r| (r.round.revealed_at, r.round.id));
        let gaps = self
            .store()
            .gaps(workspace_id)
            .await?
            .into_iter()
            .filter(|g| rounds.iter().any(|r| r.round.id == g.round_id))
            .collect();
        Ok(Register { role, rounds, gaps })
    }

    async fn visible_gap(
        &self,
        actor: &Actor,
        workspace_id: i64,
        gap_id: i64,
    ) -> Result<(Register, GapRecord)> {
        let register = self.register(actor, workspace_id).await?;
        let gap = register
            .gaps
            .iter()
            .find(|g| g.id == gap_id)
            .cloned()
            .ok_or(AppError::NotFound)?;
        Ok((register, gap))
    }

    /// The gap register: every gap the caller may see, newest first.
    pub async fn gaps(&self, actor: &Actor, workspace_id: i64) -> Result<(Vec<GapView>, Role)> {
        let register = self.register(actor, workspace_id).await?;
        let actions = self.store().workspace_actions(workspace_id).await?;
        let views = register
            .gaps
            .iter()
            .map(|g| gap_view(&register, g, &actions))
            .collect();
        Ok((views, register.role))
    }

    /// One gap with its actions, comments and history.
    pub async fn gap(&self, actor: &Actor, workspace_id: i64, gap_id: i64) -> Result<GapDetail> {
        let (register, gap) = self.visible_gap(actor, workspace_id, gap_id).await?;
        let actions = self.store().actions(gap.id).await?;
        let can_manage = policy::role_allows(register.role, Permission::ManageGaps);
        let assignable = if can_manage {
            self.assignable(workspace_id, gap.round_id).await?
        } else {
            Vec::new()
        };
        Ok(GapDetail {
            view: gap_view(&register, &gap, &actions),
            comments: self.store().comments(gap.id).await?,
            history: self.store().gap_events(gap.id).await?,
            actions,
            can_manage,
            assignable,
            gap,
        })
    }

    /// Members who may own an action on a gap of `round_id`: those who may
    /// see the round (so the action never shows them a gap they cannot see).
    async fn assignable(&self, workspace_id: i64, round_id: i64) -> Result<Vec<MemberRecord>> {
        let participants = self.store().participants(round_id).await?;
        Ok(self
            .store()
            .members(workspace_id)
            .await?
            .into_iter()
            .filter(|m| {
                policy::may_view_round(m.role, participants.iter().any(|p| p.user_id == m.user_id))
            })
            .collect())
    }

    /// Adds a gap by hand, from a revealed round the caller may see.
    pub async fn add_gap(
        &self,
        actor: &Actor,
        workspace_id: i64,
        input: &NewGapInput,
    ) -> Result<GapRecord> {
        self.authorize(actor, workspace_id, Permission::AddGaps)
            .await?;
        let register = self.register(actor, workspace_id).await?;
        let facts = register.round(input.round_id).ok_or_else(|| {
            AppError::invalid("round", "choose a revealed round you take part in")
        })?;
        let question = input.question_key.as_deref().filter(|k| !k.is_empty());
        if let Some(key) = question
            && facts.prompt(key).is_none()
        {
            return Err(AppError::invalid(
                "question",
                "this round does not ask that question",
            ));
        }
        if let Some(id) = input.participant_id
            && !facts
                .participants
                .iter()
                .any(|p| p.user_id == id && !p.excluded)
        {
            return Err(AppError::invalid(
                "participant",
                "choose someone whose answers are in the round",
            ));
        }
        let title = bounded_text("title", &input.title, 3, 160)?;
        let description = bounded_text("description", &input.description, 0, 5000)?;
        let gap = self
            .store()
            .insert_gap(
                &NewGap {
                    workspace_id,
                    round_id: facts.round.id,
                    question_key: question,
                    participant_id: input.participant_id,
                    proposal_key: None,
                    title: &title,
                    description: &description,
                    severity: input.severity,
                    theme: None,
                    created_by: actor.id(),
                },
                &normalised_title(&title),
            )
            .await?;
        self.store()
            .audit(Some(workspace_id), Some(actor.id()), "gap.added", &title)
            .await?;
        Ok(gap)
    }

    /// Gaps the analysis and the listening session suggest, never a
    /// duplicate of an active gap, an accepted or a dismissed proposal.
    pub async fn gap_proposals(&self, actor: &Actor, workspace_id: i64) -> Result<Vec<Proposal>> {
        self.authorize(actor, workspace_id, Permission::ManageGaps)
            .await?;
        let register = self.register(actor, workspace_id).await?;
        let dismissed = self.store().dismissed_proposals(workspace_id).await?;
        let mut titles: BTreeSet<String> = register
            .gaps
            .iter()
            .filter(|g| g.status.is_active())
            .map(|g| normalised_title(&g.title))
            .collect();
        let mut out = Vec::new();
        for facts in &register.rounds {
            for mut proposal in proposals_of(facts) {
                if register.asked_again(facts, &proposal.question_key, proposal.participant_id) {
                    continue;
                }
                register.mark_drift(facts, &mut proposal);
                let taken = register.gaps.iter().any(|g| {
                    g.round_id == proposal.round_id
                        && (g.proposal_key.as_deref() == Some(proposal.key.as_str())
                            || (g.status.is_active()
                                && g.question_key.as_deref()
                                    == Some(proposal.question_key.as_str())
                                && g.participant_id == Some(proposal.participant_id)))
                });
                let was_dismissed = dismissed
                    .iter()
                    .any(|(r, k)| *r == proposal.round_id && *k == proposal.key);
                if !taken && !was_dismissed && titles.insert(normalised_title(&proposal.title)) {
                    out.push(proposal);
                }
            }
        }
        Ok(out)
    }

    /// Accepts a proposal as a gap, with the caller's edits of its title,
    /// description and severity.
    pub async fn accept_proposal(
        &self,
        actor: &Actor,
        workspace_id: i64,
        round_id: i64,
        key: &str,
        edits: &GapEdit,
    ) -> Result<GapRecord> {
        let proposal = self
            .gap_proposals(actor, workspace_id)
            .await?
            .into_iter()
            .find(|p| p.round_id == round_id && p.key == key)
            .ok_or_else(|| {
                AppError::Conflict("this proposal is no longer open: it was accepted, dismissed or is already a gap".into())
            })?;
        let title = bounded_text(
            "title",
            edits.title.as_deref().unwrap_or(&proposal.title),
            3,
            160,
        )?;
        let description = bounded_text(
            "description",
            edits
                .description
                .as_deref()
                .unwrap_or(&proposal.description),
            0,
            5000,
        )?;
        let gap = self
            .store()
            .insert_gap(
                &NewGap {
                    workspace_id,
                    round_id,
                    question_key: Some(&proposal.question_key),
                    participant_id: Some(proposal.participant_id),
                    proposal_key: Some(&proposal.key),
                    title: &title,
                    description: &description,
                    severity: edits.severity.unwrap_or(proposal.severity),
                    theme: proposal.theme.as_deref(),
                    created_by: actor.id(),
                },
                &normalised_title(&title),
            )
            .await
            .map_err(|e| match e {
                StoreError::Duplicate => {
                    AppError::Conflict("someone accepted this proposal a moment ago".into())
                }
                other => other.into(),
            })?;
        self.store()
            .audit(
                Some(workspace_id),
                Some(actor.id()),
                "gap.accepted",
                &format!("{title} (proposed from {})", proposal.round_title),
            )
            .await?;
        Ok(gap)
    }

    /// Dismisses a proposal: it is not proposed again.
    pub async fn dismiss_proposal(
        &self,
        actor: &Actor,
        workspace_id: i64,
        round_id: i64,
        key: &str,
    ) -> Result<()> {
        let proposal = self
            .gap_proposals(actor, workspace_id)
            .await?
            .into_iter()
            .find(|p| p.round_id == round_id && p.key == key)
            .ok_or(AppError::NotFound)?;
        self.store()
            .dismiss_proposal(round_id, key, actor.id())
            .await?;
        self.store()
            .audit(
                Some(workspace_id),
                Some(actor.id()),
                "gap.proposal_dismissed",
                &proposal.title,
            )
            .await?;
        Ok(())
    }

    /// Edits a gap: title, description, severity, status, decision. Closing
    /// a gap with open actions needs `confirm`; the conflict names them.
    pub async fn edit_gap(
        &self,
        actor: &Actor,
        workspace_id: i64,
        gap_id: i64,
        edit: &GapEdit,
    ) -> Result<GapRecord> {
        self.authorize(actor, workspace_id, Permission::ManageGaps)
            .await?;
        let (_, gap) = self.visible_gap(actor, workspace_id, gap_id).await?;
        let expected = edit.version.ok_or(AppError::VersionRequired)?;
        if expected != gap.version {
            return Err(stale_gap(&gap));
        }
        let title = bounded_text("title", edit.title.as_deref().unwrap_or(&gap.title), 3, 160)?;
        let description = bounded_text(
            "description",
            edit.description.as_deref().unwrap_or(&gap.description),
            0,
            5000,
        )?;
        let decision = bounded_text(
            "decision",
            edit.decision.as_deref().unwrap_or(&gap.decision),
            0,
            5000,
        )?;
        let status = edit.status.unwrap_or(gap.status);
        let severity = edit.severity.unwrap_or(gap.severity);
        if status == GapStatus::Decided && decision.is_empty() {
            return Err(AppError::invalid(
                "decision",
                "write down the decision taken",
            ));
        }
        if status == GapStatus::Closed && gap.status != GapStatus::Closed && !edit.confirm {
            let open: Vec<String> = self
                .store()
                .actions(gap.id)
                .await?
                .into_iter()
                .filter(|a| a.status.is_open())
                .map(|a| a.title)
                .collect();
            if !open.is_empty() {
                return Err(AppError::Conflict(format!(
                    "this gap still has open actions: {}. Are they done? Confirm to close it anyway.",
                    open.join("; ")
                )));
            }
        }
        let mut changed = Vec::new();
        if title != gap.title {
            changed.push("title".to_owned());
        }
        if description != gap.description {
            changed.push("description".to_owned());
        }
        if severity != gap.severity {
            changed.push(format!("severity → {}", severity.label()));
        }
        if decision != gap.decision {
            changed.push("decision".to_owned());
        }
        if status != gap.status {
            changed.push(format!("status → {}", status.label()));
        }
        if changed.is_empty() {
            return Ok(gap);
        }
        let what = changed.join(", ");
        let saved = match self
            .store()
            .update_gap(
                gap.id,
                expected,
                &GapChange {
                    title: &title,
                    description: &description,
                    severity,
                    status,
                    decision: &decision,
                },
                &normalised_title(&title),
                actor.id(),
                &what,
            )
            .await
        {
            Ok(saved) => saved,
            Err(StoreError::Conflict) => {
                return Err(stale_gap(&self.store().gap(workspace_id, gap.id).await?));
            }
            Err(other) => return Err(other.into()),
        };
        self.store()
            .audit(
                Some(workspace_id),
                Some(actor.id()),
                "gap.changed",
                &format!("{}: {what}", saved.title),
            )
            .await?;
        Ok(saved)
    }

    /// Adds an action to a gap; its owner must be able to see the gap.
    pub async fn add_action(
        &self,
        actor: &Actor,
        workspace_id: i64,
        gap_id: i64,
        new: &NewAction,
    ) -> Result<ActionRecord> {
        self.authorize(actor, workspace_id, Permission::ManageGaps)
            .await?;
        let (_, gap) = self.visible_gap(actor, workspace_id, gap_id).await?;
        let title = bounded_text("title", &new.title, 3, 300)?;
        let due_at = parallax_domain::round::due_at("due_at", new.due_at)?;
        let owner = self
            .assignable(workspace_id, gap.round_id)
            .await?
            .into_iter()
            .find(|m| m.user_id == new.owner_id)
            .ok_or_else(|| {
                AppError::invalid(
                    "owner",
                    "choose a member who can see the round this gap came from",
                )
            })?;
        let action = self
            .store()
            .insert_action(gap.id, new.kind, &title, owner.user_id, due_at, actor.id())
            .await?;
        let what = format!(
            "action added: {} ({}, {})",
            title,
            new.kind.label(),
            owner.name
        );
        self.store().gap_event(gap.id, actor.id(), &what).await?;
        self.store()
            .audit(
                Some(workspace_id),
                Some(actor.id()),
                "gap.action_added",
                &format!("{}: {what}", gap.title),
            )
            .await?;
        Ok(action)
    }

    async fn visible_action(
        &self,
        actor: &Actor,
        workspace_id: i64,
        gap_id: i64,
        action_id: i64,
    ) -> Result<(Role, GapRecord, ActionRecord)> {
        let (register, gap) = self.visible_gap(actor, workspace_id, gap_id).await?;
        let action = self.store().action(gap.id, action_id).await?;
        Ok((register.role, gap, action))
    }

    /// Sets an action's status: those who manage gaps, or the action's owner.
    /// `from` is the status the editor saw; if it moved on meanwhile, the
    /// change is refused with the current status.
    pub async fn set_action_status(
        &self,
        actor: &Actor,
        workspace_id: i64,
        gap_id: i64,
        action_id: i64,
        (from, status): (ActionStatus, ActionStatus),
    ) -> Result<ActionRecord> {
        let (role, gap, action) = self
            .visible_action(actor, workspace_id, gap_id, action_id)
            .await?;
        if !policy::may_update_action(role, action.owner_id == Some(actor.id())) {
            return Err(AppError::Forbidden);
        }
        let saved = match self
            .store()
            .set_action_status(gap.id, action.id, from, status)
            .await
        {
            Err(parallax_store::StoreError::Conflict) => {
                let current = self.store().action(gap.id, action.id).await?;
                return Err(AppError::Conflict(format!(
                    "someone changed this action meanwhile: it is now “{}”; reload and decide again",
                    current.status.label()
                )));
            }
            other => other?,
        };
        let what = format!("action “{}” → {}", action.title, status.label());
        self.store().gap_event(gap.id, actor.id(), &what).await?;
        self.store()
            .audit(
                Some(workspace_id),
                Some(actor.id()),
                "gap.action_changed",
                &what,
            )
            .await?;
        Ok(saved)
    }

    /// Comments on an action of a gap the caller may see.
    pub async fn comment_action(
        &self,
        actor: &Actor,
        workspace_id: i64,
        gap_id: i64,
        action_id: i64,
        body: &str,
    ) -> Result<()> {
        self.authorize(actor, workspace_id, Permission::AddGaps)
            .await?;
        let (_, gap, action) = self
            .visible_action(actor, workspace_id, gap_id, action_id)
            .await?;
        let body = bounded_text("comment", body, 1, 2000)?;
        self.store()
            .add_comment(action.id, actor.id(), &body)
            .await?;
        let what = format!("comment on “{}”", action.title);
        self.store().gap_event(gap.id, actor.id(), &what).await?;
        self.store()
            .audit(
                Some(workspace_id),
                Some(actor.id()),
                "gap.action_commented",
                &what,
            )
            .await?;
        Ok(())
    }

    /// The caller's open actions across workspaces, soonest due first; only
    /// those whose gap the caller may still see.
    pub async fn my_actions(&self, actor: &Actor) -> Result<Vec<OwnedActionRecord>> {
        let mut visible = Vec::new();
        for owned in self.store().open_actions_of(actor.id()).await? {
            let Some(role) = self.store().role_in(owned.workspace_id, actor.id()).await? else {
                continue;
            };
            let round = self.store().round_by_id(owned.round_id).await?;
            let participants = self.store().participants(round.id).await?;
            let is_participant = participants.iter().any(|p| p.user_id == actor.id());
            if policy::may_view_gap(role, is_participant, round.state) {
                visible.push(owned);
            }
        }
        Ok(visible)
    }

    /// Gaps that recur across questions, participants and rounds, grouped by
    /// title, by question and by analysis theme; most frequent first.
    pub async fn gap_patterns(&self, actor: &Actor, workspace_id: i64) -> Result<Vec<PatternView>> {
        let register = self.register(actor, workspace_id).await?;
        let mut groups: HashMap<(PatternBasis, String), Vec<&GapRecord>> = HashMap::new();
        for gap in &register.gaps {
            if let Some(theme) = &gap.theme {
                groups
                    .entry((PatternBasis::Theme, theme.clone()))
                    .or_default()
                    .push(gap);
            }
            if let Some(key) = &gap.question_key {
                groups
                    .entry((PatternBasis::Question, key.clone()))
                    .or_default()
                    .push(gap);
            }
            groups
                .entry((PatternBasis::Title, normalised_title(&gap.title)))
                .or_default()
                .push(gap);
        }
        let latest = register.rounds.last().map(|r| r.round.id);
        let previous = register.rounds.iter().rev().nth(1).map(|r| r.round.id);
        let mut keyed: Vec<((PatternBasis, String), Vec<&GapRecord>)> =
            groups.into_iter().collect();
        keyed.sort_by(|a, b| a.0.cmp(&b.0));
        let mut seen_sets: Vec<Vec<i64>> = Vec::new();
        let mut patterns = Vec::new();
        for ((by, key), gaps) in keyed {
            let sources: BTreeSet<(i64, Option<&str>, Option<i64>)> = gaps
                .iter()
                .map(|g| (g.round_id, g.question_key.as_deref(), g.participant_id))
                .collect();
            let mut ids: Vec<i64> = gaps.iter().map(|g| g.id).collect();
            ids.sort_unstable();
            if gaps.len() < 2 || sources.len() < 2 || seen_sets.contains(&ids) {
                continue;
            }
            seen_sets.push(ids);
            let count_in =
                |round: Option<i64>| gaps.iter().filter(|g| Some(g.round_id) == round).count();
            let (in_latest_round, in_previous_round) = (count_in(latest), count_in(previous));
            let newest = gaps.iter().max_by_key(|g| g.id).expect("two or more gaps");
            let label = match by {
                PatternBasis::Theme => format!("Theme: {key}"),
                PatternBasis::Question => format!(
                    "Question: {}",
                    register
                        .round(newest.round_id)
                        .and_then(|r| r.prompt(&key))
                        .unwrap_or(&key)
                ),
                PatternBasis::Title => newest.title.clone(),
            };
            let rounds: BTreeSet<i64> = gaps.iter().map(|g| g.round_id).collect();
            let participants: BTreeSet<i64> =
                gaps.iter().filter_map(|g| g.participant_id).collect();
            patterns.push(PatternView {
                by,
                label,
                gaps: gaps
                    .iter()
                    .map(|g| PatternGap {
                        id: g.id,
                        title: g.title.clone(),
                        round_title: register
                            .round(g.round_id)
                            .map(|r| r.round.title.clone())
                            .unwrap_or_default(),
                    })
                    .collect(),
                rounds: rounds.len(),
                participants: participants.len(),
                since: gaps
                    .iter()
                    .filter_map(|g| register.round(g.round_id).and_then(|r| r.round.revealed_at))
                    .min()
                    .unwrap_or_default(),
                in_latest_round,
                in_previous_round,
                trend: match in_latest_round.cmp(&in_previous_round) {
                    std::cmp::Ordering::Greater => Trend::Growing,
                    std::cmp::Ordering::Less => Trend::Shrinking,
                    std::cmp::Ordering::Equal => Trend::Steady,
                },
            });
        }
        patterns.sort_by(|a, b| b.gaps.len().cmp(&a.gaps.len()).then(a.by.cmp(&b.by)));
        Ok(patterns)
    }
}
