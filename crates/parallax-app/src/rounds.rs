//! The vision, alignment rounds, blind answers and the listening session.
//!
//! Every read of an answer goes through [`policy::may_read_answer`]; this
//! module never hands out an answer it has not checked.

use parallax_domain::round::RoundState;
use parallax_domain::vision::{
    self, AnswerValue, DEFAULT_QUESTION_WEIGHT, Pillar, Question, QuestionKind, VisionDiff,
};
use parallax_domain::workspace::Role;
use parallax_domain::{Invalid, bounded_text};
use parallax_store::{
    AnswerRecord, ClarificationRecord, NoteRecord, NoteWrite, ParticipantRecord, RoundRecord,
    StoreError, VisionRecord,
};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::analysis::AnalysisView;
use crate::policy::{self, Permission};
use crate::secrets::new_token;
use crate::{Actor, App, AppError, Result, Stale};

/// A change to the vision.
#[derive(Debug, Clone)]
pub enum VisionEdit {
    /// Append a question.
    AddQuestion {
        /// Wording.
        prompt: String,
        /// Help text.
        help: String,
        /// Kind.
        kind: QuestionKind,
        /// Weight in the alignment index; None for the default.
        weight: Option<i64>,
    },
    /// Change a question's wording, help or kind.
    UpdateQuestion {
        /// Which.
        key: String,
        /// Wording.
        prompt: String,
        /// Help text.
        help: String,
        /// Kind.
        kind: QuestionKind,
        /// Weight in the alignment index; None keeps the current one.
        weight: Option<i64>,
    },
    /// Remove a question.
    RemoveQuestion {
        /// Which.
        key: String,
    },
    /// Move a question one place up or down.
    MoveQuestion {
        /// Which.
        key: String,
        /// Up (towards the start) or down.
        up: bool,
    },
    /// Replace the pillars.
    SetPillars(Vec<Pillar>),
}

/// A round as one viewer sees it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RoundView {
    /// The round.
    pub round: RoundRecord,
    /// The vision version it asks.
    pub vision: VisionRecord,
    /// Everyone taking part, with who has submitted (never what).
    pub participants: Vec<ParticipantRecord>,
    /// The viewer's own answers.
    pub my_answers: Vec<AnswerRecord>,
    /// Whether the viewer takes part.
    pub is_participant: bool,
    /// Whether the viewer runs rounds here.
    pub can_manage: bool,
    /// The viewer's role in the workspace.
    pub role: Role,
}

/// The listening session of a revealed round.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SessionView {
    /// The round and what the viewer may do.
    pub view: RoundView,
    /// Answers the viewer may read (checked one by one).
    pub answers: Vec<AnswerRecord>,
    /// Notes and flags.
    pub notes: Vec<NoteRecord>,
    /// Clarifying questions and their answers.
    pub clarifications: Vec<ClarificationRecord>,
    /// The analysis, once it ran.
    pub analysis: AnalysisView,
}

impl SessionView {
    /// The answer of `user_id` to `key`, if readable.
    pub fn answer(&self, user_id: i64, key: &str) -> Option<&AnswerRecord> {
        self.answers
            .iter()
            .find(|a| a.user_id == user_id && a.question_key == key)
    }

    /// The note on `key` for `participant_id`.
    pub fn note(&self, key: &str, participant_id: i64) -> Option<&NoteRecord> {
        self.notes
            .iter()
            .find(|n| n.question_key == key && n.participant_id == participant_id)
    }

    /// The participants whose answers are in the round (not left out).
    pub fn voices(&self) -> impl Iterator<Item = &ParticipantRecord> {
        self.view.participants.iter().filter(|p| !p.excluded)
    }
}

/// A new round.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRound {
    /// Title, e.g. "Q1 alignment".
    pub title: String,
    /// Participants besides the creator (who always takes part).
    #[serde(default)]
    pub participants: Vec<i64>,
    /// Optional due date, Unix ms.
    #[serde(default)]
    pub due_at: Option<i64>,
}

fn new_question_key() -> String {
    new_token()
        .0
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(10)
        .collect()
}

fn stale_answer(record: &AnswerRecord) -> AppError {
    AppError::Stale(Box::new(Stale {
        version: record.version,
        text: record.value.display(),
        value: serde_json::to_value(&record.value).unwrap_or_default(),
    }))
}

/// The vision as one viewer may read it.
#[derive(Debug, Clone)]
pub struct VisionSeen {
    /// The version, without pillars and weights while `hidden_by` is set.
    pub vision: VisionRecord,
    /// The viewer's role in the workspace.
    pub role: Role,
    /// The unrevealed round the viewer has to answer, which keeps the
    /// leader's pillars and weights from them (see
    /// [`policy::keeps_vision_hidden`]).
    pub hidden_by: Option<RoundRecord>,
}

/// `vision` without what would anchor a blind answer: no pillars, and every
/// question weighted alike.
fn unanchored(mut vision: VisionRecord) -> VisionRecord {
    vision.pillars.clear();
    for q in &mut vision.questions {
        q.weight = DEFAULT_QUESTION_WEIGHT;
    }
    vision
}

impl App {
    /// The unrevealed round `actor` has to answer in `workspace_id`, if any:
    /// while there is one, the vision's pillars and weights stay hidden from
    /// them.
    pub async fn round_hiding_vision(
        &self,
        actor: &Actor,
        workspace_id: i64,
        role: Role,
    ) -> Result<Option<RoundRecord>> {
        if !policy::keeps_vision_hidden(role, true, RoundState::Answering) {
            return Ok(None);
        }
        Ok(self
            .store()
            .rounds_with_participation(workspace_id, actor.id())
            .await?
            .into_iter()
            .find(|(round, takes_part)| policy::keeps_vision_hidden(role, *takes_part, round.state))
            .map(|(round, _)| round))
    }

    async fn seen(
        &self,
        actor: &Actor,
        workspace_id: i64,
        role: Role,
        vision: VisionRecord,
    ) -> Result<VisionSeen> {
        let hidden_by = self.round_hiding_vision(actor, workspace_id, role).await?;
        Ok(VisionSeen {
            vision: if hidden_by.is_some() {
                unanchored(vision)
            } else {
                vision
            },
            role,
            hidden_by,
        })
    }

    /// The newest version of the vision, as the caller may read it.
    pub async fn vision(&self, actor: &Actor, workspace_id: i64) -> Result<VisionSeen> {
        let role = self
            .authorize(actor, workspace_id, Permission::ViewVision)
            .await?;
        let vision = self.latest_vision(workspace_id).await?;
        self.seen(actor, workspace_id, role, vision).await
    }

    async fn latest_vision(&self, workspace_id: i64) -> Result<VisionRecord> {
        // Every workspace gets version 1 in the transaction that creates it.
        self.store()
            .latest_vision(workspace_id)
            .await?
            .ok_or_else(|| AppError::Internal(format!("workspace {workspace_id} has no vision")))
    }

    /// Every version of the vision, newest first.
    pub async fn vision_versions(
        &self,
        actor: &Actor,
        workspace_id: i64,
    ) -> Result<Vec<VisionRecord>> {
        let role = self
            .authorize(actor, workspace_id, Permission::ViewVision)
            .await?;
        let versions = self.store().vision_versions(workspace_id).await?;
        Ok(
            if self
                .round_hiding_vision(actor, workspace_id, role)
                .await?
                .is_some()
            {
                versions.into_iter().map(unanchored).collect()
            } else {
                versions
            },
        )
    }

    /// One version of the vision, as the caller may read it.
    pub async fn vision_version(
        &self,
        actor: &Actor,
        workspace_id: i64,
        number: i64,
    ) -> Result<VisionSeen> {
        let role = self
            .authorize(actor, workspace_id, Permission::ViewVision)
            .await?;
        let vision = self.store().vision_by_number(workspace_id, number).await?;
        self.seen(actor, workspace_id, role, vision).await
    }

    /// What changed between two versions, as the caller may read them.
    pub async fn vision_diff(
        &self,
        actor: &Actor,
        workspace_id: i64,
        from: i64,
        to: i64,
    ) -> Result<(VisionDiff, Option<RoundRecord>)> {
        let a = self.vision_version(actor, workspace_id, from).await?;
        let b = self.vision_version(actor, workspace_id, to).await?;
        Ok((
            vision::diff(
                (&a.vision.questions, &a.vision.pillars),
                (&b.vision.questions, &b.vision.pillars),
            ),
            b.hidden_by,
        ))
    }

    /// Changes the vision. `expected_version` is the version the editor saw;
    /// a version used by a round is never changed: the edit makes a new one.
    pub async fn edit_vision(
        &self,
        actor: &Actor,
        workspace_id: i64,
        expected_version: i64,
        edit: VisionEdit,
    ) -> Result<VisionRecord> {
        self.authorize(actor, workspace_id, Permission::EditVision)
            .await?;
        let current = self.latest_vision(workspace_id).await?;
        if current.version != expected_version {
            return Err(AppError::Conflict(
                "the vision was changed in the meantime; reload to see the current version".into(),
            ));
        }
        let mut questions = current.questions.clone();
        let mut pillars = current.pillars.clone();
        let position = |questions: &[Question], key: &str| {
            questions
                .iter()
                .position(|q| q.key == key)
                .ok_or(AppError::NotFound)
        };
        let summary = match edit {
            VisionEdit::AddQuestion {
                prompt,
                help,
                kind,
                weight,
            } => {
                if questions.len() >= 40 {
                    return Err(AppError::invalid(
                        "prompt",
                        "a vision has at most 40 questions",
                    ));
                }
                let question = Question::new(new_question_key(), &prompt, &help, kind)?
                    .with_weight(weight.unwrap_or(DEFAULT_QUESTION_WEIGHT))?;
                let text = format!("question added: {}", question.prompt);
                questions.push(question);
                text
            }
            VisionEdit::UpdateQuestion {
                key,
                prompt,
                help,
                kind,
                weight,
            } => {
                let i = position(&questions, &key)?;
                let weight = weight.unwrap_or(questions[i].weight);
                questions[i] = Question::new(key, &prompt, &help, kind)?.with_weight(weight)?;
                format!("question changed: {}", questions[i].prompt)
            }
            VisionEdit::RemoveQuestion { key } => {
                let i = position(&questions, &key)?;
                if questions.len() == 1 {
                    return Err(AppError::Conflict(
                        "a vision needs at least one question".into(),
                    ));
                }
                format!("question removed: {}", questions.remove(i).prompt)
            }
            VisionEdit::MoveQuestion { key, up } => {
                let i = position(&questions, &key)?;
                let j = if up {
                    i.checked_sub(1)
                } else {
                    (i + 1 < questions.len()).then_some(i + 1)
                };
                if let Some(j) = j {
                    questions.swap(i, j);
                }
                "questions reordered".to_owned()
            }
            VisionEdit::SetPillars(new) => {
                if new.len() > 12 {
                    return Err(AppError::invalid("pillars", "name at most 12 pillars"));
                }
                pillars = new;
                "pillars changed".to_owned()
            }
        };
        let saved = if current.frozen {
            self.store()
                .insert_vision(
                    workspace_id,
                    current.number + 1,
                    &questions,
                    &pillars,
                    actor.id(),
                )
                .await
                .map_err(|e| match e {
                    StoreError::Duplicate => AppError::Conflict(
                        "someone else started a new version at the same time; reload".into(),
                    ),
                    other => other.into(),
                })?
        } else {
            self.store()
                .update_vision(current.id, expected_version, &questions, &pillars)
                .await?
        };
        self.store()
            .audit(
                Some(workspace_id),
                Some(actor.id()),
                "vision.changed",
                &format!("version {}: {summary}", saved.number),
            )
            .await?;
        Ok(saved)
    }

    async fn round_access(
        &self,
        actor: &Actor,
        workspace_id: i64,
        round_id: i64,
    ) -> Result<RoundView> {
        let role = self
            .authorize(actor, workspace_id, Permission::ViewWorkspace)
            .await?;
        let round = self.store().round(workspace_id, round_id).await?;
        let participants = self.store().participants(round.id).await?;
        let is_participant = participants.iter().any(|p| p.user_id == actor.id());
        if !policy::may_view_round(role, is_participant) {
            return Err(AppError::NotFound);
        }
        let mut vision = self.store().vision_by_id(round.vision_version_id).await?;
        if self
            .round_hiding_vision(actor, workspace_id, role)
            .await?
            .is_some()
        {
            vision = unanchored(vision);
        }
        let my_answers = self.store().answers_of(round.id, actor.id()).await?;
        Ok(RoundView {
            can_manage: policy::role_allows(role, Permission::ManageRounds),
            round,
            vision,
            participants,
            my_answers,
            is_participant,
            role,
        })
    }

    /// The rounds the caller may see, newest first.
    pub async fn rounds(
        &self,
        actor: &Actor,
        workspace_id: i64,
    ) -> Result<(Vec<RoundRecord>, Role)> {
        let role = self
            .authorize(actor, workspace_id, Permission::ViewWorkspace)
            .await?;
        let visible = self
            .store()
            .rounds_with_participation(workspace_id, actor.id())
            .await?
            .into_iter()
            .filter(|(_, takes_part)| policy::may_view_round(role, *takes_part))
            .map(|(round, _)| round)
            .collect();
        Ok((visible, role))
    }

    /// One round.
    pub async fn round(
        &self,
        actor: &Actor,
        workspace_id: i64,
        round_id: i64,
    ) -> Result<RoundView> {
        self.round_access(actor, workspace_id, round_id).await
    }

    pub(crate) async fn eligible_participants(
        &self,
        workspace_id: i64,
        creator: i64,
        ids: &[i64],
    ) -> Result<Vec<i64>> {
        let members = self.store().members(workspace_id).await?;
        let mut chosen = vec![creator];
        for id in ids {
            let member = members.iter().find(|m| m.user_id == *id).ok_or_else(|| {
                AppError::invalid(
                    "participants",
                    "choose participants among the workspace's members",
                )
            })?;
            if member.role == Role::Advisor {
                return Err(AppError::invalid(
                    "participants",
                    format!(
                        "{} is an advisor; advisors do not answer rounds",
                        member.name
                    ),
                ));
            }
            if !chosen.contains(id) {
                chosen.push(*id);
            }
        }
        Ok(chosen)
    }

    /// Opens a draft round on the newest vision version, freezing it.
    pub async fn create_round(
        &self,
        actor: &Actor,
        workspace_id: i64,
        new: &NewRound,
    ) -> Result<RoundRecord> {
        self.authorize(actor, workspace_id, Permission::ManageRounds)
            .await?;
        let title = bounded_text("title", &new.title, 1, 120)?;
        let due_at =
            parallax_domain::round::new_due_at("due_at", new.due_at, parallax_store::now_ms())?;
        let participants = self
            .eligible_participants(workspace_id, actor.id(), &new.participants)
            .await?;
        let vision = self.latest_vision(workspace_id).await?;
        let round = self
            .store()
            .create_round(
                workspace_id,
                vision.id,
                &title,
                due_at,
                actor.id(),
                &participants,
            )
            .await?;
        self.store()
            .audit(
                Some(workspace_id),
                Some(actor.id()),
                "round.created",
                &format!("{title} (vision version {})", vision.number),
            )
            .await?;
        Ok(round)
    }

    /// Replaces the participants of a draft round.
    pub async fn set_participants(
        &self,
        actor: &Actor,
        workspace_id: i64,
        round_id: i64,
        ids: &[i64],
    ) -> Result<()> {
        let view = self.manage(actor, workspace_id, round_id).await?;
        let creator = view.round.created_by.unwrap_or(actor.id());
        let participants = self
            .eligible_participants(workspace_id, creator, ids)
            .await?;
        self.store()
            .set_participants(round_id, &participants)
            .await
            .map_err(|e| {
                state_conflict(e, "participants can only change while the round is a draft")
            })
    }

    async fn manage(&self, actor: &Actor, workspace_id: i64, round_id: i64) -> Result<RoundView> {
        let view = self.round_access(actor, workspace_id, round_id).await?;
        if !view.can_manage {
            return Err(AppError::Forbidden);
        }
        Ok(view)
    }

    /// Sends a draft round: participants can answer.
    pub async fn send_round(&self, actor: &Actor, workspace_id: i64, round_id: i64) -> Result<()> {
        let view = self.manage(actor, workspace_id, round_id).await?;
        let workspace = self.store().workspace(workspace_id).await?;
        let mails = self
            .round_open_mails(&view.round, &workspace.name, actor.id())
            .await?;
        self.store()
            .transition_round_with_mail(round_id, RoundState::Draft, RoundState::Answering, &mails)
            .await
            .map_err(|e| state_conflict(e, "only a draft round can be sent"))?;
        self.store()
            .audit(
                Some(workspace_id),
                Some(actor.id()),
                "round.sent",
                &view.round.title,
            )
            .await?;
        Ok(())
    }

    /// Reveals a round. Without `confirm`, everyone must have submitted; the
    /// conflict names who has not. With it, their answers stay out.
    pub async fn reveal_round(
        &self,
        actor: &Actor,
        workspace_id: i64,
        round_id: i64,
        confirm: bool,
    ) -> Result<()> {
        let view = self.manage(actor, workspace_id, round_id).await?;
        if view.round.state != RoundState::Answering {
            return Err(AppError::Conflict(
                "only a round that is being answered can be revealed".into(),
            ));
        }
        let pending: Vec<&str> = view
            .participants
            .iter()
            .filter(|p| p.submitted_at.is_none())
            .map(|p| p.name.as_str())
            .collect();
        if !pending.is_empty() && !confirm {
            return Err(AppError::Conflict(format!(
                "not everyone has submitted yet: {}. Reveal anyway to leave their answers out.",
                pending.join(", ")
            )));
        }
        let left_out: Vec<i64> = view
            .participants
            .iter()
            .filter(|p| p.submitted_at.is_none())
            .map(|p| p.user_id)
            .collect();
        let workspace = self.store().workspace(workspace_id).await?;
        let mails = self
            .round_revealed_mails(&view.round, &workspace.name, actor.id(), &left_out)
            .await?;
        self.store()
            .reveal_round(round_id, confirm, &mails)
            .await
            .map_err(|e| state_conflict(e, "the round changed in the meantime; reload"))?;
        self.queue_analysis(workspace_id, round_id).await?;
        self.store()
            .audit(
                Some(workspace_id),
                Some(actor.id()),
                "round.revealed",
                &if pending.is_empty() {
                    view.round.title.clone()
                } else {
                    format!("{} (left out: {})", view.round.title, pending.join(", "))
                },
            )
            .await?;
        Ok(())
    }

    /// Closes a revealed round.
    pub async fn close_round(&self, actor: &Actor, workspace_id: i64, round_id: i64) -> Result<()> {
        let view = self.manage(actor, workspace_id, round_id).await?;
        self.store()
            .transition_round(round_id, RoundState::Revealed, RoundState::Closed)
            .await
            .map_err(|e| state_conflict(e, "only a revealed round can be closed"))?;
        self.store()
            .audit(
                Some(workspace_id),
                Some(actor.id()),
                "round.closed",
                &view.round.title,
            )
            .await?;
        Ok(())
    }

    /// Saves the caller's answer to one question. `expected_version` is the
    /// version the caller last saw (None for a first answer); a stale write
    /// gets [`AppError::Stale`] with the current answer.
    pub async fn save_answer(
        &self,
        actor: &Actor,
        workspace_id: i64,
        round_id: i64,
        question_key: &str,
        value: &AnswerValue,
        expected_version: Option<i64>,
    ) -> Result<AnswerRecord> {
        let view = self.round_access(actor, workspace_id, round_id).await?;
        if !view.is_participant {
            return Err(AppError::Forbidden);
        }
        if view.round.state != RoundState::Answering {
            return Err(AppError::Conflict(match view.round.state {
                RoundState::Draft => "the round has not been sent yet".into(),
                _ => "answers are locked: the round has been revealed".into(),
            }));
        }
        let question = view
            .vision
            .questions
            .iter()
            .find(|q| q.key == question_key)
            .ok_or(AppError::NotFound)?;
        let value = question.validate(value)?;
        match self
            .store()
            .save_answer(round_id, actor.id(), question_key, &value, expected_version)
            .await
        {
            Ok(record) => {
                let submitted = view
                    .participants
                    .iter()
                    .any(|p| p.user_id == actor.id() && p.submitted_at.is_some());
                if submitted {
                    self.prepare_embeddings(workspace_id, round_id, [&record]);
                }
                Ok(record)
            }
            Err(StoreError::Conflict) => {
                // Say what really failed: the round closed meanwhile, or the
                // version named is not the one stored (also: none is).
                let round = self.store().round(workspace_id, round_id).await?;
                if round.state != RoundState::Answering {
                    return Err(AppError::Conflict(
                        "answers are locked: the round has been revealed".into(),
                    ));
                }
                let current = self.store().answers_of(round_id, actor.id()).await?;
                match current.iter().find(|a| a.question_key == question_key) {
                    Some(record) => Err(stale_answer(record)),
                    None => Err(AppError::Conflict(format!(
                        "you have no saved answer to this question yet, so version {} \
                         cannot match: save it without a version",
                        expected_version.unwrap_or_default()
                    ))),
                }
            }
            Err(other) => Err(other.into()),
        }
    }

    /// Clears the caller's answer to one question, if it is still at
    /// `expected_version`, before the caller submits: a submitted set can be
    /// changed until the reveal, not left with a hole.
    pub async fn clear_answer(
        &self,
        actor: &Actor,
        workspace_id: i64,
        round_id: i64,
        question_key: &str,
        expected_version: i64,
    ) -> Result<()> {
        let view = self.round_access(actor, workspace_id, round_id).await?;
        if !view.is_participant {
            return Err(AppError::Forbidden);
        }
        if view.round.state != RoundState::Answering {
            return Err(AppError::Conflict(
                "answers are locked: the round is not being answered".into(),
            ));
        }
        if !view.vision.questions.iter().any(|q| q.key == question_key) {
            return Err(AppError::NotFound);
        }
        let submitted = view
            .participants
            .iter()
            .any(|p| p.user_id == actor.id() && p.submitted_at.is_some());
        if submitted {
            return Err(AppError::Conflict(
                "you have submitted: change the answer instead, every question needs one".into(),
            ));
        }
        match self
            .store()
            .clear_answer(round_id, actor.id(), question_key, expected_version)
            .await
        {
            Ok(()) => Ok(()),
            Err(StoreError::Conflict) => {
                match view
                    .my_answers
                    .iter()
                    .find(|a| a.question_key == question_key)
                {
                    Some(record) if record.version != expected_version => Err(stale_answer(record)),
                    Some(_) => Err(AppError::Conflict(
                        "answers are locked: the round is not being answered".into(),
                    )),
                    None => Err(AppError::NotFound),
                }
            }
            Err(other) => Err(other.into()),
        }
    }

    /// Submits the caller's answers; every question must be answered.
    pub async fn submit_answers(
        &self,
        actor: &Actor,
        workspace_id: i64,
        round_id: i64,
    ) -> Result<()> {
        let view = self.round_access(actor, workspace_id, round_id).await?;
        if !view.is_participant {
            return Err(AppError::Forbidden);
        }
        let missing: Vec<Invalid> = view
            .vision
            .questions
            .iter()
            .filter(|q| !view.my_answers.iter().any(|a| a.question_key == q.key))
            .map(|q| Invalid::new("answer", format!("\"{}\" is not answered yet", q.prompt)))
            .collect();
        if !missing.is_empty() {
            return Err(AppError::Invalid(missing));
        }
        self.store()
            .submit_answers(round_id, actor.id())
            .await
            .map_err(|e| {
                state_conflict(e, "answers are locked: the round is not being answered")
            })?;
        self.prepare_embeddings(workspace_id, round_id, &view.my_answers);
        Ok(())
    }

    /// The listening session: answers side by side, notes, flags and
    /// clarifications. Only after the reveal.
    pub async fn session(
        &self,
        actor: &Actor,
        workspace_id: i64,
        round_id: i64,
    ) -> Result<SessionView> {
        let view = self.round_access(actor, workspace_id, round_id).await?;
        if !view.round.state.is_revealed() {
            return Err(AppError::Conflict(
                "the listening session opens when the round is revealed".into(),
            ));
        }
        let answers = self
            .store()
            .revealed_answers(round_id)
            .await?
            .into_iter()
            .filter(|a| {
                let excluded = view
                    .participants
                    .iter()
                    .any(|p| p.user_id == a.user_id && p.excluded);
                policy::may_read_answer(actor.id(), true, a.user_id, view.round.state, excluded)
            })
            .collect();
        let notes = self
            .store()
            .notes(round_id)
            .await?
            .into_iter()
            .map(|mut note| {
                if !policy::may_read_note(
                    view.can_manage,
                    actor.id(),
                    note.participant_id,
                    note.shared,
                ) {
                    note.body.clear();
                }
                note
            })
            .collect();
        let mut analysis = self
            .analysis_view(workspace_id, round_id)
            .await?
            .without_movements();
        if self
            .round_hiding_vision(actor, workspace_id, view.role)
            .await?
            .is_some()
        {
            analysis = analysis.unweighted();
        }
        Ok(SessionView {
            analysis,
            answers,
            notes,
            clarifications: self.store().clarifications(round_id).await?,
            view,
        })
    }

    /// Writes the note and flag on one question for one participant.
    pub async fn save_note(
        &self,
        actor: &Actor,
        workspace_id: i64,
        round_id: i64,
        note: &NoteWrite<'_>,
    ) -> Result<NoteRecord> {
        let view = self
            .listening(
                actor,
                workspace_id,
                round_id,
                note.question_key,
                note.participant_id,
            )
            .await?;
        let body = bounded_text("note", note.body, 0, 5000)?;
        match self
            .store()
            .save_note(
                view.round.id,
                actor.id(),
                &NoteWrite {
                    body: &body,
                    ..*note
                },
            )
            .await
        {
            Ok(saved) => Ok(saved),
            Err(StoreError::Conflict) => {
                let notes = self.store().notes(round_id).await?;
                let current = notes.into_iter().find(|n| {
                    n.question_key == note.question_key && n.participant_id == note.participant_id
                });
                Err(match current {
                    Some(current) => AppError::Stale(Box::new(Stale {
                        version: current.version,
                        text: current.body.clone(),
                        value: serde_json::json!({ "body": current.body, "flag": current.flag }),
                    })),
                    None => AppError::Conflict("the note changed in the meantime; reload".into()),
                })
            }
            Err(other) => Err(other.into()),
        }
    }

    async fn listening(
        &self,
        actor: &Actor,
        workspace_id: i64,
        round_id: i64,
        question_key: &str,
        participant_id: i64,
    ) -> Result<RoundView> {
        let view = self.manage(actor, workspace_id, round_id).await?;
        if view.round.state != RoundState::Revealed {
            return Err(AppError::Conflict(
                "notes are taken while the round is revealed (not before, not once closed)".into(),
            ));
        }
        if !view.vision.questions.iter().any(|q| q.key == question_key)
            || !view
                .participants
                .iter()
                .any(|p| p.user_id == participant_id && !p.excluded)
        {
            return Err(AppError::NotFound);
        }
        Ok(view)
    }

    /// Asks a participant a clarifying question about their answer.
    pub async fn ask_clarification(
        &self,
        actor: &Actor,
        workspace_id: i64,
        round_id: i64,
        question_key: &str,
        participant_id: i64,
        text: &str,
    ) -> Result<i64> {
        self.listening(actor, workspace_id, round_id, question_key, participant_id)
            .await?;
        let text = bounded_text("question", text, 3, 1000)?;
        Ok(self
            .store()
            .ask_clarification(round_id, question_key, participant_id, actor.id(), &text)
            .await?)
    }

    /// Answers a clarifying question put to the caller.
    pub async fn answer_clarification(
        &self,
        actor: &Actor,
        workspace_id: i64,
        round_id: i64,
        clarification_id: i64,
        text: &str,
    ) -> Result<()> {
        let view = self.round_access(actor, workspace_id, round_id).await?;
        if view.round.state == RoundState::Closed {
            return Err(AppError::Conflict("the round is closed".into()));
        }
        let text = bounded_text("answer", text, 1, 2000)?;
        Ok(self
            .store()
            .answer_clarification(round_id, clarification_id, actor.id(), &text)
            .await?)
    }
}

fn state_conflict(err: StoreError, message: &str) -> AppError {
    match err {
        StoreError::Conflict => AppError::Conflict(message.to_owned()),
        other => other.into(),
    }
}
