//! What a user reads of their own account, in pages that no one else can
//! flood: every live session whatever its age, then closed sessions by a
//! cursor; and the user's audit trail, newest first, by a cursor.

use chrono::{DateTime, Utc};
use countersign_core::LoginSession;
use countersign_core::api::AuditRecord;
use sqlx::Row as _;
use uuid::Uuid;

use super::admin::audit_row;
use super::{AUDIT_COLUMNS, Store, StoreError, StoreOp, sessions_found, time_text};

/// Where a page of closed sessions starts: strictly older than this request
/// time, or as old with a smaller uid (uids break ties of the millisecond).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionCursor {
    /// The request time of the last session of the previous page.
    pub requested: DateTime<Utc>,
    /// Its uid.
    pub uid: Uuid,
}

impl Store {
    /// The sessions of `username` that are still live: the approved and
    /// suspicious ones, then the pending ones, each newest first and at
    /// most `limit`. Apart, because anyone may ask for logins for the name
    /// and the cap on pending ones is soft (and the operator's to raise):
    /// no number of them may push out a login the user approved.
    pub async fn live_sessions_for(
        &self,
        username: &str,
        limit: i64,
    ) -> Result<Vec<LoginSession>, StoreError> {
        let _timer = self.timed(StoreOp::SessionList);
        let mut found = Vec::new();
        for status in ["status <> 'pending'", "status = 'pending'"] {
            let sql = format!(
                "SELECT body, version FROM sessions WHERE username = $1 AND live = 1 \
                 AND {status} ORDER BY request_datetime DESC LIMIT $2"
            );
            let query = sqlx::query(&sql).bind(username.to_owned()).bind(limit);
            found.extend(sessions_found(&self.pool, query).await?);
        }
        Ok(found)
    }

    /// A page of the closed sessions of `username`, newest first, starting
    /// after `cursor` (from the newest without one).
    pub async fn closed_sessions_for(
        &self,
        username: &str,
        cursor: Option<SessionCursor>,
        limit: i64,
    ) -> Result<Vec<LoginSession>, StoreError> {
        let _timer = self.timed(StoreOp::SessionList);
        // The farthest cursor possible when none is given, so that one
        // statement serves both.
        let (requested, uid) = match cursor {
            Some(cursor) => (time_text(cursor.requested), cursor.uid.to_string()),
            None => ("9999".to_owned(), String::new()),
        };
        let query = sqlx::query(
            "SELECT body, version FROM sessions WHERE username = $1 AND live = 0 \
             AND (request_datetime < $2 OR (request_datetime = $2 AND uid < $3)) \
             ORDER BY request_datetime DESC, uid DESC LIMIT $4",
        )
        .bind(username.to_owned())
        .bind(requested)
        .bind(uid)
        .bind(limit);
        sessions_found(&self.pool, query).await
    }

    /// A page of the audit trail of a user: entries they (their devices, or
    /// an operator on their account) caused, and entries about sessions
    /// requested for their name, refusals included; newest first, with an
    /// id below `before`.
    pub async fn audit_trail(
        &self,
        user_uid: Uuid,
        username: &str,
        before: i64,
        limit: i64,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let _timer = self.timed(StoreOp::SessionList);
        let sql = format!(
            "SELECT id, {AUDIT_COLUMNS} FROM audit WHERE id < $1 AND (user_uid = $2 \
             OR session_uid IN (SELECT uid FROM sessions WHERE username = $3)) \
             ORDER BY id DESC LIMIT $4"
        );
        let rows = sqlx::query(&sql)
            .bind(before)
            .bind(user_uid.to_string())
            .bind(username.to_owned())
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                // A record has no `user_uid`: the trail is of one user.
                let entry = audit_row(row)?;
                Ok(AuditRecord {
                    id: row.try_get("id")?,
                    at: entry.at,
                    session_uid: entry.session_uid,
                    subject: entry.subject,
                    action: entry.action,
                    from_status: entry.from_status,
                    to_status: entry.to_status,
                    device_uid: entry.device_uid,
                    source: entry.source,
                    revoked_device: entry.revoked_device,
                    deny_reason: entry.deny_reason,
                    note: entry.note,
                })
            })
            .collect()
    }
}
