//! How the browser's wasm reads a claim's JSON: one flat record of every
//! claim's fields beside its `action`, read in one pass, then checked for
//! the fields that action needs.
//!
//! Serde's derived reader for an internally tagged enum buffers the whole
//! object first and then reads the buffer once per variant: in the npm
//! package's wasm it was the largest function of all (about 28 KB, of some
//! 470 KB). Natively the derived reader stays, so the service reads claims
//! exactly as before. The two differ only on fields that the claim's action
//! does not have: the derived reader ignores them, this one reads them
//! (a `code` that is not a number is refused even in a `deny`); and serde's
//! reader also takes a claim written as an array, `["read_account", uid]`,
//! which no countersign program writes. The claim tests
//! (`tests/it/wire_forms.rs`) run on both targets, so both readers give
//! their answers.

use std::fmt;

use serde::Deserialize;
use uuid::Uuid;

use super::Claim;
use crate::code::VerificationCode;
use crate::encoding::{Digest, PublicKey};
use crate::fields::DeviceName;

/// A claim's `action`.
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum Action {
    Approve,
    Deny,
    ReportSuspicious,
    Logout,
    EnrollDevice,
    RevokeDevice,
    ReadAccount,
    InviteDevice,
    RegisterPasskey,
    CancelRevocation,
    CancelInvite,
    ReadAudit,
}

/// Every field of every claim, each read if present.
#[derive(Deserialize)]
pub(super) struct WireClaim {
    action: Action,
    session: Option<Uuid>,
    details: Option<Digest>,
    code: Option<VerificationCode>,
    user: Option<Uuid>,
    device: Option<Uuid>,
    device_key: Option<PublicKey>,
    device_name: Option<DeviceName>,
    invite: Option<Digest>,
}

/// A field that the claim's action needs and its JSON lacks; worded as
/// serde words it for the derived reader.
#[derive(Debug)]
pub(super) struct MissingField(&'static str);

impl fmt::Display for MissingField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "missing field `{}`", self.0)
    }
}

fn need<T>(value: Option<T>, name: &'static str) -> Result<T, MissingField> {
    value.ok_or(MissingField(name))
}

impl TryFrom<WireClaim> for Claim {
    type Error = MissingField;

    fn try_from(w: WireClaim) -> Result<Self, MissingField> {
        // The fields in each variant's order, so that the first missing one
        // is the one the derived reader names.
        Ok(match w.action {
            Action::Approve => Claim::Approve {
                session: need(w.session, "session")?,
                details: need(w.details, "details")?,
                code: need(w.code, "code")?,
            },
            Action::Deny => Claim::Deny {
                session: need(w.session, "session")?,
                details: need(w.details, "details")?,
            },
            Action::ReportSuspicious => Claim::ReportSuspicious {
                session: need(w.session, "session")?,
                details: need(w.details, "details")?,
            },
            Action::Logout => Claim::Logout {
                session: need(w.session, "session")?,
                details: need(w.details, "details")?,
            },
            Action::EnrollDevice => Claim::EnrollDevice {
                user: need(w.user, "user")?,
                device: need(w.device, "device")?,
                device_key: need(w.device_key, "device_key")?,
                device_name: need(w.device_name, "device_name")?,
            },
            Action::RevokeDevice => Claim::RevokeDevice {
                user: need(w.user, "user")?,
                device: need(w.device, "device")?,
            },
            Action::ReadAccount => Claim::ReadAccount {
                user: need(w.user, "user")?,
            },
            Action::InviteDevice => Claim::InviteDevice {
                user: need(w.user, "user")?,
            },
            Action::RegisterPasskey => Claim::RegisterPasskey {
                user: need(w.user, "user")?,
                device: need(w.device, "device")?,
            },
            Action::CancelRevocation => Claim::CancelRevocation {
                user: need(w.user, "user")?,
                device: need(w.device, "device")?,
            },
            Action::CancelInvite => Claim::CancelInvite {
                user: need(w.user, "user")?,
                invite: need(w.invite, "invite")?,
            },
            Action::ReadAudit => Claim::ReadAudit {
                user: need(w.user, "user")?,
            },
        })
    }
}
