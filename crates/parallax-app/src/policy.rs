//! Who may do what. Every access decision in Parallax is taken here.
//!
//! Rules:
//! - Someone who is not a member of a workspace learns nothing about it: every
//!   request about it answers "not found", never "forbidden".
//! - A member whose role does not allow an action gets "forbidden".
//! - Instance administrators have no special access to workspace content.

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
}

/// Whether `role` grants `permission`.
pub fn role_allows(role: Role, permission: Permission) -> bool {
    match permission {
        Permission::ViewWorkspace => true,
        Permission::ManageMembers | Permission::ViewAuditLog => role == Role::Owner,
    }
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
