//! Recovery a thief cannot block, in the store: enrollment links that
//! record the device that made them (and die with it), their cancellation,
//! and revocations of an older device that wait out a delay, each with its
//! audit row in the same transaction.

use chrono::{DateTime, Utc};
use countersign_core::api::{InviteInfo, PendingRevocation};
use countersign_core::{Digest, LoginSession};
use sqlx::Row as _;
use uuid::Uuid;

use super::used_statements::{UsedStatement, record_in};
use super::{
    AuditEntry, Store, StoreError, StoreOp, Versioned, insert_audit, parse_time, parse_uid,
    time_text,
};

/// The condition, on a row of `enrollments`, that the device that made the
/// link (if a device did) is not revoked: a revoked device's links enroll
/// nothing.
pub(super) const INVITER_NOT_REVOKED: &str = "NOT EXISTS (SELECT 1 FROM devices inviter \
     WHERE inviter.uid = enrollments.invited_by AND inviter.revoked_at IS NOT NULL)";

/// A pending revocation as stored, with what applying it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRevocation {
    /// What the user sees.
    pub pending: PendingRevocation,
    /// The device's user.
    pub user_uid: Uuid,
    /// The address the request came from.
    pub source: Option<String>,
}

impl Store {
    /// The user's links that could still enroll a device at `now`: unused,
    /// unexpired, and not made by a revoked device. Soonest to expire first.
    pub async fn invites_of(
        &self,
        user_uid: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Vec<InviteInfo>, StoreError> {
        let _timer = self.timed(StoreOp::AccountRead);
        let sql = format!(
            "SELECT token_hash, invited_by, expires_at FROM enrollments WHERE user_uid = $1 \
             AND used_at IS NULL AND expires_at > $2 AND {INVITER_NOT_REVOKED} \
             ORDER BY expires_at LIMIT 100"
        );
        let rows = sqlx::query(&sql)
            .bind(user_uid.to_string())
            .bind(time_text(now))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let hash: String = row.try_get("token_hash")?;
                Ok(InviteInfo {
                    id: Digest::from_text(&hash).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    invited_by: row
                        .try_get::<Option<String>, _>("invited_by")?
                        .map(|t| parse_uid(&t))
                        .transpose()?,
                    expires_at: parse_time(&row.try_get::<String, _>("expires_at")?)?,
                })
            })
            .collect()
    }

    /// Ends a link of the user that could still enroll (it expires `now`),
    /// with the cancelling statement (`used`) and its audit row: `false` if
    /// there was no such link.
    pub async fn cancel_invite(
        &self,
        user_uid: Uuid,
        token_hash: &str,
        now: DateTime<Utc>,
        entry: &AuditEntry,
        used: &[UsedStatement],
    ) -> Result<bool, StoreError> {
        let _timer = self.timed(StoreOp::AccountWrite);
        let cancel = sqlx::query(
            "UPDATE enrollments SET expires_at = $1 WHERE token_hash = $2 AND user_uid = $3 \
             AND used_at IS NULL AND expires_at > $1",
        )
        .bind(time_text(now))
        .bind(token_hash.to_owned())
        .bind(user_uid.to_string());
        self.change_one(cancel, entry, used).await
    }

    /// Records a revocation that waits, with its statement (`used`) and
    /// audit row: `false` if one of the device is pending already. One
    /// asked by a device revoked since is void, and replaced.
    pub async fn add_pending_revocation(
        &self,
        stored: &StoredRevocation,
        entry: &AuditEntry,
        used: &[UsedStatement],
    ) -> Result<bool, StoreError> {
        let _timer = self.timed(StoreOp::AccountWrite);
        let pending = &stored.pending;
        let mut tx = self.pool.begin().await?;
        record_in(&mut tx, used).await?;
        sqlx::query(
            "DELETE FROM pending_revocations WHERE device_uid = $1 AND EXISTS (SELECT 1 FROM \
             devices d WHERE d.uid = pending_revocations.requested_by AND d.revoked_at IS NOT NULL)",
        )
        .bind(pending.device.to_string())
        .execute(&mut *tx)
        .await?;
        let inserted = sqlx::query(
            "INSERT INTO pending_revocations (device_uid, user_uid, requested_by, requested_at, \
             due_at, source) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        )
        .bind(pending.device.to_string())
        .bind(stored.user_uid.to_string())
        .bind(pending.requested_by.to_string())
        .bind(time_text(pending.requested_at))
        .bind(time_text(pending.due_at))
        .bind(stored.source.clone())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted != 1 {
            return Ok(false);
        }
        insert_audit(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The pending revocation of `device`, unless the device that asked for
    /// it is revoked since (which voids it).
    pub async fn pending_revocation(
        &self,
        device: Uuid,
    ) -> Result<Option<StoredRevocation>, StoreError> {
        let _timer = self.timed(StoreOp::AccountRead);
        let rows = self
            .pending_where("p.device_uid = $1", &device.to_string())
            .await?;
        Ok(rows.into_iter().next())
    }

    /// The user's pending revocations, soonest due first.
    pub async fn pending_revocations_of(
        &self,
        user_uid: Uuid,
    ) -> Result<Vec<PendingRevocation>, StoreError> {
        let _timer = self.timed(StoreOp::AccountRead);
        let rows = self
            .pending_where("p.user_uid = $1", &user_uid.to_string())
            .await?;
        Ok(rows.into_iter().map(|stored| stored.pending).collect())
    }

    /// The pending revocations due by `now` (at most 100).
    pub async fn due_revocations(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<StoredRevocation>, StoreError> {
        let _timer = self.timed(StoreOp::Sweep);
        self.pending_where("p.due_at <= $1", &time_text(now)).await
    }

    async fn pending_where(
        &self,
        condition: &str,
        value: &str,
    ) -> Result<Vec<StoredRevocation>, StoreError> {
        let sql = format!(
            "SELECT p.device_uid, p.user_uid, p.requested_by, p.requested_at, p.due_at, p.source \
             FROM pending_revocations p WHERE {condition} AND NOT EXISTS (SELECT 1 FROM devices d \
             WHERE (d.uid = p.requested_by OR d.uid = p.device_uid) AND d.revoked_at IS NOT NULL) \
             ORDER BY p.due_at LIMIT 100"
        );
        let rows = sqlx::query(&sql)
            .bind(value.to_owned())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(stored_revocation).collect()
    }

    /// Cancels the pending revocation of `device`, with the cancelling
    /// statement (`used`) and its audit row: `false` if none was pending.
    pub async fn cancel_revocation(
        &self,
        device: Uuid,
        entry: &AuditEntry,
        used: &[UsedStatement],
    ) -> Result<bool, StoreError> {
        let _timer = self.timed(StoreOp::AccountWrite);
        let cancel = sqlx::query("DELETE FROM pending_revocations WHERE device_uid = $1")
            .bind(device.to_string());
        self.change_one(cancel, entry, used).await
    }

    /// Applies a pending revocation that is due: in one transaction its row
    /// goes (only if it is still there and due: a cancel that came first
    /// wins) and the device is revoked with its cascade of logouts, as
    /// [`Store::revoke_device`] does. `Ok(None)` if it was cancelled or
    /// taken by another instance, or the device was revoked meanwhile.
    pub async fn apply_revocation(
        &self,
        device: Uuid,
        now: DateTime<Utc>,
        entry: &AuditEntry,
        log_out: impl Fn(&LoginSession) -> Option<(LoginSession, AuditEntry)>,
    ) -> Result<Option<Vec<Versioned>>, StoreError> {
        let _timer = self.timed(StoreOp::AccountWrite);
        let mut tx = self.pool.begin().await?;
        let taken =
            sqlx::query("DELETE FROM pending_revocations WHERE device_uid = $1 AND due_at <= $2")
                .bind(device.to_string())
                .bind(time_text(now))
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if taken != 1 {
            return Ok(None);
        }
        let revoked = self.revoke_in(&mut tx, device, entry, &log_out).await?;
        tx.commit().await?;
        Ok(revoked)
    }

    /// How many requests for `username` are pending and not yet run out,
    /// and when the first of them runs out (`None` when there are none).
    /// Served by the partial index `sessions_username_live`, so asking on
    /// every request stays cheap however many sessions the name has had.
    pub async fn pending_for(
        &self,
        username: &str,
        now: DateTime<Utc>,
    ) -> Result<(i64, Option<DateTime<Utc>>), StoreError> {
        let _timer = self.timed(StoreOp::SessionList);
        let row = sqlx::query(
            "SELECT COUNT(*) AS pending, MIN(runs_out_at) AS first_out FROM sessions \
             WHERE username = $1 AND live = 1 AND status = 'pending' AND runs_out_at > $2",
        )
        .bind(username.to_owned())
        .bind(time_text(now))
        .fetch_one(&self.pool)
        .await?;
        let first_out = row
            .try_get::<Option<String>, _>("first_out")?
            .map(|text| parse_time(&text))
            .transpose()?;
        Ok((row.try_get("pending")?, first_out))
    }
}

fn stored_revocation(row: &sqlx::any::AnyRow) -> Result<StoredRevocation, StoreError> {
    let uid =
        |name: &str| -> Result<Uuid, StoreError> { parse_uid(&row.try_get::<String, _>(name)?) };
    let time = |name: &str| -> Result<DateTime<Utc>, StoreError> {
        parse_time(&row.try_get::<String, _>(name)?)
    };
    Ok(StoredRevocation {
        pending: PendingRevocation {
            device: uid("device_uid")?,
            requested_by: uid("requested_by")?,
            requested_at: time("requested_at")?,
            due_at: time("due_at")?,
        },
        user_uid: uid("user_uid")?,
        source: row.try_get("source")?,
    })
}
