//! Sessions in the store: a new session with its audit row, and the
//! reads of sessions by uid, short uid, username and run-out time. Their
//! changes are compare-and-sets (`cas`).

use chrono::{DateTime, Utc};
use countersign_core::api::{AuditAction, AuditSubject};
use countersign_core::{LoginSession, ShortUid, Status, VerificationCode};
use uuid::Uuid;

use super::new_sessions::{NewRow, insert_sessions_sql};
use super::{
    AUDIT_COLUMNS, AuditEntry, Backend, Store, StoreError, StoreOp, Versioned, Writes,
    insert_audit, is_live, sessions_found, time_text, versioned,
};

impl Store {
    /// Stores a new session with the verification code drawn for it.
    /// `Ok(false)` if its short uid is taken by a live session (the caller
    /// draws a new uid), a user has its username and is disabled, or
    /// `max_pending` requests for its username are pending and not run out
    /// (all checked in the INSERT, so a request needs no read before it).
    pub async fn insert_session(
        &self,
        session: &LoginSession,
        code: VerificationCode,
        source: &str,
        max_pending: i64,
    ) -> Result<bool, StoreError> {
        let _timer = self.timed(StoreOp::SessionInsert);
        let row = NewRow {
            uid: session.uid().to_string(),
            short_uid: session.short_uid().to_string(),
            username: session.username().as_str().to_owned(),
            request_datetime: time_text(session.request_datetime()),
            status: session.status().as_str(),
            live: is_live(session.status()),
            expires_at: time_text(session.expires_at()),
            runs_out_at: session.runs_out_at().map(time_text),
            device_uid: session.device_uid().map(|uid| uid.to_string()),
            body: session.to_json(),
            code: i64::from(code.value()),
            max_pending,
            entry: AuditEntry {
                at: session.request_datetime(),
                session_uid: Some(session.uid()),
                subject: AuditSubject::Session,
                action: AuditAction::Request,
                from_status: None,
                to_status: Some(session.status().as_str().into()),
                user_uid: None,
                device_uid: None,
                source: Some(source.to_owned()),
                revoked_device: None,
                deny_reason: None,
                note: None,
            },
        };
        if let Writes::SqliteWriter(writer) = &self.writes {
            return writer.insert(row).await;
        }
        let insert = insert_sessions_sql(1);
        let bind = |sql| {
            sqlx::query(sql)
                .bind(row.uid.clone())
                .bind(row.short_uid.clone())
                .bind(row.username.clone())
                .bind(row.request_datetime.clone())
                .bind(row.status)
                .bind(row.live)
                .bind(row.expires_at.clone())
                .bind(row.runs_out_at.clone())
                .bind(row.device_uid.clone())
                .bind(row.body.clone())
                .bind(row.code)
                .bind(row.max_pending)
        };
        if self.backend == Backend::Postgres {
            // One statement, so one round trip and no transaction to open
            // and commit: the audit row is written if, and only if, the
            // session was. Its time and status are the session's ($4, $5).
            let sql = format!(
                "WITH stored AS ({insert}) INSERT INTO audit (at, session_uid, \
                 subject, action, from_status, to_status, user_uid, device_uid, source, note) \
                 SELECT $4, uid, $14, $15, NULL, $5, NULL, NULL, $13, NULL FROM stored"
            );
            let inserted = bind(&sql)
                .bind(source.to_owned())
                .bind(row.entry.subject.as_str().to_owned())
                .bind(row.entry.action.as_str().to_owned())
                .execute(&self.pool)
                .await?
                .rows_affected();
            return Ok(inserted == 1);
        }
        let mut tx = self.pool.begin().await?;
        if bind(&insert).fetch_optional(&mut *tx).await?.is_none() {
            return Ok(false);
        }
        insert_audit(&mut tx, &row.entry).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The session with this uid.
    pub async fn session(&self, uid: Uuid) -> Result<Option<Versioned>, StoreError> {
        let _timer = self.timed(StoreOp::SessionRead);
        let row = sqlx::query("SELECT body, version FROM sessions WHERE uid = $1")
            .bind(uid.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| versioned(&row)).transpose()
    }

    /// The live sessions with this short uid (at most one, by the index).
    pub async fn live_by_short_uid(&self, short: ShortUid) -> Result<Vec<Versioned>, StoreError> {
        let _timer = self.timed(StoreOp::SessionRead);
        let rows =
            sqlx::query("SELECT body, version FROM sessions WHERE short_uid = $1 AND live = 1")
                .bind(short.to_string())
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(versioned).collect()
    }

    /// Every session with this short uid, live or not (at most `limit`).
    pub async fn by_short_uid(
        &self,
        short: ShortUid,
        limit: i64,
    ) -> Result<Vec<Versioned>, StoreError> {
        let _timer = self.timed(StoreOp::SessionRead);
        let rows = sqlx::query("SELECT body, version FROM sessions WHERE short_uid = $1 LIMIT $2")
            .bind(short.to_string())
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(versioned).collect()
    }

    /// The most recent sessions requested for `username`.
    pub async fn sessions_for(
        &self,
        username: &str,
        limit: i64,
    ) -> Result<Vec<LoginSession>, StoreError> {
        let _timer = self.timed(StoreOp::SessionList);
        let query = sqlx::query(
            "SELECT body, version FROM sessions WHERE username = $1 \
             ORDER BY request_datetime DESC LIMIT $2",
        )
        .bind(username.to_owned())
        .bind(limit);
        sessions_found(&self.pool, query).await
    }

    /// The sessions of `username` reported suspicious and not yet closed,
    /// newest first (at most `limit`).
    pub async fn suspicious_for(
        &self,
        username: &str,
        limit: i64,
    ) -> Result<Vec<LoginSession>, StoreError> {
        let _timer = self.timed(StoreOp::SessionList);
        let query = sqlx::query(
            "SELECT body, version FROM sessions WHERE username = $1 AND status = $2 \
             ORDER BY request_datetime DESC LIMIT $3",
        )
        .bind(username.to_owned())
        .bind(Status::Suspicious.as_str())
        .bind(limit);
        sessions_found(&self.pool, query).await
    }

    /// Sessions whose time ran out by `now`: pending ones past their
    /// `expires_at`, approved ones past their `login_expires_at`.
    pub async fn run_out(
        &self,
        now: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<Versioned>, StoreError> {
        let _timer = self.timed(StoreOp::SessionList);
        let rows =
            sqlx::query("SELECT body, version FROM sessions WHERE runs_out_at <= $1 LIMIT $2")
                .bind(time_text(now))
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(versioned).collect()
    }

    /// The audit log of one session, oldest first.
    pub async fn audit_of(&self, session_uid: Uuid) -> Result<Vec<AuditEntry>, StoreError> {
        let _timer = self.timed(StoreOp::SessionList);
        let sql = format!("SELECT {AUDIT_COLUMNS} FROM audit WHERE session_uid = $1 ORDER BY id");
        let rows = sqlx::query(&sql)
            .bind(session_uid.to_string())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(super::admin::audit_row).collect()
    }
}
