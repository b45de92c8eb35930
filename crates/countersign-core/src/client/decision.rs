//! What an approver decides about a pending login, and the claim that
//! decision signs; and the claim a logout signs. The command line, the web
//! app and the npm package all build their statements here.

use crate::code::VerificationCode;
use crate::session::LoginSession;
use crate::statement::{Claim, StatementError};
use crate::status::Action;

/// An approver's decision on a pending login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Approve, with the verification code the approver picked (the one
    /// the requester shows, if all is well).
    Approve(VerificationCode),
    /// Deny.
    Deny,
    /// Report as suspicious: "this wasn't me".
    Suspicious,
}

impl Decision {
    /// The claim to sign for the session as it was shown to the approver:
    /// its uid and the digest of its details, computed here from what was
    /// shown, so that what is signed is what the approver saw.
    ///
    /// [`StatementError::SessionClosed`] when the session's keys are
    /// cleared (it is denied or logged out): there is nothing to decide.
    pub fn claim(self, shown: &LoginSession) -> Result<Claim, StatementError> {
        let session = shown.uid();
        let details = shown
            .details_digest()
            .ok_or(StatementError::SessionClosed)?;
        Ok(match self {
            Self::Approve(code) => Claim::Approve {
                session,
                details,
                code,
            },
            Self::Deny => Claim::Deny { session, details },
            Self::Suspicious => Claim::ReportSuspicious { session, details },
        })
    }

    /// The session action the decision asks for.
    pub fn action(self) -> Action {
        match self {
            Self::Approve(_) => Action::Approve,
            Self::Deny => Action::Deny,
            Self::Suspicious => Action::ReportSuspicious,
        }
    }

    /// The decision in words, for questions and messages: "approve",
    /// "deny", "report as suspicious".
    pub fn verb(self) -> &'static str {
        match self {
            Self::Approve(_) => "approve",
            Self::Deny => "deny",
            Self::Suspicious => "report as suspicious",
        }
    }
}

/// The claim a logout of `session` signs, whoever signs it (the requester
/// with its certificate key, or a device of the user). Read the session
/// from the service first: the digest covers what the service keeps (the
/// address it saw, its times).
///
/// [`StatementError::SessionClosed`] when its keys are already cleared.
pub fn logout_claim(session: &LoginSession) -> Result<Claim, StatementError> {
    let details = session
        .details_digest()
        .ok_or(StatementError::SessionClosed)?;
    Ok(Claim::Logout {
        session: session.uid(),
        details,
    })
}
