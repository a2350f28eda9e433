//! Workspaces, memberships and invitations.

use parallax_domain::vision;
use parallax_domain::workspace::Role;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;
use utoipa::ToSchema;

use crate::accounts::{NewUser, UserRecord};
use crate::{Result, Store, StoreError, now_ms};

/// A stored workspace.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WorkspaceRecord {
    /// Primary key.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Creation time, Unix ms.
    pub created_at: i64,
}

/// A workspace seen from one of its members.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MembershipRecord {
    /// The workspace.
    pub workspace: WorkspaceRecord,
    /// The member's role in it.
    pub role: Role,
}

/// A member of a workspace.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MemberRecord {
    /// The account.
    pub user_id: i64,
    /// Display name.
    pub name: String,
    /// E-mail address.
    pub email: String,
    /// Role in the workspace.
    pub role: Role,
    /// When they joined, Unix ms.
    pub joined_at: i64,
}

/// An invitation link (the secret is never stored, only its hash).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct InviteRecord {
    /// Primary key.
    pub id: i64,
    /// Workspace the link admits to.
    pub workspace_id: i64,
    /// Role the new member gets.
    pub role: Role,
    /// Who created it.
    pub created_by: i64,
    /// Creation time, Unix ms.
    pub created_at: i64,
    /// Expiry, Unix ms.
    pub expires_at: i64,
    /// When it was used, if it was.
    pub used_at: Option<i64>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<i64>,
}

impl InviteRecord {
    /// Neither used, revoked nor expired at `now`.
    pub fn is_open(&self, now: i64) -> bool {
        self.used_at.is_none() && self.revoked_at.is_none() && self.expires_at > now
    }
}

fn role(row: &AnyRow, column: &'static str) -> Result<Role> {
    row.try_get::<String, _>(column)?
        .parse()
        .map_err(|_| StoreError::Corrupt(column))
}

fn workspace_from_row(row: &AnyRow) -> Result<WorkspaceRecord> {
    Ok(WorkspaceRecord {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        created_at: row.try_get("created_at")?,
    })
}

fn invite_from_row(row: &AnyRow) -> Result<InviteRecord> {
    Ok(InviteRecord {
        id: row.try_get("id")?,
        workspace_id: row.try_get("workspace_id")?,
        role: role(row, "role")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        used_at: row.try_get("used_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

const INVITE_COLUMNS: &str =
    "id, workspace_id, role, created_by, created_at, expires_at, used_at, revoked_at";

impl Store {
    /// Creates a workspace with `owner_id` as its owner and the built-in
    /// vision template as vision version 1.
    pub async fn create_workspace(&self, name: &str, owner_id: i64) -> Result<WorkspaceRecord> {
        let mut tx = self.pool.begin().await?;
        let workspace = insert_workspace(&mut tx, name, owner_id).await?;
        tx.commit().await?;
        Ok(workspace)
    }

    /// Creates an account together with a first workspace it owns, in one
    /// transaction: either both exist afterwards or neither does. With
    /// `first_only` (sign-up closed to all but the first account) it refuses
    /// (`Conflict`) unless this account is the instance's first, decided by
    /// the same atomic claim that makes it administrator.
    pub async fn create_user_with_workspace(
        &self,
        user: &NewUser<'_>,
        workspace_name: &str,
        first_only: bool,
    ) -> Result<(UserRecord, WorkspaceRecord)> {
        let mut tx = self.pool.begin().await?;
        let record = Self::insert_user(&mut tx, user).await?;
        if first_only && !record.is_admin {
            return Err(StoreError::Conflict);
        }
        let workspace = insert_workspace(&mut tx, workspace_name, record.id).await?;
        tx.commit().await?;
        Ok((record, workspace))
    }

    /// One workspace.
    pub async fn workspace(&self, id: i64) -> Result<WorkspaceRecord> {
        let row = sqlx::query("SELECT id, name, created_at FROM workspaces WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        workspace_from_row(&row)
    }

    /// The workspaces an account belongs to, by name.
    pub async fn memberships_of(&self, user_id: i64) -> Result<Vec<MembershipRecord>> {
        sqlx::query(
            "SELECT w.id, w.name, w.created_at, m.role FROM memberships m \
             JOIN workspaces w ON w.id = m.workspace_id WHERE m.user_id = $1 ORDER BY w.name, w.id",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(MembershipRecord {
                workspace: workspace_from_row(row)?,
                role: role(row, "role")?,
            })
        })
        .collect()
    }

    /// The role of an account in a workspace, if it is a member.
    pub async fn role_in(&self, workspace_id: i64, user_id: i64) -> Result<Option<Role>> {
        let mut conn = self.pool.acquire().await?;
        member_role(&mut conn, workspace_id, user_id).await
    }

    /// Every member of a workspace, by name.
    pub async fn members(&self, workspace_id: i64) -> Result<Vec<MemberRecord>> {
        sqlx::query(
            "SELECT u.id, u.name, u.email, m.role, m.created_at FROM memberships m \
             JOIN users u ON u.id = m.user_id WHERE m.workspace_id = $1 ORDER BY u.name, u.id",
        )
        .bind(workspace_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(MemberRecord {
                user_id: row.try_get("id")?,
                name: row.try_get("name")?,
                email: row.try_get("email")?,
                role: role(row, "role")?,
                joined_at: row.try_get("created_at")?,
            })
        })
        .collect()
    }

    /// Changes a member's role. Refuses (`Conflict`) to leave a workspace
    /// without an owner; the check and the change are one transaction.
    pub async fn set_role(&self, workspace_id: i64, user_id: i64, new_role: Role) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        lock_membership(&mut tx, workspace_id, user_id).await?;
        let current = member_role(&mut tx, workspace_id, user_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        if current == Role::Owner && new_role != Role::Owner {
            ensure_another_owner(&mut tx, workspace_id, user_id).await?;
        }
        sqlx::query("UPDATE memberships SET role = $1 WHERE workspace_id = $2 AND user_id = $3")
            .bind(new_role.as_str())
            .bind(workspace_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes a member; their access to this workspace ends with the row,
    /// by session and API token alike, and nothing changes in their other
    /// workspaces. Refuses (`Conflict`) to remove the last owner.
    pub async fn remove_member(&self, workspace_id: i64, user_id: i64) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        lock_membership(&mut tx, workspace_id, user_id).await?;
        let current = member_role(&mut tx, workspace_id, user_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        if current == Role::Owner {
            ensure_another_owner(&mut tx, workspace_id, user_id).await?;
        }
        sqlx::query("DELETE FROM memberships WHERE workspace_id = $1 AND user_id = $2")
            .bind(workspace_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Stores an invitation under the hash of its secret.
    pub async fn create_invite(
        &self,
        workspace_id: i64,
        role: Role,
        token_hash: &str,
        created_by: i64,
        expires_at: i64,
    ) -> Result<InviteRecord> {
        let row = sqlx::query(&format!(
            "INSERT INTO invites (workspace_id, role, token_hash, created_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING {INVITE_COLUMNS}"
        ))
        .bind(workspace_id)
        .bind(role.as_str())
        .bind(token_hash)
        .bind(created_by)
        .bind(now_ms())
        .bind(expires_at)
        .fetch_one(&self.pool)
        .await
        .map_err(StoreError::from_sqlx)?;
        invite_from_row(&row)
    }

    /// An invitation by the hash of its secret, whatever its state.
    pub async fn invite_by_token(&self, token_hash: &str) -> Result<Option<InviteRecord>> {
        sqlx::query(&format!(
            "SELECT {INVITE_COLUMNS} FROM invites WHERE token_hash = $1"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?
        .map(|row| invite_from_row(&row))
        .transpose()
    }

    /// The invitations of a workspace that are still open.
    pub async fn open_invites(&self, workspace_id: i64) -> Result<Vec<InviteRecord>> {
        sqlx::query(&format!(
            "SELECT {INVITE_COLUMNS} FROM invites WHERE workspace_id = $1 AND used_at IS NULL \
             AND revoked_at IS NULL AND expires_at > $2 ORDER BY id DESC"
        ))
        .bind(workspace_id)
        .bind(now_ms())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(invite_from_row)
        .collect()
    }

    /// Revokes an open invitation of a workspace.
    pub async fn revoke_invite(&self, workspace_id: i64, invite_id: i64) -> Result<()> {
        let done = sqlx::query(
            "UPDATE invites SET revoked_at = $1 WHERE id = $2 AND workspace_id = $3 \
             AND used_at IS NULL AND revoked_at IS NULL",
        )
        .bind(now_ms())
        .bind(invite_id)
        .bind(workspace_id)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Uses an invitation for an existing account: marks it used and adds the
    /// membership in one transaction. `NotFound` when the link is no longer
    /// open (used, revoked or expired) — it works exactly once.
    pub async fn accept_invite(&self, token_hash: &str, user_id: i64) -> Result<InviteRecord> {
        let mut tx = self.pool.begin().await?;
        let invite = claim_invite(&mut tx, token_hash, user_id).await?;
        upsert_membership(&mut tx, invite.workspace_id, user_id, invite.role).await?;
        tx.commit().await?;
        Ok(invite)
    }

    /// Creates an account through an invitation, in one transaction.
    pub async fn accept_invite_with_new_user(
        &self,
        token_hash: &str,
        user: &NewUser<'_>,
    ) -> Result<(UserRecord, InviteRecord)> {
        let mut tx = self.pool.begin().await?;
        let record = Self::insert_user(&mut tx, user).await?;
        let invite = claim_invite(&mut tx, token_hash, record.id).await?;
        insert_membership(&mut tx, invite.workspace_id, record.id, invite.role).await?;
        tx.commit().await?;
        Ok((record, invite))
    }
}

/// Creates a workspace owned by `owner_id` with its first vision (the
/// built-in template), so no workspace ever lacks a vision.
async fn insert_workspace(
    tx: &mut sqlx::AnyConnection,
    name: &str,
    owner_id: i64,
) -> Result<WorkspaceRecord> {
    let row = sqlx::query(
        "INSERT INTO workspaces (name, created_at) VALUES ($1, $2) RETURNING id, name, created_at",
    )
    .bind(name)
    .bind(now_ms())
    .fetch_one(&mut *tx)
    .await?;
    let workspace = workspace_from_row(&row)?;
    insert_membership(tx, workspace.id, owner_id, Role::Owner).await?;
    crate::rounds::insert_vision_row(tx, workspace.id, 1, (&vision::template(), &[]), owner_id)
        .await?;
    Ok(workspace)
}

/// Takes the write lock on a membership before reading (see `lock_round`).
async fn lock_membership(
    tx: &mut sqlx::AnyConnection,
    workspace_id: i64,
    user_id: i64,
) -> Result<()> {
    sqlx::query("UPDATE memberships SET role = role WHERE workspace_id = $1 AND user_id = $2")
        .bind(workspace_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

async fn member_role(
    conn: &mut sqlx::AnyConnection,
    workspace_id: i64,
    user_id: i64,
) -> Result<Option<Role>> {
    sqlx::query("SELECT role FROM memberships WHERE workspace_id = $1 AND user_id = $2")
        .bind(workspace_id)
        .bind(user_id)
        .fetch_optional(&mut *conn)
        .await?
        .map(|row| role(&row, "role"))
        .transpose()
}

async fn claim_invite(
    tx: &mut sqlx::AnyConnection,
    token_hash: &str,
    user_id: i64,
) -> Result<InviteRecord> {
    let now = now_ms();
    let row = sqlx::query(&format!(
        "UPDATE invites SET used_at = $1, used_by = $2 WHERE token_hash = $3 AND used_at IS NULL \
         AND revoked_at IS NULL AND expires_at > $1 RETURNING {INVITE_COLUMNS}"
    ))
    .bind(now)
    .bind(user_id)
    .bind(token_hash)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(StoreError::NotFound)?;
    invite_from_row(&row)
}

async fn insert_membership(
    tx: &mut sqlx::AnyConnection,
    workspace_id: i64,
    user_id: i64,
    role: Role,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO memberships (workspace_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(workspace_id)
    .bind(user_id)
    .bind(role.as_str())
    .bind(now_ms())
    .execute(&mut *tx)
    .await
    .map_err(StoreError::from_sqlx)?;
    Ok(())
}

/// Joins, or keeps the existing membership when the account is already in the
/// workspace (an invite never demotes or promotes an existing member).
async fn upsert_membership(
    tx: &mut sqlx::AnyConnection,
    workspace_id: i64,
    user_id: i64,
    role: Role,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO memberships (workspace_id, user_id, role, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (workspace_id, user_id) DO NOTHING",
    )
    .bind(workspace_id)
    .bind(user_id)
    .bind(role.as_str())
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    Ok(())
}

async fn ensure_another_owner(
    tx: &mut sqlx::AnyConnection,
    workspace_id: i64,
    user_id: i64,
) -> Result<()> {
    let others = sqlx::query(
        "SELECT COUNT(*) FROM memberships WHERE workspace_id = $1 AND role = 'owner' AND user_id <> $2",
    )
    .bind(workspace_id)
    .bind(user_id)
    .fetch_one(&mut *tx)
    .await?;
    if others.try_get::<i64, _>(0)? == 0 {
        return Err(StoreError::Conflict);
    }
    Ok(())
}
