//! Signed statements: every state change other than a request is one, and so
//! is every read of an account.
//!
//! The bytes that are signed are built here and nowhere else, so the browser,
//! the command line and the service can never disagree about them. They are
//! lines of text: a format line, the service the statement is for, the
//! action, what the action is about, the signer and the time. Every value is
//! drawn from an alphabet without line breaks (uuids, the text encoding,
//! validated names, a [`ServiceUrl`]'s normal form), so the lines cannot be
//! confused with one another. Naming the service means a statement made for
//! one countersign service is refused by every other.

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::api::ErrorCode;
use crate::client::ServiceUrl;
use crate::code::VerificationCode;
use crate::encoding::{Digest, Keypair, PublicKey, Signature};
use crate::fields::DeviceName;
use crate::status::Action;

#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod claim_wire;
mod wire;

pub use wire::format_refusal;

/// The first line of every statement: its domain and format version. Also
/// the `format` marker of its JSON form; a statement with another marker
/// (format 1 named no service) or none is refused
/// ([`StatementError::UnsupportedFormat`]).
pub const STATEMENT_FORMAT: &str = "countersign-statement/2";

/// What a statement says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
// In the browser's wasm, read in one pass rather than by serde's buffering
// reader for tagged enums, its largest function (see `claim_wire`).
#[cfg_attr(target_arch = "wasm32", serde(try_from = "claim_wire::WireClaim"))]
pub enum Claim {
    /// Approve a session, having picked the matching verification code.
    Approve {
        /// The session uid.
        session: Uuid,
        /// The digest of everything the approver was shown.
        details: Digest,
        /// The verification code the approver picked.
        code: VerificationCode,
    },
    /// Deny a session.
    Deny {
        /// The session uid.
        session: Uuid,
        /// The digest of everything the approver was shown.
        details: Digest,
    },
    /// Report a session as suspicious ("this wasn't me").
    ReportSuspicious {
        /// The session uid.
        session: Uuid,
        /// The digest of everything the approver was shown.
        details: Digest,
    },
    /// Log a session out.
    Logout {
        /// The session uid.
        session: Uuid,
        /// The digest of the session's details.
        details: Digest,
    },
    /// Register a device key for a user.
    EnrollDevice {
        /// The user the device is for.
        user: Uuid,
        /// The new device's uid, drawn by the device.
        device: Uuid,
        /// The new device's public key.
        device_key: PublicKey,
        /// The name its owner gave it.
        device_name: DeviceName,
    },
    /// Revoke a device: it approves nothing from then on.
    RevokeDevice {
        /// The device's user.
        user: Uuid,
        /// The device to revoke.
        device: Uuid,
    },
    /// Read the user's devices and sessions.
    ReadAccount {
        /// The user.
        user: Uuid,
    },
    /// Ask for a one-time link that enrolls another device of the user.
    InviteDevice {
        /// The user.
        user: Uuid,
    },
    /// Ask to register a passkey (a WebAuthn credential) for the signing
    /// device: the service answers with the options to create it.
    RegisterPasskey {
        /// The device's user.
        user: Uuid,
        /// The device the passkey is for: the signer itself.
        device: Uuid,
    },
    /// Cancel a revocation still waiting out its delay: signed by the
    /// device it would revoke (or by the one that asked for it).
    CancelRevocation {
        /// The device's user.
        user: Uuid,
        /// The device the pending revocation is about.
        device: Uuid,
    },
    /// Cancel an enrollment link not yet used.
    CancelInvite {
        /// The user.
        user: Uuid,
        /// The invite's id: the digest of its token, which cannot enroll.
        invite: Digest,
    },
    /// Read the user's audit trail.
    ReadAudit {
        /// The user.
        user: Uuid,
    },
}

/// Who signed a statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Signer {
    /// A registered device, with the key the service holds for it.
    Device(Uuid),
    /// The requester of the session, with the key behind its `public_cert`.
    Requester,
}

/// A claim, the service it is for, its signer and when it was signed.
///
/// Its JSON form carries the format marker besides (`"format":
/// "countersign-statement/2"`), and reading one without that marker fails.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "wire::WireStatement", into = "wire::WireStatement")]
pub struct Statement {
    /// What is said.
    pub claim: Claim,
    /// The service it is said to: its public URL, in its normal form.
    pub service: ServiceUrl,
    /// Who says it.
    pub signer: Signer,
    /// When, by the signer's clock (kept to the millisecond).
    pub signed_at: DateTime<Utc>,
}

/// A statement with its signature, as it travels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedStatement {
    /// The statement.
    pub statement: Statement,
    /// The signature over [`Statement::canonical_bytes`].
    pub signature: Signature,
}

/// How old or how far ahead a statement's time may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Freshness {
    /// The oldest a statement may be when it arrives.
    pub max_age: TimeDelta,
    /// How far ahead of the verifier's clock the signer's may run.
    pub max_skew: TimeDelta,
}

impl Default for Freshness {
    fn default() -> Self {
        Self {
            max_age: TimeDelta::minutes(5),
            max_skew: TimeDelta::minutes(1),
        }
    }
}

/// Why a statement was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatementError {
    /// The signature does not verify with the signer's key.
    #[error("the signature does not match the statement and the signer's key")]
    BadSignature,
    /// The statement is older than the freshness window.
    #[error("the statement is too old (signed at {0})")]
    Stale(DateTime<Utc>),
    /// The statement's time is ahead of the verifier's clock.
    #[error("the statement is dated in the future (signed at {0})")]
    FromTheFuture(DateTime<Utc>),
    /// The statement is about another session.
    #[error("the statement is for another session")]
    WrongSession,
    /// The statement's digest is not that of the session's details: the
    /// approver saw something else.
    #[error("the session's details differ from those that were signed")]
    DetailsChanged,
    /// The verification code picked is not the session's.
    #[error("the verification code does not match the one the requester shows")]
    WrongCode,
    /// The signer may not make this statement.
    #[error("this signer may not make this statement")]
    WrongSigner,
    /// The statement is not about a login session.
    #[error("the statement is not about a login session")]
    NotAboutASession,
    /// The session's keys have been cleared (it is denied or logged out), so
    /// nothing can be verified against it.
    #[error("the session is closed: its keys have been cleared")]
    SessionClosed,
    /// The statement is in another format than [`STATEMENT_FORMAT`] (the
    /// marker it names, if any): signed by an older client.
    #[error(
        "unsupported statement format {}: this service accepts {STATEMENT_FORMAT} only; update the client that signed it",
        .0.as_deref().unwrap_or("(none named)")
    )]
    UnsupportedFormat(Option<String>),
    /// The statement was signed for another service than the one checking
    /// it (the one it names).
    #[error("the statement was signed for another service ({0}), not this one")]
    WrongService(ServiceUrl),
}

impl StatementError {
    /// The code the service answers this error with (and the JavaScript
    /// package throws): 403 for each refusal of the statement, 400 for
    /// [`StatementError::UnsupportedFormat`] (the client must be updated),
    /// 409 for [`StatementError::SessionClosed`], which is the session's
    /// state and not the statement's fault.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::BadSignature => ErrorCode::BadSignature,
            Self::Stale(_) => ErrorCode::StaleStatement,
            Self::FromTheFuture(_) => ErrorCode::FutureStatement,
            Self::WrongSession => ErrorCode::WrongSession,
            Self::DetailsChanged => ErrorCode::DetailsChanged,
            Self::WrongCode => ErrorCode::WrongCode,
            Self::WrongSigner => ErrorCode::WrongSigner,
            Self::NotAboutASession => ErrorCode::NotAboutASession,
            Self::SessionClosed => ErrorCode::SessionClosed,
            Self::UnsupportedFormat(_) => ErrorCode::UnsupportedFormat,
            Self::WrongService(_) => ErrorCode::WrongService,
        }
    }
}

impl Claim {
    /// The session action this claim asks for, with the session and digest,
    /// or `None` for device claims.
    pub fn session_action(&self) -> Option<(Action, Uuid, Digest)> {
        match *self {
            Claim::Approve {
                session, details, ..
            } => Some((Action::Approve, session, details)),
            Claim::Deny { session, details } => Some((Action::Deny, session, details)),
            Claim::ReportSuspicious { session, details } => {
                Some((Action::ReportSuspicious, session, details))
            }
            Claim::Logout { session, details } => Some((Action::Logout, session, details)),
            Claim::EnrollDevice { .. }
            | Claim::RevokeDevice { .. }
            | Claim::ReadAccount { .. }
            | Claim::InviteDevice { .. }
            | Claim::RegisterPasskey { .. }
            | Claim::CancelRevocation { .. }
            | Claim::CancelInvite { .. }
            | Claim::ReadAudit { .. } => None,
        }
    }

    /// The name of the claim's action, as written in the canonical bytes.
    pub fn action_name(&self) -> &'static str {
        match self {
            Claim::Approve { .. } => "approve",
            Claim::Deny { .. } => "deny",
            Claim::ReportSuspicious { .. } => "report_suspicious",
            Claim::Logout { .. } => "logout",
            Claim::EnrollDevice { .. } => "enroll_device",
            Claim::RevokeDevice { .. } => "revoke_device",
            Claim::ReadAccount { .. } => "read_account",
            Claim::InviteDevice { .. } => "invite_device",
            Claim::RegisterPasskey { .. } => "register_passkey",
            Claim::CancelRevocation { .. } => "cancel_revocation",
            Claim::CancelInvite { .. } => "cancel_invite",
            Claim::ReadAudit { .. } => "read_audit",
        }
    }
}

impl Statement {
    /// A statement to `service`, signed now; the time is cut to the
    /// millisecond, the precision that every platform (JavaScript's `Date`
    /// included) keeps.
    pub fn new(
        claim: Claim,
        service: ServiceUrl,
        signer: Signer,
        signed_at: DateTime<Utc>,
    ) -> Self {
        Self {
            claim,
            service,
            signer,
            signed_at: crate::truncate_to_millis(signed_at),
        }
    }

    /// The exact bytes that are signed.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let mut lines = vec![
            STATEMENT_FORMAT.to_owned(),
            format!("service: {}", self.service),
            format!("action: {}", self.claim.action_name()),
        ];
        match &self.claim {
            Claim::Approve {
                session,
                details,
                code,
            } => {
                lines.push(format!("session: {session}"));
                lines.push(format!("details: {details}"));
                lines.push(format!("code: {code}"));
            }
            Claim::Deny { session, details }
            | Claim::ReportSuspicious { session, details }
            | Claim::Logout { session, details } => {
                lines.push(format!("session: {session}"));
                lines.push(format!("details: {details}"));
            }
            Claim::EnrollDevice {
                user,
                device,
                device_key,
                device_name,
            } => {
                lines.push(format!("user: {user}"));
                lines.push(format!("device: {device}"));
                lines.push(format!("device-key: {device_key}"));
                lines.push(format!("device-name: {}", device_name.as_str()));
            }
            Claim::RevokeDevice { user, device }
            | Claim::RegisterPasskey { user, device }
            | Claim::CancelRevocation { user, device } => {
                lines.push(format!("user: {user}"));
                lines.push(format!("device: {device}"));
            }
            Claim::ReadAccount { user }
            | Claim::InviteDevice { user }
            | Claim::ReadAudit { user } => {
                lines.push(format!("user: {user}"));
            }
            Claim::CancelInvite { user, invite } => {
                lines.push(format!("user: {user}"));
                lines.push(format!("invite: {invite}"));
            }
        }
        lines.push(match self.signer {
            Signer::Device(uid) => format!("signer: device {uid}"),
            Signer::Requester => "signer: requester".to_owned(),
        });
        lines.push(format!(
            "signed-at: {}",
            self.signed_at.to_rfc3339_opts(SecondsFormat::Millis, true)
        ));
        let mut text = lines.join("\n");
        text.push('\n');
        text.into_bytes()
    }

    /// Signs the statement with the signer's key.
    pub fn sign(self, key: &Keypair) -> SignedStatement {
        let signature = key.sign_bytes(&self.canonical_bytes());
        SignedStatement {
            statement: self,
            signature,
        }
    }

    /// Checks the statement's time against the verifier's clock.
    pub fn check_fresh(&self, now: DateTime<Utc>, window: Freshness) -> Result<(), StatementError> {
        if self.signed_at > now + window.max_skew {
            return Err(StatementError::FromTheFuture(self.signed_at));
        }
        if self.signed_at < now - window.max_age {
            return Err(StatementError::Stale(self.signed_at));
        }
        Ok(())
    }
}

impl SignedStatement {
    /// Checks that the statement is for `service` (the verifier's own public
    /// URL), then the signature with `key`, then the statement's freshness.
    pub fn verify(
        &self,
        key: &PublicKey,
        service: &ServiceUrl,
        now: DateTime<Utc>,
        window: Freshness,
    ) -> Result<&Statement, StatementError> {
        if self.statement.service != *service {
            return Err(StatementError::WrongService(self.statement.service.clone()));
        }
        if !key.verify(&self.statement.canonical_bytes(), &self.signature) {
            return Err(StatementError::BadSignature);
        }
        self.statement.check_fresh(now, window)?;
        Ok(&self.statement)
    }
}
