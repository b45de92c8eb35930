//! What a device held in this browser does, step by step: enroll with a
//! one-time link, decide on a request, log a session out, revoke a device,
//! invite another, cancel a pending revocation or an enrollment link, read
//! the account and its audit trail. The web app and the JavaScript package
//! both call these, so the two can never sign different things; the claims
//! themselves are the core's (`countersign_core::client`), which the command
//! line signs too. Every statement names the service it is sent to.

use countersign_core::api::{
    AccountView, AuditPage, InviteInfo, PageQuery, PendingRevocation, RevokeAnswer,
};
use countersign_core::client::{self, Decision, EnrollmentLink};
use countersign_core::{Claim, DeviceName, Digest, LoginSession};
use uuid::Uuid;

use crate::api::Api;
use crate::error::BrowserError;
use crate::keys::{self, DeviceKey, NewDevice, Preference};
use crate::passkey;

/// Makes a device key in this browser and registers its public half with
/// the service named by a one-time enrollment link. If the service refuses,
/// the key is forgotten.
pub async fn enroll(link: &EnrollmentLink, name: DeviceName) -> Result<DeviceKey, BrowserError> {
    let api = Api::new(link.service().clone());
    let token = link.token();
    let info = api.enrollment(token).await?;
    let new = NewDevice {
        user_uid: info.user_uid,
        username: info.username,
        server: link.service().clone(),
        name: name.clone(),
    };
    let key = keys::create(new, Preference::Best).await?;
    let claim = Claim::EnrollDevice {
        user: key.user_uid,
        device: key.device_uid,
        device_key: key.public_key,
        device_name: name,
    };
    let outcome = match keys::sign_statement(&key, api.service(), claim).await {
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
    let signed = keys::sign_statement(key, api.service(), decision.claim(shown)?).await?;
    let attested = passkey::attest(signed, key.device_uid).await?;
    api.act_attested(shown.uid(), &attested).await
}

/// Logs a session out with a device key of its user.
pub async fn logout(
    api: &Api,
    key: &DeviceKey,
    session: &LoginSession,
) -> Result<LoginSession, BrowserError> {
    let signed = keys::sign_statement(key, api.service(), client::logout_claim(session)?).await?;
    api.act(session.uid(), &signed).await
}

/// The user's devices and sessions, read with one of their device keys.
pub async fn account(api: &Api, key: &DeviceKey) -> Result<AccountView, BrowserError> {
    account_page(api, key, None).await
}

/// One page of the account: the first (`before` none) with every live
/// session, the pending invites and revocations; then, with a page's
/// `next`, older closed sessions. Each page is read with a fresh statement:
/// the service accepts an account statement once.
pub async fn account_page(
    api: &Api,
    key: &DeviceKey,
    before: Option<String>,
) -> Result<AccountView, BrowserError> {
    let signed = keys::sign_statement(
        key,
        api.service(),
        Claim::ReadAccount { user: key.user_uid },
    )
    .await?;
    api.account_page(&signed, &PageQuery { before }).await
}

/// One page of the user's audit trail, newest first; `before` is the
/// previous page's `next`.
pub async fn audit(
    api: &Api,
    key: &DeviceKey,
    before: Option<String>,
) -> Result<AuditPage, BrowserError> {
    let signed =
        keys::sign_statement(key, api.service(), Claim::ReadAudit { user: key.user_uid }).await?;
    api.audit(&signed, &PageQuery { before }).await
}

/// Cancels the pending revocation of `device`: signed by that device (or
/// by the one that asked for it), with the person's gesture when this
/// browser has a passkey for the signing device, as a revocation has.
pub async fn cancel_revocation(
    api: &Api,
    key: &DeviceKey,
    device: Uuid,
) -> Result<PendingRevocation, BrowserError> {
    let claim = Claim::CancelRevocation {
        user: key.user_uid,
        device,
    };
    let signed = keys::sign_statement(key, api.service(), claim).await?;
    let attested = passkey::attest(signed, key.device_uid).await?;
    api.cancel_revocation(&attested).await
}

/// Cancels an enrollment link of the user that was not used yet, named by
/// its id (the digest of its token, as the account view lists it).
pub async fn cancel_invite(
    api: &Api,
    key: &DeviceKey,
    invite: Digest,
) -> Result<InviteInfo, BrowserError> {
    let claim = Claim::CancelInvite {
        user: key.user_uid,
        invite,
    };
    let signed = keys::sign_statement(key, api.service(), claim).await?;
    api.cancel_invite(&signed).await
}

/// Revokes one of the user's devices: at once, or, for a device enrolled
/// before this one, after the service's delay unless that device cancels
/// it ([`RevokeAnswer::Pending`]).
pub async fn revoke(
    api: &Api,
    key: &DeviceKey,
    device: Uuid,
) -> Result<RevokeAnswer, BrowserError> {
    let claim = Claim::RevokeDevice {
        user: key.user_uid,
        device,
    };
    let signed = keys::sign_statement(key, api.service(), claim).await?;
    let attested = passkey::attest(signed, key.device_uid).await?;
    api.revoke_attested(&attested).await
}

/// A one-time link that enrolls another device of the user.
pub async fn invite(api: &Api, key: &DeviceKey) -> Result<String, BrowserError> {
    let signed = keys::sign_statement(
        key,
        api.service(),
        Claim::InviteDevice { user: key.user_uid },
    )
    .await?;
    let attested = passkey::attest(signed, key.device_uid).await?;
    Ok(api.invite_attested(&attested).await?.enrollment_url)
}
