//! What an operator's commands read and change beyond the service's own
//! queries: users disabled and enabled (with the logouts a disable brings,
//! in one transaction), sessions listed by user and status, and the audit
//! log read in pages for an export.

use chrono::{DateTime, Utc};
use countersign_core::api::{AuditAction, AuditSubject, UserInfo, read_deny_reason};
use countersign_core::{LoginSession, Status};
use sqlx::Row as _;
use uuid::Uuid;

use super::{
    AUDIT_COLUMNS, AuditEntry, Backend, Store, StoreError, Versioned, insert_audit, parse_time,
    parse_uid, time_text, versioned,
};

/// A user with whether an operator disabled them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UserState {
    /// The user.
    #[serde(flatten)]
    pub user: UserInfo,
    /// When an operator disabled them; `None` while enabled.
    pub disabled_at: Option<DateTime<Utc>>,
}

/// Which audit rows an export wants; every filter given must hold.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Rows about this username: acted on by its user, or about a session
    /// requested for it (requests name no user until one is approved).
    pub username: Option<String>,
    /// The user's uid, when a user has the name.
    pub user_uid: Option<Uuid>,
    /// Rows about this session.
    pub session_uid: Option<Uuid>,
    /// Rows at or after this time.
    pub since: Option<DateTime<Utc>>,
}

/// An audit row with its number, which orders the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberedEntry {
    /// The row's id: later rows have higher ones.
    pub id: i64,
    /// The entry.
    pub entry: AuditEntry,
}

impl Store {
    /// The user with this name and whether they are disabled.
    pub async fn user_state(&self, username: &str) -> Result<Option<UserState>, StoreError> {
        let row = sqlx::query("SELECT uid, username, disabled_at FROM users WHERE username = $1")
            .bind(username.to_owned())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user_state).transpose()
    }

    /// Every user, by name, with whether they are disabled.
    pub async fn user_states(&self) -> Result<Vec<UserState>, StoreError> {
        let rows = sqlx::query("SELECT uid, username, disabled_at FROM users ORDER BY username")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(user_state).collect()
    }

    /// Whether the user with this uid is disabled.
    pub async fn is_user_disabled(&self, uid: Uuid) -> Result<bool, StoreError> {
        let _timer = self.timed(super::StoreOp::AccountRead);
        let row = sqlx::query("SELECT uid FROM users WHERE uid = $1 AND disabled_at IS NOT NULL")
            .bind(uid.to_string())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    /// Whether a user has this name and is disabled.
    pub async fn is_username_disabled(&self, username: &str) -> Result<bool, StoreError> {
        let _timer = self.timed(super::StoreOp::AccountRead);
        let row =
            sqlx::query("SELECT uid FROM users WHERE username = $1 AND disabled_at IS NOT NULL")
                .bind(username.to_owned())
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.is_some())
    }

    /// Disables a user unless they already are (`Ok(None)`), and in the
    /// same transaction logs out their live sessions: `log_out` is given
    /// each one and answers it logged out with its audit entry, or `None`
    /// to leave it. Answers the sessions logged out, at their new versions.
    /// As with a revocation, a session another instance changed meanwhile
    /// makes the sessions be read again (`Store::log_out_live`), and after a few reads
    /// [`StoreError::Contended`] undoes it all.
    ///
    /// On PostgreSQL the user's device rows are locked `FOR UPDATE` first:
    /// an approval in flight holds one `FOR SHARE` (see `set_in`), so it is
    /// waited for and then logged out here, and one that starts later
    /// waits for this transaction and loses its compare-and-set.
    pub async fn disable_user(
        &self,
        user: &UserInfo,
        entry: &AuditEntry,
        log_out: impl Fn(&LoginSession) -> Option<(LoginSession, AuditEntry)>,
    ) -> Result<Option<Vec<Versioned>>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let changed =
            sqlx::query("UPDATE users SET disabled_at = $1 WHERE uid = $2 AND disabled_at IS NULL")
                .bind(time_text(entry.at))
                .bind(user.uid.to_string())
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if changed != 1 {
            return Ok(None);
        }
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT uid FROM devices WHERE user_uid = $1 FOR UPDATE")
                .bind(user.uid.to_string())
                .fetch_all(&mut *tx)
                .await?;
        }
        insert_audit(&mut tx, entry).await?;
        let logged_out = self
            .log_out_live(
                &mut tx,
                "SELECT body, version FROM sessions WHERE username = $1 AND live = 1",
                user.username.clone(),
                log_out,
            )
            .await?;
        tx.commit().await?;
        Ok(Some(logged_out))
    }

    /// Enables a disabled user (`false` if they were not disabled). Their
    /// sessions logged out stay logged out.
    pub async fn enable_user(&self, uid: Uuid, entry: &AuditEntry) -> Result<bool, StoreError> {
        let enable = sqlx::query(
            "UPDATE users SET disabled_at = NULL WHERE uid = $1 AND disabled_at IS NOT NULL",
        )
        .bind(uid.to_string());
        self.change_one(enable, entry, &[]).await
    }

    /// The newest sessions (at most `limit`), of one username and in one
    /// stored status if asked.
    pub async fn sessions_listed(
        &self,
        username: Option<&str>,
        status: Option<Status>,
        limit: i64,
    ) -> Result<Vec<Versioned>, StoreError> {
        let mut conditions = Vec::new();
        let mut values = Vec::new();
        if let Some(username) = username {
            values.push(username.to_owned());
            conditions.push(format!("username = ${}", values.len()));
        }
        if let Some(status) = status {
            values.push(status.as_str().to_owned());
            conditions.push(format!("status = ${}", values.len()));
        }
        let sql = format!(
            "SELECT body, version FROM sessions{} ORDER BY request_datetime DESC LIMIT ${}",
            where_clause(&conditions),
            values.len() + 1
        );
        let mut query = sqlx::query(&sql);
        for value in values {
            query = query.bind(value);
        }
        let rows = query.bind(limit).fetch_all(&self.pool).await?;
        rows.iter().map(versioned).collect()
    }

    /// Copies a SQLite database into the new file `path` with `VACUUM
    /// INTO`: one consistent snapshot, taken while others read and write.
    /// SQLite itself refuses a `path` that exists and is not empty.
    pub async fn vacuum_into(&self, path: &str) -> Result<(), StoreError> {
        sqlx::query("VACUUM INTO $1")
            .bind(path.to_owned())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Up to `limit` audit rows after row `after` that pass `filter`,
    /// oldest first: an export reads page after page, in bounded memory.
    pub async fn audit_page(
        &self,
        filter: &AuditFilter,
        after: i64,
        limit: i64,
    ) -> Result<Vec<NumberedEntry>, StoreError> {
        let mut conditions = vec!["id > $1".to_owned()];
        let mut values = Vec::new();
        let next = |value: String, values: &mut Vec<String>| {
            values.push(value);
            format!("${}", values.len() + 1)
        };
        if let Some(username) = &filter.username {
            let name = next(username.clone(), &mut values);
            let mut about =
                format!("session_uid IN (SELECT uid FROM sessions WHERE username = {name})");
            if let Some(uid) = filter.user_uid {
                about = format!(
                    "(user_uid = {} OR {about})",
                    next(uid.to_string(), &mut values)
                );
            }
            conditions.push(about);
        }
        if let Some(session) = filter.session_uid {
            conditions.push(format!(
                "session_uid = {}",
                next(session.to_string(), &mut values)
            ));
        }
        if let Some(since) = filter.since {
            conditions.push(format!("at >= {}", next(time_text(since), &mut values)));
        }
        let sql = format!(
            "SELECT id, {AUDIT_COLUMNS} FROM audit{} ORDER BY id LIMIT ${}",
            where_clause(&conditions),
            values.len() + 2
        );
        let mut query = sqlx::query(&sql).bind(after);
        for value in values {
            query = query.bind(value);
        }
        let rows = query.bind(limit).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| {
                Ok(NumberedEntry {
                    id: row.try_get("id")?,
                    entry: audit_row(row)?,
                })
            })
            .collect()
    }
}

fn where_clause(conditions: &[String]) -> String {
    if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    }
}

/// A user read from a `SELECT uid, username, disabled_at` row.
fn user_state(row: &sqlx::any::AnyRow) -> Result<UserState, StoreError> {
    Ok(UserState {
        user: UserInfo {
            uid: parse_uid(&row.try_get::<String, _>("uid")?)?,
            username: row.try_get("username")?,
        },
        disabled_at: row
            .try_get::<Option<String>, _>("disabled_at")?
            .map(|t| parse_time(&t))
            .transpose()?,
    })
}

/// An audit entry read from a row with every column of `audit`
/// ([`AUDIT_COLUMNS`]). A subject, action or deny reason written by a newer
/// version is read as core's vocabulary reads it (kept as unrecognised, or
/// no reason), so that an older reader of a shared database still reads
/// every row.
pub(super) fn audit_row(row: &sqlx::any::AnyRow) -> Result<AuditEntry, StoreError> {
    let uid = |name: &str| -> Result<Option<Uuid>, StoreError> {
        row.try_get::<Option<String>, _>(name)?
            .map(|t| parse_uid(&t))
            .transpose()
    };
    Ok(AuditEntry {
        at: parse_time(&row.try_get::<String, _>("at")?)?,
        session_uid: uid("session_uid")?,
        subject: AuditSubject::read(&row.try_get::<String, _>("subject")?),
        action: AuditAction::read(&row.try_get::<String, _>("action")?),
        from_status: row.try_get("from_status")?,
        to_status: row.try_get("to_status")?,
        user_uid: uid("user_uid")?,
        device_uid: uid("device_uid")?,
        source: row.try_get("source")?,
        revoked_device: uid("revoked_device")?,
        deny_reason: row
            .try_get::<Option<String>, _>("deny_reason")?
            .as_deref()
            .and_then(read_deny_reason),
        note: row.try_get("note")?,
    })
}
