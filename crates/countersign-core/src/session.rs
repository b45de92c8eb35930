//! The login session: what was asked, by whom, from where, and where it stands.

use std::net::IpAddr;

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::api::ErrorCode;
use crate::client::ServiceUrl;
use crate::code::VerificationCode;
use crate::encoding::{Digest, FieldHasher, PublicKey};
use crate::fields::{FieldError, MAX_MESSAGE_CHARS, TokenSet, check_hostname, check_text};
use crate::short_uid::ShortUid;
use crate::statement::{Claim, Freshness, SignedStatement, Signer, StatementError};
use crate::status::{Action, DenyReason, Status, TransitionError};
use crate::username::Username;

/// How long a pending session waits for its approver unless configured.
pub const DEFAULT_TTL: TimeDelta = TimeDelta::minutes(10);
/// The longest a pending session may wait.
pub const MAX_TTL: TimeDelta = TimeDelta::days(1);
/// How long an approved session lasts unless the service is configured
/// otherwise: a working day, after which the requester logs in again.
pub const DEFAULT_LOGIN_LIFETIME: TimeDelta = TimeDelta::hours(12);
/// The longest an approved session may last. A bound, so that a
/// misconfigured service cannot hand out logins that never end.
pub const MAX_LOGIN_LIFETIME: TimeDelta = TimeDelta::days(30);

/// What a requester asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginRequest {
    /// Who the login is for.
    pub username: Username,
    /// The requester's session key.
    pub public_key: PublicKey,
    /// The requester's signing key, which signs its logout.
    #[serde(rename = "public_certificate")]
    pub public_cert: PublicKey,
    /// The name the requester's host gives itself (a claim, not checked).
    #[serde(default)]
    pub hostname: Option<String>,
    /// A message for the approver, such as what the login is for.
    #[serde(default)]
    pub login_message: Option<String>,
    /// The scope asked for.
    #[serde(default)]
    pub scope: TokenSet,
    /// The permissions asked for.
    #[serde(default)]
    pub permissions: TokenSet,
}

/// Why an operation on a session was refused. The session is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    /// The transition table forbids it.
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// The session's time ran out: a pending one's `expires_at`, or an
    /// approved one's `login_expires_at`.
    #[error("the session expired at {}", .0.to_rfc3339_opts(SecondsFormat::Secs, true))]
    Expired(DateTime<Utc>),
    /// `expire` was called before the session's time ran out.
    #[error("the session does not expire until {}", .0.to_rfc3339_opts(SecondsFormat::Secs, true))]
    NotYetExpired(DateTime<Utc>),
    /// The proof given was made for another session or another action, or
    /// by a signer who may not apply it now (the requester may not close a
    /// session reported suspicious).
    #[error("the signed statement is for another session or action")]
    ProofMismatch,
    /// A field of the request is invalid.
    #[error(transparent)]
    Field(#[from] FieldError),
    /// The lifetime asked for is out of bounds: a pending session waits
    /// between 1 second and [`MAX_TTL`], a login lasts between 1 second and
    /// [`MAX_LOGIN_LIFETIME`].
    #[error(
        "a pending session must wait between 1 second and 1 day, a login last between 1 second and 30 days"
    )]
    BadLifetime,
}

impl SessionError {
    /// The code the service answers this error with.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Transition(error) => error.code(),
            // Refused by the transition table's timing, as a transition is.
            Self::NotYetExpired(_) => ErrorCode::TransitionRefused,
            Self::Expired(_) => ErrorCode::Expired,
            Self::ProofMismatch => ErrorCode::WrongStatement,
            Self::Field(error) => error.code(),
            Self::BadLifetime => ErrorCode::BadLifetime,
        }
    }
}

/// Proof that a signed statement about a session was checked: its signature,
/// its freshness, its session and the details the approver saw. Only
/// [`LoginSession::verify_device`] and [`LoginSession::verify_requester`]
/// make one, and every signed transition needs one, so no state change can
/// skip the checks. An approval's verification code is carried, not
/// checked: only the service knows the session's code, and it compares the
/// two in the approval's compare-and-set ([`Verified::code`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    action: Action,
    session: Uuid,
    signer: Signer,
    signed_at: DateTime<Utc>,
    code: Option<VerificationCode>,
}

impl Verified {
    /// The action that was proven.
    pub fn action(&self) -> Action {
        self.action
    }

    /// Who signed.
    pub fn signer(&self) -> Signer {
        self.signer
    }

    /// When they signed.
    pub fn signed_at(&self) -> DateTime<Utc> {
        self.signed_at
    }

    /// The verification code an approval signed (the one the approver
    /// typed); `None` for every other action.
    pub fn code(&self) -> Option<VerificationCode> {
        self.code
    }
}

/// A single login session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginSession {
    pub(crate) uid: Uuid,
    pub(crate) username: Username,
    pub(crate) public_key: Option<PublicKey>,
    pub(crate) public_cert: Option<PublicKey>,
    pub(crate) ipaddr: IpAddr,
    pub(crate) hostname: Option<String>,
    pub(crate) login_message: Option<String>,
    pub(crate) scope: TokenSet,
    pub(crate) permissions: TokenSet,
    pub(crate) status: Status,
    pub(crate) request_datetime: DateTime<Utc>,
    pub(crate) expires_at: DateTime<Utc>,
    pub(crate) status_datetime: DateTime<Utc>,
    pub(crate) login_datetime: Option<DateTime<Utc>>,
    pub(crate) login_expires_at: Option<DateTime<Utc>>,
    pub(crate) logout_datetime: Option<DateTime<Utc>>,
    pub(crate) user_uid: Option<Uuid>,
    pub(crate) device_uid: Option<Uuid>,
    pub(crate) deny_reason: Option<DenyReason>,
}

/// Makes a version 4 uid from 16 random bytes drawn by the caller.
pub fn uid_from_random(bytes: [u8; 16]) -> Uuid {
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

impl LoginSession {
    /// Records a request as the service received it: from `ipaddr`, at `now`,
    /// under the uid the service drew, waiting at most `ttl` for approval.
    pub fn request(
        request: LoginRequest,
        uid: Uuid,
        ipaddr: IpAddr,
        now: DateTime<Utc>,
        ttl: TimeDelta,
    ) -> Result<Self, SessionError> {
        if let Some(hostname) = &request.hostname {
            check_hostname(hostname)?;
        }
        if let Some(message) = &request.login_message {
            check_text("login message", message, MAX_MESSAGE_CHARS)?;
        }
        if ttl < TimeDelta::seconds(1) || ttl > MAX_TTL {
            return Err(SessionError::BadLifetime);
        }
        let now = crate::truncate_to_millis(now);
        Ok(Self {
            uid,
            username: request.username,
            public_key: Some(request.public_key),
            public_cert: Some(request.public_cert),
            ipaddr,
            hostname: request.hostname,
            login_message: request.login_message,
            scope: request.scope,
            permissions: request.permissions,
            status: Status::Pending,
            request_datetime: now,
            expires_at: now + ttl,
            status_datetime: now,
            login_datetime: None,
            login_expires_at: None,
            logout_datetime: None,
            user_uid: None,
            device_uid: None,
            deny_reason: None,
        })
    }

    /// The session's uid.
    pub fn uid(&self) -> Uuid {
        self.uid
    }

    /// The seed's `short_uid`: the human-readable id, `xx.xx.xx.xx`.
    pub fn short_uid(&self) -> ShortUid {
        ShortUid::of(&self.uid)
    }

    /// The seed's `login_url`: the URL of the service at `base` plus the
    /// short uid.
    pub fn login_url(&self, base: &str) -> String {
        self.short_uid().login_url(base)
    }

    /// Who the login is for.
    pub fn username(&self) -> &Username {
        &self.username
    }

    /// The seed's `encoded_username`: safe in keys and paths.
    pub fn encoded_username(&self) -> String {
        self.username.encoded()
    }

    /// The seed's `request_source`: the address the request came from, as
    /// the service saw it.
    pub fn request_source(&self) -> IpAddr {
        self.ipaddr
    }

    /// The hostname the requester claims.
    pub fn hostname(&self) -> Option<&str> {
        self.hostname.as_deref()
    }

    /// The requester's message to the approver.
    pub fn login_message(&self) -> Option<&str> {
        self.login_message.as_deref()
    }

    /// The scope asked for.
    pub fn scope(&self) -> &TokenSet {
        &self.scope
    }

    /// The permissions asked for.
    pub fn permissions(&self) -> &TokenSet {
        &self.permissions
    }

    /// The scope actually granted: the one asked for once approved, and
    /// nothing in any other status (a suspicious session is granted nothing).
    pub fn granted_scope(&self) -> TokenSet {
        self.granted(&self.scope)
    }

    /// The permissions actually granted, as for [`Self::granted_scope`].
    pub fn granted_permissions(&self) -> TokenSet {
        self.granted(&self.permissions)
    }

    fn granted(&self, asked: &TokenSet) -> TokenSet {
        if self.status == Status::Approved {
            asked.clone()
        } else {
            TokenSet::empty()
        }
    }

    /// The requester's session key, until the session is denied or logged out.
    pub fn public_key(&self) -> Option<&PublicKey> {
        self.public_key.as_ref()
    }

    /// The requester's signing key, until the session is denied or logged out.
    pub fn public_cert(&self) -> Option<&PublicKey> {
        self.public_cert.as_ref()
    }

    /// The status as stored. A pending session past its `expires_at` is still
    /// `Pending` here until it is expired; see [`Self::status_at`].
    pub fn status(&self) -> Status {
        self.status
    }

    /// The status as it stands at `now`: a pending or approved session whose
    /// time has run out counts as expired.
    pub fn status_at(&self, now: DateTime<Utc>) -> Status {
        if self.has_run_out(now) {
            Status::Expired
        } else {
            self.status
        }
    }

    /// Whether the session is pending or approved and its time ran out by
    /// `now` (see [`Self::runs_out_at`]).
    pub fn has_run_out(&self, now: DateTime<Utc>) -> bool {
        self.runs_out_at().is_some_and(|end| now >= end)
    }

    /// When the session's current status ends by itself: `expires_at` while
    /// pending, `login_expires_at` while approved, never otherwise.
    pub fn runs_out_at(&self) -> Option<DateTime<Utc>> {
        match self.status {
            Status::Pending => Some(self.expires_at),
            Status::Approved => self.login_expires_at,
            Status::Denied | Status::Suspicious | Status::Expired | Status::LoggedOut => None,
        }
    }

    /// Whether the session waits for its approver.
    pub fn is_pending(&self) -> bool {
        self.status == Status::Pending
    }

    /// Whether the session was approved and is not yet logged out.
    pub fn is_approved(&self) -> bool {
        self.status == Status::Approved
    }

    /// Whether the approver refused the session.
    pub fn is_denied(&self) -> bool {
        self.status == Status::Denied
    }

    /// Whether the session was reported or found suspicious.
    pub fn is_suspicious(&self) -> bool {
        self.status == Status::Suspicious
    }

    /// Whether the session was expired.
    pub fn is_expired(&self) -> bool {
        self.status == Status::Expired
    }

    /// Whether the session was logged out.
    pub fn is_logged_out(&self) -> bool {
        self.status == Status::LoggedOut
    }

    /// Whether the request was cancelled: logged out without ever having
    /// been approved, so the approval page can say so.
    pub fn was_cancelled(&self) -> bool {
        self.status == Status::LoggedOut && self.login_datetime.is_none()
    }

    /// When the request was made.
    pub fn request_datetime(&self) -> DateTime<Utc> {
        self.request_datetime
    }

    /// When a pending session stops being approvable.
    pub fn expires_at(&self) -> DateTime<Utc> {
        self.expires_at
    }

    /// When the login ends, once approved: the approval time plus the
    /// login lifetime the service gave [`Self::set_approved`].
    pub fn login_expires_at(&self) -> Option<DateTime<Utc>> {
        self.login_expires_at
    }

    /// When the status last changed.
    pub fn status_datetime(&self) -> DateTime<Utc> {
        self.status_datetime
    }

    /// The seed's `login_time`: when the session was approved, if it was.
    pub fn login_time(&self) -> Option<DateTime<Utc>> {
        self.login_datetime
    }

    /// The seed's `logout_time`: when the session was logged out, if it was.
    pub fn logout_time(&self) -> Option<DateTime<Utc>> {
        self.logout_datetime
    }

    /// The user who approved, once approved.
    pub fn user_uid(&self) -> Option<Uuid> {
        self.user_uid
    }

    /// The seed's `device_uid`: the device the session was approved from.
    pub fn device_uid(&self) -> Option<Uuid> {
        self.device_uid
    }

    /// Why the session was denied, when the approver did not simply refuse
    /// it: [`DenyReason::WrongCode`] after a wrong verification code.
    pub fn deny_reason(&self) -> Option<DenyReason> {
        self.deny_reason
    }

    /// The digest of everything the approver is shown, which every signed
    /// statement about this session carries. `None` once the keys are cleared.
    pub fn details_digest(&self) -> Option<Digest> {
        let (key, cert) = self.public_key.as_ref().zip(self.public_cert.as_ref())?;
        let time = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Millis, true);
        let mut hasher = FieldHasher::new("countersign/session-details/v1");
        hasher
            .field(self.uid.as_bytes())
            .field(self.username.as_str().as_bytes())
            .field(&key.to_bytes())
            .field(&cert.to_bytes())
            .field(self.hostname.as_deref().unwrap_or("").as_bytes())
            .field(self.ipaddr.to_string().as_bytes())
            .field(self.login_message.as_deref().unwrap_or("").as_bytes())
            .field(self.scope.joined().as_bytes())
            .field(self.permissions.joined().as_bytes())
            .field(time(self.request_datetime).as_bytes())
            .field(time(self.expires_at).as_bytes());
        Some(Digest(hasher.finish()))
    }

    /// Checks a statement signed by a device of the session's user, whose
    /// public key the caller looked up and found not revoked, made for
    /// `service` (the verifier's own public URL).
    pub fn verify_device(
        &self,
        signed: &SignedStatement,
        device_key: &PublicKey,
        service: &ServiceUrl,
        now: DateTime<Utc>,
        window: Freshness,
    ) -> Result<Verified, StatementError> {
        let Signer::Device(_) = signed.statement.signer else {
            return Err(StatementError::WrongSigner);
        };
        self.verify(signed, device_key, service, now, window)
    }

    /// Checks a statement signed by the requester with the key behind
    /// `public_cert`. The requester may only log out: a pending session
    /// (which cancels the request) or an approved one. It may not close a
    /// session reported suspicious, which would hide the report: only a
    /// device of the user may.
    pub fn verify_requester(
        &self,
        signed: &SignedStatement,
        service: &ServiceUrl,
        now: DateTime<Utc>,
        window: Freshness,
    ) -> Result<Verified, StatementError> {
        let is_logout = matches!(signed.statement.claim, Claim::Logout { .. });
        if signed.statement.signer != Signer::Requester || !is_logout || self.is_suspicious() {
            return Err(StatementError::WrongSigner);
        }
        let cert = self.public_cert.ok_or(StatementError::SessionClosed)?;
        self.verify(signed, &cert, service, now, window)
    }

    fn verify(
        &self,
        signed: &SignedStatement,
        key: &PublicKey,
        service: &ServiceUrl,
        now: DateTime<Utc>,
        window: Freshness,
    ) -> Result<Verified, StatementError> {
        let statement = signed.verify(key, service, now, window)?;
        let (action, session, details) = statement
            .claim
            .session_action()
            .ok_or(StatementError::NotAboutASession)?;
        if session != self.uid {
            return Err(StatementError::WrongSession);
        }
        if Some(details) != self.details_digest() {
            return Err(match self.details_digest() {
                None => StatementError::SessionClosed,
                Some(_) => StatementError::DetailsChanged,
            });
        }
        let code = match statement.claim {
            Claim::Approve { code, .. } => Some(code),
            _ => None,
        };
        Ok(Verified {
            action,
            session,
            signer: statement.signer,
            signed_at: statement.signed_at,
            code,
        })
    }

    /// The seed's `set_approved`: the user `user_uid` approved the session
    /// from the device that signed `proof`. The login lasts `login_lifetime`
    /// (the service's setting, [`DEFAULT_LOGIN_LIFETIME`] unless configured)
    /// and then expires.
    pub fn set_approved(
        &mut self,
        user_uid: Uuid,
        proof: &Verified,
        now: DateTime<Utc>,
        login_lifetime: TimeDelta,
    ) -> Result<(), SessionError> {
        let Signer::Device(device_uid) = proof.signer else {
            return Err(SessionError::ProofMismatch);
        };
        if login_lifetime < TimeDelta::seconds(1) || login_lifetime > MAX_LOGIN_LIFETIME {
            return Err(SessionError::BadLifetime);
        }
        let end = crate::truncate_to_millis(now)
            .checked_add_signed(login_lifetime)
            .ok_or(SessionError::BadLifetime)?;
        let now = self.transition(Action::Approve, Some(proof), now)?;
        self.login_datetime = Some(now);
        self.login_expires_at = Some(end);
        self.user_uid = Some(user_uid);
        self.device_uid = Some(device_uid);
        Ok(())
    }

    /// The seed's `login`: the same as [`Self::set_approved`].
    pub fn login(
        &mut self,
        user_uid: Uuid,
        proof: &Verified,
        now: DateTime<Utc>,
        login_lifetime: TimeDelta,
    ) -> Result<(), SessionError> {
        self.set_approved(user_uid, proof, now, login_lifetime)
    }

    /// The approver refused the session. Its keys are cleared.
    pub fn set_denied(&mut self, proof: &Verified, now: DateTime<Utc>) -> Result<(), SessionError> {
        self.transition(Action::Deny, Some(proof), now)?;
        self.clear_keys();
        Ok(())
    }

    /// An approval whose verification code is not the session's ends the
    /// request: the session is denied with [`DenyReason::WrongCode`] and its
    /// keys are cleared, so no later guess can approve it. `proof` is the
    /// checked approval, signed by a device; the caller (the service, which
    /// alone knows the session's code) has found its code wrong.
    pub fn deny_for_wrong_code(
        &mut self,
        proof: &Verified,
        now: DateTime<Utc>,
    ) -> Result<(), SessionError> {
        let Signer::Device(_) = proof.signer else {
            return Err(SessionError::ProofMismatch);
        };
        if proof.session != self.uid || proof.action != Action::Approve {
            return Err(SessionError::ProofMismatch);
        }
        self.transition(Action::Deny, None, now)?;
        self.deny_reason = Some(DenyReason::WrongCode);
        self.clear_keys();
        Ok(())
    }

    /// The seed's `set_suspicious`: the session is granted nothing from now on.
    pub fn set_suspicious(
        &mut self,
        proof: &Verified,
        now: DateTime<Utc>,
    ) -> Result<(), SessionError> {
        self.transition(Action::ReportSuspicious, Some(proof), now)?;
        Ok(())
    }

    /// The seed's `set_logged_out`, which now always requires a checked
    /// signature (the seed accepted a logout with none). Keys are cleared.
    /// A pending session logged out is a cancelled request
    /// ([`Self::was_cancelled`]).
    pub fn set_logged_out(
        &mut self,
        proof: &Verified,
        now: DateTime<Utc>,
    ) -> Result<(), SessionError> {
        // Checked again here, not only in `verify_requester`, in case the
        // session was reported suspicious after the proof was made.
        if self.is_suspicious() && proof.signer == Signer::Requester {
            return Err(SessionError::ProofMismatch);
        }
        let now = self.transition(Action::Logout, Some(proof), now)?;
        self.logout_datetime = Some(now);
        self.clear_keys();
        Ok(())
    }

    /// The seed's `logout`: the same as [`Self::set_logged_out`].
    pub fn logout(&mut self, proof: &Verified, now: DateTime<Utc>) -> Result<(), SessionError> {
        self.set_logged_out(proof, now)
    }

    /// The revocation cascade: the device `device_uid` was revoked, so the
    /// login it approved ends. No statement is signed about this session:
    /// the checked revocation of its approving device is the authority, and
    /// the service applies this in the revocation's transaction. Only a
    /// session approved by `device_uid` and still approved or suspicious is
    /// logged out (keys cleared, as by any logout); any other is refused
    /// with [`SessionError::ProofMismatch`] (another device, or none,
    /// approved it) or by the transition table (a login past its lifetime is
    /// [`SessionError::Expired`], a closed one a [`TransitionError`]), and
    /// left unchanged.
    pub fn log_out_for_revocation(
        &mut self,
        device_uid: Uuid,
        now: DateTime<Utc>,
    ) -> Result<(), SessionError> {
        if self.device_uid != Some(device_uid) {
            return Err(SessionError::ProofMismatch);
        }
        let now = self.transition(Action::Logout, None, now)?;
        self.logout_datetime = Some(now);
        self.clear_keys();
        Ok(())
    }

    /// An operator's logout (`countersign-server admin session logout`, or
    /// the disabling of the session's user): no statement is signed about
    /// this session; the operator, acting on the service's own database, is
    /// the authority, as a checked revocation is for its cascade. Any live
    /// session (pending, approved or suspicious) is logged out with its
    /// keys cleared; a pending one so logged out reads as cancelled. A
    /// closed session, or one past its time, is refused and left unchanged.
    /// The operator's machine may be behind the service's clock: the logout
    /// is dated no earlier than the session's last change, so the record
    /// stays consistent.
    pub fn log_out_by_operator(&mut self, now: DateTime<Utc>) -> Result<(), SessionError> {
        let now = now.max(self.status_datetime);
        let now = self.transition(Action::Logout, None, now)?;
        self.logout_datetime = Some(now);
        self.clear_keys();
        Ok(())
    }

    /// Marks a pending or approved session whose time has run out as
    /// expired.
    pub fn expire(&mut self, now: DateTime<Utc>) -> Result<(), SessionError> {
        if let Some(end) = self.runs_out_at()
            && now < end
        {
            return Err(SessionError::NotYetExpired(end));
        }
        self.transition(Action::Expire, None, now)?;
        Ok(())
    }

    /// Checks and applies one transition; returns the time it was recorded
    /// at. On error nothing has changed.
    fn transition(
        &mut self,
        action: Action,
        proof: Option<&Verified>,
        now: DateTime<Utc>,
    ) -> Result<DateTime<Utc>, SessionError> {
        if let Some(proof) = proof
            && (proof.session != self.uid || proof.action != action)
        {
            return Err(SessionError::ProofMismatch);
        }
        if action != Action::Expire
            && let Some(end) = self.runs_out_at()
            && now >= end
        {
            return Err(SessionError::Expired(end));
        }
        let next = self.status.after(action)?;
        let now = crate::truncate_to_millis(now);
        self.status = next;
        self.status_datetime = now;
        Ok(now)
    }

    fn clear_keys(&mut self) {
        self.public_key = None;
        self.public_cert = None;
    }
}
