//! Who may do what. Every access decision in Parallax is taken here.
//!
//! Rules:
//! - Someone who is not a member of a workspace learns nothing about it: every
//!   request about it answers "not found", never "forbidden".
//! - A member whose role does not allow an action gets "forbidden".
//! - Instance administrators have no special access to workspace content.

use parallax_domain::round::RoundState;
use parallax_domain::workspace::Role;

use crate::{Actor, App, AppError, Result};

/// An action on a workspace that needs a role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// See the workspace, its name and its members.
    ViewWorkspace,
    /// Invite people, change roles, remove members, revoke invitations.
    ManageMembers,
    /// Read the audit log.
    ViewAuditLog,
    /// Change workspace settings (e.g. switch the analysis off).
    ManageWorkspace,
    /// Read the vision's questions and pillars.
    ViewVision,
    /// Change the vision.
    EditVision,
    /// Open, send, reveal and close rounds; take notes, flag, ask clarifying
    /// questions.
    ManageRounds,
    /// Add a gap by hand from a revealed round one can see, and comment on
    /// actions.
    AddGaps,
    /// Accept and dismiss proposed gaps, edit gaps, record decisions, change
    /// status, add and assign actions.
    ManageGaps,
}

/// Whether `role` grants `permission`.
pub fn role_allows(role: Role, permission: Permission) -> bool {
    match permission {
        Permission::ViewWorkspace => true,
        Permission::ManageMembers | Permission::ViewAuditLog | Permission::ManageWorkspace => {
            role == Role::Owner
        }
        Permission::ViewVision => role != Role::Advisor,
        Permission::EditVision | Permission::ManageRounds | Permission::ManageGaps => {
            matches!(role, Role::Owner | Role::Leader)
        }
        Permission::AddGaps => role != Role::Advisor,
    }
}

/// Gaps and their actions follow the visibility of the round they came from:
/// someone sees a gap exactly when they may see its round, and a gap only
/// ever comes from a revealed round.
pub fn may_view_gap(role: Role, is_participant: bool, round_state: RoundState) -> bool {
    round_state.is_revealed() && may_view_round(role, is_participant)
}

/// Who may change an action's status: those who manage gaps, and the person
/// who owns the action.
pub fn may_update_action(role: Role, owns_action: bool) -> bool {
    role_allows(role, Permission::ManageGaps) || owns_action
}

/// Whether someone may see a round at all: those who run rounds see every
/// round of their workspace; others only the rounds they take part in.
pub fn may_view_round(role: Role, is_participant: bool) -> bool {
    role_allows(role, Permission::ManageRounds) || is_participant
}

/// The anchoring rule: while someone has an unrevealed round to answer, they
/// read the questions but not the leader's pillars or weights, so that their
/// answers are their own. Those who write the vision always read it; after
/// the reveal the vision is everyone's to read.
pub fn keeps_vision_hidden(role: Role, takes_part: bool, state: RoundState) -> bool {
    takes_part && !state.is_revealed() && !role_allows(role, Permission::EditVision)
}

/// Whose drift the "Over time" view shows: those who run rounds see every
/// participant; anyone else the overall index and their own scores only.
pub fn may_view_drift_of(role: Role, viewer_id: i64, participant_id: i64) -> bool {
    role_allows(role, Permission::ManageRounds) || viewer_id == participant_id
}

/// Listening-session notes are the leader's own: those who run rounds read
/// every note; a participant reads a note about their own answer once it
/// is shared with them, and nobody else reads it. Flags are not notes: they
/// are shown to whoever sees the session.
pub fn may_read_note(
    viewer_runs_rounds: bool,
    viewer_id: i64,
    participant_id: i64,
    shared: bool,
) -> bool {
    viewer_runs_rounds || (shared && viewer_id == participant_id)
}

/// The blind rule. An answer is readable by its author at any time; by anyone
/// else who may see the round only once the round is revealed, and never when
/// its author was left out at an early reveal.
pub fn may_read_answer(
    viewer_id: i64,
    viewer_sees_round: bool,
    author_id: i64,
    state: RoundState,
    author_excluded: bool,
) -> bool {
    viewer_id == author_id || (viewer_sees_round && state.is_revealed() && !author_excluded)
}

impl App {
    /// Checks that `actor` may do `permission` in `workspace_id`; returns their
    /// role. Non-members get [`AppError::NotFound`].
    pub async fn authorize(
        &self,
        actor: &Actor,
        workspace_id: i64,
        permission: Permission,
    ) -> Result<Role> {
        let role = self
            .store()
            .role_in(workspace_id, actor.id())
            .await?
            .ok_or(AppError::NotFound)?;
        if role_allows(role, permission) {
            Ok(role)
        } else {
            Err(AppError::Forbidden)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_stay_blind_until_the_reveal() {
        use RoundState::*;
        for state in [Draft, Answering] {
            assert!(
                may_read_answer(1, true, 1, state, false),
                "authors read their own"
            );
            assert!(
                !may_read_answer(2, true, 1, state, false),
                "nobody else before the reveal"
            );
        }
        for state in [Revealed, Closed] {
            assert!(may_read_answer(2, true, 1, state, false));
            assert!(
                !may_read_answer(2, false, 1, state, false),
                "not without access to the round"
            );
            assert!(
                !may_read_answer(2, true, 1, state, true),
                "left-out answers stay out"
            );
        }
    }

    #[test]
    fn an_unrevealed_round_hides_the_vision_from_those_who_answer_it() {
        use RoundState::*;
        for role in Role::ALL {
            let writes_vision = matches!(role, Role::Owner | Role::Leader);
            for state in [Draft, Answering] {
                assert_eq!(keeps_vision_hidden(role, true, state), !writes_vision);
                assert!(
                    !keeps_vision_hidden(role, false, state),
                    "only those who answer"
                );
            }
            for state in [Revealed, Closed] {
                assert!(!keeps_vision_hidden(role, true, state), "theirs to read");
            }
        }
    }

    #[test]
    fn drift_is_everyones_for_those_who_run_rounds_else_ones_own() {
        for role in Role::ALL {
            let runs = matches!(role, Role::Owner | Role::Leader);
            assert_eq!(may_view_drift_of(role, 1, 2), runs, "{role:?}");
            assert!(may_view_drift_of(role, 2, 2), "one's own");
        }
    }

    #[test]
    fn notes_are_the_leaders_until_shared_with_their_participant() {
        assert!(may_read_note(true, 1, 2, false), "those who run rounds");
        assert!(!may_read_note(false, 2, 2, false), "private by default");
        assert!(may_read_note(false, 2, 2, true), "shared with them");
        assert!(!may_read_note(false, 3, 2, true), "not with anyone else");
    }

    #[test]
    fn rounds_are_run_by_owners_and_leaders() {
        for role in Role::ALL {
            let runs = matches!(role, Role::Owner | Role::Leader);
            assert_eq!(role_allows(role, Permission::ManageRounds), runs);
            assert_eq!(may_view_round(role, false), runs);
            assert!(may_view_round(role, true));
        }
        assert!(!role_allows(Role::Advisor, Permission::ViewVision));
    }

    #[test]
    fn gaps_follow_the_round() {
        use RoundState::*;
        for role in Role::ALL {
            for state in [Draft, Answering] {
                assert!(
                    !may_view_gap(role, true, state),
                    "nothing before the reveal"
                );
            }
            assert_eq!(
                may_view_gap(role, false, Revealed),
                may_view_round(role, false)
            );
            assert!(may_view_gap(role, true, Closed));
            assert_eq!(
                role_allows(role, Permission::ManageGaps),
                matches!(role, Role::Owner | Role::Leader)
            );
            assert_eq!(
                role_allows(role, Permission::AddGaps),
                role != Role::Advisor
            );
            assert!(
                may_update_action(role, true),
                "owners of an action update it"
            );
            assert_eq!(
                may_update_action(role, false),
                matches!(role, Role::Owner | Role::Leader)
            );
        }
    }

    #[test]
    fn only_owners_manage_members() {
        for role in Role::ALL {
            assert!(role_allows(role, Permission::ViewWorkspace));
            assert_eq!(
                role_allows(role, Permission::ManageMembers),
                role == Role::Owner
            );
        }
    }
}
