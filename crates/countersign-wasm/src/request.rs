//! Requesting a login from a JavaScript app: `requestLogin` makes the
//! session's two keys in wasm, asks the service, and waits for the decision
//! by long poll; the `Login` it returns signs authorisations for the
//! approved session (`authorise`), its logout, and the cancel of a pending
//! request. The secret halves of the keys never leave wasm memory. What to
//! retry while waiting, and for how long, is the core's `Waiting`, which the
//! command line follows too.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use countersign_browser::api::Api;
use countersign_browser::{BrowserError, clock};
use countersign_core::api::RequestAnswer;
use countersign_core::client::{self, Attempt, ServiceUrl, Step, WaitPolicy, Waiting};
use countersign_core::{
    self as cs, Authorisation, AuthorisationError, Keypair, LoginRequest, Signer, Statement,
    Status, Username,
};
use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;
use web_sys::AbortController;

use crate::convert::{Options, ms};
use crate::error::{CountersignError, Failure};
use crate::session::LoginSession;
use crate::timer;

/// `N` bytes from `crypto.getRandomValues`: the package's one random
/// source, for key seeds and nonces.
#[allow(clippy::disallowed_methods, reason = "the package's one random source")]
fn random<const N: usize>() -> Result<[u8; N], CountersignError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| Failure::NoRandom(e.to_string()))?;
    Ok(bytes)
}

/// A fresh key pair from a random seed.
fn fresh_keypair() -> Result<Keypair, CountersignError> {
    let mut seed = random::<32>()?;
    let keypair = Keypair::from_seed(&seed);
    seed.fill(0);
    Ok(keypair)
}

/// The session as this login last knew it: set when the wait sees it
/// approved and when it is logged out here, read by `authorise`.
type Known = Rc<RefCell<Option<cs::LoginSession>>>;

/// Asks the service for a login and starts waiting for the decision.
///
/// Resolves as soon as the service has answered, with the details to show
/// (`loginUrl`, `verificationCode`, ...); `approved` settles later.
#[wasm_bindgen(js_name = requestLogin)]
pub async fn request_login(
    #[wasm_bindgen(unchecked_param_type = "RequestLoginOptions")] options: JsValue,
) -> Result<Login, CountersignError> {
    let options = Options::read(
        options,
        &[
            "server",
            "username",
            "message",
            "hostname",
            "scope",
            "permissions",
        ],
    )?;
    let server = ServiceUrl::parse(&options.string("server")?)?;
    let username = Username::new(options.string("username")?)?;
    let hostname = options.opt_string("hostname")?;
    let login_message = options.opt_string("message")?;
    let scope = options.opt_tokens("scope")?.unwrap_or_default();
    let permissions = options.opt_tokens("permissions")?.unwrap_or_default();
    if let Some(hostname) = &hostname {
        cs::check_hostname(hostname)?;
    }
    let session_key = fresh_keypair()?;
    let cert_key = fresh_keypair()?;
    let request = LoginRequest {
        username,
        public_key: session_key.public_key(),
        public_cert: cert_key.public_key(),
        hostname,
        login_message,
        scope,
        permissions,
    };
    let api = Api::new(server);
    let answer = api.request_login(&request).await?;
    if !answer.short_uid.matches(&answer.uid) {
        return Err(Failure::BadAnswer("the short id is not that of the uid".into()).into());
    }
    let abort = AbortController::new()
        .map_err(|_| BrowserError::Unsupported("no AbortController".into()))?;
    let cancelled = Rc::new(Cell::new(false));
    let known = Known::default();
    let wait = Wait {
        api: api.clone(),
        uid: answer.uid,
        public_key: request.public_key,
        expires_at: answer.expires_at,
        abort: abort.clone(),
        cancelled: cancelled.clone(),
        known: known.clone(),
    };
    let approved = future_to_promise(async move {
        wait.until_decided()
            .await
            .map(JsValue::from)
            .map_err(JsValue::from)
    });
    mark_handled(&approved);
    Ok(Login {
        api,
        answer,
        session_key,
        cert_key: Rc::new(cert_key),
        approved,
        abort,
        cancelled,
        known,
    })
}

/// Attaches a do-nothing rejection handler, so that an app that never looks
/// at `approved` does not get an unhandled rejection (which ends a Node
/// process). Handlers the app attaches still see the rejection.
fn mark_handled(promise: &Promise) {
    let ignore = Closure::once_into_js(|_: JsValue| {});
    if let Ok(catch) =
        Reflect::get(promise, &JsValue::from_str("catch")).and_then(|c| c.dyn_into::<Function>())
    {
        let _ = catch.call1(promise, &ignore);
    }
}

/// The wait, until the session is decided.
struct Wait {
    api: Api,
    uid: uuid::Uuid,
    public_key: cs::PublicKey,
    expires_at: chrono::DateTime<chrono::Utc>,
    abort: AbortController,
    cancelled: Rc<Cell<bool>>,
    known: Known,
}

impl Wait {
    async fn until_decided(self) -> Result<LoginSession, CountersignError> {
        let mut waiting = Waiting::new(WaitPolicy::default(), self.expires_at);
        let long_poll = waiting.policy().long_poll_query();
        let signal = self.abort.signal();
        loop {
            if self.cancelled.get() {
                return Err(Failure::Cancelled.into());
            }
            let answer = match waiting.next_attempt() {
                Attempt::LongPoll => {
                    self.api
                        .wait_once(self.uid, &long_poll, Some(&signal))
                        .await
                }
                Attempt::QuickRead => self.api.session(self.uid, Some(&signal)).await,
            };
            let step = match answer {
                Ok(session) => {
                    if session.uid() != self.uid {
                        return Err(
                            Failure::BadAnswer("an answer about another session".into()).into()
                        );
                    }
                    let status = session.status();
                    if let Some(outcome) = self.outcome(session) {
                        return outcome;
                    }
                    match waiting.after_answer(status, clock::now()) {
                        // The service should have expired it long ago.
                        Step::GiveUp => return Err(Failure::Expired.into()),
                        step => step,
                    }
                }
                Err(_) if self.cancelled.get() => return Err(Failure::Cancelled.into()),
                Err(error) => {
                    // A failure in this browser is final; the service's and
                    // the network's are judged by the core's policy.
                    let Some(failure) = error.wait_failure() else {
                        return Err(error.into());
                    };
                    match waiting.after_failure(&failure, clock::now()) {
                        Step::Done | Step::GiveUp => return Err(error.into()),
                        step => step,
                    }
                }
            };
            if let Step::Pause(pause) = step {
                timer::sleep(pause).await;
            }
        }
    }

    /// How the wait ends with this session, or `None` while it is pending.
    fn outcome(&self, session: cs::LoginSession) -> Option<Result<LoginSession, CountersignError>> {
        let failure = match session.status() {
            Status::Pending => return None,
            Status::Approved => {
                // The service must have approved the request we made, with
                // our keys, not some other session.
                return Some(if session.public_key() == Some(&self.public_key) {
                    *self.known.borrow_mut() = Some(session.clone());
                    Ok(session.into())
                } else {
                    Err(Failure::BadAnswer("the approved session holds other keys".into()).into())
                });
            }
            Status::Denied => Failure::Denied,
            Status::Suspicious => Failure::Suspicious,
            Status::Expired => Failure::Expired,
            Status::LoggedOut => Failure::LoggedOut,
        };
        Some(Err(CountersignError::from(failure).about(session)))
    }
}

/// A login requested from the service: the details to show the user, the
/// `approved` promise, authorisations once approved, the logout and the
/// cancel.
///
/// The secret halves of the session's two keys are held here, in wasm
/// memory, and never given to JavaScript. Call `free()` when done with it to
/// wipe them at once rather than when it is garbage-collected.
#[wasm_bindgen(js_name = Login)]
pub struct Login {
    api: Api,
    answer: RequestAnswer,
    session_key: Keypair,
    cert_key: Rc<Keypair>,
    approved: Promise,
    abort: AbortController,
    cancelled: Rc<Cell<bool>>,
    known: Known,
}

#[wasm_bindgen(js_class = Login)]
impl Login {
    /// The session uid.
    #[wasm_bindgen(getter, js_name = uid)]
    pub fn uid(&self) -> String {
        self.answer.uid.to_string()
    }

    /// The short id people type: `xx.xx.xx.xx`.
    #[wasm_bindgen(getter, js_name = shortUid)]
    pub fn short_uid(&self) -> String {
        self.answer.short_uid.to_string()
    }

    /// The URL the approver opens.
    #[wasm_bindgen(getter, js_name = loginUrl)]
    pub fn login_url(&self) -> String {
        self.answer.login_url.clone()
    }

    /// The code to show the user, who must type it to approve. The
    /// service drew it for this request and tells no one else.
    #[wasm_bindgen(getter, js_name = verificationCode)]
    pub fn verification_code(&self) -> u8 {
        self.answer.verification_code.value()
    }

    /// When the request stops being approvable.
    #[wasm_bindgen(getter, js_name = expiresAtMs)]
    pub fn expires_at_ms(&self) -> f64 {
        ms(self.answer.expires_at)
    }

    /// The service asked, its URL in its normal form.
    #[wasm_bindgen(getter, js_name = server)]
    pub fn server(&self) -> String {
        self.api.service().to_string()
    }

    /// The public half of the session key.
    #[wasm_bindgen(getter, js_name = publicKey)]
    pub fn public_key(&self) -> String {
        self.session_key.public_key().to_text()
    }

    /// The public half of the key that signs the logout.
    #[wasm_bindgen(getter, js_name = publicCertificate)]
    pub fn public_certificate(&self) -> String {
        self.cert_key.public_key().to_text()
    }

    /// Resolves with the approved `LoginSession`; rejects with a
    /// `CountersignError` whose code is `denied`, `suspicious`, `expired`,
    /// `logged_out` or `cancelled` (or a service or network code).
    #[wasm_bindgen(getter, unchecked_return_type = "Promise<LoginSession>", js_name = approved)]
    pub fn approved(&self) -> Promise {
        self.approved.clone()
    }

    /// Stops waiting: `approved` rejects with `cancelled`. The session
    /// itself is unchanged at the service.
    #[wasm_bindgen(js_name = stopWaiting)]
    pub fn stop_waiting(&self) {
        self.cancelled.set(true);
        self.abort.abort();
    }

    /// The value of an `Authorization` header, `Countersign <token>`, that
    /// authorises `resource` (named as the relying party names it, such as
    /// `GET https://api.example/v1/files`) under this approved login:
    /// signed now with the session's certificate key, with a fresh 128-bit
    /// nonce, binding the SHA-256 of `body` when given (a string, as its
    /// UTF-8 bytes, or a `Uint8Array`). A relying party accepts it for 5
    /// minutes, and never once the session is logged out.
    ///
    /// Throws `session_not_approved` before `approved` has resolved,
    /// `logged_out` after `logout()` or `cancel()`, `expired` once the
    /// login's lifetime is over, `bad_resource` for an empty or multi-line
    /// resource.
    #[wasm_bindgen(js_name = authorise)]
    pub fn authorise(
        &self,
        resource: &str,
        #[wasm_bindgen(unchecked_optional_param_type = "AuthoriseOptions")] options: JsValue,
    ) -> Result<String, CountersignError> {
        let options = Options::read_opt(options, &["body"])?;
        let body = options.opt_bytes("body")?;
        let known = self.known.borrow();
        let session = known
            .as_ref()
            .ok_or(AuthorisationError::SessionNotApproved)?;
        let now = clock::now();
        match session.status_at(now) {
            Status::Approved => {}
            Status::LoggedOut => return Err(AuthorisationError::LoggedOut.into()),
            Status::Expired => return Err(AuthorisationError::Expired.into()),
            Status::Pending | Status::Denied | Status::Suspicious => {
                return Err(AuthorisationError::SessionNotApproved.into());
            }
        }
        let authorisation = Authorisation::for_session(
            session,
            self.api.service().as_str(),
            resource,
            body.as_deref(),
            now,
            random()?,
        )?;
        Ok(authorisation.sign(&self.cert_key).header_value())
    }

    /// Cancels the request: stops the wait at once (`approved` rejects with
    /// `cancelled`, as after `stopWaiting()`) and logs the session out at
    /// the service with the certificate key, so that it can no longer be
    /// approved and the approval page says it was cancelled. Resolves with
    /// the logged-out session; rejects (`network`, ...) if the logout could
    /// not be sent, and the request then stays approvable until it expires.
    /// On an approved login it is `logout()`.
    #[wasm_bindgen(unchecked_return_type = "Promise<LoginSession>", js_name = cancel)]
    pub fn cancel(&self) -> Promise {
        self.stop_waiting();
        self.logout()
    }

    /// Logs the session out with a statement signed by the certificate key,
    /// and resolves with the logged-out session.
    #[wasm_bindgen(unchecked_return_type = "Promise<LoginSession>", js_name = logout)]
    pub fn logout(&self) -> Promise {
        let (api, uid, cert_key) = (self.api.clone(), self.answer.uid, self.cert_key.clone());
        let known = self.known.clone();
        future_to_promise(async move {
            let session = logout(&api, uid, &cert_key).await?;
            // Authorisations stop here rather than at a relying party.
            *known.borrow_mut() = Some(session.inner().clone());
            Ok(session.into())
        })
    }
}

async fn logout(
    api: &Api,
    uid: uuid::Uuid,
    cert_key: &Keypair,
) -> Result<LoginSession, CountersignError> {
    // The digest binds the statement to the session as the service keeps
    // it (the address it saw, its times), so read it first.
    let session = api.session(uid, None).await?;
    let claim = client::logout_claim(&session)?;
    let service = api.service().clone();
    let signed = Statement::new(claim, service, Signer::Requester, clock::now()).sign(cert_key);
    Ok(api.act(uid, &signed).await?.into())
}
