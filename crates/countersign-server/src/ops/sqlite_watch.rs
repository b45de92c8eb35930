//! On SQLite, hears of changes that another process made to the database
//! file (an operator's `admin device revoke` while `serve` runs), which
//! PostgreSQL's LISTEN/NOTIFY would have announced: the sessions they
//! touched get a floor in the cache and their waiters wake.
//!
//! One dedicated read-only connection asks `PRAGMA data_version` every
//! [`POLL`]; the number moves whenever any other connection, in this
//! process or another, has committed. Only then does it read the audit
//! rows written since the last one it saw: every change of a session is a
//! compare-and-set with its audit entry in the same transaction, and SQLite
//! commits one writer at a time, so audit ids grow in commit order and
//! none is missed. Each named session's stored version becomes its floor
//! ("at least this"), which drops an older cached copy and keeps a read in
//! flight from putting one back, as an announcement does on PostgreSQL.
//!
//! Reads and writes of sessions pay nothing for this. This process's own
//! writes move the number too; their sessions are cached at that version
//! already, so the floor changes nothing and the extra wake finds no change.
//! When the connection fails, changes may have been missed: the cache is
//! cleared, every waiter looks again, and the connection is made anew.

use std::time::Duration;

use sqlx::{AnyConnection, Connection as _, Executor as _, Row as _};
use uuid::Uuid;

use crate::state::Shared;
use crate::store::Backend;

/// How often the data version is asked: a change by another process is
/// answered at most this much later (plus one short query).
pub const POLL: Duration = Duration::from_millis(200);

/// How long to wait before making a failed connection again.
const RETRY: Duration = Duration::from_secs(1);

/// Audit rows read at once when catching up.
const BATCH: i64 = 500;

/// Watches the file until the process ends; does nothing on PostgreSQL
/// (its LISTEN does this) or on an in-memory database (no other process
/// can open it).
pub async fn watch(state: Shared) {
    let url = state.store.url().to_owned();
    if state.store.backend() != Backend::Sqlite || in_memory(&url) {
        return;
    }
    loop {
        if let Err(error) = watch_once(&state, &url).await {
            tracing::warn!(%error, "watching the SQLite file for other processes' changes failed; retrying");
        }
        // Changes may have been missed while not watching.
        state.cache.clear();
        state.waiters.wake_all();
        tokio::time::sleep(RETRY).await;
    }
}

fn in_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

/// Watches on one connection until it fails.
async fn watch_once(state: &Shared, url: &str) -> Result<(), sqlx::Error> {
    let mut conn = AnyConnection::connect(url).await?;
    // This connection only reads; a checkpoint may keep a read waiting.
    conn.execute("PRAGMA query_only = ON; PRAGMA busy_timeout = 5000;")
        .await?;
    let mut seen = data_version(&mut conn).await?;
    let mut last: i64 = sqlx::query("SELECT COALESCE(MAX(id), 0) AS last FROM audit")
        .fetch_one(&mut conn)
        .await?
        .try_get("last")?;
    // A change committed before `last` was read is not caught up on, and
    // what is cached may predate it: forget it (reads in flight too).
    state.cache.clear();
    state.waiters.wake_all();
    let mut ticks = tokio::time::interval(POLL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let now = data_version(&mut conn).await?;
        if now != seen {
            // Read after the version, so a commit between the two is
            // either read now or moves the version again for the next tick.
            seen = now;
            last = catch_up(state, &mut conn, last).await?;
        }
    }
}

async fn data_version(conn: &mut AnyConnection) -> Result<i64, sqlx::Error> {
    sqlx::query("PRAGMA data_version")
        .fetch_one(conn)
        .await?
        .try_get(0)
}

/// Raises the floor of, and wakes the waiters on, every session named by
/// an audit row after `last`; answers the last row's id.
async fn catch_up(
    state: &Shared,
    conn: &mut AnyConnection,
    mut last: i64,
) -> Result<i64, sqlx::Error> {
    loop {
        let rows = sqlx::query(
            "SELECT a.id, a.session_uid, s.version FROM audit a \
             LEFT JOIN sessions s ON s.uid = a.session_uid \
             WHERE a.id > $1 ORDER BY a.id LIMIT $2",
        )
        .bind(last)
        .bind(BATCH)
        .fetch_all(&mut *conn)
        .await?;
        for row in &rows {
            last = row.try_get("id")?;
            let uid: Option<String> = row.try_get("session_uid")?;
            let Some(uid) = uid.and_then(|text| Uuid::parse_str(&text).ok()) else {
                // Not about a session (a device or user event).
                continue;
            };
            match row.try_get::<Option<i64>, _>("version")? {
                Some(version) => state.cache.at_least(uid, version),
                // No longer stored: nothing of it may be answered.
                None => state.cache.forget(uid),
            }
            state.waiters.wake(uid);
        }
        if i64::try_from(rows.len()).unwrap_or(i64::MAX) < BATCH {
            return Ok(last);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_memory_databases_are_not_watched() {
        assert!(in_memory("sqlite::memory:"));
        assert!(in_memory("sqlite://file?mode=memory&cache=shared"));
        assert!(!in_memory(
            "sqlite:///var/lib/countersign/countersign.sqlite3?mode=rwc"
        ));
    }
}
