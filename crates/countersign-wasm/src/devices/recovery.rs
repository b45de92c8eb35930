//! Revocations that wait: the service revokes a device enrolled before the
//! signer only after a delay (`202`, a pending revocation), during which
//! that device can cancel it. `revokeDevice` answers either outcome, told
//! apart by `status`, and `cancelRevocation` cancels one.

use countersign_browser::api::Api;
use countersign_browser::flows;
use countersign_core::api::{PendingRevocation, RevokeAnswer};
use wasm_bindgen::prelude::*;

use super::{device_info, kept_key};
use crate::convert::{self, Options, ms, object};
use crate::error::CountersignError;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = r#"
/** A revocation waiting out the service's delay: `device` is revoked at
 * `dueAtMs` unless it cancels it (`cancelRevocation`) before then. */
export interface PendingRevocation {
  /** The device it would revoke. */
  device: string;
  /** The device that asked for it. */
  requestedBy: string;
  requestedAtMs: number;
  dueAtMs: number;
}

/** What `revokeDevice` answers: the device revoked now, or, for a device
 * enrolled before the signer, a revocation pending until `dueAtMs`. */
export type RevokeOutcome =
  | (DeviceInfo & { status: 'revoked' })
  | (PendingRevocation & { status: 'pending' });
"#;

/// A pending revocation as the `PendingRevocation` of the declarations.
pub fn pending_revocation(pending: &PendingRevocation) -> JsValue {
    object(&[
        ("device", pending.device.to_string().into()),
        ("requestedBy", pending.requested_by.to_string().into()),
        ("requestedAtMs", ms(pending.requested_at).into()),
        ("dueAtMs", ms(pending.due_at).into()),
    ])
}

/// The service's answer to a revocation as a `RevokeOutcome`: the object
/// of its kind with `status` beside its fields, so that a caller that
/// reads `revokedAtMs` of an immediate revocation still can.
pub fn revoke_outcome(answer: &RevokeAnswer) -> JsValue {
    let (value, status) = match answer {
        RevokeAnswer::Revoked(device) => (device_info(device), "revoked"),
        RevokeAnswer::Pending(pending) => (pending_revocation(pending), "pending"),
    };
    // Setting a property on a fresh plain object cannot fail.
    let _ = js_sys::Reflect::set(&value, &"status".into(), &status.into());
    value
}

/// Cancels the pending revocation of `targetDeviceUid` (this device, or
/// one this device asked to revoke), signed by the kept key `deviceUid`.
/// Answers the revocation that will not happen; `not_found` when none is
/// pending.
#[wasm_bindgen(js_name = cancelRevocation, unchecked_return_type = "PendingRevocation")]
pub async fn cancel_revocation(
    #[wasm_bindgen(unchecked_param_type = "RevokeDeviceOptions")] options: JsValue,
) -> Result<JsValue, CountersignError> {
    let options = Options::read(options, &["server", "deviceUid", "targetDeviceUid"])?;
    let key = kept_key(&options).await?;
    let target = convert::uid(&options.string("targetDeviceUid")?)?;
    let cancelled = flows::cancel_revocation(&Api::new(key.server.clone()), &key, target).await?;
    Ok(pending_revocation(&cancelled))
}
