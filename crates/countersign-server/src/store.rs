//! Storage: one `Store` over SQLite (the embedded default) or PostgreSQL
//! (many instances, one database), with atomic compare-and-set transitions
//! and an audit log of every one.
//!
//! Both backends run the same SQL through sqlx's `Any` driver: every value is
//! text or an integer, every placeholder is `$n`, and the schema differs only
//! in how the audit log numbers its rows. So there is one implementation to
//! trust, and one behaviour suite runs against both.
//!
//! Sessions and the audit log are here; users, enrollments and devices in
//! `accounts`, the nonces of single-use authorisations in `nonces`, the
//! account statements accepted once in `used_statements`, and the schema's
//! migrations in `migrate`.

use chrono::{DateTime, SecondsFormat, Utc};
use countersign_core::{LoginSession, ShortUid, Status, VerificationCode};
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Executor as _, Row as _};
use uuid::Uuid;

mod account_view;
mod accounts;
mod admin;
mod approver;
mod counts;
mod decision;
mod decision_group;
pub mod histogram;
mod latency;
mod migrate;
mod nonces;
mod one_change;
mod passkeys;
mod recovery;
mod used_statements;
mod writer;

pub use used_statements::{USED_GRACE, UsedStatement};
mod retention;

pub use account_view::SessionCursor;
pub use admin::{AuditFilter, NumberedEntry, UserState};
pub use approver::Approver;
pub use latency::{Latency, StoreOp};
pub use passkeys::{Counted, CounterStep, StoredPasskey};
pub use recovery::StoredRevocation;
pub use retention::Pruned;

/// What went wrong in storage. Never shown to clients as is.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database failed or refused.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// A stored row could not be read back.
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// The database URL is not SQLite or PostgreSQL.
    #[error("unsupported database URL (use sqlite:// or postgres://)")]
    UnsupportedUrl,
    /// Rows kept changing under a transaction that must see them still;
    /// trying again usually succeeds.
    #[error("the rows kept changing; try again")]
    Contended,
    /// A single-use account statement was accepted before (its signature
    /// is recorded): a replay. Nothing was written.
    #[error("the statement was already used")]
    StatementUsed,
}

/// Which SQL dialect the store speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite in one file.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// A stored session with the version its compare-and-set must name.
#[derive(Debug, Clone)]
pub struct Versioned {
    /// The session.
    pub session: LoginSession,
    /// Its row version.
    pub version: i64,
}

/// What a compare-and-set did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Swap {
    /// The session was replaced.
    Done,
    /// Another change came first: the row is no longer at the version
    /// named. Nothing was written.
    Lost,
    /// The device that signed the change is revoked. Nothing was written.
    SignerRevoked,
    /// The session is still at the version named, but its verification
    /// code is not the one the approval typed ([`CodeCheck::Typed`]).
    /// Nothing was written.
    WrongCode,
}

/// What a compare-and-set requires of the session's stored verification
/// code, compared in the UPDATE itself. The code is read nowhere else: it
/// leaves the database only in the answer to the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    /// Nothing: the change does not depend on the code.
    Any,
    /// An approval: it applies only if the code typed is the stored one.
    Typed(VerificationCode),
    /// The denial of an approval whose code was wrong: it applies only if
    /// the code typed is not the stored one.
    Mistyped(VerificationCode),
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    /// When.
    pub at: DateTime<Utc>,
    /// The session, for session events.
    pub session_uid: Option<Uuid>,
    /// What the event is about: `session`, `device`, `user`, `enrollment`.
    pub subject: String,
    /// What happened.
    pub action: String,
    /// The status before, for transitions.
    pub from_status: Option<String>,
    /// The status after, for transitions.
    pub to_status: Option<String>,
    /// The user who acted.
    pub user_uid: Option<Uuid>,
    /// The device that signed.
    pub device_uid: Option<Uuid>,
    /// The address the request came from.
    pub source: Option<String>,
    /// What else there is to know, such as the revocation that logged a
    /// session out.
    pub note: Option<String>,
}

/// The database behind the service.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// On a SQLite file, the task that commits new sessions and their
    /// compare-and-sets in groups (`writer`); `None` on PostgreSQL, whose
    /// connections write side by side.
    writer: Option<writer::Writer>,
    /// On PostgreSQL, the task that commits compare-and-sets in groups
    /// (`decision_group`); `None` on SQLite.
    decisions: Option<decision_group::Decisions>,
    url: String,
    /// Shared by clones, so that every operation of the service is in it.
    latency: std::sync::Arc<Latency>,
}

/// The PostgreSQL channel on which every session change is announced, with
/// `uid:version` (the session's uid and its new row version) as payload,
/// so that waiters on every instance wake and caches never go back.
pub const CHANGES_CHANNEL: &str = "countersign_session_changes";

pub(crate) fn time_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn parse_time(text: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| StoreError::Corrupt(format!("time {text:?}")))
}

fn parse_uid(text: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(text).map_err(|_| StoreError::Corrupt(format!("uid {text:?}")))
}

fn is_live(status: Status) -> i64 {
    i64::from(!status.is_final())
}

impl Store {
    /// Connects to `url` (`sqlite://FILE` or `postgres://...`) and brings the
    /// schema up to date.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl);
        };
        let options = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 4,
                Backend::Postgres => 16,
            })
            // A ping before every query doubled the round trips (and, on
            // SQLite, the hand-offs to the connection's thread); a broken
            // connection fails its query instead and is dropped.
            .test_before_acquire(false);
        let options = if backend == Backend::Sqlite {
            options.after_connect(|conn, _| {
                Box::pin(async move {
                    // In WAL mode, NORMAL syncs at checkpoints rather than at
                    // every commit: a crash of the process loses nothing, a
                    // power cut may lose the last moments.
                    conn.execute(
                        "PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; \
                         PRAGMA synchronous = NORMAL;",
                    )
                    .await?;
                    Ok(())
                })
            })
        } else {
            options
        };
        let pool = options.connect(url).await?;
        if backend == Backend::Sqlite {
            pool.execute("PRAGMA journal_mode = WAL;").await?;
        }
        let writer = if backend == Backend::Sqlite && !in_memory(url) {
            Some(writer::Writer::start(url).await?)
        } else {
            None
        };
        let decisions =
            (backend == Backend::Postgres).then(|| decision_group::Decisions::start(&pool));
        let store = Self {
            pool,
            backend,
            writer,
            decisions,
            url: url.to_owned(),
            latency: std::sync::Arc::default(),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// The dialect in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The URL the store was opened with, for the PostgreSQL listener.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A query as cheap as can be, to see that the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        let _timer = self.timed(StoreOp::Ping);
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes every connection; every later call fails. For shutting down,
    /// and for tests of what a lost database looks like.
    pub async fn close(&self) {
        if let Some(writer) = &self.writer {
            writer.close().await;
        }
        self.pool.close().await;
    }

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
        let row = writer::NewRow {
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
                subject: "session".into(),
                action: "request".into(),
                from_status: None,
                to_status: Some(session.status().as_str().into()),
                user_uid: None,
                device_uid: None,
                source: Some(source.to_owned()),
                note: None,
            },
        };
        if let Some(writer) = &self.writer {
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
            // session was.
            let sql = format!(
                "WITH stored AS ({insert}) INSERT INTO audit (at, session_uid, \
                 subject, action, from_status, to_status, user_uid, device_uid, source, note) \
                 SELECT $4, uid, 'session', 'request', NULL, $5, NULL, NULL, $13, NULL FROM stored"
            );
            let inserted = bind(&sql)
                .bind(source.to_owned())
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

    /// Replaces a session if it is still at `version` and, when `signer`
    /// names the device that signed the change, that device is still
    /// unrevoked; writes the audit entry in the same transaction.
    pub async fn compare_and_set(
        &self,
        session: &LoginSession,
        version: i64,
        entry: &AuditEntry,
        signer: Option<Uuid>,
    ) -> Result<Swap, StoreError> {
        self.compare_and_set_code(session, version, entry, signer, CodeCheck::Any)
            .await
    }

    /// [`Self::compare_and_set`], which also requires of the stored
    /// verification code what `code` says, in the same UPDATE: an approval
    /// whose code is wrong answers [`Swap::WrongCode`] and writes nothing.
    pub async fn compare_and_set_code(
        &self,
        session: &LoginSession,
        version: i64,
        entry: &AuditEntry,
        signer: Option<Uuid>,
        code: CodeCheck,
    ) -> Result<Swap, StoreError> {
        let _timer = self.timed(StoreOp::SessionWrite);
        if let Some(writer) = &self.writer {
            return writer
                .swap(writer::SwapRow {
                    uid: session.uid().to_string(),
                    version,
                    status: session.status().as_str(),
                    live: is_live(session.status()),
                    runs_out_at: session.runs_out_at().map(time_text),
                    device_uid: session.device_uid().map(|uid| uid.to_string()),
                    body: session.to_json(),
                    signer: signer.map(|uid| uid.to_string()),
                    code,
                    entry: entry.clone(),
                })
                .await;
        }
        if let Some(decisions) = &self.decisions {
            let decision = decision::Decision::new(session, version, entry, signer, code, None);
            return match decisions.apply(decision).await? {
                Counted::Swap(swap) => Ok(swap),
                // Only a passkey's counter refuses so, and none was given.
                Counted::Regressed => Err(StoreError::Corrupt("a counter with no passkey".into())),
            };
        }
        let mut tx = self.pool.begin().await?;
        let swap = self
            .set_code_in(&mut tx, session, version, entry, signer, code)
            .await?;
        if swap == Swap::Done {
            tx.commit().await?;
        }
        Ok(swap)
    }

    /// The compare-and-set inside a transaction: replaces the session if it
    /// is still at `version` and its `signer` (if a device signed) is not
    /// revoked, with its audit entry and, on PostgreSQL, the announcement to
    /// other instances. Writes nothing unless it answers [`Swap::Done`].
    ///
    /// The device is checked in the UPDATE itself. SQLite runs one writer
    /// at a time, and the UPDATE is the transaction's first statement, so
    /// it sees every revocation committed before it, and a revocation
    /// after it sees the approval (and logs it out). PostgreSQL's UPDATE
    /// sees only revocations committed when it starts, so its statement
    /// (`decision`) first locks the device's row `FOR SHARE`: a revocation
    /// in progress is waited for (and then seen), and one that starts
    /// later waits for this transaction, then finds the approval among the
    /// device's logins.
    async fn set_in(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        session: &LoginSession,
        version: i64,
        entry: &AuditEntry,
        signer: Option<Uuid>,
    ) -> Result<Swap, StoreError> {
        self.set_code_in(tx, session, version, entry, signer, CodeCheck::Any)
            .await
    }

    /// [`Self::set_in`] with the requirement on the stored code added to
    /// the UPDATE's condition. The code never changes once written, so an
    /// UPDATE that finds the row still at `version` and its signer
    /// unrevoked failed on the code alone.
    async fn set_code_in(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        session: &LoginSession,
        version: i64,
        entry: &AuditEntry,
        signer: Option<Uuid>,
        code: CodeCheck,
    ) -> Result<Swap, StoreError> {
        if self.backend == Backend::Postgres {
            let decision = decision::Decision::new(session, version, entry, signer, code, None);
            return match decision::apply(tx, &decision).await? {
                Counted::Swap(swap) => Ok(swap),
                Counted::Regressed => Err(StoreError::Corrupt("a counter with no passkey".into())),
            };
        }
        let signer = signer.map(|uid| uid.to_string());
        let (update, typed) = cas_update_sql(code);
        let query = sqlx::query(&update)
            .bind(session.status().as_str())
            .bind(is_live(session.status()))
            .bind(session.runs_out_at().map(time_text))
            .bind(session.device_uid().map(|uid| uid.to_string()))
            .bind(session.to_json())
            .bind(session.uid().to_string())
            .bind(version)
            .bind(signer.clone());
        let query = match typed {
            Some(typed) => query.bind(i64::from(typed.value())),
            None => query,
        };
        if query.execute(&mut **tx).await?.rows_affected() != 1 {
            let revoked = match signer {
                Some(device) => {
                    sqlx::query("SELECT uid FROM devices WHERE uid = $1 AND revoked_at IS NOT NULL")
                        .bind(device)
                        .fetch_optional(&mut **tx)
                        .await?
                        .is_some()
                }
                None => false,
            };
            if revoked {
                return Ok(Swap::SignerRevoked);
            }
            let wrong_code = matches!(code, CodeCheck::Typed(_))
                && sqlx::query("SELECT uid FROM sessions WHERE uid = $1 AND version = $2")
                    .bind(session.uid().to_string())
                    .bind(version)
                    .fetch_optional(&mut **tx)
                    .await?
                    .is_some();
            return Ok(if wrong_code {
                Swap::WrongCode
            } else {
                Swap::Lost
            });
        }
        insert_audit(tx, entry).await?;
        Ok(Swap::Done)
    }

    /// The audit log of one session, oldest first.
    pub async fn audit_of(&self, session_uid: Uuid) -> Result<Vec<AuditEntry>, StoreError> {
        let _timer = self.timed(StoreOp::SessionList);
        let rows = sqlx::query(
            "SELECT at, session_uid, subject, action, from_status, to_status, user_uid, device_uid, \
             source, note FROM audit WHERE session_uid = $1 ORDER BY id",
        )
        .bind(session_uid.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(admin::audit_row).collect()
    }
}

/// The compare-and-set's UPDATE, binding the new status, live, runs-out
/// time, device, body ($1 to $5), the uid, the version, the signer ($6 to
/// $8) and, when `code` checks one, the code typed ($9, answered here).
fn cas_update_sql(code: CodeCheck) -> (String, Option<VerificationCode>) {
    let (code_condition, typed) = code_condition(code);
    let update = format!(
        "UPDATE sessions SET status = $1, live = $2, runs_out_at = $3, device_uid = $4, \
         version = version + 1, body = $5 WHERE uid = $6 AND version = $7 \
         AND NOT EXISTS (SELECT 1 FROM devices WHERE uid = $8 AND revoked_at IS NOT NULL)\
         {code_condition}"
    );
    (update, typed)
}

/// What `code` requires of the stored code, as a condition to add to the
/// compare-and-set's UPDATE (binding the code typed as `$9`, answered
/// here).
fn code_condition(code: CodeCheck) -> (&'static str, Option<VerificationCode>) {
    match code {
        CodeCheck::Any => ("", None),
        CodeCheck::Typed(typed) => (" AND verification_code = $9", Some(typed)),
        // A row without a code (closed before codes were stored) has no
        // code to match, so no typed code is right for it.
        CodeCheck::Mistyped(typed) => (
            " AND (verification_code IS NULL OR verification_code <> $9)",
            Some(typed),
        ),
    }
}

/// The INSERT of `rows` new sessions, binding 12 values each (uid, short
/// uid, username, request time, status, live, expiry, runs-out time,
/// device, body, code, the most requests its username may have pending:
/// row `i`'s from `$(12 i + 1)`), answering the uids stored. A row is
/// skipped if a uniqueness constraint refuses it (its short uid among live
/// sessions), a disabled user has its username, or its username has as
/// many pending requests, not run out at its request time, as it may have
/// (a count on the partial index of live sessions, in the INSERT rather
/// than a read before it: rows of one statement do not see each other, so
/// a group of requests for one name may pass the cap by its size, as
/// requests racing on several connections may).
pub(crate) fn insert_sessions_sql(rows: usize) -> String {
    let values: Vec<String> = (0..rows)
        .map(|i| {
            let params: Vec<String> = (1..=12).map(|n| format!("${}", i * 12 + n)).collect();
            format!("({})", params.join(", "))
        })
        .collect();
    // `WHERE` also tells SQLite's parser that `ON CONFLICT` is the
    // INSERT's, not a join's.
    format!(
        "INSERT INTO sessions (uid, short_uid, username, request_datetime, status, live, \
         expires_at, runs_out_at, device_uid, version, body, verification_code) \
         SELECT column1, column2, column3, column4, column5, column6, column7, column8, \
         column9, 1, column10, column11 FROM (VALUES {}) AS new WHERE NOT EXISTS \
         (SELECT 1 FROM users WHERE users.username = new.column3 AND disabled_at IS NOT NULL) \
         AND (SELECT COUNT(*) FROM sessions AS pending WHERE pending.username = new.column3 \
         AND pending.live = 1 AND pending.status = 'pending' \
         AND pending.runs_out_at > new.column4) < new.column12 \
         ON CONFLICT DO NOTHING RETURNING uid",
        values.join(", ")
    )
}

/// Whether a SQLite URL names a database in memory, which only the
/// connection that made it sees (so it gets no writer of its own).
fn in_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

/// The source of every audit entry an operator's command writes: the
/// actor is the operator, not a device.
pub const ADMIN_SOURCE: &str = "admin";

/// An audit entry for something other than a session transition.
pub fn audit_event(
    subject: &str,
    action: &str,
    at: DateTime<Utc>,
    user_uid: Option<Uuid>,
    device_uid: Option<Uuid>,
    source: Option<String>,
) -> AuditEntry {
    AuditEntry {
        at,
        session_uid: None,
        subject: subject.into(),
        action: action.into(),
        from_status: None,
        to_status: None,
        user_uid,
        device_uid,
        source,
        note: None,
    }
}

async fn insert_audit(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    entry: &AuditEntry,
) -> Result<(), StoreError> {
    let query = sqlx::query(
        "INSERT INTO audit (at, session_uid, subject, action, from_status, to_status, user_uid, \
         device_uid, source, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    );
    bind_audit(query, entry).execute(&mut **tx).await?;
    Ok(())
}

/// Binds an audit entry's ten values, in the audit table's column order.
fn bind_audit<'q>(query: one_change::Bound<'q>, entry: &AuditEntry) -> one_change::Bound<'q> {
    query
        .bind(time_text(entry.at))
        .bind(entry.session_uid.map(|u| u.to_string()))
        .bind(entry.subject.clone())
        .bind(entry.action.clone())
        .bind(entry.from_status.clone())
        .bind(entry.to_status.clone())
        .bind(entry.user_uid.map(|u| u.to_string()))
        .bind(entry.device_uid.map(|u| u.to_string()))
        .bind(entry.source.clone())
        .bind(entry.note.clone())
}

/// The sessions a `SELECT body, version FROM sessions` statement finds,
/// without their versions.
async fn sessions_found(
    pool: &AnyPool,
    query: one_change::Bound<'_>,
) -> Result<Vec<LoginSession>, StoreError> {
    let rows = query.fetch_all(pool).await?;
    rows.iter()
        .map(|row| versioned(row).map(|v| v.session))
        .collect()
}

fn versioned(row: &sqlx::any::AnyRow) -> Result<Versioned, StoreError> {
    let body: String = row.try_get("body")?;
    let session = LoginSession::from_json(&body).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(Versioned {
        session,
        version: row.try_get("version")?,
    })
}
