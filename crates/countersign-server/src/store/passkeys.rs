//! Passkeys in the store: one WebAuthn credential per device with the
//! signature counter last accepted, and the registrations in progress.
//!
//! A counter only grows: it is moved forward by a conditional UPDATE in the
//! transaction of the statement's effect (for a session, in its
//! compare-and-set: `Cas::counter`), so of two assertions with the same
//! counter (a replay, or a cloned authenticator) at most one commits, and a
//! refused statement leaves the counter where it was.

use chrono::{DateTime, Utc};
use sqlx::Row as _;
use uuid::Uuid;

use super::{AuditEntry, Store, StoreError, StoreOp, time_text};

/// A device's passkey as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPasskey {
    /// The credential id, base64url.
    pub credential_id: String,
    /// The WebAuthn library's record of the credential, JSON.
    pub credential: String,
    /// The signature counter last accepted.
    pub sign_count: u32,
}

/// The counter an accepted assertion moves its passkey to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounterStep {
    /// The device whose passkey it is.
    pub device: Uuid,
    /// The credential asserted, base64url.
    pub credential_id: String,
    /// The assertion's counter.
    pub count: u32,
}

/// Moves the counter in `tx`: `false` if it would not grow. An
/// authenticator that keeps no counter (zero, and zero stored) is let
/// through: its assertion is still bound to one statement, which is itself
/// accepted once.
async fn advance_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    step: &CounterStep,
) -> Result<bool, StoreError> {
    let count = i64::from(step.count);
    let moved = sqlx::query(
        "UPDATE passkeys SET sign_count = $1 WHERE device_uid = $2 AND credential_id = $3 \
         AND (sign_count < $1 OR (sign_count = 0 AND $1 = 0))",
    )
    .bind(count)
    .bind(step.device.to_string())
    .bind(step.credential_id.clone())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(moved == 1)
}

impl Store {
    /// The passkey of `device`, if it has one.
    pub async fn passkey(&self, device: Uuid) -> Result<Option<StoredPasskey>, StoreError> {
        let _timer = self.timed(StoreOp::AccountRead);
        let row = sqlx::query(
            "SELECT credential_id, credential, sign_count FROM passkeys WHERE device_uid = $1",
        )
        .bind(device.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            let count: i64 = row.try_get("sign_count")?;
            Ok(StoredPasskey {
                credential_id: row.try_get("credential_id")?,
                credential: row.try_get("credential")?,
                sign_count: u32::try_from(count)
                    .map_err(|_| StoreError::Corrupt(format!("sign count {count}")))?,
            })
        })
        .transpose()
    }

    /// The devices of `user` that have a passkey.
    pub async fn devices_with_passkeys(&self, user: Uuid) -> Result<Vec<Uuid>, StoreError> {
        let _timer = self.timed(StoreOp::AccountRead);
        let rows = sqlx::query(
            "SELECT passkeys.device_uid FROM passkeys JOIN devices ON devices.uid = \
             passkeys.device_uid WHERE devices.user_uid = $1",
        )
        .bind(user.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let text: String = row.try_get("device_uid")?;
                Uuid::parse_str(&text).map_err(|e| StoreError::Corrupt(e.to_string()))
            })
            .collect()
    }

    /// Keeps the registration `device` asked for (replacing an earlier
    /// one), until `expires_at`.
    pub async fn put_passkey_registration(
        &self,
        device: Uuid,
        state: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let _timer = self.timed(StoreOp::AccountWrite);
        sqlx::query(
            "INSERT INTO passkey_registrations (device_uid, state, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (device_uid) DO UPDATE SET state = excluded.state, \
             expires_at = excluded.expires_at",
        )
        .bind(device.to_string())
        .bind(state.to_owned())
        .bind(time_text(expires_at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The registration `device` asked for, if one is still open at `now`,
    /// left open: an answer is checked against it before it is taken, so
    /// that an answer posted by someone else does not close it.
    pub async fn passkey_registration(
        &self,
        device: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, StoreError> {
        let _timer = self.timed(StoreOp::AccountRead);
        let row = sqlx::query(
            "SELECT state FROM passkey_registrations WHERE device_uid = $1 AND expires_at >= $2",
        )
        .bind(device.to_string())
        .bind(time_text(now))
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| row.try_get("state"))
            .transpose()
            .map_err(Into::into)
    }

    /// Takes the registration `device` asked for, if one is still open at
    /// `now`: it is deleted either way, so an answer is tried once.
    pub async fn take_passkey_registration(
        &self,
        device: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, StoreError> {
        let _timer = self.timed(StoreOp::AccountWrite);
        let row = sqlx::query(
            "DELETE FROM passkey_registrations WHERE device_uid = $1 RETURNING state, expires_at",
        )
        .bind(device.to_string())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let expires_at: String = row.try_get("expires_at")?;
        if super::parse_time(&expires_at)? < now {
            return Ok(None);
        }
        Ok(Some(row.try_get("state")?))
    }

    /// Stores `device`'s new passkey with its audit entry: `false`, writing
    /// nothing, if the device has one already or the credential is
    /// another device's.
    pub async fn add_passkey(
        &self,
        device: Uuid,
        passkey: &StoredPasskey,
        entry: &AuditEntry,
    ) -> Result<bool, StoreError> {
        let _timer = self.timed(StoreOp::AccountWrite);
        let insert = sqlx::query(
            "INSERT INTO passkeys (device_uid, credential_id, credential, sign_count, created_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(device.to_string())
        .bind(passkey.credential_id.clone())
        .bind(passkey.credential.clone())
        .bind(i64::from(passkey.sign_count))
        .bind(time_text(entry.at));
        self.change_one(insert, entry, &[]).await
    }

    /// Moves a passkey's counter in a transaction of its own (for account
    /// statements, whose effect comes next and is itself accepted once).
    pub async fn advance_passkey_counter(&self, step: &CounterStep) -> Result<bool, StoreError> {
        let _timer = self.timed(StoreOp::AccountWrite);
        let mut tx = self.pool.begin().await?;
        if !advance_in(&mut tx, step).await? {
            return Ok(false);
        }
        tx.commit().await?;
        Ok(true)
    }
}
