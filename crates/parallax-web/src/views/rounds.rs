//! The vision (questions and pillars, versioned), rounds of blind answers
//! and the listening session after the reveal.

use parallax_app::analysis::AnalysisView;
use parallax_app::rounds::{RoundView, SessionView, VisionSeen};
use parallax_domain::round::{Flag, RoundState};
use parallax_domain::vision::{AnswerValue, Pillar, Question, QuestionKind};
use parallax_store::{
    AnswerRecord, ClarificationRecord, NoteRecord, ParticipantRecord, RoundRecord, VisionRecord,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// One version of a workspace's vision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Vision {
    /// 1, 2, 3… within the workspace.
    pub number: i64,
    /// The version to name with the next edit (also the `ETag`).
    pub version: i64,
    /// Asked by a round, so never changed again: the next edit starts a new
    /// version.
    pub frozen: bool,
    /// The questions, in order.
    pub questions: Vec<Question>,
    /// The pillars.
    pub pillars: Vec<Pillar>,
    /// Last change, Unix ms.
    pub updated_at: i64,
    /// Set while the caller has this unrevealed round to answer: until it is
    /// revealed the pillars are left out and every question's weight reads
    /// 1, so that the caller's answers are their own.
    pub hidden_by: Option<HidingRound>,
}

/// The unrevealed round that keeps the vision's pillars and weights from
/// the caller.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HidingRound {
    /// Round id.
    pub id: i64,
    /// Its title.
    pub title: String,
}

impl From<VisionSeen> for Vision {
    fn from(seen: VisionSeen) -> Self {
        Self {
            hidden_by: seen.hidden_by.map(|r| HidingRound {
                id: r.id,
                title: r.title,
            }),
            ..seen.vision.into()
        }
    }
}

/// The whole version, as those who edit the vision read it.
impl From<VisionRecord> for Vision {
    fn from(v: VisionRecord) -> Self {
        Self {
            number: v.number,
            version: v.version,
            frozen: v.frozen,
            questions: v.questions,
            pillars: v.pillars,
            updated_at: v.updated_at,
            hidden_by: None,
        }
    }
}

/// One version of the vision as the list of versions shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct VisionVersionSummary {
    /// 1, 2, 3… within the workspace.
    pub number: i64,
    /// Asked by a round, so never changed again.
    pub frozen: bool,
    /// How many questions it has.
    pub questions: usize,
    /// Last change, Unix ms.
    pub updated_at: i64,
}

impl From<VisionRecord> for VisionVersionSummary {
    fn from(v: VisionRecord) -> Self {
        Self {
            number: v.number,
            frozen: v.frozen,
            questions: v.questions.len(),
            updated_at: v.updated_at,
        }
    }
}

/// Every version of a workspace's vision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct VisionVersions {
    /// Newest first.
    pub versions: Vec<VisionVersionSummary>,
}

/// The two versions of the vision to compare.
#[derive(Debug, Clone, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CompareQuery {
    /// The number of the older version.
    pub from: i64,
    /// The number of the newer version.
    pub to: i64,
}

/// A question to add, or a question's new content.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionBody {
    /// The version of the vision edited, unless `If-Match` names it.
    #[serde(default)]
    pub version: Option<i64>,
    /// The question itself, 3–300 characters.
    pub prompt: String,
    /// What a good answer contains, at most 600 characters.
    #[serde(default)]
    pub help: String,
    /// The kind of answer it takes.
    pub kind: QuestionKind,
    /// Weight in the alignment index, 1–10; omitted: 1 for a new question,
    /// unchanged for an edit.
    #[serde(default)]
    pub weight: Option<i64>,
}

/// Which way a question moves in the vision's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// One place towards the start.
    Up,
    /// One place towards the end.
    Down,
}

/// A question's move one place up or down.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveBody {
    /// The version of the vision edited, unless `If-Match` names it.
    #[serde(default)]
    pub version: Option<i64>,
    /// Which way; a question already first (or last) stays.
    pub direction: Direction,
}

/// One pillar to set.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PillarBody {
    /// Short name, 1–60 characters.
    pub name: String,
    /// What it means, at most 400 characters.
    #[serde(default)]
    pub description: String,
    /// Relative weight, 1–100.
    pub weight: i64,
}

/// The vision's new pillars, replacing all of them.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PillarsBody {
    /// The version of the vision edited, unless `If-Match` names it.
    #[serde(default)]
    pub version: Option<i64>,
    /// At most 12 pillars.
    pub pillars: Vec<PillarBody>,
}

/// A round as lists show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RoundSummary {
    /// Round id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Where it is in its life.
    pub state: RoundState,
    /// Due date, Unix ms.
    pub due_at: Option<i64>,
    /// Opened, Unix ms.
    pub created_at: i64,
}

impl From<RoundRecord> for RoundSummary {
    fn from(r: RoundRecord) -> Self {
        Self {
            id: r.id,
            title: r.title,
            state: r.state,
            due_at: r.due_at,
            created_at: r.created_at,
        }
    }
}

/// The rounds of a workspace that the caller may see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RoundList {
    /// Newest first.
    pub rounds: Vec<RoundSummary>,
}

/// Someone taking part in a round: whether they submitted, never what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Participant {
    /// Account id.
    pub user_id: i64,
    /// Display name.
    pub name: String,
    /// Whether they have submitted their answers.
    pub submitted: bool,
    /// Left out at an early reveal: their answers stay out of the round.
    pub excluded: bool,
}

impl From<ParticipantRecord> for Participant {
    fn from(p: ParticipantRecord) -> Self {
        Self {
            user_id: p.user_id,
            name: p.name,
            submitted: p.submitted_at.is_some(),
            excluded: p.excluded,
        }
    }
}

/// One person's answer to one question of a round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Answer {
    /// Whose answer it is.
    pub user_id: i64,
    /// The question's key.
    pub question_key: String,
    /// The answer.
    pub answer: AnswerValue,
    /// The version to name with the next save (also the `ETag`); 1 for a
    /// first answer.
    pub version: i64,
    /// Last change, Unix ms.
    pub updated_at: i64,
}

impl From<AnswerRecord> for Answer {
    fn from(a: AnswerRecord) -> Self {
        Self {
            user_id: a.user_id,
            question_key: a.question_key,
            answer: a.value,
            version: a.version,
            updated_at: a.updated_at,
        }
    }
}

/// A round as the caller sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Round {
    /// Round id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Where it is in its life.
    pub state: RoundState,
    /// Due date, Unix ms.
    pub due_at: Option<i64>,
    /// The number of the vision version it asks.
    pub vision_version: i64,
    /// That version's questions, in order.
    pub questions: Vec<Question>,
    /// Everyone taking part, with who has submitted.
    pub participants: Vec<Participant>,
    /// The caller's own answers.
    pub my_answers: Vec<Answer>,
    /// Whether the caller runs rounds in this workspace.
    pub can_manage: bool,
}

impl From<RoundView> for Round {
    fn from(view: RoundView) -> Self {
        Self {
            id: view.round.id,
            title: view.round.title,
            state: view.round.state,
            due_at: view.round.due_at,
            vision_version: view.vision.number,
            questions: view.vision.questions,
            participants: view.participants.into_iter().map(Into::into).collect(),
            my_answers: view.my_answers.into_iter().map(Into::into).collect(),
            can_manage: view.can_manage,
        }
    }
}

/// A new round's participants, replacing the current ones.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ParticipantsBody {
    /// Account ids of members who are not advisors; the round's creator
    /// always takes part.
    pub participants: Vec<i64>,
}

/// How to reveal a round.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevealBody {
    /// Reveal even though not everyone has submitted: their answers stay
    /// out of the round. Without it, such a reveal is refused with 409.
    #[serde(default)]
    pub confirm: bool,
}

/// The caller's answer to one question.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerBody {
    /// The answer; its type must fit the question's kind.
    pub answer: AnswerValue,
    /// The version of the answer last read, unless `If-Match` names it;
    /// none (or 0) for a first answer.
    #[serde(default)]
    pub version: Option<i64>,
}

/// The leader's note and flag on one question for one participant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Note {
    /// The question's key.
    pub question_key: String,
    /// Whose answer it is about.
    pub participant_id: i64,
    /// The note.
    pub note: String,
    /// The flag, if set.
    pub flag: Option<Flag>,
    /// Shared with the participant it is about. A note that is not shared
    /// reads empty to everyone but those who run rounds.
    pub shared: bool,
    /// The version to name with the next save (also the `ETag`).
    pub version: i64,
}

impl From<NoteRecord> for Note {
    fn from(n: NoteRecord) -> Self {
        Self {
            question_key: n.question_key,
            participant_id: n.participant_id,
            note: n.body,
            flag: n.flag,
            shared: n.shared,
            version: n.version,
        }
    }
}

/// A clarifying question put to a participant, and their answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Clarification {
    /// Clarification id.
    pub id: i64,
    /// The question of the vision it is about.
    pub question_key: String,
    /// Who is asked.
    pub participant_id: i64,
    /// What is asked.
    pub question: String,
    /// Their answer, once given.
    pub answer: Option<String>,
    /// When asked, Unix ms.
    pub asked_at: i64,
}

impl From<ClarificationRecord> for Clarification {
    fn from(c: ClarificationRecord) -> Self {
        Self {
            id: c.id,
            question_key: c.question_key,
            participant_id: c.participant_id,
            question: c.question,
            answer: c.answer,
            asked_at: c.asked_at,
        }
    }
}

/// The listening session of a revealed round: the round, the answers side
/// by side, notes, flags, clarifications and the analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Session {
    /// The round as the caller sees it.
    #[serde(flatten)]
    pub round: Round,
    /// Whether the analysis is off, pending, failed or done, with its result
    /// once done.
    pub analysis: AnalysisView,
    /// The answers the caller may read (none of those left out).
    pub answers: Vec<Answer>,
    /// Notes and flags.
    pub notes: Vec<Note>,
    /// Clarifying questions and their answers.
    pub clarifications: Vec<Clarification>,
}

impl From<SessionView> for Session {
    fn from(s: SessionView) -> Self {
        Self {
            round: s.view.into(),
            analysis: s.analysis,
            answers: s.answers.into_iter().map(Into::into).collect(),
            notes: s.notes.into_iter().map(Into::into).collect(),
            clarifications: s.clarifications.into_iter().map(Into::into).collect(),
        }
    }
}

/// A note and flag to save.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    /// The note, at most 5,000 characters; empty to clear it.
    #[serde(default)]
    pub note: String,
    /// The flag; omitted or null: none.
    #[serde(default)]
    pub flag: Option<Flag>,
    /// Share the note with the participant it is about; omitted: the note
    /// stays with those who run rounds.
    #[serde(default)]
    pub shared: bool,
    /// The version of the note last read, unless `If-Match` names it; none
    /// (or 0) for a first note.
    #[serde(default)]
    pub version: Option<i64>,
}

/// A clarifying question to put to a participant about their answer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AskBody {
    /// The question of the vision it is about.
    pub question_key: String,
    /// Who is asked: a participant not left out.
    pub participant_id: i64,
    /// What is asked, 3–1,000 characters.
    pub question: String,
}

/// A clarifying question just asked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Created {
    /// Its id.
    pub id: i64,
}

/// The answer to a clarifying question.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClarifyBody {
    /// The answer, 1–2,000 characters.
    pub answer: String,
}
