//! What one race's answers say: which statements were accepted, how many
//! decided the pending session, and the status the database must hold.

use countersign_core::{LoginSession, Status};
use uuid::Uuid;

use super::STATEMENTS;
use crate::calls::session_of;
use crate::client::Response;

/// A statement's answer: the session as accepted (200), or the refusal's
/// code (4xx). Anything else (a 429 or a 5xx) ends the races: it means a
/// limit the bench should have lifted, or a fault.
pub(super) fn accepted_session(
    answer: &Response,
    uid: Uuid,
) -> Result<Result<LoginSession, String>, String> {
    match answer.status {
        200 => session_of(answer, uid).map(Ok),
        400..=499 if answer.status != 429 => {
            let code = answer
                .json()
                .ok()
                .and_then(|body| {
                    body.pointer("/error/code")
                        .and_then(serde_json::Value::as_str)
                        .map(str::to_owned)
                })
                .unwrap_or_else(|| format!("HTTP {}", answer.status));
            Ok(Err(code))
        }
        other => Err(format!(
            "a statement on session {uid} answered {other}: {}",
            answer.snippet()
        )),
    }
}

/// What one race's answers say.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Verdict {
    /// How many statements decided the pending session: one is right.
    pub(super) decisions: usize,
    /// The report was accepted after the approval that won.
    pub(super) report_after_approval: bool,
    /// The status to be stored (the last accepted statement's), when
    /// exactly one statement decided.
    pub(super) expected: Option<Status>,
    /// Which statement decided (approve, deny, report), when one did.
    pub(super) winner: Option<usize>,
}

/// Judges a race from the sessions its statements' accepted answers showed
/// (approve, deny, report; `None` where refused). Every accepted statement
/// decided the pending session but a report whose answer shows the
/// session approved before it.
pub(super) fn judge(accepted: &[Option<LoginSession>; STATEMENTS]) -> Verdict {
    let [approved, denied, reported] = accepted;
    let report_after_approval = reported
        .as_ref()
        .is_some_and(|session| session.login_time().is_some());
    let decisions = usize::from(approved.is_some())
        + usize::from(denied.is_some())
        + usize::from(reported.is_some() && !report_after_approval);
    // A report after an approval no one was told of decided nothing either.
    let explained = !report_after_approval || approved.is_some();
    let last = reported.as_ref().or(denied.as_ref()).or(approved.as_ref());
    let winner = [
        approved.is_some(),
        denied.is_some(),
        reported.is_some() && !report_after_approval,
    ]
    .iter()
    .position(|decided| *decided);
    Verdict {
        decisions,
        report_after_approval: report_after_approval && explained,
        expected: last
            .filter(|_| decisions == 1 && explained)
            .map(LoginSession::status),
        winner: winner.filter(|_| decisions == 1 && explained),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::{clock, fixture};

    /// The fixture's approved session as a statement's answer would show it
    /// in `status`, approved before or not.
    fn answered(status: &str, approved_before: bool) -> LoginSession {
        let mut json = fixture::approved_session(clock::now())
            .unwrap()
            .to_json_value();
        json["status"] = Value::from(status);
        if !approved_before {
            for key in [
                "login_datetime",
                "login_expires_at",
                "user_uid",
                "device_uid",
            ] {
                json[key] = Value::Null;
            }
        }
        if status == "denied" {
            json["public_key"] = Value::Null;
            json["public_certificate"] = Value::Null;
        }
        LoginSession::from_json_value(json).unwrap()
    }

    fn verdict(approve: bool, deny: bool, report: Option<bool>) -> Verdict {
        judge(&[
            approve.then(|| answered("approved", true)),
            deny.then(|| answered("denied", false)),
            report.map(|after| answered("suspicious", after)),
        ])
    }

    #[test]
    fn one_decision_wins_and_its_status_is_to_be_stored() {
        for (approve, deny, report, expected) in [
            (true, false, None, Status::Approved),
            (false, true, None, Status::Denied),
            (false, false, Some(false), Status::Suspicious),
        ] {
            let v = verdict(approve, deny, report);
            assert_eq!(v.decisions, 1);
            assert!(!v.report_after_approval);
            assert_eq!(v.expected, Some(expected));
            assert_eq!(
                v.winner,
                [approve, deny, report.is_some()].iter().position(|w| *w)
            );
        }
    }

    #[test]
    fn a_report_after_the_winning_approval_is_no_second_decision() {
        let v = verdict(true, false, Some(true));
        assert_eq!(v.decisions, 1);
        assert!(v.report_after_approval);
        assert_eq!(v.expected, Some(Status::Suspicious));
        assert_eq!(v.winner, Some(0));
    }

    #[test]
    fn two_decisions_or_none_have_no_status_to_store() {
        for (approve, deny, report, decisions) in [
            (true, true, None, 2),
            (false, true, Some(false), 2),
            (true, false, Some(false), 2),
            (true, true, Some(false), 3),
            (false, false, None, 0),
            // A report showing an approval that was not accepted.
            (false, false, Some(true), 0),
        ] {
            let v = verdict(approve, deny, report);
            assert_eq!(v.decisions, decisions, "{approve} {deny} {report:?}");
            assert_eq!(v.expected, None);
            assert_eq!(v.winner, None);
            assert!(!v.report_after_approval);
        }
    }
}
