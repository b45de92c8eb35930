//! Sessions counted by status, for `/metrics`: the stored truth, which
//! every instance on one database shares.

use countersign_core::Status;
use sqlx::Row as _;

use super::latency::StoreOp;
use super::{Store, StoreError};

impl Store {
    /// How many stored sessions have each status, in the order of
    /// [`Status::ALL`]. One scan of the sessions table: callers cache it.
    pub async fn sessions_by_status(&self) -> Result<[u64; Status::ALL.len()], StoreError> {
        let _timer = self.timed(StoreOp::StatusCount);
        let rows = sqlx::query("SELECT status, COUNT(*) AS n FROM sessions GROUP BY status")
            .fetch_all(&self.pool)
            .await?;
        let mut counts = [0; Status::ALL.len()];
        for row in rows {
            let status: String = row.try_get("status")?;
            let n: i64 = row.try_get("n")?;
            let slot = Status::ALL
                .iter()
                .position(|known| known.as_str() == status)
                .and_then(|i| counts.get_mut(i))
                .ok_or_else(|| StoreError::Corrupt(format!("status {status:?}")))?;
            *slot = u64::try_from(n).unwrap_or(0);
        }
        Ok(counts)
    }
}
