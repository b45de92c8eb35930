//! Every call the pages make to the service and the key store. Pages call
//! these and never fetch or sign themselves.

use countersign_browser::BrowserError;
use countersign_browser::api::Api;
use countersign_browser::flows;
use countersign_browser::keys::{self, DeviceKey};
use countersign_core::api::{AccountView, ApprovalView, DeviceInfo};
use countersign_core::{DeviceName, LoginSession, ShortUid};
use uuid::Uuid;

/// What a person is told when something fails: never a raw error dump.
pub fn explain(error: &BrowserError) -> String {
    match error {
        BrowserError::Service { code, message, .. } => match code.as_str() {
            "not_found" => "Nothing matches that link: it may be mistyped, already decided, or expired.".into(),
            "expired" => "This request has expired. Ask the program for a new one.".into(),
            "wrong_code" => "That is not the code the program shows. Nothing was approved; check the code and try again.".into(),
            "device_revoked" => "This device has been revoked and can no longer approve. Enroll it again from another device.".into(),
            "transition_refused" => "This request was already decided.".into(),
            "rate_limited" => "Too many attempts from this address. Wait a moment and try again.".into(),
            _ => message.clone(),
        },
        BrowserError::Network(_) => "The countersign service could not be reached. Check your connection and try again.".into(),
        BrowserError::Unsupported(what) => format!("This browser cannot hold a device key ({what}). Try an up-to-date browser."),
        other => other.to_string(),
    }
}

fn api() -> Result<Api, BrowserError> {
    Api::same_origin()
}

/// The pending request behind a short id, and this browser's keys for its user.
pub async fn load_approval(
    short: ShortUid,
) -> Result<(ApprovalView, Vec<DeviceKey>), BrowserError> {
    let api = api()?;
    let view = api.approval(short).await?;
    let keys = keys::for_user(api.base(), view.session.username().as_str()).await?;
    Ok((view, keys))
}

pub use countersign_browser::flows::Decision;

/// Signs and submits a decision on the session the page shows.
pub async fn decide(
    shown: &LoginSession,
    key: &DeviceKey,
    decision: Decision,
) -> Result<LoginSession, BrowserError> {
    flows::decide(&api()?, shown, key, decision).await
}

/// Who an enrollment link is for.
pub async fn enrollment(token: &str) -> Result<String, BrowserError> {
    Ok(api()?.enrollment(token).await?.username)
}

/// Makes a device key in this browser and registers it with the link's token.
pub async fn enroll(token: &str, name: DeviceName) -> Result<DeviceKey, BrowserError> {
    flows::enroll(&api()?, token, name).await
}

/// The device keys this browser holds for the service that served it.
pub async fn local_keys() -> Result<Vec<DeviceKey>, BrowserError> {
    let base = api()?.base().to_owned();
    Ok(keys::list()
        .await?
        .into_iter()
        .filter(|k| k.server == base)
        .collect())
}

/// The user's devices and sessions, read with one of their device keys.
pub async fn account(key: &DeviceKey) -> Result<AccountView, BrowserError> {
    flows::account(&api()?, key).await
}

/// Revokes one of the user's devices.
pub async fn revoke(key: &DeviceKey, device: Uuid) -> Result<DeviceInfo, BrowserError> {
    flows::revoke(&api()?, key, device).await
}

/// A one-time link that enrolls another device of the user.
pub async fn invite(key: &DeviceKey) -> Result<String, BrowserError> {
    flows::invite(&api()?, key).await
}

/// Logs a session out with a device key of its user.
pub async fn logout(key: &DeviceKey, session: &LoginSession) -> Result<LoginSession, BrowserError> {
    flows::logout(&api()?, key, session).await
}
