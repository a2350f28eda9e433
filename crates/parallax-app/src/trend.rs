//! Alignment over time: the workspace's revealed rounds side by side — the
//! alignment index per round, each question's score across rounds, the gaps
//! each round opened and how many have closed, the vision versions between
//! rounds, and each person's drift toward or away from the leader's reading,
//! with how far their own answer moved and the claims that came and went.
//!
//! Built from the register ([`App::register`]): only revealed rounds the
//! caller may see; per-person scores only where
//! [`policy::may_view_drift_of`] allows.

use parallax_domain::gap::GapStatus;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::gaps::RoundFacts;
use crate::policy;
use crate::{Actor, App, Result};

/// A score change smaller than this (points of 100) counts as steady.
pub const STEADY_WITHIN: f64 = 10.0;

/// The workspace's alignment across its revealed rounds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Trend {
    /// Revealed rounds the caller may see, oldest first.
    pub rounds: Vec<TrendRound>,
    /// Each question asked in those rounds, with its score per round.
    pub questions: Vec<QuestionTrend>,
    /// Score changes between consecutive rounds, per person and question.
    pub drift: Vec<Drift>,
    /// Whether the caller sees everyone's scores (else only their own).
    pub sees_everyone: bool,
}

/// One revealed round in the trend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TrendRound {
    /// Round id.
    pub round_id: i64,
    /// Title.
    pub title: String,
    /// When it was revealed, Unix ms.
    pub revealed_at: i64,
    /// The vision version the round asked.
    pub vision_number: i64,
    /// The alignment index; `None` before the analysis ran or when it is off.
    pub overall: Option<f64>,
    /// The index per participant the caller may see.
    pub participants: Vec<PersonScore>,
    /// Gaps opened from this round.
    pub gaps_opened: usize,
    /// Of those, how many are closed or accepted by now.
    pub gaps_settled: usize,
}

/// A person's alignment index in one round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PersonScore {
    /// Account id.
    pub user_id: i64,
    /// Display name.
    pub name: String,
    /// Their index in the round.
    pub index: Option<f64>,
}

/// One question across rounds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QuestionTrend {
    /// Question key.
    pub key: String,
    /// Wording (as in the latest round that asked it).
    pub prompt: String,
    /// Per round of [`Trend::rounds`]: the mean score of the visible
    /// participants, `None` where the round did not ask it or has no score.
    pub scores: Vec<Option<f64>>,
}

/// Which way a person's reading moved relative to the leader's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Closer to the leader's reading.
    Toward,
    /// Further from it.
    Away,
    /// Within [`STEADY_WITHIN`] points.
    Steady,
}

/// How one person's alignment on one question changed between two rounds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Drift {
    /// Account id.
    pub user_id: i64,
    /// Display name.
    pub name: String,
    /// Question key.
    pub question_key: String,
    /// Wording.
    pub prompt: String,
    /// The earlier round.
    pub from_round_id: i64,
    /// The later round.
    pub to_round_id: i64,
    /// The score in the earlier round.
    pub from_score: f64,
    /// The score in the later round.
    pub to_score: f64,
    /// Toward, away or steady.
    pub direction: Direction,
    /// How close their later answer is to their earlier one, 0–100 by
    /// meaning (text questions, where the later round's analysis compared
    /// them).
    pub similarity: Option<f64>,
    /// Claims their later answer makes that the earlier one did not.
    pub appeared: Vec<String>,
    /// Claims of their earlier answer that the later one no longer makes.
    pub disappeared: Vec<String>,
}

fn mean(scores: &[f64]) -> Option<f64> {
    (!scores.is_empty()).then(|| scores.iter().sum::<f64>() / scores.len() as f64)
}

/// The score of `participant` on `key` in a round's analysis.
fn score(facts: &RoundFacts, key: &str, participant: i64) -> Option<f64> {
    facts.analysis.as_ref()?.cell(key, participant)?.score
}

impl App {
    /// The workspace's alignment over its revealed rounds, as the caller may
    /// see it.
    pub async fn trend(&self, actor: &Actor, workspace_id: i64) -> Result<Trend> {
        let register = self.register(actor, workspace_id).await?;
        let visible = |id: i64| policy::may_view_drift_of(register.role, actor.id(), id);
        let mut rounds = Vec::new();
        for facts in &register.rounds {
            let opened: Vec<_> = register
                .gaps
                .iter()
                .filter(|g| g.round_id == facts.round.id)
                .collect();
            let analysis = facts.analysis.as_deref();
            rounds.push(TrendRound {
                round_id: facts.round.id,
                title: facts.round.title.clone(),
                revealed_at: facts.round.revealed_at.unwrap_or(facts.round.created_at),
                vision_number: facts.vision_number,
                overall: analysis.and_then(|a| a.index.overall),
                participants: analysis
                    .map(|a| {
                        a.participants
                            .iter()
                            .zip(&a.index.per_participant)
                            .filter(|(p, _)| visible(p.id))
                            .map(|(p, index)| PersonScore {
                                user_id: p.id,
                                name: p.name.clone(),
                                index: *index,
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                gaps_opened: opened.len(),
                gaps_settled: opened
                    .iter()
                    .filter(|g| matches!(g.status, GapStatus::Closed | GapStatus::Accepted))
                    .count(),
            });
        }
        let mut questions: Vec<QuestionTrend> = Vec::new();
        for facts in register.rounds.iter().rev() {
            for q in &facts.questions {
                if !questions.iter().any(|t| t.key == q.key) {
                    questions.push(QuestionTrend {
                        key: q.key.clone(),
                        prompt: q.prompt.clone(),
                        scores: Vec::new(),
                    });
                }
            }
        }
        let people: Vec<(i64, String)> = {
            let mut seen: Vec<(i64, String)> = Vec::new();
            for p in rounds.iter().flat_map(|r| &r.participants) {
                if !seen.iter().any(|(id, _)| *id == p.user_id) {
                    seen.push((p.user_id, p.name.clone()));
                }
            }
            seen
        };
        let mut drift = Vec::new();
        for q in &mut questions {
            q.scores = register
                .rounds
                .iter()
                .map(|facts| {
                    let scores: Vec<f64> = people
                        .iter()
                        .filter_map(|(id, _)| score(facts, &q.key, *id))
                        .collect();
                    mean(&scores)
                })
                .collect();
            for (id, name) in &people {
                let scored: Vec<(&RoundFacts, f64)> = register
                    .rounds
                    .iter()
                    .filter_map(|facts| score(facts, &q.key, *id).map(|s| (facts, s)))
                    .collect();
                for pair in scored.windows(2) {
                    let ((from, before), (to, after)) = (pair[0], pair[1]);
                    let change = after - before;
                    let moved = to.analysis.as_ref().and_then(|a| {
                        a.movements.iter().find(|m| {
                            m.participant_id == *id
                                && m.question_key == q.key
                                && m.from_round_id == from.round.id
                        })
                    });
                    drift.push(Drift {
                        user_id: *id,
                        name: name.clone(),
                        question_key: q.key.clone(),
                        prompt: q.prompt.clone(),
                        from_round_id: from.round.id,
                        to_round_id: to.round.id,
                        from_score: before,
                        to_score: after,
                        direction: if change >= STEADY_WITHIN {
                            Direction::Toward
                        } else if change <= -STEADY_WITHIN {
                            Direction::Away
                        } else {
                            Direction::Steady
                        },
                        similarity: moved.map(|m| m.similarity),
                        appeared: moved.map(|m| m.appeared.clone()).unwrap_or_default(),
                        disappeared: moved.map(|m| m.disappeared.clone()).unwrap_or_default(),
                    });
                }
            }
        }
        Ok(Trend {
            rounds,
            questions,
            drift,
            sees_everyone: policy::role_allows(register.role, policy::Permission::ManageRounds),
        })
    }
}
