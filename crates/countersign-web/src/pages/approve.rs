//! The login URL's page: check a pending request and approve, deny or
//! report it with this browser's device key. While it is shown, a long poll
//! (in `services`) tells the page if the request ends elsewhere: cancelled
//! by its program, decided on another device, or expired. A device with a
//! passkey confirms each decision with the person's gesture: the page says
//! so before signing, and a gesture cancelled or timed out changes nothing.

use std::rc::Rc;

use countersign_browser::keys::DeviceKey;
use countersign_core::api::ApprovalView;
use countersign_core::{LoginSession, ShortUid, Status, VerificationCode};
use yew::{Callback, Html, Reducible, component, html, use_effect_with, use_reducer};
use yew_router::hooks::use_location;
use yew_router::prelude::Link;

use crate::components::account_picker::AccountPicker;
use crate::components::code_input::CodeInput;
use crate::components::notice::{Notice, Tone, notice};
use crate::components::session_details::{SessionDetails, shown};
use crate::route::{ApproveQuery, Route};
use crate::services::{self, Decided, Decision, Request};

/// Where the page stands.
#[derive(Debug, Clone, PartialEq)]
enum Phase {
    Loading,
    /// The link leads nowhere: a title and what to do next.
    Failed(String, String),
    /// The request is shown and can be decided.
    Ready,
    /// A decision is being signed and sent.
    Sending,
    /// The request was decided here.
    Done(Status),
    /// The code typed was not the program's, and the request was denied.
    WrongCode,
    /// The request ran out while shown.
    Expired,
    /// The program that made the request cancelled it.
    Cancelled,
}

#[derive(Debug, Clone, PartialEq)]
struct State {
    phase: Phase,
    view: Option<ApprovalView>,
    keys: Vec<DeviceKey>,
    selected: usize,
    typed: Option<VerificationCode>,
    problem: Option<String>,
}

enum Action {
    Loaded(Box<Result<Request, String>>),
    Failed(String, String),
    Typed(Option<VerificationCode>),
    Select(usize),
    Sending,
    Sent(Result<Decided, String>),
    Expired,
    /// The request is no longer pending (the long poll's answer).
    Ended(Box<LoginSession>),
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::Loaded(loaded) => match *loaded {
                Ok(Request::Pending(view, keys)) => {
                    next.view = Some(*view);
                    next.keys = keys;
                    next.phase = Phase::Ready;
                }
                Ok(Request::Cancelled) => next.phase = Phase::Cancelled,
                Err(why) => {
                    next.phase = Phase::Failed("This request cannot be shown".into(), why);
                }
            },
            Action::Failed(title, why) => next.phase = Phase::Failed(title, why),
            Action::Typed(code) => next.typed = code,
            Action::Select(index) => next.selected = index,
            Action::Sending => {
                next.phase = Phase::Sending;
                next.problem = None;
            }
            Action::Sent(Ok(Decided::Done(status))) => next.phase = Phase::Done(status),
            Action::Sent(Ok(Decided::Cancelled)) => next.phase = Phase::Cancelled,
            Action::Sent(Ok(Decided::WrongCode)) => next.phase = Phase::WrongCode,
            Action::Sent(Err(why)) => {
                next.phase = Phase::Ready;
                next.problem = Some(why);
            }
            Action::Expired => {
                if matches!(next.phase, Phase::Ready | Phase::Loading) {
                    next.phase = Phase::Expired;
                }
            }
            // While a decision is being sent, its own answer says how it
            // ended.
            Action::Ended(session) if next.phase == Phase::Ready => {
                next.phase = if session.was_cancelled() {
                    Phase::Cancelled
                } else if session.status() == Status::Expired {
                    Phase::Expired
                } else {
                    Phase::Done(session.status())
                };
            }
            Action::Ended(_) => {}
        }
        next.into()
    }
}

/// The approval page.
#[component]
pub fn Approve() -> Html {
    let location = use_location();
    let id = location
        .and_then(|l| l.query::<ApproveQuery>().ok())
        .map(|q| q.id)
        .unwrap_or_default();
    let state = use_reducer(|| State {
        phase: Phase::Loading,
        view: None,
        keys: Vec::new(),
        selected: 0,
        typed: None,
        problem: None,
    });
    {
        let state = state.clone();
        use_effect_with(id, move |id| {
            match ShortUid::parse(id) {
                Err(error) => state.dispatch(Action::Failed(
                    "This is not a login link".into(),
                    format!("The link's id is not valid ({error}). Open the link exactly as the program printed it, or type its short id on the home page."),
                )),
                Ok(short) => yew::platform::spawn_local(async move {
                    let loaded = services::load_approval(short).await.map_err(|e| services::explain(&e));
                    state.dispatch(Action::Loaded(Box::new(loaded)));
                }),
            }
        });
    }

    {
        // While a request is shown, learn at once if it ends elsewhere.
        let state = state.clone();
        let shown = state.view.as_ref().map(|v| v.session.uid());
        use_effect_with(shown, move |shown| {
            let watching = shown.and_then(|uid| {
                services::watch_request(uid, move |session| {
                    state.dispatch(Action::Ended(Box::new(session)));
                })
            });
            move || drop(watching)
        });
    }

    let decide = {
        let state = state.clone();
        Callback::from(move |decision: Decision| {
            let (Some(view), Some(key)) =
                (state.view.clone(), state.keys.get(state.selected).cloned())
            else {
                return;
            };
            state.dispatch(Action::Sending);
            let state = state.clone();
            yew::platform::spawn_local(async move {
                let sent = services::decide(&view.session, &key, decision)
                    .await
                    .map_err(|e| services::explain(&e));
                state.dispatch(Action::Sent(sent));
            });
        })
    };

    html! {
        <article class="approve" aria-busy={(state.phase == Phase::Loading || state.phase == Phase::Sending).to_string()}>
            <h1>{ "Approve a login" }</h1>
            { body(&state, &decide) }
        </article>
    }
}

fn body(state: &yew::UseReducerHandle<State>, decide: &Callback<Decision>) -> Html {
    match &state.phase {
        Phase::Loading => html! { <p class="placeholder">{ "Loading the request…" }</p> },
        Phase::Failed(title, why) => html! {
            <Notice tone={Tone::Bad} title={title.clone()}>
                <p>{ why }</p>
                <p><Link<Route> to={Route::Home}>{ "Type a short id instead" }</Link<Route>></p>
            </Notice>
        },
        Phase::Done(status) => outcome(*status),
        Phase::WrongCode => notice(
            Tone::Bad,
            "The code did not match",
            &[
                "The code you typed is not the one the program shows, so the request was denied. Nothing was approved.",
                "If it was you, start again from the program and type the code it shows. If you did not ask for this login, someone else may be trying to log in as you: tell your admin.",
            ],
        ),
        Phase::Expired => notice(
            Tone::Info,
            "This request has expired",
            &[
                "Nothing was approved. If you still want to log in, ask the program for a new request.",
            ],
        ),
        Phase::Cancelled => notice(
            Tone::Info,
            "This request was cancelled",
            &[
                "This request was cancelled by the program that made it.",
                "Nothing was approved, and nothing can be now. If you still want to log in, start again from the program.",
            ],
        ),
        Phase::Ready | Phase::Sending => match &state.view {
            Some(view) => ready(state, view, decide),
            None => html! {},
        },
    }
}

fn ready(
    state: &yew::UseReducerHandle<State>,
    view: &ApprovalView,
    decide: &Callback<Decision>,
) -> Html {
    let on_expired = {
        let state = state.clone();
        Callback::from(move |()| state.dispatch(Action::Expired))
    };
    let sending = state.phase == Phase::Sending;
    let passkey = state
        .keys
        .get(state.selected)
        .is_some_and(services::has_passkey);
    let details = html! { <SessionDetails view={view.clone()} {on_expired} /> };
    if state.keys.is_empty() {
        let first = format!(
            "To approve logins as {}, this browser must first be enrolled as one of their devices: open an enrollment link from your admin, or create one on the Devices page of a browser that is already enrolled.",
            shown(view.session.username().as_str())
        );
        return html! {
            <>
                { details }
                { notice(
                    Tone::Info,
                    "This browser holds no device for this user",
                    &[&first, "If you did not expect this request, you can ignore it: it will expire."],
                ) }
            </>
        };
    }
    let on_code = {
        let state = state.clone();
        Callback::from(move |code| state.dispatch(Action::Typed(code)))
    };
    let on_select = {
        let state = state.clone();
        Callback::from(move |index| state.dispatch(Action::Select(index)))
    };
    let approve = {
        let decide = decide.clone();
        let typed = state.typed;
        Callback::from(move |_| {
            if let Some(code) = typed {
                decide.emit(Decision::Approve(code));
            }
        })
    };
    let deny = {
        let decide = decide.clone();
        Callback::from(move |_| decide.emit(Decision::Deny))
    };
    let suspicious = {
        let decide = decide.clone();
        Callback::from(move |_| decide.emit(Decision::Suspicious))
    };
    html! {
        <>
            { details }
            <AccountPicker keys={state.keys.clone()} selected={state.selected} {on_select} />
            <CodeInput {on_code} disabled={sending} />
            { state.problem.as_ref().map(|p| notice(Tone::Bad, "Not done", &[p])).unwrap_or_default() }
            { passkey_prompt(passkey, sending) }
            <div class="actions">
                <button class="primary" type="button" onclick={approve} disabled={sending || state.typed.is_none()}>
                    { match (sending, passkey) {
                        (false, _) => "Approve",
                        (true, false) => "Signing…",
                        (true, true) => "Waiting for you…",
                    } }
                </button>
                <button type="button" onclick={deny} disabled={sending}>{ "Deny" }</button>
                <button class="warn" type="button" onclick={suspicious} disabled={sending}>{ "This wasn't me" }</button>
            </div>
            { if state.typed.is_none() {
                html! { <p class="hint" id="approve-hint">{ "Type the code the program shows to enable Approve." }</p> }
            } else { html! {} } }
        </>
    }
}

/// What a device with a passkey is told: before a decision, that it will
/// be asked for the gesture; while the browser asks, to give it.
fn passkey_prompt(passkey: bool, sending: bool) -> Html {
    match (passkey, sending) {
        (false, _) => html! {},
        (true, false) => html! {
            <p class="hint" id="passkey-hint">{ "This device has a passkey: after you choose, confirm with your fingerprint, face or security key." }</p>
        },
        (true, true) => html! {
            <p class="passkey-prompt" role="status">{ "Confirm with your fingerprint, face or security key." }</p>
        },
    }
}

fn outcome(status: Status) -> Html {
    match status {
        Status::Approved => notice(
            Tone::Good,
            "Approved",
            &["The program that asked is logged in and can go on. You can close this page."],
        ),
        Status::Denied => notice(
            Tone::Info,
            "Denied",
            &["The program was told no. Nothing was granted."],
        ),
        Status::Suspicious => notice(
            Tone::Bad,
            "Reported as suspicious",
            &[
                "The request grants nothing. If you did not ask for it, someone else tried to log in as you: tell your admin.",
            ],
        ),
        other => notice(Tone::Info, &format!("The request is {other}"), &[]),
    }
}
