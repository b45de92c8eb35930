//! The user's own audit trail, newest first: what happened on the account
//! and to the logins requested for it, refusals included, each with the
//! device that signed and the address it came from; an "Older entries"
//! button goes on to the next page.

use countersign_core::api::{AuditAction, AuditRecord, AuditSubject, DeviceInfo};
use countersign_core::{DenyReason, LoginSession, Status};
use uuid::Uuid;
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

/// What an entry says happened, in words, from its subject, action and
/// fields (never from its note). An entry this version does not know is
/// named as the service names it, escaped.
pub fn describe(record: &AuditRecord) -> String {
    use AuditAction as A;
    use AuditSubject as S;
    let from = record
        .from_status
        .as_deref()
        .and_then(|status| status.parse::<Status>().ok());
    let known = match (&record.subject, &record.action) {
        (S::Session, A::Request) => "Login requested",
        (S::Session, A::Approve) => "Approved",
        (S::Session, A::Deny) if record.deny_reason == Some(DenyReason::WrongCode) => {
            "Denied: the code typed was not the program's"
        }
        (S::Session, A::Deny) => "Denied",
        (S::Session, A::ReportSuspicious) => "Reported as not theirs (\"This wasn't me\")",
        (S::Session, A::Logout) if from == Some(Status::Pending) && record.device_uid.is_none() => {
            "Cancelled by the program"
        }
        (S::Session, A::Logout) if record.revoked_device.is_some() => {
            "Logged out: the device that approved it was revoked"
        }
        (S::Session, A::Logout) => "Logged out",
        (S::Session, A::Expire) => "Expired",
        (S::Device, A::Enroll) => "Device enrolled",
        (S::Device, A::Revoke) => "Device revoked",
        (S::Device, A::RevokeRequested) => "Revocation of a device asked (waits out the delay)",
        (S::Device, A::RevocationCancelled) => "Revocation cancelled",
        (S::Enrollment, A::Invite) => "Enrollment link made",
        (S::Enrollment, A::Cancel) => "Enrollment link cancelled",
        (S::User, A::Add) => "Account created",
        (S::User, A::Disable) => "Account disabled",
        (S::User, A::Enable) => "Account enabled",
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

/// An entry's details, escaped, with the uids of the account's devices
/// given as their names: the revocation that logged a login out
/// ("revocation of device Laptop"), then the entry's note ("revocation of
/// device Laptop asked by device Phone").
pub fn note(record: &AuditRecord, devices: &[DeviceInfo]) -> String {
    let named = |uid: Uuid| {
        devices
            .iter()
            .find(|device| device.uid == uid)
            .map_or_else(|| uid.to_string(), |device| device.name.clone())
    };
    let revoked = record
        .revoked_device
        .map(|uid| shown(&format!("revocation of device {}", named(uid))));
    let note = record.note.as_deref().map(|note| {
        let named = devices.iter().fold(note.to_owned(), |text, device| {
            text.replace(&device.uid.to_string(), &device.name)
        });
        shown(&named)
    });
    revoked
        .into_iter()
        .chain(note)
        .collect::<Vec<_>>()
        .join("; ")
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
