//! How the browser's wasm reads the answer to a revocation: one flat record
//! of both answers' fields, read in one pass, then the device if its fields
//! are all there, else the pending revocation.
//!
//! Serde's derived reader for an untagged enum buffers the whole object and
//! then reads the buffer once per variant, which carried serde's buffering
//! code and a second copy of each variant's reader into the wasm modules
//! (about 5 KB each). Natively the derived reader stays. The two differ only
//! on answers that the service never writes: an object whose fields of one
//! answer are present but malformed is refused here, where the derived
//! reader would try the other answer. The tests (`tests/it/api_bodies.rs`)
//! run on both targets.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use uuid::Uuid;

use super::{PendingRevocation, RevokeAnswer};
use crate::api::DeviceInfo;
use crate::encoding::PublicKey;

/// Every field of both answers, each read if present.
#[derive(Deserialize)]
pub(super) struct WireRevokeAnswer {
    #[serde(default)]
    uid: Option<Uuid>,
    #[serde(default)]
    user_uid: Option<Uuid>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    public_key: Option<PublicKey>,
    #[serde(default, deserialize_with = "crate::wire_time::read_opt")]
    created_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::wire_time::read_opt")]
    revoked_at: Option<DateTime<Utc>>,
    #[serde(default)]
    device: Option<Uuid>,
    #[serde(default)]
    requested_by: Option<Uuid>,
    #[serde(default, deserialize_with = "crate::wire_time::read_opt")]
    requested_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::wire_time::read_opt")]
    due_at: Option<DateTime<Utc>>,
}

/// An object that is neither answer; worded as serde words it for the
/// derived reader.
#[derive(Debug)]
pub(super) struct NoVariant;

impl fmt::Display for NoVariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("data did not match any variant of untagged enum RevokeAnswer")
    }
}

impl TryFrom<WireRevokeAnswer> for RevokeAnswer {
    type Error = NoVariant;

    fn try_from(w: WireRevokeAnswer) -> Result<Self, NoVariant> {
        // In the derived reader's order: the device revoked now first.
        if let (Some(uid), Some(user_uid), Some(name), Some(public_key), Some(created_at)) =
            (w.uid, w.user_uid, w.name, w.public_key, w.created_at)
        {
            return Ok(RevokeAnswer::Revoked(Box::new(DeviceInfo {
                uid,
                user_uid,
                name,
                public_key,
                created_at,
                revoked_at: w.revoked_at,
            })));
        }
        match (w.device, w.requested_by, w.requested_at, w.due_at) {
            (Some(device), Some(requested_by), Some(requested_at), Some(due_at)) => {
                Ok(RevokeAnswer::Pending(PendingRevocation {
                    device,
                    requested_by,
                    requested_at,
                    due_at,
                }))
            }
            _ => Err(NoVariant),
        }
    }
}
