//! Persistence for Parallax.
//!
//! One query set runs on both backends through sqlx's `Any` driver: every
//! statement is written in the SQL that SQLite and PostgreSQL share (numbered
//! `$n` parameters, `RETURNING`, `ON CONFLICT`), integers are 64-bit, times are
//! Unix milliseconds and flags are 0/1 integers. The few differences between the
//! backends (schema DDL, connection pragmas, the migration lock) are handled
//! here and in the per-backend migration folders.

mod accounts;
mod analysis;
mod audit;
mod cadences;
mod gaps;
mod migrate;
mod outbox;
mod rounds;
mod workspaces;

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

pub use accounts::{ApiTokenRecord, LoginAttempt, LoginSlot, NewUser, UserRecord};
pub use analysis::AnalysisRecord;
pub use audit::AuditRecord;
pub use cadences::{CadenceRecord, CadenceWrite};
pub use gaps::{
    ActionRecord, CommentRecord, GapChange, GapEventRecord, GapRecord, NewGap, OwnedActionRecord,
};
pub use outbox::{MailRecord, NewMail};
pub use rounds::{
    AnswerRecord, ClarificationRecord, NoteRecord, NoteWrite, ParticipantRecord, RoundRecord,
    VisionRecord,
};
pub use workspaces::{InviteRecord, MemberRecord, MembershipRecord, WorkspaceRecord};

/// Which database a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The embedded default.
    Sqlite,
    /// For several app instances behind a load balancer.
    Postgres,
}

impl Backend {
    /// Chooses the backend from a database URL.
    pub fn from_url(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl)
        }
    }
}

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row to change or read does not exist.
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was violated (e.g. an e-mail already registered).
    #[error("already exists")]
    Duplicate,
    /// The row changed since the caller read it.
    #[error("version conflict")]
    Conflict,
    /// The database URL names no supported backend.
    #[error("the database URL must start with sqlite: or postgres://")]
    UnsupportedUrl,
    /// The SQLite connection does not have the durability the server requires.
    #[error("SQLite durability check failed: {0}")]
    WeakDurability(String),
    /// A stored value could not be read back.
    #[error("corrupt value in column {0}")]
    Corrupt(&'static str),
    /// Any other database failure.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl StoreError {
    fn from_sqlx(err: sqlx::Error) -> Self {
        match err {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(ref db) if db.is_unique_violation() => StoreError::Duplicate,
            other => StoreError::Database(other),
        }
    }
}

/// Shorthand for store results.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The database behind Parallax.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

/// Per-connection settings that make SQLite durable and safe under concurrency.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;";

impl Store {
    /// Connects to `url` (`sqlite:PATH?mode=rwc` or `postgres://…`) and checks
    /// that SQLite runs with WAL, `synchronous=FULL`, foreign keys and a busy
    /// timeout — the server refuses weaker settings.
    pub async fn connect(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let url = creating_sqlite_file(url, backend);
        let options = AnyConnectOptions::from_str(&url).map_err(StoreError::from_sqlx)?;
        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            })
            .acquire_timeout(Duration::from_secs(15))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute(SQLITE_PRAGMAS).await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(StoreError::from_sqlx)?;
        let store = Store { pool, backend };
        if backend == Backend::Sqlite {
            store.check_sqlite_durability().await?;
        }
        Ok(store)
    }

    /// The backend this store talks to.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(StoreError::from_sqlx)?;
        Ok(())
    }

    /// Closes every connection.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    async fn check_sqlite_durability(&self) -> Result<()> {
        let mut conn = self.pool.acquire().await.map_err(StoreError::from_sqlx)?;
        let text = |row: sqlx::any::AnyRow| -> Result<String> {
            use sqlx::Row;
            row.try_get::<String, _>(0)
                .or_else(|_| row.try_get::<i64, _>(0).map(|n| n.to_string()))
                .map_err(StoreError::from_sqlx)
        };
        let journal = text(
            sqlx::query("PRAGMA journal_mode")
                .fetch_one(&mut *conn)
                .await?,
        )?;
        let synchronous = text(
            sqlx::query("PRAGMA synchronous")
                .fetch_one(&mut *conn)
                .await?,
        )?;
        let foreign_keys = text(
            sqlx::query("PRAGMA foreign_keys")
                .fetch_one(&mut *conn)
                .await?,
        )?;
        let busy = text(
            sqlx::query("PRAGMA busy_timeout")
                .fetch_one(&mut *conn)
                .await?,
        )?;
        // synchronous: 2 = FULL, 3 = EXTRA; anything lower may lose acknowledged writes.
        let sync_level: i64 = synchronous.parse().unwrap_or(0);
        if journal.to_lowercase() != "wal" {
            return Err(StoreError::WeakDurability(format!(
                "journal_mode is {journal}, not wal"
            )));
        }
        if sync_level < 2 {
            return Err(StoreError::WeakDurability(format!(
                "synchronous is {synchronous}, not FULL"
            )));
        }
        if foreign_keys != "1" {
            return Err(StoreError::WeakDurability("foreign_keys is off".into()));
        }
        if busy.parse::<i64>().unwrap_or(0) <= 0 {
            return Err(StoreError::WeakDurability("busy_timeout is not set".into()));
        }
        Ok(())
    }
}

/// A SQLite URL that creates its file when it does not exist yet, as the
/// default database does, unless the URL chooses a `mode` itself.
fn creating_sqlite_file(url: &str, backend: Backend) -> String {
    if backend != Backend::Sqlite || url.contains("mode=") {
        return url.to_owned();
    }
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}mode=rwc")
}

tokio::task_local! {
    /// Milliseconds added to the wall clock for the work of one task; set
    /// only by [`as_of`].
    static CLOCK_SHIFT: i64;
}

/// Milliseconds since the Unix epoch, the unit of every stored time.
pub fn now_ms() -> i64 {
    wall_clock_ms() + CLOCK_SHIFT.try_with(|shift| *shift).unwrap_or(0)
}

fn wall_clock_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Runs `work` as if the clock had read `at` (ms since the epoch) when it
/// started: everything it stores carries times from then on. The demo uses
/// it to write a history that spans months; nothing else shifts the clock.
pub async fn as_of<F: std::future::Future>(at: i64, work: F) -> F::Output {
    CLOCK_SHIFT.scope(at - wall_clock_ms(), work).await
}
