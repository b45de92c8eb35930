//! PostgreSQL's compare-and-set of a session as one statement: the signing
//! device locked and checked, the passkey's counter moved, the session
//! replaced, its audit row written and the change announced, or nothing.
//!
//! A single statement is its own transaction and one round trip. The same
//! work as a transaction (BEGIN, the device's `FOR SHARE`, the counter's
//! UPDATE, the compare-and-set, COMMIT) took five, and round trips, not
//! the database's work, bounded approvals per second.
//!
//! Why it keeps every guarantee of the transaction it replaces:
//! - The device's row is locked `FOR SHARE` in a materialized CTE that the
//!   UPDATE's condition reads, so the lock is taken before the session's
//!   row is written. A revocation in progress is waited for, and a locking
//!   read that waited returns the row as the revocation committed it (not
//!   as the statement's snapshot saw it), so the revocation is seen; one
//!   that starts later waits for this statement, then finds the approval
//!   among the device's logins.
//! - The passkey's row is locked `FOR UPDATE` with the condition that its
//!   counter grows, in the same way: of two assertions with one counter,
//!   the second waits for the first and, once it committed, no longer
//!   finds its counter growing. The counter is written only for a session
//!   row the statement changed, so a change that loses leaves it alone.
//! - The session's UPDATE names its version: a change committed meanwhile
//!   is waited for and the row checked again at its new version, which
//!   no longer matches.
//! - The audit INSERT and `pg_notify` read the UPDATE's rows: written, and
//!   announced on commit, if and only if the session changed.

use countersign_core::{LoginSession, VerificationCode};
use sqlx::Row as _;
use uuid::Uuid;

use super::passkeys::CounterStep;
use super::{
    AuditEntry, CHANGES_CHANNEL, CodeCheck, StoreError, Swap, bind_audit, code_condition, is_live,
    time_text,
};

/// What the one statement did, and what it found when it did nothing.
#[derive(Debug, Clone, Copy)]
pub(super) struct Decided {
    /// The session was replaced (and the counter moved, the audit row
    /// written, the change announced).
    pub changed: bool,
    /// The signing device was revoked, as its locked row says.
    pub signer_revoked: bool,
    /// The passkey's counter would grow (always, when none was asserted).
    pub counted: bool,
}

/// Runs the compare-and-set on `conn` as one statement: replaces `session`
/// if it is still at `version`, `signer` (if a device signed) is not
/// revoked, the stored code is as `code` requires and, with `step`, the
/// passkey's counter grows (and then moves it). Outside a transaction the
/// statement commits itself; inside one, it is the caller's to commit.
pub(super) async fn decide(
    conn: &mut sqlx::AnyConnection,
    session: &LoginSession,
    version: i64,
    entry: &AuditEntry,
    signer: Option<Uuid>,
    code: CodeCheck,
    step: Option<&CounterStep>,
) -> Result<Decided, StoreError> {
    let (sql, typed) = decision_sql(code, step.is_some());
    let query = sqlx::query(&sql)
        .bind(session.status().as_str())
        .bind(is_live(session.status()))
        .bind(session.runs_out_at().map(time_text))
        .bind(session.device_uid().map(|uid| uid.to_string()))
        .bind(session.to_json())
        .bind(session.uid().to_string())
        .bind(version)
        .bind(signer.map(|uid| uid.to_string()));
    let query = match typed {
        Some(typed) => query.bind(i64::from(typed.value())),
        None => query,
    };
    let announced = format!("{}:{}", session.uid(), version + 1);
    let query = bind_audit(query, entry)
        .bind(CHANGES_CHANNEL)
        .bind(announced);
    let query = match step {
        Some(step) => query
            .bind(step.device.to_string())
            .bind(step.credential_id.clone())
            .bind(i64::from(step.count)),
        None => query,
    };
    let row = query.fetch_one(&mut *conn).await?;
    Ok(Decided {
        changed: row.try_get::<i64, _>("changed")? == 1,
        signer_revoked: row.try_get::<i64, _>("revoked")? > 0,
        counted: row.try_get::<i64, _>("counted")? > 0,
    })
}

/// Why a statement that changed nothing (and whose counter would have
/// grown) did not: its signer is revoked, or, for an approval, the session
/// is still at the version named and so the code typed was wrong, or
/// another change came first. The session is read afresh on `conn`, after
/// the statement: its own snapshot predates a change it waited for.
pub(super) async fn why_unchanged(
    conn: &mut sqlx::AnyConnection,
    decided: Decided,
    session: &LoginSession,
    version: i64,
    code: CodeCheck,
) -> Result<Swap, StoreError> {
    if decided.changed {
        return Ok(Swap::Done);
    }
    if decided.signer_revoked {
        return Ok(Swap::SignerRevoked);
    }
    let wrong_code = matches!(code, CodeCheck::Typed(_))
        && sqlx::query("SELECT uid FROM sessions WHERE uid = $1 AND version = $2")
            .bind(session.uid().to_string())
            .bind(version)
            .fetch_optional(&mut *conn)
            .await?
            .is_some();
    Ok(if wrong_code {
        Swap::WrongCode
    } else {
        Swap::Lost
    })
}

/// The statement, binding the new status, live, runs-out time, device,
/// body ($1 to $5), the uid, the version, the signer ($6 to $8), the code
/// typed when `code` checks one ($9, answered here), the audit entry's ten
/// values, the channel and `uid:version` to announce, and with `counter`
/// the passkey's device, credential id and new count. Answers `changed`,
/// `revoked` and `counted`, each a count.
fn decision_sql(code: CodeCheck, counter: bool) -> (String, Option<VerificationCode>) {
    let (code_condition, typed) = code_condition(code);
    let first = if typed.is_some() { 10 } else { 9 };
    let audit: Vec<String> = (first..first + 10).map(|n| format!("${n}")).collect();
    let (channel, payload) = (first + 10, first + 11);
    let (device, credential, count) = (first + 12, first + 13, first + 14);
    // Materialized: each is read twice (by the UPDATE and by the answer)
    // and must run once, taking its lock before the session is written.
    let signer = "signer AS MATERIALIZED (SELECT revoked_at FROM devices WHERE uid = $8 FOR SHARE)";
    let (counter_cte, counter_condition, advance, counted) = if counter {
        (
            format!(
                ", counter AS MATERIALIZED (SELECT 1 FROM passkeys WHERE device_uid = ${device} \
                 AND credential_id = ${credential} AND (sign_count < ${count} \
                 OR (sign_count = 0 AND ${count} = 0)) FOR UPDATE)"
            ),
            " AND EXISTS (SELECT 1 FROM counter)",
            format!(
                ", advanced AS (UPDATE passkeys SET sign_count = ${count} \
                 WHERE device_uid = ${device} AND credential_id = ${credential} \
                 AND EXISTS (SELECT 1 FROM updated))"
            ),
            "(SELECT COUNT(*) FROM counter)",
        )
    } else {
        (String::new(), "", String::new(), "CAST(1 AS BIGINT)")
    };
    let sql = format!(
        "WITH {signer}{counter_cte}, updated AS (UPDATE sessions SET status = $1, live = $2, \
         runs_out_at = $3, device_uid = $4, version = version + 1, body = $5 \
         WHERE uid = $6 AND version = $7 \
         AND NOT EXISTS (SELECT 1 FROM signer WHERE revoked_at IS NOT NULL)\
         {code_condition}{counter_condition} RETURNING uid){advance}, \
         audited AS (INSERT INTO audit (at, session_uid, subject, action, from_status, \
         to_status, user_uid, device_uid, source, note) SELECT {} FROM updated) \
         SELECT COUNT(*) AS changed, \
         (SELECT COUNT(*) FROM signer WHERE revoked_at IS NOT NULL) AS revoked, \
         {counted} AS counted \
         FROM (SELECT pg_notify(${channel}, ${payload}) FROM updated) AS sent",
        audit.join(", "),
    );
    (sql, typed)
}
