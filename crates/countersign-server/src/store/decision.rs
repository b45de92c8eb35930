//! PostgreSQL's compare-and-set of a session as one statement: the signing
//! device locked and checked, the passkey's counter moved, the session
//! replaced, its audit row written and the change announced, or nothing.
//!
//! One round trip where the same work as separate statements (the
//! device's `FOR SHARE`, the counter's UPDATE, the compare-and-set) took
//! three. Alone it is its own transaction; `decision_group` runs the
//! decisions waiting at once in one transaction, one statement each.
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

use countersign_core::{LoginSession, VerificationCode};
use sqlx::Row as _;
use uuid::Uuid;

use super::passkeys::{Counted, CounterStep};
use super::{
    AuditEntry, CHANGES_CHANNEL, CodeCheck, StoreError, Swap, bind_audit, code_condition, is_live,
    time_text,
};

/// One compare-and-set as its statement binds it, owned, so that it can
/// wait for a group (`decision_group`).
#[derive(Debug)]
pub(super) struct Decision {
    status: &'static str,
    live: i64,
    runs_out_at: Option<String>,
    device_uid: Option<String>,
    body: String,
    uid: String,
    version: i64,
    signer: Option<String>,
    code: CodeCheck,
    entry: AuditEntry,
    step: Option<CounterStep>,
}

impl Decision {
    /// The uid of the session it changes.
    pub fn session_uid(&self) -> &str {
        &self.uid
    }

    /// The device that signed it, if one did.
    pub fn signer(&self) -> Option<&str> {
        self.signer.as_deref()
    }

    /// Replaces `session` if it is still at `version`, `signer` (if a
    /// device signed) is not revoked, the stored code is as `code`
    /// requires and, with `step`, the passkey's counter grows (and then
    /// moves it), writing `entry`.
    pub fn new(
        session: &LoginSession,
        version: i64,
        entry: &AuditEntry,
        signer: Option<Uuid>,
        code: CodeCheck,
        step: Option<&CounterStep>,
    ) -> Self {
        Self {
            status: session.status().as_str(),
            live: is_live(session.status()),
            runs_out_at: session.runs_out_at().map(time_text),
            device_uid: session.device_uid().map(|uid| uid.to_string()),
            body: session.to_json(),
            uid: session.uid().to_string(),
            version,
            signer: signer.map(|uid| uid.to_string()),
            code,
            entry: entry.clone(),
            step: step.cloned(),
        }
    }
}

/// Runs `decision` on `conn` and says what it did: its statement, then,
/// if that changed nothing, a read of why. Outside a transaction the
/// statement commits itself; inside one, it is the caller's to commit.
pub(super) async fn apply(
    conn: &mut sqlx::AnyConnection,
    decision: &Decision,
) -> Result<Counted, StoreError> {
    let (sql, typed) = decision_sql(decision.code, decision.step.is_some());
    let query = sqlx::query(&sql)
        .bind(decision.status)
        .bind(decision.live)
        .bind(decision.runs_out_at.clone())
        .bind(decision.device_uid.clone())
        .bind(decision.body.clone())
        .bind(decision.uid.clone())
        .bind(decision.version)
        .bind(decision.signer.clone());
    let query = match typed {
        Some(typed) => query.bind(i64::from(typed.value())),
        None => query,
    };
    let announced = format!("{}:{}", decision.uid, decision.version + 1);
    let query = bind_audit(query, &decision.entry)
        .bind(CHANGES_CHANNEL)
        .bind(announced);
    let query = match &decision.step {
        Some(step) => query
            .bind(step.device.to_string())
            .bind(step.credential_id.clone())
            .bind(i64::from(step.count)),
        None => query,
    };
    let row = query.fetch_one(&mut *conn).await?;
    if row.try_get::<i64, _>("counted")? == 0 {
        return Ok(Counted::Regressed);
    }
    if row.try_get::<i64, _>("changed")? == 1 {
        return Ok(Counted::Swap(Swap::Done));
    }
    if row.try_get::<i64, _>("revoked")? > 0 {
        return Ok(Counted::Swap(Swap::SignerRevoked));
    }
    // Why it changed nothing else: for an approval still at the version
    // named, the code typed was wrong; otherwise another change came
    // first. Read afresh: the statement's snapshot predates a change it
    // waited for.
    let wrong_code = matches!(decision.code, CodeCheck::Typed(_))
        && sqlx::query("SELECT uid FROM sessions WHERE uid = $1 AND version = $2")
            .bind(decision.uid.clone())
            .bind(decision.version)
            .fetch_optional(&mut *conn)
            .await?
            .is_some();
    Ok(Counted::Swap(if wrong_code {
        Swap::WrongCode
    } else {
        Swap::Lost
    }))
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
