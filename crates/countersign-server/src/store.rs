//! Storage: one `Store` over SQLite (the embedded default) or PostgreSQL
//! (many instances, one database), with atomic compare-and-set transitions
//! and an audit log of every one.
//!
//! Both backends go through sqlx's `Any` driver, every value text or an
//! integer and every placeholder `$n`, so most statements are the same SQL
//! on both. Where the dialects differ each has its own: the compare-and-set
//! (`cas` is what both apply, `cas_sqlite` and `cas_postgres` the
//! statements), a new session's INSERT with its audit row (`sessions`),
//! PostgreSQL's group locks, and the migrations noted in `migrate`. How
//! sessions are written differs too ([`Writes`]): on a SQLite file one
//! writer task commits new sessions and compare-and-sets in groups
//! (`writer`); on PostgreSQL a few tasks commit compare-and-sets in groups
//! (`cas_groups`). One behaviour suite runs against both.
//!
//! Sessions are in `sessions`, the audit log's rows here; users,
//! enrollments and devices in `accounts`, passkeys in `passkeys`, pending
//! revocations in `recovery`, the account view's pages in `account_view`,
//! the operator's reads and writes in `admin`, retention in `retention`,
//! the nonces of single-use authorisations in `nonces`, the account
//! statements accepted once in `used_statements`, and the schema's
//! migrations in `migrate`.

use chrono::{DateTime, SecondsFormat, Utc};
use countersign_core::api::{AuditAction, AuditSubject};
use countersign_core::{DenyReason, LoginSession, Status};
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyConnection, AnyPool, Executor as _, Row as _};
use uuid::Uuid;

mod account_view;
mod accounts;
mod admin;
mod approver;
mod cas;
mod cas_groups;
mod cas_postgres;
mod cas_sqlite;
mod counts;
pub mod histogram;
mod latency;
mod migrate;
mod new_sessions;
mod nonces;
mod one_change;
mod passkeys;
mod recovery;
mod retention;
mod sessions;
mod used_statements;
mod writer;

pub use account_view::SessionCursor;
pub use admin::{AuditFilter, NumberedEntry, UserState};
pub use approver::Approver;
pub use cas::{Cas, CodeCheck, Swap};
pub use latency::{Latency, StoreOp};
pub use passkeys::{CounterStep, StoredPasskey};
pub use recovery::StoredRevocation;
pub use retention::Pruned;
pub use used_statements::{USED_GRACE, UsedStatement};

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

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    /// When.
    pub at: DateTime<Utc>,
    /// The session, for session events.
    pub session_uid: Option<Uuid>,
    /// What the event is about.
    pub subject: AuditSubject,
    /// What happened.
    pub action: AuditAction,
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
    /// The device whose revocation logged a session out.
    pub revoked_device: Option<Uuid>,
    /// Why a session was denied, beyond a plain refusal.
    pub deny_reason: Option<DenyReason>,
    /// What else there is to know, in words (an operator's logout, a
    /// revocation asked or cancelled).
    pub note: Option<String>,
}

/// How this store's writes of sessions go.
#[derive(Debug, Clone)]
enum Writes {
    /// SQLite in a file: one task, on a connection of its own, commits new
    /// sessions and compare-and-sets in groups (`writer`); the pool's
    /// connections write everything else.
    SqliteWriter(writer::Writer),
    /// PostgreSQL: tasks commit compare-and-sets in groups (`cas_groups`);
    /// everything else goes by the pool, whose connections write side by
    /// side.
    Postgres(cas_groups::Groups),
    /// SQLite in memory, which only the connection that made it sees:
    /// everything by the pool (whose one connection is that one).
    Pool,
}

/// The database behind the service.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    writes: Writes,
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
        let writes = match backend {
            Backend::Sqlite if in_memory(url) => Writes::Pool,
            Backend::Sqlite => Writes::SqliteWriter(writer::Writer::start(url).await?),
            Backend::Postgres => Writes::Postgres(cas_groups::Groups::start(&pool)),
        };
        let store = Self {
            pool,
            backend,
            writes,
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
        if let Writes::SqliteWriter(writer) = &self.writes {
            writer.close().await;
        }
        self.pool.close().await;
    }

    /// The compare-and-set of a session, the one way a stored session
    /// changes: `cas` is applied if the session is still at the version it
    /// names and every other condition it carries holds, with its audit
    /// row in the same transaction; otherwise nothing is written, and the
    /// answer says why.
    pub async fn compare_and_set(&self, cas: Cas) -> Result<Swap, StoreError> {
        let _timer = self.timed(StoreOp::SessionWrite);
        match &self.writes {
            Writes::SqliteWriter(writer) => writer.swap(cas).await,
            Writes::Postgres(groups) => groups.apply(cas).await,
            Writes::Pool => {
                let mut tx = self.pool.begin().await?;
                let swap = cas_sqlite::apply(&mut tx, &cas).await?;
                if swap == Swap::Done {
                    tx.commit().await?;
                }
                Ok(swap)
            }
        }
    }

    /// [`Store::compare_and_set`] inside `tx`, a transaction of the
    /// caller's that does more (a revocation logging out its device's
    /// logins): left to the caller to commit.
    pub(super) async fn compare_and_set_in(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        cas: &Cas,
    ) -> Result<Swap, StoreError> {
        match self.backend {
            Backend::Sqlite => cas_sqlite::apply(tx, cas).await,
            Backend::Postgres => cas_postgres::apply(tx, cas).await,
        }
    }
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
    subject: AuditSubject,
    action: AuditAction,
    at: DateTime<Utc>,
    user_uid: Option<Uuid>,
    device_uid: Option<Uuid>,
    source: Option<String>,
) -> AuditEntry {
    AuditEntry {
        at,
        session_uid: None,
        subject,
        action,
        from_status: None,
        to_status: None,
        user_uid,
        device_uid,
        source,
        revoked_device: None,
        deny_reason: None,
        note: None,
    }
}

async fn insert_audit(conn: &mut AnyConnection, entry: &AuditEntry) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO audit ({AUDIT_COLUMNS}) VALUES ({})",
        audit_placeholders(1)
    );
    bind_audit(sqlx::query(&sql), entry).execute(conn).await?;
    Ok(())
}

/// The audit table's columns an entry fills, in [`bind_audit`]'s order.
const AUDIT_COLUMNS: &str = "at, session_uid, subject, action, from_status, to_status, \
     user_uid, device_uid, source, revoked_device, deny_reason, note";

/// How many values [`bind_audit`] binds: one per column of
/// [`AUDIT_COLUMNS`].
const AUDIT_VALUES: usize = 12;

/// `$first, ...`: the placeholders of one entry's values.
fn audit_placeholders(first: usize) -> String {
    let params: Vec<String> = (first..first + AUDIT_VALUES)
        .map(|n| format!("${n}"))
        .collect();
    params.join(", ")
}

/// Binds an audit entry's values ([`AUDIT_VALUES`] of them), in the order
/// of [`AUDIT_COLUMNS`].
fn bind_audit<'q>(query: one_change::Bound<'q>, entry: &AuditEntry) -> one_change::Bound<'q> {
    query
        .bind(time_text(entry.at))
        .bind(entry.session_uid.map(|u| u.to_string()))
        .bind(entry.subject.as_str().to_owned())
        .bind(entry.action.as_str().to_owned())
        .bind(entry.from_status.clone())
        .bind(entry.to_status.clone())
        .bind(entry.user_uid.map(|u| u.to_string()))
        .bind(entry.device_uid.map(|u| u.to_string()))
        .bind(entry.source.clone())
        .bind(entry.revoked_device.map(|u| u.to_string()))
        .bind(entry.deny_reason.map(|r| r.as_str()))
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
