//! `admin device list [--user NAME]|revoke UID`: devices, and the
//! revocation a device of the user could sign, made by the operator.

use countersign_core::api::{AuditAction, AuditSubject, DeviceInfo};
use serde::Serialize;
use uuid::Uuid;

use super::users::device_line;
use super::{Failure, contended, json, parse_uid, say, store_error, user_named};
use crate::clock::Clock;
use crate::ops::revocation::revocation_logout;
use crate::store::ADMIN_SOURCE;
use crate::store::{Store, StoreError, audit_event};

/// What `admin device revoke --json` prints.
#[derive(Debug, Serialize)]
pub struct Revoked {
    /// The device, now revoked.
    pub device: DeviceInfo,
    /// The sessions its revocation logged out.
    pub logged_out: Vec<Uuid>,
}

/// `admin device list [--user NAME]`: devices, by user.
pub async fn device_list(store: &Store, user: Option<&str>, as_json: bool) -> Result<(), Failure> {
    let users = match user {
        Some(name) => vec![user_named(store, name).await?],
        None => store.users().await.map_err(store_error)?,
    };
    for user in users {
        for device in store.devices_of(user.uid).await.map_err(store_error)? {
            if as_json {
                say(json(&device)?)?;
            } else {
                say(device_line(&device, &user.username))?;
            }
        }
    }
    Ok(())
}

/// `admin device revoke UID`: the revocation a device of the user could
/// sign, with its logouts, by the operator.
pub async fn device_revoke(store: &Store, uid: &str, as_json: bool) -> Result<(), Failure> {
    let uid = parse_uid(uid, "device")?;
    let device = store
        .device(uid)
        .await
        .map_err(store_error)?
        .ok_or_else(|| format!("no device {uid}"))?;
    let now = Clock::system().now();
    let entry = audit_event(
        AuditSubject::Device,
        AuditAction::Revoke,
        now,
        Some(device.user_uid),
        None,
        Some(ADMIN_SOURCE.into()),
    );
    let log_out = revocation_logout(uid, now, device.user_uid, None, ADMIN_SOURCE);
    let logged_out = match store.revoke_device(uid, &entry, &[], log_out).await {
        Ok(Some(logged_out)) => logged_out,
        Ok(None) => return Err(format!("device {uid} is already revoked").into()),
        Err(StoreError::Contended) => return Err(contended("the device's logins").into()),
        Err(error) => return Err(store_error(error).into()),
    };
    let device = store
        .device(uid)
        .await
        .map_err(store_error)?
        .ok_or_else(|| format!("no device {uid}"))?;
    let logged_out: Vec<Uuid> = logged_out.iter().map(|found| found.session.uid()).collect();
    if as_json {
        say(json(&Revoked { device, logged_out })?)?;
    } else {
        say(format_args!(
            "Revoked device {uid} ({:?}); {} login(s) logged out.",
            device.name,
            logged_out.len()
        ))?;
    }
    Ok(())
}
