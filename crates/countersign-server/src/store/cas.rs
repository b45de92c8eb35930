//! The one compare-and-set of a session, as data: [`Cas`] names the session
//! at its new state, the version it must still be at, the audit entry to
//! write with it and what else must hold (the signer unrevoked, the stored
//! code as typed, a passkey's counter growing). `Store::compare_and_set`
//! applies it however this store writes (`Writes`); `cas_sqlite` and
//! `cas_postgres` are the two dialects' statements, and each writes
//! nothing unless it answers [`Swap::Done`].

use countersign_core::{LoginSession, VerificationCode};
use sqlx::AnyConnection;
use uuid::Uuid;

use super::passkeys::CounterStep;
use super::{AuditEntry, StoreError, is_live, time_text};

/// What a compare-and-set did. Everything but [`Swap::Done`] wrote nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Swap {
    /// The session was replaced.
    Done,
    /// Another change came first: the row is no longer at the version
    /// named.
    Lost,
    /// The device that signed the change is revoked.
    SignerRevoked,
    /// The session is still at the version named, but its verification
    /// code is not the one the approval typed ([`CodeCheck::Typed`]).
    WrongCode,
    /// The passkey's counter would not grow: the assertion was replayed
    /// or the authenticator cloned.
    CounterRegressed,
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

/// One compare-and-set, with every value its statement binds, owned, so
/// that it can wait for a group to commit it.
#[derive(Debug, Clone)]
pub struct Cas {
    pub(super) status: &'static str,
    pub(super) live: i64,
    pub(super) runs_out_at: Option<String>,
    pub(super) device_uid: Option<String>,
    pub(super) body: String,
    pub(super) uid: String,
    pub(super) version: i64,
    pub(super) signer: Option<String>,
    pub(super) code: CodeCheck,
    pub(super) entry: AuditEntry,
    pub(super) step: Option<CounterStep>,
}

impl Cas {
    /// Replaces the stored session with `session` if it is still at
    /// `version`, writing `entry` with it.
    pub fn new(session: &LoginSession, version: i64, entry: &AuditEntry) -> Self {
        Self {
            status: session.status().as_str(),
            live: is_live(session.status()),
            runs_out_at: session.runs_out_at().map(time_text),
            device_uid: session.device_uid().map(|uid| uid.to_string()),
            body: session.to_json(),
            uid: session.uid().to_string(),
            version,
            signer: None,
            code: CodeCheck::Any,
            entry: entry.clone(),
            step: None,
        }
    }

    /// Only while `signer`, the device that signed the change (if one
    /// did), is unrevoked.
    #[must_use]
    pub fn signed_by(mut self, signer: Option<Uuid>) -> Self {
        self.signer = signer.map(|uid| uid.to_string());
        self
    }

    /// Only while the stored code is as `code` requires.
    #[must_use]
    pub fn code(mut self, code: CodeCheck) -> Self {
        self.code = code;
        self
    }

    /// Only if the passkey's counter grows to `step`'s, which it then
    /// moves, in the same transaction.
    #[must_use]
    pub fn counter(mut self, step: Option<&CounterStep>) -> Self {
        self.step = step.cloned();
        self
    }

    /// The uid of the session it changes.
    pub(super) fn session_uid(&self) -> &str {
        &self.uid
    }

    /// The device that signed it, if one did.
    pub(super) fn signer(&self) -> Option<&str> {
        self.signer.as_deref()
    }

    /// The code typed, when [`Cas::code`] checks one (bound after the
    /// eight values every compare-and-set binds).
    pub(super) fn typed(&self) -> Option<VerificationCode> {
        match self.code {
            CodeCheck::Any => None,
            CodeCheck::Typed(typed) | CodeCheck::Mistyped(typed) => Some(typed),
        }
    }

    /// What the code requires, as a condition on the session's row, with
    /// the code typed bound as `$9`.
    pub(super) fn code_condition(&self) -> &'static str {
        match self.code {
            CodeCheck::Any => "",
            CodeCheck::Typed(_) => " AND verification_code = $9",
            // A row without a code (closed before codes were stored) has
            // no code to match, so no typed code is right for it.
            CodeCheck::Mistyped(_) => " AND (verification_code IS NULL OR verification_code <> $9)",
        }
    }

    /// The number of the first placeholder after the session's values and
    /// the code typed.
    pub(super) fn next_placeholder(&self) -> usize {
        if self.typed().is_some() { 10 } else { 9 }
    }
}

/// Whether the session is still at the version `cas` names.
/// Read afresh: a statement's snapshot may predate a change it waited for.
pub(super) async fn still_at_version(
    conn: &mut AnyConnection,
    cas: &Cas,
) -> Result<bool, StoreError> {
    let row = sqlx::query("SELECT uid FROM sessions WHERE uid = $1 AND version = $2")
        .bind(cas.uid.as_str())
        .bind(cas.version)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.is_some())
}
