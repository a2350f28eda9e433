//! Cadences: a workspace's recurring rounds, the occurrences skipped or
//! moved, and the occurrences the scheduler took (its claims).

use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;
use utoipa::ToSchema;

use crate::{Result, Store, StoreError, now_ms};

/// A workspace's cadence as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CadenceRecord {
    /// The workspace.
    pub workspace_id: i64,
    /// The RFC 5545 rule, without `RRULE:`.
    pub rule: String,
    /// IANA zone name.
    pub time_zone: String,
    /// The first occurrence's date, YYYY-MM-DD.
    pub first_date: String,
    /// Local time of day, HH:MM.
    pub local_time: String,
    /// Days from opening to the due date.
    pub answer_days: i64,
    /// Days from the due date to the listening session, if one is planned.
    pub session_days: Option<i64>,
    /// Who takes part besides the leader who set it.
    pub participants: Vec<i64>,
    /// Optimistic-concurrency version (send it back to change the cadence).
    pub version: i64,
    /// Who set it last (opens its rounds).
    pub updated_by: Option<i64>,
    /// When it was set last, Unix ms: occurrences before it are not opened.
    pub updated_at: i64,
}

/// What a cadence is set to.
#[derive(Debug, Clone)]
pub struct CadenceWrite<'a> {
    /// Rule.
    pub rule: &'a str,
    /// Zone.
    pub time_zone: &'a str,
    /// First date.
    pub first_date: &'a str,
    /// Local time.
    pub local_time: &'a str,
    /// Answering window in days.
    pub answer_days: i64,
    /// Session offset in days.
    pub session_days: Option<i64>,
    /// Participants.
    pub participants: &'a [i64],
    /// The version replaced; None for a first cadence.
    pub expected_version: Option<i64>,
}

fn cadence_from_row(row: &AnyRow) -> Result<CadenceRecord> {
    let participants: String = row.try_get("participants")?;
    Ok(CadenceRecord {
        workspace_id: row.try_get("workspace_id")?,
        rule: row.try_get("rule")?,
        time_zone: row.try_get("time_zone")?,
        first_date: row.try_get("first_date")?,
        local_time: row.try_get("local_time")?,
        answer_days: row.try_get("answer_days")?,
        session_days: row.try_get("session_days")?,
        participants: serde_json::from_str(&participants)
            .map_err(|_| StoreError::Corrupt("cadence participants"))?,
        version: row.try_get("version")?,
        updated_by: row.try_get("updated_by")?,
        updated_at: row.try_get("updated_at")?,
    })
}

const CADENCE_COLUMNS: &str = "workspace_id, rule, time_zone, first_date, local_time, answer_days, \
     session_days, participants, version, updated_by, updated_at";

impl Store {
    /// The workspace's cadence, if it has one.
    pub async fn cadence(&self, workspace_id: i64) -> Result<Option<CadenceRecord>> {
        sqlx::query(&format!(
            "SELECT {CADENCE_COLUMNS} FROM cadences WHERE workspace_id = $1"
        ))
        .bind(workspace_id)
        .fetch_optional(&self.pool)
        .await?
        .map(|row| cadence_from_row(&row))
        .transpose()
    }

    /// Every cadence, for the scheduler.
    pub async fn cadences(&self) -> Result<Vec<CadenceRecord>> {
        sqlx::query(&format!(
            "SELECT {CADENCE_COLUMNS} FROM cadences ORDER BY workspace_id"
        ))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(cadence_from_row)
        .collect()
    }

    /// Sets the cadence if it is still at `expected_version` (None: there is
    /// none yet); `Conflict` otherwise. Skipped and moved occurrences are
    /// kept only while the rule stays the same.
    pub async fn set_cadence(
        &self,
        workspace_id: i64,
        by: i64,
        write: &CadenceWrite<'_>,
    ) -> Result<CadenceRecord> {
        let participants =
            serde_json::to_string(write.participants).map_err(|_| StoreError::Corrupt("ids"))?;
        let mut tx = self.pool.begin().await?;
        let current = sqlx::query("SELECT version, rule, time_zone, first_date, local_time FROM cadences WHERE workspace_id = $1")
            .bind(workspace_id)
            .fetch_optional(&mut *tx)
            .await?;
        let version = match (&current, write.expected_version) {
            (None, None) => 1,
            (Some(row), Some(expected)) if row.try_get::<i64, _>("version")? == expected => {
                expected + 1
            }
            _ => return Err(StoreError::Conflict),
        };
        if let Some(row) = &current {
            let same_anchor = row.try_get::<String, _>("rule")? == write.rule
                && row.try_get::<String, _>("time_zone")? == write.time_zone
                && row.try_get::<String, _>("first_date")? == write.first_date
                && row.try_get::<String, _>("local_time")? == write.local_time;
            if !same_anchor {
                sqlx::query("DELETE FROM cadence_changes WHERE workspace_id = $1")
                    .bind(workspace_id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        sqlx::query(
            "INSERT INTO cadences (workspace_id, rule, time_zone, first_date, local_time, answer_days, \
             session_days, participants, version, updated_by, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (workspace_id) DO UPDATE SET rule = $2, time_zone = $3, first_date = $4, \
             local_time = $5, answer_days = $6, session_days = $7, participants = $8, version = $9, \
             updated_by = $10, updated_at = $11",
        )
        .bind(workspace_id)
        .bind(write.rule)
        .bind(write.time_zone)
        .bind(write.first_date)
        .bind(write.local_time)
        .bind(write.answer_days)
        .bind(write.session_days)
        .bind(participants)
        .bind(version)
        .bind(by)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.cadence(workspace_id)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Removes the cadence with its changes; whether there was one.
    pub async fn delete_cadence(&self, workspace_id: i64) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM cadence_changes WHERE workspace_id = $1")
            .bind(workspace_id)
            .execute(&mut *tx)
            .await?;
        let done = sqlx::query("DELETE FROM cadences WHERE workspace_id = $1")
            .bind(workspace_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    /// Skips (`moved_to` None) or moves one occurrence, replacing an earlier
    /// change to it.
    pub async fn change_occurrence(
        &self,
        workspace_id: i64,
        planned_at: i64,
        moved_to: Option<i64>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO cadence_changes (workspace_id, planned_at, moved_to) VALUES ($1, $2, $3) \
             ON CONFLICT (workspace_id, planned_at) DO UPDATE SET moved_to = $3",
        )
        .bind(workspace_id)
        .bind(planned_at)
        .bind(moved_to)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Undoes a skip or move.
    pub async fn restore_occurrence(&self, workspace_id: i64, planned_at: i64) -> Result<()> {
        sqlx::query("DELETE FROM cadence_changes WHERE workspace_id = $1 AND planned_at = $2")
            .bind(workspace_id)
            .bind(planned_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The changed occurrences: (planned, moved to; None = skipped).
    pub async fn occurrence_changes(&self, workspace_id: i64) -> Result<Vec<(i64, Option<i64>)>> {
        sqlx::query(
            "SELECT planned_at, moved_to FROM cadence_changes WHERE workspace_id = $1 ORDER BY planned_at",
        )
        .bind(workspace_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| Ok((row.try_get("planned_at")?, row.try_get("moved_to")?)))
        .collect()
    }

    /// The occurrences already taken, by planned time.
    pub async fn cadence_runs(&self, workspace_id: i64) -> Result<Vec<(i64, Option<i64>)>> {
        sqlx::query(
            "SELECT planned_at, round_id FROM cadence_runs WHERE workspace_id = $1 ORDER BY planned_at",
        )
        .bind(workspace_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| Ok((row.try_get("planned_at")?, row.try_get("round_id")?)))
        .collect()
    }

    /// Claims one occurrence for this instance; false when another took it.
    pub async fn claim_occurrence(&self, workspace_id: i64, planned_at: i64) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO cadence_runs (workspace_id, planned_at, opened_at) VALUES ($1, $2, $3) \
             ON CONFLICT (workspace_id, planned_at) DO NOTHING",
        )
        .bind(workspace_id)
        .bind(planned_at)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records the round a claimed occurrence opened.
    pub async fn record_run(
        &self,
        workspace_id: i64,
        planned_at: i64,
        round_id: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE cadence_runs SET round_id = $1 WHERE workspace_id = $2 AND planned_at = $3",
        )
        .bind(round_id)
        .bind(workspace_id)
        .bind(planned_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Plans a round's listening session.
    pub async fn set_session_at(&self, round_id: i64, at: Option<i64>) -> Result<()> {
        sqlx::query("UPDATE rounds SET session_at = $1 WHERE id = $2")
            .bind(at)
            .bind(round_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
