//! `countersign-server admin ...`: what an operator does without a device,
//! straight on the database (safe while `serve` runs: every change is one
//! transaction, announced to every instance on PostgreSQL and found by the
//! SQLite watcher of a `serve` on the same file). Each command prints words
//! for people, or with `--json` one JSON object (NDJSON for lists), and
//! every change is an audit entry with source `admin`, which the audit
//! export shows as `actor: admin`.
//!
//! One file per group of commands: `users`, `devices`, `sessions`,
//! `audit`, `prune`, `backup`; they print through `out::say`.

use chrono::TimeDelta;
use countersign_core::api::UserInfo;
use serde::Serialize;
use uuid::Uuid;

use crate::store::{Store, StoreError};

mod audit;
mod backup;
mod devices;
mod out;
mod prune;
mod sessions;
mod users;

pub use audit::{AuditLine, audit};
pub use backup::backup;
pub use devices::{Revoked, device_list, device_revoke};
pub use out::{Failure, say};
pub use prune::prune;
pub use sessions::{session_list, session_logout};
pub use users::{
    UserDetails, user_add, user_disable, user_enable, user_enroll_link, user_list, user_show,
};

/// How long a link from `admin user add` or `enroll-link` stays usable.
pub const LINK_TTL: TimeDelta = TimeDelta::days(1);

/// How many times an operator's logout is tried again when the session
/// changed under it.
const CHANGE_TRIES: usize = 3;

fn json(value: &impl Serialize) -> Result<String, String> {
    serde_json::to_string(value).map_err(|e| e.to_string())
}

fn store_error(error: StoreError) -> String {
    format!("the database failed: {error}")
}

fn contended(what: &str) -> String {
    format!("{what} kept changing meanwhile; try again")
}

async fn user_named(store: &Store, name: &str) -> Result<UserInfo, String> {
    store
        .user_by_name(name)
        .await
        .map_err(store_error)?
        .ok_or_else(|| format!("no user named {name:?}"))
}

fn parse_uid(text: &str, what: &str) -> Result<Uuid, String> {
    Uuid::parse_str(text).map_err(|_| format!("{text:?} is not a {what} uid"))
}
