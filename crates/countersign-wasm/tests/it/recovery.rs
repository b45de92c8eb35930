//! The answers of a revocation as JavaScript reads them: one that waits
//! says `pending` and when it is due, one done at once is the device with
//! its revocation time, both told apart by `status`.

use chrono::{TimeZone as _, Utc};
use countersign_core::api::{DeviceInfo, PendingRevocation, RevokeAnswer};
use countersign_core::{Keypair, uid_from_random};
use countersign_wasm::devices::recovery::revoke_outcome;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test as test;

/// Milliseconds since the epoch, as the package writes times.
fn ms(time: chrono::DateTime<Utc>) -> f64 {
    time.timestamp_millis() as f64
}

fn field(value: &JsValue, name: &str) -> JsValue {
    js_sys::Reflect::get(value, &name.into()).unwrap()
}

#[test]
fn a_pending_revocation_says_so_and_when_it_is_due() {
    let at = Utc.with_ymd_and_hms(2026, 12, 1, 4, 0, 0).unwrap();
    let pending = PendingRevocation {
        device: uid_from_random([1; 16]),
        requested_by: uid_from_random([2; 16]),
        requested_at: at,
        due_at: at + chrono::TimeDelta::hours(48),
    };
    let value = revoke_outcome(&RevokeAnswer::Pending(pending.clone()));
    assert_eq!(field(&value, "status"), "pending");
    assert_eq!(field(&value, "device"), pending.device.to_string().as_str());
    assert_eq!(
        field(&value, "requestedBy"),
        pending.requested_by.to_string().as_str()
    );
    assert_eq!(field(&value, "dueAtMs").as_f64(), Some(ms(pending.due_at)));
    assert!(field(&value, "revokedAtMs").is_undefined());
}

#[test]
fn an_immediate_revocation_is_the_device_with_its_time() {
    let at = Utc.with_ymd_and_hms(2026, 12, 1, 4, 0, 0).unwrap();
    let device = DeviceInfo {
        uid: uid_from_random([3; 16]),
        user_uid: uid_from_random([4; 16]),
        name: "Phone".into(),
        public_key: Keypair::from_seed(&[5; 32]).public_key(),
        created_at: at,
        revoked_at: Some(at),
    };
    let value = revoke_outcome(&RevokeAnswer::Revoked(Box::new(device)));
    assert_eq!(field(&value, "status"), "revoked");
    assert_eq!(field(&value, "name"), "Phone");
    assert_eq!(field(&value, "revokedAtMs").as_f64(), Some(ms(at)));
}
