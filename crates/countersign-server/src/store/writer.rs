//! SQLite's writer: one task, on one connection of its own, that commits
//! the hot writes (new sessions and their compare-and-sets) in groups.
//!
//! SQLite takes one writer at a time. With every pool connection writing,
//! writers met the file's lock and slept in SQLite's busy handler (1 ms,
//! 2 ms, 5 ms ...), and each transaction cost five hand-offs to sqlx's
//! connection thread and its own WAL frames. Here the writes waiting when
//! the task is free go in one `BEGIN IMMEDIATE` ... `COMMIT`: new sessions
//! in one multi-row INSERT (whose `RETURNING` names the ones stored) and
//! their audit rows in another, then each compare-and-set in turn. A
//! caller is answered only after the COMMIT returned, and in WAL mode a
//! committed transaction is in the operating system's hands, so a killed
//! process loses no acknowledged write. If any statement of a group
//! fails, the group is rolled back and each write is tried alone, so a
//! write fails only for its own fault.
//!
//! Copying the WAL's pages into the database file (a checkpoint) is not
//! the writer's job: SQLite has the connection that commits past 1,000
//! WAL pages do it, inside that commit, so every write waiting behind it
//! waited for its page writes and fsyncs (a large share of the server's
//! time per request in a profile; README has the figures). A checkpointer
//! on a
//! connection of its own does it every [`CHECKPOINT_EVERY`] instead,
//! beside the writer (a passive checkpoint never blocks a writer), and a
//! page written many times in between is copied once. The writer still
//! checkpoints past [`WRITER_CHECKPOINT_PAGES`], should the checkpointer
//! fall behind, so the WAL stays bounded. Neither changes what survives a
//! crash: a committed transaction is in the WAL either way.

use std::time::Duration;

use sqlx::{AnyConnection, Connection as _, Executor as _, Row as _};
use tokio::sync::{mpsc, oneshot};

use super::cas::{Cas, Swap};
use super::new_sessions::{NewRow, insert_sessions_sql};
use super::{
    AUDIT_COLUMNS, AUDIT_VALUES, AuditEntry, StoreError, audit_placeholders, bind_audit, cas_sqlite,
};

/// The most writes one group commits.
const MAX_GROUP: usize = 256;
/// New sessions per INSERT statement (12 values each, far below SQLite's
/// limit on a statement's variables).
const ROWS_PER_INSERT: usize = 64;
/// Writes waiting for the writer, beyond which callers wait to hand theirs
/// over.
const QUEUE: usize = 4096;
/// How often the checkpointer copies committed WAL pages into the file.
/// Often, so that the writer's own checkpoint (past
/// [`WRITER_CHECKPOINT_PAGES`], the only one that lets the WAL start over
/// while writes keep coming) finds little left to copy and sync: the
/// writer's checkpoint stalls every write behind it, and the less it has
/// to copy the shorter the stall (the bench's 99th percentile of requests
/// on 50 connections measures it). Idle, one is a no-op.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(50);
/// WAL pages (4 KiB each) past which the writer checkpoints itself.
const WRITER_CHECKPOINT_PAGES: u32 = 8_192;
/// The size the WAL file is cut back to when it starts over, in bytes: a
/// burst of requests (a few pages each) may grow it past the pages above
/// before a checkpoint lets it start over.
const WAL_KEPT_BYTES: u32 = 32 << 20;

enum Job {
    Insert(NewRow, oneshot::Sender<Result<bool, StoreError>>),
    Swap(Cas, oneshot::Sender<Result<Swap, StoreError>>),
    /// Ends the task (and closes its connection) once earlier jobs are done.
    Close(oneshot::Sender<()>),
}

/// What one write came to, before its caller is told.
enum Outcome {
    Inserted(bool),
    Swapped(Swap),
}

/// The handle callers send their writes through; clones share the task.
#[derive(Debug, Clone)]
pub(super) struct Writer {
    jobs: mpsc::Sender<Job>,
}

fn gone() -> StoreError {
    StoreError::Database(sqlx::Error::PoolClosed)
}

impl Writer {
    /// Opens the writer's connection to the SQLite file at `url` and
    /// starts its task.
    pub async fn start(url: &str) -> Result<Self, StoreError> {
        let checkpointer = connect(url, "").await?;
        let conn = connect(
            url,
            &format!(
                "PRAGMA wal_autocheckpoint = {WRITER_CHECKPOINT_PAGES}; \
                 PRAGMA journal_size_limit = {WAL_KEPT_BYTES};"
            ),
        )
        .await?;
        let (jobs, queue) = mpsc::channel(QUEUE);
        tokio::spawn(run(conn, queue));
        tokio::spawn(checkpoints(checkpointer, jobs.downgrade()));
        Ok(Self { jobs })
    }

    /// Stores a new session and its audit entry; `Ok(false)` if a
    /// uniqueness constraint (its short uid among live sessions) refused it,
    /// its user is disabled or its username has as many requests pending
    /// as it may.
    pub async fn insert(&self, row: NewRow) -> Result<bool, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job::Insert(row, reply))
            .await
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }

    /// A compare-and-set with its audit entry.
    pub async fn swap(&self, cas: Cas) -> Result<Swap, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job::Swap(cas, reply))
            .await
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }

    /// Finishes the writes handed over and closes the connection; later
    /// writes fail.
    pub async fn close(&self) {
        let (reply, done) = oneshot::channel();
        if self.jobs.send(Job::Close(reply)).await.is_ok() {
            let _ = done.await;
        }
    }
}

/// The task: takes the first write waiting and every other one waiting
/// then, commits them together, answers each.
async fn run(mut conn: AnyConnection, mut queue: mpsc::Receiver<Job>) {
    let mut closing = None;
    while let Some(first) = queue.recv().await {
        let mut group = Vec::new();
        let mut next = Some(first);
        while let Some(job) = next {
            match job {
                Job::Close(reply) => {
                    closing = Some(reply);
                    break;
                }
                job => group.push(job),
            }
            next = if group.len() < MAX_GROUP {
                queue.try_recv().ok()
            } else {
                None
            };
        }
        commit_group(&mut conn, group).await;
        if closing.is_some() {
            break;
        }
    }
    queue.close();
    let _ = conn.close().await;
    if let Some(reply) = closing {
        let _ = reply.send(());
    }
}

/// The checkpointer: every [`CHECKPOINT_EVERY`], a passive checkpoint on
/// its own connection, until the writer is closed or gone.
async fn checkpoints(mut conn: AnyConnection, writer: mpsc::WeakSender<Job>) {
    loop {
        tokio::time::sleep(CHECKPOINT_EVERY).await;
        if writer.upgrade().is_none_or(|jobs| jobs.is_closed()) {
            break;
        }
        if let Err(error) = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").await {
            // The writer's own checkpoints still bound the WAL.
            tracing::warn!(%error, "WAL checkpoint failed");
        }
    }
    let _ = conn.close().await;
}

/// Commits `group` in one transaction and answers each write; if that
/// fails, each write alone.
async fn commit_group(conn: &mut AnyConnection, group: Vec<Job>) {
    if group.is_empty() {
        return;
    }
    match attempt(conn, &group).await {
        Ok(outcomes) => answer(group, outcomes.into_iter().map(Ok).collect()),
        Err(error) if group.len() == 1 => answer(group, vec![Err(error)]),
        Err(error) => {
            tracing::debug!(%error, writes = group.len(), "a group failed; writing each alone");
            for job in group {
                let outcome = attempt(conn, std::slice::from_ref(&job))
                    .await
                    .and_then(|mut one| one.pop().ok_or_else(gone));
                answer(vec![job], vec![outcome]);
            }
        }
    }
}

/// Sends each job its outcome (same order); a caller that went away is not
/// told, and its write stands.
fn answer(group: Vec<Job>, outcomes: Vec<Result<Outcome, StoreError>>) {
    for (job, outcome) in group.into_iter().zip(outcomes) {
        match (job, outcome) {
            (Job::Insert(_, reply), Ok(Outcome::Inserted(done))) => {
                let _ = reply.send(Ok(done));
            }
            (Job::Swap(_, reply), Ok(Outcome::Swapped(swap))) => {
                let _ = reply.send(Ok(swap));
            }
            (Job::Insert(_, reply), Err(e)) => {
                let _ = reply.send(Err(e));
            }
            (Job::Swap(_, reply), Err(e)) => {
                let _ = reply.send(Err(e));
            }
            (Job::Insert(_, reply), Ok(Outcome::Swapped(_))) => {
                let _ = reply.send(Err(gone()));
            }
            (Job::Swap(_, reply), Ok(Outcome::Inserted(_))) => {
                let _ = reply.send(Err(gone()));
            }
            (Job::Close(_), _) => {}
        }
    }
}

/// Runs `group` in one transaction: the outcomes in the group's order once
/// committed, or the first error (everything rolled back).
async fn attempt(conn: &mut AnyConnection, group: &[Job]) -> Result<Vec<Outcome>, StoreError> {
    // IMMEDIATE takes the write lock at once, so every statement after it
    // sees every transaction committed before (a revocation included).
    conn.execute("BEGIN IMMEDIATE").await?;
    match writes(conn, group).await {
        Ok(outcomes) => match conn.execute("COMMIT").await {
            Ok(_) => Ok(outcomes),
            Err(e) => {
                let _ = conn.execute("ROLLBACK").await;
                Err(e.into())
            }
        },
        Err(e) => {
            let _ = conn.execute("ROLLBACK").await;
            Err(e)
        }
    }
}

/// The group's statements, inside its transaction. New sessions first: no
/// compare-and-set can be about a session whose request is unanswered.
async fn writes(conn: &mut AnyConnection, group: &[Job]) -> Result<Vec<Outcome>, StoreError> {
    let new: Vec<&NewRow> = group
        .iter()
        .filter_map(|job| match job {
            Job::Insert(row, _) => Some(row),
            _ => None,
        })
        .collect();
    let mut stored = std::collections::HashSet::new();
    for chunk in new.chunks(ROWS_PER_INSERT) {
        stored.extend(insert_sessions(conn, chunk).await?);
        let entries: Vec<&AuditEntry> = chunk
            .iter()
            .filter(|row| stored.contains(&row.uid))
            .map(|row| &row.entry)
            .collect();
        insert_audits(conn, &entries).await?;
    }
    let mut outcomes = Vec::with_capacity(group.len());
    for job in group {
        outcomes.push(match job {
            Job::Insert(row, _) => Outcome::Inserted(stored.contains(&row.uid)),
            Job::Swap(cas, _) => Outcome::Swapped(cas_sqlite::apply(conn, cas).await?),
            Job::Close(_) => return Err(gone()),
        });
    }
    Ok(outcomes)
}

/// Inserts `rows`, skipping those a uniqueness constraint refuses and
/// those of a disabled user; answers the uids stored.
async fn insert_sessions(
    conn: &mut AnyConnection,
    rows: &[&NewRow],
) -> Result<Vec<String>, StoreError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let sql = insert_sessions_sql(rows.len());
    let mut query = sqlx::query(&sql);
    for row in rows {
        query = query
            .bind(&row.uid)
            .bind(&row.short_uid)
            .bind(&row.username)
            .bind(&row.request_datetime)
            .bind(row.status)
            .bind(row.live)
            .bind(&row.expires_at)
            .bind(&row.runs_out_at)
            .bind(&row.device_uid)
            .bind(&row.body)
            .bind(row.code)
            .bind(row.max_pending);
    }
    let stored = query.fetch_all(&mut *conn).await?;
    stored
        .iter()
        .map(|row| row.try_get::<String, _>("uid").map_err(StoreError::from))
        .collect()
}

/// Inserts audit entries, in order, in one statement.
async fn insert_audits(
    conn: &mut AnyConnection,
    entries: &[&AuditEntry],
) -> Result<(), StoreError> {
    if entries.is_empty() {
        return Ok(());
    }
    let values: Vec<String> = (0..entries.len())
        .map(|i| format!("({})", audit_placeholders(i * AUDIT_VALUES + 1)))
        .collect();
    let sql = format!(
        "INSERT INTO audit ({AUDIT_COLUMNS}) VALUES {}",
        values.join(", ")
    );
    let mut query = sqlx::query(&sql);
    for entry in entries {
        query = bind_audit(query, entry);
    }
    query.execute(&mut *conn).await?;
    Ok(())
}

/// A connection to the SQLite file at `url` as the writer's connections
/// are made: in WAL mode, waiting up to 5 s for a lock, with foreign keys
/// on and statement journals in memory, then `extra` pragmas.
async fn connect(url: &str, extra: &str) -> Result<AnyConnection, StoreError> {
    let mut conn = AnyConnection::connect(url).await?;
    // As the pool's connections: a killed process loses nothing, a power
    // cut may lose the last moments. A multi-row INSERT keeps the pages it
    // changes in a statement journal, to undo it alone should it fail
    // halfway; past 64 KiB SQLite spills that journal to a temporary
    // file, which a profile of the request loop showed costly. Kept in
    // memory, it costs a copy. It is no part of what survives a
    // crash: the WAL is, and it is written as before.
    conn.execute(
        format!(
            "PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; \
             PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
             PRAGMA temp_store = MEMORY; {extra}"
        )
        .as_str(),
    )
    .await?;
    Ok(conn)
}
