//! Users, sessions, sign-in failures and personal API tokens.

use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;
use utoipa::ToSchema;

use crate::{Result, Store, StoreError, now_ms};

/// A stored account.
#[derive(Debug, Clone)]
pub struct UserRecord {
    /// Primary key.
    pub id: i64,
    /// Normalised e-mail address.
    pub email: String,
    /// Display name.
    pub name: String,
    /// PHC string of the argon2id hash.
    pub password_hash: String,
    /// Instance administrator (the first account on an instance).
    pub is_admin: bool,
    /// Creation time, Unix ms.
    pub created_at: i64,
}

impl UserRecord {
    fn from_row(row: &AnyRow) -> Result<Self> {
        Ok(Self {
            id: row.try_get("id")?,
            email: row.try_get("email")?,
            name: row.try_get("name")?,
            password_hash: row.try_get("password_hash")?,
            is_admin: row.try_get::<i64, _>("is_admin")? != 0,
            created_at: row.try_get("created_at")?,
        })
    }
}

/// A sign-in attempt asking for a slot: who, from where, and the limits of
/// the two windows (failures after `*_since`, Unix ms).
#[derive(Debug, Clone, Copy)]
pub struct LoginAttempt<'a> {
    /// The client address.
    pub ip: &'a str,
    /// The e-mail address tried, lower-cased.
    pub email: &'a str,
    /// A random name for the slot, to give it back.
    pub slot: &'a str,
    /// Start of the address's window.
    pub ip_since: i64,
    /// Attempts allowed per address in its window.
    pub ip_limit: i64,
    /// Start of the account's window.
    pub email_since: i64,
    /// Attempts allowed per account in its window.
    pub email_limit: i64,
}

/// Whether a sign-in attempt got its slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginSlot {
    /// The attempt may check its password.
    Taken,
    /// The address used up its window; `oldest` is when its first counted
    /// attempt was (Unix ms).
    AddressFull {
        /// Unix ms.
        oldest: Option<i64>,
    },
    /// The account used up its window.
    AccountFull {
        /// Unix ms.
        oldest: Option<i64>,
    },
}

/// What is needed to create an account.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    /// Normalised e-mail address.
    pub email: &'a str,
    /// Display name.
    pub name: &'a str,
    /// PHC string of the password hash.
    pub password_hash: &'a str,
}

/// A personal API token (its secret is never stored, only its hash).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ApiTokenRecord {
    /// Primary key.
    pub id: i64,
    /// Owner.
    pub user_id: i64,
    /// Label chosen by the owner.
    pub name: String,
    /// Creation time, Unix ms.
    pub created_at: i64,
    /// Last use, Unix ms.
    pub last_used_at: Option<i64>,
}

const USER_COLUMNS: &str = "id, email, name, password_hash, is_admin, created_at";

impl Store {
    /// Creates an account inside an open transaction. The first account on an
    /// instance becomes its administrator; the claim is a conditional update of
    /// the single `instance` row, so two simultaneous first sign-ups cannot both
    /// win.
    pub(crate) async fn insert_user(
        tx: &mut sqlx::AnyConnection,
        user: &NewUser<'_>,
    ) -> Result<UserRecord> {
        let now = now_ms();
        let row = sqlx::query(&format!(
            "INSERT INTO users (email, name, password_hash, is_admin, created_at) \
             VALUES ($1, $2, $3, 0, $4) RETURNING {USER_COLUMNS}"
        ))
        .bind(user.email)
        .bind(user.name)
        .bind(user.password_hash)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(StoreError::from_sqlx)?;
        let mut record = UserRecord::from_row(&row)?;
        let claimed =
            sqlx::query("UPDATE instance SET admin_user_id = $1 WHERE admin_user_id IS NULL")
                .bind(record.id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if claimed == 1 {
            sqlx::query("UPDATE users SET is_admin = 1 WHERE id = $1")
                .bind(record.id)
                .execute(&mut *tx)
                .await?;
            record.is_admin = true;
        }
        Ok(record)
    }

    /// Creates an account on its own.
    pub async fn create_user(&self, user: &NewUser<'_>) -> Result<UserRecord> {
        let mut tx = self.pool.begin().await?;
        let record = Self::insert_user(&mut tx, user).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// Whether any account exists yet.
    pub async fn has_users(&self) -> Result<bool> {
        let row = sqlx::query("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<i64, _>(0)? > 0)
    }

    /// Looks an account up by normalised e-mail.
    pub async fn user_by_email(&self, email: &str) -> Result<Option<UserRecord>> {
        sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE email = $1"
        ))
        .bind(email)
        .fetch_optional(&self.pool)
        .await?
        .map(|row| UserRecord::from_row(&row))
        .transpose()
    }

    /// Looks an account up by id.
    pub async fn user(&self, id: i64) -> Result<UserRecord> {
        let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        UserRecord::from_row(&row)
    }

    /// Replaces a password hash and ends every session of the account.
    pub async fn set_password(&self, user_id: i64, password_hash: &str) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Stores a new session under the hash of its token.
    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        expires_at: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(now_ms())
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The account behind an unexpired session.
    pub async fn session_user(&self, token_hash: &str) -> Result<Option<UserRecord>> {
        sqlx::query(
            "SELECT u.id, u.email, u.name, u.password_hash, u.is_admin, u.created_at \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2",
        )
        .bind(token_hash)
        .bind(now_ms())
        .fetch_optional(&self.pool)
        .await?
        .map(|row| UserRecord::from_row(&row))
        .transpose()
    }

    /// Ends one session.
    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Ends every session of an account.
    pub async fn delete_sessions_of(&self, user_id: i64) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Takes a slot for a sign-in attempt before its password is checked,
    /// in one transaction that first locks the client address's and the
    /// account's throttle rows (always in that order), so parallel attempts
    /// are counted one after the other on both backends. The slot counts as
    /// a failure until [`Store::release_login_slot`] gives it back.
    pub async fn take_login_slot(&self, attempt: &LoginAttempt<'_>) -> Result<LoginSlot> {
        let mut tx = self.pool.begin().await?;
        for key in [
            format!("ip:{}", attempt.ip),
            format!("email:{}", attempt.email),
        ] {
            sqlx::query(
                "INSERT INTO login_throttle (key) VALUES ($1) \
                 ON CONFLICT (key) DO UPDATE SET key = excluded.key",
            )
            .bind(key)
            .execute(&mut *tx)
            .await?;
        }
        let window = |sql: &'static str, value: &str, since: i64| {
            sqlx::query(sql).bind(value.to_owned()).bind(since)
        };
        let by_ip = window(
            "SELECT COUNT(*), MIN(at) FROM login_failures WHERE ip = $1 AND at > $2",
            attempt.ip,
            attempt.ip_since,
        )
        .fetch_one(&mut *tx)
        .await?;
        let (count, oldest): (i64, Option<i64>) = (by_ip.try_get(0)?, by_ip.try_get(1)?);
        if count >= attempt.ip_limit {
            return Ok(LoginSlot::AddressFull { oldest });
        }
        let by_email = window(
            "SELECT COUNT(*), MIN(at) FROM login_failures WHERE email = $1 AND at > $2",
            attempt.email,
            attempt.email_since,
        )
        .fetch_one(&mut *tx)
        .await?;
        let (count, oldest): (i64, Option<i64>) = (by_email.try_get(0)?, by_email.try_get(1)?);
        if count >= attempt.email_limit {
            return Ok(LoginSlot::AccountFull { oldest });
        }
        sqlx::query("INSERT INTO login_failures (ip, email, at, slot) VALUES ($1, $2, $3, $4)")
            .bind(attempt.ip)
            .bind(attempt.email)
            .bind(now_ms())
            .bind(attempt.slot)
            .execute(&mut *tx)
            .await?;
        // What no window looks at any more, of this address only: only the
        // holder of an address's lock deletes its rows, so two attempts never
        // wait on each other's deletions (no deadlock on PostgreSQL).
        sqlx::query("DELETE FROM login_failures WHERE ip = $1 AND at <= $2")
            .bind(attempt.ip)
            .bind(attempt.ip_since.min(attempt.email_since))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(LoginSlot::Taken)
    }

    /// Gives back the slot of an attempt whose password was right.
    pub async fn release_login_slot(&self, slot: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_failures WHERE slot = $1")
            .bind(slot)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Stores a personal API token by the hash of its secret.
    pub async fn create_api_token(
        &self,
        user_id: i64,
        name: &str,
        token_hash: &str,
    ) -> Result<ApiTokenRecord> {
        let row = sqlx::query(
            "INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) \
             RETURNING id, user_id, name, created_at, last_used_at",
        )
        .bind(user_id)
        .bind(name)
        .bind(token_hash)
        .bind(now_ms())
        .fetch_one(&self.pool)
        .await
        .map_err(StoreError::from_sqlx)?;
        token_from_row(&row)
    }

    /// The account's tokens that are not revoked.
    pub async fn api_tokens(&self, user_id: i64) -> Result<Vec<ApiTokenRecord>> {
        sqlx::query(
            "SELECT id, user_id, name, created_at, last_used_at FROM api_tokens \
             WHERE user_id = $1 AND revoked_at IS NULL ORDER BY id",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(token_from_row)
        .collect()
    }

    /// Revokes a token of the account; `NotFound` when it has no such token.
    pub async fn revoke_api_token(&self, user_id: i64, token_id: i64) -> Result<()> {
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
        )
        .bind(now_ms())
        .bind(token_id)
        .bind(user_id)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// The account behind a live token, noting its use.
    pub async fn api_token_user(&self, token_hash: &str) -> Result<Option<UserRecord>> {
        let user = sqlx::query(
            "SELECT u.id, u.email, u.name, u.password_hash, u.is_admin, u.created_at \
             FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?
        .map(|row| UserRecord::from_row(&row))
        .transpose()?;
        if user.is_some() {
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2")
                .bind(now_ms())
                .bind(token_hash)
                .execute(&self.pool)
                .await?;
        }
        Ok(user)
    }
}

impl Store {
    /// Gives `user_id` a calendar feed with the secret hashed as
    /// `token_hash`, replacing the one they had; returns when it was made.
    pub async fn set_calendar_feed(&self, user_id: i64, token_hash: &str) -> Result<i64> {
        let now = now_ms();
        sqlx::query(
            "INSERT INTO calendar_feeds (user_id, token_hash, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id) DO UPDATE SET token_hash = $2, created_at = $3",
        )
        .bind(user_id)
        .bind(token_hash)
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(StoreError::from_sqlx)?;
        Ok(now)
    }

    /// When `user_id`'s calendar feed was made, if they have one.
    pub async fn calendar_feed_since(&self, user_id: i64) -> Result<Option<i64>> {
        Ok(
            sqlx::query("SELECT created_at FROM calendar_feeds WHERE user_id = $1")
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await?
                .map(|row| row.try_get("created_at"))
                .transpose()?,
        )
    }

    /// Turns `user_id`'s calendar feed off; whether there was one.
    pub async fn delete_calendar_feed(&self, user_id: i64) -> Result<bool> {
        let done = sqlx::query("DELETE FROM calendar_feeds WHERE user_id = $1")
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The account whose calendar feed secret hashes to `token_hash`.
    pub async fn calendar_feed_user(&self, token_hash: &str) -> Result<Option<UserRecord>> {
        sqlx::query(
            "SELECT u.id, u.email, u.name, u.password_hash, u.is_admin, u.created_at \
             FROM calendar_feeds f JOIN users u ON u.id = f.user_id WHERE f.token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?
        .map(|row| UserRecord::from_row(&row))
        .transpose()
    }
}

fn token_from_row(row: &AnyRow) -> Result<ApiTokenRecord> {
    Ok(ApiTokenRecord {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        name: row.try_get("name")?,
        created_at: row.try_get("created_at")?,
        last_used_at: row.try_get("last_used_at")?,
    })
}
