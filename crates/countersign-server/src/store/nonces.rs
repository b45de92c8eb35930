//! The nonces of authorisations accepted once: recorded by a unique key, so
//! that of many uses of one token, on any number of instances, exactly one
//! inserts its row; swept once the token is stale everywhere.

use chrono::{DateTime, Utc};
use countersign_core::Nonce;
use uuid::Uuid;

use super::{Store, StoreError, time_text};

impl Store {
    /// Records that the authorisation with `nonce` under session `session`
    /// was used, keeping the record until `expires_at`. `Ok(false)` if it
    /// was already recorded: a second use. One statement, atomic on both
    /// backends, however many instances try at once.
    pub async fn record_nonce(
        &self,
        session: Uuid,
        nonce: Nonce,
        expires_at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let _timer = self.timed(super::StoreOp::Nonce);
        let inserted = sqlx::query(
            "INSERT INTO used_nonces (session_uid, nonce, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING",
        )
        .bind(session.to_string())
        .bind(nonce.to_text())
        .bind(time_text(expires_at))
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(inserted == 1)
    }

    /// Forgets the nonces kept until before `now`. Answers how many.
    pub async fn prune_nonces(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let _timer = self.timed(super::StoreOp::Sweep);
        let deleted = sqlx::query("DELETE FROM used_nonces WHERE expires_at < $1")
            .bind(time_text(now))
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(deleted)
    }
}
