//! Every call the pages make to the service and the key store. Pages call
//! these and never fetch or sign themselves.

use countersign_browser::BrowserError;
use countersign_browser::api::Api;
use countersign_browser::flows;
use countersign_browser::keys::{self, DeviceKey};
use countersign_core::api::{AccountView, ApprovalView, DeviceInfo, ErrorCode};
use countersign_core::client::EnrollmentLink;
use countersign_core::{DeviceName, LoginSession, ShortUid};
use uuid::Uuid;

pub use countersign_core::client::Decision;

/// What a person is told when something fails: never a raw error dump. The
/// service's codes that a person can act on get their own words; the rest
/// keep the service's message, which is written for people too.
pub fn explain(error: &BrowserError) -> String {
    match error {
        BrowserError::Service { code, message, .. } => match code {
            ErrorCode::NotFound => "Nothing matches that link: it may be mistyped, already decided, or expired.".into(),
            ErrorCode::Expired => "This request has expired. Ask the program for a new one.".into(),
            ErrorCode::WrongCode => "That is not the code the program shows. Nothing was approved; check the code and try again.".into(),
            ErrorCode::DeviceRevoked => "This device has been revoked and can no longer approve. Enroll it again from another device.".into(),
            ErrorCode::UnknownDevice => "The service does not know this device for that user. Enroll it again, or use another device.".into(),
            ErrorCode::TransitionRefused => "This request was already decided.".into(),
            ErrorCode::StaleStatement | ErrorCode::FutureStatement => "This device's clock is too far from the service's. Set the clock right and try again.".into(),
            ErrorCode::RateLimited => "Too many attempts from this address. Wait a moment and try again.".into(),
            ErrorCode::Internal => "The countersign service failed. Try again in a moment.".into(),
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
    let keys = keys::for_user(api.service(), view.session.username().as_str()).await?;
    Ok((view, keys))
}

/// Signs and submits a decision on the session the page shows.
pub async fn decide(
    shown: &LoginSession,
    key: &DeviceKey,
    decision: Decision,
) -> Result<LoginSession, BrowserError> {
    flows::decide(&api()?, shown, key, decision).await
}

/// Who an enrollment link is for.
pub async fn enrollment(link: &EnrollmentLink) -> Result<String, BrowserError> {
    let api = Api::new(link.service().clone());
    Ok(api.enrollment(link.token()).await?.username)
}

/// Makes a device key in this browser and registers it with the link.
pub async fn enroll(link: &EnrollmentLink, name: DeviceName) -> Result<DeviceKey, BrowserError> {
    flows::enroll(link, name).await
}

/// The device keys this browser holds for the service that served it.
pub async fn local_keys() -> Result<Vec<DeviceKey>, BrowserError> {
    let api = api()?;
    Ok(keys::list()
        .await?
        .into_iter()
        .filter(|k| &k.server == api.service())
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

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn refused(code: ErrorCode, message: &str) -> BrowserError {
        BrowserError::Service {
            status: code.http_status(),
            code,
            message: message.into(),
            retry_after_s: None,
        }
    }

    #[test]
    fn the_codes_a_person_can_act_on_are_explained_in_words() {
        let told = explain(&refused(ErrorCode::WrongCode, "wrong code"));
        assert!(
            told.starts_with("That is not the code the program shows."),
            "{told}"
        );
        let told = explain(&refused(ErrorCode::StaleStatement, "stale"));
        assert!(told.contains("clock"), "{told}");
    }

    #[test]
    fn other_codes_keep_the_services_message() {
        for code in [ErrorCode::BadField, ErrorCode::Unrecognised] {
            assert_eq!(
                explain(&refused(code, "the name is too long")),
                "the name is too long"
            );
        }
    }
}
