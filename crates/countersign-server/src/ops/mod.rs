//! What the service does, called by the HTTP handlers above, by the
//! operator's commands and by the service's own tasks. Each file is one
//! concern; they use the state (`state::AppState`) and the layers below it,
//! never HTTP.
//!
//! Sessions: `sessions` (request, read, expire, the one way a session
//! changes), `decide` (signed statements about a session), `wait` (long
//! polls), `pending` (the cap per username). Accounts: `signer` (who
//! signed an account statement; disabled users), `enrollment` (users, links,
//! devices joining), `revocation` (revoking a device, at once or after a
//! delay), `recovery` (cancelling a pending revocation or a link),
//! `account` (the account view and audit trail), `passkeys` (WebAuthn).
//! Relying parties: `authorisations`. Tasks and checks: `sweeper`,
//! `retention`, `notify` (PostgreSQL LISTEN), `sqlite_watch`, `health`.

pub mod account;
pub mod authorisations;
pub mod decide;
pub mod enrollment;
pub mod health;
pub mod notify;
pub mod passkeys;
pub mod pending;
pub mod recovery;
pub mod retention;
pub mod revocation;
pub mod sessions;
pub mod signer;
pub mod sqlite_watch;
pub mod sweeper;
pub mod wait;
