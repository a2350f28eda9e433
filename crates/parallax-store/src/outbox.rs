//! The outbox: mail written with what caused it, claimed by one worker,
//! retried with backoff, given up after a limit with the reason kept.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Result, Store, now_ms};

/// A mail to queue.
#[derive(Debug, Clone)]
pub struct NewMail {
    /// What it is about, e.g. `round_open` (also what one unsubscribes from).
    pub kind: &'static str,
    /// The person it goes to.
    pub user_id: i64,
    /// Their address.
    pub address: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
    /// `<…@host>`, the same on every attempt.
    pub message_id: String,
    /// Hash of the one-click unsubscribe secret.
    pub unsubscribe_hash: Option<String>,
    /// When to send it, Unix ms; None: now.
    pub send_at: Option<i64>,
    /// The round a reminder is about (dropped once its person submitted).
    pub round_id: Option<i64>,
}

/// A queued mail as the worker sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailRecord {
    /// Row id.
    pub id: i64,
    /// Kind.
    pub kind: String,
    /// Recipient account.
    pub user_id: Option<i64>,
    /// Address.
    pub address: String,
    /// Subject.
    pub subject: String,
    /// Body.
    pub body: String,
    /// Message-ID.
    pub message_id: String,
    /// queued, sending, sent or failed.
    pub status: String,
    /// Attempts made.
    pub attempts: i64,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// The round a reminder is about.
    pub round_id: Option<i64>,
}

fn mail_from_row(row: &AnyRow) -> Result<MailRecord> {
    Ok(MailRecord {
        id: row.try_get("id")?,
        kind: row.try_get("kind")?,
        user_id: row.try_get("user_id")?,
        address: row.try_get("address")?,
        subject: row.try_get("subject")?,
        body: row.try_get("body")?,
        message_id: row.try_get("message_id")?,
        status: row.try_get("status")?,
        attempts: row.try_get("attempts")?,
        last_error: row.try_get("last_error")?,
        round_id: row.try_get("round_id")?,
    })
}

const MAIL_COLUMNS: &str =
    "id, kind, user_id, address, subject, body, message_id, status, attempts, last_error, round_id";

pub(crate) async fn queue_mail<'c, E>(executor: E, mail: &NewMail) -> Result<()>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let now = now_ms();
    sqlx::query(
        "INSERT INTO outbox (kind, user_id, address, subject, body, message_id, unsubscribe_hash, \
         status, attempts, next_attempt_at, created_at, round_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', 0, $8, $9, $10)",
    )
    .bind(mail.kind)
    .bind(mail.user_id)
    .bind(&mail.address)
    .bind(&mail.subject)
    .bind(&mail.body)
    .bind(&mail.message_id)
    .bind(&mail.unsubscribe_hash)
    .bind(mail.send_at.unwrap_or(now))
    .bind(now)
    .bind(mail.round_id)
    .execute(executor)
    .await?;
    Ok(())
}

impl Store {
    /// Records a password reset link for `user_id` and queues its mail, in
    /// one transaction.
    pub async fn create_password_reset(
        &self,
        user_id: i64,
        token_hash: &str,
        expires_at: i64,
        mail: &NewMail,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(now_ms())
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        queue_mail(&mut *tx, mail).await?;
        tx.commit().await?;
        Ok(())
    }

    /// When `user_id` last asked for a reset link, if ever.
    pub async fn last_password_reset(&self, user_id: i64) -> Result<Option<i64>> {
        Ok(
            sqlx::query("SELECT MAX(created_at) AS at FROM password_resets WHERE user_id = $1")
                .bind(user_id)
                .fetch_one(&self.pool)
                .await?
                .try_get("at")?,
        )
    }

    /// Uses a reset link once: the account it is for, if it is unused and
    /// not expired at `now`; it cannot be used again.
    pub async fn take_password_reset(&self, token_hash: &str, now: i64) -> Result<Option<i64>> {
        Ok(sqlx::query(
            "UPDATE password_resets SET used_at = $1 \
             WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING user_id",
        )
        .bind(now)
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?
        .map(|row| row.try_get("user_id"))
        .transpose()?)
    }

    /// Whether a reset link would work at `now` (for showing its form).
    pub async fn password_reset_open(&self, token_hash: &str, now: i64) -> Result<bool> {
        Ok(sqlx::query(
            "SELECT 1 AS one FROM password_resets WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?
        .is_some())
    }

    /// Claims the oldest mail due at `now` (or one whose worker died
    /// `stale_before`): one worker across instances gets each.
    pub async fn claim_mail(&self, now: i64, stale_before: i64) -> Result<Option<MailRecord>> {
        let candidates: Vec<i64> = sqlx::query(
            "SELECT id FROM outbox WHERE (status = 'queued' AND next_attempt_at <= $1) \
             OR (status = 'sending' AND claimed_at < $2) ORDER BY next_attempt_at, id LIMIT 5",
        )
        .bind(now)
        .bind(stale_before)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| row.try_get("id"))
        .collect::<Result<_, _>>()?;
        for id in candidates {
            let claimed = sqlx::query(
                "UPDATE outbox SET status = 'sending', claimed_at = $1, attempts = attempts + 1 \
                 WHERE id = $2 AND ((status = 'queued' AND next_attempt_at <= $1) \
                 OR (status = 'sending' AND claimed_at < $3))",
            )
            .bind(now)
            .bind(id)
            .bind(stale_before)
            .execute(&self.pool)
            .await?
            .rows_affected();
            if claimed == 1 {
                let row = sqlx::query(&format!("SELECT {MAIL_COLUMNS} FROM outbox WHERE id = $1"))
                    .bind(id)
                    .fetch_one(&self.pool)
                    .await?;
                return mail_from_row(&row).map(Some);
            }
        }
        Ok(None)
    }

    /// Marks a claimed mail sent.
    pub async fn mail_sent(&self, id: i64) -> Result<()> {
        sqlx::query(
            "UPDATE outbox SET status = 'sent', sent_at = $1, last_error = NULL WHERE id = $2",
        )
        .bind(now_ms())
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Puts a claimed mail back for another attempt at `retry_at`, or gives
    /// it up (`retry_at` None) with the reason.
    pub async fn mail_failed(&self, id: i64, error: &str, retry_at: Option<i64>) -> Result<()> {
        let (status, at) = match retry_at {
            Some(at) => ("queued", at),
            None => ("failed", now_ms()),
        };
        sqlx::query(
            "UPDATE outbox SET status = $1, next_attempt_at = $2, last_error = $3 WHERE id = $4",
        )
        .bind(status)
        .bind(at)
        .bind(error)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Drops a claimed reminder that is no longer needed.
    pub async fn mail_dropped(&self, id: i64) -> Result<()> {
        sqlx::query("UPDATE outbox SET status = 'dropped' WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// How many jobs of each kind are in each state: ("mail", "queued", 3),
    /// ("analysis", "failed", 1), … for operators.
    pub async fn job_counts(&self) -> Result<Vec<(String, String, i64)>> {
        let mut out = Vec::new();
        for (kind, query) in [
            (
                "mail",
                "SELECT status, COUNT(*) AS n FROM outbox GROUP BY status ORDER BY status",
            ),
            (
                "analysis",
                "SELECT status, COUNT(*) AS n FROM round_analyses GROUP BY status ORDER BY status",
            ),
            (
                "cadence round",
                "SELECT CASE WHEN round_id IS NULL THEN 'missed' ELSE 'opened' END AS status, \
                 COUNT(*) AS n FROM cadence_runs GROUP BY 1 ORDER BY 1",
            ),
        ] {
            for row in sqlx::query(query).fetch_all(&self.pool).await? {
                out.push((kind.to_owned(), row.try_get("status")?, row.try_get("n")?));
            }
        }
        Ok(out)
    }

    /// Analyses that failed, with the reason: (round id, reason).
    pub async fn failed_analyses(&self) -> Result<Vec<(i64, String)>> {
        sqlx::query(
            "SELECT round_id, error FROM round_analyses WHERE status = 'failed' ORDER BY round_id DESC LIMIT 100",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok((
                row.try_get("round_id")?,
                row.try_get::<Option<String>, _>("error")?.unwrap_or_default(),
            ))
        })
        .collect()
    }

    /// Mail the outbox gave up on, newest first (for operators).
    pub async fn failed_mail(&self) -> Result<Vec<MailRecord>> {
        sqlx::query(&format!(
            "SELECT {MAIL_COLUMNS} FROM outbox WHERE status = 'failed' ORDER BY id DESC LIMIT 100"
        ))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(mail_from_row)
        .collect()
    }

    /// The account and kind behind a one-click unsubscribe secret's hash.
    pub async fn unsubscribe_target(&self, hash: &str) -> Result<Option<(i64, String)>> {
        sqlx::query(
            "SELECT user_id, kind FROM outbox WHERE unsubscribe_hash = $1 AND user_id IS NOT NULL",
        )
        .bind(hash)
        .fetch_optional(&self.pool)
        .await?
        .map(|row| Ok((row.try_get("user_id")?, row.try_get("kind")?)))
        .transpose()
    }

    /// Turns one kind of mail off for an account (idempotent).
    pub async fn opt_out(&self, user_id: i64, kind: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO mail_opt_outs (user_id, kind, at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id, kind) DO NOTHING",
        )
        .bind(user_id)
        .bind(kind)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Turns one kind of mail back on.
    pub async fn opt_in(&self, user_id: i64, kind: &str) -> Result<()> {
        sqlx::query("DELETE FROM mail_opt_outs WHERE user_id = $1 AND kind = $2")
            .bind(user_id)
            .bind(kind)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The kinds of mail an account turned off.
    pub async fn opt_outs(&self, user_id: i64) -> Result<Vec<String>> {
        sqlx::query("SELECT kind FROM mail_opt_outs WHERE user_id = $1 ORDER BY kind")
            .bind(user_id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|row| Ok(row.try_get("kind")?))
            .collect()
    }
}
