//! The analysis engine's storage: cached embeddings and round analyses (a
//! small job table: pending → running → done / failed).

use std::collections::HashMap;

use sqlx::Row;

use crate::{Result, Store, now_ms};

/// A round analysis as stored.
#[derive(Debug, Clone)]
pub struct AnalysisRecord {
    /// The round.
    pub round_id: i64,
    /// pending, running, done or failed.
    pub status: String,
    /// minilm or lexical, once done.
    pub method: Option<String>,
    /// The result as JSON, once done.
    pub result: Option<String>,
    /// What went wrong, when failed.
    pub error: Option<String>,
    /// When it finished, Unix ms.
    pub finished_at: Option<i64>,
}

fn vector_bytes(vector: &[f32]) -> Vec<u8> {
    vector.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn bytes_vector(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

impl Store {
    /// Cached vectors of `model` for the given keys (hashes of a text and
    /// its origin, made by the app).
    pub async fn embeddings(
        &self,
        model: &str,
        hashes: &[String],
    ) -> Result<HashMap<String, Vec<f32>>> {
        let mut found = HashMap::new();
        for chunk in hashes.chunks(200) {
            let placeholders: Vec<String> =
                (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
            let sql = format!(
                "SELECT text_hash, vector FROM embeddings WHERE model = $1 AND text_hash IN ({})",
                placeholders.join(", ")
            );
            let mut query = sqlx::query(&sql).bind(model);
            for hash in chunk {
                query = query.bind(hash);
            }
            for row in query.fetch_all(&self.pool).await? {
                let bytes: Vec<u8> = row.try_get(1)?;
                found.insert(row.try_get(0)?, bytes_vector(&bytes));
            }
        }
        Ok(found)
    }

    /// Caches vectors by text hash (existing entries are kept).
    pub async fn put_embeddings(&self, model: &str, vectors: &[(String, Vec<f32>)]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for (hash, vector) in vectors {
            sqlx::query(
                "INSERT INTO embeddings (text_hash, model, vector) VALUES ($1, $2, $3) \
                 ON CONFLICT (text_hash, model) DO NOTHING",
            )
            .bind(hash)
            .bind(model)
            .bind(vector_bytes(vector))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Asks for a round's analysis (again): it becomes pending.
    pub async fn request_analysis(&self, round_id: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO round_analyses (round_id, status, requested_at) VALUES ($1, 'pending', $2) \
             ON CONFLICT (round_id) DO UPDATE SET status = 'pending', requested_at = $2",
        )
        .bind(round_id)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Claims one pending analysis for this worker; None when there is none.
    /// The conditional update makes each claim win once, also across several
    /// server instances.
    pub async fn claim_analysis(&self) -> Result<Option<i64>> {
        let candidates: Vec<i64> = sqlx::query(
            "SELECT round_id FROM round_analyses WHERE status = 'pending' ORDER BY requested_at LIMIT 5",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| row.try_get(0))
        .collect::<Result<_, _>>()?;
        for round_id in candidates {
            let claimed = sqlx::query(
                "UPDATE round_analyses SET status = 'running', started_at = $1 WHERE round_id = $2 AND status = 'pending'",
            )
            .bind(now_ms())
            .bind(round_id)
            .execute(&self.pool)
            .await?
            .rows_affected();
            if claimed == 1 {
                return Ok(Some(round_id));
            }
        }
        Ok(None)
    }

    /// Puts analyses that were running when a worker died back in the queue.
    pub async fn requeue_stale_analyses(&self, started_before: i64) -> Result<u64> {
        Ok(sqlx::query(
            "UPDATE round_analyses SET status = 'pending' WHERE status = 'running' AND started_at < $1",
        )
        .bind(started_before)
        .execute(&self.pool)
        .await?
        .rows_affected())
    }

    /// Queues again every finished analysis made with `method` (e.g. the
    /// lexical ones once the model is there).
    pub async fn requeue_analyses_made_with(&self, method: &str) -> Result<u64> {
        Ok(sqlx::query(
            "UPDATE round_analyses SET status = 'pending', requested_at = $1 WHERE status = 'done' AND method = $2",
        )
        .bind(now_ms())
        .bind(method)
        .execute(&self.pool)
        .await?
        .rows_affected())
    }

    /// Stores a finished analysis, unless it was requested again meanwhile.
    pub async fn finish_analysis(&self, round_id: i64, method: &str, result: &str) -> Result<()> {
        sqlx::query(
            "UPDATE round_analyses SET status = 'done', method = $1, result = $2, error = NULL, finished_at = $3 \
             WHERE round_id = $4 AND status = 'running'",
        )
        .bind(method)
        .bind(result)
        .bind(now_ms())
        .bind(round_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records a failed analysis.
    pub async fn fail_analysis(&self, round_id: i64, error: &str) -> Result<()> {
        sqlx::query(
            "UPDATE round_analyses SET status = 'failed', error = $1, finished_at = $2 WHERE round_id = $3 AND status = 'running'",
        )
        .bind(error)
        .bind(now_ms())
        .bind(round_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The analysis of a round, if one was ever requested.
    pub async fn analysis(&self, round_id: i64) -> Result<Option<AnalysisRecord>> {
        sqlx::query(
            "SELECT round_id, status, method, result, error, finished_at FROM round_analyses WHERE round_id = $1",
        )
        .bind(round_id)
        .fetch_optional(&self.pool)
        .await?
        .map(|row| {
            Ok(AnalysisRecord {
                round_id: row.try_get(0)?,
                status: row.try_get(1)?,
                method: row.try_get(2)?,
                result: row.try_get(3)?,
                error: row.try_get(4)?,
                finished_at: row.try_get(5)?,
            })
        })
        .transpose()
    }

    /// Finished analyses of a workspace's other rounds, oldest first (for
    /// patterns across rounds).
    pub async fn workspace_analyses(
        &self,
        workspace_id: i64,
    ) -> Result<Vec<(i64, String, String)>> {
        sqlx::query(
            "SELECT r.id, r.title, a.result FROM round_analyses a JOIN rounds r ON r.id = a.round_id \
             WHERE r.workspace_id = $1 AND a.status = 'done' AND a.result IS NOT NULL ORDER BY r.id",
        )
        .bind(workspace_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?)))
        .collect()
    }

    /// Whether analysis runs in a workspace.
    pub async fn analysis_enabled(&self, workspace_id: i64) -> Result<bool> {
        let row = sqlx::query("SELECT analysis_enabled FROM workspaces WHERE id = $1")
            .bind(workspace_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<i64, _>(0)? != 0)
    }

    /// Switches analysis on or off for a workspace.
    pub async fn set_analysis_enabled(&self, workspace_id: i64, enabled: bool) -> Result<()> {
        sqlx::query("UPDATE workspaces SET analysis_enabled = $1 WHERE id = $2")
            .bind(i64::from(enabled))
            .bind(workspace_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn vectors_survive_their_byte_form() {
        let v = vec![0.25f32, -1.5, 3.0e-7];
        assert_eq!(super::bytes_vector(&super::vector_bytes(&v)), v);
    }
}
