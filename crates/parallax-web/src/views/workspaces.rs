//! Workspaces, members, invitations, settings and the audit log.

use parallax_domain::workspace::Role;
use parallax_store::{AuditRecord, InviteRecord, MemberRecord};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::accounts::WorkspaceRef;

/// A workspace with the caller's role in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Membership {
    /// Workspace id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// The caller's role.
    pub role: Role,
}

/// The caller's workspaces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WorkspaceList {
    /// Every workspace the caller is a member of.
    pub workspaces: Vec<Membership>,
}

/// One workspace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Workspace {
    /// Workspace id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// The caller's role.
    pub role: Role,
    /// Created, Unix ms.
    pub created_at: i64,
}

/// A new workspace's name.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWorkspace {
    /// 1–100 characters.
    pub name: String,
}

/// The members of a workspace.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MemberList {
    /// Every member with their role.
    pub members: Vec<MemberRecord>,
}

/// A role to give: to a member, or to whoever accepts an invitation.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleBody {
    /// The role.
    #[schema(value_type = Role)]
    pub role: String,
}

/// An open invitation (never its secret, except once on creation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Invite {
    /// Invitation id.
    pub id: i64,
    /// The role it gives.
    pub role: Role,
    /// Created, Unix ms.
    pub created_at: i64,
    /// Expires, Unix ms.
    pub expires_at: i64,
}

impl From<&InviteRecord> for Invite {
    fn from(i: &InviteRecord) -> Self {
        Self {
            id: i.id,
            role: i.role,
            created_at: i.created_at,
            expires_at: i.expires_at,
        }
    }
}

/// The open invitations of a workspace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct InviteList {
    /// Neither used, revoked nor expired.
    pub invites: Vec<Invite>,
}

/// An invitation just created, with its link: shown this once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CreatedInvite {
    /// The invitation.
    #[serde(flatten)]
    pub invite: Invite,
    /// The link's secret.
    pub secret: String,
    /// The link to send to the person invited.
    pub url: String,
}

/// What an invitation link admits to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct InvitePreview {
    /// The workspace.
    pub workspace: WorkspaceRef,
    /// The role on joining.
    pub role: Role,
    /// Who sent it.
    pub inviter: String,
    /// Expires, Unix ms.
    pub expires_at: i64,
}

/// The workspace an accepted invitation joined.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Joined {
    /// Workspace id.
    pub workspace_id: i64,
}

/// One entry of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuditEntry {
    /// Who acted (null once the account is deleted).
    pub actor: Option<String>,
    /// A stable action name, e.g. `member.removed`.
    pub action: String,
    /// What happened, in words.
    pub detail: String,
    /// When, Unix ms.
    pub at: i64,
}

impl From<&AuditRecord> for AuditEntry {
    fn from(e: &AuditRecord) -> Self {
        Self {
            actor: e.actor_name.clone(),
            action: e.action.clone(),
            detail: e.detail.clone(),
            at: e.at,
        }
    }
}

/// The audit log, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuditLog {
    /// The newest 200 entries.
    pub entries: Vec<AuditEntry>,
}

/// The workspace's settings.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Whether answers are analysed by the in-process text model.
    pub analysis_enabled: bool,
}
