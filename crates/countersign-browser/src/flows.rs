//! What a device held in this browser does, step by step: enroll with a
//! one-time link, decide on a request, log a session out, revoke a device,
//! invite another, read the account. The web app and the JavaScript package
//! both call these, so the two can never sign different things.

use countersign_core::api::{AccountView, DeviceInfo};
use countersign_core::{Claim, DeviceName, LoginSession, StatementError, VerificationCode};
use uuid::Uuid;

use crate::api::Api;
use crate::error::BrowserError;
use crate::keys::{self, DeviceKey, NewDevice, Preference};

/// A decision on a pending request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Approve, with the code the requester shows.
    Approve(VerificationCode),
    /// Deny.
    Deny,
    /// "This wasn't me".
    Suspicious,
}

fn closed() -> BrowserError {
    BrowserError::Invalid(StatementError::SessionClosed.to_string())
}

/// Makes a device key in this browser and registers its public half with a
/// one-time link's token. If the service refuses, the key is forgotten.
pub async fn enroll(api: &Api, token: &str, name: DeviceName) -> Result<DeviceKey, BrowserError> {
    let info = api.enrollment(token).await?;
    let new = NewDevice {
        user_uid: info.user_uid,
        username: info.username,
        server: api.base().to_owned(),
        name: name.clone(),
    };
    let key = keys::create(new, Preference::Best).await?;
    let claim = Claim::EnrollDevice {
        user: key.user_uid,
        device: key.device_uid,
        device_key: key.public_key,
        device_name: name,
    };
    let outcome = match keys::sign_statement(&key, claim).await {
        Ok(signed) => api.enroll(token, &signed).await.map(|_| ()),
        Err(error) => Err(error),
    };
    match outcome {
        Ok(()) => Ok(key),
        Err(error) => {
            // The service did not register it: a key nobody can use is noise.
            let _ = keys::forget(key.device_uid).await;
            Err(error)
        }
    }
}

/// Signs and submits a decision on the session as it was shown.
pub async fn decide(
    api: &Api,
    shown: &LoginSession,
    key: &DeviceKey,
    decision: Decision,
) -> Result<LoginSession, BrowserError> {
    let session = shown.uid();
    let details = shown.details_digest().ok_or_else(closed)?;
    let claim = match decision {
        Decision::Approve(code) => Claim::Approve {
            session,
            details,
            code,
        },
        Decision::Deny => Claim::Deny { session, details },
        Decision::Suspicious => Claim::ReportSuspicious { session, details },
    };
    let signed = keys::sign_statement(key, claim).await?;
    api.act(session, &signed).await
}

/// Logs a session out with a device key of its user.
pub async fn logout(
    api: &Api,
    key: &DeviceKey,
    session: &LoginSession,
) -> Result<LoginSession, BrowserError> {
    let details = session.details_digest().ok_or_else(closed)?;
    let claim = Claim::Logout {
        session: session.uid(),
        details,
    };
    let signed = keys::sign_statement(key, claim).await?;
    api.act(session.uid(), &signed).await
}

/// The user's devices and sessions, read with one of their device keys.
pub async fn account(api: &Api, key: &DeviceKey) -> Result<AccountView, BrowserError> {
    let signed = keys::sign_statement(key, Claim::ReadAccount { user: key.user_uid }).await?;
    api.account(&signed).await
}

/// Revokes one of the user's devices.
pub async fn revoke(api: &Api, key: &DeviceKey, device: Uuid) -> Result<DeviceInfo, BrowserError> {
    let claim = Claim::RevokeDevice {
        user: key.user_uid,
        device,
    };
    let signed = keys::sign_statement(key, claim).await?;
    api.revoke(&signed).await
}

/// A one-time link that enrolls another device of the user.
pub async fn invite(api: &Api, key: &DeviceKey) -> Result<String, BrowserError> {
    let signed = keys::sign_statement(key, Claim::InviteDevice { user: key.user_uid }).await?;
    Ok(api.invite(&signed).await?.enrollment_url)
}
