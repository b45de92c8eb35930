//! Revocations of the account's devices waiting out the service's delay:
//! which device, asked by which, due when; the device a revocation is about
//! (or the one that asked) can cancel it.

use countersign_core::api::{DeviceInfo, PendingRevocation};
use uuid::Uuid;
use yew::{Callback, Html, Properties, component, html};

use crate::components::device_name::device_name;
use crate::components::session_details::when;

/// The revocations and what to do with one.
#[derive(Properties, PartialEq)]
pub struct PendingRevocationsProps {
    /// The revocations waiting.
    pub pending: Vec<PendingRevocation>,
    /// The account's devices, to name them.
    pub devices: Vec<DeviceInfo>,
    /// The device of this browser's key: only it may cancel, when it is
    /// the device a revocation is about or the one that asked.
    pub this_device: Uuid,
    /// Called with the revocation to cancel.
    pub on_cancel: Callback<PendingRevocation>,
}

/// A table of the revocations, or a line saying there are none.
#[component]
pub fn PendingRevocations(props: &PendingRevocationsProps) -> Html {
    if props.pending.is_empty() {
        return html! { <p class="muted">{ "No revocations are waiting." }</p> };
    }
    html! {
        <table class="list">
            <caption class="visually-hidden">{ "Revocations waiting" }</caption>
            <thead><tr>
                <th scope="col">{ "Device" }</th><th scope="col">{ "Asked by" }</th>
                <th scope="col">{ "Asked" }</th><th scope="col">{ "Takes effect" }</th>
                <th scope="col"><span class="visually-hidden">{ "Actions" }</span></th>
            </tr></thead>
            <tbody>
                { for props.pending.iter().map(|pending| {
                    let device = device_name(&props.devices, pending.device);
                    let by = device_name(&props.devices, pending.requested_by);
                    let may_cancel = props.this_device == pending.device || props.this_device == pending.requested_by;
                    let (on_cancel, target) = (props.on_cancel.clone(), pending.clone());
                    html! {
                        <tr>
                            <td data-label="Device">{ &device }{ if props.this_device == pending.device { html! { <span class="badge">{ "this browser" }</span> } } else { html! {} } }</td>
                            <td data-label="Asked by">{ by }</td>
                            <td data-label="Asked"><time datetime={pending.requested_at.to_rfc3339()}>{ when(pending.requested_at) }</time></td>
                            <td data-label="Takes effect"><time datetime={pending.due_at.to_rfc3339()}>{ when(pending.due_at) }</time></td>
                            <td>{ if may_cancel {
                                html! { <button type="button" aria-label={format!("Cancel the revocation of {device}")} onclick={Callback::from(move |_| on_cancel.emit(target.clone()))}>{ "Cancel" }</button> }
                            } else { html! {} } }</td>
                        </tr>
                    }
                }) }
            </tbody>
        </table>
    }
}
