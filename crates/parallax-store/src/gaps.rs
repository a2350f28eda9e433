//! The gap register: gaps, their actions and comments, each gap's history,
//! and the proposals people dismissed.
//!
//! Gaps carry a version: an edit names the version it read and fails with
//! `Conflict` when the row moved on.

use std::str::FromStr;

use parallax_domain::gap::{ActionKind, ActionStatus, GapStatus, Severity};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;
use utoipa::ToSchema;

use crate::{Result, Store, StoreError, now_ms};

/// A gap.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GapRecord {
    /// Primary key.
    pub id: i64,
    /// Workspace.
    pub workspace_id: i64,
    /// The revealed round it came from.
    pub round_id: i64,
    /// The question it is about, if one.
    pub question_key: Option<String>,
    /// The participant whose reading differs, if one.
    pub participant_id: Option<i64>,
    /// The analysis proposal it was accepted from.
    pub proposal_key: Option<String>,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Severity.
    pub severity: Severity,
    /// Status.
    pub status: GapStatus,
    /// The decision taken.
    pub decision: String,
    /// The analysis theme it belongs to, if any.
    pub theme: Option<String>,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Who added it.
    pub created_by: Option<i64>,
    /// Added, Unix ms.
    pub created_at: i64,
    /// Last change, Unix ms.
    pub updated_at: i64,
}

/// A gap to add.
#[derive(Debug, Clone, Copy)]
pub struct NewGap<'a> {
    /// Workspace.
    pub workspace_id: i64,
    /// Revealed round.
    pub round_id: i64,
    /// Question.
    pub question_key: Option<&'a str>,
    /// Participant.
    pub participant_id: Option<i64>,
    /// Proposal it comes from.
    pub proposal_key: Option<&'a str>,
    /// Title.
    pub title: &'a str,
    /// Description.
    pub description: &'a str,
    /// Severity.
    pub severity: Severity,
    /// Analysis theme.
    pub theme: Option<&'a str>,
    /// Who adds it.
    pub created_by: i64,
}

/// The editable fields of a gap.
#[derive(Debug, Clone, Copy)]
pub struct GapChange<'a> {
    /// Title.
    pub title: &'a str,
    /// Description.
    pub description: &'a str,
    /// Severity.
    pub severity: Severity,
    /// Status.
    pub status: GapStatus,
    /// Decision.
    pub decision: &'a str,
}

/// An action on a gap.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ActionRecord {
    /// Primary key.
    pub id: i64,
    /// Its gap.
    pub gap_id: i64,
    /// Kind.
    pub kind: ActionKind,
    /// What is to be done.
    pub title: String,
    /// Who does it.
    pub owner_id: Option<i64>,
    /// Their display name.
    pub owner_name: Option<String>,
    /// Due date, Unix ms.
    pub due_at: Option<i64>,
    /// Status.
    pub status: ActionStatus,
    /// Added, Unix ms.
    pub created_at: i64,
}

/// An open action of one person, with where it lives.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OwnedActionRecord {
    /// The action.
    pub action: ActionRecord,
    /// Workspace.
    pub workspace_id: i64,
    /// Workspace name.
    pub workspace_name: String,
    /// The gap's title.
    pub gap_title: String,
    /// The gap's round (for the visibility check).
    pub round_id: i64,
}

/// A comment on an action.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CommentRecord {
    /// The action.
    pub action_id: i64,
    /// Author's name (None once the account is deleted).
    pub author_name: Option<String>,
    /// Text.
    pub body: String,
    /// When, Unix ms.
    pub created_at: i64,
}

/// One entry of a gap's history.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GapEventRecord {
    /// Who (None once the account is deleted).
    pub actor_name: Option<String>,
    /// What happened.
    pub what: String,
    /// When, Unix ms.
    pub at: i64,
}

fn parsed<T: FromStr>(row: &AnyRow, column: &'static str) -> Result<T> {
    row.try_get::<String, _>(column)?
        .parse()
        .map_err(|_| StoreError::Corrupt(column))
}

fn gap_from_row(row: &AnyRow) -> Result<GapRecord> {
    Ok(GapRecord {
        id: row.try_get("id")?,
        workspace_id: row.try_get("workspace_id")?,
        round_id: row.try_get("round_id")?,
        question_key: row.try_get("question_key")?,
        participant_id: row.try_get("participant_id")?,
        proposal_key: row.try_get("proposal_key")?,
        title: row.try_get("title")?,
        description: row.try_get("description")?,
        severity: parsed(row, "severity")?,
        status: parsed(row, "status")?,
        decision: row.try_get("decision")?,
        theme: row.try_get("theme")?,
        version: row.try_get("version")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn action_from_row(row: &AnyRow) -> Result<ActionRecord> {
    Ok(ActionRecord {
        id: row.try_get("id")?,
        gap_id: row.try_get("gap_id")?,
        kind: parsed(row, "kind")?,
        title: row.try_get("title")?,
        owner_id: row.try_get("owner_id")?,
        owner_name: row.try_get("owner_name")?,
        due_at: row.try_get("due_at")?,
        status: parsed(row, "status")?,
        created_at: row.try_get("created_at")?,
    })
}

const GAP_COLUMNS: &str = "id, workspace_id, round_id, question_key, participant_id, proposal_key, title, description, severity, status, decision, theme, version, created_by, created_at, updated_at";
const ACTION_SELECT: &str = "SELECT a.id, a.gap_id, a.kind, a.title, a.owner_id, u.name AS owner_name, a.due_at, a.status, a.created_at \
     FROM gap_actions a LEFT JOIN users u ON u.id = a.owner_id";

impl Store {
    /// Adds a gap and the first entry of its history. Accepting the same
    /// proposal twice is `Duplicate`.
    pub async fn insert_gap(&self, new: &NewGap<'_>, title_key: &str) -> Result<GapRecord> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(&format!(
            "INSERT INTO gaps (workspace_id, round_id, question_key, participant_id, proposal_key, title, title_key, description, severity, status, decision, theme, version, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open', '', $10, 1, $11, $12, $12) RETURNING {GAP_COLUMNS}"
        ))
        .bind(new.workspace_id)
        .bind(new.round_id)
        .bind(new.question_key)
        .bind(new.participant_id)
        .bind(new.proposal_key)
        .bind(new.title)
        .bind(title_key)
        .bind(new.description)
        .bind(new.severity.as_str())
        .bind(new.theme)
        .bind(new.created_by)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(StoreError::from_sqlx)?;
        let gap = gap_from_row(&row)?;
        insert_event(&mut tx, gap.id, new.created_by, "gap added").await?;
        tx.commit().await?;
        Ok(gap)
    }

    /// The gaps of a workspace, newest first.
    pub async fn gaps(&self, workspace_id: i64) -> Result<Vec<GapRecord>> {
        sqlx::query(&format!(
            "SELECT {GAP_COLUMNS} FROM gaps WHERE workspace_id = $1 ORDER BY id DESC"
        ))
        .bind(workspace_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(gap_from_row)
        .collect()
    }

    /// One gap of a workspace (`NotFound` for another workspace's gap).
    pub async fn gap(&self, workspace_id: i64, gap_id: i64) -> Result<GapRecord> {
        let row = sqlx::query(&format!(
            "SELECT {GAP_COLUMNS} FROM gaps WHERE id = $1 AND workspace_id = $2"
        ))
        .bind(gap_id)
        .bind(workspace_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        gap_from_row(&row)
    }

    /// Changes a gap still at `expected_version` and records `what` in its
    /// history, in one transaction.
    pub async fn update_gap(
        &self,
        gap_id: i64,
        expected_version: i64,
        change: &GapChange<'_>,
        title_key: &str,
        actor_id: i64,
        what: &str,
    ) -> Result<GapRecord> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(&format!(
            "UPDATE gaps SET title = $1, title_key = $2, description = $3, severity = $4, status = $5, decision = $6, \
             version = version + 1, updated_at = $7 WHERE id = $8 AND version = $9 RETURNING {GAP_COLUMNS}"
        ))
        .bind(change.title)
        .bind(title_key)
        .bind(change.description)
        .bind(change.severity.as_str())
        .bind(change.status.as_str())
        .bind(change.decision)
        .bind(now_ms())
        .bind(gap_id)
        .bind(expected_version)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::Conflict)?;
        let gap = gap_from_row(&row)?;
        insert_event(&mut tx, gap_id, actor_id, what).await?;
        tx.commit().await?;
        Ok(gap)
    }

    /// Records an entry in a gap's history.
    pub async fn gap_event(&self, gap_id: i64, actor_id: i64, what: &str) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        insert_event(&mut conn, gap_id, actor_id, what).await
    }

    /// A gap's history, oldest first.
    pub async fn gap_events(&self, gap_id: i64) -> Result<Vec<GapEventRecord>> {
        sqlx::query(
            "SELECT u.name, e.what, e.at FROM gap_events e LEFT JOIN users u ON u.id = e.actor_id \
             WHERE e.gap_id = $1 ORDER BY e.id",
        )
        .bind(gap_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(GapEventRecord {
                actor_name: row.try_get(0)?,
                what: row.try_get(1)?,
                at: row.try_get(2)?,
            })
        })
        .collect()
    }

    /// Adds an action to a gap.
    pub async fn insert_action(
        &self,
        gap_id: i64,
        kind: ActionKind,
        title: &str,
        owner_id: i64,
        due_at: Option<i64>,
        created_by: i64,
    ) -> Result<ActionRecord> {
        let now = now_ms();
        let id: i64 = sqlx::query(
            "INSERT INTO gap_actions (gap_id, kind, title, owner_id, due_at, status, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, 'open', $6, $7, $7) RETURNING id",
        )
        .bind(gap_id)
        .bind(kind.as_str())
        .bind(title)
        .bind(owner_id)
        .bind(due_at)
        .bind(created_by)
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .map_err(StoreError::from_sqlx)?
        .try_get(0)?;
        self.action(gap_id, id).await
    }

    /// One action of a gap.
    pub async fn action(&self, gap_id: i64, action_id: i64) -> Result<ActionRecord> {
        let row = sqlx::query(&format!(
            "{ACTION_SELECT} WHERE a.id = $1 AND a.gap_id = $2"
        ))
        .bind(action_id)
        .bind(gap_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        action_from_row(&row)
    }

    /// The actions of a gap, oldest first.
    pub async fn actions(&self, gap_id: i64) -> Result<Vec<ActionRecord>> {
        sqlx::query(&format!(
            "{ACTION_SELECT} WHERE a.gap_id = $1 ORDER BY a.id"
        ))
        .bind(gap_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(action_from_row)
        .collect()
    }

    /// Every action of a workspace's gaps, oldest first.
    pub async fn workspace_actions(&self, workspace_id: i64) -> Result<Vec<ActionRecord>> {
        sqlx::query(&format!(
            "{ACTION_SELECT} JOIN gaps g ON g.id = a.gap_id WHERE g.workspace_id = $1 ORDER BY a.id"
        ))
        .bind(workspace_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(action_from_row)
        .collect()
    }

    /// Sets an action's status if it still has the status the editor saw
    /// (`from`); otherwise `Conflict`, so concurrent edits never silently
    /// overwrite each other.
    pub async fn set_action_status(
        &self,
        gap_id: i64,
        action_id: i64,
        from: ActionStatus,
        to: ActionStatus,
    ) -> Result<ActionRecord> {
        let changed = sqlx::query(
            "UPDATE gap_actions SET status = $1, updated_at = $2 WHERE id = $3 AND gap_id = $4 AND status = $5",
        )
        .bind(to.as_str())
        .bind(now_ms())
        .bind(action_id)
        .bind(gap_id)
        .bind(from.as_str())
        .execute(&self.pool)
        .await?
        .rows_affected();
        if changed == 0 {
            // Tell a missing action from one that moved on.
            self.action(gap_id, action_id).await?;
            return Err(StoreError::Conflict);
        }
        self.action(gap_id, action_id).await
    }

    /// The open actions a person owns, across workspaces, soonest due first.
    pub async fn open_actions_of(&self, owner_id: i64) -> Result<Vec<OwnedActionRecord>> {
        sqlx::query(
            "SELECT a.id, a.gap_id, a.kind, a.title, a.owner_id, u.name AS owner_name, a.due_at, a.status, a.created_at, \
             g.workspace_id, w.name AS workspace_name, g.title AS gap_title, g.round_id \
             FROM gap_actions a JOIN gaps g ON g.id = a.gap_id JOIN workspaces w ON w.id = g.workspace_id \
             LEFT JOIN users u ON u.id = a.owner_id \
             WHERE a.owner_id = $1 AND a.status IN ('open', 'in_progress') \
             ORDER BY CASE WHEN a.due_at IS NULL THEN 1 ELSE 0 END, a.due_at, a.id",
        )
        .bind(owner_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(OwnedActionRecord {
                action: action_from_row(row)?,
                workspace_id: row.try_get("workspace_id")?,
                workspace_name: row.try_get("workspace_name")?,
                gap_title: row.try_get("gap_title")?,
                round_id: row.try_get("round_id")?,
            })
        })
        .collect()
    }

    /// Adds a comment to an action.
    pub async fn add_comment(&self, action_id: i64, author_id: i64, body: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO action_comments (action_id, author_id, body, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(action_id)
        .bind(author_id)
        .bind(body)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The comments on a gap's actions, oldest first.
    pub async fn comments(&self, gap_id: i64) -> Result<Vec<CommentRecord>> {
        sqlx::query(
            "SELECT c.action_id, u.name, c.body, c.created_at FROM action_comments c \
             JOIN gap_actions a ON a.id = c.action_id LEFT JOIN users u ON u.id = c.author_id \
             WHERE a.gap_id = $1 ORDER BY c.id",
        )
        .bind(gap_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(CommentRecord {
                action_id: row.try_get(0)?,
                author_name: row.try_get(1)?,
                body: row.try_get(2)?,
                created_at: row.try_get(3)?,
            })
        })
        .collect()
    }

    /// Remembers that a proposal of a round was dismissed (once).
    pub async fn dismiss_proposal(&self, round_id: i64, key: &str, by: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO gap_dismissals (round_id, proposal_key, dismissed_by, dismissed_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (round_id, proposal_key) DO NOTHING",
        )
        .bind(round_id)
        .bind(key)
        .bind(by)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The dismissed proposals of a workspace's rounds: (round, key).
    pub async fn dismissed_proposals(&self, workspace_id: i64) -> Result<Vec<(i64, String)>> {
        sqlx::query(
            "SELECT d.round_id, d.proposal_key FROM gap_dismissals d JOIN rounds r ON r.id = d.round_id \
             WHERE r.workspace_id = $1",
        )
        .bind(workspace_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
        .collect()
    }
}

async fn insert_event(
    conn: &mut sqlx::AnyConnection,
    gap_id: i64,
    actor_id: i64,
    what: &str,
) -> Result<()> {
    sqlx::query("INSERT INTO gap_events (gap_id, actor_id, what, at) VALUES ($1, $2, $3, $4)")
        .bind(gap_id)
        .bind(actor_id)
        .bind(what)
        .bind(now_ms())
        .execute(&mut *conn)
        .await?;
    Ok(())
}
