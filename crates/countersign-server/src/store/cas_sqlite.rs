//! SQLite's compare-and-set, the one implementation every SQLite caller
//! uses: the writer's groups, a store on a database in memory, and the
//! logouts a revocation or an operator makes inside their own transaction.
//!
//! One UPDATE checks everything: the session's version, that the signer is
//! unrevoked, the stored code and that the passkey's counter grows. SQLite
//! runs one writer at a time and the callers hold the write lock (the
//! writer's `BEGIN IMMEDIATE`, or a transaction that already wrote), so
//! the UPDATE sees every revocation committed before it, and a revocation
//! after it sees the approval (and logs it out). Only when the session
//! changed are the counter moved and the audit row written; when it did
//! not, the reads after it say why. Nothing is written unless it answers
//! [`Swap::Done`], so a group may go on past a refused one.

use sqlx::AnyConnection;

use super::cas::{Cas, CodeCheck, Swap, still_at_version};
use super::{StoreError, insert_audit};

/// Applies `cas` on `conn`, inside the caller's transaction.
pub(super) async fn apply(conn: &mut AnyConnection, cas: &Cas) -> Result<Swap, StoreError> {
    let next = cas.next_placeholder();
    let (device, credential, count) = (next, next + 1, next + 2);
    let grows = format!(
        "EXISTS (SELECT 1 FROM passkeys WHERE device_uid = ${device} \
         AND credential_id = ${credential} AND (sign_count < ${count} \
         OR (sign_count = 0 AND ${count} = 0)))"
    );
    let counter_condition = match cas.step {
        Some(_) => format!(" AND {grows}"),
        None => String::new(),
    };
    let update = format!(
        "UPDATE sessions SET status = $1, live = $2, runs_out_at = $3, device_uid = $4, \
         version = version + 1, body = $5 WHERE uid = $6 AND version = $7 \
         AND NOT EXISTS (SELECT 1 FROM devices WHERE uid = $8 AND revoked_at IS NOT NULL)\
         {}{counter_condition}",
        cas.code_condition()
    );
    let mut query = sqlx::query(&update)
        .bind(cas.status)
        .bind(cas.live)
        .bind(cas.runs_out_at.as_deref())
        .bind(cas.device_uid.as_deref())
        .bind(cas.body.as_str())
        .bind(cas.uid.as_str())
        .bind(cas.version)
        .bind(cas.signer.as_deref());
    if let Some(typed) = cas.typed() {
        query = query.bind(i64::from(typed.value()));
    }
    if let Some(step) = &cas.step {
        query = query
            .bind(step.device.to_string())
            .bind(step.credential_id.as_str())
            .bind(i64::from(step.count));
    }
    if query.execute(&mut *conn).await?.rows_affected() == 1 {
        if let Some(step) = &cas.step {
            sqlx::query(
                "UPDATE passkeys SET sign_count = $1 WHERE device_uid = $2 AND credential_id = $3",
            )
            .bind(i64::from(step.count))
            .bind(step.device.to_string())
            .bind(step.credential_id.as_str())
            .execute(&mut *conn)
            .await?;
        }
        insert_audit(conn, &cas.entry).await?;
        return Ok(Swap::Done);
    }
    why_not(conn, cas).await
}

/// Why a compare-and-set changed nothing, in the order the checks refuse:
/// the counter, the signer, the code (for an approval still at the version
/// named), else another change came first.
async fn why_not(conn: &mut AnyConnection, cas: &Cas) -> Result<Swap, StoreError> {
    if let Some(step) = &cas.step {
        let grows = sqlx::query(
            "SELECT 1 AS grows FROM passkeys WHERE device_uid = $1 AND credential_id = $2 \
             AND (sign_count < $3 OR (sign_count = 0 AND $3 = 0))",
        )
        .bind(step.device.to_string())
        .bind(step.credential_id.as_str())
        .bind(i64::from(step.count))
        .fetch_optional(&mut *conn)
        .await?;
        if grows.is_none() {
            return Ok(Swap::CounterRegressed);
        }
    }
    if let Some(device) = cas.signer() {
        let revoked =
            sqlx::query("SELECT uid FROM devices WHERE uid = $1 AND revoked_at IS NOT NULL")
                .bind(device)
                .fetch_optional(&mut *conn)
                .await?;
        if revoked.is_some() {
            return Ok(Swap::SignerRevoked);
        }
    }
    if matches!(cas.code, CodeCheck::Typed(_)) && still_at_version(conn, cas).await? {
        return Ok(Swap::WrongCode);
    }
    Ok(Swap::Lost)
}
