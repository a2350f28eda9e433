//! Schema migrations, one folder per backend, applied in order at start-up and
//! by `parallax migrate`.

use sqlx::{Executor, Row};

use crate::{Backend, Result, Store, StoreError, now_ms};

struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

macro_rules! migration {
    ($version:literal, $name:literal) => {
        Migration {
            version: $version,
            name: $name,
            sqlite: include_str!(concat!("../migrations/sqlite/", $name, ".sql")),
            postgres: include_str!(concat!("../migrations/postgres/", $name, ".sql")),
        }
    };
}

const MIGRATIONS: &[Migration] = &[
    migration!(1, "0001_foundation"),
    migration!(2, "0002_vision_rounds"),
    migration!(3, "0003_analysis"),
    migration!(4, "0004_gaps"),
    migration!(5, "0005_embeddings_per_round"),
    migration!(6, "0006_login_slots"),
    migration!(7, "0007_shared_notes"),
    migration!(8, "0008_calendar_feeds"),
    migration!(9, "0009_cadences"),
    migration!(10, "0010_outbox"),
    migration!(11, "0011_password_resets"),
    migration!(12, "0012_outbox_rounds"),
];

/// An arbitrary constant that names Parallax's migration lock on PostgreSQL.
const PG_MIGRATION_LOCK: i64 = 0x5041_5241_4c4c;

impl Store {
    /// Applies every migration not yet applied; returns the names applied now.
    ///
    /// On PostgreSQL an advisory lock makes concurrent starts of several
    /// instances apply each migration once.
    pub async fn migrate(&self) -> Result<Vec<&'static str>> {
        let mut conn = self.pool.acquire().await.map_err(StoreError::from_sqlx)?;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_lock($1)")
                .bind(PG_MIGRATION_LOCK)
                .execute(&mut *conn)
                .await?;
        }
        let result = async {
            conn.execute(
                "CREATE TABLE IF NOT EXISTS parallax_migrations \
                 (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
            )
            .await?;
            let applied: Vec<i64> = sqlx::query("SELECT version FROM parallax_migrations")
                .fetch_all(&mut *conn)
                .await?
                .iter()
                .map(|row| row.try_get::<i64, _>(0))
                .collect::<Result<_, _>>()?;
            let mut done = Vec::new();
            for migration in MIGRATIONS.iter().filter(|m| !applied.contains(&m.version)) {
                let sql = match self.backend {
                    Backend::Sqlite => migration.sqlite,
                    Backend::Postgres => migration.postgres,
                };
                let mut tx = sqlx::Connection::begin(&mut *conn).await?;
                for statement in statements(sql) {
                    tx.execute(statement).await?;
                }
                sqlx::query(
                    "INSERT INTO parallax_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                )
                .bind(migration.version)
                .bind(migration.name)
                .bind(now_ms())
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                tracing::info!(migration = migration.name, "applied migration");
                done.push(migration.name);
            }
            Ok::<_, sqlx::Error>(done)
        }
        .await;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(PG_MIGRATION_LOCK)
                .execute(&mut *conn)
                .await?;
        }
        result.map_err(StoreError::from_sqlx)
    }
}

/// Splits a migration file into statements: each ends with `;` at a line end.
fn statements(sql: &str) -> impl Iterator<Item = &str> {
    sql.split(";\n")
        .map(str::trim)
        .filter(|s| !s.is_empty() && !s.lines().all(|l| l.trim_start().starts_with("--")))
}

#[cfg(test)]
mod tests {
    #[test]
    fn statements_split_at_line_ends_and_skip_comments() {
        let sql = "-- header\nCREATE TABLE a (x INTEGER);\nINSERT INTO a VALUES (1);\n";
        let parts: Vec<_> = super::statements(sql).collect();
        assert_eq!(parts.len(), 2);
        assert!(parts[1].starts_with("INSERT"));
    }
}
