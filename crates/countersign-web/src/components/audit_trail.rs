//! The user's own audit trail, newest first: what happened on the account
//! and to the logins requested for it, refusals included, each with the
//! device that signed and the address it came from; an "Older entries"
//! button goes on to the next page.

use countersign_core::LoginSession;
use countersign_core::api::{AuditRecord, DeviceInfo};
use yew::{Callback, Html, Properties, component, html};

use crate::components::device_name::device_name;
use crate::components::session_details::{shown, when};

/// The entries and how to read more.
#[derive(Properties, PartialEq)]
pub struct AuditTrailProps {
    /// The entries read so far, newest first.
    pub entries: Vec<AuditRecord>,
    /// The account's devices, to name them.
    pub devices: Vec<DeviceInfo>,
    /// The sessions the account lists, to name the logins entries are about.
    pub sessions: Vec<LoginSession>,
    /// Whether older entries can be read.
    pub more: bool,
    /// Whether a page is being read.
    #[prop_or_default]
    pub loading: bool,
    /// Reads the next, older page.
    pub on_older: Callback<()>,
}

/// What an entry says happened, in words. An action this version does not
/// know is named as the service names it, escaped.
pub fn describe(record: &AuditRecord) -> String {
    let from = record.from_status.as_deref();
    let known = match (record.subject.as_str(), record.action.as_str()) {
        ("session", "request") => "Login requested",
        ("session", "approve") => "Approved",
        ("session", "deny") if record.note.as_deref() == Some("wrong_code") => {
            "Denied: the code typed was not the program's"
        }
        ("session", "deny") => "Denied",
        ("session", "report_suspicious") => "Reported as not theirs (\"This wasn't me\")",
        ("session", "logout") if from == Some("pending") && record.device_uid.is_none() => {
            "Cancelled by the program"
        }
        ("session", "logout")
            if record
                .note
                .as_deref()
                .is_some_and(|note| note.starts_with("revocation of device")) =>
        {
            "Logged out: the device that approved it was revoked"
        }
        ("session", "logout") => "Logged out",
        ("session", "expire") => "Expired",
        ("device", "enroll") => "Device enrolled",
        ("device", "revoke") => "Device revoked",
        ("device", "revoke_requested") => "Revocation of a device asked (waits out the delay)",
        ("device", "revocation_cancelled") => "Revocation cancelled",
        ("enrollment", "invite") => "Enrollment link made",
        ("enrollment", "cancel") => "Enrollment link cancelled",
        ("user", "add") => "Account created",
        ("user", "disable") => "Account disabled",
        ("user", "enable") => "Account enabled",
        (subject, action) => return shown(&format!("{subject}: {action}")),
    };
    known.into()
}

/// Who did it: the device that signed, the admin, or nobody (the service's
/// clock, a program).
fn actor(record: &AuditRecord, devices: &[DeviceInfo]) -> String {
    match (record.device_uid, record.source.as_deref()) {
        (Some(uid), _) => device_name(devices, uid),
        (None, Some("admin")) => "your admin".into(),
        (None, _) => String::new(),
    }
}

/// An entry's note, escaped, with the uids of the account's devices given
/// as their names ("revocation of device Laptop asked by device Phone").
pub fn note(record: &AuditRecord, devices: &[DeviceInfo]) -> String {
    let Some(note) = record.note.as_deref() else {
        return String::new();
    };
    let named = devices.iter().fold(note.to_owned(), |text, device| {
        text.replace(&device.uid.to_string(), &device.name)
    });
    shown(&named)
}

/// The login an entry is about: its short id and the host the program
/// named, escaped, when the account lists it.
fn login(record: &AuditRecord, sessions: &[LoginSession]) -> Html {
    let Some(uid) = record.session_uid else {
        return html! {};
    };
    match sessions.iter().find(|session| session.uid() == uid) {
        Some(session) => html! {
            <>
                <code>{ session.short_uid().to_string() }</code>
                { session.hostname().map(|h| html! { <>{ " · " }{ shown(h) }</> }).unwrap_or_default() }
            </>
        },
        None => html! { <code>{ &uid.to_string()[..8] }</code> },
    }
}

/// The trail as a table, with "Older entries" when there are more.
#[component]
pub fn AuditTrail(props: &AuditTrailProps) -> Html {
    let older = props.on_older.reform(|_| ());
    html! {
        <>
            { if props.entries.is_empty() {
                html! { <p class="muted">{ "Nothing has been recorded yet." }</p> }
            } else { html! {
                <table class="list audit">
                    <caption class="visually-hidden">{ "Activity" }</caption>
                    <thead><tr>
                        <th scope="col">{ "When" }</th><th scope="col">{ "What" }</th><th scope="col">{ "Login" }</th>
                        <th scope="col">{ "Device" }</th><th scope="col">{ "Address" }</th><th scope="col">{ "Details" }</th>
                    </tr></thead>
                    <tbody>
                        { for props.entries.iter().map(|record| html! {
                            <tr key={record.id}>
                                <td data-label="When"><time datetime={record.at.to_rfc3339()}>{ when(record.at) }</time></td>
                                <td data-label="What">{ describe(record) }</td>
                                <td data-label="Login">{ login(record, &props.sessions) }</td>
                                <td data-label="Device">{ actor(record, &props.devices) }</td>
                                <td data-label="Address">{ record.source.as_deref().map(shown).unwrap_or_default() }</td>
                                <td data-label="Details">{ note(record, &props.devices) }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            } } }
            { if props.more {
                html! { <button type="button" onclick={older} disabled={props.loading}>{ "Older entries" }</button> }
            } else { html! {} } }
        </>
    }
}
