//! The audit log: who changed what, when.

use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use crate::{Result, Store, now_ms};

/// One entry of the audit log.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditRecord {
    /// Who acted (None once the account is deleted).
    pub actor_name: Option<String>,
    /// A stable action name, e.g. `member.removed`.
    pub action: String,
    /// Human-readable detail.
    pub detail: String,
    /// When, Unix ms.
    pub at: i64,
}

impl Store {
    /// Appends to a workspace's audit log.
    pub async fn audit(
        &self,
        workspace_id: Option<i64>,
        actor_id: Option<i64>,
        action: &str,
        detail: &str,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO audit_log (workspace_id, actor_id, action, detail, at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(workspace_id)
        .bind(actor_id)
        .bind(action)
        .bind(detail)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The newest entries of a workspace's audit log.
    pub async fn audit_log(&self, workspace_id: i64, limit: i64) -> Result<Vec<AuditRecord>> {
        sqlx::query(
            "SELECT u.name, a.action, a.detail, a.at FROM audit_log a \
             LEFT JOIN users u ON u.id = a.actor_id WHERE a.workspace_id = $1 \
             ORDER BY a.id DESC LIMIT $2",
        )
        .bind(workspace_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(AuditRecord {
                actor_name: row.try_get(0)?,
                action: row.try_get(1)?,
                detail: row.try_get(2)?,
                at: row.try_get(3)?,
            })
        })
        .collect()
    }
}
