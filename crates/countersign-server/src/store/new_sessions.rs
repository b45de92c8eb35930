//! New sessions as their INSERT binds them: one statement for any number
//! of rows, used by SQLite's writer for a group and by the pool for one.

use super::AuditEntry;

/// A new session's row and its audit entry, as the INSERT binds them.
#[derive(Debug)]
pub(super) struct NewRow {
    pub uid: String,
    pub short_uid: String,
    pub username: String,
    pub request_datetime: String,
    pub status: &'static str,
    pub live: i64,
    pub expires_at: String,
    pub runs_out_at: Option<String>,
    pub device_uid: Option<String>,
    pub body: String,
    pub code: i64,
    /// The most requests its username may have pending.
    pub max_pending: i64,
    pub entry: AuditEntry,
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
pub(super) fn insert_sessions_sql(rows: usize) -> String {
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
