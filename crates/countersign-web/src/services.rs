//! Every call the pages make to the service and the key store. Pages call
//! these and never fetch or sign themselves.

use countersign_browser::api::Api;
use countersign_browser::keys::{self, DeviceKey};
use countersign_browser::{BrowserError, clock, flows, passkey};
use countersign_core::api::{
    AccountView, ApprovalView, AuditPage, ErrorCode, InviteInfo, PendingRevocation, RevokeAnswer,
};
use countersign_core::client::{EnrollmentLink, Next, PollPolicy, Polling, Refusal, WaitPolicy};
use countersign_core::{DeviceName, Digest, LoginSession, Narrowing, ShortUid, Status};
use uuid::Uuid;
use web_sys::{AbortController, AbortSignal};
use yew::platform::time::sleep;

pub use countersign_core::client::Decision;

/// What a person is told when something fails: never a raw error dump. The
/// service's codes that a person can act on get their own words; the rest
/// keep the service's message, which is written for people too.
pub fn explain(error: &BrowserError) -> String {
    match error {
        BrowserError::Service(Refusal { code, message, .. }) => match code {
            ErrorCode::NotFound => "Nothing matches that link: it may be mistyped, already decided, or expired.".into(),
            ErrorCode::Expired => "This request has expired. Ask the program for a new one.".into(),
            ErrorCode::WrongCode => "That is not the code the program shows. The request was denied and nothing was approved; start again from the program.".into(),
            ErrorCode::DeviceRevoked => "This device has been revoked and can no longer approve. Enroll it again from another device.".into(),
            ErrorCode::UnknownDevice => "The service does not know this device for that user. Enroll it again, or use another device.".into(),
            ErrorCode::TransitionRefused => "This request was already decided.".into(),
            ErrorCode::StaleStatement | ErrorCode::FutureStatement => "This device's clock is too far from the service's. Set the clock right and try again.".into(),
            ErrorCode::RateLimited => "Too many attempts from this address. Wait a moment and try again.".into(),
            ErrorCode::Internal => "The countersign service failed. Try again in a moment.".into(),
            ErrorCode::UserVerificationRequired => "This service asks you to confirm with a passkey (your fingerprint, face or security key), and this device has none here. Add a passkey on the Devices page, then try again. Nothing was done.".into(),
            ErrorCode::CounterRegressed => "The passkey's answer looks replayed or copied (its counter went back), so nothing was done. If you did not copy it, tell your admin.".into(),
            ErrorCode::BadAssertion => format!("The passkey's answer was refused, so nothing was done: {message}"),
            _ => message.clone(),
        },
        BrowserError::Network(_) => "The countersign service could not be reached. Check your connection and try again.".into(),
        BrowserError::Unsupported(what) => format!("This browser cannot hold a device key ({what}). Try an up-to-date browser."),
        BrowserError::Passkey { name, message } => explain_passkey(name, message),
        other => other.to_string(),
    }
}

/// What a person is told when the passkey's gesture did not happen.
/// `NotAllowedError` is all a page learns when it was cancelled, timed out
/// or the person was not verified: the browser does not say which.
fn explain_passkey(name: &str, message: &str) -> String {
    match name {
        "NotAllowedError" => "The confirmation with your fingerprint, face or security key was cancelled or timed out, so nothing was sent and nothing changed. Try again when you are ready.".into(),
        "InvalidStateError" => "This authenticator already holds a passkey for this device. Nothing was changed.".into(),
        // WebAuthn refuses an IP address as the relying party: a service
        // reached as http://127.0.0.1:PORT cannot hold passkeys.
        "SecurityError" => "Passkeys need the service to be reached by a name (such as localhost or its domain), not an IP address. Nothing was changed.".into(),
        _ => format!("The passkey could not be used ({message}). Nothing was sent and nothing changed."),
    }
}

/// What a person is told when a cancel or another change to the account
/// is refused: the service's own words when nothing matches or it was
/// already done (its message says what), [`explain`] otherwise.
pub fn explain_change(error: &BrowserError) -> String {
    match error {
        BrowserError::Service(Refusal {
            code: ErrorCode::NotFound | ErrorCode::Conflict,
            message,
            ..
        }) => format!(
            "{message}: it may have been done already. The page now shows where things stand."
        ),
        other => explain(other),
    }
}

fn api() -> Result<Api, BrowserError> {
    Api::same_origin()
}

/// What a login link leads to.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// A pending request, and this browser's keys for its user.
    Pending(Box<ApprovalView>, Vec<DeviceKey>),
    /// A request its program cancelled: logged out before anyone approved.
    Cancelled,
}

/// The pending request behind a short id, and this browser's keys for its
/// user; or, where there is none, whether it was cancelled.
pub async fn load_approval(short: ShortUid) -> Result<Request, BrowserError> {
    let api = api()?;
    let view = match api.approval(short).await {
        Ok(view) => view,
        // The approval view shows pending requests only: a cancelled one
        // is logged out, found by the seed's load by short id and status.
        Err(error) if is_code(&error, ErrorCode::NotFound) => {
            let logged_out = api
                .load_by_short_uid(short, Status::LoggedOut, &Narrowing::default())
                .await;
            return match logged_out {
                Ok(found) if found.iter().any(LoginSession::was_cancelled) => {
                    Ok(Request::Cancelled)
                }
                _ => Err(error),
            };
        }
        Err(error) => return Err(error),
    };
    let keys = keys::for_user(api.service(), view.session.username().as_str()).await?;
    Ok(Request::Pending(Box::new(view), keys))
}

/// How a decision ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Decided {
    /// The service took it: the session's status now.
    Done(Status),
    /// The program cancelled the request before the decision arrived.
    Cancelled,
    /// The code typed was not the program's: the service denied the
    /// request.
    WrongCode,
}

/// Signs and submits a decision on the session the page shows.
pub async fn decide(
    shown: &LoginSession,
    key: &DeviceKey,
    decision: Decision,
) -> Result<Decided, BrowserError> {
    let api = api()?;
    match flows::decide(&api, shown, key, decision).await {
        Ok(session) => Ok(Decided::Done(session.status())),
        Err(error) if is_code(&error, ErrorCode::WrongCode) => Ok(Decided::WrongCode),
        // Refused for the session's state: read it to say why, if it was
        // cancelled.
        Err(error) if may_be_cancelled(&error) => match api.session(shown.uid(), None).await {
            Ok(now) if now.was_cancelled() => Ok(Decided::Cancelled),
            _ => Err(error),
        },
        Err(error) => Err(error),
    }
}

fn is_code(error: &BrowserError, expected: ErrorCode) -> bool {
    matches!(error, BrowserError::Service(refusal) if refusal.code == expected)
}

/// Whether a refused decision may be one on a cancelled request: refused
/// for the session's state (409), not for the statement or the device.
fn may_be_cancelled(error: &BrowserError) -> bool {
    matches!(error, BrowserError::Service(Refusal { status: 409, .. }))
}

/// A long poll on a pending request, until it is decided elsewhere,
/// expires or is cancelled; it stops when this is dropped.
pub struct Watching(AbortController);

impl Drop for Watching {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Watches the pending request `uid` and calls `on_change` with the
/// session once it is no longer pending. The long poll is paced by the
/// core's `Polling`: after a network failure, a 5xx or a 429 it pauses
/// (at least the `Retry-After`) and asks again; it gives up quietly on
/// any other refusal or a failure in this browser: the page still works,
/// and a decision refused later still says why.
pub fn watch_request(
    uid: Uuid,
    on_change: impl FnOnce(LoginSession) + 'static,
) -> Option<Watching> {
    let abort = AbortController::new().ok()?;
    let signal = abort.signal();
    wasm_bindgen_futures::spawn_local(async move {
        if let Some(session) = until_decided(uid, &signal).await {
            on_change(session);
        }
    });
    Some(Watching(abort))
}

/// The session once it is no longer pending; `None` when the watch gave up
/// or was stopped (the page went away and aborted it).
async fn until_decided(uid: Uuid, signal: &AbortSignal) -> Option<LoginSession> {
    let api = api().ok()?;
    let query = WaitPolicy::default().long_poll_query();
    let mut polling = Polling::new(PollPolicy::default());
    loop {
        let asked = clock::now();
        let answer = api.wait_once(uid, &query, Some(signal)).await;
        if signal.aborted() {
            return None;
        }
        let next = match answer {
            Ok(session) if !session.is_pending() => return Some(session),
            Ok(_) => polling.after_answer(false, asked, clock::now()),
            Err(error) => error
                .wait_failure()
                .map_or(Next::Stop, |failure| polling.after_failure(&failure)),
        };
        match next {
            Next::Again => {}
            Next::Pause(pause) => sleep(pause).await,
            Next::Stop => return None,
        }
    }
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

/// Revokes one of the user's devices: at once, or pending until its due
/// time for a device enrolled before this one.
pub async fn revoke(key: &DeviceKey, device: Uuid) -> Result<RevokeAnswer, BrowserError> {
    flows::revoke(&api()?, key, device).await
}

/// Cancels the pending revocation of `device`.
pub async fn cancel_revocation(
    key: &DeviceKey,
    device: Uuid,
) -> Result<PendingRevocation, BrowserError> {
    flows::cancel_revocation(&api()?, key, device).await
}

/// Cancels an enrollment link not yet used.
pub async fn cancel_invite(key: &DeviceKey, invite: Digest) -> Result<InviteInfo, BrowserError> {
    flows::cancel_invite(&api()?, key, invite).await
}

/// A page of older closed sessions of the account, after `before`.
pub async fn account_page(key: &DeviceKey, before: String) -> Result<AccountView, BrowserError> {
    flows::account_page(&api()?, key, Some(before)).await
}

/// A page of the user's audit trail, newest first; `before` is the
/// previous page's `next`.
pub async fn audit(key: &DeviceKey, before: Option<String>) -> Result<AuditPage, BrowserError> {
    flows::audit(&api()?, key, before).await
}

/// A one-time link that enrolls another device of the user.
pub async fn invite(key: &DeviceKey) -> Result<String, BrowserError> {
    flows::invite(&api()?, key).await
}

/// Whether this browser can make passkeys.
pub fn passkeys_supported() -> bool {
    passkey::supported()
}

/// Whether this browser registered a passkey for `key`'s device: its
/// statements then ask for the person's gesture.
pub fn has_passkey(key: &DeviceKey) -> bool {
    passkey::credential_of(key.device_uid).is_some()
}

/// Registers a passkey for `key`'s device (the person's gesture).
pub async fn add_passkey(key: &DeviceKey) -> Result<(), BrowserError> {
    passkey::register(&api()?, key).await
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
        BrowserError::Service(Refusal {
            status: code.http_status(),
            code,
            message: message.into(),
            retry_after_s: None,
        })
    }

    #[test]
    fn the_codes_a_person_can_act_on_are_explained_in_words() {
        let told = explain(&refused(ErrorCode::WrongCode, "wrong code"));
        assert!(
            told.starts_with("That is not the code the program shows. The request was denied"),
            "{told}"
        );
        let told = explain(&refused(ErrorCode::StaleStatement, "stale"));
        assert!(told.contains("clock"), "{told}");
    }

    #[test]
    fn only_refusals_for_the_sessions_state_may_mean_a_cancelled_request() {
        for code in [ErrorCode::TransitionRefused, ErrorCode::SessionClosed] {
            assert!(may_be_cancelled(&refused(code, "closed")), "{code}");
        }
        for code in [
            ErrorCode::WrongCode,
            ErrorCode::DeviceRevoked,
            ErrorCode::NotFound,
        ] {
            assert!(!may_be_cancelled(&refused(code, "no")), "{code}");
        }
        assert!(!may_be_cancelled(&BrowserError::Network("down".into())));
    }

    #[test]
    fn a_cancelled_passkey_says_nothing_changed() {
        let told = explain(&BrowserError::Passkey {
            name: "NotAllowedError".into(),
            message: "The operation either timed out or was not allowed.".into(),
        });
        assert!(told.contains("cancelled or timed out"), "{told}");
        assert!(told.contains("nothing changed"), "{told}");
        let told = explain(&refused(ErrorCode::UserVerificationRequired, "uv"));
        assert!(told.contains("Add a passkey on the Devices page"), "{told}");
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
