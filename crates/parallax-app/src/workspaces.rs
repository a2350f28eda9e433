//! Workspaces, members, roles and invitation links.

use parallax_domain::workspace::{Role, WorkspaceName};
use parallax_store::{
    AuditRecord, InviteRecord, MemberRecord, MembershipRecord, WorkspaceRecord, now_ms,
};

use crate::policy::Permission;
use crate::secrets::{new_token, token_hash};
use crate::{Actor, App, AppError, Result};

/// A workspace as its member sees it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct WorkspaceView {
    /// The workspace.
    pub workspace: WorkspaceRecord,
    /// The viewer's role.
    pub role: Role,
    /// Whether the analysis engine runs on this workspace's rounds.
    pub analysis_enabled: bool,
}

/// What an invitation link shows before it is accepted.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct InvitePreview {
    /// Workspace name.
    pub workspace_name: String,
    /// Workspace id.
    pub workspace_id: i64,
    /// Role on joining.
    pub role: Role,
    /// Who sent it.
    pub inviter_name: String,
    /// Expiry, Unix ms.
    pub expires_at: i64,
}

impl App {
    /// Creates a workspace owned by the caller.
    pub async fn create_workspace(&self, actor: &Actor, name: &str) -> Result<WorkspaceRecord> {
        let name = WorkspaceName::parse(name)?;
        let workspace = self
            .store()
            .create_workspace(name.as_str(), actor.id())
            .await?;
        self.store()
            .audit(
                Some(workspace.id),
                Some(actor.id()),
                "workspace.created",
                name.as_str(),
            )
            .await?;
        Ok(workspace)
    }

    /// The caller's workspaces.
    pub async fn my_workspaces(&self, actor: &Actor) -> Result<Vec<MembershipRecord>> {
        Ok(self.store().memberships_of(actor.id()).await?)
    }

    /// One workspace, for a member.
    pub async fn workspace(&self, actor: &Actor, workspace_id: i64) -> Result<WorkspaceView> {
        let role = self
            .authorize(actor, workspace_id, Permission::ViewWorkspace)
            .await?;
        Ok(WorkspaceView {
            workspace: self.store().workspace(workspace_id).await?,
            role,
            analysis_enabled: self.store().analysis_enabled(workspace_id).await?,
        })
    }

    /// Switches the analysis engine on or off for a workspace (owners). When
    /// switched on, revealed rounds without an analysis are queued.
    pub async fn set_analysis_enabled(
        &self,
        actor: &Actor,
        workspace_id: i64,
        enabled: bool,
    ) -> Result<()> {
        self.authorize(actor, workspace_id, Permission::ManageWorkspace)
            .await?;
        self.store()
            .set_analysis_enabled(workspace_id, enabled)
            .await?;
        if enabled {
            for round in self.store().rounds(workspace_id).await? {
                if round.state.is_revealed() && self.store().analysis(round.id).await?.is_none() {
                    self.queue_analysis(workspace_id, round.id).await?;
                }
            }
        }
        self.store()
            .audit(
                Some(workspace_id),
                Some(actor.id()),
                "workspace.analysis",
                if enabled {
                    "analysis switched on"
                } else {
                    "analysis switched off"
                },
            )
            .await?;
        Ok(())
    }

    /// The members of a workspace, for a member.
    pub async fn members(&self, actor: &Actor, workspace_id: i64) -> Result<Vec<MemberRecord>> {
        self.authorize(actor, workspace_id, Permission::ViewWorkspace)
            .await?;
        Ok(self.store().members(workspace_id).await?)
    }

    /// Changes a member's role (owners only; a workspace keeps an owner).
    pub async fn set_role(
        &self,
        actor: &Actor,
        workspace_id: i64,
        user_id: i64,
        role: Role,
    ) -> Result<()> {
        self.authorize(actor, workspace_id, Permission::ManageMembers)
            .await?;
        self.store()
            .set_role(workspace_id, user_id, role)
            .await
            .map_err(last_owner)?;
        let member = self.store().user(user_id).await?;
        self.store()
            .audit(
                Some(workspace_id),
                Some(actor.id()),
                "member.role_changed",
                &format!("{} is now {}", member.name, role.label()),
            )
            .await?;
        Ok(())
    }

    /// Removes a member (owners only): from the next request on, neither
    /// their sessions nor their API tokens reach this workspace; their other
    /// workspaces are untouched.
    pub async fn remove_member(
        &self,
        actor: &Actor,
        workspace_id: i64,
        user_id: i64,
    ) -> Result<()> {
        self.authorize(actor, workspace_id, Permission::ManageMembers)
            .await?;
        let member = self.store().user(user_id).await?;
        self.store()
            .remove_member(workspace_id, user_id)
            .await
            .map_err(last_owner)?;
        self.store()
            .audit(
                Some(workspace_id),
                Some(actor.id()),
                "member.removed",
                &format!("{} was removed", member.name),
            )
            .await?;
        Ok(())
    }

    /// Creates a single-use invitation link for `role`; returns the record and
    /// the secret, which is shown once and never stored.
    pub async fn create_invite(
        &self,
        actor: &Actor,
        workspace_id: i64,
        role: Role,
    ) -> Result<(InviteRecord, String)> {
        self.authorize(actor, workspace_id, Permission::ManageMembers)
            .await?;
        let (secret, hash) = new_token();
        let expires = now_ms() + self.settings().invite_ttl.as_millis() as i64;
        let invite = self
            .store()
            .create_invite(workspace_id, role, &hash, actor.id(), expires)
            .await?;
        self.store()
            .audit(
                Some(workspace_id),
                Some(actor.id()),
                "invite.created",
                &format!("invitation for a {}", role.label()),
            )
            .await?;
        Ok((invite, secret))
    }

    /// Open invitations of a workspace (owners only).
    pub async fn open_invites(
        &self,
        actor: &Actor,
        workspace_id: i64,
    ) -> Result<Vec<InviteRecord>> {
        self.authorize(actor, workspace_id, Permission::ManageMembers)
            .await?;
        Ok(self.store().open_invites(workspace_id).await?)
    }

    /// Revokes an open invitation (owners only).
    pub async fn revoke_invite(
        &self,
        actor: &Actor,
        workspace_id: i64,
        invite_id: i64,
    ) -> Result<()> {
        self.authorize(actor, workspace_id, Permission::ManageMembers)
            .await?;
        self.store().revoke_invite(workspace_id, invite_id).await?;
        self.store()
            .audit(
                Some(workspace_id),
                Some(actor.id()),
                "invite.revoked",
                "invitation revoked",
            )
            .await?;
        Ok(())
    }

    /// What an open invitation link admits to; `NotFound` for links that are
    /// unknown, used, revoked or expired (indistinguishable on purpose).
    pub async fn open_invite(&self, secret: &str) -> Result<InvitePreview> {
        let invite = self
            .store()
            .invite_by_token(&token_hash(secret))
            .await?
            .filter(|invite| invite.is_open(now_ms()))
            .ok_or(AppError::NotFound)?;
        let workspace = self.store().workspace(invite.workspace_id).await?;
        let inviter = self.store().user(invite.created_by).await?;
        Ok(InvitePreview {
            workspace_name: workspace.name,
            workspace_id: workspace.id,
            role: invite.role,
            inviter_name: inviter.name,
            expires_at: invite.expires_at,
        })
    }

    /// Accepts an invitation as the signed-in caller; returns the workspace id.
    pub async fn accept_invite(&self, actor: &Actor, secret: &str) -> Result<i64> {
        let invite = self
            .store()
            .accept_invite(&token_hash(secret), actor.id())
            .await?;
        self.store()
            .audit(
                Some(invite.workspace_id),
                Some(actor.id()),
                "member.joined",
                &format!("{} joined as {}", actor.user.name, invite.role.label()),
            )
            .await?;
        Ok(invite.workspace_id)
    }

    /// The newest audit entries of a workspace (owners only).
    pub async fn audit_log(&self, actor: &Actor, workspace_id: i64) -> Result<Vec<AuditRecord>> {
        self.authorize(actor, workspace_id, Permission::ViewAuditLog)
            .await?;
        Ok(self.store().audit_log(workspace_id, 200).await?)
    }
}

fn last_owner(err: parallax_store::StoreError) -> AppError {
    match err {
        parallax_store::StoreError::Conflict => {
            AppError::Conflict("a workspace needs at least one owner".into())
        }
        other => other.into(),
    }
}
