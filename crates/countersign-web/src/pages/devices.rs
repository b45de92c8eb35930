//! This user's devices: list them, revoke one, enroll another; the
//! enrollment links not yet used and the revocations waiting out their
//! delay, each with Cancel.

use countersign_core::api::{DeviceInfo, InviteInfo, PendingRevocation, RevokeAnswer};
use yew::{Callback, Html, component, html, use_state};

use crate::components::account_picker::AccountPicker;
use crate::components::device_name::device_name;
use crate::components::notice::{Tone, notice};
use crate::components::passkey_offer::PasskeyOffer;
use crate::components::pending_invites::PendingInvites;
use crate::components::pending_revocations::PendingRevocations;
use crate::components::session_details::when;
use crate::hooks::{Loaded, use_account};
use crate::services;

/// The devices page.
#[component]
pub fn Devices() -> Html {
    let account = use_account();
    let invite = use_state(|| None::<Result<String, String>>);
    let problem = use_state(|| None::<String>);
    // What a change did, when there is more to say than the list shows: a
    // revocation that waits, a cancel. (Title, text.)
    let told = use_state(|| None::<(String, String)>);
    let on_select = {
        let selected = account.selected.clone();
        Callback::from(move |index| selected.set(index))
    };
    let body = match &*account.loaded {
        Loaded::Loading => html! { <p class="placeholder">{ "Reading your devices…" }</p> },
        Loaded::NoKeys => no_keys(),
        Loaded::Failed(why) => notice(Tone::Bad, "Your devices cannot be read", &[why]),
        Loaded::Ready(ready) => {
            let (key, view) = &**ready;
            let make_invite = {
                let (key, invite, reload) = (key.clone(), invite.clone(), account.reload.clone());
                Callback::from(move |_| {
                    let (key, invite, reload) = (key.clone(), invite.clone(), reload.clone());
                    yew::platform::spawn_local(async move {
                        let made = services::invite(&key).await;
                        let listed = made.is_ok();
                        invite.set(Some(made.map_err(|e| services::explain(&e))));
                        // The new link joins the links not yet used.
                        if listed {
                            reload.emit(());
                        }
                    });
                })
            };
            let revoke = {
                let (key, problem, told, reload) = (
                    key.clone(),
                    problem.clone(),
                    told.clone(),
                    account.reload.clone(),
                );
                Callback::from(move |device: DeviceInfo| {
                    let (key, problem, told, reload) =
                        (key.clone(), problem.clone(), told.clone(), reload.clone());
                    yew::platform::spawn_local(async move {
                        match services::revoke(&key, device.uid).await {
                            Ok(answer) => {
                                problem.set(None);
                                told.set(match answer {
                                    RevokeAnswer::Pending(pending) => {
                                        Some(revocation_waits(&device.name, &pending))
                                    }
                                    RevokeAnswer::Revoked(_) => None,
                                });
                                reload.emit(());
                            }
                            Err(error) => problem.set(Some(services::explain(&error))),
                        }
                    });
                })
            };
            let cancel_revocation = {
                let (key, problem, told, reload) = (
                    key.clone(),
                    problem.clone(),
                    told.clone(),
                    account.reload.clone(),
                );
                let devices = view.devices.clone();
                Callback::from(move |pending: PendingRevocation| {
                    let (key, problem, told, reload) =
                        (key.clone(), problem.clone(), told.clone(), reload.clone());
                    let name = device_name(&devices, pending.device);
                    yew::platform::spawn_local(async move {
                        match services::cancel_revocation(&key, pending.device).await {
                            Ok(_) => {
                                problem.set(None);
                                told.set(Some((
                                    "Revocation cancelled".into(),
                                    format!("{name} stays active: it was not revoked."),
                                )));
                                reload.emit(());
                            }
                            Err(error) => {
                                problem.set(Some(services::explain_change(&error)));
                                reload.emit(());
                            }
                        }
                    });
                })
            };
            let cancel_invite = {
                let (key, problem, told, reload) = (
                    key.clone(),
                    problem.clone(),
                    told.clone(),
                    account.reload.clone(),
                );
                Callback::from(move |link: InviteInfo| {
                    let (key, problem, told, reload) =
                        (key.clone(), problem.clone(), told.clone(), reload.clone());
                    yew::platform::spawn_local(async move {
                        match services::cancel_invite(&key, link.id).await {
                            Ok(_) => {
                                problem.set(None);
                                told.set(Some((
                                    "Enrollment link cancelled".into(),
                                    "Nobody can enroll a device with it any more.".into(),
                                )));
                                reload.emit(());
                            }
                            Err(error) => {
                                problem.set(Some(services::explain_change(&error)));
                                reload.emit(());
                            }
                        }
                    });
                })
            };
            let waiting = |uid| view.pending_revocations.iter().find(|p| p.device == uid);
            html! {
                <>
                    <p>{ "Devices of " }<strong>{ &view.user.username }</strong>{ ". Each holds its own key; revoking one stops it approving anything." }</p>
                    { (*problem).as_ref().map(|p| notice(Tone::Bad, "Not done", &[p])).unwrap_or_default() }
                    { (*told).as_ref().map(|(title, text)| notice(Tone::Info, title, &[text])).unwrap_or_default() }
                    { waiting(key.device_uid).map(|p| against_this(p, &view.devices)).unwrap_or_default() }
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
                                        <td data-label="State">{ device.revoked_at.map(|t| format!("revoked {}", when(t))).or_else(|| waiting(device.uid).map(|p| format!("active, revocation due {}", when(p.due_at)))).unwrap_or_else(|| "active".into()) }</td>
                                        <td data-label="Passkey">{ if view.passkeys.contains(&device.uid) { html! { <span class="badge">{ "passkey" }</span> } } else { html! { "none" } } }</td>
                                        <td>{ if device.revoked_at.is_none() && waiting(device.uid).is_none() {
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
                    <h2>{ "Revocations waiting" }</h2>
                    <p>{ "A device revoked by a device enrolled after it keeps working until the time shown, and can cancel the revocation until then." }</p>
                    <PendingRevocations pending={view.pending_revocations.clone()} devices={view.devices.clone()} this_device={key.device_uid} on_cancel={cancel_revocation} />
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
                        Some(Err(why)) => notice(Tone::Bad, "No link was made", &[why]),
                        None => html! {},
                    } }
                    <h2>{ "Enrollment links not yet used" }</h2>
                    <PendingInvites invites={view.invites.clone()} devices={view.devices.clone()} on_cancel={cancel_invite} />
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

/// What the page says after a revocation that waits: plainly when it
/// takes effect, and that the device can stop it.
fn revocation_waits(name: &str, pending: &PendingRevocation) -> (String, String) {
    let due = when(pending.due_at);
    (
        "Revocation pending".into(),
        format!(
            "{name} was enrolled before this device, so it is not revoked at once: the revocation takes effect at {due} unless {name} cancels it before then."
        ),
    )
}

/// The warning a device sees when another device asked to revoke it.
fn against_this(pending: &PendingRevocation, devices: &[DeviceInfo]) -> Html {
    let by = device_name(devices, pending.requested_by);
    let text = format!(
        "{by} asked to revoke this device. It takes effect at {} unless you cancel it. If you did not ask for this, cancel it below, then revoke {by}.",
        when(pending.due_at)
    );
    notice(
        Tone::Bad,
        "Another device asked to revoke this one",
        &[&text],
    )
}

/// What to say when this browser holds no key.
pub fn no_keys() -> Html {
    notice(
        Tone::Info,
        "This browser is not enrolled",
        &[
            "Open an enrollment link from your admin, or make one on the Devices page of a browser that is already enrolled.",
        ],
    )
}
