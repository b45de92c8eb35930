//! This user's devices: list them, revoke one, enroll another.

use countersign_core::api::DeviceInfo;
use yew::{Callback, Html, component, html, use_state};

use crate::components::account_picker::AccountPicker;
use crate::components::notice::{Notice, Tone};
use crate::components::passkey_offer::PasskeyOffer;
use crate::components::session_details::when;
use crate::hooks::{Loaded, use_account};
use crate::services;

/// The devices page.
#[component]
pub fn Devices() -> Html {
    let account = use_account();
    let invite = use_state(|| None::<Result<String, String>>);
    let problem = use_state(|| None::<String>);
    let on_select = {
        let selected = account.selected.clone();
        Callback::from(move |index| selected.set(index))
    };
    let body = match &*account.loaded {
        Loaded::Loading => html! { <p class="placeholder">{ "Reading your devices…" }</p> },
        Loaded::NoKeys => no_keys(),
        Loaded::Failed(why) => {
            html! { <Notice tone={Tone::Bad} title="Your devices cannot be read"><p>{ why }</p></Notice> }
        }
        Loaded::Ready(ready) => {
            let (key, view) = &**ready;
            let make_invite = {
                let (key, invite) = (key.clone(), invite.clone());
                Callback::from(move |_| {
                    let (key, invite) = (key.clone(), invite.clone());
                    yew::platform::spawn_local(async move {
                        invite.set(Some(
                            services::invite(&key)
                                .await
                                .map_err(|e| services::explain(&e)),
                        ));
                    });
                })
            };
            let revoke = {
                let (key, problem, reload) = (key.clone(), problem.clone(), account.reload.clone());
                Callback::from(move |device: DeviceInfo| {
                    let (key, problem, reload) = (key.clone(), problem.clone(), reload.clone());
                    yew::platform::spawn_local(async move {
                        match services::revoke(&key, device.uid).await {
                            Ok(_) => {
                                problem.set(None);
                                reload.emit(());
                            }
                            Err(error) => problem.set(Some(services::explain(&error))),
                        }
                    });
                })
            };
            html! {
                <>
                    <p>{ "Devices of " }<strong>{ &view.user.username }</strong>{ ". Each holds its own key; revoking one stops it approving anything." }</p>
                    { (*problem).clone().map(|p| html! { <Notice tone={Tone::Bad} title="Not done"><p>{ p }</p></Notice> }).unwrap_or_default() }
                    <table class="list">
                        <caption class="visually-hidden">{ "Devices" }</caption>
                        <thead><tr><th scope="col">{ "Name" }</th><th scope="col">{ "Enrolled" }</th><th scope="col">{ "State" }</th><th scope="col">{ "Passkey" }</th><th scope="col"><span class="visually-hidden">{ "Actions" }</span></th></tr></thead>
                        <tbody>
                            { for view.devices.iter().map(|device| {
                                let this = device.uid == key.device_uid;
                                let revoke = revoke.clone();
                                let target = device.clone();
                                html! {
                                    <tr>
                                        <td data-label="Name">{ &device.name }{ if this { html! { <span class="badge">{ "this browser" }</span> } } else { html! {} } }</td>
                                        <td data-label="Enrolled">{ when(device.created_at) }</td>
                                        <td data-label="State">{ device.revoked_at.map(|t| format!("revoked {}", when(t))).unwrap_or_else(|| "active".into()) }</td>
                                        <td data-label="Passkey">{ if view.passkeys.contains(&device.uid) { html! { <span class="badge">{ "passkey" }</span> } } else { html! { "none" } } }</td>
                                        <td>{ if device.revoked_at.is_none() {
                                            html! { <button type="button" class="warn" aria-label={format!("Revoke {}", device.name)} onclick={Callback::from(move |_| revoke.emit(target.clone()))}>{ "Revoke" }</button> }
                                        } else { html! {} } }</td>
                                    </tr>
                                }
                            }) }
                        </tbody>
                    </table>
                    { if view.passkeys.contains(&key.device_uid) { html! {} } else {
                        html! { <PasskeyOffer device={key.clone()} on_added={account.reload.clone()} /> }
                    } }
                    <h2>{ "Enroll another device" }</h2>
                    <p>{ "Make a one-time link, then open it on the new device within a day." }</p>
                    <button type="button" onclick={make_invite}>{ "Make an enrollment link" }</button>
                    { match &*invite {
                        Some(Ok(url)) => html! {
                            <p class="invite">
                                <label for="invite-link">{ "Enrollment link" }</label>
                                <input id="invite-link" type="text" readonly=true value={url.clone()} />
                            </p>
                        },
                        Some(Err(why)) => html! { <Notice tone={Tone::Bad} title="No link was made"><p>{ why }</p></Notice> },
                        None => html! {},
                    } }
                </>
            }
        }
    };
    html! {
        <article>
            <h1>{ "Devices" }</h1>
            <AccountPicker keys={(*account.keys).clone()} selected={*account.selected} {on_select} />
            { body }
        </article>
    }
}

/// What to say when this browser holds no key.
pub fn no_keys() -> Html {
    html! {
        <Notice tone={Tone::Info} title="This browser is not enrolled">
            <p>{ "Open an enrollment link from your admin, or make one on the Devices page of a browser that is already enrolled." }</p>
        </Notice>
    }
}
