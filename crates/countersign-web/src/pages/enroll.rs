//! The enrollment link's page: make this browser a device of the user,
//! then offer it a passkey.

use countersign_browser::keys::DeviceKey;
use countersign_core::DeviceName;
use countersign_core::client::EnrollmentLink;
use web_sys::HtmlInputElement;
use yew::{
    Callback, Html, InputEvent, SubmitEvent, TargetCast, component, html, use_effect_with,
    use_state,
};
use yew_router::hooks::use_location;
use yew_router::prelude::Link;

use crate::components::notice::{Notice, Tone, notice};
use crate::components::passkey_offer::PasskeyOffer;
use crate::route::{self, Route};
use crate::services;

#[derive(Debug, Clone, PartialEq)]
enum Phase {
    Loading,
    Failed(String),
    Ready(String),
    Enrolling(String),
    Done(String, Box<DeviceKey>),
}

/// The enrollment page.
#[component]
pub fn Enroll() -> Html {
    let link: Option<EnrollmentLink> =
        use_location().and_then(|location| route::enrollment_link(&location).ok());
    let phase = use_state(|| Phase::Loading);
    let name = use_state(|| "This browser".to_owned());
    let problem = use_state(|| None::<String>);
    {
        let phase = phase.clone();
        use_effect_with(link.clone(), move |link| {
            let Some(link) = link.clone() else {
                return phase.set(Phase::Failed(
                    "This is not an enrollment link: it has no valid token. Open the link exactly as it was given to you.".into(),
                ));
            };
            yew::platform::spawn_local(async move {
                phase.set(match services::enrollment(&link).await {
                    Ok(username) => Phase::Ready(username),
                    Err(error) => Phase::Failed(services::explain(&error)),
                });
            });
        });
    }
    let oninput = {
        let name = name.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            name.set(input.value());
        })
    };
    let onsubmit = {
        let (phase, name, problem) = (phase.clone(), name.clone(), problem.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Phase::Ready(username) = (*phase).clone() else {
                return;
            };
            let device_name = match DeviceName::new(name.trim()) {
                Ok(device_name) => device_name,
                Err(error) => return problem.set(Some(error.to_string())),
            };
            let Some(link) = link.clone() else {
                return;
            };
            problem.set(None);
            phase.set(Phase::Enrolling(username.clone()));
            let (phase, problem) = (phase.clone(), problem.clone());
            yew::platform::spawn_local(async move {
                match services::enroll(&link, device_name).await {
                    Ok(key) => phase.set(Phase::Done(username, Box::new(key))),
                    Err(error) => {
                        problem.set(Some(services::explain(&error)));
                        phase.set(Phase::Ready(username));
                    }
                }
            });
        })
    };
    let body = match &*phase {
        Phase::Loading => html! { <p class="placeholder">{ "Reading the enrollment link…" }</p> },
        Phase::Failed(why) => html! {
            { notice(
                Tone::Bad,
                "This enrollment link cannot be used",
                &[why, "Enrollment links work once and for a day. Ask your admin for a new one, or create one from the Devices page of a browser that is already enrolled."],
            ) }
        },
        Phase::Ready(username) | Phase::Enrolling(username) => {
            let busy = matches!(*phase, Phase::Enrolling(_));
            html! {
                <form class="enroll" {onsubmit}>
                    <p>{ "Enroll this browser as a device of " }<strong>{ username }</strong>{ ". Its key is made here and never leaves it; the service only keeps the public half." }</p>
                    <label for="device-name">{ "Device name" }</label>
                    <input id="device-name" type="text" maxlength="64" value={(*name).clone()} {oninput}
                        aria-invalid={problem.is_some().to_string()} aria-describedby="device-name-problem" />
                    <p id="device-name-problem" class="problem" role="alert">{ (*problem).clone().unwrap_or_default() }</p>
                    <button class="primary" type="submit" disabled={busy}>
                        { if busy { "Enrolling…" } else { "Enroll this browser" } }
                    </button>
                </form>
            }
        }
        Phase::Done(username, key) => html! {
            <>
                <Notice tone={Tone::Good} title="This browser is enrolled">
                    <p>{ format!("“{}” can now approve logins for {username}. Open login links in this browser.", key.name.as_str()) }</p>
                    <p><Link<Route> to={Route::Devices}>{ "See your devices" }</Link<Route>></p>
                </Notice>
                <PasskeyOffer device={(**key).clone()} />
            </>
        },
    };
    html! {
        <article>
            <h1>{ "Enroll a device" }</h1>
            { body }
        </article>
    }
}
