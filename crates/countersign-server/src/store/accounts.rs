//! Users, their one-time enrollment links and their devices, with the
//! revocation of a device and the logouts it brings, in one transaction.

use chrono::{DateTime, Utc};
use countersign_core::api::{AuditAction, AuditSubject, DeviceInfo, UserInfo};
use countersign_core::{LoginSession, PublicKey};
use sqlx::Row as _;
use uuid::Uuid;

use super::recovery::INVITER_NOT_REVOKED;
use super::used_statements::{UsedStatement, record_in};
use super::{
    AuditEntry, Cas, Store, StoreError, Swap, Versioned, audit_event, insert_audit, parse_time,
    parse_uid, time_text, versioned,
};

/// How many times the revocation cascade reads the device's sessions again
/// after another instance changed one of them under it.
const CASCADE_TRIES: usize = 3;

impl Store {
    /// Adds a user and a one-time enrollment for them.
    pub async fn add_user(
        &self,
        user: &UserInfo,
        token_hash: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let _timer = self.timed(super::StoreOp::AccountWrite);
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO users (uid, username, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(user.uid.to_string())
        .bind(user.username.clone())
        .bind(time_text(now))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted != 1 {
            return Ok(false);
        }
        insert_enrollment(&mut tx, token_hash, user.uid, None, expires_at).await?;
        // Only an operator adds users (`admin user add`).
        let source = Some(super::ADMIN_SOURCE.into());
        let entry = audit_event(
            AuditSubject::User,
            AuditAction::Add,
            now,
            Some(user.uid),
            None,
            source,
        );
        insert_audit(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The user with this name.
    pub async fn user_by_name(&self, username: &str) -> Result<Option<UserInfo>, StoreError> {
        let _timer = self.timed(super::StoreOp::AccountRead);
        let row = sqlx::query("SELECT uid, username FROM users WHERE username = $1")
            .bind(username.to_owned())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user_row).transpose()
    }

    /// Every user, by name.
    pub async fn users(&self) -> Result<Vec<UserInfo>, StoreError> {
        let _timer = self.timed(super::StoreOp::AccountRead);
        let rows = sqlx::query("SELECT uid, username FROM users ORDER BY username")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(user_row).collect()
    }

    /// The user with this uid.
    pub async fn user(&self, uid: Uuid) -> Result<Option<UserInfo>, StoreError> {
        let _timer = self.timed(super::StoreOp::AccountRead);
        let row = sqlx::query("SELECT uid, username FROM users WHERE uid = $1")
            .bind(uid.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user_row).transpose()
    }

    /// Adds a one-time enrollment link for an existing user, made by the
    /// device `invited_by` (the link dies with it) or by an operator
    /// (`None`), recording the invitation statement that asked for it
    /// (`used`; none for an operator's link) in the same transaction:
    /// [`StoreError::StatementUsed`] and no link for a replay.
    pub async fn add_enrollment(
        &self,
        user_uid: Uuid,
        invited_by: Option<Uuid>,
        token_hash: &str,
        expires_at: DateTime<Utc>,
        entry: &AuditEntry,
        used: &[UsedStatement],
    ) -> Result<(), StoreError> {
        let _timer = self.timed(super::StoreOp::AccountWrite);
        let mut tx = self.pool.begin().await?;
        record_in(&mut tx, used).await?;
        insert_enrollment(&mut tx, token_hash, user_uid, invited_by, expires_at).await?;
        insert_audit(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The user an unused, unexpired enrollment is for.
    pub async fn enrollment_user(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Uuid>, StoreError> {
        let _timer = self.timed(super::StoreOp::AccountRead);
        let row = sqlx::query(&format!(
            "SELECT user_uid FROM enrollments WHERE token_hash = $1 AND used_at IS NULL \
                 AND expires_at > $2 AND {INVITER_NOT_REVOKED}"
        ))
        .bind(token_hash.to_owned())
        .bind(time_text(now))
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| parse_uid(&row.try_get::<String, _>("user_uid")?))
            .transpose()
    }

    /// Registers a device. With `token_hash`, the enrollment is used up in
    /// the same transaction, and only if it is still unused: `Ok(false)` if
    /// it was not (or the key is already registered). The enrollment
    /// statements (`used`) are recorded in it too:
    /// [`StoreError::StatementUsed`] for a replay.
    pub async fn add_device(
        &self,
        device: &DeviceInfo,
        token_hash: Option<&str>,
        entry: &AuditEntry,
        used: &[UsedStatement],
    ) -> Result<bool, StoreError> {
        let _timer = self.timed(super::StoreOp::AccountWrite);
        let mut tx = self.pool.begin().await?;
        record_in(&mut tx, used).await?;
        if let Some(token_hash) = token_hash {
            // PostgreSQL's UPDATE sees only revocations committed when it
            // starts: the inviting device's row is locked first, so a
            // revocation in progress is waited for (and then seen by the
            // UPDATE's fresh snapshot), and one that starts later waits for
            // this enrollment, which it then finds among the used links.
            if self.backend == super::Backend::Postgres {
                sqlx::query(
                    "SELECT inviter.uid FROM devices inviter JOIN enrollments \
                     ON inviter.uid = enrollments.invited_by \
                     WHERE enrollments.token_hash = $1 FOR SHARE OF inviter",
                )
                .bind(token_hash.to_owned())
                .fetch_optional(&mut *tx)
                .await?;
            }
            let used = sqlx::query(&format!(
                "UPDATE enrollments SET used_at = $1 WHERE token_hash = $2 AND user_uid = $3 \
                 AND used_at IS NULL AND expires_at > $1 AND {INVITER_NOT_REVOKED}"
            ))
            .bind(time_text(device.created_at))
            .bind(token_hash.to_owned())
            .bind(device.user_uid.to_string())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if used != 1 {
                return Ok(false);
            }
        }
        let inserted = sqlx::query(
            "INSERT INTO devices (uid, user_uid, name, public_key, created_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(device.uid.to_string())
        .bind(device.user_uid.to_string())
        .bind(device.name.clone())
        .bind(device.public_key.to_text())
        .bind(time_text(device.created_at))
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

    /// The device with this uid, revoked or not.
    pub async fn device(&self, uid: Uuid) -> Result<Option<DeviceInfo>, StoreError> {
        let _timer = self.timed(super::StoreOp::AccountRead);
        let row = sqlx::query(
            "SELECT uid, user_uid, name, public_key, created_at, revoked_at FROM devices WHERE uid = $1",
        )
        .bind(uid.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| device_row(&row)).transpose()
    }

    /// The devices of a user.
    pub async fn devices_of(&self, user_uid: Uuid) -> Result<Vec<DeviceInfo>, StoreError> {
        let _timer = self.timed(super::StoreOp::AccountRead);
        let rows = sqlx::query(
            "SELECT uid, user_uid, name, public_key, created_at, revoked_at FROM devices \
             WHERE user_uid = $1 ORDER BY created_at",
        )
        .bind(user_uid.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(device_row).collect()
    }

    /// Revokes a device unless it already is (`Ok(None)`), and in the same
    /// transaction logs out the live sessions it approved: `log_out` is
    /// given each one and answers it logged out with its audit entry, or
    /// `None` to leave it. Answers the sessions logged out, at their new
    /// versions. Each is a compare-and-set; if another instance changed one
    /// meanwhile, the device's sessions are read again, and after
    /// [`CASCADE_TRIES`] reads [`StoreError::Contended`] undoes it all.
    /// The revocation statement (`used`; none for an operator's) is
    /// recorded in the same transaction: [`StoreError::StatementUsed`] for
    /// a replay.
    pub async fn revoke_device(
        &self,
        uid: Uuid,
        entry: &AuditEntry,
        used: &[UsedStatement],
        log_out: impl Fn(&LoginSession) -> Option<(LoginSession, AuditEntry)>,
    ) -> Result<Option<Vec<Versioned>>, StoreError> {
        let _timer = self.timed(super::StoreOp::AccountWrite);
        let mut tx = self.pool.begin().await?;
        record_in(&mut tx, used).await?;
        let revoked = self.revoke_in(&mut tx, uid, entry, &log_out).await?;
        if revoked.is_some() {
            tx.commit().await?;
        }
        Ok(revoked)
    }

    /// [`Store::revoke_device`]'s work inside `tx`, left to the caller to
    /// commit: the device revoked, its pending revocations (of it, or asked
    /// by it) gone, and its live logins logged out.
    pub(super) async fn revoke_in(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        uid: Uuid,
        entry: &AuditEntry,
        log_out: &impl Fn(&LoginSession) -> Option<(LoginSession, AuditEntry)>,
    ) -> Result<Option<Vec<Versioned>>, StoreError> {
        let changed =
            sqlx::query("UPDATE devices SET revoked_at = $1 WHERE uid = $2 AND revoked_at IS NULL")
                .bind(time_text(entry.at))
                .bind(uid.to_string())
                .execute(&mut **tx)
                .await?
                .rows_affected();
        if changed != 1 {
            return Ok(None);
        }
        insert_audit(tx, entry).await?;
        sqlx::query("DELETE FROM pending_revocations WHERE device_uid = $1 OR requested_by = $1")
            .bind(uid.to_string())
            .execute(&mut **tx)
            .await?;
        let logged_out = self
            .log_out_live(
                tx,
                "SELECT body, version FROM sessions WHERE device_uid = $1 AND live = 1",
                uid.to_string(),
                log_out,
            )
            .await?;
        Ok(Some(logged_out))
    }

    /// Logs out, inside `tx`, the live sessions that `select` (one `$1`,
    /// bound to `key`) finds: `log_out` is given each one and answers it
    /// logged out with its audit entry, or `None` to leave it. Answers the
    /// sessions logged out, at their new versions. Each is a
    /// compare-and-set signed by no device (the revocation or the operator
    /// is the authority); if another instance changed one meanwhile, the
    /// sessions are read again, and after [`CASCADE_TRIES`] reads
    /// [`StoreError::Contended`], for the caller to undo it all.
    pub(super) async fn log_out_live(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        select: &'static str,
        key: String,
        log_out: impl Fn(&LoginSession) -> Option<(LoginSession, AuditEntry)>,
    ) -> Result<Vec<Versioned>, StoreError> {
        // Sessions logged out in a try that then lost one stay logged out
        // in `tx`: they are kept, not read again (no longer live).
        let mut logged_out = Vec::new();
        for _ in 0..CASCADE_TRIES {
            let rows = sqlx::query(select)
                .bind(key.clone())
                .fetch_all(&mut **tx)
                .await?;
            let mut lost = false;
            for row in &rows {
                let found = versioned(row)?;
                let Some((session, entry)) = log_out(&found.session) else {
                    continue;
                };
                if self
                    .compare_and_set_in(tx, &Cas::new(&session, found.version, &entry))
                    .await?
                    == Swap::Done
                {
                    logged_out.push(Versioned {
                        session,
                        version: found.version + 1,
                    });
                } else {
                    lost = true;
                }
            }
            if !lost {
                return Ok(logged_out);
            }
        }
        Err(StoreError::Contended)
    }
}

async fn insert_enrollment(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    token_hash: &str,
    user_uid: Uuid,
    invited_by: Option<Uuid>,
    expires_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO enrollments (token_hash, user_uid, expires_at, invited_by) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(token_hash.to_owned())
    .bind(user_uid.to_string())
    .bind(time_text(expires_at))
    .bind(invited_by.map(|uid| uid.to_string()))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(super) fn device_row(row: &sqlx::any::AnyRow) -> Result<DeviceInfo, StoreError> {
    let key: String = row.try_get("public_key")?;
    Ok(DeviceInfo {
        uid: parse_uid(&row.try_get::<String, _>("uid")?)?,
        user_uid: parse_uid(&row.try_get::<String, _>("user_uid")?)?,
        name: row.try_get("name")?,
        public_key: PublicKey::from_text(&key).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        created_at: parse_time(&row.try_get::<String, _>("created_at")?)?,
        revoked_at: row
            .try_get::<Option<String>, _>("revoked_at")?
            .map(|t| parse_time(&t))
            .transpose()?,
    })
}

/// A user read from a `SELECT uid, username` row.
fn user_row(row: &sqlx::any::AnyRow) -> Result<UserInfo, StoreError> {
    Ok(UserInfo {
        uid: parse_uid(&row.try_get::<String, _>("uid")?)?,
        username: row.try_get("username")?,
    })
}
