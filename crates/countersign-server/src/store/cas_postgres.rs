//! PostgreSQL's compare-and-set of a session ([`Cas`]) as one statement: the signing
//! device locked and checked, the passkey's counter moved, the session
//! replaced, its audit row written and the change announced, or nothing.
//!
//! One round trip where the same work as separate statements (the
//! device's `FOR SHARE`, the counter's UPDATE, the compare-and-set) took
//! three. Alone it is its own transaction; `cas_groups` runs the
//! compare-and-sets waiting at once in one transaction, one statement each.
//!
//! Why it keeps every guarantee of the statements it replaces:
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
//!   (or made earlier in the same transaction) is waited for and the row
//!   checked again at its new version, which no longer matches.
//! - The audit INSERT and `pg_notify` read the UPDATE's rows: written, and
//!   announced on commit, if and only if the session changed.

use sqlx::Row as _;

use super::cas::{Cas, CodeCheck, Swap, still_at_version};
use super::{
    AUDIT_COLUMNS, AUDIT_VALUES, CHANGES_CHANNEL, StoreError, audit_placeholders, bind_audit,
};

/// Runs `cas` on `conn` and says what it did: its statement, then, if that
/// changed nothing, a read of why. Outside a transaction the statement
/// commits itself; inside one, it is the caller's to commit.
pub(super) async fn apply(conn: &mut sqlx::AnyConnection, cas: &Cas) -> Result<Swap, StoreError> {
    let sql = statement(cas);
    let query = sqlx::query(&sql)
        .bind(cas.status)
        .bind(cas.live)
        .bind(cas.runs_out_at.as_deref())
        .bind(cas.device_uid.as_deref())
        .bind(cas.body.as_str())
        .bind(cas.uid.as_str())
        .bind(cas.version)
        .bind(cas.signer.as_deref());
    let query = match cas.typed() {
        Some(typed) => query.bind(i64::from(typed.value())),
        None => query,
    };
    let announced = format!("{}:{}", cas.uid, cas.version + 1);
    let query = bind_audit(query, &cas.entry)
        .bind(CHANGES_CHANNEL)
        .bind(announced);
    let query = match &cas.step {
        Some(step) => query
            .bind(step.device.to_string())
            .bind(step.credential_id.as_str())
            .bind(i64::from(step.count)),
        None => query,
    };
    let row = query.fetch_one(&mut *conn).await?;
    if row.try_get::<i64, _>("counted")? == 0 {
        return Ok(Swap::CounterRegressed);
    }
    if row.try_get::<i64, _>("changed")? == 1 {
        return Ok(Swap::Done);
    }
    if row.try_get::<i64, _>("revoked")? > 0 {
        return Ok(Swap::SignerRevoked);
    }
    // Why it changed nothing else: for an approval still at the version
    // named, the code typed was wrong; otherwise another change came
    // first.
    if matches!(cas.code, CodeCheck::Typed(_)) && still_at_version(conn, cas).await? {
        return Ok(Swap::WrongCode);
    }
    Ok(Swap::Lost)
}

/// The statement, binding the new status, live, runs-out time, device,
/// body ($1 to $5), the uid, the version, the signer ($6 to $8), the code
/// typed when `code` checks one ($9, answered here), the audit entry's
/// values (`AUDIT_VALUES` of them), the channel and `uid:version` to
/// announce, and with `counter` the passkey's device, credential id and new
/// count. Answers `changed`, `revoked` and `counted`, each a count.
fn statement(cas: &Cas) -> String {
    let code_condition = cas.code_condition();
    let counter = cas.step.is_some();
    let first = cas.next_placeholder();
    let audit = audit_placeholders(first);
    let channel = first + AUDIT_VALUES;
    let payload = channel + 1;
    let (device, credential, count) = (payload + 1, payload + 2, payload + 3);
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
    format!(
        "WITH {signer}{counter_cte}, updated AS (UPDATE sessions SET status = $1, live = $2, \
         runs_out_at = $3, device_uid = $4, version = version + 1, body = $5 \
         WHERE uid = $6 AND version = $7 \
         AND NOT EXISTS (SELECT 1 FROM signer WHERE revoked_at IS NOT NULL)\
         {code_condition}{counter_condition} RETURNING uid){advance}, \
         audited AS (INSERT INTO audit ({AUDIT_COLUMNS}) SELECT {audit} FROM updated) \
         SELECT COUNT(*) AS changed, \
         (SELECT COUNT(*) FROM signer WHERE revoked_at IS NOT NULL) AS revoked, \
         {counted} AS counted \
         FROM (SELECT pg_notify(${channel}, ${payload}) FROM updated) AS sent"
    )
}
