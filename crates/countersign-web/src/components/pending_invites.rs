//! The enrollment links of the account not yet used: who made each, when
//! it stops working, and a button to cancel it.

use countersign_core::api::{DeviceInfo, InviteInfo};
use yew::{Callback, Html, Properties, component, html};

use crate::components::device_name::device_name;
use crate::components::session_details::when;

/// The links and what to do with one.
#[derive(Properties, PartialEq)]
pub struct PendingInvitesProps {
    /// The links not yet used.
    pub invites: Vec<InviteInfo>,
    /// The account's devices, to name who made each link.
    pub devices: Vec<DeviceInfo>,
    /// Called with the link to cancel.
    pub on_cancel: Callback<InviteInfo>,
}

/// Who made a link: a device of the user, or the admin.
pub fn made_by(invite: &InviteInfo, devices: &[DeviceInfo]) -> String {
    match invite.invited_by {
        Some(uid) => device_name(devices, uid),
        None => "your admin".into(),
    }
}

/// A table of the links, or a line saying there are none.
#[component]
pub fn PendingInvites(props: &PendingInvitesProps) -> Html {
    if props.invites.is_empty() {
        return html! { <p class="muted">{ "No enrollment links are waiting to be used." }</p> };
    }
    html! {
        <table class="list">
            <caption class="visually-hidden">{ "Enrollment links not yet used" }</caption>
            <thead><tr>
                <th scope="col">{ "Link" }</th><th scope="col">{ "Made by" }</th><th scope="col">{ "Expires" }</th>
                <th scope="col"><span class="visually-hidden">{ "Actions" }</span></th>
            </tr></thead>
            <tbody>
                { for props.invites.iter().map(|invite| {
                    let by = made_by(invite, &props.devices);
                    let id = invite.id.to_text();
                    let short = id.chars().take(8).collect::<String>();
                    let label = format!("Cancel the link {short} made by {by}");
                    let (on_cancel, target) = (props.on_cancel.clone(), invite.clone());
                    html! {
                        <tr>
                            <td data-label="Link"><code>{ short }</code></td>
                            <td data-label="Made by">{ by }</td>
                            <td data-label="Expires"><time datetime={invite.expires_at.to_rfc3339()}>{ when(invite.expires_at) }</time></td>
                            <td><button type="button" class="warn" aria-label={label} onclick={Callback::from(move |_| on_cancel.emit(target.clone()))}>{ "Cancel" }</button></td>
                        </tr>
                    }
                }) }
            </tbody>
        </table>
    }
}
