//! Vision versions, alignment rounds, answers and the listening session.
//!
//! Answers and notes carry a version: a write names the version it read and
//! fails with `Conflict` when the row moved on. The answer write also checks,
//! in the same transaction, under the round's row lock, that the round still
//! takes answers — a write racing with the reveal can never land after it.

use parallax_domain::round::{Flag, RoundState};
use parallax_domain::vision::{AnswerValue, Pillar, Question};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;
use utoipa::ToSchema;

use crate::{Result, Store, StoreError, now_ms};

/// One version of a workspace's vision.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct VisionRecord {
    /// Primary key.
    pub id: i64,
    /// Workspace.
    pub workspace_id: i64,
    /// 1, 2, 3… within the workspace.
    pub number: i64,
    /// Questions in order.
    pub questions: Vec<Question>,
    /// Pillars.
    pub pillars: Vec<Pillar>,
    /// Used by a round: never changed again.
    pub frozen: bool,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Last change, Unix ms.
    pub updated_at: i64,
}

/// A round.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RoundRecord {
    /// Primary key.
    pub id: i64,
    /// Workspace.
    pub workspace_id: i64,
    /// The vision version it asks.
    pub vision_version_id: i64,
    /// Title.
    pub title: String,
    /// State.
    pub state: RoundState,
    /// Optional due date, Unix ms.
    pub due_at: Option<i64>,
    /// Who opened it.
    pub created_by: Option<i64>,
    /// Created, Unix ms.
    pub created_at: i64,
    /// Revealed, Unix ms.
    pub revealed_at: Option<i64>,
    /// When the listening session is planned, Unix ms (set by a cadence).
    pub session_at: Option<i64>,
}

/// A participant of a round.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ParticipantRecord {
    /// Account.
    pub user_id: i64,
    /// Display name.
    pub name: String,
    /// When they submitted, if they did.
    pub submitted_at: Option<i64>,
    /// Left out at an early reveal: their answers stay out of the round.
    pub excluded: bool,
}

/// One stored answer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AnswerRecord {
    /// Author.
    pub user_id: i64,
    /// Question.
    pub question_key: String,
    /// The answer.
    pub value: AnswerValue,
    /// Optimistic-concurrency version (1 for a new answer).
    pub version: i64,
    /// Last change, Unix ms.
    pub updated_at: i64,
}

/// The leader's note and flag on one question for one participant.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NoteRecord {
    /// Question.
    pub question_key: String,
    /// Whose answer it is about.
    pub participant_id: i64,
    /// The note.
    pub body: String,
    /// The flag, if set.
    pub flag: Option<Flag>,
    /// Shared with the participant it is about; otherwise only those who
    /// run rounds read the note (the flag is everyone's who sees the round).
    pub shared: bool,
    /// Optimistic-concurrency version.
    pub version: i64,
}

/// A note and flag to write, with the version it replaces (None: a first note).
#[derive(Debug, Clone, Copy)]
pub struct NoteWrite<'a> {
    /// Question.
    pub question_key: &'a str,
    /// Whose answer it is about.
    pub participant_id: i64,
    /// The note.
    pub body: &'a str,
    /// The flag, if any.
    pub flag: Option<Flag>,
    /// Share the note with the participant it is about.
    pub shared: bool,
    /// The version the writer saw.
    pub expected_version: Option<i64>,
}

/// A clarifying question to a participant, and their answer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ClarificationRecord {
    /// Primary key.
    pub id: i64,
    /// Question of the vision it is about.
    pub question_key: String,
    /// Who is asked.
    pub participant_id: i64,
    /// What is asked.
    pub question: String,
    /// Their answer, once given.
    pub answer: Option<String>,
    /// When asked, Unix ms.
    pub asked_at: i64,
}

/// Locks a round's row for the rest of the transaction and returns its state.
///
/// The no-op update is the one lock both backends share: on PostgreSQL it is
/// a row lock (a reveal and an answer write wait for each other), on SQLite
/// it takes the write lock up front, before any read, so a transaction never
/// has to upgrade a stale read snapshot (which SQLite refuses with BUSY).
async fn lock_round(tx: &mut sqlx::AnyConnection, round_id: i64) -> Result<Option<String>> {
    Ok(
        sqlx::query("UPDATE rounds SET state = state WHERE id = $1 RETURNING state")
            .bind(round_id)
            .fetch_optional(&mut *tx)
            .await?
            .map(|row| row.try_get::<String, _>(0))
            .transpose()?,
    )
}

/// Adds version `number` of a workspace's vision on an open connection (also
/// inside the transaction that creates the workspace).
pub(crate) async fn insert_vision_row(
    conn: &mut sqlx::AnyConnection,
    workspace_id: i64,
    number: i64,
    (questions, pillars): (&[Question], &[Pillar]),
    created_by: i64,
) -> Result<VisionRecord> {
    let row = sqlx::query(&format!(
        "INSERT INTO vision_versions (workspace_id, number, questions, pillars, frozen, version, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 0, 1, $5, $6, $6) RETURNING {VISION_COLUMNS}"
    ))
    .bind(workspace_id)
    .bind(number)
    .bind(to_json(&questions))
    .bind(to_json(&pillars))
    .bind(created_by)
    .bind(now_ms())
    .fetch_one(&mut *conn)
    .await
    .map_err(StoreError::from_sqlx)?;
    vision_from_row(&row)
}

fn json_column<T: serde::de::DeserializeOwned>(row: &AnyRow, column: &'static str) -> Result<T> {
    let text: String = row.try_get(column)?;
    serde_json::from_str(&text).map_err(|_| StoreError::Corrupt(column))
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("domain values serialise")
}

fn vision_from_row(row: &AnyRow) -> Result<VisionRecord> {
    Ok(VisionRecord {
        id: row.try_get("id")?,
        workspace_id: row.try_get("workspace_id")?,
        number: row.try_get("number")?,
        questions: json_column(row, "questions")?,
        pillars: json_column(row, "pillars")?,
        frozen: row.try_get::<i64, _>("frozen")? != 0,
        version: row.try_get("version")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn round_from_row(row: &AnyRow) -> Result<RoundRecord> {
    Ok(RoundRecord {
        id: row.try_get("id")?,
        workspace_id: row.try_get("workspace_id")?,
        vision_version_id: row.try_get("vision_version_id")?,
        title: row.try_get("title")?,
        state: row
            .try_get::<String, _>("state")?
            .parse()
            .map_err(|_| StoreError::Corrupt("state"))?,
        due_at: row.try_get("due_at")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        revealed_at: row.try_get("revealed_at")?,
        session_at: row.try_get("session_at")?,
    })
}

fn answer_from_row(row: &AnyRow) -> Result<AnswerRecord> {
    Ok(AnswerRecord {
        user_id: row.try_get("user_id")?,
        question_key: row.try_get("question_key")?,
        value: json_column(row, "value")?,
        version: row.try_get("version")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn note_from_row(row: &AnyRow) -> Result<NoteRecord> {
    Ok(NoteRecord {
        question_key: row.try_get("question_key")?,
        participant_id: row.try_get("participant_id")?,
        body: row.try_get("body")?,
        flag: row
            .try_get::<Option<String>, _>("flag")?
            .map(|f| f.parse().map_err(|_| StoreError::Corrupt("flag")))
            .transpose()?,
        shared: row.try_get::<i64, _>("shared")? != 0,
        version: row.try_get("version")?,
    })
}

const VISION_COLUMNS: &str =
    "id, workspace_id, number, questions, pillars, frozen, version, updated_at";
const ROUND_COLUMNS: &str = "id, workspace_id, vision_version_id, title, state, due_at, created_by, created_at, revealed_at, session_at";
const ANSWER_COLUMNS: &str = "user_id, question_key, value, version, updated_at";

impl Store {
    /// The newest vision version of a workspace.
    pub async fn latest_vision(&self, workspace_id: i64) -> Result<Option<VisionRecord>> {
        sqlx::query(&format!(
            "SELECT {VISION_COLUMNS} FROM vision_versions WHERE workspace_id = $1 ORDER BY number DESC LIMIT 1"
        ))
        .bind(workspace_id)
        .fetch_optional(&self.pool)
        .await?
        .map(|row| vision_from_row(&row))
        .transpose()
    }

    /// One vision version by its number.
    pub async fn vision_by_number(&self, workspace_id: i64, number: i64) -> Result<VisionRecord> {
        let row = sqlx::query(&format!(
            "SELECT {VISION_COLUMNS} FROM vision_versions WHERE workspace_id = $1 AND number = $2"
        ))
        .bind(workspace_id)
        .bind(number)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        vision_from_row(&row)
    }

    /// One vision version by id.
    pub async fn vision_by_id(&self, id: i64) -> Result<VisionRecord> {
        let row = sqlx::query(&format!(
            "SELECT {VISION_COLUMNS} FROM vision_versions WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        vision_from_row(&row)
    }

    /// Every version of a workspace's vision, newest first.
    pub async fn vision_versions(&self, workspace_id: i64) -> Result<Vec<VisionRecord>> {
        sqlx::query(&format!(
            "SELECT {VISION_COLUMNS} FROM vision_versions WHERE workspace_id = $1 ORDER BY number DESC"
        ))
        .bind(workspace_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(vision_from_row)
        .collect()
    }

    /// Adds version `number` of a workspace's vision. Two writers creating the
    /// same number collide on the unique key (`Duplicate`).
    pub async fn insert_vision(
        &self,
        workspace_id: i64,
        number: i64,
        questions: &[Question],
        pillars: &[Pillar],
        created_by: i64,
    ) -> Result<VisionRecord> {
        let mut conn = self.pool.acquire().await?;
        insert_vision_row(
            &mut conn,
            workspace_id,
            number,
            (questions, pillars),
            created_by,
        )
        .await
    }

    /// Changes an unfrozen vision version that is still at `expected_version`.
    pub async fn update_vision(
        &self,
        id: i64,
        expected_version: i64,
        questions: &[Question],
        pillars: &[Pillar],
    ) -> Result<VisionRecord> {
        sqlx::query(&format!(
            "UPDATE vision_versions SET questions = $1, pillars = $2, version = version + 1, updated_at = $3 \
             WHERE id = $4 AND version = $5 AND frozen = 0 RETURNING {VISION_COLUMNS}"
        ))
        .bind(to_json(&questions))
        .bind(to_json(&pillars))
        .bind(now_ms())
        .bind(id)
        .bind(expected_version)
        .fetch_optional(&self.pool)
        .await?
        .map(|row| vision_from_row(&row))
        .transpose()?
        .ok_or(StoreError::Conflict)
    }

    /// Opens a draft round on a vision version, freezing that version.
    pub async fn create_round(
        &self,
        workspace_id: i64,
        vision_version_id: i64,
        title: &str,
        due_at: Option<i64>,
        created_by: i64,
        participants: &[i64],
    ) -> Result<RoundRecord> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE vision_versions SET frozen = 1 WHERE id = $1 AND workspace_id = $2")
            .bind(vision_version_id)
            .bind(workspace_id)
            .execute(&mut *tx)
            .await?;
        let row = sqlx::query(&format!(
            "INSERT INTO rounds (workspace_id, vision_version_id, title, state, due_at, created_by, created_at) \
             VALUES ($1, $2, $3, 'draft', $4, $5, $6) RETURNING {ROUND_COLUMNS}"
        ))
        .bind(workspace_id)
        .bind(vision_version_id)
        .bind(title)
        .bind(due_at)
        .bind(created_by)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        let round = round_from_row(&row)?;
        for user_id in participants {
            sqlx::query("INSERT INTO round_participants (round_id, user_id) VALUES ($1, $2)")
                .bind(round.id)
                .bind(user_id)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::from_sqlx)?;
        }
        tx.commit().await?;
        Ok(round)
    }

    /// The rounds of a workspace, newest first.
    pub async fn rounds(&self, workspace_id: i64) -> Result<Vec<RoundRecord>> {
        sqlx::query(&format!(
            "SELECT {ROUND_COLUMNS} FROM rounds WHERE workspace_id = $1 ORDER BY id DESC"
        ))
        .bind(workspace_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(round_from_row)
        .collect()
    }

    /// The rounds of a workspace, newest first, each with whether `user_id`
    /// takes part in it — one query for the access checks of a round list.
    pub async fn rounds_with_participation(
        &self,
        workspace_id: i64,
        user_id: i64,
    ) -> Result<Vec<(RoundRecord, bool)>> {
        sqlx::query(&format!(
            "SELECT {ROUND_COLUMNS}, (SELECT COUNT(*) FROM round_participants p \
             WHERE p.round_id = rounds.id AND p.user_id = $2) AS takes_part \
             FROM rounds WHERE workspace_id = $1 ORDER BY id DESC"
        ))
        .bind(workspace_id)
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok((
                round_from_row(row)?,
                row.try_get::<i64, _>("takes_part")? > 0,
            ))
        })
        .collect()
    }

    /// One round of a workspace (`NotFound` for another workspace's round).
    pub async fn round(&self, workspace_id: i64, round_id: i64) -> Result<RoundRecord> {
        let row = sqlx::query(&format!(
            "SELECT {ROUND_COLUMNS} FROM rounds WHERE id = $1 AND workspace_id = $2"
        ))
        .bind(round_id)
        .bind(workspace_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        round_from_row(&row)
    }

    /// A round by id alone, for background jobs that hold no caller.
    pub async fn round_by_id(&self, round_id: i64) -> Result<RoundRecord> {
        let row = sqlx::query(&format!("SELECT {ROUND_COLUMNS} FROM rounds WHERE id = $1"))
            .bind(round_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        round_from_row(&row)
    }

    /// Moves a round from one of `from` to `to`; `Conflict` when it is in
    /// another state.
    pub async fn transition_round(
        &self,
        round_id: i64,
        from: RoundState,
        to: RoundState,
    ) -> Result<()> {
        self.transition_round_with_mail(round_id, from, to, &[])
            .await
    }

    /// [`Store::transition_round`] and the mail it causes, in one
    /// transaction: the mail is queued exactly when the change happens.
    pub async fn transition_round_with_mail(
        &self,
        round_id: i64,
        from: RoundState,
        to: RoundState,
        mails: &[crate::NewMail],
    ) -> Result<()> {
        let stamp = match to {
            RoundState::Answering => "sent_at",
            RoundState::Revealed => "revealed_at",
            RoundState::Closed => "closed_at",
            RoundState::Draft => return Err(StoreError::Conflict),
        };
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(&format!(
            "UPDATE rounds SET state = $1, {stamp} = $2 WHERE id = $3 AND state = $4"
        ))
        .bind(to.as_str())
        .bind(now_ms())
        .bind(round_id)
        .bind(from.as_str())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict);
        }
        for mail in mails {
            crate::outbox::queue_mail(&mut *tx, mail).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Reveals an answering round. When `exclude_unsubmitted`, participants
    /// who have not submitted are left out; otherwise everyone must have
    /// submitted (`Conflict`). One transaction, the round row locked.
    pub async fn reveal_round(
        &self,
        round_id: i64,
        exclude_unsubmitted: bool,
        mails: &[crate::NewMail],
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let state = lock_round(&mut tx, round_id).await?;
        if state.as_deref() != Some(RoundState::Answering.as_str()) {
            return Err(StoreError::Conflict);
        }
        let pending: i64 = sqlx::query(
            "SELECT COUNT(*) FROM round_participants WHERE round_id = $1 AND submitted_at IS NULL",
        )
        .bind(round_id)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        if pending > 0 && !exclude_unsubmitted {
            return Err(StoreError::Conflict);
        }
        sqlx::query("UPDATE round_participants SET excluded = 1 WHERE round_id = $1 AND submitted_at IS NULL")
            .bind(round_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE rounds SET state = 'revealed', revealed_at = $1 WHERE id = $2")
            .bind(now_ms())
            .bind(round_id)
            .execute(&mut *tx)
            .await?;
        for mail in mails {
            crate::outbox::queue_mail(&mut *tx, mail).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Replaces the participants of a draft round.
    pub async fn set_participants(&self, round_id: i64, participants: &[i64]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let state = lock_round(&mut tx, round_id).await?;
        if state.as_deref() != Some(RoundState::Draft.as_str()) {
            return Err(StoreError::Conflict);
        }
        sqlx::query("DELETE FROM round_participants WHERE round_id = $1")
            .bind(round_id)
            .execute(&mut *tx)
            .await?;
        for user_id in participants {
            sqlx::query("INSERT INTO round_participants (round_id, user_id) VALUES ($1, $2)")
                .bind(round_id)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The participants of a round, by name.
    pub async fn participants(&self, round_id: i64) -> Result<Vec<ParticipantRecord>> {
        sqlx::query(
            "SELECT p.user_id, u.name, p.submitted_at, p.excluded FROM round_participants p \
             JOIN users u ON u.id = p.user_id WHERE p.round_id = $1 ORDER BY u.name, u.id",
        )
        .bind(round_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(ParticipantRecord {
                user_id: row.try_get("user_id")?,
                name: row.try_get("name")?,
                submitted_at: row.try_get("submitted_at")?,
                excluded: row.try_get::<i64, _>("excluded")? != 0,
            })
        })
        .collect()
    }

    /// One author's answers in a round.
    pub async fn answers_of(&self, round_id: i64, user_id: i64) -> Result<Vec<AnswerRecord>> {
        sqlx::query(&format!(
            "SELECT {ANSWER_COLUMNS} FROM answers WHERE round_id = $1 AND user_id = $2"
        ))
        .bind(round_id)
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(answer_from_row)
        .collect()
    }

    /// Every answer of a round's non-excluded participants. Callers must have
    /// checked that the round is revealed: this does not.
    pub async fn revealed_answers(&self, round_id: i64) -> Result<Vec<AnswerRecord>> {
        sqlx::query(
            "SELECT a.user_id, a.question_key, a.value, a.version, a.updated_at FROM answers a \
             JOIN round_participants p ON p.round_id = a.round_id AND p.user_id = a.user_id \
             WHERE a.round_id = $1 AND p.excluded = 0",
        )
        .bind(round_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(answer_from_row)
        .collect()
    }

    /// Writes an answer while the round takes answers. `expected_version`
    /// None creates it (a concurrent creation wins, this one gets
    /// `Conflict`); Some(v) replaces version v.
    pub async fn save_answer(
        &self,
        round_id: i64,
        user_id: i64,
        question_key: &str,
        value: &AnswerValue,
        expected_version: Option<i64>,
    ) -> Result<AnswerRecord> {
        let mut tx = self.pool.begin().await?;
        let open =
            lock_round(&mut tx, round_id).await?.as_deref() == Some(RoundState::Answering.as_str());
        let participant =
            sqlx::query("SELECT 1 FROM round_participants WHERE round_id = $1 AND user_id = $2")
                .bind(round_id)
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?
                .is_some();
        if !open || !participant {
            return Err(StoreError::Conflict);
        }
        let now = now_ms();
        let value = to_json(value);
        let row = match expected_version {
            None => sqlx::query(&format!(
                "INSERT INTO answers (round_id, user_id, question_key, value, version, updated_at) \
                 VALUES ($1, $2, $3, $4, 1, $5) ON CONFLICT (round_id, user_id, question_key) DO NOTHING \
                 RETURNING {ANSWER_COLUMNS}"
            ))
            .bind(round_id)
            .bind(user_id)
            .bind(question_key)
            .bind(&value)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?,
            Some(version) => sqlx::query(&format!(
                "UPDATE answers SET value = $1, version = version + 1, updated_at = $2 \
                 WHERE round_id = $3 AND user_id = $4 AND question_key = $5 AND version = $6 \
                 RETURNING {ANSWER_COLUMNS}"
            ))
            .bind(&value)
            .bind(now)
            .bind(round_id)
            .bind(user_id)
            .bind(question_key)
            .bind(version)
            .fetch_optional(&mut *tx)
            .await?,
        };
        let record = row
            .map(|r| answer_from_row(&r))
            .transpose()?
            .ok_or(StoreError::Conflict)?;
        tx.commit().await?;
        Ok(record)
    }

    /// Removes an answer while the round takes answers, if it is still at
    /// `version`; `Conflict` otherwise (round closed, no such answer, or a
    /// newer version).
    pub async fn clear_answer(
        &self,
        round_id: i64,
        user_id: i64,
        question_key: &str,
        version: i64,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let open =
            lock_round(&mut tx, round_id).await?.as_deref() == Some(RoundState::Answering.as_str());
        if !open {
            return Err(StoreError::Conflict);
        }
        let done = sqlx::query(
            "DELETE FROM answers WHERE round_id = $1 AND user_id = $2 AND question_key = $3 AND version = $4",
        )
        .bind(round_id)
        .bind(user_id)
        .bind(question_key)
        .bind(version)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict);
        }
        tx.commit().await?;
        Ok(())
    }

    /// Marks a participant's answers submitted while the round takes answers.
    pub async fn submit_answers(&self, round_id: i64, user_id: i64) -> Result<()> {
        let done = sqlx::query(
            "UPDATE round_participants SET submitted_at = $1 WHERE round_id = $2 AND user_id = $3 \
             AND EXISTS (SELECT 1 FROM rounds WHERE id = $2 AND state = 'answering')",
        )
        .bind(now_ms())
        .bind(round_id)
        .bind(user_id)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict);
        }
        Ok(())
    }

    /// The notes and flags of a round.
    pub async fn notes(&self, round_id: i64) -> Result<Vec<NoteRecord>> {
        sqlx::query(
            "SELECT question_key, participant_id, body, flag, shared, version FROM listening_notes WHERE round_id = $1",
        )
        .bind(round_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(note_from_row)
        .collect()
    }

    /// Writes a note and flag; versioned like answers.
    pub async fn save_note(
        &self,
        round_id: i64,
        author_id: i64,
        note: &NoteWrite<'_>,
    ) -> Result<NoteRecord> {
        let NoteWrite {
            question_key,
            participant_id,
            body,
            flag,
            shared,
            expected_version,
        } = *note;
        let now = now_ms();
        let columns = "question_key, participant_id, body, flag, shared, version";
        let row = match expected_version {
            None => sqlx::query(&format!(
                "INSERT INTO listening_notes (round_id, question_key, participant_id, body, flag, shared, version, updated_by, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8) ON CONFLICT (round_id, question_key, participant_id) DO NOTHING \
                 RETURNING {columns}"
            ))
            .bind(round_id)
            .bind(question_key)
            .bind(participant_id)
            .bind(body)
            .bind(flag.map(Flag::as_str))
            .bind(i64::from(shared))
            .bind(author_id)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?,
            Some(version) => sqlx::query(&format!(
                "UPDATE listening_notes SET body = $1, flag = $2, shared = $3, version = version + 1, updated_by = $4, updated_at = $5 \
                 WHERE round_id = $6 AND question_key = $7 AND participant_id = $8 AND version = $9 RETURNING {columns}"
            ))
            .bind(body)
            .bind(flag.map(Flag::as_str))
            .bind(i64::from(shared))
            .bind(author_id)
            .bind(now)
            .bind(round_id)
            .bind(question_key)
            .bind(participant_id)
            .bind(version)
            .fetch_optional(&self.pool)
            .await?,
        };
        row.map(|r| note_from_row(&r))
            .transpose()?
            .ok_or(StoreError::Conflict)
    }

    /// Records a clarifying question.
    pub async fn ask_clarification(
        &self,
        round_id: i64,
        question_key: &str,
        participant_id: i64,
        asked_by: i64,
        question: &str,
    ) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO clarifications (round_id, question_key, participant_id, asked_by, question, asked_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(round_id)
        .bind(question_key)
        .bind(participant_id)
        .bind(asked_by)
        .bind(question)
        .bind(now_ms())
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get(0)?)
    }

    /// Answers a clarifying question addressed to `participant_id`.
    pub async fn answer_clarification(
        &self,
        round_id: i64,
        id: i64,
        participant_id: i64,
        answer: &str,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE clarifications SET answer = $1, answered_at = $2 WHERE id = $3 AND round_id = $4 AND participant_id = $5",
        )
        .bind(answer)
        .bind(now_ms())
        .bind(id)
        .bind(round_id)
        .bind(participant_id)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// The clarifications of a round, oldest first.
    pub async fn clarifications(&self, round_id: i64) -> Result<Vec<ClarificationRecord>> {
        sqlx::query(
            "SELECT id, question_key, participant_id, question, answer, asked_at FROM clarifications \
             WHERE round_id = $1 ORDER BY id",
        )
        .bind(round_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(ClarificationRecord {
                id: row.try_get("id")?,
                question_key: row.try_get("question_key")?,
                participant_id: row.try_get("participant_id")?,
                question: row.try_get("question")?,
                answer: row.try_get("answer")?,
                asked_at: row.try_get("asked_at")?,
            })
        })
        .collect()
    }
}
