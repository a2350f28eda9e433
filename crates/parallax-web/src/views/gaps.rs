//! The gap register: gaps, proposals, patterns, decisions, actions and
//! comments, and the caller's open actions.

use parallax_app::gaps::{GapView, PatternView, Proposal};
use parallax_domain::gap::{ActionStatus, GapStatus, Severity};
use parallax_store::{ActionRecord, CommentRecord, GapEventRecord, GapRecord, OwnedActionRecord};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The gap register of a workspace.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GapList {
    /// Every gap from a revealed round the caller may see, newest first.
    pub gaps: Vec<GapView>,
}

/// A gap's stored fields, as a write returns them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Gap {
    /// Gap id.
    pub id: i64,
    /// The revealed round it came from.
    pub round_id: i64,
    /// The question it is about, if one.
    pub question_key: Option<String>,
    /// The participant whose reading differs, if one.
    pub participant_id: Option<i64>,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Severity.
    pub severity: Severity,
    /// Status.
    pub status: GapStatus,
    /// The decision taken (empty until one is).
    pub decision: String,
    /// The analysis theme it belongs to, if any.
    pub theme: Option<String>,
    /// The version to name with the next edit.
    pub version: i64,
    /// Added, Unix ms.
    pub created_at: i64,
    /// Last change, Unix ms.
    pub updated_at: i64,
}

impl From<&GapRecord> for Gap {
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
            updated_at: g.updated_at,
        }
    }
}

/// One gap with its actions, their comments and its history.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GapDetail {
    /// The gap as the register lists it.
    #[serde(flatten)]
    pub gap: GapView,
    /// Its actions, oldest first.
    pub actions: Vec<Action>,
    /// What happened to it, oldest first.
    pub history: Vec<HistoryEntry>,
}

impl From<&parallax_app::gaps::GapDetail> for GapDetail {
    fn from(d: &parallax_app::gaps::GapDetail) -> Self {
        Self {
            gap: d.view.clone(),
            actions: d
                .actions
                .iter()
                .map(|a| Action {
                    action: a.clone(),
                    comments: d
                        .comments
                        .iter()
                        .filter(|c| c.action_id == a.id)
                        .map(Comment::from)
                        .collect(),
                })
                .collect(),
            history: d.history.iter().map(HistoryEntry::from).collect(),
        }
    }
}

/// An action of a gap with its comments.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Action {
    /// The action.
    #[serde(flatten)]
    pub action: ActionRecord,
    /// The comments on it, oldest first.
    pub comments: Vec<Comment>,
}

/// A comment on an action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Comment {
    /// The author's name (null once the account is deleted).
    pub author: Option<String>,
    /// The text.
    pub body: String,
    /// When, Unix ms.
    pub at: i64,
}

impl From<&CommentRecord> for Comment {
    fn from(c: &CommentRecord) -> Self {
        Self {
            author: c.author_name.clone(),
            body: c.body.clone(),
            at: c.created_at,
        }
    }
}

/// One entry of a gap's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HistoryEntry {
    /// Who acted (null once the account is deleted).
    pub actor: Option<String>,
    /// What happened, in words.
    pub what: String,
    /// When, Unix ms.
    pub at: i64,
}

impl From<&GapEventRecord> for HistoryEntry {
    fn from(e: &GapEventRecord) -> Self {
        Self {
            actor: e.actor_name.clone(),
            what: e.what.clone(),
            at: e.at,
        }
    }
}

/// The gaps proposed in a workspace.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProposalList {
    /// Open proposals: never a duplicate of an active gap, nor an accepted
    /// or a dismissed proposal.
    pub proposals: Vec<Proposal>,
}

/// A proposal to accept, with the caller's edits of it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposalAcceptance {
    /// The proposal's round.
    pub round_id: i64,
    /// The proposal's key within its round.
    pub key: String,
    /// A title instead of the proposed one (3–160 characters).
    #[serde(default)]
    pub title: Option<String>,
    /// A description instead of the proposed findings (at most 5,000
    /// characters).
    #[serde(default)]
    pub description: Option<String>,
    /// A severity instead of the proposed one.
    #[serde(default)]
    pub severity: Option<Severity>,
}

/// A proposal, by its round and key.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposalRef {
    /// The proposal's round.
    pub round_id: i64,
    /// The proposal's key within its round.
    pub key: String,
}

/// The gaps that recur in a workspace.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PatternList {
    /// The patterns, the largest first.
    pub patterns: Vec<PatternView>,
}

/// A new status for an action.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionStatusChange {
    /// The status the caller saw; the change is refused (409) if it moved on.
    pub from: ActionStatus,
    /// The new status.
    pub status: ActionStatus,
}

/// A new comment on an action.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewComment {
    /// The text, 1–2,000 characters.
    pub body: String,
}

/// An open action of the caller, with where it lives.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OwnedAction {
    /// The action.
    #[serde(flatten)]
    pub action: ActionRecord,
    /// Its workspace.
    pub workspace_id: i64,
    /// The workspace's name.
    pub workspace_name: String,
    /// The title of its gap.
    pub gap_title: String,
    /// Whether its due date has passed.
    pub overdue: bool,
}

impl OwnedAction {
    /// The API's view of `owned`, overdue as of `now` (Unix ms).
    pub fn new(owned: &OwnedActionRecord, now: i64) -> Self {
        Self {
            action: owned.action.clone(),
            workspace_id: owned.workspace_id,
            workspace_name: owned.workspace_name.clone(),
            gap_title: owned.gap_title.clone(),
            overdue: owned.action.due_at.is_some_and(|due| due < now),
        }
    }
}

/// The caller's open actions.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MyActions {
    /// Across every workspace, soonest due first; only those whose gap the
    /// caller may still see.
    pub actions: Vec<OwnedAction>,
}
