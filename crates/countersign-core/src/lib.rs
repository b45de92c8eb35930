//! The countersign login session: the domain that the browser, Node and the
//! service share.
//!
//! A requester asks for a login ([`LoginRequest`]); the service records it as
//! a [`LoginSession`] with a uid, a [`ShortUid`] and a login URL; the approver
//! checks the details and signs a [`Statement`] with a device key; the service
//! verifies it against the session ([`LoginSession::verify_device`]) and
//! applies the transition, which the table in [`Status::after`] allows or
//! refuses. Nothing here does IO, reads the clock or draws random numbers:
//! time and randomness are arguments, so the same code runs everywhere and
//! every test controls them.
//!
//! The wire contract with the service (every JSON body, query and error
//! code) is [`api`]; the logic every client shares (refusals and the
//! clients' own codes, decisions, waiting, service URLs and links) is
//! [`client`].
//!
//! # The life of a session
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use countersign_core::{
//!     Claim, Freshness, Keypair, LoginRequest, LoginSession, ServiceUrl, Signer, Statement, Status,
//!     TokenSet, Username, VerificationCode, uid_from_random, DEFAULT_LOGIN_LIFETIME, DEFAULT_TTL,
//! };
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let now = Utc.with_ymd_and_hms(2026, 11, 29, 9, 0, 0).unwrap();
//! // The requester makes its keys (from seeds it drew) and asks.
//! let session_key = Keypair::from_seed(&[1; 32]);
//! let cert_key = Keypair::from_seed(&[2; 32]);
//! let request = LoginRequest {
//!     username: Username::new("ada@example.org")?,
//!     public_key: session_key.public_key(),
//!     public_cert: cert_key.public_key(),
//!     hostname: Some("build-01".into()),
//!     login_message: Some("deploy to staging".into()),
//!     scope: TokenSet::parse_list("scope", "deploy")?,
//!     permissions: TokenSet::empty(),
//! };
//! // The service draws a uid and records the request.
//! let uid = uid_from_random([7; 16]);
//! let mut session =
//!     LoginSession::request(request, uid, "192.0.2.7".parse()?, now, DEFAULT_TTL)?;
//! let service = ServiceUrl::parse("https://countersign.example")?;
//! let url = session.login_url(service.as_str());
//! assert!(url.ends_with(&format!("/s?id={}", session.short_uid())));
//!
//! // The approver, shown the details, types the code the requester shows
//! // (the service drew it and compares it) and signs an approval with a
//! // device key.
//! let device_key = Keypair::from_seed(&[3; 32]);
//! let device_uid = uid_from_random([8; 16]);
//! let approval = Statement::new(
//!     Claim::Approve {
//!         session: session.uid(),
//!         details: session.details_digest().unwrap(),
//!         code: VerificationCode::new(42)?,
//!     },
//!     service.clone(),
//!     Signer::Device(device_uid),
//!     now,
//! )
//! .sign(&device_key);
//!
//! // The service checks it with the device's public key and applies it.
//! // Statements name the service they are for: another service refuses them.
//! let device_public = device_key.public_key();
//! let proof = session.verify_device(&approval, &device_public, &service, now, Freshness::default())?;
//! let user_uid = uid_from_random([9; 16]);
//! session.set_approved(user_uid, &proof, now, DEFAULT_LOGIN_LIFETIME)?;
//! assert_eq!(session.status(), Status::Approved);
//! assert_eq!(session.device_uid(), Some(device_uid));
//! assert_eq!(session.login_expires_at(), Some(now + DEFAULT_LOGIN_LIFETIME));
//!
//! // Later the requester logs out with its certificate key.
//! let later = now + chrono::TimeDelta::hours(1);
//! let logout = Statement::new(
//!     Claim::Logout { session: session.uid(), details: session.details_digest().unwrap() },
//!     service.clone(),
//!     Signer::Requester,
//!     later,
//! )
//! .sign(&cert_key);
//! let proof = session.verify_requester(&logout, &service, later, Freshness::default())?;
//! session.logout(&proof, later)?;
//! assert!(session.is_logged_out());
//! assert_eq!(session.public_key(), None, "keys are cleared on logout");
//! # Ok(())
//! # }
//! ```

pub mod api;
mod authorisation;
pub mod client;
mod code;
mod encoding;
mod fields;
mod load;
pub mod passkey;
mod record;
mod session;
mod short_uid;
mod statement;
mod status;
mod username;
mod wire_time;

pub use authorisation::{
    AUTHORISATION_FORMAT, AUTHORISATION_SCHEME, AUTHORISATION_WINDOW, Authorisation,
    AuthorisationError, Expectation, Identity, MAX_AUTHORISATION_TOKEN_LEN, MAX_RESOURCE_LEN,
    MAX_SERVICE_URL_LEN, Nonce, SignedAuthorisation, body_digest, check_resource,
    normalise_service,
};
// The wait's step types keep their short names under `client::`
// (`client::Step`, `client::Failure`, `client::Attempt`), where they read
// unambiguously.
pub use client::{
    Decision, EnrollmentLink, LinkError, LoginLink, ServiceUrl, SessionWatch, WaitPolicy, Waiting,
    WatchError, WatchPolicy,
};
pub use code::{BadCode, VerificationCode};
pub use encoding::{Digest, EncodingError, Fingerprint, Keypair, PublicKey, Signature};
pub use fields::{
    DeviceName, FieldError, MAX_DEVICE_NAME_CHARS, MAX_HOSTNAME_LEN, MAX_MESSAGE_CHARS,
    MAX_TOKEN_LEN, MAX_TOKENS, TokenSet, check_hostname, is_format_character,
};
pub use load::{LoadError, Matches, Narrowing, load_by_short_uid, load_by_uid};
pub use record::DecodeError;
pub use session::{
    DEFAULT_LOGIN_LIFETIME, DEFAULT_TTL, LoginRequest, LoginSession, MAX_LOGIN_LIFETIME, MAX_TTL,
    SessionError, Verified, uid_from_random,
};
pub use short_uid::{ShortUid, ShortUidError};
pub use statement::{
    Claim, Freshness, STATEMENT_FORMAT, SignedStatement, Signer, Statement, StatementError,
    format_refusal,
};
pub use status::{Action, DenyReason, Status, TransitionError, UnknownStatus};
pub use username::{MAX_USERNAME_CHARS, Username, UsernameError};

/// Cuts a time to the millisecond: the precision every platform keeps, so a
/// time written by one and read by another gives the same signed bytes.
pub(crate) fn truncate_to_millis(
    t: chrono::DateTime<chrono::Utc>,
) -> chrono::DateTime<chrono::Utc> {
    use chrono::DurationRound as _;
    t.duration_trunc(chrono::TimeDelta::milliseconds(1))
        .unwrap_or(t)
}
