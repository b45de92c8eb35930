//! `SessionWatch` for JavaScript: a relying party's copy of one session,
//! fetched once and kept current in the background by the long poll, so
//! that authorisations are verified offline (no round trip per request)
//! and refused from the moment the session is logged out, reported
//! suspicious or expired. What is checked, and when a silent service makes
//! the watch refuse everything, is the core's `SessionWatch`, and how the
//! long poll is paced the core's `Polling`; this module does the IO and the
//! sleeping, and remembers the nonces of tokens accepted `once`.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use chrono::{DateTime, TimeDelta, Utc};
use countersign_browser::api::Api;
use countersign_browser::{BrowserError, clock};
use countersign_core::client::{self, Next, PollPolicy, Polling, ServiceUrl, WatchPolicy};
use countersign_core::{self as cs, Expectation, Freshness};
use js_sys::Set;
use wasm_bindgen::prelude::*;
use web_sys::AbortController;

use crate::authorisation::{identity_object, read_token};
use crate::convert::{self, Options, ms};
use crate::error::{CountersignError, Failure};
use crate::session::LoginSession;
use crate::timer;

/// A session as a relying party last heard it from the service, kept
/// current in the background.
///
/// `SessionWatch.start({ server, sessionUid })` fetches the session and
/// starts the long poll; `verify(token, { resource })` checks a token
/// offline. While the service is not heard from for a minute, every token
/// is refused with `out_of_touch`, as a logout may have been missed. In
/// Node the long poll keeps the process alive: call `stop()` (or `free()`)
/// when done.
#[wasm_bindgen(js_name = SessionWatch)]
pub struct SessionWatch {
    api: Api,
    shared: Rc<Shared>,
}

/// What the watch and its background long poll share.
struct Shared {
    watch: RefCell<cs::SessionWatch>,
    used: RefCell<UsedNonces>,
    abort: AbortController,
    stopped: Cell<bool>,
}

#[wasm_bindgen(js_class = SessionWatch)]
impl SessionWatch {
    /// Fetches the session `sessionUid` from the service at `server` and
    /// starts keeping it current. Rejects if the session cannot be read
    /// (`not_found`, `network`, ...).
    #[wasm_bindgen(js_name = start)]
    pub async fn start(
        #[wasm_bindgen(unchecked_param_type = "SessionWatchOptions")] options: JsValue,
    ) -> Result<SessionWatch, CountersignError> {
        let options = Options::read(options, &["server", "sessionUid"])?;
        let api = Api::new(ServiceUrl::parse(&options.string("server")?)?);
        let uid = convert::uid(&options.string("sessionUid")?)?;
        let session = api.session(uid, None).await?;
        if session.uid() != uid {
            return Err(Failure::BadAnswer("an answer about another session".into()).into());
        }
        let abort = AbortController::new()
            .map_err(|_| BrowserError::Unsupported("no AbortController".into()))?;
        let shared = Rc::new(Shared {
            watch: RefCell::new(cs::SessionWatch::new(
                session,
                clock::now(),
                WatchPolicy::default(),
            )),
            used: RefCell::new(UsedNonces::new(clock::now(), WatchPolicy::default().window)),
            abort,
            stopped: Cell::new(false),
        });
        wasm_bindgen_futures::spawn_local(keep_current(api.clone(), shared.clone()));
        Ok(SessionWatch { api, shared })
    }

    /// Checks a token (bare, or the whole `Authorization` header value)
    /// offline against the session as last heard, for `resource` (and the
    /// request `body`, when given), and answers who it speaks for. With
    /// `once`, a token this watch accepted before is refused with
    /// `already_used` (remembered for the freshness window, in this watch
    /// only: relying parties on several processes use the service's
    /// `once`). Throws a `CountersignError`: `logged_out`, `suspicious`,
    /// `expired`, `stale`, `wrong_resource`, `bad_signature`,
    /// `out_of_touch`, ...
    #[wasm_bindgen(js_name = verify, unchecked_return_type = "Identity")]
    pub fn verify(
        &self,
        token: &str,
        #[wasm_bindgen(unchecked_param_type = "WatchVerifyOptions")] options: JsValue,
    ) -> Result<JsValue, CountersignError> {
        let read = Options::read(options, &["resource", "body", "once"])?;
        let resource = read.string("resource")?;
        let body = read.opt_bytes("body")?;
        let once = read.opt_bool("once")?.unwrap_or(false);
        let signed = read_token(token)?;
        let expected = Expectation {
            service: self.api.service().as_str(),
            resource: &resource,
            body: body.as_deref(),
        };
        let now = clock::now();
        let identity = self.shared.watch.borrow().verify(&signed, &expected, now)?;
        let nonce = signed.authorisation.nonce().to_text();
        if once && !self.shared.used.borrow_mut().record(&nonce, now) {
            return Err(Failure::AlreadyUsed.into());
        }
        Ok(identity_object(&identity, &signed))
    }

    /// The session as last heard from the service.
    #[wasm_bindgen(getter, js_name = session)]
    pub fn session(&self) -> LoginSession {
        self.shared.watch.borrow().session().clone().into()
    }

    /// The session watched.
    #[wasm_bindgen(getter, js_name = sessionUid)]
    pub fn session_uid(&self) -> String {
        self.shared.watch.borrow().session().uid().to_string()
    }

    /// The service, its URL in its normal form: tokens must name it.
    #[wasm_bindgen(getter, js_name = server)]
    pub fn server(&self) -> String {
        self.api.service().to_string()
    }

    /// When the service last answered about the session.
    #[wasm_bindgen(getter, js_name = heardAtMs)]
    pub fn heard_at_ms(&self) -> f64 {
        ms(self.shared.watch.borrow().heard_at())
    }

    /// Stops the long poll. The watch keeps its last copy, and refuses
    /// every token once it has been silent for a minute.
    #[wasm_bindgen(js_name = stop)]
    pub fn stop(&self) {
        self.shared.stopped.set(true);
        self.shared.abort.abort();
    }
}

impl Drop for SessionWatch {
    /// A watch freed (or collected) stops its long poll.
    fn drop(&mut self) {
        self.stop();
    }
}

/// The long poll, until the watch is stopped, its session is final or the
/// service refuses for good; paced by the core's `Polling`, so this is only
/// the IO and the sleeping.
async fn keep_current(api: Api, shared: Rc<Shared>) {
    let signal = shared.abort.signal();
    let uid = shared.watch.borrow().session().uid();
    let mut polling = Polling::new(PollPolicy::default());
    while !shared.stopped.get() && !shared.watch.borrow().is_final() {
        let query = shared.watch.borrow().wait_query();
        let asked = clock::now();
        let answer = api.wait_once(uid, &query, Some(&signal)).await;
        if shared.stopped.get() {
            return;
        }
        let now = clock::now();
        let next = match answer {
            Ok(session) => match shared.watch.borrow_mut().update(session, now) {
                Ok(changed) => polling.after_answer(changed, asked, now),
                // About another session: not the answer asked for.
                Err(_) => polling.after_failure(&client::Failure::Unreadable),
            },
            Err(error) => match error.wait_failure() {
                Some(failure) => polling.after_failure(&failure),
                // A failure in this browser, which asking again does not
                // change.
                None => Next::Stop,
            },
        };
        match next {
            Next::Again => {}
            Next::Pause(pause) => timer::sleep(pause).await,
            // The watch keeps its last copy and refuses every token once
            // it has been silent too long.
            Next::Stop => return,
        }
    }
}

/// The nonces of tokens accepted `once`, in two generations of JavaScript
/// `Set`s (lighter in wasm than a map with times): a nonce is used if either
/// holds it, and every `keep` the older is dropped, so each is kept at least
/// `keep` (the window back and ahead: as long as its token can be fresh)
/// and at most twice that.
struct UsedNonces {
    current: Set,
    previous: Set,
    turned_at: DateTime<Utc>,
    keep: TimeDelta,
}

impl UsedNonces {
    fn new(now: DateTime<Utc>, window: Freshness) -> Self {
        Self {
            current: Set::new(&JsValue::UNDEFINED),
            previous: Set::new(&JsValue::UNDEFINED),
            turned_at: now,
            keep: window.max_age + window.max_skew,
        }
    }

    /// Records `nonce` at `now`; false if it was recorded already.
    fn record(&mut self, nonce: &str, now: DateTime<Utc>) -> bool {
        if now - self.turned_at >= self.keep {
            self.previous = std::mem::replace(&mut self.current, Set::new(&JsValue::UNDEFINED));
            self.turned_at = now;
        }
        let nonce = JsValue::from_str(nonce);
        if self.current.has(&nonce) || self.previous.has(&nonce) {
            return false;
        }
        self.current.add(&nonce);
        true
    }
}
