//! What waits for one person: rounds to answer, rounds to send or reveal,
//! listening sessions to hold, proposals to review, actions due, and, once
//! a loop has closed, the suggestion to revisit the vision.

use parallax_domain::round::RoundState;
use parallax_domain::workspace::Role;
use parallax_store::{OwnedActionRecord, RoundRecord, WorkspaceRecord};

use crate::policy::{self, Permission};
use crate::{Actor, App, Result};

/// What waits for the caller in one workspace.
#[derive(Debug, Clone)]
pub struct WorkspaceAgenda {
    /// The workspace.
    pub workspace: WorkspaceRecord,
    /// The caller's role in it.
    pub role: Role,
    /// Rounds the caller takes part in and has not submitted, soonest due
    /// first.
    pub to_answer: Vec<RoundRecord>,
    /// Drafts the caller may send.
    pub to_send: Vec<RoundRecord>,
    /// Rounds being answered, with how many have submitted and how many
    /// take part, for those who reveal them.
    pub answering: Vec<(RoundRecord, usize, usize)>,
    /// Revealed rounds whose listening session is still to hold or close.
    pub to_listen: Vec<RoundRecord>,
    /// Gap proposals waiting for a decision, for those who manage gaps
    /// (filled in by [`App::agenda`] and [`App::agenda_in`]).
    pub proposals: usize,
    /// The caller's open actions here, soonest due first.
    pub actions: Vec<OwnedActionRecord>,
    /// Every round is closed: time to revisit the vision before the next
    /// one (for those who edit it).
    pub revisit_vision: bool,
}

impl WorkspaceAgenda {
    /// Nothing waits here.
    pub fn is_empty(&self) -> bool {
        self.to_answer.is_empty()
            && self.to_send.is_empty()
            && self.answering.is_empty()
            && self.to_listen.is_empty()
            && self.proposals == 0
            && self.actions.is_empty()
            && !self.revisit_vision
    }
}

impl App {
    /// What waits for the caller, per workspace they belong to.
    pub async fn agenda(&self, actor: &Actor) -> Result<Vec<WorkspaceAgenda>> {
        let actions = self.my_actions(actor).await?;
        let mut out = Vec::new();
        for membership in self.my_workspaces(actor).await? {
            let mut agenda = self
                .workspace_agenda(actor, membership.workspace, membership.role, &actions)
                .await?;
            agenda.proposals = self.open_proposals(actor, &agenda).await?;
            out.push(agenda);
        }
        Ok(out)
    }

    /// What waits for the caller in one workspace.
    pub async fn agenda_in(&self, actor: &Actor, workspace_id: i64) -> Result<WorkspaceAgenda> {
        let view = self.workspace(actor, workspace_id).await?;
        let actions = self.my_actions(actor).await?;
        let mut agenda = self
            .workspace_agenda(actor, view.workspace, view.role, &actions)
            .await?;
        agenda.proposals = self.open_proposals(actor, &agenda).await?;
        Ok(agenda)
    }

    /// The rounds the caller still has to answer, with their workspace's
    /// name, across workspaces; without the proposals and actions the whole
    /// agenda computes.
    pub async fn rounds_to_answer(&self, actor: &Actor) -> Result<Vec<(String, RoundRecord)>> {
        let mut out = Vec::new();
        for membership in self.my_workspaces(actor).await? {
            let agenda = self
                .workspace_agenda(actor, membership.workspace, membership.role, &[])
                .await?;
            let name = agenda.workspace.name;
            out.extend(agenda.to_answer.into_iter().map(|r| (name.clone(), r)));
        }
        Ok(out)
    }

    /// How many gap proposals wait for a decision, for those who manage
    /// gaps (the proposals are computed from every revealed round).
    async fn open_proposals(&self, actor: &Actor, agenda: &WorkspaceAgenda) -> Result<usize> {
        Ok(
            if policy::role_allows(agenda.role, Permission::ManageGaps) {
                self.gap_proposals(actor, agenda.workspace.id).await?.len()
            } else {
                0
            },
        )
    }

    async fn workspace_agenda(
        &self,
        actor: &Actor,
        workspace: WorkspaceRecord,
        role: Role,
        actions: &[OwnedActionRecord],
    ) -> Result<WorkspaceAgenda> {
        let runs_rounds = policy::role_allows(role, Permission::ManageRounds);
        let rounds = self
            .store()
            .rounds_with_participation(workspace.id, actor.id())
            .await?;
        let mut agenda = WorkspaceAgenda {
            revisit_vision: policy::role_allows(role, Permission::EditVision)
                && !rounds.is_empty()
                && rounds.iter().all(|(r, _)| r.state == RoundState::Closed),
            proposals: 0,
            actions: actions
                .iter()
                .filter(|a| a.workspace_id == workspace.id)
                .cloned()
                .collect(),
            workspace,
            role,
            to_answer: Vec::new(),
            to_send: Vec::new(),
            answering: Vec::new(),
            to_listen: Vec::new(),
        };
        for (round, takes_part) in rounds {
            if !policy::may_view_round(role, takes_part) {
                continue;
            }
            match round.state {
                RoundState::Draft if runs_rounds => agenda.to_send.push(round),
                RoundState::Answering => {
                    let participants = self.store().participants(round.id).await?;
                    let submitted = participants
                        .iter()
                        .filter(|p| p.submitted_at.is_some())
                        .count();
                    let mine_open = participants
                        .iter()
                        .any(|p| p.user_id == actor.id() && p.submitted_at.is_none());
                    if runs_rounds {
                        agenda
                            .answering
                            .push((round.clone(), submitted, participants.len()));
                    }
                    if mine_open {
                        agenda.to_answer.push(round);
                    }
                }
                RoundState::Revealed if runs_rounds => agenda.to_listen.push(round),
                _ => {}
            }
        }
        agenda
            .to_answer
            .sort_by_key(|r| (r.due_at.unwrap_or(i64::MAX), r.id));
        Ok(agenda)
    }
}
