//! Retention: final sessions, used or expired enrollments, and their audit
//! rows are deleted once older than the window, in bounded batches, so
//! that the database does not grow without end and no statement holds a
//! lock for long.
//!
//! A final session is old when it was requested before the cutoff and
//! nothing happened to it since (no audit row at or after the cutoff): a
//! login that lasted a month is kept until a window after it ended. Live
//! sessions (pending, approved, suspicious) are never deleted, whatever
//! their age. An enrollment is old when it was used, or expired unused,
//! before the cutoff; its invite's audit row (which names no token) goes
//! when it is older than the cutoff, by which time every link it made has
//! expired. Device and user events stay.

use chrono::{DateTime, Utc};
use sqlx::Row as _;

use super::{Store, StoreError, time_text};

/// Sessions deleted in one transaction, each with its few audit rows.
const SESSION_BATCH: i64 = 100;
/// Enrollments, or invite rows, deleted by one statement.
const ROW_BATCH: i64 = 500;

/// The final sessions requested before `$1` with nothing since.
const OLD_SESSIONS: &str = "FROM sessions s WHERE s.live = 0 AND s.request_datetime < $1 \
     AND NOT EXISTS (SELECT 1 FROM audit a WHERE a.session_uid = s.uid AND a.at >= $1)";
/// The enrollments used, or expired unused, before `$1`.
const OLD_ENROLLMENTS: &str = "FROM enrollments WHERE (used_at IS NOT NULL AND used_at < $1) \
     OR (used_at IS NULL AND expires_at < $1)";
/// The invites' audit rows from before `$1`.
const OLD_INVITES: &str =
    "FROM audit WHERE subject = 'enrollment' AND session_uid IS NULL AND at < $1";

/// What is (or was) deleted, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Pruned {
    /// Final sessions.
    pub sessions: u64,
    /// The audit rows of those sessions.
    pub session_audit: u64,
    /// Used or expired enrollments.
    pub enrollments: u64,
    /// The audit rows of invites.
    pub enrollment_audit: u64,
}

impl Pruned {
    /// Every row counted.
    pub fn total(&self) -> u64 {
        self.sessions + self.session_audit + self.enrollments + self.enrollment_audit
    }

    fn add(&mut self, other: Self) {
        self.sessions += other.sessions;
        self.session_audit += other.session_audit;
        self.enrollments += other.enrollments;
        self.enrollment_audit += other.enrollment_audit;
    }
}

impl Store {
    /// What deleting everything older than `before` would delete, counted.
    pub async fn prunable(&self, before: DateTime<Utc>) -> Result<Pruned, StoreError> {
        let count = |sql: String| {
            let before = time_text(before);
            async move {
                let row = sqlx::query(&sql).bind(before).fetch_one(&self.pool).await?;
                let n: i64 = row.try_get("n")?;
                Ok::<u64, StoreError>(u64::try_from(n).unwrap_or(0))
            }
        };
        Ok(Pruned {
            sessions: count(format!("SELECT COUNT(*) AS n {OLD_SESSIONS}")).await?,
            session_audit: count(format!(
                "SELECT COUNT(*) AS n FROM audit WHERE session_uid IN (SELECT s.uid {OLD_SESSIONS})"
            ))
            .await?,
            enrollments: count(format!("SELECT COUNT(*) AS n {OLD_ENROLLMENTS}")).await?,
            enrollment_audit: count(format!("SELECT COUNT(*) AS n {OLD_INVITES}")).await?,
        })
    }

    /// Deletes what is older than `before`, batch after batch, at most
    /// `batches` of each kind (the sweeper goes on at its next round).
    /// Answers what was deleted and whether some is left.
    pub async fn prune(
        &self,
        before: DateTime<Utc>,
        batches: usize,
    ) -> Result<(Pruned, bool), StoreError> {
        let mut pruned = Pruned::default();
        for _ in 0..batches {
            let batch = self.prune_batch(before).await?;
            pruned.add(batch);
            let full = batch.sessions == SESSION_BATCH.unsigned_abs()
                || batch.enrollments == ROW_BATCH.unsigned_abs()
                || batch.enrollment_audit == ROW_BATCH.unsigned_abs();
            if !full {
                return Ok((pruned, false));
            }
        }
        Ok((pruned, true))
    }

    /// One batch of each kind: up to [`SESSION_BATCH`] sessions with their
    /// audit rows in one transaction, up to [`ROW_BATCH`] enrollments and
    /// as many invite rows.
    async fn prune_batch(&self, before: DateTime<Utc>) -> Result<Pruned, StoreError> {
        let _timer = self.timed(super::StoreOp::Sweep);
        let cutoff = time_text(before);
        let mut pruned = Pruned::default();
        let mut tx = self.pool.begin().await?;
        let uids: Vec<String> = sqlx::query(&format!("SELECT s.uid {OLD_SESSIONS} LIMIT $2"))
            .bind(cutoff.clone())
            .bind(SESSION_BATCH)
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|row| row.try_get("uid"))
            .collect::<Result<_, _>>()?;
        if !uids.is_empty() {
            pruned.session_audit =
                delete_listed(&mut tx, "DELETE FROM audit WHERE session_uid IN", &uids).await?;
            pruned.sessions = delete_listed(
                &mut tx,
                "DELETE FROM sessions WHERE live = 0 AND uid IN",
                &uids,
            )
            .await?;
        }
        tx.commit().await?;
        let delete = |sql: String| {
            let cutoff = cutoff.clone();
            async move {
                let done = sqlx::query(&sql)
                    .bind(cutoff)
                    .bind(ROW_BATCH)
                    .execute(&self.pool)
                    .await?
                    .rows_affected();
                Ok::<u64, StoreError>(done)
            }
        };
        pruned.enrollments = delete(format!(
            "DELETE FROM enrollments WHERE token_hash IN (SELECT token_hash {OLD_ENROLLMENTS} LIMIT $2)"
        ))
        .await?;
        pruned.enrollment_audit = delete(format!(
            "DELETE FROM audit WHERE id IN (SELECT id {OLD_INVITES} LIMIT $2)"
        ))
        .await?;
        Ok(pruned)
    }
}

/// Runs `head ($1, $2, ...)` with `values` bound in order.
async fn delete_listed(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    head: &str,
    values: &[String],
) -> Result<u64, StoreError> {
    let list = (1..=values.len())
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!("{head} ({list})");
    let mut query = sqlx::query(&sql);
    for value in values {
        query = query.bind(value.clone());
    }
    Ok(query.execute(&mut **tx).await?.rows_affected())
}
